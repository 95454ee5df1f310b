"""Gateway fan-out: events per second to 1, 10 and 100 socket.io clients on loopback.

Each case publishes `Message` events into a bus; the gateway projects each to the Baileys
``messages.upsert`` payload (~300 bytes of JSON) and sends it to every subscribed client. The
clients run in a process of their own (``tests.handlers.gateway.fanout_clients``: the
gateway's test client, reading every event and checking the order), so the server and the
clients use different cores. The clock runs from the first event published until every
client has received the last one; the source publishes in bursts of 32 events between yields
to the event loop, as a busy connection does.

The peer, measured in the same run with the same clients and the same projected payloads, is
what one writes by hand with python-socketio: one room per event name and ``sio.emit(name,
payload, room=name)``, with no per-client bound (a stalled client's packets pile up without
limit there). The ratio is the peer's time over the gateway's: what the bounded per-client
queues, and the laziness of projecting only what someone subscribed to, cost or save.
Deliveries per second are events per second times clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import socketio  # type: ignore[import-untyped]  # python-socketio ships no types
import uvicorn

from benches._support import rate
from wabus.core import CoreEventBus, Jid, Server
from wabus.core.events import Message, MessageInfo, MessageSource
from wabus.handlers.dialects import BaileysDialect
from wabus.handlers.gateway import NAMESPACE, EventGateway, GatewayConfig

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
ALICE = Jid("15550000002", Server.USER)
T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
BURST = 32
PATIENT: dict[str, Any] = {"ping_interval": 3600.0, "ping_timeout": 3600.0}
"""Engine.io pings for both servers: rare enough that a client reading in bursts on a busy
machine is never let go for answering late (what is measured is delivery, not pings)."""
Case = Callable[[int, list[Message]], Coroutine[Any, Any, float]]


def make_events(count: int) -> list[Message]:
    """`count` text messages whose ids the clients check the order of."""
    source = MessageSource(chat=ALICE, sender=ALICE)
    return [
        Message(
            info=MessageInfo(
                source=source,
                id=f"F{n:07d}",
                timestamp=T0 + timedelta(seconds=n),
                push_name="Alice",
            ),
            raw=b"\n\x0bhello world",
        )
        for n in range(count)
    ]


@contextlib.asynccontextmanager
async def _clients(
    url: str, clients: int, events: int
) -> AsyncIterator[asyncio.subprocess.Process]:
    """The clients' process, killed on the way out whatever happened (never left behind)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.handlers.gateway.fanout_clients",
        url,
        TOKEN,
        str(clients),
        str(events),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 600)
        if line.strip() != b"ready":
            raise RuntimeError(f"the clients did not start: {line!r}")
        yield process
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


async def _finish(process: asyncio.subprocess.Process, started: float, clients: int) -> float:
    assert process.stdout is not None
    summary = await asyncio.wait_for(process.stdout.read(), 600)
    elapsed = time.perf_counter() - started
    await process.wait()
    text = summary.decode()
    if process.returncode != 0 or '"disorder": 0' not in text:
        raise RuntimeError(f"the clients failed: {text!r}")
    return elapsed


async def gateway_case(clients: int, events: list[Message]) -> float:
    """Seconds for every client to receive every event through `EventGateway`."""
    bus = CoreEventBus()
    config = GatewayConfig(tokens=(TOKEN,), port=0, queue_size=len(events) + 1, **PATIENT)
    gateway = EventGateway(config)
    bus.add_handler(gateway)
    async with bus, gateway.running(), _clients(gateway.url, clients, len(events)) as process:
        started = time.perf_counter()
        for number, event in enumerate(events):
            await bus.publish(event)
            if number % BURST == BURST - 1:
                await asyncio.sleep(0)
        return await _finish(process, started, clients)


async def peer_case(clients: int, events: list[Message]) -> float:
    """The same through python-socketio rooms, written by hand (see the module doc)."""
    sio = socketio.AsyncServer(async_mode="asgi", namespaces=[NAMESPACE], **PATIENT)

    async def connect(sid: str, environ: Any, auth: Any = None) -> None:
        if not isinstance(auth, dict) or auth.get("token") != TOKEN:
            raise socketio.exceptions.ConnectionRefusedError("invalid token")

    async def subscribe(sid: str, names: list[str]) -> dict[str, Any]:
        for name in names:
            await sio.enter_room(sid, name, namespace=NAMESPACE)
        return {"ok": True, "subscribed": names}

    sio.on("connect", connect, namespace=NAMESPACE)
    sio.on("subscribe", subscribe, namespace=NAMESPACE)
    config = uvicorn.Config(
        socketio.ASGIApp(sio),
        port=0,
        log_config=None,
        log_level="warning",
        lifespan="off",
        ws_per_message_deflate=False,
    )
    server = uvicorn.Server(config)
    listener = socket.create_server(("127.0.0.1", 0))
    serving = asyncio.ensure_future(server.serve(sockets=[listener]))
    try:
        while not server.started:
            await asyncio.sleep(0.005)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}{NAMESPACE}"
        async with _clients(url, clients, len(events)) as process:
            dialect = BaileysDialect()
            started = time.perf_counter()
            for number, event in enumerate(events):
                for emitted in dialect.project(event, lambda name: name == "messages.upsert"):
                    await sio.emit(
                        emitted.name, emitted.args[0], room=emitted.name, namespace=NAMESPACE
                    )
                if number % BURST == BURST - 1:
                    await asyncio.sleep(0)
            return await _finish(process, started, clients)
    finally:
        server.should_exit = True
        await asyncio.wait({serving}, timeout=5)
        listener.close()


CASES: dict[str, Case] = {"wabus gateway": gateway_case, "python-socketio rooms": peer_case}


def measure(sizes: dict[int, int], rounds: int) -> dict[tuple[str, int], float]:
    """Best seconds per (case, clients) over `rounds` interleaved rounds."""
    best: dict[tuple[str, int], float] = {}
    for _ in range(rounds):
        for clients, count in sizes.items():
            events = make_events(count)
            for name, case in CASES.items():
                elapsed = asyncio.run(case(clients, events))
                key = (name, clients)
                best[key] = min(best.get(key, elapsed), elapsed)
    return best


def report(sizes: dict[int, int], best: dict[tuple[str, int], float]) -> list[str]:
    """The printed table."""
    lines = [
        "gateway fan-out: messages.upsert to N loopback clients (clients in another process)",
        "",
        (
            f"  {'clients':>7}  {'events':>6}  {'wabus gateway':>24}"
            f"  {'python-socketio rooms':>24}  {'ratio':>6}"
        ),
    ]
    for clients, count in sizes.items():
        ours = best[("wabus gateway", clients)]
        peer = best[("python-socketio rooms", clients)]
        lines.append(
            f"  {clients:>7}  {count:>6}  {rate(count, ours)} events"
            f" ({rate(count * clients, ours)})  {rate(count, peer)} events"
            f" ({rate(count * clients, peer)})  {peer / ours:5.2f}x"
        )
    lines.append("")
    lines.append("  (events: per client; in brackets, deliveries; ratio: peer time / gateway time)")
    return lines


def main(quick: bool = False) -> None:
    """Run the benchmark and print the table (quick: tiny sizes, one round)."""
    sizes = {1: 300, 10: 100, 100: 20} if quick else {1: 20_000, 10: 5_000, 100: 1_000}
    rounds = 1 if quick else 3
    for line in report(sizes, measure(sizes, rounds)):
        print(line)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
