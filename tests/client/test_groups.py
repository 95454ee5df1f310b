"""Group management and contact queries through the live client and the simulator: typed
answers, typed refusals with the server's code, and the ``w:gp2`` notifications every member
gets (as `GroupInfoUpdate` / `JoinedGroup` events)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from tests.client.test_e2e import both_ready, first_text
from tests.client.test_session import make_client
from wabus.client import BusinessProfile, Client, ContactError, GroupError
from wabus.core import BaseEvent, Jid
from wabus.core.events import (
    DescriptionChanged,
    GroupInfoUpdate,
    GroupSetting,
    InviteLinkChanged,
    JoinedGroup,
    MembershipRequestsCreated,
    ParticipantAction,
    ParticipantsChanged,
    ParticipantType,
    SettingChanged,
    SubjectChanged,
)
from wabus.core.testing import EventRecorder
from wabus.protocol import GroupMetadata
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE, ALICE_LID, BOB, GROUP

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def two_bots() -> AsyncIterator[
    tuple[Simulator, Client, EventRecorder, Client, EventRecorder]
]:
    async with Simulator() as sim:
        ours, theirs = make_client(sim), make_client(sim)
        async with both_ready(sim, ours, theirs) as (our_events, their_events):
            yield sim, ours, our_events, theirs, their_events


def me(client: Client) -> Jid:
    assert client.state is not None and client.state.pn is not None
    return client.state.pn.to_non_ad()


def change_of(kind: type, group: Jid) -> Callable[[BaseEvent], bool]:
    return lambda e: (
        isinstance(e, GroupInfoUpdate) and e.jid == group and isinstance(e.change, kind)
    )


async def next_change(events: EventRecorder, kind: type, group: Jid, start: int) -> GroupInfoUpdate:
    found = await events.wait_for(change_of(kind, group), timeout=15, start=start)
    assert isinstance(found, GroupInfoUpdate)
    return found


def ranks(metadata: GroupMetadata) -> dict[Jid, ParticipantType | None]:
    return {p.jid: p.type for p in metadata.participants}


async def test_create_a_group_see_it_and_talk_in_it() -> None:
    async with two_bots() as (_, ours, _our_events, theirs, their_events):
        created = await ours.groups.create("Lunch crew", [ALICE, BOB])
        joined = await their_events.wait_for(
            lambda e: isinstance(e, JoinedGroup) and e.jid == created.jid, timeout=15
        )
        seen = await theirs.groups.info(created.jid)
        ours_joined = await ours.groups.joined()
        await ours.send_text(created.jid, "welcome, all")
        got = await first_text(their_events, "welcome, all")

    assert created.subject == "Lunch crew" and created.creator == me(ours)
    assert ranks(created) == {me(ours): ParticipantType.SUPERADMIN, ALICE: None, BOB: None}
    assert created.admins == (me(ours),)
    assert isinstance(joined, JoinedGroup) and joined.reason == "create"
    assert joined.subject == "Lunch crew"
    assert seen.jid == created.jid and ranks(seen) == ranks(created)
    assert {g.jid for g in ours_joined} == {GROUP, created.jid}
    assert got.info.source.chat == created.jid


async def test_participants_change_with_per_participant_results_and_notifications() -> None:
    async with two_bots() as (_, ours, _our, theirs, their_events):
        group = (await ours.groups.create("Team", [ALICE, BOB])).jid
        with pytest.raises(GroupError) as not_admin:
            await theirs.groups.remove(group, [BOB])
        start = len(their_events)
        removed = await ours.groups.remove(group, [BOB, Jid("19999999999", ALICE.server)])
        seen_removed = await next_change(their_events, ParticipantsChanged, group, start)
        again = await ours.groups.remove(group, [BOB])
        added = await ours.groups.add(group, [BOB, ALICE])
        promoted = await ours.groups.promote(group, [ALICE])
        seen_promoted = await their_events.wait_for(
            lambda e: (
                change_of(ParticipantsChanged, group)(e)
                and isinstance(e, GroupInfoUpdate)
                and isinstance(e.change, ParticipantsChanged)
                and e.change.action is ParticipantAction.PROMOTE
            ),
            timeout=15,
        )
        # Now an admin, they may remove; and demote themselves.
        theirs_removed = await theirs.groups.remove(group, [BOB])
        demoted = await theirs.groups.demote(group, [ALICE])
        info = await ours.groups.info(group)

    assert not_admin.value.code == 403 and not_admin.value.text == "forbidden"
    assert [(r.jid, r.status) for r in removed] == [
        (BOB, 200),
        (Jid("19999999999", ALICE.server), 404),
    ]
    assert isinstance(seen_removed.change, ParticipantsChanged)
    assert seen_removed.change.action is ParticipantAction.REMOVE
    assert [p.jid for p in seen_removed.change.participants] == [BOB]
    assert seen_removed.actor is not None and seen_removed.actor.to_non_ad() == me(ours)
    assert [r.status for r in again] == [404]
    assert [(r.jid, r.ok) for r in added] == [(BOB, True), (ALICE, False)]
    assert added[1].status == 409
    assert [r.ok for r in promoted] == [True]
    assert isinstance(seen_promoted, GroupInfoUpdate)
    assert isinstance(seen_promoted.change, ParticipantsChanged)
    assert [p.jid for p in seen_promoted.change.participants] == [ALICE]
    assert [r.ok for r in theirs_removed + demoted] == [True, True]
    assert ranks(info) == {me(ours): ParticipantType.SUPERADMIN, ALICE: None}


async def test_subject_description_and_settings() -> None:
    async with two_bots() as (_, ours, _our, theirs, their_events):
        group = (await ours.groups.create("Old name", [ALICE])).jid
        start = len(their_events)
        await ours.groups.set_subject(group, "New name")
        subject = await next_change(their_events, SubjectChanged, group, start)
        start = len(their_events)
        description_id = await ours.groups.set_description(group, "All about lunch")
        description = await next_change(their_events, DescriptionChanged, group, start)
        start = len(their_events)
        await ours.groups.set_announce(group, True)
        announce = await next_change(their_events, SettingChanged, group, start)
        await ours.groups.set_locked(group, True)
        with pytest.raises(GroupError) as locked_out:
            await theirs.groups.set_subject(group, "Not allowed")
        info = await theirs.groups.info(group)
        with pytest.raises(GroupError) as conflict:
            await ours.groups.set_description(group, "stale", previous_id="not-the-current-one")
        await ours.groups.set_description(group, None, previous_id=info.description_id)
        await ours.groups.set_locked(group, False)
        await theirs.groups.set_subject(group, "Allowed again")
        final = await ours.groups.info(group)

    assert isinstance(subject.change, SubjectChanged) and subject.change.subject == "New name"
    assert isinstance(description.change, DescriptionChanged)
    assert description.change.description == "All about lunch"
    assert description.change.id == description_id
    assert isinstance(announce.change, SettingChanged)
    assert (announce.change.setting, announce.change.enabled) == (GroupSetting.ANNOUNCE, True)
    assert locked_out.value.code == 403
    assert conflict.value.code == 409
    assert (info.subject, info.description, info.announce, info.locked) == (
        "New name",
        "All about lunch",
        True,
        True,
    )
    assert info.description_id == description_id
    assert (final.subject, final.description, final.locked) == ("Allowed again", None, False)
    assert final.subject_owner == ALICE


async def test_invite_links_leave_and_join() -> None:
    async with two_bots() as (_, ours, our_events, theirs, _their):
        group = (await ours.groups.create("Open door", [ALICE])).jid
        code = await ours.groups.invite_code(group)
        assert await ours.groups.invite_code(group) == code  # the same until revoked
        start = len(our_events)
        await theirs.groups.leave(group)
        left = await next_change(our_events, ParticipantsChanged, group, start)
        preview = await theirs.groups.invite_info(code)
        start = len(our_events)
        joined = await theirs.groups.join(f"https://chat.whatsapp.com/{code}")
        came_back = await next_change(our_events, ParticipantsChanged, group, start)
        start = len(our_events)
        new_code = await ours.groups.revoke_invite(group)
        reset = await next_change(our_events, InviteLinkChanged, group, start)
        await theirs.groups.leave(group)
        with pytest.raises(GroupError) as old_code:
            await theirs.groups.join(code)
        with pytest.raises(GroupError) as not_member:
            await theirs.groups.info(group)

    assert isinstance(left.change, ParticipantsChanged)
    assert left.change.action is ParticipantAction.LEAVE
    assert joined == group
    assert (preview.jid, preview.subject) == (group, "Open door")
    assert isinstance(came_back.change, ParticipantsChanged)
    assert came_back.change.action is ParticipantAction.ADD
    assert came_back.change.reason == "invite"
    assert new_code != code
    assert isinstance(reset.change, InviteLinkChanged) and reset.change.code == new_code
    assert old_code.value.code == 404
    assert not_member.value.code == 403


async def test_join_requests_wait_for_approval() -> None:
    async with two_bots() as (_, ours, our_events, theirs, their_events):
        group = (await ours.groups.create("Members only", [BOB])).jid
        await ours.groups.set_join_approval(group, True)
        code = await ours.groups.invite_code(group)
        start = len(our_events)
        with pytest.raises(GroupError) as waiting:
            await theirs.groups.join(code)
        asked = await next_change(our_events, MembershipRequestsCreated, group, start)
        pending = await ours.groups.requests(group)
        rejected_stranger = await ours.groups.reject(group, [BOB])
        approved = await ours.groups.approve(group, [ALICE])
        joined = await their_events.wait_for(
            lambda e: isinstance(e, JoinedGroup) and e.jid == group, timeout=15
        )
        info = await ours.groups.info(group)

    assert waiting.value.code == 412
    assert isinstance(asked.change, MembershipRequestsCreated)
    assert [p.jid for p in asked.change.requests] == [ALICE]
    assert pending == [ALICE]
    assert [r.status for r in rejected_stranger] == [404]
    assert [(r.jid, r.ok) for r in approved] == [(ALICE, True)]
    assert isinstance(joined, JoinedGroup)
    assert ALICE in ranks(info) and info.join_approval


async def test_group_errors_carry_the_server_code() -> None:
    async with two_bots() as (_, ours, *_rest):
        nowhere = Jid("120363099999999999", GROUP.server)
        with pytest.raises(GroupError) as missing:
            await ours.groups.info(nowhere)
        with pytest.raises(ValueError, match="not a group"):
            await ours.groups.info(ALICE)
        with pytest.raises(ValueError, match="subject"):
            await ours.groups.create("", [ALICE])
    assert (missing.value.code, missing.value.text) == (404, "item-not-found")


async def test_contacts_on_whatsapp_status_lid_picture_and_blocking() -> None:
    async with two_bots() as (sim, ours, _our, theirs, _their):
        alice = sim.directory.account(ALICE)
        assert alice is not None
        alice.status = "At lunch"
        alice.picture = ("1700000000", "https://mmg.example/alice.jpg")
        found = await ours.contacts.is_on_whatsapp([f"+{ALICE.user}", "+1 999 000 1111"])
        statuses = await ours.contacts.status([ALICE, Jid("19990001111", ALICE.server)])
        lids = await ours.contacts.lids([ALICE, Jid("19990001111", ALICE.server)])
        alice.business = {
            "description": "Fresh bread",
            "address": "1 Main St",
            "website": "https://bakery.example",
            "email": "hi@bakery.example",
            "category": "Bakery",
            "timezone": "Europe/London",
        }
        business = await ours.contacts.business_profile(ALICE)
        personal = await ours.contacts.business_profile(BOB)
        picture = await ours.contacts.profile_picture(ALICE)
        none = await ours.contacts.profile_picture(BOB)
        await theirs.contacts.block(me(ours))
        blocked_picture = await ours.contacts.profile_picture(ALICE)
        their_list = await theirs.contacts.blocklist()
        await theirs.contacts.unblock(me(ours))
        after = await theirs.contacts.blocklist()
        with pytest.raises(ValueError, match="phones"):
            await ours.contacts.is_on_whatsapp(["not a number"])
        with pytest.raises(ContactError) as unknown:
            await ours.contacts.block(Jid("19990001111", ALICE.server))

    assert [(f.phone, f.jid, f.exists) for f in found] == [
        (f"+{ALICE.user}", ALICE, True),
        ("+19990001111", Jid("19990001111", ALICE.server), False),
    ]
    assert statuses[0].jid == ALICE and statuses[0].text == "At lunch"
    assert statuses[0].set_at is not None
    assert statuses[1].text is None
    assert lids == {ALICE: ALICE_LID}
    assert ours.contacts.phone_number(ALICE_LID) == ALICE  # learnt from the answer
    assert ours.contacts.lid(ALICE) == ALICE_LID
    assert business == BusinessProfile(
        jid=ALICE,
        description="Fresh bread",
        address="1 Main St",
        email="hi@bakery.example",
        websites=("https://bakery.example",),
        category="Bakery",
        timezone="Europe/London",
    )
    assert personal is None
    assert picture is not None and picture.url == "https://mmg.example/alice.jpg"
    assert picture.id == "1700000000"
    assert none is None
    assert blocked_picture is None  # who is blocked sees no picture
    assert len(their_list) == 1 and their_list[0].is_lid
    assert after == []
    assert unknown.value.code == 404
