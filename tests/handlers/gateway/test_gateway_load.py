"""The gateway under load: a hundred clients, and a client that stops reading.

Real sockets on loopback. The hundred clients run in a process of their own (the gateway's
test client, `wabus.handlers.gateway.testing`: a complete socket.io client that reads only
when awaited), so the gateway and the clients use different cores.

Nothing here depends on the machine's speed: a client that reads in bursts answers the
engine.io pings late, so the gateways here ping rarely (`PATIENT`) and no client is let go
for being slow to answer; the time limits are guards against hangs, never measures.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.streams.text import TextReceiveStream

from tests import processes
from tests.handlers.dialects import sessions as s
from tests.handlers.gateway.conftest import TOKEN
from tests.handlers.gateway.fanout_clients import message_id
from wabus.core import CoreEventBus
from wabus.core import events as ev
from wabus.handlers.gateway import EventGateway, GatewayConfig
from wabus.handlers.gateway.testing import GatewayDisconnected, GatewayTestClient

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[3]
CLIENTS = 100
EVENTS = 10_000
BURST = 32
QUEUE = 1024
PATIENT: dict[str, Any] = {"ping_interval": 3600.0, "ping_timeout": 3600.0}
"""Ping settings under which only a full queue, never a late pong, disconnects a client."""


def _rss_bytes() -> int:
    """This process's resident memory, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _messages(count: int, text: str = "hello") -> list[ev.Message]:
    return [
        ev.Message(
            info=s.info(message_id(n), s.ALICE, s.ALICE, n % 1000, push_name="Alice"),
            raw=s.text_body(text),
        )
        for n in range(count)
    ]


async def _read_until_disconnected(client: GatewayTestClient, names: list[str]) -> None:
    while True:
        name, _ = await client.receive_text(timeout=600)
        names.append(name)


@pytest.mark.timeout(3600)  # a guard against a hang: a loaded machine takes longer
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="measures memory with /proc")
async def test_a_hundred_clients_get_every_event_in_order_with_bounded_memory() -> None:
    events = _messages(EVENTS)
    bus = CoreEventBus()
    gateway = EventGateway(GatewayConfig(tokens=(TOKEN,), port=0, queue_size=QUEUE, **PATIENT))
    bus.add_handler(gateway)
    async with bus, gateway.running():
        command = [
            sys.executable,
            "-m",
            "tests.handlers.gateway.fanout_clients",
            gateway.url,
            TOKEN,
            str(CLIENTS),
            str(EVENTS),
        ]
        async with processes.open_process(command, cwd=ROOT) as process:
            assert process.stdout is not None
            output = TextReceiveStream(process.stdout)
            buffered = ""
            with anyio.fail_after(1800):
                while "ready\n" not in buffered:
                    buffered += await output.receive()
            assert gateway.stats.clients == CLIENTS

            baseline = _rss_bytes()
            peak = baseline
            deepest = 0
            started = time.perf_counter()
            for number, event in enumerate(events):
                await bus.publish(event)
                if number % BURST == BURST - 1:
                    # A busy source publishes several events per network read. This one also
                    # keeps to a pace the clients can follow (no queue past a quarter of its
                    # size), as this test is about losing nothing; falling behind is the
                    # stalled-client test's subject.
                    deepest = max(deepest, gateway.stats.max_queue)
                    await anyio.sleep(0)
                    while gateway.stats.max_queue > QUEUE // 4:
                        await anyio.sleep(0.001)
                if number % 100 == 0:
                    peak = max(peak, _rss_bytes())
            published = time.perf_counter() - started
            with anyio.fail_after(1800):
                while gateway.backlog():
                    peak = max(peak, _rss_bytes())
                    await anyio.sleep(0.05)
                rest = ""
                async for chunk in output:
                    rest += chunk
            await process.wait()
    summary = json.loads(rest.strip().splitlines()[-1])
    assert process.returncode == 0
    assert summary["received"] == [EVENTS] * CLIENTS  # every client got every event, exactly
    assert summary["disorder"] == 0  # in order
    stats = gateway.stats
    assert stats.slow_disconnects == 0 and stats.dropped == 0
    assert stats.deliveries == CLIENTS * EVENTS
    assert deepest <= QUEUE  # the queues stayed within their bound
    growth = peak - baseline
    # Everything for everyone at once would be a million queued packets; bounded queues and
    # packets shared by all clients keep the growth to a few tens of MB.
    assert growth < 96 * 1024 * 1024, f"RSS grew by {growth / 1e6:.0f} MB"
    print(
        f"\n{CLIENTS} clients x {EVENTS} events: published in {published:.1f}s, all delivered"
        f" in {summary['seconds']:.1f}s; RSS +{growth / 1e6:.1f} MB; deepest queue {deepest}"
    )


async def test_a_stalled_client_is_disconnected_while_the_others_keep_receiving() -> None:
    count = 3000
    events = _messages(count, text="x" * 900)  # ~1 kB each: the stalled buffers fill sooner
    bus = CoreEventBus()
    gateway = EventGateway(GatewayConfig(tokens=(TOKEN,), port=0, queue_size=64, **PATIENT))
    bus.add_handler(gateway)
    async with bus, gateway.running():
        stalled = GatewayTestClient(gateway.url, TOKEN, receive_buffer=4096)
        readers = [GatewayTestClient(gateway.url, TOKEN) for _ in range(2)]
        for client in (stalled, *readers):
            await client.connect()
            await client.subscribe("messages.upsert")
        # From here on `stalled` is never awaited, so it reads nothing: its buffers fill up.
        got: list[list[str]] = [[], []]
        slowest_publish = 0.0

        async def read(client: GatewayTestClient, into: list[str]) -> None:
            while len(into) < count:
                _, payload = await client.receive(timeout=600)
                into.append(payload["messages"][0]["key"]["id"])

        started = time.perf_counter()
        async with anyio.create_task_group() as group:
            for client, into in zip(readers, got, strict=True):
                group.start_soon(read, client, into)
            for event in events:
                before = time.perf_counter()
                await bus.publish(event)
                slowest_publish = max(slowest_publish, time.perf_counter() - before)
                await anyio.sleep(0)
        elapsed = time.perf_counter() - started

        stats = gateway.stats
        assert stats.slow_disconnects == 1  # the stalled one, and only it
        assert stats.clients == 2
        assert stats.dropped > 0
        expected = [message_id(n) for n in range(count)]
        assert got == [expected, expected]  # the others got everything, in order
        print(f"\nslowest publish {slowest_publish * 1000:.1f} ms, {elapsed:.1f}s in all")

        # When the stalled client reads again, it finds what was sent before, then the reason.
        seen: list[str] = []
        with pytest.raises(GatewayDisconnected) as caught:
            await _read_until_disconnected(stalled, seen)
        assert caught.value.reason is not None and "slow consumer" in caught.value.reason
        assert 0 < seen.count("messages.upsert") < count
        for client in (stalled, *readers):
            await client.close()
