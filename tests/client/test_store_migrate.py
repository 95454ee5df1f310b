"""``wabus store migrate``: SQLite -> PostgreSQL -> SQLite loses nothing (every table compared,
and a live client on each copy decrypts with the sessions it was given); the refusals.

The round trips run the real command in a child process; the refusals call `main` directly.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import postgres, processes
from tests.client.test_e2e import first_text, ready
from tests.client.test_session import live, make_client
from tests.client.test_store import fill_app_state, fill_signal, paired
from wabus.cli import main
from wabus.client import DeviceState, PostgresStore, SqliteStore, Store
from wabus.core.events import UndecryptableMessage
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE


@pytest.fixture
def dsn() -> Iterator[str]:
    with postgres.fresh_schema() as address:
        yield address


def wabus(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    """The real ``wabus`` command, in a child process."""
    return processes.run([sys.executable, "-m", "wabus.cli", *map(str, argv)], timeout=600)


def every_table(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of a SQLite file, straight from SQLite."""
    with sqlite3.connect(path) as db:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {
            name: db.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall()
            for name in sorted(names)
        }


def test_sqlite_to_postgresql_and_back_loses_nothing(dsn: str, tmp_path: Path) -> None:
    original, back = tmp_path / "device.db", tmp_path / "back.db"
    state = paired(DeviceState.new())
    with SqliteStore(original) as store:
        store.save(state)
        fill_signal(store.signal_state(state))
        fill_app_state(store)
    before = every_table(original)
    assert len(before) == 11  # meta, device, the seven Signal tables and the two app-state ones
    assert all(before.values()), {name: len(rows) for name, rows in before.items()}

    there = wabus(
        "store", "migrate", "--from", f"sqlite:{original}", "--to", dsn, "--account", "bot"
    )
    assert there.returncode == 0, there.stderr
    assert f"copied device {state.pn} (1 sessions, 1 identities, 30 prekeys" in there.stdout
    with PostgresStore(dsn, account="bot") as store:
        assert store.load() == state
    back_again = wabus("store", "migrate", "--from", dsn, "--account", "bot", "--to", back)
    assert back_again.returncode == 0, back_again.stderr

    assert every_table(back) == before
    assert every_table(original) == before  # the source is left as it was


async def test_a_live_device_moves_to_postgresql_and_back(
    dsn: str, tmp_path: Path, anyio_backend: str
) -> None:
    if anyio_backend != "asyncio":
        pytest.skip("one backend is enough for a test of the command")
    original, back = tmp_path / "device.db", tmp_path / "back.db"

    async def exchange(store: Store, text: str) -> None:
        """Log in on `store` (no pairing) and read a message from ALICE, with no retry."""
        client = make_client(sim, store)
        async with live(sim, client, scan=False) as (_, events):
            await ready(sim, client, events)
            await sim.send_message(ALICE, text)
            await first_text(events, text)
            assert events.of_type(UndecryptableMessage) == []
        await sim.wait_disconnected()

    async with Simulator() as sim:
        with SqliteStore(original) as store:
            client = make_client(sim, store)
            async with live(sim, client) as (_, events):
                await ready(sim, client, events)
                await sim.send_message(ALICE, "on SQLite")
                await first_text(events, "on SQLite")
            await sim.wait_disconnected()

        moved = wabus("store", "migrate", "--from", original, "--to", dsn, "--clear-source")
        assert moved.returncode == 0, moved.stderr
        assert "the source no longer holds it" in moved.stdout
        with SqliteStore(original) as emptied:
            assert emptied.load() is None
        with PostgresStore(dsn) as on_postgres:
            await exchange(on_postgres, "on PostgreSQL")

        moved = wabus("store", "migrate", "--from", dsn, "--to", f"sqlite:{back}")
        assert moved.returncode == 0, moved.stderr
        with SqliteStore(back) as store:
            await exchange(store, "on SQLite again")
        retries = [n for n in sim.sent if n.tag == "receipt" and n.opt_attr("type") == "retry"]
        assert retries == []  # every message was read with the session the copy carried
        assert len(sim.paired_devices) == 1  # and it never paired again


def test_a_destination_with_a_device_is_refused_unless_replace(
    dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "device.db"
    with SqliteStore(source) as store:
        store.save(paired(DeviceState.new()))
    theirs = paired(DeviceState.new()).with_(push_name="Theirs")
    with PostgresStore(dsn, account="bot") as store:
        store.save(theirs)
    argv = ["store", "migrate", "--from", str(source), "--to", dsn, "--account", "bot"]
    assert main(argv) == 1
    assert "already holds a device" in capsys.readouterr().err
    with PostgresStore(dsn, account="bot") as store:
        assert store.load() == theirs  # untouched
    assert main([*argv, "--replace"]) == 0
    with PostgresStore(dsn, account="bot") as store, SqliteStore(source) as mine:
        assert store.snapshot() == mine.snapshot()


def test_refusals(dsn: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty, other = tmp_path / "empty.db", tmp_path / "other.db"
    assert main(["store", "migrate", "--from", str(empty), "--to", dsn]) == 1
    assert "holds no device to migrate" in capsys.readouterr().err

    with SqliteStore(empty) as store:
        store.save(paired(DeviceState.new()))
        # The source is open for a live client: the copy would miss its writes.
        assert main(["store", "migrate", "--from", str(empty), "--to", str(other)]) == 1
        assert "is in use" in capsys.readouterr().err

    unreachable = "postgresql://postgres:s3cret@127.0.0.1:1/postgres"
    assert main(["store", "migrate", "--from", str(empty), "--to", unreachable]) == 1
    err = capsys.readouterr().err
    assert "cannot reach postgresql://postgres@127.0.0.1:1/postgres" in err
    assert "s3cret" not in err

    assert main(["store", "migrate", "--from", str(empty), "--to", "mysql://h/db"]) == 1
    assert "unknown store scheme 'mysql'" in capsys.readouterr().err

    for argv, message in (
        (["--to", str(other), "--account", "bot"], "neither store is one"),
        (["--to", dsn, "--to-account", "x"], "--to-account is for a copy between two"),
    ):
        with pytest.raises(SystemExit) as caught:
            main(["store", "migrate", "--from", str(empty), *argv])
        assert caught.value.code == 2
        assert message in capsys.readouterr().err


def test_between_two_accounts_of_one_database(dsn: str) -> None:
    state = paired(DeviceState.new())
    with PostgresStore(dsn, account="old") as store:
        store.save(state)
        fill_signal(store.signal_state(state))
        before = store.snapshot()
    argv = ["store", "migrate", "--from", dsn, "--to", dsn, "--account", "old"]
    assert main([*argv, "--to-account", "new", "--clear-source"]) == 0
    with PostgresStore(dsn, account="new") as new, PostgresStore(dsn, account="old") as old:
        assert new.snapshot() == before
        assert old.load() is None
