"""Signal end to end: messages/s decrypted, routed and dispatched, wabus against Baileys.

Both receivers get the same stream from the same simulator code (``benches._e2e_server``, in
its own process, one per receiver): a paired, logged-in companion is sent `count` text
messages, either 1:1 from Alice on an established session (``msg``: she is written to first,
so she no longer sends ``pkmsg``) or from Bob to a group (``skmsg``, after one warm-up message
that carried his sender key). The simulator encrypts every message ahead of time
(`Simulator.seal`), then streams them (`queue_nodes`, `flush`: only the transport's cipher is
left to it), so what is measured is the receiver. The clock runs from the request to stream
until the receiver has counted the last message.

- wabus: a `Client` with a `MemoryStore`, in this process; each message goes through the
  WebSocket, frames, Noise, node decoding, the Signal decryption and unpadding, the router,
  the bus and one handler, which reads the text (so the body is parsed), and is acked.
- Baileys: the real client (npm ``baileys`` 7.0.0-rc14, in Node.js, its trusted root patched
  and nothing else; ``benches/peers/baileys_e2e.mjs``) with its keys in memory; it counts
  ``messages.upsert`` messages with the decrypted text.

The ratio is wabus / Baileys throughput: above 1 means wabus is faster. Baileys is installed by
npm into ``tests/interop/js/node_modules`` on first use, as the interop tests do; without Node.js
or npm it is skipped.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import anyio
import anyio.abc

from benches._e2e_server import ALICE, BENCH_PREFIX, WARM_UP
from benches._support import LineProcess
from benches.bench_e2e import _Phone
from wabus.client import Client, MemoryStore
from wabus.core import Bot, EventHandler
from wabus.core.events import Message
from wabus.protocol import TrustedRoot

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "tests/interop/js"
KINDS = ("msg", "skmsg")
_GUARD = 300.0  # a hang guard for each wait, far above any run's length


class _Counter(EventHandler):
    """The one handler: counts the benchmark's messages by their decrypted text."""

    def __init__(self) -> None:
        self.count = 0
        self.target = -1
        self.done = anyio.Event()
        self.warm_ups = 0

    def expect(self, count: int) -> None:
        self.count, self.target, self.done = 0, count, anyio.Event()

    def on_message(self, event: Message) -> None:
        text = event.text
        if text is not None and text.startswith(BENCH_PREFIX):
            self.count += 1
            if self.count == self.target:
                self.done.set()
        elif text == WARM_UP:
            self.warm_ups += 1


async def _start_server() -> tuple[anyio.abc.Process, LineProcess, str, str]:
    process = await anyio.open_process(
        [sys.executable, "-m", "benches._e2e_server"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    server = LineProcess(process, "simulator")
    _, url, root, _ = (await server.line()).split()
    return process, server, url, root


async def _seal(server: LineProcess, kind: str, count: int) -> None:
    await server.command(f"seal {kind} {count}")
    reply = (await server.line()).split()
    if reply != ["sealed", kind, str(count)]:
        raise RuntimeError(f"the simulator sealed {reply} (wanted {count} {kind})")


async def _wabus(kind: str, count: int, rounds: int) -> list[float]:
    """Seconds for each round of `count` messages of `kind` to the wabus client."""
    process, server, url, root = await _start_server()
    async with process:
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
        times: list[float] = []
        async with bot:
            with anyio.fail_after(_GUARD):
                while not client.connected:
                    await anyio.sleep(0.02)
            if kind == "msg":
                await client.send_text(ALICE, "hello Alice")  # so she answers with msg
            for round_number in range(1, rounds + 1):
                with anyio.fail_after(_GUARD):
                    await _seal(server, kind, count)
                    while kind == "skmsg" and counter.warm_ups < round_number:
                        await anyio.sleep(0.01)
                    counter.expect(count)
                    start = time.perf_counter()
                    await server.command("stream")
                    await counter.done.wait()
                    times.append(time.perf_counter() - start)
                    assert await server.line() == "sent"
            await client.stop()
        await server.command("quit")
        await process.wait()
    return times


def node_modules() -> Path | None:
    """The folder holding baileys, installed by npm if need be; None without node or npm."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None
    modules = JS / "node_modules"
    if not all((modules / name / "package.json").exists() for name in ("baileys", "pino")):
        installed = subprocess.run(
            [npm, "install", "--no-package-lock", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=JS,
            check=False,
            capture_output=True,
            timeout=600,
        )
        if installed.returncode != 0:
            return None
    return modules


async def _baileys(modules: Path, kind: str, count: int, rounds: int) -> list[float]:
    """Seconds for each round of `count` messages of `kind` to Baileys."""
    node = shutil.which("node")
    assert node is not None
    process, server, url, root = await _start_server()
    async with process:
        script = str(ROOT / "benches/peers/baileys_e2e.mjs")
        async with await anyio.open_process(
            [node, script, str(modules), url, root],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        ) as peer_process:
            peer = LineProcess(peer_process, "Baileys")
            times: list[float] = []
            with anyio.fail_after(_GUARD):
                while (record := await peer.record())["kind"] != "open":
                    if record["kind"] == "qr":
                        await server.command(f"scan {record['qr']}")
                if kind == "msg":
                    await peer.send(op="send", to=str(ALICE), text="hello Alice")
                    await peer.until("sent")
            for _ in range(rounds):
                with anyio.fail_after(_GUARD):
                    await _seal(server, kind, count)
                    if kind == "skmsg":
                        await peer.until("message", text=WARM_UP)
                    await peer.send(op="count", prefix=BENCH_PREFIX, target=count)
                    await peer.until("counting")
                    start = time.perf_counter()
                    await server.command("stream")
                    await peer.until("counted", count=count)
                    times.append(time.perf_counter() - start)
                    assert await server.line() == "sent"
            await peer.send(op="quit")
            await peer_process.wait()
        await server.command("quit")
        await process.wait()
    return times


def main(quick: bool = False) -> None:
    counts = {"msg": 20, "skmsg": 10} if quick else {"msg": 3000, "skmsg": 600}
    rounds = 1 if quick else 3
    modules = node_modules()
    print(
        "Signal end to end: messages/s decrypted, routed and dispatched to one handler through"
        " a live loopback connection"
    )
    print("(the simulator in another process, every message encrypted ahead of time;")
    print(f" best of {rounds} rounds; both receivers keep their keys in memory)")
    if modules is None:
        print("  Baileys: skipped (node and npm are needed)")
    print()
    print(f"  {'stream':<30}{'wabus':>12}  {'Baileys':>12} {'wabus/Baileys':>14}")
    for kind in KINDS:
        count = counts[kind]
        ours = count / min(anyio.run(_wabus, kind, count, rounds))
        line = f"  {f'{count} x {kind}':<30}{ours / 1e3:8.2f} k/s"
        if modules is not None:
            theirs = count / min(anyio.run(_baileys, modules, kind, count, rounds))
            line += f"  {theirs / 1e3:8.2f} k/s {ours / theirs:13.2f}x"
        print(line, flush=True)


if __name__ == "__main__":
    main()
