"""What only the PostgreSQL store has: many accounts in one database, migrations, a lost
connection, waiting for an account, and the errors for a database that cannot be used.

The tests every store passes are in ``test_store.py`` (run there on PostgreSQL too).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests import postgres, processes
from tests.client.test_store import APP_STATE_EMPTY, PEER, fill_app_state, fill_signal, paired
from wabus.client import (
    DeviceState,
    PostgresDatabase,
    PostgresStore,
    SqliteStore,
    StoreConfigError,
    StoreError,
    StoreLocked,
    StoreSchemaTooNew,
    StoreUnavailable,
    open_store,
)
from wabus.client._pgstore import MIGRATIONS, SCHEMA_VERSION
from wabus.protocol import SignalChanges, SignalCipher


@pytest.fixture
def dsn() -> Iterator[str]:
    with postgres.fresh_schema() as address:
        yield address


def rows(dsn: str, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn, autocommit=True) as db:
        return db.execute(query).fetchall()


def test_accounts_share_a_database_and_nothing_else(dsn: str) -> None:
    one, two = paired(DeviceState.new()), paired(DeviceState.new()).with_(push_name="Two")
    with PostgresStore(dsn, account="one") as first, PostgresStore(dsn, account="two") as second:
        assert first.lock_key != second.lock_key
        first.save(one)
        second.save(two)
        fill_signal(first.signal_state(one))
        fill_app_state(first)
        assert second.load_app_state().collections == {}
        assert second.signal_state(two).get_session(PEER) is None
        assert second.signal_state(two).prekey_count() == 0
        second.clear()
        assert (first.load(), second.load()) == (one, None)
        assert first.signal_state(one).prekey_count() == 30
        first_rows = first.snapshot()
    assert all(first_rows.counts().values())
    with PostgresStore(dsn, account="two") as second:
        second.restore(first_rows)  # the same device under another name: a copy
        assert second.snapshot() == first_rows
    accounts = rows(dsn, "SELECT account FROM wabus_accounts ORDER BY 1")
    assert accounts == [("one",), ("two",)]


def test_the_same_account_in_another_schema_is_another_device() -> None:
    with (
        postgres.fresh_schema() as here,
        postgres.fresh_schema() as there,
        PostgresStore(here, account="bot") as a,
        PostgresStore(there, account="bot") as b,
    ):
        assert a.lock_key != b.lock_key
        a.save(paired(DeviceState.new()))
        assert b.load() is None


def test_migrations_are_applied_once_in_order(dsn: str) -> None:
    assert SCHEMA_VERSION == len(MIGRATIONS) == 2
    # Many first openings at once (threads, each its own connection): one migrates.
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def open_one(n: int) -> None:
        barrier.wait()
        try:
            PostgresStore(dsn, account=f"bot-{n}").close()
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=open_one, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with PostgresStore(dsn) as store:
        assert store.schema_version == SCHEMA_VERSION
    assert rows(dsn, "SELECT version FROM wabus_schema_version ORDER BY 1") == [(1,), (2,)]
    assert len(rows(dsn, "SELECT account FROM wabus_accounts")) == 7


def test_a_migration_that_fails_leaves_nothing_behind(dsn: str) -> None:
    # Another program's table where step 1 wants to make one: step 1 fails half-way.
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("CREATE TABLE wabus_signal_inbox (theirs text)")
    with pytest.raises(StoreError, match="cannot set up the wabus tables") as caught:
        PostgresStore(dsn)
    assert "already exists" in str(caught.value)
    tables = rows(dsn, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    assert tables == [("wabus_signal_inbox",)]  # no version table, no accounts, no device
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("DROP TABLE wabus_signal_inbox")
    with PostgresStore(dsn) as store:  # and once it is gone, the same opening works
        assert store.schema_version == SCHEMA_VERSION


def test_a_signal_commit_is_one_transaction(dsn: str) -> None:
    state = paired(DeviceState.new())
    with PostgresStore(dsn) as store:
        signal = store.signal_state(state)
        cipher = SignalCipher(signal, auto_apply=False)
        _, prekeys = cipher.new_prekeys(5)
        # A text key PostgreSQL refuses (a NUL), after the prekeys in the same commit.
        with pytest.raises(StoreError, match="0x00"):
            signal.commit(prekeys, {"chat|sender|\x00": b"x"}, ())
        assert signal.prekey_count() == 0
        assert signal.next_prekey_id() == 1
        signal.commit(prekeys, {"chat|sender|ok": b"x"}, ())
        assert signal.prekey_count() == 5


def _backend_of(store: PostgresStore) -> int:
    """The server process of the store's connection (the one holding its lock)."""
    (pid,) = rows(
        postgres.BASE_DSN,
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
        f" AND classid = {store.lock_key >> 32} AND objid = {store.lock_key & 0xFFFFFFFF}",
    )[0]
    assert isinstance(pid, int)
    return pid


def test_a_lost_connection_is_unavailable_then_the_store_reconnects(dsn: str) -> None:
    state = paired(DeviceState.new())
    with PostgresStore(dsn) as store:
        store.save(state)
        signal = store.signal_state(state)
        rows(postgres.BASE_DSN, f"SELECT pg_terminate_backend({_backend_of(store)})")
        with pytest.raises(StoreUnavailable) as caught:
            store.load()
        assert caught.value.target == store.target
        assert store.load() == state  # a new connection, the account taken again
        assert signal.current_signed_prekey() is not None
        with pytest.raises(StoreLocked):
            PostgresStore(dsn)
        # Lost again, and another client takes the account meanwhile: ours is locked out.
        rows(postgres.BASE_DSN, f"SELECT pg_terminate_backend({_backend_of(store)})")
        with PostgresStore(dsn, lock_wait=60) as other:
            with pytest.raises(StoreUnavailable):
                store.load()
            with pytest.raises(StoreLocked):
                store.load()
            assert other.load() == state


def test_a_waiting_store_gets_the_account_when_it_is_let_go(dsn: str) -> None:
    first = PostgresStore(dsn)
    got: list[PostgresStore | BaseException] = []

    def wait_for_it() -> None:
        try:
            got.append(PostgresStore(dsn, lock_wait=300))
        except BaseException as err:
            got.append(err)

    waiter = threading.Thread(target=wait_for_it)
    waiter.start()
    try:
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        key = f" AND classid = {first.lock_key >> 32} AND objid = {first.lock_key & 0xFFFFFFFF}"
        while rows(postgres.BASE_DSN, waiting + key) == [(0,)] and waiter.is_alive():
            time.sleep(0.01)
    finally:
        first.close()
        waiter.join()
    (second,) = got
    assert isinstance(second, PostgresStore)
    second.close()
    with pytest.raises(StoreLocked), PostgresStore(dsn), PostgresStore(dsn, lock_wait=0.05):
        pass


def test_an_unreachable_database_is_store_unavailable() -> None:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    with pytest.raises(StoreUnavailable) as caught:
        PostgresStore("postgresql://postgres:s3cret@127.0.0.1:1/postgres", connect_timeout=5)
    assert str(caught.value).startswith("cannot reach postgresql://postgres@127.0.0.1:1/postgres")
    with pytest.raises(StoreUnavailable) as caught:
        PostgresStore("host=127.0.0.1 port=1 user=postgres password=s3cret", connect_timeout=5)
    assert "s3cret" not in str(caught.value)
    assert caught.value.target == "postgresql://postgres@127.0.0.1:1/"


def test_a_database_that_does_not_exist_is_store_unavailable() -> None:
    postgres.require()
    missing = postgres.BASE_DSN.rsplit("/", 1)[0] + "/wabus_no_such_database"
    with pytest.raises(StoreUnavailable, match='"wabus_no_such_database" does not exist'):
        PostgresStore(missing)


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("not a dsn", 'missing "=" after "not"'),
        ("host=127.0.0.1 nonsense=1", 'invalid connection option "nonsense"'),
        ("postgresql://u:s3cret@[bad", "IPv6 host address"),
        ("postgresql://127.0.0.1:port/db", "the port 'port' is not a number"),
        ("postgresql://127.0.0.1/db?bogus=1", 'invalid URI query parameter: "bogus"'),
    ],
)
def test_a_wrong_dsn_is_a_config_error(dsn: str, message: str) -> None:
    with pytest.raises(StoreConfigError, match="not a PostgreSQL DSN") as caught:
        PostgresStore(dsn)
    assert message in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_bad_options_are_config_errors(tmp_path: Path) -> None:
    for account in ("", "a\x00b"):
        with pytest.raises(StoreConfigError, match="account name"):
            PostgresStore("postgresql://127.0.0.1/db", account=account)
    with pytest.raises(StoreConfigError, match="lock_wait"):
        PostgresStore("postgresql://127.0.0.1/db", lock_wait=-1)
    with pytest.raises(StoreConfigError, match="unknown store scheme 'mysql'"):
        open_store("mysql://127.0.0.1/db")
    with pytest.raises(StoreConfigError, match="holds one device"):
        open_store(f"sqlite:{tmp_path}/d.db", account="bot")
    with pytest.raises(StoreConfigError, match="needs a file path"):
        open_store("sqlite:")


def test_open_store_opens_either(dsn: str, tmp_path: Path) -> None:
    with open_store(dsn, account="bot") as store:
        assert isinstance(store, PostgresStore) and store.account == "bot"
    with open_store(f"sqlite:{tmp_path}/d.db") as store:
        assert isinstance(store, SqliteStore)
    with open_store(f"{tmp_path}/e.db") as store:
        assert isinstance(store, SqliteStore)


_WITHOUT_PSYCOPG = """
import sys
sys.modules["psycopg"] = None  # as if the postgres extra were not installed
from wabus.client import PostgresStore, StoreConfigError, SqliteStore
try:
    PostgresStore("postgresql://127.0.0.1/db")
except StoreConfigError as err:
    print(err)
"""


def test_without_psycopg_the_error_names_the_extra() -> None:
    result = processes.run([sys.executable, "-c", _WITHOUT_PSYCOPG], timeout=600)
    assert result.returncode == 0, result.stderr
    assert "pip install 'wabus[postgres]'" in result.stdout


def test_other_connections_never_see_half_a_signal_commit(dsn: str) -> None:
    """Another connection reading while the store commits batches sees whole batches only."""
    state = paired(DeviceState.new())
    with PostgresStore(dsn) as store:
        signal = store.signal_state(state)
        seen: list[int] = []

        def commit_batches() -> None:
            for n in range(20):
                keys = {f"k{n}-{m}": b"v" for m in range(10)}
                signal.commit(SignalChanges(), keys, ())

        def read_counts() -> None:
            for _ in range(40):
                (count,) = rows(dsn, "SELECT count(*) FROM wabus_signal_inbox")[0]
                assert isinstance(count, int)
                seen.append(count)

        threads = [threading.Thread(target=commit_batches), threading.Thread(target=read_counts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert all(count % 10 == 0 for count in seen), seen  # never half a commit
    assert rows(dsn, "SELECT count(*) FROM wabus_signal_inbox") == [(200,)]


def _connections_of_this_process(dsn: str) -> int:
    (count,) = rows(
        postgres.BASE_DSN,
        "SELECT count(*) FROM pg_stat_activity"
        f" WHERE application_name LIKE 'wabus process {os.getpid()} on %'",
    )[0]
    assert isinstance(count, int)
    return count


def test_many_accounts_share_one_connection(dsn: str) -> None:
    with PostgresDatabase(dsn) as database:
        stores = [PostgresStore(database, account=f"bot-{n}") for n in range(50)]
        for n, store in enumerate(stores):
            store.save(paired(DeviceState.new()).with_(push_name=f"bot {n}"))
        assert _connections_of_this_process(dsn) == 1
        locks = rows(
            postgres.BASE_DSN,
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            f" WHERE l.locktype = 'advisory' AND l.granted"
            f" AND a.application_name LIKE 'wabus process {os.getpid()} on %'",
        )
        assert locks == [(50,)]
        # Each account is still one client's: elsewhere, and on the same handle.
        with pytest.raises(StoreLocked, match="in use: process"):
            PostgresStore(dsn, account="bot-7")
        with pytest.raises(StoreLocked, match="this process has it open"):
            PostgresStore(database, account="bot-7")
        stores[7].close()
        with PostgresStore(dsn, account="bot-7") as elsewhere:  # let go: free for another
            loaded = elsewhere.load()
            assert loaded is not None and loaded.push_name == "bot 7"
        assert stores[8].load() is not None  # the others are still open on the handle
        with pytest.raises(StoreLocked):
            PostgresStore(dsn, account="bot-8")
    # Closing the handle lets every account go.
    with PostgresStore(dsn, account="bot-8") as store:
        assert store.load() is not None
    with pytest.raises(StoreError, match="closed"):
        stores[9].load()


def test_accounts_on_one_connection_commit_from_many_threads(dsn: str) -> None:
    with PostgresDatabase(dsn) as database:
        stores = [PostgresStore(database, account=f"bot-{n}") for n in range(4)]
        states = [paired(DeviceState.new()) for _ in stores]

        def commit_batches(store: PostgresStore, state: DeviceState) -> None:
            signal = store.signal_state(state)
            for n in range(25):
                signal.commit(SignalChanges(), {f"k{n}-{m}": b"v" for m in range(4)}, ())
                store.save(state.with_(push_name=f"batch {n}"))

        threads = [
            threading.Thread(target=commit_batches, args=pair)
            for pair in zip(stores, states, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for store, state in zip(stores, states, strict=True):
            assert store.load() == state.with_(push_name="batch 24")
            assert store.snapshot().counts()["signal_inbox"] == 100


def test_a_shared_connection_lost_is_retaken_by_each_account(dsn: str) -> None:
    with PostgresDatabase(dsn) as database:
        one = PostgresStore(database, account="one")
        two = PostgresStore(database, account="two")
        one.save(paired(DeviceState.new()))
        generation = database.generation
        rows(postgres.BASE_DSN, f"SELECT pg_terminate_backend({_backend_of(one)})")
        with pytest.raises(StoreUnavailable):
            two.load()
        assert one.load() is not None  # reconnected, and "one" taken again
        assert database.generation == generation + 1
        assert two.load() is None  # "two" taken again on its first call
        for name in ("one", "two"):
            with pytest.raises(StoreLocked):
                PostgresStore(dsn, account=name)
        one.close()
        two.close()
        assert database.schema_version == SCHEMA_VERSION  # the handle outlives its stores


def test_later_steps_upgrade_a_database_in_place(dsn: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from wabus.client import _pgstore

    # A database made by a wabus that had step 1 only, with a device in it.
    monkeypatch.setattr(_pgstore, "MIGRATIONS", MIGRATIONS[:1])
    monkeypatch.setattr(_pgstore, "SCHEMA_VERSION", 1)
    state = paired(DeviceState.new())
    with PostgresStore(dsn) as store:
        store.save(state)
        fill_signal(store.signal_state(state))
    assert rows(dsn, "SELECT to_regclass('wabus_appstate_keys')") == [(None,)]
    monkeypatch.undo()
    versions = "SELECT version FROM wabus_schema_version ORDER BY 1"
    # This wabus applies step 2 on top of the data.
    with PostgresStore(dsn) as store:
        assert store.schema_version == SCHEMA_VERSION == 2
        upgraded = store.snapshot()
        assert {t: upgraded.tables[t] for t in APP_STATE_EMPTY} == APP_STATE_EMPTY
        assert upgraded.counts()["signal_prekeys"] == 30
        assert store.load() == state
        fill_app_state(store)
    assert rows(dsn, versions) == [(1,), (2,)]

    # A later one whose step 3 fails leaves version 2 as it was; once it works, it is applied
    # once; and this wabus, older then, refuses the upgraded database.
    broken = ("CREATE TABLE wabus_later (account text)", "SELECT no_such_function()")
    monkeypatch.setattr(_pgstore, "MIGRATIONS", (*MIGRATIONS, broken))
    monkeypatch.setattr(_pgstore, "SCHEMA_VERSION", 3)
    with pytest.raises(StoreError, match="no_such_function"):
        PostgresStore(dsn)
    assert rows(dsn, versions) == [(1,), (2,)]
    assert rows(dsn, "SELECT to_regclass('wabus_later')") == [(None,)]
    working = ("CREATE TABLE wabus_later (account text)",)
    monkeypatch.setattr(_pgstore, "MIGRATIONS", (*MIGRATIONS, working))
    for _ in range(2):
        with PostgresStore(dsn) as store:
            assert store.schema_version == 3
            assert store.load() == state
            assert store.load_app_state().collections
    assert rows(dsn, versions) == [(1,), (2,), (3,)]
    monkeypatch.undo()
    with pytest.raises(StoreSchemaTooNew, match="schema version 3, newer than ours"):
        PostgresStore(dsn)


def test_snapshots_do_not_depend_on_the_database_collation(dsn: str, tmp_path: Path) -> None:
    state = paired(DeviceState.new())
    keys = {"a_b": b"1", "A-a": b"2", "a.c": b"3", "ab": b"4", "B": b"5"}
    with PostgresStore(dsn) as store:
        # A collation that orders punctuation and case unlike bytes (ICU's root locale).
        with psycopg.connect(dsn, autocommit=True) as db:
            db.execute(
                'ALTER TABLE wabus_signal_inbox ALTER COLUMN key TYPE text COLLATE "und-x-icu"'
            )
        store.save(state)
        store.signal_state(state).commit(SignalChanges(), keys, ())
        with psycopg.connect(dsn, autocommit=True) as db:
            order = db.execute("SELECT key FROM wabus_signal_inbox ORDER BY key").fetchall()
        assert [k for (k,) in order] != sorted(keys)  # the database's order is not Python's
        snapshot = store.snapshot()
    with SqliteStore(tmp_path / "copy.db") as copy:
        copy.restore(snapshot)
        assert copy.snapshot() == snapshot
    assert [row[0] for row in snapshot.tables["signal_inbox"]] == sorted(keys)
