"""End to end: stanzas/s through a live loopback connection, and where the client's time goes.

The simulator runs in its own process (``benches._e2e_server``) and sends group text messages
(a plaintext body) to a paired, logged-in `Client` in this process as fast as the connection
takes them. On the client's side each stanza goes through the WebSocket, frame reassembly,
Noise decryption, node decoding, the ack the client sends back, routing, and dispatch to one
handler. The clock runs from the request to the handler seeing the last message.

The ratio is against a floor measured in the same run: as many frames of the same size over
the same sockets and WebSocket code, from the same process, read and thrown away (no protocol
at all). Both are also given in CPU time of this process per stanza (or frame), which a
machine shared with other work disturbs much less than the wall-clock rates. The stanzas carry
a plaintext body, so no Signal work is in it: the race against a real client (Baileys) on
encrypted messages is ``bench_e2e_signal``; the decoder is raced against Baileys and yowsup in
``bench_wire``.

Then one run under cProfile, with each layer's share of the client process's wall time
(cumulative time of the layer's plain-function entry points; cProfile slows pure-Python code
more than C, so the shares are a guide, not a measurement).
"""

from __future__ import annotations

import cProfile
import pstats
import subprocess
import sys
import time
from pathlib import Path

import anyio
import anyio.abc

from benches._e2e_server import stanza
from benches._support import LineProcess
from wabus.client import Client, MemoryStore, connect_websocket
from wabus.core import Bot, EventHandler
from wabus.core.events import Message, PairingQrCode
from wabus.protocol import TrustedRoot

ROOT = Path(__file__).resolve().parent.parent


class _Counter(EventHandler):
    def __init__(self) -> None:
        self.count = 0
        self.target = 0
        self.done = anyio.Event()

    def expect(self, count: int) -> None:
        self.count, self.target, self.done = 0, count, anyio.Event()

    def on_message(self, event: Message) -> None:
        self.count += 1
        if self.count == self.target:
            self.done.set()


class _Phone(EventHandler):
    """Scans the QR code by telling the simulator's process to."""

    def __init__(self, process: anyio.abc.Process) -> None:
        self._process = process

    async def on_pairing_qr_code(self, event: PairingQrCode) -> None:
        assert self._process.stdin is not None
        await self._process.stdin.send(f"scan {event.code}\n".encode())


async def _session(
    count: int, rounds: int, profiler: cProfile.Profile | None
) -> list[tuple[float, float]]:
    """(Wall seconds, this process's CPU seconds) for each round of `count` messages through
    one live session."""
    command = [sys.executable, "-m", "benches._e2e_server"]
    async with await anyio.open_process(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None
    ) as process:
        server = LineProcess(process, "simulator")
        _, url, root, _ = (await server.line()).split()
        client = Client(
            MemoryStore(),
            url=url,
            trusted_roots=[TrustedRoot(serial=0, key=bytes.fromhex(root))],
            keepalive_interval=3600,
        )
        counter = _Counter()
        bot = (
            Bot.builder()
            .with_source(client)
            .with_handler(counter)
            .with_handler(_Phone(process))
            .build()
        )
        times: list[tuple[float, float]] = []
        async with bot:
            counter.expect(200)  # warm up (and wait for the login)
            await server.command("send 200")
            await counter.done.wait()
            assert await server.line() == "sent"
            for _ in range(rounds):
                counter.expect(count)
                if profiler is not None:
                    profiler.enable()
                start, cpu = time.perf_counter(), time.process_time()
                await server.command(f"send {count}")
                await counter.done.wait()
                times.append((time.perf_counter() - start, time.process_time() - cpu))
                if profiler is not None:
                    profiler.disable()
                assert await server.line() == "sent"
            await client.stop()
        await server.command("quit")
        await process.wait()
    return times


async def _floor(count: int, size: int, rounds: int) -> list[tuple[float, float]]:
    """(Wall seconds, CPU seconds) for each round of `count` frames of `size` bytes, read and
    thrown away."""
    command = [sys.executable, "-m", "benches._e2e_server"]
    async with await anyio.open_process(
        command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None
    ) as process:
        server = LineProcess(process, "simulator")
        *_, port = (await server.line()).split()
        times: list[tuple[float, float]] = []
        for _ in range(rounds):
            ws = await connect_websocket(f"ws://127.0.0.1:{port}/")
            total = (size + 3) * count  # each frame has a 3-byte length header
            start, cpu = time.perf_counter(), time.process_time()
            await ws.send(f"{count} {size}".encode())
            received = 0
            while received < total:
                received += len(await ws.receive())
            times.append((time.perf_counter() - start, time.process_time() - cpu))
            await ws.close()
        await server.command("quit")
        await process.wait()
    return times


# Each layer's entry points, as "file:function" (a C function's file is "~"). All are plain
# functions, whose cumulative time cProfile measures well (coroutines it does not).
_WS = "wsproto/__init__.py"
_LAYERS = [
    ("socket reads (the recv system call)", ["~:<method 'recv' of '_socket.socket' objects>"]),
    ("WebSocket parsing (wsproto)", [f"{_WS}:receive_data", f"{_WS}:events"]),
    ("frame reassembly", ["_frame.py:receive_data", "_frame.py:next_frame"]),
    ("Noise decrypt (AES-GCM)", ["_noise.py:decrypt"]),
    ("node decode", ["_binary.py:decode_node"]),
    ("ack: node encode", ["_binary.py:encode_node", "_binary.py:encode_ack"]),
    (
        "ack: encrypt, frame, WebSocket",
        ["_noise.py:encrypt", "_frame.py:encode", "_websocket.py:binary_frame", f"{_WS}:send"],
    ),
    ("socket writes (the send system call)", ["~:<method 'send' of '_socket.socket' objects>"]),
    ("route (stanza to events)", ["_router.py:route"]),
    ("publish and dispatch to the handler", ["_bus.py:publish"]),
]


def _shares(profiler: cProfile.Profile, wall: float) -> list[str]:
    table = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    lines = []
    accounted = 0.0
    for label, points in _LAYERS:
        wanted = [point.split(":", 1) for point in points]
        cumulative = sum(
            entry[3]
            for (path, _, name), entry in table.items()
            if any(path.endswith(suffix) and name == function for suffix, function in wanted)
        )
        accounted += cumulative
        lines.append(f"  {label:<46}{cumulative / wall:6.0%}")
    rest = max(0.0, 1 - accounted / wall)
    lines.append(f"  {'event loop, tasks, locks and the rest':<46}{rest:6.0%}")
    return lines


def main(quick: bool = False) -> None:
    count, rounds = (300, 1) if quick else (20_000, 3)
    size = len(stanza()) + 16  # with the GCM tag
    sessions = anyio.run(_session, count, rounds, None)
    floors = anyio.run(_floor, count, size, rounds)
    live, live_cpu = min(wall for wall, _ in sessions), min(cpu for _, cpu in sessions)
    floor, floor_cpu = min(wall for wall, _ in floors), min(cpu for _, cpu in floors)
    print(f"{count} group text messages ({size}-byte frames), the simulator in another process")
    print(
        f"  wabus end to end:  {count / live / 1e3:8.1f} k stanzas/s  (to one handler;"
        f" {live_cpu / count * 1e6:.1f} us of CPU each)"
    )
    print(
        f"  transport floor:   {count / floor / 1e3:8.1f} k frames/s   (same sockets, no protocol;"
        f" {floor_cpu / count * 1e6:.1f} us of CPU each)"
    )
    print(f"  wabus / floor:     {floor / live:8.2f}x  (by CPU time: {floor_cpu / live_cpu:.2f}x)")
    profiler = cProfile.Profile()
    [(profiled, _)] = anyio.run(_session, count, 1, profiler)
    rate = count / profiled / 1e3
    print(f"one profiled run ({rate:.1f} k stanzas/s under cProfile), share of the client's time:")
    print("\n".join(_shares(profiler, profiled)))


if __name__ == "__main__":
    main()
