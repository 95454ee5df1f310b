"""`FleetMember` in one process (two members, each with its own connection), the assignment,
the accounts file, and ``wabus fleet``'s refusals."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from tests import postgres, processes
from wabus.client import (
    Client,
    FleetError,
    FleetMember,
    PostgresDatabase,
    PostgresStore,
    assign_accounts,
    read_accounts,
)
from wabus.core import CoreEventBus
from wabus.simulator import Simulator

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


def test_the_assignment_is_balanced_and_the_same_for_every_member() -> None:
    accounts = [f"a{i}" for i in range(100)]
    for members in ([7], [3, 9], [5, 1, 8], [11, 12, 13, 14, 15, 16, 17]):
        plan = assign_accounts(accounts, members)
        sizes = [len(v) for v in plan.values()]
        assert sorted(a for v in plan.values() for a in v) == sorted(accounts)
        assert max(sizes) <= math.ceil(len(accounts) / len(members))
        assert max(sizes) - min(sizes) <= len(members)  # bounded loads: nobody far behind
        assert assign_accounts(reversed(accounts), reversed(members)) == plan
    assert assign_accounts(accounts, []) == {}


def test_a_member_joining_takes_its_share_from_the_others() -> None:
    accounts = [f"a{i}" for i in range(90)]
    before = assign_accounts(accounts, [1, 2])
    after = assign_accounts(accounts, [1, 2, 3])
    assert [len(after[m]) for m in (1, 2, 3)] == [30, 30, 30]
    kept = sum(len(set(before[m]) & set(after[m])) for m in (1, 2))
    assert kept >= 45  # most accounts stay where they were (at least half)


def test_the_accounts_file_format() -> None:
    text = "# support desk\n\nsupport-1\n  support-2  \n#support-3\nsales\n"
    assert read_accounts(text) == ["support-1", "support-2", "sales"]
    with pytest.raises(FleetError, match="line 2: 'a' is listed again \\(line 1\\)"):
        read_accounts("a\na\n")
    with pytest.raises(FleetError, match="line 1: 'two names' is not one account name"):
        read_accounts("two names\n")
    with pytest.raises(FleetError, match="lists no account"):
        read_accounts("# nothing\n\n")


def test_bad_timings_are_refused() -> None:
    bus = CoreEventBus()

    def factory(account: str, store: PostgresStore) -> Client:
        raise AssertionError("not called")

    with pytest.raises(FleetError, match="takeover_delay"):
        FleetMember("postgresql://x", ["a"], factory, bus, lease_timeout=3, takeover_delay=3)
    with pytest.raises(FleetError, match="lease_timeout must be longer"):
        FleetMember("postgresql://x", ["a"], factory, bus, interval=2, lease_timeout=1)
    with pytest.raises(FleetError, match="at least one account"):
        FleetMember("postgresql://x", [], factory, bus)
    with pytest.raises(FleetError, match="more than once"):
        FleetMember("postgresql://x", ["a", "a"], factory, bus)


def _provision(sim: Simulator, dsn: str, names: list[str], series: int) -> None:
    """Each of `names` paired with `sim` (without a connection) and saved in the store at
    `dsn`; `series` keeps the phone numbers apart from other tests'."""
    with PostgresDatabase(dsn) as database:
        for i, name in enumerate(names):
            with PostgresStore(database, account=name) as store:
                store.save(sim.provision(f"1555{series}00{i:04d}", f"{series + 1}000000{i:04d}"))


def _client_factory(sim: Simulator) -> Callable[[str, PostgresStore], Client]:
    def factory(account: str, store: PostgresStore) -> Client:
        return Client(store, url=sim.url, trusted_roots=[sim.trusted_root])

    return factory


async def _until(check: Callable[[], bool], timeout: float = 120.0) -> None:
    with anyio.fail_after(timeout):  # a guard against a hang, not a measure
        while not check():
            await anyio.sleep(0.05)


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_members_balance_when_one_joins_and_take_back_when_it_leaves() -> None:
    with postgres.fresh_schema() as dsn:
        async with Simulator() as sim:
            names = [f"bot{i}" for i in range(6)]
            _provision(sim, dsn, names, 4)
            with PostgresDatabase(dsn) as database, PostgresStore(database, account="unpaired"):
                pass  # in the store, without a device
            factory = _client_factory(sim)

            bus = CoreEventBus()
            accounts = [*names, "unpaired"]
            first = FleetMember(
                dsn, accounts, factory, bus, interval=0.2, lease_timeout=0.6, takeover_delay=2
            )
            second = FleetMember(
                dsn, accounts, factory, bus, interval=0.2, lease_timeout=0.6, takeover_delay=2
            )
            async with bus, anyio.create_task_group() as tasks:
                tasks.start_soon(first.run)
                await _until(lambda: len(sim.connected_devices) == 6)
                status = first.status()
                assert sorted(status.accounts) == names
                assert "not paired" not in str(status)  # said in skipped, below
                assert "no paired device" in status.skipped["unpaired"]

                second_scope = anyio.CancelScope()

                async def run_second() -> None:
                    with second_scope:
                        await second.run()

                def settled(member: FleetMember) -> bool:
                    status = member.status()
                    return bool(status.assigned) and set(status.accounts) == set(
                        status.assigned
                    ) - {"unpaired"}

                tasks.start_soon(run_second)
                await _until(
                    lambda: (
                        len(first.status().members) == 2
                        and settled(first)
                        and settled(second)
                        and len(sim.connected_devices) == 6
                    )
                )
                shares = sorted(len(m.status().assigned) for m in (first, second))
                assert shares == [3, 4]  # 7 accounts: ceil(7 / 2) at most each
                owned = set(first.status().accounts) | set(second.status().accounts)
                assert owned == set(names)
                assert not set(first.status().accounts) & set(second.status().accounts)
                assert first.status().members == second.status().members
                # The second left (gracefully): the first takes everything back.
                second_scope.cancel()
                await _until(lambda: len(first.status().accounts) == 6)
                await _until(lambda: len(sim.connected_devices) == 6)
                assert sum(sim.replaced.values()) == 0
                tasks.cancel_scope.cancel()
            await _until(lambda: not sim.connected_devices)


def test_the_command_says_when_no_account_is_paired(tmp_path: Path) -> None:
    with postgres.fresh_schema() as dsn:
        accounts = tmp_path / "accounts.txt"
        accounts.write_text("nobody\n")
        command: list[str | Path] = [sys.executable, "-m", "wabus.cli", "fleet"]
        command += ["--accounts", accounts]
        result = processes.run([*command, "--store", dsn], cwd=ROOT, timeout=120)
        assert result.returncode == 1
        assert "none of the 1 accounts is paired" in result.stderr
        accounts.write_text("a\na\n")
        result = processes.run([*command, "--store", dsn], cwd=ROOT, timeout=120)
        assert result.returncode == 2
        assert "is listed again" in result.stderr


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_member_whose_connection_is_cut_stops_its_clients_then_takes_them_again() -> None:
    import psycopg

    with postgres.fresh_schema() as dsn:
        async with Simulator() as sim:
            names = [f"bot{i}" for i in range(3)]
            _provision(sim, dsn, names, 5)
            factory = _client_factory(sim)

            bus = CoreEventBus()
            member = FleetMember(
                dsn, names, factory, bus, interval=0.2, lease_timeout=0.6, takeover_delay=2
            )
            async with bus, anyio.create_task_group() as tasks:
                tasks.start_soon(member.run)
                await _until(lambda: len(sim.connected_devices) == 3)
                assert set(sim.logins.values()) == {1}
                # The server ends the member's session: its locks, and so its leases, go.
                with psycopg.connect(postgres.BASE_DSN, autocommit=True) as admin:
                    ended = admin.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_locks"
                        " WHERE locktype = 'advisory' AND granted AND objsubid = 2"
                        " AND objid = %s::bigint::oid",
                        (member.member,),
                    ).fetchall()
                assert ended == [(True,)]
                # It stops every client (the server sees them go), then, holding the locks
                # again on a new connection, connects them again.
                await _until(lambda: all(sim.logins[jid] >= 2 for jid in sim.logins))
                await _until(lambda: len(sim.connected_devices) == 3)
                assert sorted(member.status().accounts) == names
                assert sum(sim.replaced.values()) == 0
                tasks.cancel_scope.cancel()
