"""App-state sync with the real Baileys client (npm ``baileys`` 7.0.0-rc14) through the simulator.

The simulated phone shares its app-state key with Baileys (an end-to-end encrypted
``APP_STATE_SYNC_KEY_SHARE`` from device 0) and makes mutations; a ``server_sync`` notice makes
Baileys fetch them, and it reports them as ``chats.update``. A ``chatModify`` from Baileys is
checked (every MAC) and applied by the simulator, which tells the account's other companion, a
wabus client, to fetch: what it fetches decodes to the right event. A patch the wabus client
sends reaches Baileys the same way.

Baileys downloads media blobs from the fixed host mmg.whatsapp.net, which a test cannot point
at the simulator, so the simulator answers its fetches with patches, not snapshot blobs
(``serve_snapshots`` off). The wabus client syncs by itself (the phone shares its key with it
at pairing) and sends its mutation with `Client.archive`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.client.test_session import live, make_client
from tests.interop.test_baileys import OPEN_GUARD, Baileys, baileys, is_open
from wabus.core import Jid, Node
from wabus.core.events import (
    ArchiveUpdate,
    Connected,
    MuteUpdate,
    PinUpdate,
)
from wabus.protocol import (
    archive_chat,
    mute_chat,
    pin_chat,
)
from wabus.simulator import Simulator
from wabus.simulator._appstate import server_sync_notice
from wabus.simulator._scenario import ALICE, BOB, GROUP

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio"])]

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MUTE_END = datetime(2027, 1, 1, tzinfo=UTC)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def _key_share(sim: Simulator, me: Jid) -> Node:
    body = sim.account.app_state.key_share().SerializeToString()
    attrs: dict[str, str | Jid] = {
        "from": me.to_non_ad().with_device(0),
        "id": "KEYSHARE1",
        "t": str(sim.now()),
        "category": "peer",
        "type": "text",
    }
    return Node("message", attrs, [Node("plaintext", None, body)])


def _updates(records: list[dict[str, Any]], chat: Jid) -> dict[str, Any]:
    """Every field Baileys reported for `chat` in its chats.update events, merged."""
    merged: dict[str, Any] = {}
    for record in records:
        for update in record["updates"]:
            if update["id"] == str(chat):
                merged.update(update)
    return merged


async def _modify(peer: Baileys, mod: dict[str, Any], jid: Jid) -> None:
    """Baileys' ``chatModify(mod, jid)``, once it holds the shared key: it stores the key a
    moment after it reports the message that carried it, and refuses a modification until
    then ("App state key not present")."""
    for _ in range(50):
        start = len(peer.records)
        await peer.command(op="modify", mod=mod, jid=str(jid))
        done = await peer.wait_for(
            lambda r: r["kind"] in ("modified", "error"), start=start, timeout=30
        )
        if done["kind"] == "modified":
            return
        assert "App state key not present" in done["error"], done
        peer.records.remove(done)
        await anyio.sleep(0.1)
    raise AssertionError("Baileys never took the shared app-state key")


async def _tell(sim: Simulator, device: Jid, name: str, stanza_id: str) -> None:
    version = sim.account.app_state.collection(name).version
    await sim.send_node(server_sync_notice([(name, version)], stanza_id, sim.now()), to=device)


async def test_baileys_gets_the_phone_s_pin_mute_and_archive(tmp_path: Path) -> None:
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        [device] = sim.paired_devices
        app_state = sim.account.app_state
        app_state.serve_snapshots = False
        await sim.send_node(_key_share(sim, device), to=device)
        app_state.phone_mutation(pin_chat(ALICE, True, AT))
        app_state.phone_mutation(archive_chat(BOB, True, AT))
        app_state.phone_mutation(mute_chat(GROUP, MUTE_END, AT))
        await _tell(sim, device, "regular_low", "sync-1")
        await _tell(sim, device, "regular_high", "sync-2")

        def seen() -> dict[Jid, dict[str, Any]]:
            return {chat: _updates(peer.of("chats.update"), chat) for chat in (ALICE, BOB, GROUP)}

        await peer.wait_for(
            lambda _: (
                "muteEndTime" in seen()[GROUP]
                and "pinned" in seen()[ALICE]
                and "archived" in seen()[BOB]
            )
        )
        updates = seen()
        assert updates[ALICE]["pinned"] == _ms(AT)
        assert updates[BOB]["archived"] is True
        assert updates[GROUP]["muteEndTime"] == _ms(MUTE_END)
        assert not peer.of("error")


async def test_a_chat_modify_from_baileys_reaches_a_wabus_client_and_back(tmp_path: Path) -> None:
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        [baileys_device] = sim.paired_devices
        app_state = sim.account.app_state
        app_state.serve_snapshots = False
        await sim.send_node(_key_share(sim, baileys_device), to=baileys_device)
        await peer.wait_for(lambda r: r.get("id") == "KEYSHARE1")
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            # Baileys pins a chat: the simulator verifies and applies its patch, and tells the
            # wabus companion, which syncs by itself and publishes the event.
            start = len(events)
            await _modify(peer, {"pin": True}, ALICE)
            assert not peer.of("error")
            assert app_state.collection("regular_low").version == 1
            pin = await events.wait_for(PinUpdate, start=start, timeout=30)
            assert pin.jid == ALICE and pin.pinned
            # The wabus companion archives a chat: Baileys is told and reports it.
            before = len(peer.records)
            await client.archive(BOB)
            stored = app_state.collection("regular_low")
            assert stored.version == 2
            update = await peer.wait_for(
                lambda r: (
                    r["kind"] == "chats.update" and _updates([r], BOB).get("archived") is True
                ),
                start=before,
            )
            assert update
            # And Baileys mutes one (in regular_high): it arrives at wabus as the mute.
            start = len(events)
            await peer.command(op="modify", mod={"mute": _ms(MUTE_END)}, jid=str(GROUP))
            mute = await events.wait_for(MuteUpdate, start=start, timeout=30)
            assert (mute.jid, mute.muted, mute.mute_end) == (GROUP, True, MUTE_END)
        assert not peer.of("error")
        assert not events.of_type(ArchiveUpdate)  # our own patch is not an event of ours
