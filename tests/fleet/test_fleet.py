"""The fleet: `wabus fleet` members in processes of their own, sharing accounts over PostgreSQL.

Against the simulator (in the test's process, on loopback) and the machine's PostgreSQL (a
fresh schema per test). The accounts are provisioned: paired on the simulator and saved in
the store before any member starts (`Simulator.provision`). Members print their events and
views as JSON lines (``--json``), which the test reads. Every wait has a generous timeout (a
guard against a hang); nothing asserts how long anything took.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.abc
import pytest
from anyio.streams.buffered import BufferedByteReceiveStream

from tests import postgres, processes
from wabus.client import PostgresDatabase, PostgresStore
from wabus.core import Jid
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
TIMINGS = ("--interval", "0.5", "--lease-timeout", "1.5", "--takeover-delay", "3")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the members are processes: one backend for the test's side is enough


@dataclass
class Member:
    """One ``wabus fleet`` process, and what it printed."""

    process: anyio.abc.Process
    log: Path
    view: dict[str, Any] = field(default_factory=dict)
    messages: list[tuple[str, str]] = field(default_factory=list)
    """(account, message id) of every message its handlers got."""
    replaced: list[str] = field(default_factory=list)
    """Accounts whose connection was replaced by another (must never happen)."""

    async def read(self) -> None:
        assert self.process.stdout is not None
        lines = BufferedByteReceiveStream(self.process.stdout)
        while True:
            try:
                line = await lines.receive_until(b"\n", 1 << 20)
            except (anyio.EndOfStream, anyio.IncompleteRead):
                return
            data = json.loads(line)
            if "fleet" in data:
                self.view = data["fleet"]
            elif data.get("type") == "message":
                self.messages.append((data["account"], data["info"]["id"]))
            elif data.get("type") == "stream_replaced":
                self.replaced.append(data["account"])

    @property
    def connected(self) -> set[str]:
        accounts: dict[str, str] = self.view.get("accounts", {})
        return {a for a, state in accounts.items() if state == "connected"}


def provision(sim: Simulator, dsn: str, count: int) -> dict[str, Jid]:
    """`count` accounts paired on `sim` and saved in the store: name → device JID."""
    devices: dict[str, Jid] = {}
    with PostgresDatabase(dsn) as database:
        for i in range(count):
            name = f"acct{i:03d}"
            state = sim.provision(f"1555300{i:04d}", f"4000000{i:04d}")
            assert state.pn is not None
            with PostgresStore(database, account=name) as store:
                store.save(state)
            devices[name] = state.pn
    return devices


@asynccontextmanager
async def members(
    sim: Simulator, dsn: str, accounts: Path, logs: Path, count: int
) -> AsyncIterator[list[Member]]:
    """`count` members, each in a process group that is killed however the test ends."""
    command: list[str | Path] = [sys.executable, "-m", "wabus.cli", "fleet", "--store", dsn]
    command += ["--accounts", accounts]
    command += ["--url", sim.url, "--trust-root", sim.trusted_root.key.hex(), "--json", *TIMINGS]
    async with AsyncExitStack() as stack, anyio.create_task_group() as readers:
        started: list[Member] = []
        for number in range(count):
            log = logs / f"member{number}.log"
            sink = stack.enter_context(log.open("wb"))
            process = await stack.enter_async_context(
                processes.open_process(command, cwd=ROOT, stdin=None, stderr=sink.fileno())
            )
            member = Member(process, log)
            readers.start_soon(member.read)
            started.append(member)
        try:
            yield started
        finally:
            readers.cancel_scope.cancel()


async def until(
    check: Callable[[], bool], what: str, members: list[Member], timeout: float
) -> None:
    """Wait for `check` (a guard against a hang: the members' logs are in the failure)."""
    with anyio.move_on_after(timeout):
        while not check():
            await anyio.sleep(0.1)
            if any(m.process.returncode not in (None, -signal.SIGKILL) for m in members):
                break
        else:
            return
    tails = "\n".join(f"{m.log.name}: {m.log.read_text()[-3000:]}" for m in members)
    pytest.fail(f"timed out waiting for {what}; views {[m.view for m in members]}\n{tails}")


def each_once(sim: Simulator, devices: dict[str, Jid]) -> bool:
    """Every account logged in (the simulator holds one connection per device: a second login
    replaces the first, which `Simulator.replaced` counts)."""
    return set(sim.connected_devices) == set(devices.values())


@pytest.mark.timeout(900)
async def test_three_members_share_ninety_accounts_and_take_over_a_killed_one(
    tmp_path: Path,
) -> None:
    with postgres.fresh_schema() as dsn:
        async with Simulator() as sim:
            devices = provision(sim, dsn, 90)
            accounts = tmp_path / "accounts.txt"
            accounts.write_text("# the fleet's accounts\n" + "\n".join(devices) + "\n")
            async with members(sim, dsn, accounts, tmp_path, 3) as fleet:
                # All connected, each by exactly one member, balanced 30/30/30.
                await until(
                    lambda: (
                        each_once(sim, devices)
                        and sorted(len(m.connected) for m in fleet) == [30, 30, 30]
                    ),
                    "90 accounts connected by 3 members",
                    fleet,
                    timeout=600,
                )
                owners = Counter(a for m in fleet for a in m.connected)
                assert set(owners) == set(devices)
                assert set(owners.values()) == {1}

                # Messages before, during and after the failover.
                sent: list[tuple[str, str]] = []

                async def send_round(label: str) -> None:
                    for name, jid in devices.items():
                        sent.append((name, await sim.send_message(ALICE, label, to=jid)))

                await send_round("before")
                victim, survivors = fleet[0], fleet[1:]
                taken_over = set(victim.connected)
                assert len(taken_over) == 30
                os.killpg(victim.process.pid, signal.SIGKILL)
                await send_round("at the kill")
                await until(
                    lambda: not {devices[a] for a in taken_over} & set(sim.connected_devices),
                    "the killed member's connections to end",
                    fleet,
                    timeout=120,
                )
                await send_round("while nobody runs them")
                await until(
                    lambda: (
                        each_once(sim, devices)
                        and sorted(len(m.connected) for m in survivors) == [45, 45]
                    ),
                    "the survivors to run all 90 accounts",
                    fleet,
                    timeout=600,
                )
                await send_round("after")

                def delivered() -> bool:
                    seen = {m for member in fleet for m in member.messages}
                    return all(key in seen for key in sent)

                await until(
                    delivered,
                    "every message to be delivered",
                    fleet,
                    timeout=300,
                )
                received = Counter(m for member in fleet for m in member.messages)
                missing = [key for key in sent if not received[key]]
                duplicates = {key: n for key, n in received.items() if n > 1}
                print(
                    f"{len(sent)} messages sent, {len(sent) - len(missing)} delivered,"
                    f" {len(duplicates)} delivered twice or more (redelivered after the kill)"
                )
                assert not missing
                assert set(received) <= set(sent)
                assert all(key[0] in taken_over for key in duplicates)  # only the victim's
                # Never two connections of one account: no login replaced another.
                assert sum(sim.replaced.values()) == 0
                assert not [a for m in fleet for a in m.replaced]
                # Every stanza was acknowledged in the end: the offline queues are empty.
                await until(
                    lambda: all(
                        not sim.directory.device(jid).outbox  # type: ignore[union-attr]
                        for jid in devices.values()
                    ),
                    "the offline queues to empty",
                    fleet,
                    timeout=120,
                )
