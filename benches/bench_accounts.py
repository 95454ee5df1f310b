"""Many accounts in one process: what an idle connected account costs, and a stream over all.

The simulator runs in its own process (``benches._accounts_server``), so that this process's
RSS and CPU time are the clients' alone. This process runs N `Client`s (1,000 by default),
each an account of its own with its own SQLite file (`SqliteStore`), all on one event loop in
one anyio task group, all publishing into one bus. They pair concurrently, as a fleet's first
start would: each shows its QR code, which a handler relays to the phone of a new account of
the simulator (there is no provisioning shortcut: every account pairs as a real one does).

Measured:

- **pairing**: accounts paired, logged in and with their prekeys published per second, all
  N - 1 started at once (after one first account);
- **RSS per account**: VmRSS (``/proc/self/status``) once all N are logged in and settled,
  less VmRSS with one account logged in (so imports and first-use caches are not counted),
  over N - 1;
- **idle CPU**: this process's CPU time over wall time, as a share of one core, over three
  keepalive intervals with no traffic (the keepalive pings and their pongs are all that
  happens). The full run uses the client's default interval (20 s); the quick run shortens it
  and scales the figure back to the default (said in the output);
- **a message stream spread over all of them**: Alice sends each account `K` text messages
  (Signal-encrypted ahead of time by the simulator, sent in rounds of one message per account):
  messages/s from the simulator's first write to the last handler call in this process.

The peer is Baileys (npm ``baileys`` 7.0.0-rc14, ``benches/peers/baileys_accounts.mjs``): 100
Baileys sockets in one Node.js process against a simulator of their own, each paired as an
account of its own, measured the same way: RSS per account from its ``/proc/<pid>/status``
(after a forced garbage collection), idle CPU over the same window at its own default
keepalive (30 s), the same stream. Its idle CPU is compared per account. Baileys is skipped
without Node.js and npm.
"""

from __future__ import annotations

import gc
import logging
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.abc
import anyio.to_thread
import structlog

from benches._accounts_server import BENCH_PREFIX
from benches._support import LineProcess
from benches.bench_e2e_signal import node_modules
from wabus.client import Client, SqliteStore
from wabus.core import CoreEventBus, EventHandler
from wabus.core.events import Message, PairingQrCode
from wabus.protocol import TrustedRoot

ROOT = Path(__file__).resolve().parent.parent
PEER = Path(__file__).parent / "peers" / "baileys_accounts.mjs"
DEFAULT_KEEPALIVE = 20.0
"""`Client`'s default keepalive_interval, in seconds."""
BAILEYS_KEEPALIVE = 30.0
"""Baileys' default keepAliveIntervalMs, in seconds."""
_GUARD = 1800.0  # a guard against a hang, not a measurement
_CLOCK_TICKS = float(os.sysconf("SC_CLK_TCK"))


def rss_kib(pid: int | str = "self") -> int:
    """A process's resident set size (VmRSS), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


def cpu_seconds(pid: int | str = "self") -> float:
    """A process's user + system CPU time so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to the hard limit; returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class _Server(LineProcess):
    """The simulator's process: commands in, reports out (see ``benches._accounts_server``)."""

    def __init__(self, process: anyio.abc.Process) -> None:
        super().__init__(process, "simulator")

    async def logged_in(self, count: int) -> None:
        """Wait until `count` companions are logged in with their keys published."""
        await self.command(f"wait {count}")
        word, ready = (await self.line()).split()
        assert word == "logged-in"
        assert int(ready) >= count, ready

    async def seal(self, per_account: int) -> int:
        """Have `per_account` messages sealed for each companion; returns how many in all."""
        await self.command(f"seal {per_account}")
        word, total = (await self.line()).split()
        assert word == "sealed"
        return int(total)


class _Accounts(EventHandler):
    """The one bus's handler: relays QR codes to the simulator and counts the stream."""

    def __init__(self, server: _Server) -> None:
        self._server = server
        self.messages = 0
        self.target = 0
        self.done = anyio.Event()

    async def on_pairing_qr_code(self, event: PairingQrCode) -> None:
        await self._server.command(f"scan {event.code}")

    def expect(self, count: int) -> None:
        self.messages, self.target, self.done = 0, count, anyio.Event()

    def on_message(self, event: Message) -> None:
        if event.message.conversation.startswith(BENCH_PREFIX):
            self.messages += 1
            if self.messages == self.target:
                self.done.set()


@dataclass
class Figures:
    """What one run measured."""

    accounts: int
    rss_per_account_kib: float
    idle_cpu_share: float
    """Of one core, at the default keepalive interval."""
    idle_note: str
    pairings_per_s: float = 0.0
    """Accounts paired and logged in (keys published) per second, all pairing at once."""
    messages: int = 0
    messages_per_s: float = 0.0


async def _settle(pid: int | str = "self") -> None:
    """Let what follows the logins (prekey uploads, app-state syncs) finish: until process
    `pid` uses under 2% of a core over a second, or a minute has gone by; then collect."""
    for _ in range(60):
        if await _idle(pid, 1.0) < 0.02:
            break
    gc.collect()


async def _start_server() -> tuple[anyio.abc.Process, _Server, str, bytes]:
    process = await anyio.open_process(
        [sys.executable, "-m", "benches._accounts_server"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=None,
    )
    server = _Server(process)
    _, url, root = (await server.line()).split()
    return process, server, url, bytes.fromhex(root)


async def _wabus(accounts: int, per_account: int, keepalive: float) -> Figures:
    process, server, url, root = await _start_server()
    async with process:
        trusted = [TrustedRoot(serial=0, key=root)]
        handler = _Accounts(server)
        bus = CoreEventBus()
        bus.add_handler(handler)
        clients: list[Client] = []
        stores: list[SqliteStore] = []
        with tempfile.TemporaryDirectory(prefix="wabus-accounts-") as folder:

            async def start(index: int, tasks: anyio.abc.TaskGroup) -> None:
                path = Path(folder) / f"account-{index}.db"
                store = await anyio.to_thread.run_sync(SqliteStore, path)
                stores.append(store)
                client = Client(store, url=url, trusted_roots=trusted, keepalive_interval=keepalive)
                clients.append(client)
                tasks.start_soon(client.run, bus)

            with anyio.fail_after(_GUARD):
                async with anyio.create_task_group() as tasks:
                    await start(0, tasks)
                    await server.logged_in(1)
                    await _settle()
                    one = rss_kib()
                    began = time.perf_counter()
                    async with anyio.create_task_group() as starting:
                        for index in range(1, accounts):
                            starting.start_soon(start, index, tasks)
                    await server.logged_in(accounts)
                    pairing = (accounts - 1) / (time.perf_counter() - began)
                    await _settle()
                    rss = (rss_kib() - one) / max(1, accounts - 1)
                    share = await _idle("self", 3 * keepalive)
                    note = (
                        f"its default {DEFAULT_KEEPALIVE:g} s keepalive, over {3 * keepalive:g} s"
                    )
                    if keepalive != DEFAULT_KEEPALIVE:
                        share *= keepalive / DEFAULT_KEEPALIVE
                        note = (
                            f"measured at a {keepalive:g} s keepalive over {3 * keepalive:g} s,"
                            f" scaled to the default {DEFAULT_KEEPALIVE:g} s"
                        )
                    figures = Figures(accounts, rss, share, note, pairing)
                    total = await server.seal(per_account)
                    handler.expect(total)
                    began = time.perf_counter()
                    await server.command("stream")
                    await handler.done.wait()
                    figures.messages = total
                    figures.messages_per_s = total / (time.perf_counter() - began)
                    assert (await server.line()).strip() == "sent"
                    async with anyio.create_task_group() as stopping:
                        for client in clients:
                            stopping.start_soon(client.stop)
                    tasks.cancel_scope.cancel()
            for store in stores:
                store.close()
        await server.command("quit")
        await process.wait()
    return figures


async def _idle(pid: int | str, window: float) -> float:
    """The share of one core process `pid` uses over `window` seconds of nothing else."""
    cpu, wall = cpu_seconds(pid), time.perf_counter()
    await anyio.sleep(window)
    return (cpu_seconds(pid) - cpu) / (time.perf_counter() - wall)


async def _baileys(
    modules: Path, accounts: int, per_account: int, keepalive_window: float
) -> Figures:
    node = shutil.which("node")
    assert node is not None
    process, server, url, root = await _start_server()
    async with process:
        async with await anyio.open_process(
            [node, "--expose-gc", str(PEER), str(modules), url, root.hex()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        ) as peer_process:
            peer = LineProcess(peer_process, "Baileys")
            pid = peer_process.pid
            counted = anyio.Event()

            async def relay() -> None:  # QR codes to the simulator; the count when it comes
                while True:
                    record = await peer.record()
                    if record["kind"] == "qr":
                        await server.command(f"scan {record['qr']}")
                    elif record["kind"] == "counted":
                        counted.set()

            async def collected_rss() -> int:
                await peer.send(op="gc")
                await anyio.sleep(2.0)  # let the collection happen and the sockets settle
                return rss_kib(pid)

            with anyio.fail_after(_GUARD):
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(relay)
                    await peer.send(op="start", count=1)
                    await server.logged_in(1)
                    await _settle(pid)
                    one = await collected_rss()
                    began = time.perf_counter()
                    await peer.send(op="start", count=accounts - 1)
                    await server.logged_in(accounts)
                    pairing = (accounts - 1) / (time.perf_counter() - began)
                    await _settle(pid)
                    rss = (await collected_rss() - one) / max(1, accounts - 1)
                    share = await _idle(pid, keepalive_window)
                    note = (
                        f"its default {BAILEYS_KEEPALIVE:g} s keepalive,"
                        f" over {keepalive_window:g} s"
                    )
                    figures = Figures(accounts, rss, share, note, pairing)
                    total = await server.seal(per_account)
                    await peer.send(op="count", prefix=BENCH_PREFIX, target=total)
                    began = time.perf_counter()
                    await server.command("stream")
                    await counted.wait()
                    figures.messages = total
                    figures.messages_per_s = total / (time.perf_counter() - began)
                    tasks.cancel_scope.cancel()
            await peer.send(op="quit")
            await peer_process.wait()
        await server.command("quit")
        await process.wait()
    return figures


def main(quick: bool = False) -> None:
    limit = raise_fd_limit()
    accounts, peers = (4, 3) if quick else (1000, 100)
    per_account = 2 if quick else 5
    keepalive = 0.5 if quick else DEFAULT_KEEPALIVE
    # Each account holds a socket and its SQLite file (with its WAL, shared-memory index and
    # lock file): five descriptors, and room to spare.
    accounts = min(accounts, max(2, (limit - 256) // 8))
    config = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        ours = anyio.run(_wabus, accounts, per_account, keepalive)
        modules = node_modules()
        theirs = (
            anyio.run(_baileys, modules, peers, per_account, 3 * keepalive) if modules else None
        )
    finally:
        structlog.configure(**config)
    print(f"{accounts} idle accounts in one process, each a Client with its own SQLite file")
    print("(the simulator in another process; RSS and CPU are the clients' process alone)")
    rows = [("wabus", ours)] + ([("Baileys", theirs)] if theirs is not None else [])
    print(
        f"  {'':<9}{'accounts':>9}{'pairing':>14}{'RSS/account':>14}{'idle CPU':>11}{'stream':>16}"
    )
    for name, figures in rows:
        print(
            f"  {name:<9}{figures.accounts:>9}{figures.pairings_per_s:>8.1f} acc/s"
            f"{figures.rss_per_account_kib:>10.0f} KiB"
            f"{figures.idle_cpu_share:>10.2%} {figures.messages_per_s:>9.0f} msg/s"
        )
    print("  pairing: accounts paired and logged in (keys published) per second, all at once")
    print(f"  idle CPU, wabus: {ours.idle_note}")
    print(f"  stream: {per_account} Signal messages to each account, sealed ahead of time")
    if theirs is None:
        print("  Baileys: skipped (node and npm are needed)")
        return
    print(f"  idle CPU, Baileys: {theirs.idle_note}")
    if ours.rss_per_account_kib > 0 and theirs.rss_per_account_kib > 0:
        memory = f"{theirs.rss_per_account_kib / ours.rss_per_account_kib:.2f}x less"
    else:  # a quick run's few accounts are lost in the noise
        memory = "no ratio (too few accounts to tell)"
    ours_idle = ours.idle_cpu_share / ours.accounts
    theirs_idle = theirs.idle_cpu_share / theirs.accounts
    print(
        f"  idle CPU per account, each at its default keepalive: wabus {ours_idle:.5%},"
        f" Baileys {theirs_idle:.5%} of one core"
    )
    if ours_idle > 0 and theirs_idle > 0:
        idle = f"{theirs_idle / ours_idle:.2f}x less"
    else:  # a quick run's window may see no keepalive at all
        idle = "no ratio (nothing measured)"
    print(
        f"  wabus / Baileys: RSS per account {memory}; idle CPU per account {idle};"
        f" stream {ours.messages_per_s / theirs.messages_per_s:.2f}x the messages/s"
    )


if __name__ == "__main__":
    main()
