"""Many accounts against one simulator: concurrent pairing, one scanner for all, no thread each.

Every client is an account of its own (a new account's phone scans its QR code), with its own
SQLite file, all on one event loop, all publishing into one bus. Concurrency is shown by what
the simulator holds at once (every pairing in flight before any completes), never by timing.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.abc
import pytest

from wabus.client import Client, SqliteStore
from wabus.core import CoreEventBus, EventHandler, Jid
from wabus.core.events import Connected, PairingQrCode
from wabus.simulator import AutoScanner, Simulator, SimulatorError

pytestmark = pytest.mark.anyio

ACCOUNTS = 40
# More accounts than anyio's default worker threads (40): a thread per account would show.
MORE_THAN_THREADS = 48
GUARD = 300  # seconds: only a guard against a hang, never a measurement


class Tally(EventHandler):
    """QR codes shown and logins, over every client on the bus."""

    def __init__(self) -> None:
        self.codes: list[str] = []
        self.logins = 0
        self.changed = anyio.Event()

    def on_pairing_qr_code(self, event: PairingQrCode) -> None:
        self.codes.append(event.code)
        self._changed()

    def on_connected(self, event: Connected) -> None:
        self.logins += 1
        self._changed()

    def _changed(self) -> None:
        self.changed.set()
        self.changed = anyio.Event()

    async def until(self, done: Callable[[], bool]) -> None:
        while not done():
            await self.changed.wait()


@asynccontextmanager
async def clients(
    sim: Simulator, bus: CoreEventBus, folder: Path, count: int
) -> AsyncIterator[list[Client]]:
    """`count` clients, each with a SQLite file of its own, running into `bus`."""
    stores = [SqliteStore(folder / f"account-{n}.db") for n in range(count)]
    running = [
        Client(store, url=sim.url, trusted_roots=[sim.trusted_root], reconnect_delays=(0.05,))
        for store in stores
    ]
    try:
        async with anyio.create_task_group() as tasks:
            for client in running:
                tasks.start_soon(client.run, bus)
            yield running
            async with anyio.create_task_group() as stopping:
                for client in running:
                    stopping.start_soon(client.stop)
    finally:
        for store in stores:
            store.close()


async def test_the_simulator_holds_every_pairing_at_once_and_completes_them_all(
    tmp_path: Path,
) -> None:
    async with Simulator() as sim:
        tally = Tally()
        bus = CoreEventBus()
        bus.add_handler(tally)
        with anyio.fail_after(GUARD):
            async with clients(sim, bus, tmp_path, ACCOUNTS):
                # Nobody scans until every client shows a code: all pairings wait at once.
                await tally.until(lambda: len(tally.codes) >= ACCOUNTS)
                assert sim.pairings == ACCOUNTS
                assert tally.logins == 0
                # Every phone scans now, before any pairing completes.
                owners = [sim.add_account() for _ in range(ACCOUNTS)]
                devices = [
                    sim.scan(code, account=owner)
                    for code, owner in zip(tally.codes[:ACCOUNTS], owners, strict=True)
                ]
                assert sim.pairings == ACCOUNTS  # scanned, none confirmed yet
                await tally.until(lambda: tally.logins >= ACCOUNTS)
                for device in devices:
                    await sim.wait_ready(device)
                assert sim.pairings == 0
                assert len(set(sim.connected_devices)) == ACCOUNTS
                assert {d.to_non_ad() for d in devices} == set(owners)
                assert {d.to_non_ad() for d in sim.paired_devices} >= set(owners)


async def test_one_auto_scanner_pairs_every_client_as_an_account_of_its_own(
    tmp_path: Path,
) -> None:
    async with Simulator() as sim:
        tally = Tally()
        scanner = AutoScanner(sim, delay=0, own_accounts=True)
        bus = CoreEventBus()
        bus.add_handler(scanner)
        bus.add_handler(tally)
        threads_before = threading.active_count()
        with anyio.fail_after(GUARD):
            async with clients(sim, bus, tmp_path, MORE_THAN_THREADS) as running:
                await tally.until(lambda: tally.logins >= MORE_THAN_THREADS)
                jids: list[Jid] = []
                for client in running:
                    assert client.state is not None
                    assert client.state.pn is not None
                    jids.append(client.state.pn)
                for jid in jids:
                    await sim.wait_ready(jid)
                assert scanner.scans == MORE_THAN_THREADS
                accounts = {jid.to_non_ad() for jid in jids}
                assert len(accounts) == MORE_THAN_THREADS
                assert sim.account.pn not in accounts  # new accounts, not the phone's
                assert len(set(sim.connected_devices)) == MORE_THAN_THREADS
                # No thread per account: at most anyio's worker threads, whatever the count.
                assert threading.active_count() - threads_before <= 40


async def test_a_scanner_waiting_to_scan_does_not_hold_the_bus_up(tmp_path: Path) -> None:
    """Its hook returns at once: a phone slow to scan (here: never within the test) does not
    keep the other clients' QR codes from the handlers after it."""
    async with Simulator() as sim:
        tally = Tally()
        bus = CoreEventBus()
        bus.add_handler(AutoScanner(sim, delay=3600, own_accounts=True))
        bus.add_handler(tally)
        with anyio.fail_after(GUARD):
            async with clients(sim, bus, tmp_path, 8):
                await tally.until(lambda: len(tally.codes) >= 8)
                assert sim.pairings == 8


async def test_add_account_gives_free_numbers_and_refuses_taken_ones() -> None:
    async with Simulator() as sim:
        first, second = sim.add_account(), sim.add_account()
        assert first != second
        assert sim.directory.account(first) is not None
        named = sim.add_account("15551234567", "123456789012345", push_name="Desk")
        assert named.user == "15551234567"
        with pytest.raises(SimulatorError, match="exists already"):
            sim.add_account("15551234567", "999999999999999")
        with pytest.raises(SimulatorError, match="exists already"):
            sim.add_account(sim.phone.user, "888888888888888")


async def test_auto_scanner_takes_an_account_or_own_accounts_not_both() -> None:
    async with Simulator() as sim:
        with pytest.raises(ValueError, match="not both"):
            AutoScanner(sim, account=sim.phone, own_accounts=True)
