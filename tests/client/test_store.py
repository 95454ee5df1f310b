"""The device store: SQLite and in-memory, a crash mid-write, foreign and newer files."""

from __future__ import annotations

import sqlite3
import stat
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from tests import processes
from wabus.client import DeviceState, MemoryStore, SqliteStore, Store, StoreError, StoreLocked
from wabus.core import Jid, Server

PN = Jid("15550000001", Server.USER, device=11)
LID = Jid("100000000000001", Server.LID, device=11)


def paired(state: DeviceState) -> DeviceState:
    return state.with_(
        pn=PN,
        lid=LID,
        push_name="Bot",
        platform="android",
        account_identity=b"\x0a\x01\x00",
        edge_routing_info=b"\x08\x02",
    )


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_save_load_clear(kind: str, tmp_path: Path) -> None:
    store: Store = MemoryStore() if kind == "memory" else SqliteStore(tmp_path / "d.db")
    assert isinstance(store, Store)
    assert store.load() is None
    state = DeviceState.new()
    store.save(state)
    assert store.load() == state
    store.save(paired(state))
    assert store.load() == paired(state)
    store.clear()
    assert store.load() is None


def test_a_new_state_is_unpaired_and_its_keys_come_back_from_the_seeds() -> None:
    state = DeviceState.new()
    assert not state.paired
    assert paired(state).paired
    keys, again = state.keys, state.keys
    assert keys.noise.public == again.noise.public
    assert keys.identity.public == again.identity.public
    assert keys.signed_prekey_signature == state.signed_prekey_signature
    assert DeviceState.new().noise_seed != state.noise_seed


def test_the_repr_shows_no_secret() -> None:
    state = paired(DeviceState.new())
    text = repr(state)
    assert str(PN) in text
    for secret in (state.noise_seed, state.identity_seed, state.adv_secret):
        assert secret.hex() not in text
        assert repr(secret) not in text


def test_the_sqlite_file_survives_a_reopen_and_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "device.db"
    state = paired(DeviceState.new())
    with SqliteStore(path) as store:
        store.save(state)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with SqliteStore(path) as store:
        assert store.load() == state
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="not a wabus store"):
        SqliteStore(path)


def test_a_store_from_a_newer_wabus_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    SqliteStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    with pytest.raises(StoreError, match="schema version 99"):
        SqliteStore(path)


_CHILD = textwrap.dedent(
    """
    import os, sys
    from wabus.client import DeviceState, SqliteStore
    from wabus.client import _store

    path, when = sys.argv[1], sys.argv[2]
    store = SqliteStore(path)
    state = store.load()
    if when == "before-commit":
        # Die inside the transaction: the row is written, the commit never happens.
        _store._Transaction.__exit__ = lambda self, *exc: os._exit(3)
    store.save(state.with_(push_name="second"))
    os._exit(4)  # after the commit: no close, no cleanup
    """
)


@pytest.mark.parametrize(
    ("when", "code", "expected"),
    [
        ("before-commit", 3, "first"),
        ("after-commit", 4, "second"),
    ],
)
def test_a_crash_loses_nothing_committed(
    tmp_path: Path, when: str, code: int, expected: str
) -> None:
    path = tmp_path / "d.db"
    state = paired(DeviceState.new()).with_(push_name="first")
    with SqliteStore(path) as store:
        store.save(state)
    child = processes.run([sys.executable, "-c", _CHILD, path, when], timeout=600)
    assert child.returncode == code, child.stderr
    with SqliteStore(path) as store:
        loaded = store.load()
        assert loaded == state.with_(push_name=expected)
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        store.save(state.with_(push_name="third"))  # and the file is writable again
        assert store.load() == state.with_(push_name="third")


def test_saves_from_many_threads(tmp_path: Path) -> None:
    base = paired(DeviceState.new())
    with SqliteStore(tmp_path / "d.db") as store:
        names = [f"name-{n}" for n in range(40)]

        def save(name: str) -> None:
            store.save(base.with_(push_name=name))

        threads = [threading.Thread(target=save, args=(n,)) for n in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        loaded = store.load()
    assert loaded is not None
    assert loaded.push_name in names
    assert loaded == base.with_(push_name=loaded.push_name)


def test_a_damaged_row_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "d.db"
    with SqliteStore(path) as store:
        store.save(paired(DeviceState.new()))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE device SET pn='not a jid @@'")
    with SqliteStore(path) as store, pytest.raises(StoreError, match="pn"):
        store.load()


_HOLDER = textwrap.dedent(
    """
    import sys
    from wabus.client import SqliteStore

    store = SqliteStore(sys.argv[1])
    print("open", flush=True)
    sys.stdin.read()  # until the test closes our stdin (or kills us)
    store.close()
    print("closed", flush=True)
    """
)


def test_a_store_another_process_has_open_is_locked(tmp_path: Path) -> None:
    path = tmp_path / "device.db"
    with SqliteStore(path) as store:
        store.save(paired(DeviceState.new()))
    command: list[str | Path] = [sys.executable, "-c", _HOLDER, path]
    with processes.popen(command, stdin=processes.PIPE) as holder:
        assert holder.stdin is not None and holder.stdout is not None
        assert holder.stdout.readline() == "open\n"
        with pytest.raises(StoreLocked, match="in use: process") as caught:
            SqliteStore(path)
        assert caught.value.path == path
        assert isinstance(caught.value, StoreError)
        assert str(holder.pid) in str(caught.value)
        holder.stdin.close()
        assert holder.stdout.readline() == "closed\n"
        holder.wait(timeout=600)
    with SqliteStore(path) as store:  # free again once the other one closed it
        assert store.load() is not None


def test_a_store_is_one_clients_until_closed(tmp_path: Path) -> None:
    path = tmp_path / "device.db"
    first = SqliteStore(path)
    with pytest.raises(StoreLocked):
        SqliteStore(path)
    first.close()
    first.close()  # idempotent
    with SqliteStore(path), pytest.raises(StoreLocked):
        SqliteStore(path)
    SqliteStore(path).close()


def test_sqlite_locks_are_store_locked_not_a_foreign_file(tmp_path: Path) -> None:
    path = tmp_path / "device.db"
    store = SqliteStore(path, busy_timeout=0)
    store.save(paired(DeviceState.new()))
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")  # another program in the middle of a write
        with pytest.raises(StoreLocked, match="another program holds its lock"):
            store.clear()
        with pytest.raises(StoreLocked, match="cannot write"):
            store.save(paired(DeviceState.new()))
        store.close()
        with pytest.raises(StoreLocked, match="in use"):
            SqliteStore(path, busy_timeout=0)  # not "not a wabus store"
        other.execute("ROLLBACK")
    finally:
        other.close()
    with SqliteStore(path) as store:
        store.clear()
        assert store.load() is None
