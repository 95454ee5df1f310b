"""Fleet failover: from the SIGKILL of one ``wabus fleet`` member to the last of its accounts
connected again by the others.

The simulator runs in this process; the accounts are provisioned (paired on the simulator,
saved in a PostgreSQL schema of their own, dropped afterwards); the members are ``wabus
fleet`` processes (each in a process group of its own, killed at the end whatever happens).
Once every account is connected, exactly once, one member is killed with SIGKILL and the
simulator's view is read every 10 ms: when the dead member's connections ended, when the
first and the last of its accounts logged in again from a survivor. Each setting runs a few
times; the median and the worst are printed, beside the bound the settings promise
(``interval + takeover_delay``, plus a login).

No peer has a fleet to compare with (whatsmeow and Baileys leave spreading accounts over
processes to their users), so there is no ratio: the figure to hold it against is that
bound. PostgreSQL is the machine's, on 127.0.0.1:5432 (``$WABUS_TEST_POSTGRES`` for
another); without one the bench says so and measures nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import structlog

from wabus.client import PostgresDatabase, PostgresStore
from wabus.core import Jid
from wabus.simulator import Simulator

DSN = os.environ.get("WABUS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    interval: float
    lease_timeout: float
    takeover_delay: float

    @property
    def flags(self) -> list[str]:
        return [
            "--interval",
            f"{self.interval:g}",
            "--lease-timeout",
            f"{self.lease_timeout:g}",
            "--takeover-delay",
            f"{self.takeover_delay:g}",
        ]

    @property
    def bound(self) -> float:
        return self.interval + self.takeover_delay


DEFAULTS = Setting("defaults", 1.0, 3.0, 5.0)
FAST = Setting("fast", 0.5, 1.5, 3.0)


@dataclass(frozen=True)
class Failover:
    ended: float
    """Kill → the simulator saw the dead member's connections end."""
    first: float
    """Kill → the first of its accounts logged in again."""
    last: float
    """Kill → the last of its accounts logged in again."""
    moved: int


@contextlib.contextmanager
def _schema() -> Iterator[str | None]:
    import psycopg

    try:
        admin = psycopg.connect(DSN, autocommit=True, connect_timeout=5)
    except psycopg.Error as err:
        print(f"skipped: PostgreSQL does not answer ({str(err).strip().splitlines()[0]})")
        yield None
        return
    schema = f"wabus_bench_{secrets.token_hex(6)}"
    with admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
        try:
            parts = urllib.parse.urlsplit(DSN)
            query = [*urllib.parse.parse_qsl(parts.query), ("options", f"-csearch_path={schema}")]
            yield urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
        finally:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _leases(dsn: str, pids: list[int]) -> dict[int, int]:
    """How many account leases (the stores' one-key advisory locks) each member process holds."""
    import psycopg

    host = socket.gethostname()
    names = {f"wabus process {pid} on {host}"[:63]: pid for pid in pids}
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT a.application_name, count(*) FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " GROUP BY a.application_name"
        ).fetchall()
    found = dict.fromkeys(pids, 0)
    for name, count in rows:
        if name in names:
            found[names[name]] = int(count)
    return found


async def _until(check: object, timeout: float, what: str, sim: Simulator) -> None:
    assert callable(check)
    with anyio.move_on_after(timeout):  # a guard against a hang
        while not check():
            await anyio.sleep(0.01)
        return
    raise AssertionError(
        f"timed out waiting for {what}: {len(sim.connected_devices)} devices logged in,"
        f" replaced {sum(sim.replaced.values())}"
    )


async def _one_run(
    sim: Simulator, dsn: str, devices: dict[str, Jid], members: int, setting: Setting
) -> Failover:
    with tempfile.TemporaryDirectory() as tmp:
        accounts = Path(tmp) / "accounts.txt"
        accounts.write_text("\n".join(devices) + "\n")
        command = [sys.executable, "-m", "wabus.cli", "fleet", "--accounts", str(accounts)]
        command += ["--store", dsn, "--url", sim.url, "--trust-root", sim.trusted_root.key.hex()]
        command += setting.flags
        started: list[subprocess.Popen[bytes]] = []
        logs = [Path(tmp) / f"member{n}.log" for n in range(members)]
        try:
            for log in logs:
                with log.open("wb") as sink:
                    started.append(
                        subprocess.Popen(
                            command,
                            cwd=ROOT,
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=sink,
                            start_new_session=True,
                        )
                    )
            jids = set(devices.values())

            def all_once() -> bool:
                return set(sim.connected_devices) == jids

            with anyio.fail_after(600, reason="every member running a share"):  # against a hang
                while True:
                    await _until(all_once, 600, "every account connected", sim)
                    held = _leases(dsn, [p.pid for p in started])
                    if sum(held.values()) == len(jids) and all(held.values()):
                        break
                    await anyio.sleep(setting.interval)
            before = dict(sim.logins)
            victim = started[0]
            count = held[victim.pid]  # the leases it holds: the accounts that must move
            connected_before = set(sim.connected_devices)
            killed = time.perf_counter()
            os.killpg(victim.pid, signal.SIGKILL)
            victim.wait()
            await _until(
                lambda: set(sim.connected_devices) != connected_before, 60, "a disconnection", sim
            )
            ended = time.perf_counter() - killed
            await _until(
                lambda: (
                    len(connected_before - set(sim.connected_devices)) >= count
                    or len(jids - set(sim.connected_devices)) == 0
                ),
                60,
                "the victim's connections to end",
                sim,
            )
            lost = connected_before - set(sim.connected_devices)
            first = 0.0

            def relogged() -> int:
                return sum(1 for jid in lost if sim.logins[jid] > before.get(jid, 0))

            await _until(lambda: relogged() > 0, 600, "a takeover", sim)
            first = time.perf_counter() - killed
            await _until(all_once, 600, "every account connected again", sim)
            last = time.perf_counter() - killed
            if sum(sim.replaced.values()):
                raise AssertionError(f"connections were replaced: {sim.replaced}")
            return Failover(ended, first, last, len(lost))
        except AssertionError as err:
            tails = "".join(f"\n{log.name}: {log.read_text()[-2000:]}" for log in logs)
            raise AssertionError(f"{err}{tails}") from None
        finally:
            for process in started:
                _kill_group(process)


async def _bench(dsn: str, members: int, count: int, runs: int, settings: list[Setting]) -> None:
    async with Simulator() as sim:
        devices: dict[str, Jid] = {}
        with PostgresDatabase(dsn) as database:
            for i in range(count):
                state = sim.provision(f"1555900{i:04d}", f"9000000{i:04d}")
                assert state.pn is not None
                with PostgresStore(database, account=f"acct{i:04d}") as store:
                    store.save(state)
                devices[f"acct{i:04d}"] = state.pn
        print(f"{members} members, {count} accounts, SIGKILL of one member; {runs} runs each")
        print(
            f"  {'setting':<10}{'interval':>9}{'takeover':>9}{'bound':>7}"
            f"{'ended':>8}{'first':>8}{'last (median)':>15}{'worst':>8}{'moved':>7}"
        )
        for setting in settings:
            results = [await _one_run(sim, dsn, devices, members, setting) for _ in range(runs)]
            lasts = [r.last for r in results]
            print(
                f"  {setting.name:<10}{setting.interval:>8g}s{setting.takeover_delay:>8g}s"
                f"{setting.bound:>6g}s"
                f"{statistics.median(r.ended for r in results):>7.2f}s"
                f"{statistics.median(r.first for r in results):>7.2f}s"
                f"{statistics.median(lasts):>14.2f}s{max(lasts):>7.2f}s"
                f"{round(statistics.median(r.moved for r in results)):>7}"
            )
        print(
            "  (seconds from the kill; bound = interval + takeover_delay, before the logins."
            " No peer has a fleet: whatsmeow and Baileys leave failover to their users.)"
        )


def main(quick: bool = False) -> None:
    members, count, runs = (2, 6, 1) if quick else (3, 90, 3)
    settings = [FAST] if quick else [DEFAULTS, FAST]
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        with _schema() as dsn:
            if dsn is None:
                return
            anyio.run(_bench, dsn, members, count, runs, settings)
    finally:
        structlog.configure(**saved)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
