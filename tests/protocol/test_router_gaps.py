"""The router's gaps found with stanzas encoded by Baileys (issue 11 §3), one test each, with
the stanzas in the shapes real clients parse (`tests.protocol.stanza_shapes`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import structlog

from tests.protocol import stanza_shapes as shapes
from tests.protocol.stanza_shapes import (
    ALICE,
    ALICE_LID,
    BOB,
    BOB_LID,
    CAROL,
    GROUP,
    ME,
    ME_LID,
    NEWSLETTER,
)
from wabus.core import Jid, Node, Server
from wabus.core.events import (
    BaseEvent,
    BlocklistAction,
    BlocklistChange,
    BlocklistUpdate,
    ContactNumberChanged,
    ContactSyncRequested,
    ContactUpdated,
    DeviceListUpdate,
    DirtyNotice,
    DirtyType,
    DisappearingModeChanged,
    GroupInfoUpdate,
    GroupParticipant,
    JoinedGroup,
    MalformedStanza,
    MembershipRequestsCreated,
    Message,
    NewsletterLiveUpdate,
    NewsletterLiveUpdateMessage,
    NewsletterLiveUpdateReaction,
    Notification,
    ParticipantAction,
    ParticipantsChanged,
    ParticipantType,
    QrScannedWithoutMultidevice,
)
from wabus.protocol import Router, clean_dirty_bits, decode_node, encode_node

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
T_DATE = datetime.fromtimestamp(int(shapes.T), UTC)
T2_DATE = datetime.fromtimestamp(int(shapes.T2), UTC)


def route(node: Node) -> list[BaseEvent]:
    router = Router(own_pn=ME.with_device(7), own_lid=ME_LID.with_device(7), clock=lambda: NOW)
    with structlog.testing.capture_logs():
        return router.route(decode_node(encode_node(node)))  # through the real codec


def one(node: Node) -> BaseEvent:
    events = route(node)
    assert len(events) == 1, events
    return events[0]


# account_sync --------------------------------------------------------------------------------


def test_account_sync_blocklist_is_a_blocklist_update() -> None:
    assert one(shapes.BLOCKLIST) == BlocklistUpdate(
        changes=(
            BlocklistChange(jid=ALICE, action=BlocklistAction.BLOCK),
            BlocklistChange(jid=BOB_LID, action=BlocklistAction.UNBLOCK),
        ),
        dhash="2:Lo5kkuGr",
        prev_dhash="2:yG0aS2eH",
        timestamp=T_DATE,
    )
    assert one(shapes.BLOCKLIST_MODIFIED) == BlocklistUpdate(
        action="modify", dhash="2:Lo5kkuGr", timestamp=T_DATE
    )


def test_account_sync_disappearing_mode_is_our_own_timer() -> None:
    assert one(shapes.OWN_DISAPPEARING_MODE) == DisappearingModeChanged(
        jid=ME, duration=604800, setting_timestamp=T2_DATE
    )


def test_account_sync_with_a_bad_blocklist_item_is_malformed_not_a_crash() -> None:
    node = Node(
        "notification",
        {"from": ME, "type": "account_sync", "id": "1", "t": shapes.T},
        [Node("blocklist", None, [Node("item", {"jid": "not a jid", "action": "block"})])],
    )
    event = one(node)
    assert isinstance(event, MalformedStanza) and event.error == "NodeAttributeError"


# ib --------------------------------------------------------------------------------------------


def test_downgrade_webclient_is_qr_scanned_without_multidevice() -> None:
    assert route(shapes.DOWNGRADE_WEBCLIENT) == [QrScannedWithoutMultidevice()]


def test_dirty_is_a_dirty_notice_and_the_clean_request_echoes_it() -> None:
    notice = one(shapes.DIRTY)
    assert notice == DirtyNotice(dirty_type=DirtyType.ACCOUNT_SYNC, timestamp=T_DATE)
    groups = one(shapes.DIRTY_GROUPS)
    assert groups == DirtyNotice(dirty_type=DirtyType.GROUPS)
    assert isinstance(notice, DirtyNotice) and isinstance(groups, DirtyNotice)
    # The shape Baileys' cleanDirtyBits and whatsapp-rust's CleanDirtyBitsSpec send.
    assert clean_dirty_bits(notice) == Node(
        "iq",
        {"to": Jid("", Server.USER), "type": "set", "xmlns": "urn:xmpp:whatsapp:dirty"},
        [Node("clean", {"type": "account_sync", "timestamp": shapes.T})],
    )
    assert clean_dirty_bits(groups).nodes == (Node("clean", {"type": "groups"}),)
    assert decode_node(encode_node(clean_dirty_bits(notice))) == clean_dirty_bits(notice)


def test_a_dirty_mark_without_a_type_is_malformed() -> None:
    event = one(Node("ib", None, [Node("dirty", {"timestamp": shapes.T})]))
    assert isinstance(event, MalformedStanza)


# devices ---------------------------------------------------------------------------------------


def test_device_notification_hash_is_device_hash() -> None:
    added = one(shapes.DEVICES_ADD)
    assert isinstance(added, DeviceListUpdate)
    assert added.device_hash == "2:3EYYzzBr" and added.contact_hash is None
    updated = one(shapes.DEVICES_UPDATE)
    assert isinstance(updated, DeviceListUpdate)
    assert updated.contact_hash == "Kq2l" and updated.device_hash is None


# w:gp2 -----------------------------------------------------------------------------------------


def _change(node: Node) -> object:
    event = one(node)
    assert isinstance(event, GroupInfoUpdate)
    return event.change


def test_a_participant_removing_themselves_leaves() -> None:
    assert _change(shapes.GROUP_SELF_REMOVE) == ParticipantsChanged(
        action=ParticipantAction.LEAVE, participants=(GroupParticipant(jid=BOB_LID),)
    )
    assert _change(shapes.GROUP_LEAVE) == ParticipantsChanged(
        action=ParticipantAction.LEAVE,
        participants=(GroupParticipant(jid=BOB_LID, phone_number=BOB),),
    )
    # Removing someone else stays a removal.
    other = shapes.gp2(Node("remove", None, [Node("participant", {"jid": ALICE_LID})]))
    assert _change(other) == ParticipantsChanged(
        action=ParticipantAction.REMOVE, participants=(GroupParticipant(jid=ALICE_LID),)
    )


def test_participants_keep_their_admin_type() -> None:
    assert _change(shapes.GROUP_PROMOTE) == ParticipantsChanged(
        action=ParticipantAction.PROMOTE,
        participants=(
            GroupParticipant(jid=ALICE_LID, phone_number=ALICE, type=ParticipantType.ADMIN),
        ),
    )
    [joined] = route(shapes.GROUP_CREATE)
    assert isinstance(joined, JoinedGroup)
    assert joined.participants == (
        GroupParticipant(jid=BOB_LID, type=ParticipantType.SUPERADMIN),
        GroupParticipant(jid=ME_LID),
    )


def test_created_membership_requests_is_a_typed_change() -> None:
    event = one(shapes.GROUP_MEMBERSHIP_REQUESTS)
    assert isinstance(event, GroupInfoUpdate) and event.actor == ALICE_LID
    assert event.change == MembershipRequestsCreated(
        requests=(GroupParticipant(jid=ALICE_LID, phone_number=ALICE),),
        request_method="invite_link",
    )
    assert _change(shapes.GROUP_MEMBERSHIP_REQUESTS_BAILEYS) == MembershipRequestsCreated(
        requests=(GroupParticipant(jid=CAROL),),
        request_method="non_admin_add",
        parent_group_jid=GROUP,
    )


# Our own other devices -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("node", "sender", "alt"),
    [
        (shapes.OWN_OTHER_DEVICE_MESSAGE, ME.with_device(2), ME_LID.with_device(2)),
        (shapes.OWN_OTHER_DEVICE_LID_MESSAGE, ME_LID.with_device(3), ME.with_device(3)),
    ],
)
def test_sender_alt_of_our_other_device_carries_its_device(
    node: Node, sender: Jid, alt: Jid
) -> None:
    event = one(node)
    assert isinstance(event, Message)
    assert event.info.source.is_from_me
    assert event.info.source.sender == sender
    assert event.info.source.sender_alt == alt


# Other notification types ----------------------------------------------------------------------


def test_contacts_notifications() -> None:
    assert one(shapes.CONTACT_UPDATE) == ContactUpdated(jid=ALICE, timestamp=T_DATE)
    assert one(shapes.CONTACT_MODIFY) == ContactNumberChanged(
        old_jid=ALICE, new_jid=CAROL, old_lid=ALICE_LID, new_lid=BOB_LID, timestamp=T_DATE
    )
    assert one(shapes.CONTACT_SYNC) == ContactSyncRequested(after=T2_DATE, timestamp=T_DATE)
    # What no kind models (a hash-only update, an add or remove) stays raw.
    for node in (shapes.CONTACT_UPDATE_HASH_ONLY, shapes.CONTACT_ADD):
        raw = one(node)
        assert isinstance(raw, Notification) and raw.notification_type == "contacts"


def test_newsletter_live_updates_then_the_raw_notification() -> None:
    live, raw = route(shapes.NEWSLETTER_LIVE)
    assert live == NewsletterLiveUpdate(
        newsletter_jid=NEWSLETTER,
        messages=(
            NewsletterLiveUpdateMessage(
                server_id=123,
                reactions=(
                    NewsletterLiveUpdateReaction(code="👍", count=3),
                    NewsletterLiveUpdateReaction(code="❤", count=1),
                ),
            ),
            NewsletterLiveUpdateMessage(server_id=124),
        ),
    )
    assert isinstance(raw, Notification) and raw.notification_type == "newsletter"
    flat, _ = route(shapes.NEWSLETTER_LIVE_FLAT)
    assert isinstance(flat, NewsletterLiveUpdate)
    assert flat.messages == (
        NewsletterLiveUpdateMessage(
            server_id=125, reactions=(NewsletterLiveUpdateReaction(code="🔥", count=7),)
        ),
    )
    # Without live counts (Baileys' reaction, view, participant and settings notices) it
    # stays the raw notification alone.
    [only] = route(shapes.NEWSLETTER_REACTION)
    assert isinstance(only, Notification)


@pytest.mark.parametrize("node", [shapes.PRIVACY_TOKEN, shapes.SERVER_SYNC, shapes.MEDIA_RETRY])
def test_notifications_without_a_kind_stay_raw(node: Node) -> None:
    # Neither the catalogue nor whatsapp-rust has a kind for these: whatsapp-rust acts on them
    # itself (stores tc tokens, syncs app state, logs media retries) and emits nothing. The
    # router keeps them as the raw notification for the client and for handlers.
    event = one(node)
    assert isinstance(event, Notification)
    assert event.raw == decode_node(encode_node(node))
