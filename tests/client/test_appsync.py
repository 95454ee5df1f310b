"""App-state sync in the real `Client` against the simulator: the phone's key share stored, the
collections fetched at login (a snapshot, then patches from the stored version) and on
``server_sync``, their events published once verified; a mismatch resyncs from a snapshot and
publishes no wrong event; a missing key asks the phone for it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.client.test_session import ALICE, live, make_client
from wabus.client import AppStateSendFailed, MemoryStore, SqliteStore
from wabus.client._appsync import AppSync
from wabus.core import Jid, Node, Server
from wabus.core.events import (
    ArchiveUpdate,
    Connected,
    DeleteChatUpdate,
    MarkChatAsReadUpdate,
    MuteUpdate,
    PinUpdate,
    StarUpdate,
)
from wabus.core.testing import EventRecorder
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import (
    AppStateKey,
    CollectionState,
    archive_chat,
    decode_snapshot,
    mark_chat_read,
    mutation_event,
    mute_chat,
    pin_chat,
)
from wabus.simulator import Simulator
from wabus.simulator._appstate import server_sync_notice

pytestmark = pytest.mark.anyio

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BOB = Jid("15550003333", Server.USER)


def _from_phone(me: Jid, message: WAMessage, message_id: str, t: int) -> Node:
    """A message our own phone sends us (a plaintext body, as the simulator's scenario does)."""
    return Node(
        "message",
        {"from": me.with_device(0), "id": message_id, "t": str(t), "category": "peer"},
        [Node("plaintext", None, message.SerializeToString())],
    )


def _key_request_ids(message: WAMessage) -> list[bytes]:
    inner = message.deviceSentMessage.message if message.HasField("deviceSentMessage") else message
    request = inner.protocolMessage.appStateSyncKeyRequest
    return [key.keyId for key in request.keyIds]


async def test_key_share_then_snapshot_then_patches_then_a_new_key_asked_for() -> None:
    store = MemoryStore()
    async with Simulator() as sim:
        app_state = sim.account.app_state
        for action in (
            pin_chat(ALICE, True, AT),
            archive_chat(ALICE, True, AT),
            mark_chat_read(ALICE, False, AT),
            mute_chat(ALICE, datetime(2027, 1, 1, tzinfo=UTC), AT),
        ):
            app_state.phone_mutation(action)
        client = make_client(sim, store)
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            assert client.state is not None and client.state.pn is not None
            me = client.state.pn
            # The phone shares its key with its new companion, which then reads the snapshot.
            mute = await events.wait_for(MuteUpdate, timeout=10)
            assert mute.jid == ALICE and mute.muted
            pin = await events.wait_for(PinUpdate, timeout=10)
            assert pin.jid == ALICE and pin.pinned and getattr(pin, "from_full_sync", False)
            archive = await events.wait_for(ArchiveUpdate, timeout=10)
            assert archive.archived
            read = await events.wait_for(MarkChatAsReadUpdate, timeout=10)
            assert not read.read
            kept = store.load_app_state()
            assert app_state.key_id in kept.keys
            assert kept.collections["regular_low"] == app_state.collection("regular_low").state
            assert kept.collections["regular_high"] == app_state.collection("regular_high").state
            # A later change on the phone: server_sync names the collection, a patch comes.
            app_state.phone_mutation(pin_chat(BOB, True, AT))
            version = app_state.collection("regular_low").version
            start = len(events)
            await sim.send_node(server_sync_notice([("regular_low", version)], "ss1", sim.now()))
            later = await events.wait_for(
                lambda e: isinstance(e, PinUpdate) and e.jid == BOB, timeout=10, start=start
            )
            assert isinstance(later, PinUpdate) and later.pinned
            assert not getattr(later, "from_full_sync", False)
            low = "regular_low"
            await _until(lambda: store.load_app_state().collections[low].version == version)
            assert store.load_app_state().collections[low] == app_state.collection(low).state
            # The phone makes a new key and uses it: the companion asks for it, then reads.
            app_state.key_id, app_state.key_data = b"\x00\x00\x00\x00\x07\x07", bytes(range(32))
            app_state.phone_mutation(pin_chat(BOB, False, AT))
            start = len(events)
            await sim.send_node(server_sync_notice([(low, version + 1)], "ss2", sim.now()), to=me)
            new_key = app_state.key_id
            asked = await sim.expect_message(lambda m: new_key in _key_request_ids(m.message))
            assert _key_request_ids(asked.message) == [new_key]
            assert store.load_app_state().collections[low].version == version
            assert not [e for e in events.events[start:] if isinstance(e, PinUpdate)]
            await sim.send_node(_from_phone(me, app_state.key_share(), "KEYS2", sim.now()))
            unpinned = await events.wait_for(PinUpdate, timeout=10, start=start)
            assert unpinned.jid == BOB and not unpinned.pinned
            await _until(lambda: store.load_app_state().collections[low].version == version + 1)
            assert len(events.of_type(PinUpdate)) == 3


async def test_a_patch_that_does_not_verify_publishes_nothing_and_resyncs_from_a_snapshot() -> None:
    store = MemoryStore()
    async with Simulator() as sim:
        app_state = sim.account.app_state
        app_state.phone_mutation(pin_chat(ALICE, True, AT))
        client = make_client(sim, store)
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            await events.wait_for(PinUpdate, timeout=10)
            # The server's next patch is corrupted (its patch MAC): no event comes of it.
            stored = app_state.phone_mutation(archive_chat(BOB, True, AT))
            stored.patchMac = bytes(32)
            collection = app_state.collection("regular_low")
            start = len(events)
            await sim.send_node(
                server_sync_notice([("regular_low", collection.version)], "ss1", sim.now())
            )
            # The resync from the snapshot gives the live records again, as a full sync: the
            # archive (whose record is fine, only the patch MAC was wrong) and the pin.
            archive = await events.wait_for(ArchiveUpdate, timeout=10, start=start)
            assert archive.jid == BOB and getattr(archive, "from_full_sync", False)
            assert all(
                getattr(e, "from_full_sync", False)
                for e in events.events[start:]
                if isinstance(e, (ArchiveUpdate, PinUpdate))
            )
            await _until(
                lambda: (
                    store.load_app_state().collections["regular_low"].version == collection.version
                )
            )
            assert store.load_app_state().collections["regular_low"] == collection.state


async def _until(check: Callable[[], bool]) -> None:
    with anyio.fail_after(10):
        while not check():
            await anyio.sleep(0.01)


def _has(store: MemoryStore | SqliteStore, state: CollectionState) -> bool:
    return store.load_app_state().collections.get(state.name) == state


async def _synced(sim: Simulator, events: EventRecorder) -> None:
    """Wait until a client that just paired has its key and has read the account's state."""
    await events.wait_for(Connected)
    await sim.wait_connected()
    await events.wait_for(PinUpdate, timeout=10)


async def test_our_mutations_reach_the_other_companion_as_its_events() -> None:
    first_store, second_store = MemoryStore(), MemoryStore()
    async with Simulator() as sim:
        app_state = sim.account.app_state
        app_state.phone_mutation(pin_chat(BOB, True, AT))  # something to sync at pairing
        first = make_client(sim, first_store)
        async with live(sim, first) as (_, first_events):
            await _synced(sim, first_events)
            second = make_client(sim, second_store)
            async with live(sim, second) as (_, events):
                await _synced(sim, events)
                start = len(events)
                until = datetime(2027, 2, 1, tzinfo=UTC)
                await first.pin(ALICE)
                await first.mute(ALICE, until)
                await first.archive(ALICE)
                await first.star(ALICE, "MSG9", from_me=True)
                await first.mark_chat_read(ALICE, read=False)
                await first.delete_chat(BOB)
                pin = await events.wait_for(PinUpdate, timeout=10, start=start)
                mute = await events.wait_for(MuteUpdate, timeout=10, start=start)
                archive = await events.wait_for(ArchiveUpdate, timeout=10, start=start)
                star = await events.wait_for(StarUpdate, timeout=10, start=start)
                read = await events.wait_for(MarkChatAsReadUpdate, timeout=10, start=start)
                deleted = await events.wait_for(DeleteChatUpdate, timeout=10, start=start)
                for name in ("regular_low", "regular_high"):
                    server = app_state.collection(name).state
                    assert first_store.load_app_state().collections[name] == server
                    await _until(functools.partial(_has, second_store, server))
        assert (pin.jid, pin.pinned) == (ALICE, True)
        assert (mute.jid, mute.muted, mute.mute_end) == (ALICE, True, until)
        assert (archive.jid, archive.archived) == (ALICE, True)
        assert (star.chat_jid, star.message_id, star.from_me, star.starred) == (
            ALICE,
            "MSG9",
            True,
            True,
        )
        assert (read.jid, read.read) == (ALICE, False)
        assert deleted.jid == BOB and deleted.delete_media


async def test_a_conflict_is_refetched_then_our_mutation_reapplied() -> None:
    store = MemoryStore()
    async with Simulator() as sim:
        app_state = sim.account.app_state
        app_state.phone_mutation(pin_chat(BOB, True, AT))
        client = make_client(sim, store)
        async with live(sim, client) as (_, events):
            await _synced(sim, events)
            # The phone changes the collection and the client is not told: its patch conflicts.
            app_state.phone_mutation(archive_chat(BOB, True, AT))
            start = len(events)
            await client.pin(ALICE)
            # The refetch brought the phone's archive, and our pin went on top of it.
            archive = await events.wait_for(ArchiveUpdate, timeout=10, start=start)
            assert archive.jid == BOB and archive.archived
            server = app_state.collection("regular_low")
            assert server.version == 3
            assert store.load_app_state().collections["regular_low"] == server.state
            snapshot = decode_snapshot("regular_low", server.snapshot(), app_state.keys.get)
            found = [mutation_event(m) for m in snapshot.mutations()]
            assert {(type(e), getattr(e, "jid", None)) for e in found} == {
                (PinUpdate, BOB),
                (ArchiveUpdate, BOB),
                (PinUpdate, ALICE),
            }


async def test_a_mutation_without_a_key_or_that_the_server_refuses_fails_typed() -> None:
    async def never(node: Node) -> Node:
        raise AssertionError("nothing is sent without a key")

    async def nothing(_: object) -> Any:
        raise AssertionError("not called")

    with pytest.raises(AppStateSendFailed, match="no app-state key"):
        await AppSync(MemoryStore()).send(
            pin_chat(ALICE, True, AT), never, nothing, nothing, nothing
        )
    store = MemoryStore()
    async with Simulator() as sim:
        sim.account.app_state.phone_mutation(pin_chat(BOB, True, AT))
        client = make_client(sim, store)
        async with live(sim, client) as (_, events):
            await _synced(sim, events)
            # A key the phone never made (and newer): the server cannot verify the patch.
            store.save_app_state(keys=[AppStateKey(b"\x00\x00\x00\x00\x99\x99", bytes(32), 2**40)])
            with pytest.raises(AppStateSendFailed) as refused:
                await client.pin(ALICE)
            assert refused.value.code == 400
            assert sim.account.app_state.collection("regular_low").version == 1
            assert store.load_app_state().collections["regular_low"].version == 1


async def test_a_restart_fetches_patches_from_the_stored_version(tmp_path: Path) -> None:
    path = tmp_path / "device.db"
    async with Simulator() as sim:
        app_state = sim.account.app_state
        app_state.phone_mutation(pin_chat(ALICE, True, AT))
        first = SqliteStore(path)
        try:
            async with live(sim, make_client(sim, first)) as (_, events):
                await _synced(sim, events)
                await _until(
                    functools.partial(_has, first, app_state.collection("regular_low").state)
                )
        finally:
            first.close()
        # While it is away the phone archives a chat; the next start reads only that patch.
        app_state.phone_mutation(archive_chat(BOB, True, AT))
        second = SqliteStore(path)
        try:
            async with live(sim, make_client(sim, second), scan=False) as (_, events):
                archive = await events.wait_for(ArchiveUpdate, timeout=10)
                await _until(
                    functools.partial(_has, second, app_state.collection("regular_low").state)
                )
                later = list(events.events)
        finally:
            second.close()
    assert archive.jid == BOB and not archive.from_full_sync
    assert not [e for e in later if isinstance(e, PinUpdate)]  # not the snapshot again
