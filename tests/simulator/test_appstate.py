"""The simulator's app-state collections: the phone's mutations, companions' patches checked and
applied, snapshots by media blob, patches by page, conflicts, and ``server_sync`` to the other
companions. The sans-IO part directly; the IQs through the real `Client` over loopback, its
snapshot downloaded from the simulator's media host and decoded by `wabus.protocol`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.client.test_session import ALICE, live, make_client
from tests.simulator.test_server import logged_in
from wabus.core import Jid, Node, Server
from wabus.core.events import (
    ArchiveUpdate,
    BaseEvent,
    Connected,
    MarkChatAsReadUpdate,
    MuteUpdate,
    Notification,
    PinUpdate,
)
from wabus.proto.syncd_pb2 import SyncdPatch
from wabus.protocol import (
    CollectionState,
    MediaType,
    app_state_patch_request,
    app_state_sync_request,
    archive_chat,
    decode_patch,
    decode_snapshot,
    mark_chat_read,
    mutation_event,
    mute_chat,
    parse_sync_reply,
    pin_chat,
)
from wabus.simulator import Simulator
from wabus.simulator._appstate import (
    PATCH_PAGE,
    AccountAppState,
    PatchConflict,
    PatchRefused,
)

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CHAT = Jid("15550002222", Server.USER)


def _sync(*collections: Node) -> Node:
    return Node("iq", None, [Node("sync", None, list(collections))])


def _reply(sync: Node) -> Node:
    return Node("iq", {"type": "result"}, [sync])


def test_the_phone_s_mutations_come_back_as_patches_in_pages() -> None:
    state = AccountAppState()
    for n in range(PATCH_PAGE + 3):
        state.phone_mutation(pin_chat(Jid(f"1555{n:07d}", Server.USER), True, AT))
    (first,) = parse_sync_reply(
        _reply(state.answer(app_state_sync_request([CollectionState("regular_low", 1)]), None))
    )
    # Version 0 would ask for a snapshot; with no media host the patches come instead.
    assert first.has_more_patches and len(first.patches) == PATCH_PAGE
    assert first.version == PATCH_PAGE + 1
    local = CollectionState("regular_low")
    # The first patch, then the page, then the rest: each verifies on top of the one before.
    (zero,) = parse_sync_reply(
        _reply(state.answer(app_state_sync_request([CollectionState("regular_low", 0)]), None))
    )
    local = decode_patch(zero.patches[0], local, state.keys.get).state
    for patch in first.patches:
        local = decode_patch(patch, local, state.keys.get).state
    (rest,) = parse_sync_reply(_reply(state.answer(app_state_sync_request([local]), None)))
    assert not rest.has_more_patches and len(rest.patches) == 2
    for patch in rest.patches:
        local = decode_patch(patch, local, state.keys.get).state
    assert local == state.collection("regular_low").state


def test_a_companion_patch_is_verified_then_applied_or_refused() -> None:
    state = AccountAppState()
    state.phone_mutation(archive_chat(CHAT, True, AT))
    ours = state.collection("regular_low").state
    encoded = pin_chat(CHAT, True, AT).encode(ours, key_id=state.key_id, key_data=state.key_data)
    stale = pin_chat(CHAT, False, AT).encode(
        CollectionState("regular_low"), key_id=state.key_id, key_data=state.key_data
    )
    with pytest.raises(PatchConflict):
        state.apply("regular_low", 0, stale.patch)
    tampered = SyncdPatch()
    tampered.CopyFrom(encoded.patch)
    tampered.patchMac = bytes(32)
    with pytest.raises(PatchRefused):
        state.apply("regular_low", 1, tampered)
    foreign = pin_chat(CHAT, True, AT).encode(ours, key_id=b"\x01" * 6, key_data=bytes(32))
    with pytest.raises(PatchRefused):
        state.apply("regular_low", 1, foreign.patch)
    stored = state.apply("regular_low", 1, encoded.patch)
    assert stored.version.version == 2
    assert state.collection("regular_low").state == encoded.state


def test_uploads_answer_success_conflict_and_refusal_in_the_collection() -> None:
    state = AccountAppState()
    state.phone_mutation(archive_chat(CHAT, True, AT))
    behind = pin_chat(CHAT, True, AT).encode(
        CollectionState("regular_low"), key_id=state.key_id, key_data=state.key_data
    )
    (conflict,) = state.answer(app_state_patch_request(behind), None).nodes
    assert conflict.attr("type") == "error"
    assert conflict.require_child("error").attr("code") == "409"
    assert len(conflict.require_child("patches").children("patch")) == 1
    good = pin_chat(CHAT, True, AT).encode(
        state.collection("regular_low").state, key_id=state.key_id, key_data=state.key_data
    )
    (ok,) = state.answer(app_state_patch_request(good), None).nodes
    assert dict(ok.attrs) == {"name": "regular_low", "version": "2"}
    bad = Node(
        "collection", {"name": "regular_low", "version": "2"}, [Node("patch", None, b"\xff")]
    )
    (refused,) = state.answer(_sync(bad), None).nodes
    assert refused.require_child("error").attr("code") == "400"
    (unknown,) = state.answer(_sync(Node("collection", {"name": "nope"})), None).nodes
    assert unknown.require_child("error").attr("code") == "404"


@pytest.mark.anyio
async def test_a_companion_syncs_a_snapshot_then_patches_over_the_real_client() -> None:
    async with Simulator() as sim, logged_in(sim) as (client, _):
        app_state = sim.account.app_state
        for action in (
            pin_chat(ALICE, True, AT),
            archive_chat(ALICE, True, AT),
            mark_chat_read(ALICE, False, AT),
            mute_chat(ALICE, datetime(2027, 1, 1, tzinfo=UTC), AT),
        ):
            app_state.phone_mutation(action)
        start = [CollectionState("regular_low"), CollectionState("regular_high")]
        replies = parse_sync_reply(await client.request(app_state_sync_request(start)))
        states = {}
        events: list[BaseEvent] = []
        for reply in replies:
            assert reply.snapshot is not None and reply.patches == ()
            blob = await client.media.download(
                reply.snapshot.directPath,
                reply.snapshot.mediaKey,
                MediaType.APP_STATE,
                file_enc_sha256=reply.snapshot.fileEncSha256,
                file_sha256=reply.snapshot.fileSha256,
            )
            decoded = decode_snapshot(reply.name, blob, app_state.keys.get)
            states[reply.name] = decoded.state
            events.extend(mutation_event(m) for m in decoded.mutations())
        assert {type(e) for e in events} == {
            PinUpdate,
            ArchiveUpdate,
            MarkChatAsReadUpdate,
            MuteUpdate,
        }
        assert all(getattr(e, "from_full_sync", False) for e in events)
        # A later change on the phone comes as a patch from the stored version.
        app_state.phone_mutation(pin_chat(ALICE, False, AT))
        (low,) = parse_sync_reply(
            await client.request(app_state_sync_request([states["regular_low"]]))
        )
        assert low.snapshot is None
        (patch,) = low.patches
        applied = decode_patch(patch, states["regular_low"], app_state.keys.get)
        (event,) = (mutation_event(m) for m in applied.mutations)
        assert event == PinUpdate(jid=ALICE, timestamp=AT, pinned=False)


@pytest.mark.anyio
async def test_a_companion_s_patch_reaches_the_server_and_the_other_companion_is_told() -> None:
    async with Simulator() as sim, logged_in(sim) as (first, _):
        second = make_client(sim)
        async with live(sim, second) as (_, events):
            await events.wait_for(Connected)
            app_state = sim.account.app_state
            encoded = archive_chat(CHAT, True, AT).encode(
                CollectionState("regular_low"), key_id=app_state.key_id, key_data=app_state.key_data
            )
            reply = await first.request(app_state_patch_request(encoded))
            (collection,) = parse_sync_reply(reply)
            assert collection.error_code is None and collection.version == 1
            assert app_state.collection("regular_low").state == encoded.state
            notice = await events.wait_for(
                lambda e: isinstance(e, Notification) and e.notification_type == "server_sync"
            )
            assert isinstance(notice, Notification)
        (changed,) = notice.raw.children("collection")
        assert dict(changed.attrs) == {"name": "regular_low", "version": "1"}
