"""The three dialects on a live session: a client paired with the simulator, over loopback,
through the scenario and a dropped connection."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from wabus.client import Client, MemoryStore
from wabus.core import Bot
from wabus.core.events import Connected, Disconnected, IncomingCall
from wabus.core.testing import EventRecorder
from wabus.handlers.dialects.wechaty import ContactSelf, ScanStatus
from wabus.protocol import QR_URL_PREFIX
from wabus.simulator import AutoScanner, Simulator

pytestmark = pytest.mark.anyio


async def test_the_dialects_follow_a_live_session_and_a_reconnect() -> None:
    heard: dict[str, list[tuple[Any, ...]]] = {}

    def listen(prefix: str, name: str) -> Any:
        def record(*args: Any) -> None:
            heard.setdefault(f"{prefix}:{name}", []).append(args)

        return record

    async with Simulator() as sim:
        client = Client(
            MemoryStore(), url=sim.url, trusted_roots=[sim.trusted_root], reconnect_delays=(0.01,)
        )
        recorder = EventRecorder(Connected, Disconnected, IncomingCall)
        bot = (
            Bot.builder()
            .with_source(client)
            .with_handler(recorder)
            .with_handler(AutoScanner(sim, delay=0))
            .build()
        )
        wechaty, baileys, livechat = (bot.dialect(n) for n in ("wechaty", "baileys", "livechat"))
        for name in ("scan", "login", "message", "ready", "room-join", "room-topic"):
            wechaty.on(name, listen("wechaty", name))
        for name in ("connection.update", "messages.upsert", "groups.update", "call"):
            baileys.on(name, listen("baileys", name))
        for name in ("incoming_event", "connection_lost", "connection_restored"):
            livechat.on(name, listen("livechat", name))

        async with bot:
            await recorder.wait_for(Connected, timeout=20)
            await sim.wait_connected()
            await sim.run_scenario()
            start = len(recorder)
            await sim.drop_connection()
            await recorder.wait_for(Disconnected, start=start, timeout=20)
            await recorder.wait_for(Connected, start=start, timeout=20)
            await sim.wait_connected()
            await sim.send_message(sim.phone.with_device(0), "after the drop", push_name="Me")
            await sim.sync()
            with anyio.fail_after(10):
                while len(heard.get("wechaty:message", [])) < 4:
                    await anyio.sleep(0.01)
            await client.stop()

    # Wechaty: a QR code, then Confirmed; one login for the whole session (not per connection).
    scans = heard["wechaty:scan"]
    assert scans[0][1] == ScanStatus.Waiting
    assert scans[0][0].startswith(QR_URL_PREFIX + "2@sim-ref-")
    assert scans[-1][1] == ScanStatus.Confirmed
    [(user,)] = heard["wechaty:login"]
    assert isinstance(user, ContactSelf)
    assert user.id == str(sim.phone)
    texts = [args[0].text() for args in heard["wechaty:message"]]
    assert texts[:3] == ["ping", "hello, group", "a picture"]
    assert texts[-1] == "after the drop"
    assert len(heard["wechaty:ready"]) == 1
    assert heard["wechaty:room-topic"][0][1] == "Book club"

    # Baileys: connecting, the qr, a new login, open; close on the drop, and open again.
    states = [args[0].get("connection") for args in heard["baileys:connection.update"]]
    assert [s for s in states if s] == ["connecting", "open", "close", "connecting", "open"]
    updates = [args[0] for args in heard["baileys:connection.update"]]
    assert updates[1]["qr"] == scans[0][0]
    assert updates[2] == {"isNewLogin": True, "qr": None}
    upserts = heard["baileys:messages.upsert"]
    assert upserts[0][0]["messages"][0]["message"]["conversation"] == "ping"
    assert heard["baileys:call"][0][0][0]["status"] == "offer"

    # LiveChat: the legacy connection_lost / connection_restored pair around the drop.
    assert len(heard["livechat:connection_lost"]) == 1
    assert len(heard["livechat:connection_restored"]) == 1
    assert len(heard["livechat:incoming_event"]) >= 4
