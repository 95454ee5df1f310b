"""The device store on every backend (in memory, SQLite, PostgreSQL): saves and loads, a
process killed mid-write, one client per device, foreign and newer stores, the Signal state.

Tests that take `stores` (``tests/client/conftest.py``) run once on a SQLite file and once on a
fresh PostgreSQL schema; the PostgreSQL-only ones (many accounts, migrations, a lost
connection, bad addresses) are in ``test_pgstore.py``.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
import textwrap
import threading
from pathlib import Path

import psycopg
import pytest

from tests import processes
from tests.client.conftest import Stores
from wabus.client import (
    AppStateStore,
    DeviceState,
    MemoryStore,
    PostgresStore,
    SignalState,
    SqliteStore,
    Store,
    StoreError,
    StoreLocked,
    StoreSchemaTooNew,
)
from wabus.core import Jid, Server
from wabus.protocol import (
    AppStateKey,
    CollectionState,
    MemorySignalStore,
    PreKeyBundle,
    ProtocolAddress,
    SenderKeyName,
    SignalChanges,
    SignalCipher,
)

PN = Jid("15550000001", Server.USER, device=11)
LID = Jid("100000000000001", Server.LID, device=11)
PEER = ProtocolAddress("15550001111", 0)
GROUP = "120363000000000002@g.us"


def paired(state: DeviceState) -> DeviceState:
    return state.with_(
        pn=PN,
        lid=LID,
        push_name="Bot",
        platform="android",
        account_identity=b"\x0a\x01\x00",
        edge_routing_info=b"\x08\x02",
    )


def fill_signal(signal: SignalState, *, prekeys: int = 30) -> None:
    """Something in every Signal table: prekeys (and the counter), a rotated signed prekey, a
    session with its peer's identity, our sender key for a group, and an inbox entry."""
    cipher = SignalCipher(signal)
    cipher.new_prekeys(prekeys)
    cipher.rotate_signed_prekey(1_700_000_000)
    peer = MemorySignalStore()
    signed = peer.current_signed_prekey()
    assert signed is not None
    cipher.start_session(PEER, PreKeyBundle.of(peer.local_identity(), signed))
    cipher.encrypt(PEER, b"hello")
    cipher.group_key(SenderKeyName(GROUP, PEER))
    signal.commit(SignalChanges(), {"chat|sender|ID1": b"a kept plaintext"}, ())


COLLECTION = CollectionState(
    "regular_high", 7, bytes(range(128)), {bytes([n]) * 32: bytes([n + 1]) * 32 for n in range(3)}
)
KEYS = (AppStateKey(b"\x00\x01", b"k" * 32, 1_700_000_000), AppStateKey(b"\x00\x02", b"j" * 32))
APP_STATE_EMPTY = {"appstate_collections": (), "appstate_keys": ()}


def fill_app_state(store: AppStateStore) -> None:
    """A collection state and two sync keys (one without a timestamp)."""
    store.save_app_state([COLLECTION, CollectionState("regular_low", 1)], KEYS)


def sql(stores: Stores, statement: str) -> None:
    """Run `statement` on the store's database from outside (another program)."""
    if stores.kind == "sqlite":
        with sqlite3.connect(stores.address.removeprefix("sqlite:")) as db:
            db.execute(statement)
    else:
        with psycopg.connect(stores.address, autocommit=True) as db:
            db.execute(statement)


def test_save_load_clear_in_memory() -> None:
    check_save_load_clear(MemoryStore())


def test_save_load_clear(stores: Stores) -> None:
    with stores.open() as store:
        check_save_load_clear(store)
        assert all(rows == () for rows in store.snapshot().tables.values())


def check_save_load_clear(store: Store) -> None:
    assert isinstance(store, Store)
    assert store.load() is None
    state = DeviceState.new()
    store.save(state)
    assert store.load() == state
    store.save(paired(state))
    assert store.load() == paired(state)
    signal = store.signal_state(state)
    fill_signal(signal)
    assert signal.prekey_count() == 30
    store.clear()
    assert store.load() is None
    signal = store.signal_state(state)
    assert signal.prekey_count() == 0
    assert signal.get_session(PEER) is None
    assert signal.get_inbox("chat|sender|ID1") is None


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


def test_the_state_survives_a_reopen(stores: Stores) -> None:
    state = paired(DeviceState.new())
    with stores.open() as store:
        store.save(state)
        fill_signal(store.signal_state(state))
        before = store.snapshot()
    with stores.open() as store:
        assert store.load() == state
        assert store.snapshot() == before
        signal = store.signal_state(state)
        assert signal.get_session(PEER) is not None
        assert signal.get_identity(PEER) is not None
        assert signal.next_prekey_id() == 31
        current = signal.current_signed_prekey()
        assert current is not None and current.key_id == state.signed_prekey_id + 1
        assert signal.get_signed_prekey(state.signed_prekey_id) is not None  # the first one
        assert signal.get_sender_key(SenderKeyName(GROUP, PEER)) is not None
        assert signal.get_inbox("chat|sender|ID1") == b"a kept plaintext"


def test_the_sqlite_file_is_owner_only_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "device.db"
    with SqliteStore(path) as store:
        store.save(paired(DeviceState.new()))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_signal_state_shares_the_stores_sqlite_connection(tmp_path: Path) -> None:
    """One connection per account (an idle account's memory is mostly its connections): the
    process holds the database file, its WAL and its shared-memory index (and the lock file)
    open once each."""
    path = tmp_path / "device.db"

    def opened() -> list[str]:
        fds = Path("/proc/self/fd")
        targets = [os.readlink(fd) for fd in fds.iterdir() if fd.is_symlink()]
        return sorted(t for t in targets if t.startswith(str(path)))

    state = paired(DeviceState.new())
    with SqliteStore(path) as store:
        store.save(state)
        fill_signal(store.signal_state(state))
        store.save(state.with_(push_name="after the Signal state"))
        assert opened() == sorted([str(path), f"{path}-wal", f"{path}-shm", f"{path}.lock"])
        assert store.signal_state(state).get_session(PEER) is not None
    assert opened() == []


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="not a wabus store"):
        SqliteStore(path)


def test_a_store_from_a_newer_wabus_is_refused(stores: Stores) -> None:
    stores.open().close()
    if stores.kind == "sqlite":
        sql(stores, "UPDATE meta SET value='99' WHERE key='schema_version'")
    else:
        sql(stores, "INSERT INTO wabus_schema_version (version) VALUES (99)")
    with pytest.raises(StoreSchemaTooNew, match="schema version 99") as caught:
        stores.open()
    assert isinstance(caught.value, StoreError)
    assert (caught.value.found, caught.value.supported) == (99, 2)


# A child that writes once, then waits to be killed: "writing" once it is inside the write's
# transaction (the rows sent, the commit not), or "written" once the commit returned.
_CHILD = textwrap.dedent(
    """
    import contextlib, sys
    from wabus.client import PostgresStore, StoreSnapshot, open_store
    from wabus.client import _signal_state, _store
    from wabus.protocol import SignalChanges, generate_prekeys

    address, account, what, when = sys.argv[1:5]
    store = open_store(address, account=account or None)
    state = store.load()

    def wait(said):
        print(said, flush=True)
        sys.stdin.read()  # until killed

    if when == "mid-write":
        if isinstance(store, PostgresStore):
            inner = PostgresStore._transaction

            @contextlib.contextmanager
            def killed_before_commit(self, db):
                with inner(self, db):
                    yield
                    wait("writing")

            PostgresStore._transaction = killed_before_commit
        else:
            _store._Transaction.__exit__ = lambda self, *exc: wait("writing")
            write = _signal_state.SqliteSignalState._write

            def killed_before_commit(*args):
                write(*args)
                wait("writing")

            _signal_state.SqliteSignalState._write = staticmethod(killed_before_commit)
    if what == "device":
        store.save(state.with_(push_name="second"))
    elif what == "restore":  # what ``wabus store migrate`` writes
        rows = tuple((n, b"prekey %d" % n) for n in range(1, 51))
        store.restore(StoreSnapshot(state.with_(push_name="second"), {"signal_prekeys": rows}))
    else:
        signal = store.signal_state(state)
        records = generate_prekeys(signal.next_prekey_id(), 50)
        inbox = {f"chat|sender|{n}": b"plaintext %d" % n for n in range(20)}
        signal.commit(SignalChanges(added_prekeys=records, next_prekey_id=1000), inbox, ())
    wait("written")
    """
)


@pytest.mark.parametrize("what", ["device", "signal", "restore"])
@pytest.mark.parametrize("when", ["mid-write", "after-commit"])
def test_a_process_killed_mid_write_loses_nothing_committed(
    stores: Stores, what: str, when: str
) -> None:
    state = paired(DeviceState.new()).with_(push_name="first")
    with stores.open() as store:
        store.save(state)
        before = store.snapshot()
    account = stores.account if stores.kind == "postgres" else ""
    command = [sys.executable, "-c", _CHILD, stores.address, account, what, when]
    with processes.popen(command, stdin=processes.PIPE, stdout=processes.PIPE) as child:
        assert child.stdout is not None
        said = child.stdout.readline()
        assert said == ("writing\n" if when == "mid-write" else "written\n")
        processes.kill_group(child.pid)  # SIGKILL, its whole process group
        child.wait(timeout=600)
    # The server may take a moment to see the dead connection go (and its lock with it).
    with stores.open(lock_wait=60) if stores.kind == "postgres" else stores.open() as store:
        after = store.snapshot()
        if when == "mid-write":
            assert after == before  # nothing of the half-made write
        elif what == "device":
            assert after.device == state.with_(push_name="second")
            assert after.tables == before.tables
        elif what == "restore":
            assert after.device == state.with_(push_name="second")
            assert after.counts()["signal_prekeys"] == 50
        else:
            assert after.device == state
            assert after.counts()["signal_prekeys"] == 50
            assert after.counts()["signal_inbox"] == 20
            assert store.signal_state(state).next_prekey_id() == 1000
        if stores.kind == "sqlite":
            with sqlite3.connect(stores.address.removeprefix("sqlite:")) as db:
                assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        store.save(state.with_(push_name="third"))  # and the store is writable again
        assert store.load() == state.with_(push_name="third")


def test_saves_from_many_threads(stores: Stores) -> None:
    base = paired(DeviceState.new())
    with stores.open() as store:
        names = [f"name-{n}" for n in range(40)]
        signal = store.signal_state(base)

        def save(name: str) -> None:
            store.save(base.with_(push_name=name))
            signal.commit(SignalChanges(), {name: name.encode()}, ())

        threads = [threading.Thread(target=save, args=(n,)) for n in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        loaded = store.load()
        assert all(signal.get_inbox(name) == name.encode() for name in names)
    assert loaded is not None
    assert loaded.push_name in names
    assert loaded == base.with_(push_name=loaded.push_name)


def test_a_damaged_row_is_a_store_error(stores: Stores) -> None:
    with stores.open() as store:
        store.save(paired(DeviceState.new()))
    table = "device" if stores.kind == "sqlite" else "wabus_device"
    sql(stores, f"UPDATE {table} SET pn='not a jid @@'")
    with stores.open() as store, pytest.raises(StoreError, match="pn"):
        store.load()


_HOLDER = textwrap.dedent(
    """
    import sys
    from wabus.client import open_store

    store = open_store(sys.argv[1], account=sys.argv[2] or None)
    print("open", flush=True)
    sys.stdin.read()  # until the test closes our stdin (or kills us)
    store.close()
    print("closed", flush=True)
    """
)


def test_a_store_another_process_has_open_is_locked(stores: Stores) -> None:
    with stores.open() as store:
        store.save(paired(DeviceState.new()))
        target = store.target
    account = stores.account if stores.kind == "postgres" else ""
    command: list[str | Path] = [sys.executable, "-c", _HOLDER, stores.address, account]
    with processes.popen(command, stdin=processes.PIPE, stdout=processes.PIPE) as holder:
        assert holder.stdin is not None and holder.stdout is not None
        assert holder.stdout.readline() == "open\n"
        with pytest.raises(StoreLocked, match="in use: process") as caught:
            stores.open()
        assert str(caught.value.path) == target
        assert isinstance(caught.value, StoreError)
        assert str(holder.pid) in str(caught.value)
        holder.stdin.close()
        assert holder.stdout.readline() == "closed\n"
        holder.wait(timeout=600)
    with stores.open() as store:  # free again once the other one closed it
        assert store.load() is not None


def test_a_store_is_one_clients_until_closed(stores: Stores) -> None:
    first = stores.open()
    with pytest.raises(StoreLocked):
        stores.open()
    first.close()
    first.close()  # idempotent
    with stores.open(), pytest.raises(StoreLocked):
        stores.open()
    stores.open().close()


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


def test_a_snapshot_restores_into_an_empty_store(stores: Stores, tmp_path: Path) -> None:
    state = paired(DeviceState.new())
    with stores.open() as store:
        store.save(state)
        fill_signal(store.signal_state(state))
        fill_app_state(store)
        snapshot = store.snapshot()
    assert snapshot.device == state
    assert all(snapshot.counts()[table] > 0 for table in snapshot.tables), snapshot.counts()
    with SqliteStore(tmp_path / "copy.db") as copy:
        copy.restore(snapshot)
        assert copy.snapshot() == snapshot
        assert copy.signal_state(state).get_session(PEER) is not None
        assert copy.load_app_state().collections["regular_high"] == COLLECTION
        copy.restore(type(snapshot)(None, {}))  # an empty snapshot empties it
        assert copy.load() is None
        assert all(rows == () for rows in copy.snapshot().tables.values())


def test_a_bad_snapshot_is_a_store_error_and_changes_nothing(stores: Stores) -> None:
    state = paired(DeviceState.new())
    with stores.open() as store:
        store.save(state)
        snapshot = store.snapshot()
        bad_table = type(snapshot)(state, {**snapshot.tables, "signal_secrets": ()})
        with pytest.raises(StoreError, match="unknown tables: signal_secrets"):
            store.restore(bad_table)
        bad_row = type(snapshot)(state, {"signal_inbox": (("key",),)})
        with pytest.raises(StoreError, match="signal_inbox row 0 has 1 values, not 2"):
            store.restore(bad_row)
        assert store.snapshot() == snapshot


def test_the_app_state_in_memory() -> None:
    check_app_state(MemoryStore())


def test_the_app_state_is_kept(stores: Stores) -> None:
    with stores.open() as store:
        check_app_state(store)
        fill_app_state(store)
    with stores.open() as store:  # and it survives a reopen
        kept = store.load_app_state()
        assert kept.collections["regular_high"] == COLLECTION
        assert kept.keys == {key.key_id: key for key in KEYS}


def check_app_state(store: AppStateStore) -> None:
    assert isinstance(store, AppStateStore)
    assert store.load_app_state().collections == {}
    assert store.load_app_state().keys == {}
    fill_app_state(store)
    kept = store.load_app_state()
    assert kept.collections == {
        "regular_high": COLLECTION,
        "regular_low": CollectionState("regular_low", 1),
    }
    assert kept.keys == {key.key_id: key for key in KEYS}
    newer = CollectionState("regular_high", 8, bytes(128))
    store.save_app_state([newer])  # replaces the collection's state, keeps the rest
    kept = store.load_app_state()
    assert kept.collections["regular_high"] == newer
    assert len(kept.collections) == 2 and len(kept.keys) == 2
    assert isinstance(store, MemoryStore | SqliteStore | PostgresStore)
    store.clear()  # a logout forgets it
    assert store.load_app_state() == type(kept)({}, {})


def test_a_damaged_app_state_is_a_store_error(stores: Stores) -> None:
    with stores.open() as store:
        fill_app_state(store)
    prefix, blob = ("", "x'00'") if stores.kind == "sqlite" else ("wabus_", "'\\x00'::bytea")
    sql(
        stores, f"UPDATE {prefix}appstate_collections SET state = {blob} WHERE name = 'regular_low'"
    )
    with stores.open() as store, pytest.raises(StoreError, match="'regular_low' is damaged"):
        store.load_app_state()


def test_a_version_1_sqlite_file_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "device.db"
    state = paired(DeviceState.new())
    with SqliteStore(path) as store:
        store.save(state)
    with sqlite3.connect(path) as db:  # as the first wabus left it
        db.execute("DROP TABLE appstate_collections")
        db.execute("DROP TABLE appstate_keys")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with SqliteStore(path) as store:
        assert store.load() == state
        fill_app_state(store)
        assert store.load_app_state().collections["regular_high"] == COLLECTION
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            "2",
        )
