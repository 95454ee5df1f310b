"""The live client against a hostile server and against slow handlers.

Nothing a server sends inside the cipher, and nothing a handler does, may stop a session: a
bad stanza becomes a `MalformedStanza` and the next one is read; a slow handler holds the
server back (the client stops reading) but never costs the connection or an event.
"""

from __future__ import annotations

import os
from typing import Any

import anyio
import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.client.test_session import ALICE, live, make_client
from tests.protocol.strategies import hostile
from wabus.client import Client
from wabus.core import Bot, EventHandler, Jid, Node, Server
from wabus.core.events import Connected, Disconnected, MalformedStanza, Message
from wabus.core.testing import EventRecorder
from wabus.protocol import StanzaReceived
from wabus.simulator import AutoScanner, Simulator
from wabus.simulator._scenario import live_stanzas, offline_stanzas

pytestmark = pytest.mark.anyio


# A fresh simulator pairs its first device as this JID: the scenario is addressed to it.
DEVICE = Jid("15550000001", Server.USER).with_device(11)
SCENARIO = offline_stanzas(DEVICE) + live_stanzas(DEVICE)

# A hostile stanza (a real one, mutated), or a frame of random bytes that is encrypted, so
# that only the node inside is bad.
_HOSTILE = st.one_of(
    st.sampled_from(SCENARIO).flatmap(hostile),
    st.binary(min_size=0, max_size=64),
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=st.lists(_HOSTILE, min_size=1, max_size=25))
async def test_hostile_stanzas_never_end_the_session(plan: list[Node | bytes]) -> None:
    """Every good message after any number of hostile stanzas is delivered, in order, on the
    same connection, and the bot ends cleanly."""
    async with Simulator() as sim:
        client = make_client(sim)
        with structlog.testing.capture_logs():
            async with live(sim, client) as (_, events):
                await events.wait_for(Connected)
                await sim.wait_connected()
                assert sim.paired_devices == (DEVICE,)
                connections = client.connections
                good: list[str] = []
                for n, bad in enumerate(plan):
                    if isinstance(bad, Node):
                        await sim.send_node(bad)
                    else:
                        await sim.send_raw_frame(bad, encrypt=True)
                    text = f"good {n}"
                    await sim.send_message(ALICE, text)
                    good.append(text)
                await sim.sync()
                delivered = [m.text for m in events.of_type(Message) if m.info.id.startswith("SIM")]
                assert delivered == good
                assert client.connections == connections
                assert not events.of_type(Disconnected)
            # Leaving the bot's block raises if anything escaped (an ExceptionGroup).


async def test_a_stanza_whose_handling_raises_anything_is_malformed_and_acked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not only parse errors: any exception while a stanza is handled is contained."""
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()

            original = client._take_at_once

            def failing_take(received: StanzaReceived, *args: Any) -> bool:
                if received.node is not None and received.node.opt_attr("id") == "BOOM":
                    raise RuntimeError("something unforeseen")
                return original(received, *args)

            monkeypatch.setattr(client, "_take_at_once", failing_take)
            start = len(events)
            with structlog.testing.capture_logs() as logs:
                await sim.send_node(
                    Node(
                        "notification",
                        {"from": ALICE, "id": "BOOM", "type": "status"},
                        [Node("set", None, "busy")],
                    )
                )
                await sim.send_message(ALICE, "after")
                await sim.sync()
            [bad] = events.of_type(MalformedStanza)
            assert bad.error == "RuntimeError"
            assert bad.reason == "something unforeseen"
            assert [m.text for m in events.events[start:] if isinstance(m, Message)] == ["after"]
            acked = {n.attr("id") for n in sim.sent if n.tag == "ack"}
            assert "BOOM" in acked
            errors = [entry for entry in logs if entry["log_level"] == "error"]
            assert len(errors) == 1  # logged once
            assert not events.of_type(Disconnected)


class _Slow(EventHandler):
    """An async handler that takes a while per message, and watches the client's backlog."""

    def __init__(self, client: Client, delay: float) -> None:
        self.client = client
        self.delay = delay
        self.handled = 0
        self.peak_backlog = 0
        self.done = anyio.Event()
        self.expected = 0

    async def on_message(self, event: Message) -> None:
        self.peak_backlog = max(self.peak_backlog, self.client.backlog)
        await anyio.sleep(self.delay)
        self.handled += 1
        if self.handled == self.expected:
            self.done.set()


FLOOD = int(os.environ.get("WABUS_FLOOD_MESSAGES", "20000"))


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.timeout(900)
async def test_a_flood_to_a_slow_handler_costs_no_connection_and_no_event() -> None:
    """20k messages to a 1 ms handler with a 2 s keepalive: nothing lost, nothing dropped.

    The client reads ahead at most `max_backlog` stanzas, then stops reading; the server's
    pongs then wait in the socket, and the keepalive must not take that for a dead link.
    """
    backlog = 256
    async with Simulator() as sim:
        client = make_client(
            sim,
            keepalive_interval=2.0,
            keepalive_timeout=2.0,
            keepalive_misses=1,
            max_backlog=backlog,
        )
        slow = _Slow(client, delay=0.001)
        slow.expected = FLOOD
        recorder = EventRecorder(Disconnected, Connected)
        bot = (
            Bot.builder()
            .with_source(client)
            .with_handler(recorder)
            .with_handler(AutoScanner(sim, delay=0))
            .with_handler(slow)
            .build()
        )
        async with bot:
            await recorder.wait_for(Connected)
            await sim.wait_connected()
            for n in range(FLOOD):
                await sim.send_message(ALICE, f"m{n}")
            with anyio.fail_after(600):  # a hang guard only: a slow machine just takes longer
                await slow.done.wait()
            await client.stop()
        assert slow.handled == FLOOD
        assert not recorder.of_type(Disconnected)
        assert len(recorder.of_type(Connected)) == 1
        assert 0 < slow.peak_backlog <= backlog  # the reader stopped reading: bounded memory
