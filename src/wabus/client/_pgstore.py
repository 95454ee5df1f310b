"""The device store in PostgreSQL: many accounts in one database, one row set per account.

`PostgresStore(dsn, account=...)` holds what a `SqliteStore` holds (the device, the Signal
sessions, identities, prekeys, signed prekeys, sender keys, counters and the inbox, the
app-state collections' states and sync keys) in tables
whose key starts with the account's name, so any number of devices share one database (or one
schema of it: the DSN's ``options=-csearch_path=...`` picks it). psycopg 3 (the ``postgres``
extra) is the driver; the `Store` protocol is blocking, so the store uses a blocking
connection, guarded by a lock (the client reads from the event loop's thread and commits from
a worker thread). A store opened from a DSN has a connection of its own; the stores of many
accounts in one process can share one `PostgresDatabase` instead (one connection for all of
them, their operations taking turns), so that a thousand bots are not a thousand connections.

Schema. ``wabus_schema_version`` lists the migration steps applied; `MIGRATIONS` are the steps
in order. Opening a store applies the missing ones in one transaction, under a transaction-level
advisory lock so that two processes starting at once do not both migrate; a step is applied
once, and a database whose version is past ours is `StoreSchemaTooNew`, left untouched.

One account, one client. As a SQLite file has its ``flock``, an account here has a
session-level advisory lock, held by the store's connection from opening to `close()`: a
second `PostgresStore` on the same account, from any process or machine (or on the same shared
`PostgresDatabase`), is `StoreLocked` (its message names the holder's process and host), and a
crash releases the lock with the connection. The lock key is derived from the schema and the
account (`lock_key`), which is what a fleet's lease can build on. When the connection is lost,
the operation under way is `StoreUnavailable`; the next one reconnects and takes the lock again
(`StoreLocked` if another client took the account meanwhile).

Every multi-row change (a save, a clear, a Signal commit, a restore) is one transaction: a
process killed in the middle leaves the last committed state, as the server rolls back what it
had not committed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any, Final, TypeVar, final

from wabus.client._signal_state import SIGNAL_TABLES, _CommitWrites
from wabus.client._store import (
    _COLUMNS,
    STORE_COLUMNS,
    AppState,
    DeviceState,
    StoreConfigError,
    StoreError,
    StoreLocked,
    StoreSchemaTooNew,
    StoreSnapshot,
    StoreUnavailable,
    _app_state,
    _checked_rows,
    _device_values,
    _plain,
    _signal_keys,
    _sorted,
    device_from_row,
)
from wabus.protocol import (
    AppStateKey,
    CollectionState,
    LocalIdentity,
    PreKeyRecord,
    ProtocolAddress,
    SenderKeyName,
    SenderKeyRecord,
    SessionRecord,
    SignalChanges,
    SignedPreKeyRecord,
)

if TYPE_CHECKING:
    import psycopg

    from wabus.client._signal_state import SignalState

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "PostgresDatabase",
    "PostgresSignalState",
    "PostgresStore",
]

_T = TypeVar("_T")

MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    # 1: accounts, the device, the Signal state.
    (
        """CREATE TABLE wabus_accounts (
            account text PRIMARY KEY CHECK (account <> ''),
            created_at timestamptz NOT NULL DEFAULT now()
        )""",
        """CREATE TABLE wabus_device (
            account text PRIMARY KEY REFERENCES wabus_accounts ON DELETE CASCADE,
            noise_seed bytea NOT NULL,
            identity_seed bytea NOT NULL,
            signed_prekey_seed bytea NOT NULL,
            signed_prekey_id bigint NOT NULL,
            signed_prekey_signature bytea NOT NULL,
            registration_id bigint NOT NULL,
            adv_secret bytea NOT NULL,
            pn text,
            lid text,
            push_name text NOT NULL DEFAULT '',
            platform text NOT NULL DEFAULT '',
            business_name text NOT NULL DEFAULT '',
            account_identity bytea,
            edge_routing_info bytea,
            updated_at timestamptz NOT NULL DEFAULT now()
        )""",
        """CREATE TABLE wabus_signal_sessions (
            account text NOT NULL REFERENCES wabus_accounts ON DELETE CASCADE,
            address text NOT NULL, record bytea NOT NULL, PRIMARY KEY (account, address)
        )""",
        """CREATE TABLE wabus_signal_identities (
            account text NOT NULL REFERENCES wabus_accounts ON DELETE CASCADE,
            address text NOT NULL, identity bytea NOT NULL, PRIMARY KEY (account, address)
        )""",
        """CREATE TABLE wabus_signal_prekeys (
            account text NOT NULL REFERENCES wabus_accounts ON DELETE CASCADE,
            id bigint NOT NULL, record bytea NOT NULL, PRIMARY KEY (account, id)
        )""",
        """CREATE TABLE wabus_signal_signed_prekeys (
            account text NOT NULL REFERENCES wabus_accounts ON DELETE CASCADE,
            id bigint NOT NULL, record bytea NOT NULL, current boolean NOT NULL DEFAULT false,
            PRIMARY KEY (account, id)
        )""",
        """CREATE UNIQUE INDEX wabus_signal_signed_prekeys_current
            ON wabus_signal_signed_prekeys (account) WHERE current""",
        """CREATE TABLE wabus_signal_sender_keys (
            account text NOT NULL REFERENCES wabus_accounts ON DELETE CASCADE,
            name text NOT NULL, record bytea NOT NULL, PRIMARY KEY (account, name)
        )""",
        """CREATE TABLE wabus_signal_counters (
            account text NOT NULL REFERENCES wabus_accounts ON DELETE CASCADE,
            key text NOT NULL, value bigint NOT NULL, PRIMARY KEY (account, key)
        )""",
        """CREATE TABLE wabus_signal_inbox (
            account text NOT NULL REFERENCES wabus_accounts ON DELETE CASCADE,
            key text NOT NULL, plaintext bytea NOT NULL, PRIMARY KEY (account, key)
        )""",
    ),
    # 2: the app state (each collection's state, the sync keys).
    (
        """CREATE TABLE wabus_appstate_collections (
            account text NOT NULL REFERENCES wabus_accounts ON DELETE CASCADE,
            name text NOT NULL, state bytea NOT NULL, PRIMARY KEY (account, name)
        )""",
        """CREATE TABLE wabus_appstate_keys (
            account text NOT NULL REFERENCES wabus_accounts ON DELETE CASCADE,
            key_id bytea NOT NULL, key_data bytea NOT NULL, timestamp bigint,
            PRIMARY KEY (account, key_id)
        )""",
    ),
)
"""The schema's migration steps, in order: step N (from 1) takes the schema from version N-1
to N. A step is never edited once released; a change is a new step at the end."""

SCHEMA_VERSION: Final = len(MIGRATIONS)
"""The schema version this code reads and writes."""

_MIGRATION_LOCK: Final = 0x7761627573_00  # "wabus" 00: one migrator at a time, database-wide
_VERSION_TABLE: Final = """CREATE TABLE IF NOT EXISTS wabus_schema_version (
    version integer PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""

# Built from the column tuple, never from input.
_DEVICE_SELECT: Final = f"SELECT {', '.join(_COLUMNS)} FROM wabus_device WHERE account = %s"  # noqa: S608
_DEVICE_UPSERT: Final = (
    f"INSERT INTO wabus_device (account, {', '.join(_COLUMNS)})"  # noqa: S608
    f" VALUES (%s, {', '.join('%s' for _ in _COLUMNS)})"
    f" ON CONFLICT (account) DO UPDATE SET"
    f" {', '.join(f'{c} = EXCLUDED.{c}' for c in _COLUMNS)}, updated_at = now()"
)


def _table(name: str) -> str:
    """The PostgreSQL table of a store table (``signal_sessions`` -> ``wabus_signal_sessions``)."""
    return f"wabus_{name}"


def _upsert(name: str) -> str:
    """``INSERT ... ON CONFLICT DO UPDATE`` for one row of a store table (account first)."""
    key, *rest = STORE_COLUMNS[name]
    columns = ", ".join(STORE_COLUMNS[name])
    values = ", ".join("%s" for _ in range(len(rest) + 2))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in rest)
    return (
        f"INSERT INTO {_table(name)} (account, {columns}) VALUES ({values})"  # noqa: S608
        f" ON CONFLICT (account, {key}) DO UPDATE SET {updates}"
    )


def _delete(name: str) -> str:
    """``DELETE`` one row of a store table by its key."""
    key = STORE_COLUMNS[name][0]
    return f"DELETE FROM {_table(name)} WHERE account = %s AND {key} = %s"  # noqa: S608


_UPSERTS: Final = MappingProxyType({name: _upsert(name) for name in STORE_COLUMNS})
_DELETES: Final = MappingProxyType({name: _delete(name) for name in STORE_COLUMNS})


def _driver() -> ModuleType:
    """psycopg, or `StoreConfigError` saying which extra to install."""
    try:
        import psycopg
    except ImportError as err:
        raise StoreConfigError(
            f"a PostgreSQL store needs psycopg ({err}): pip install 'wabus[postgres]'"
        ) from err
    return psycopg


def _describe(params: Mapping[str, str]) -> str:
    """``postgresql://user@host:port/dbname``, from parsed connection parameters (no password)."""
    user = params.get("user", "")
    host = params.get("host", "") or params.get("hostaddr", "")
    port = params.get("port", "")
    where = f"{user + '@' if user else ''}{host}{':' + port if port else ''}"
    return f"postgresql://{where}/{params.get('dbname', '')}"


@final
class PostgresDatabase:
    """One connection to a PostgreSQL database, for the stores of many accounts (one process,
    many bots). Thread-safe: its operations take turns on the connection.

    `dsn` is a libpq connection string or URL (``postgresql://user@host:5432/dbname``,
    ``options=-csearch_path=myschema`` to pick a schema). Opening connects and applies the
    missing `MIGRATIONS`; so does each reconnection after the connection was lost (each one is
    a new `generation`). `connect_timeout` bounds each connection attempt (`StoreUnavailable`
    after it). `PostgresStore(database, account=...)` opens an account on it; the accounts'
    advisory locks are this connection's, so PostgreSQL counts one connection for all of them.
    """

    def __init__(self, dsn: str, *, connect_timeout: float = 10.0) -> None:
        if not connect_timeout > 0:
            raise StoreConfigError("connect_timeout must be > 0 seconds")
        self._pg = _driver()
        try:
            params: dict[str, Any] = self._pg.conninfo.conninfo_to_dict(dsn)
        except self._pg.ProgrammingError as err:
            detail = _first_line(err).replace(dsn, "<the DSN>")  # it may hold a password
            raise StoreConfigError(f"not a PostgreSQL DSN ({detail})") from err
        port = str(params.get("port", ""))
        if port and not all(part.isdigit() for part in port.split(",")):
            raise StoreConfigError(f"not a PostgreSQL DSN (the port {port!r} is not a number)")
        self._dsn = dsn
        self.server = _describe({k: str(v) for k, v in params.items()})
        """``postgresql://user@host:port/dbname``, for messages (never a password)."""
        self._connect_timeout = max(1, round(connect_timeout))  # libpq counts whole seconds
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        self._closed = False
        self.schema = ""
        """The schema the tables are in (the first of the DSN's ``search_path`` that exists)."""
        self.generation = 0
        """How many connections were made (a store retakes its account on a new one)."""
        self.answered = 0.0
        """When (`time.monotonic`) an operation last succeeded on the current connection: the
        server still held its session, and with it its advisory locks, then (a fleet's
        proof of its leases)."""
        self._open: set[str] = set()  # the accounts open on it (advisory locks nest per session)
        with self._lock:
            self._connection()

    @property
    def target(self) -> str:
        """The database and schema, for messages (never a password)."""
        return f"{self.server} schema {self.schema}" if self.schema else self.server

    @property
    def schema_version(self) -> int:
        """The schema version of the database (what this code migrated it to)."""
        row = self.run(
            lambda db: db.execute("SELECT max(version) FROM wabus_schema_version").fetchone()
        )
        return 0 if row is None or row[0] is None else int(row[0])

    def _connection(self) -> psycopg.Connection[tuple[Any, ...]]:
        """The live connection, made (and the schema migrated) if there is none. Under the lock."""
        if self._closed:
            raise StoreError(f"{self.target}: the database handle is closed")
        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        self._drop()
        pg = self._pg
        app = f"wabus process {os.getpid()} on {socket.gethostname()}"[:63]
        try:
            conn: psycopg.Connection[tuple[Any, ...]] = pg.connect(
                self._dsn,
                autocommit=True,
                connect_timeout=self._connect_timeout,
                application_name=app,
            )
        except pg.ProgrammingError as err:  # an option libpq does not know
            raise StoreConfigError(f"not a PostgreSQL DSN ({_first_line(err)})") from err
        except pg.Error as err:
            raise StoreUnavailable(self.server, _first_line(err)) from err
        try:
            self.schema = self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self.generation += 1
        self.answered = time.monotonic()
        return conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()  # the server drops the session's advisory locks with it

    def _migrate(self, conn: psycopg.Connection[tuple[Any, ...]]) -> str:
        """Apply the missing migration steps (one transaction); the schema's name."""
        pg = self._pg
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                row = conn.execute("SELECT current_schema()").fetchone()
                if row is None or row[0] is None:
                    raise StoreConfigError(
                        f"{self.server}: no schema to create tables in (check search_path)"
                    )
                schema = str(row[0])
                conn.execute(_VERSION_TABLE)
                found = conn.execute("SELECT max(version) FROM wabus_schema_version").fetchone()
                version = 0 if found is None or found[0] is None else int(found[0])
                if version > SCHEMA_VERSION:
                    raise StoreSchemaTooNew(
                        f"{self.server} schema {schema}", version, SCHEMA_VERSION
                    )
                for number in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[number - 1]:
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO wabus_schema_version (version) VALUES (%s)", (number,)
                    )
        except pg.OperationalError as err:
            raise StoreUnavailable(self.server, _first_line(err)) from err
        except pg.Error as err:
            raise StoreError(f"{self.server}: cannot set up the wabus tables ({err})") from err
        return schema

    def run(
        self, work: Callable[[psycopg.Connection[tuple[Any, ...]]], _T], *, where: str = ""
    ) -> _T:
        """`work` on the live connection (reconnecting if it was lost), under the lock; driver
        errors become `StoreError`s (`StoreUnavailable` for a lost connection) about `where`."""
        pg = self._pg
        with self._lock:
            conn = self._connection()
            try:
                result = work(conn)
                self.answered = time.monotonic()
                return result
            except pg.OperationalError as err:
                if conn.broken or conn.closed:
                    self._drop()  # the next call reconnects (and the stores retake accounts)
                raise StoreUnavailable(where or self.target, _first_line(err)) from err
            except pg.Error as err:
                raise StoreError(f"{where or self.target}: {_first_line(err)}") from err

    def close(self) -> None:
        """Close the connection: every account open on it is let go (idempotent)."""
        with self._lock:
            self._closed = True
            self._drop()

    def __enter__(self) -> PostgresDatabase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<PostgresDatabase {self.target}>"


@final
class PostgresStore:
    """A `Store` for one account in a PostgreSQL database (see the module doc). Thread-safe.

    `database` is a DSN (the store then has a connection of its own, closed with it) or a
    `PostgresDatabase` that many stores share (it stays open after `close()`). `account` names
    the device among the others in the database. Opening takes the account for this client
    until `close()`; `lock_wait` is how many seconds to wait for another client to let it go
    before `StoreLocked` (0: do not wait; on a shared database the others wait meanwhile).
    `connect_timeout` is for a DSN (see `PostgresDatabase`).
    """

    def __init__(
        self,
        database: str | PostgresDatabase,
        *,
        account: str = "default",
        lock_wait: float = 0.0,
        connect_timeout: float = 10.0,
    ) -> None:
        if not isinstance(account, str) or not account or "\x00" in account:
            raise StoreConfigError(f"an account name must be non-empty text, got {account!r}")
        if not lock_wait >= 0:
            raise StoreConfigError("lock_wait must be >= 0 seconds")
        self.account = account
        """The account this store holds."""
        self._lock_wait = lock_wait
        self._closed = False
        self._held = 0  # the database's generation in which we hold the account's lock
        self.lock_key = 0
        """The advisory lock this store holds while open (from the schema and the account)."""
        self._signal: PostgresSignalState | None = None
        self._signal_for: bytes | None = None
        self._own = not isinstance(database, PostgresDatabase)
        self.database = (
            database
            if isinstance(database, PostgresDatabase)
            else PostgresDatabase(database, connect_timeout=connect_timeout)
        )
        """The database handle the store runs on."""
        self._pg = self.database._pg
        with self.database._lock:
            if account in self.database._open:
                self._close_own()
                raise StoreLocked(
                    self.target, "this process has it open for a live client on the same handle"
                )
            try:
                self.database.run(self._take_account, where=self.target)
            except BaseException:
                self._close_own()
                raise
            self.database._open.add(account)

    @property
    def target(self) -> str:
        """The database, schema and account, for messages (never a password)."""
        return f"{self.database.target} account {self.account!r}"

    @property
    def schema_version(self) -> int:
        """The schema version of the database (what this code migrated it to)."""
        return self.database.schema_version

    # The account's lock --------------------------------------------------------------------

    def _take_account(self, conn: psycopg.Connection[tuple[Any, ...]]) -> None:
        """Register the account and take its advisory lock on `conn` (`StoreLocked` if another
        session holds it)."""
        pg = self._pg
        self.lock_key = _lock_key(self.database.schema, self.account)
        try:
            conn.execute(
                "INSERT INTO wabus_accounts (account) VALUES (%s) ON CONFLICT DO NOTHING",
                (self.account,),
            )
            if self._lock_wait > 0:
                try:
                    with conn.transaction():
                        milliseconds = max(1, round(self._lock_wait * 1000))
                        conn.execute(f"SET LOCAL lock_timeout = {milliseconds}")
                        conn.execute("SELECT pg_advisory_lock(%s)", (self.lock_key,))
                    taken = True
                except pg.errors.LockNotAvailable:
                    taken = False
            else:
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (self.lock_key,)).fetchone()
                taken = bool(row and row[0])
            holder = None
            if not taken:
                holder = conn.execute(
                    "SELECT a.application_name FROM pg_locks l"
                    " JOIN pg_stat_activity a ON a.pid = l.pid"
                    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
                    " AND l.classid = %s AND l.objid = %s AND l.database = ("
                    "   SELECT oid FROM pg_database WHERE datname = current_database())",
                    (self.lock_key >> 32, self.lock_key & 0xFFFFFFFF),
                ).fetchone()
        except pg.OperationalError:
            raise  # the database says the connection is lost
        except pg.Error as err:
            raise StoreError(f"{self.target}: cannot take the account ({err})") from err
        if taken:
            self._held = self.database.generation
            return
        name = holder[0] if holder else ""
        who = name.removeprefix("wabus ") if name.startswith("wabus ") else "another connection"
        raise StoreLocked(
            self.target, f"{who} has it open for a live client (one device, one client)"
        )

    def _run(self, work: Callable[[psycopg.Connection[tuple[Any, ...]]], _T]) -> _T:
        """`work` on the database, once this store holds its account on the current connection
        (retaking it after a reconnection: `StoreLocked` if another client took it meanwhile)."""

        def guarded(conn: psycopg.Connection[tuple[Any, ...]]) -> _T:
            if self._closed:
                raise StoreError(f"{self.target}: the store is closed")
            if self._held != self.database.generation:
                self._take_account(conn)
            return work(conn)

        return self.database.run(guarded, where=self.target)

    @contextmanager
    def _transaction(self, conn: psycopg.Connection[tuple[Any, ...]]) -> Iterator[None]:
        with conn.transaction():
            yield

    # The Store protocol --------------------------------------------------------------------

    def load(self) -> DeviceState | None:
        def work(db: psycopg.Connection[tuple[Any, ...]]) -> tuple[Any, ...] | None:
            return db.execute(_DEVICE_SELECT, (self.account,)).fetchone()

        row = self._run(work)
        return None if row is None else device_from_row(row, self.target)

    def save(self, state: DeviceState) -> None:
        values = [self.account, *_device_values(state)]

        def work(db: psycopg.Connection[tuple[Any, ...]]) -> None:
            with self._transaction(db):
                db.execute(_DEVICE_UPSERT, values)

        self._run(work)

    def clear(self) -> None:
        def work(db: psycopg.Connection[tuple[Any, ...]]) -> None:
            with self._transaction(db):
                self._delete_all(db)

        self._run(work)
        self._signal_for = None

    def _delete_all(self, db: psycopg.Connection[tuple[Any, ...]]) -> None:
        db.execute("DELETE FROM wabus_device WHERE account = %s", (self.account,))
        for table in STORE_COLUMNS:
            db.execute(f"DELETE FROM {_table(table)} WHERE account = %s", (self.account,))  # noqa: S608 - a known name

    def signal_state(self, state: DeviceState) -> SignalState:
        with self.database._lock:
            if self._signal is None or self._signal_for != state.identity_seed:
                self._signal = PostgresSignalState(self, *_signal_keys(state))
                self._signal_for = state.identity_seed
            return self._signal

    # The app state -------------------------------------------------------------------------

    def load_app_state(self) -> AppState:
        """The account's collection states and sync keys."""

        def work(
            db: psycopg.Connection[tuple[Any, ...]],
        ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
            with self._transaction(db):
                collections = db.execute(
                    "SELECT name, state FROM wabus_appstate_collections WHERE account = %s",
                    (self.account,),
                ).fetchall()
                keys = db.execute(
                    "SELECT key_id, key_data, timestamp FROM wabus_appstate_keys"
                    " WHERE account = %s",
                    (self.account,),
                ).fetchall()
            return collections, keys

        collections, keys = self._run(work)
        return _app_state(
            [(str(n), bytes(v)) for n, v in collections],
            [(bytes(i), bytes(d), None if t is None else int(t)) for i, d, t in keys],
            self.target,
        )

    def save_app_state(
        self, collections: Iterable[CollectionState] = (), keys: Iterable[AppStateKey] = ()
    ) -> None:
        """Keep these collection states and keys, in one transaction."""
        account = self.account
        states = [(account, c.name, c.to_bytes()) for c in collections]
        key_rows = [(account, k.key_id, k.key_data, k.timestamp) for k in keys]

        def work(db: psycopg.Connection[tuple[Any, ...]]) -> None:
            with self._transaction(db):
                cursor = db.cursor()
                if states:
                    cursor.executemany(_UPSERTS["appstate_collections"], states)
                if key_rows:
                    cursor.executemany(_UPSERTS["appstate_keys"], key_rows)

        self._run(work)

    # Snapshots -----------------------------------------------------------------------------

    def snapshot(self) -> StoreSnapshot:
        """The device and every Signal table of the account, read in one transaction."""

        def work(db: psycopg.Connection[tuple[Any, ...]]) -> StoreSnapshot:
            tables: dict[str, tuple[tuple[object, ...], ...]] = {}
            with self._transaction(db):
                db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                row = db.execute(_DEVICE_SELECT, (self.account,)).fetchone()
                for table, columns in STORE_COLUMNS.items():
                    query = (
                        f"SELECT {', '.join(columns)} FROM {_table(table)}"  # noqa: S608 - known names
                        " WHERE account = %s"
                    )
                    rows = db.execute(query, (self.account,)).fetchall()
                    tables[table] = _sorted(_canonical(table, r) for r in rows)
            device = None if row is None else device_from_row(row, self.target)
            return StoreSnapshot(device, MappingProxyType(tables))

        return self._run(work)

    def restore(self, snapshot: StoreSnapshot) -> None:
        """Replace the account's device and Signal rows by `snapshot`, in one transaction."""
        rows = _checked_rows(snapshot)

        def work(db: psycopg.Connection[tuple[Any, ...]]) -> None:
            with self._transaction(db):
                self._delete_all(db)
                if snapshot.device is not None:
                    db.execute(_DEVICE_UPSERT, [self.account, *_device_values(snapshot.device)])
                for table, columns in STORE_COLUMNS.items():
                    insert = (
                        f"INSERT INTO {_table(table)} (account, {', '.join(columns)})"  # noqa: S608 - known names
                        f" VALUES (%s, {', '.join('%s' for _ in columns)})"
                    )
                    db.cursor().executemany(
                        insert, [(self.account, *_stored(table, r)) for r in rows[table]]
                    )

        self._run(work)
        self._signal_for = None

    # Closing -------------------------------------------------------------------------------

    def close(self) -> None:
        """Let the account go (its advisory lock); close the connection if the store made it
        (idempotent)."""
        database = self.database
        with database._lock:
            if self._closed:
                return
            self._closed = True
            self._signal = None
            database._open.discard(self.account)
            conn = database._conn
            if self._held == database.generation and conn is not None and not conn.broken:
                # Closing the connection releases it all the same.
                with contextlib.suppress(self._pg.Error):
                    conn.execute("SELECT pg_advisory_unlock(%s)", (self.lock_key,))
            self._close_own()

    def _close_own(self) -> None:
        if self._own:
            self.database.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<PostgresStore {self.target}>"


def _lock_key(schema: str, account: str) -> int:
    """The advisory lock of an account: 63 bits of SHA-256 over the schema and the account (a
    non-negative bigint, so ``pg_locks`` shows it as classid = high half, objid = low half)."""
    digest = hashlib.sha256(f"wabus account\x00{schema}\x00{account}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def _first_line(err: BaseException) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def _canonical(table: str, row: Iterable[object]) -> tuple[object, ...]:
    """A PostgreSQL row as a `StoreSnapshot` row (``current`` as 0 or 1, BLOBs as bytes)."""
    values = _plain(tuple(row))
    if table == "signal_signed_prekeys":
        key, record, current = values
        return (key, record, int(bool(current)))
    return values


def _stored(table: str, row: tuple[object, ...]) -> tuple[object, ...]:
    """A `StoreSnapshot` row as PostgreSQL takes it (``current`` as a boolean)."""
    if table == "signal_signed_prekeys":
        key, record, current = row
        return (key, record, bool(current))
    return row


@final
class PostgresSignalState(_CommitWrites):
    """A `SignalState` in the account's rows of a `PostgresStore` (its connection, one
    transaction per `commit`). Thread-safe.

    The identity and the first signed prekey come from the device state, as in
    `wabus.client.SqliteSignalState`; rotated signed prekeys are stored.
    """

    def __init__(
        self, store: PostgresStore, identity: LocalIdentity, signed_prekey: SignedPreKeyRecord
    ) -> None:
        self._store = store
        self._account = store.account
        self._identity = identity
        self._first_signed = signed_prekey

    def _one(self, sql: str, *args: object) -> tuple[Any, ...] | None:
        def work(db: psycopg.Connection[tuple[Any, ...]]) -> tuple[Any, ...] | None:
            return db.execute(sql, (self._account, *args)).fetchone()

        return self._store._run(work)

    # Reads ------------------------------------------------------------------------------

    def local_identity(self) -> LocalIdentity:
        return self._identity

    def get_session(self, address: ProtocolAddress) -> SessionRecord | None:
        row = self._one(
            "SELECT record FROM wabus_signal_sessions WHERE account = %s AND address = %s",
            str(address),
        )
        return None if row is None else SessionRecord.from_bytes(bytes(row[0]))

    def get_identity(self, address: ProtocolAddress) -> bytes | None:
        row = self._one(
            "SELECT identity FROM wabus_signal_identities WHERE account = %s AND address = %s",
            str(address),
        )
        return None if row is None else bytes(row[0])

    def get_prekey(self, key_id: int) -> PreKeyRecord | None:
        row = self._one(
            "SELECT record FROM wabus_signal_prekeys WHERE account = %s AND id = %s", key_id
        )
        return None if row is None else PreKeyRecord.from_bytes(bytes(row[0]))

    def next_prekey_id(self) -> int:
        row = self._one(
            "SELECT value FROM wabus_signal_counters WHERE account = %s AND key = 'next_prekey_id'"
        )
        return 1 if row is None else int(row[0])

    def prekey_count(self) -> int:
        row = self._one("SELECT count(*) FROM wabus_signal_prekeys WHERE account = %s")
        return 0 if row is None else int(row[0])

    def get_signed_prekey(self, key_id: int) -> SignedPreKeyRecord | None:
        row = self._one(
            "SELECT record FROM wabus_signal_signed_prekeys WHERE account = %s AND id = %s",
            key_id,
        )
        if row is not None:
            return SignedPreKeyRecord.from_bytes(bytes(row[0]))
        return self._first_signed if key_id == self._first_signed.key_id else None

    def current_signed_prekey(self) -> SignedPreKeyRecord | None:
        row = self._one(
            "SELECT record FROM wabus_signal_signed_prekeys WHERE account = %s AND current"
        )
        if row is not None:
            return SignedPreKeyRecord.from_bytes(bytes(row[0]))
        return self._first_signed

    def get_sender_key(self, name: SenderKeyName) -> SenderKeyRecord | None:
        row = self._one(
            "SELECT record FROM wabus_signal_sender_keys WHERE account = %s AND name = %s",
            str(name),
        )
        return None if row is None else SenderKeyRecord.from_bytes(bytes(row[0]))

    def get_inbox(self, key: str) -> bytes | None:
        row = self._one(
            "SELECT plaintext FROM wabus_signal_inbox WHERE account = %s AND key = %s", key
        )
        return None if row is None else bytes(row[0])

    # Writes: single changes go through `commit` (`_CommitWrites`) -------------------

    def commit(
        self, changes: SignalChanges, inbox: Mapping[str, bytes], handled: Iterable[str]
    ) -> None:
        account = self._account
        upserts: dict[str, list[tuple[object, ...]]] = {name: [] for name in SIGNAL_TABLES}
        deletes: dict[str, list[tuple[object, ...]]] = {name: [] for name in SIGNAL_TABLES}

        def put(table: str, key: object, value: object | None) -> None:
            if value is None:
                deletes[table].append((account, key))
            else:
                upserts[table].append((account, key, value))

        for address, session in changes.sessions.items():
            put("signal_sessions", str(address), None if session is None else session.to_bytes())
        for address, identity in changes.identities.items():
            put("signal_identities", str(address), identity)
        for prekey in changes.added_prekeys:
            put("signal_prekeys", prekey.key_id, prekey.to_bytes())
        for key_id in changes.removed_prekeys:
            put("signal_prekeys", key_id, None)
        if changes.next_prekey_id is not None:
            put("signal_counters", "next_prekey_id", changes.next_prekey_id)
        for name, sender_key in changes.sender_keys.items():
            put(
                "signal_sender_keys",
                str(name),
                None if sender_key is None else sender_key.to_bytes(),
            )
        for key, plaintext in inbox.items():
            put("signal_inbox", key, plaintext)
        for key in handled:
            put("signal_inbox", key, None)
        signed = changes.signed_prekey

        def work(db: psycopg.Connection[tuple[Any, ...]]) -> None:
            with self._store._transaction(db):
                cursor = db.cursor()
                for table in SIGNAL_TABLES:
                    if upserts[table]:
                        cursor.executemany(_UPSERTS[table], upserts[table])
                    if deletes[table]:
                        cursor.executemany(_DELETES[table], deletes[table])
                if signed is not None:
                    db.execute(
                        "UPDATE wabus_signal_signed_prekeys SET current = false"
                        " WHERE account = %s AND current",
                        (account,),
                    )
                    db.execute(
                        _UPSERTS["signal_signed_prekeys"],
                        (account, signed.key_id, signed.to_bytes(), True),
                    )

        self._store._run(work)
