"""The device store: the keys and identity a client must keep between runs.

A device is born once (`DeviceState.new()` generates its keys), paired once (the pair-success
fills in its JIDs and account identity), and then logs in with the same keys on every start.
Losing the store means pairing again; so the default store is one SQLite file (stdlib
``sqlite3``, write-ahead log, one transaction per save): a crash in the middle of a write leaves
the last committed state intact. `MemoryStore` keeps the state in memory, for tests.

Everything secret is stored as the 32-byte seeds the key pairs are made from (so the identity
key can still sign). The file should be readable by its owner only; `SqliteStore` creates it so.

One device file serves one live client at a time: two connections with one device identity
replace each other at the server. So a `SqliteStore` holds an exclusive ``flock`` on
``<store>.lock`` from opening to `close()`, and a second opening, from this process or another,
is `StoreLocked` rather than a client that silently kicks the first one off. The lock goes with
the process (a crash releases it). SQLite's own "database is locked" (another program inside a
write transaction past the busy timeout) is `StoreLocked` too.

`PostgresStore` (``wabus.client._pgstore``, the ``postgres`` extra) keeps the same state in
PostgreSQL, many accounts to a database; `open_store` opens either from a ``sqlite:PATH`` or
``postgresql://`` address. Both can give a `StoreSnapshot` of one device and restore one, in a
transaction each: that is how ``wabus store migrate`` moves a device between them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Protocol, Self, final, runtime_checkable

from wabus.core import Jid, WabusError
from wabus.protocol import (
    AppStateKey,
    CollectionState,
    DeviceKeys,
    KeyPair,
    LocalAppStateError,
    LocalIdentity,
    SignedPreKeyRecord,
)

if TYPE_CHECKING:
    from wabus.client._pgstore import PostgresStore
    from wabus.client._signal_state import SignalState, SqliteSignalState

__all__ = [
    "APP_STATE_COLUMNS",
    "SIGNAL_COLUMNS",
    "STORE_COLUMNS",
    "AppState",
    "AppStateStore",
    "DeviceState",
    "MemoryStore",
    "PortableStore",
    "SqliteStore",
    "Store",
    "StoreConfigError",
    "StoreError",
    "StoreLocked",
    "StoreSchemaTooNew",
    "StoreSnapshot",
    "StoreUnavailable",
    "open_store",
]

SCHEMA_VERSION: Final = 2
"""The SQLite file's schema version (2: the app-state tables)."""

SIGNAL_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "signal_sessions": ("address", "record"),
        "signal_identities": ("address", "identity"),
        "signal_prekeys": ("id", "record"),
        "signal_signed_prekeys": ("id", "record", "current"),
        "signal_sender_keys": ("name", "record"),
        "signal_counters": ("key", "value"),
        "signal_inbox": ("key", "plaintext"),
    }
)
"""Every table of the Signal state and its columns, the key first (a `StoreSnapshot` row is
these values in this order, whatever the database: ``current`` is 0 or 1)."""
APP_STATE_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "appstate_collections": ("name", "state"),
        "appstate_keys": ("key_id", "key_data", "timestamp"),
    }
)
"""The app-state tables: each collection's `CollectionState` (``to_bytes``), and the sync keys."""
STORE_COLUMNS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {**SIGNAL_COLUMNS, **APP_STATE_COLUMNS}
)
"""Every table a store holds beside the device row (what a `StoreSnapshot` carries)."""


class StoreError(WabusError):
    """The store cannot be read or written (a corrupt or foreign file, a newer schema)."""


class StoreLocked(StoreError):
    """The store is in use: another `SqliteStore` or `PostgresStore` (in this process or
    another) has it open for its client, or another program holds SQLite's write lock. `path`
    is the store's file, or the PostgreSQL account's description."""

    def __init__(self, path: Path | str, detail: str) -> None:
        super().__init__(f"{path} is in use: {detail}")
        self.path = path


class StoreUnavailable(StoreError):
    """The store's database cannot be reached (PostgreSQL down, refused, timed out, the
    connection lost mid-operation). `target` says which, without a password."""

    def __init__(self, target: str, detail: str) -> None:
        super().__init__(f"cannot reach {target}: {detail}")
        self.target = target


class StoreSchemaTooNew(StoreError):
    """The store was written by a newer wabus: its schema `found` is past the `supported` one
    (this code would misread it, so it does not touch it)."""

    def __init__(self, target: str, found: int, supported: int) -> None:
        super().__init__(
            f"{target} has schema version {found}, newer than ours ({supported}): upgrade wabus"
        )
        self.target = target
        self.found = found
        self.supported = supported


class StoreConfigError(StoreError):
    """A store address or option that cannot be right: a malformed DSN, an unknown scheme, an
    empty account name, or a driver that is not installed."""


def _is_locked(err: sqlite3.Error) -> bool:
    return isinstance(err, sqlite3.OperationalError) and "locked" in str(err).lower()


@final
@dataclass(frozen=True, slots=True)
class DeviceState:
    """One device's keys, and what pairing taught it. Immutable: `with_` returns a copy."""

    noise_seed: bytes
    identity_seed: bytes
    signed_prekey_seed: bytes
    signed_prekey_id: int
    signed_prekey_signature: bytes
    registration_id: int
    adv_secret: bytes
    pn: Jid | None = None
    """Our phone-number device JID, once paired."""
    lid: Jid | None = None
    """Our LID device JID, once paired (or learned at login)."""
    push_name: str = ""
    platform: str = ""
    """The phone's platform, e.g. ``android``."""
    business_name: str = ""
    account_identity: bytes | None = None
    """The ADV signed device identity from pairing (with our device signature)."""
    edge_routing_info: bytes | None = None
    """The latest edge-routing token, sent before the next connection's header."""

    @classmethod
    def new(cls) -> DeviceState:
        """A new, unpaired device with fresh keys."""
        keys = DeviceKeys.generate()
        assert keys.noise.seed
        assert keys.identity.seed
        assert keys.signed_prekey.seed
        return cls(
            noise_seed=keys.noise.seed,
            identity_seed=keys.identity.seed,
            signed_prekey_seed=keys.signed_prekey.seed,
            signed_prekey_id=keys.signed_prekey_id,
            signed_prekey_signature=keys.signed_prekey_signature,
            registration_id=keys.registration_id,
            adv_secret=keys.adv_secret,
        )

    @property
    def keys(self) -> DeviceKeys:
        """The key pairs, rebuilt from their seeds."""
        return DeviceKeys(
            noise=KeyPair(seed=self.noise_seed),
            identity=KeyPair(seed=self.identity_seed),
            signed_prekey=KeyPair(seed=self.signed_prekey_seed),
            signed_prekey_id=self.signed_prekey_id,
            signed_prekey_signature=self.signed_prekey_signature,
            registration_id=self.registration_id,
            adv_secret=self.adv_secret,
        )

    @property
    def paired(self) -> bool:
        """Whether the device is linked to a phone (it logs in instead of registering)."""
        return self.pn is not None

    def with_(self, **changes: object) -> DeviceState:
        """A copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def __repr__(self) -> str:  # never print the secrets
        return f"<DeviceState pn={self.pn} lid={self.lid} paired={self.paired}>"


@runtime_checkable
class Store(Protocol):
    """Where a client keeps its `DeviceState`. Methods are blocking; they are called rarely
    (at start, at pairing, when the server sends a new edge-routing token)."""

    def load(self) -> DeviceState | None:
        """The saved state, or None for a new device."""

    def save(self, state: DeviceState) -> None:
        """Replace the saved state, atomically."""

    def clear(self) -> None:
        """Forget the device (after a logout): the next start pairs again."""

    def signal_state(self, state: DeviceState) -> SignalState:
        """The device's Signal state (sessions, prekeys, sender keys, the inbox), for the keys
        of `state`; `clear` forgets it too."""


@final
@dataclass(frozen=True, slots=True)
class StoreSnapshot:
    """Everything a store holds of one device, as plain values: what ``wabus store migrate``
    copies. `tables` maps each table of `STORE_COLUMNS` (the Signal state, the app state) to
    its rows (in that table's column order), sorted by key: two stores that hold the same
    device give equal snapshots, whatever their databases."""

    device: DeviceState | None
    tables: Mapping[str, tuple[tuple[object, ...], ...]]

    def counts(self) -> dict[str, int]:
        """How many rows each table has (for a report)."""
        return {table: len(rows) for table, rows in self.tables.items()}


@final
@dataclass(frozen=True, slots=True)
class AppState:
    """What a store keeps of app-state sync: each collection's state (its version, LTHash and
    value MACs) by name, and the sync keys by key id."""

    collections: Mapping[str, CollectionState]
    keys: Mapping[bytes, AppStateKey]


@runtime_checkable
class AppStateStore(Protocol):
    """A store that keeps the app state beside the device (every store wabus ships)."""

    def load_app_state(self) -> AppState:
        """The collections' states and the sync keys kept (empty for a new device)."""

    def save_app_state(
        self, collections: Iterable[CollectionState] = (), keys: Iterable[AppStateKey] = ()
    ) -> None:
        """Keep these collection states (replacing those of the same names) and keys (by key
        id), in one transaction."""


@runtime_checkable
class PortableStore(Store, AppStateStore, Protocol):
    """A `Store` that can give a `StoreSnapshot` of its device and take one (SQLite and
    PostgreSQL), and that holds its device until `close`."""

    @property
    def target(self) -> str:
        """Which store this is, for messages (a file, or a database and account; never a
        password)."""

    def snapshot(self) -> StoreSnapshot:
        """Everything the store holds, read in one transaction."""

    def restore(self, snapshot: StoreSnapshot) -> None:
        """Replace everything the store holds by `snapshot`, in one transaction."""

    def close(self) -> None:
        """Let the device go (idempotent)."""

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...


@final
class MemoryStore:
    """A `Store` in memory (for tests: it is gone with the process)."""

    def __init__(self, state: DeviceState | None = None) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._signal: SignalState | None = None
        self._signal_for: bytes | None = None
        self._collections: dict[str, CollectionState] = {}
        self._keys: dict[bytes, AppStateKey] = {}

    def load(self) -> DeviceState | None:
        with self._lock:
            return self._state

    def save(self, state: DeviceState) -> None:
        with self._lock:
            self._state = state

    def clear(self) -> None:
        with self._lock:
            self._state = None
            self._signal = None
            self._collections.clear()
            self._keys.clear()

    def load_app_state(self) -> AppState:
        """The collections' states and the sync keys kept."""
        with self._lock:
            return AppState(
                MappingProxyType(dict(self._collections)), MappingProxyType(dict(self._keys))
            )

    def save_app_state(
        self, collections: Iterable[CollectionState] = (), keys: Iterable[AppStateKey] = ()
    ) -> None:
        """Keep these collection states and keys (at once)."""
        collections, keys = list(collections), list(keys)
        with self._lock:
            self._collections.update((c.name, c) for c in collections)
            self._keys.update((k.key_id, k) for k in keys)

    def signal_state(self, state: DeviceState) -> SignalState:
        from wabus.client._signal_state import MemorySignalState

        with self._lock:
            if self._signal is None or self._signal_for != state.identity_seed:
                self._signal = MemorySignalState(*_signal_keys(state))
                self._signal_for = state.identity_seed
            return self._signal


_COLUMNS: Final = (
    "noise_seed",
    "identity_seed",
    "signed_prekey_seed",
    "signed_prekey_id",
    "signed_prekey_signature",
    "registration_id",
    "adv_secret",
    "pn",
    "lid",
    "push_name",
    "platform",
    "business_name",
    "account_identity",
    "edge_routing_info",
)

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS device (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    noise_seed BLOB NOT NULL,
    identity_seed BLOB NOT NULL,
    signed_prekey_seed BLOB NOT NULL,
    signed_prekey_id INTEGER NOT NULL,
    signed_prekey_signature BLOB NOT NULL,
    registration_id INTEGER NOT NULL,
    adv_secret BLOB NOT NULL,
    pn TEXT,
    lid TEXT,
    push_name TEXT NOT NULL DEFAULT '',
    platform TEXT NOT NULL DEFAULT '',
    business_name TEXT NOT NULL DEFAULT '',
    account_identity BLOB,
    edge_routing_info BLOB
);
CREATE TABLE IF NOT EXISTS appstate_collections (name TEXT PRIMARY KEY, state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS appstate_keys (
    key_id BLOB PRIMARY KEY, key_data BLOB NOT NULL, timestamp INTEGER
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', :version);
UPDATE meta SET value = :version
    WHERE key = 'schema_version' AND value GLOB '[0-9]*' AND CAST(value AS INTEGER) < :version;
"""
# Built from the column tuple above, never from input.
_SELECT: Final = f"SELECT {', '.join(_COLUMNS)} FROM device"  # noqa: S608
_UPSERT: Final = (
    f"INSERT OR REPLACE INTO device (id, {', '.join(_COLUMNS)})"  # noqa: S608
    f" VALUES (1, {', '.join('?' for _ in _COLUMNS)})"
)


@final
class SqliteStore:
    """A `Store` in one SQLite file (write-ahead log, a transaction per save). Thread-safe.

    Opening it takes the file for this client until `close()` (see the module doc): a second
    `SqliteStore` on the same path raises `StoreLocked` meanwhile. `busy_timeout` is how many
    seconds a write waits for another program's SQLite lock before `StoreLocked`.

    The device row, the app state and the Signal state (`signal_state`) share one SQLite
    connection, under one lock: an account holds one connection (about 0.2 MB, most of an idle
    account's memory) and its file's descriptors once, and its writes never wait for each
    other's SQLite locks.
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        """The file whose ``flock`` says which process uses the store."""
        self._lock = threading.RLock()  # the connection's, shared with the Signal state
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)  # owner-only from the start
            os.close(fd)
        self._lock_fd = self._take_lock()
        try:
            self._open(busy_timeout)
        except BaseException:
            self._release_lock()
            raise
        self._signal: SqliteSignalState | None = None
        self._signal_for: bytes | None = None

    def _take_lock(self) -> int:
        fd = os.open(self.lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            who = f"process {holder}" if holder.isdigit() else "another process"
            raise StoreLocked(
                self.path, f"{who} has it open for a live client (one device, one client)"
            ) from None
        except OSError:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)  # for the message above, elsewhere
        return fd

    def _release_lock(self) -> None:
        fd, self._lock_fd = self._lock_fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing releases the flock

    def _open(self, busy_timeout: float) -> None:
        try:
            self._db = sqlite3.connect(
                self.path, check_same_thread=False, isolation_level=None, timeout=busy_timeout
            )
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{self.path} is not a wabus store ({err})") from err
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            with self._transaction():
                for statement in _SCHEMA.strip().split(";\n"):
                    self._db.execute(statement, {"version": str(SCHEMA_VERSION)})
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as err:
            self._db.close()
            if _is_locked(err):
                raise StoreLocked(self.path, f"another program holds its lock ({err})") from err
            raise StoreError(f"{self.path} is not a wabus store ({err})") from err
        if row is None or not str(row[0]).isdigit():
            self._db.close()
            raise StoreError(f"{self.path} is not a wabus store (schema version {row and row[0]})")
        if int(row[0]) > SCHEMA_VERSION:
            self._db.close()
            raise StoreSchemaTooNew(str(self.path), int(row[0]), SCHEMA_VERSION)

    def _failure(self, doing: str, err: sqlite3.DatabaseError) -> StoreError:
        if _is_locked(err):
            return StoreLocked(self.path, f"cannot {doing}: another program holds its lock ({err})")
        return StoreError(f"cannot {doing} {self.path}: {err}")

    def _transaction(self) -> _Transaction:
        self._db.execute("BEGIN IMMEDIATE")
        return _Transaction(self._db)

    def load(self) -> DeviceState | None:
        with self._lock:
            try:
                row = self._db.execute(_SELECT).fetchone()
            except sqlite3.DatabaseError as err:
                raise self._failure("read", err) from err
        if row is None:
            return None
        return device_from_row(row, str(self.path))

    def save(self, state: DeviceState) -> None:
        values = _device_values(state)
        with self._lock:
            try:
                with self._transaction():
                    self._db.execute(_UPSERT, values)
            except sqlite3.DatabaseError as err:
                raise self._failure("write", err) from err

    def clear(self) -> None:
        with self._lock:
            try:
                with self._transaction():
                    self._db.execute("DELETE FROM device")
                    for table in STORE_COLUMNS:  # the Signal ones, if the state ever made them
                        exists = self._db.execute(
                            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)
                        ).fetchone()
                        if exists:
                            self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - a known name
            except sqlite3.DatabaseError as err:
                raise self._failure("clear", err) from err
        self._signal = None

    def signal_state(self, state: DeviceState) -> SignalState:
        from wabus.client._signal_state import SqliteSignalState

        with self._lock:
            if self._signal is None or self._signal_for != state.identity_seed:
                if self._signal is not None:
                    self._signal.close()
                self._signal = SqliteSignalState(
                    self.path, *_signal_keys(state), shared=(self._db, self._lock)
                )
                self._signal_for = state.identity_seed
            return self._signal

    @property
    def target(self) -> str:
        """The store's file, for messages."""
        return str(self.path)

    def load_app_state(self) -> AppState:
        """The collections' states and the sync keys kept in the file."""
        with self._lock:
            try:
                collections = self._db.execute("SELECT name, state FROM appstate_collections")
                stored = [(str(name), bytes(state)) for name, state in collections]
                keys = self._db.execute("SELECT key_id, key_data, timestamp FROM appstate_keys")
                key_rows = [(bytes(i), bytes(d), t) for i, d, t in keys]
            except sqlite3.DatabaseError as err:
                raise self._failure("read", err) from err
        return _app_state(stored, key_rows, str(self.path))

    def save_app_state(
        self, collections: Iterable[CollectionState] = (), keys: Iterable[AppStateKey] = ()
    ) -> None:
        """Keep these collection states and keys, in one transaction."""
        states = [(c.name, c.to_bytes()) for c in collections]
        key_rows = [(k.key_id, k.key_data, k.timestamp) for k in keys]
        with self._lock:
            try:
                with self._transaction():
                    self._db.executemany(
                        "INSERT OR REPLACE INTO appstate_collections VALUES (?, ?)", states
                    )
                    self._db.executemany(
                        "INSERT OR REPLACE INTO appstate_keys VALUES (?, ?, ?)", key_rows
                    )
            except sqlite3.DatabaseError as err:
                raise self._failure("write", err) from err

    def snapshot(self) -> StoreSnapshot:
        """The device and every other table, read in one transaction."""
        with self._lock:
            try:
                self._db.execute("BEGIN")
                try:
                    row = self._db.execute(_SELECT).fetchone()
                    device = None if row is None else device_from_row(row, str(self.path))
                    present = {
                        name
                        for (name,) in self._db.execute(
                            "SELECT name FROM sqlite_master WHERE type='table'"
                        )
                    }
                    tables: dict[str, tuple[tuple[object, ...], ...]] = {}
                    for table, columns in STORE_COLUMNS.items():
                        rows: list[tuple[object, ...]] = []
                        if table in present:  # the Signal ones, if the state ever made them
                            query = f"SELECT {', '.join(columns)} FROM {table}"  # noqa: S608 - known names
                            rows = [_plain(row) for row in self._db.execute(query)]
                        tables[table] = _sorted(rows)
                finally:
                    self._db.execute("COMMIT")
            except sqlite3.DatabaseError as err:
                raise self._failure("read", err) from err
        return StoreSnapshot(device, MappingProxyType(tables))

    def restore(self, snapshot: StoreSnapshot) -> None:
        """Replace the device and every other table by `snapshot`, in one transaction."""
        from wabus.client._signal_state import _SCHEMA as SIGNAL_SCHEMA

        rows = _checked_rows(snapshot)
        with self._lock:
            try:
                with self._transaction():
                    for statement in SIGNAL_SCHEMA.strip().split(";\n"):
                        self._db.execute(statement)
                    self._db.execute("DELETE FROM device")
                    for table in STORE_COLUMNS:
                        self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - a known name
                    if snapshot.device is not None:
                        self._db.execute(_UPSERT, _device_values(snapshot.device))
                    for table, columns in STORE_COLUMNS.items():
                        insert = (
                            f"INSERT INTO {table} ({', '.join(columns)})"  # noqa: S608 - known names
                            f" VALUES ({', '.join('?' for _ in columns)})"
                        )
                        self._db.executemany(insert, rows[table])
            except sqlite3.DatabaseError as err:
                raise self._failure("write", err) from err
        self._signal_for = None  # the next signal_state() reads the restored keys

    def close(self) -> None:
        """Close the file and let another client have it (idempotent)."""
        with self._lock:
            if self._signal is not None:
                self._signal.close()
                self._signal = None
            self._db.close()
            self._release_lock()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _device_values(state: DeviceState) -> list[object]:
    """The device row's values, in `_COLUMNS` order (JIDs as text)."""
    values: list[object] = [getattr(state, column) for column in _COLUMNS]
    return [str(v) if isinstance(v, Jid) else v for v in values]


def device_from_row(row: Sequence[object], where: str) -> DeviceState:
    """The `DeviceState` of a device row in `_COLUMNS` order; `StoreError` naming the column
    when one is damaged."""
    values = dict(zip(_COLUMNS, row, strict=True))
    for key in ("pn", "lid"):
        text = values[key]
        try:
            values[key] = Jid.parse(str(text)) if text else None
        except ValueError as err:
            raise StoreError(f"{where}: the {key} column is damaged ({err})") from err
    for key in (
        "noise_seed",
        "identity_seed",
        "signed_prekey_seed",
        "signed_prekey_signature",
        "adv_secret",
        "account_identity",
        "edge_routing_info",
    ):
        value = values[key]
        if isinstance(value, (bytearray, memoryview)):
            values[key] = bytes(value)
    return DeviceState(**values)  # type: ignore[arg-type]


def _plain(row: Sequence[object]) -> tuple[object, ...]:
    """A database row as plain values (bytes for BLOBs, whatever the driver returned)."""
    return tuple(bytes(v) if isinstance(v, (bytearray, memoryview)) else v for v in row)


def _sorted(rows: Iterable[tuple[object, ...]]) -> tuple[tuple[object, ...], ...]:
    """Rows in the order of their keys as Python sorts them (text by code point), whatever the
    database's collation: the same device gives the same snapshot everywhere."""
    return tuple(sorted(rows, key=lambda row: row[0]))  # type: ignore[arg-type, return-value]


def _app_state(
    collections: Iterable[tuple[str, bytes]],
    keys: Iterable[tuple[bytes, bytes, int | None]],
    where: str,
) -> AppState:
    """An `AppState` from stored rows; `StoreError` naming the collection whose state is
    damaged."""
    states: dict[str, CollectionState] = {}
    for name, data in collections:
        try:
            states[name] = CollectionState.from_bytes(data)
        except LocalAppStateError as err:
            raise StoreError(f"{where}: the app state of {name!r} is damaged ({err})") from err
    by_id = {key_id: AppStateKey(key_id, data, stamp) for key_id, data, stamp in keys}
    return AppState(MappingProxyType(states), MappingProxyType(by_id))


def _checked_rows(snapshot: StoreSnapshot) -> dict[str, list[tuple[object, ...]]]:
    """The snapshot's rows by table, every table present; `StoreError` for a table or a row
    that is not one of ours."""
    unknown = set(snapshot.tables) - set(STORE_COLUMNS)
    if unknown:
        raise StoreError(f"a snapshot with unknown tables: {', '.join(sorted(unknown))}")
    rows: dict[str, list[tuple[object, ...]]] = {}
    for table, columns in STORE_COLUMNS.items():
        rows[table] = list(snapshot.tables.get(table, ()))
        for at, row in enumerate(rows[table]):
            if len(row) != len(columns):
                raise StoreError(
                    f"a snapshot's {table} row {at} has {len(row)} values, not {len(columns)}"
                )
    return rows


def open_store(address: str | Path, *, account: str | None = None) -> PortableStore:
    """The store at `address`: ``sqlite:PATH`` (or a bare path) for a `SqliteStore`,
    ``postgresql://…`` (or ``postgres://…``) for a `PostgresStore` of `account` (default
    ``default``). `StoreConfigError` for another scheme, or an account given for a SQLite
    file (it holds one device)."""
    text = str(address)
    scheme, sep, rest = text.partition(":")
    if sep and scheme in {"postgresql", "postgres"}:
        from wabus.client._pgstore import PostgresStore

        store: PostgresStore = PostgresStore(
            text, account="default" if account is None else account
        )
        return store
    if sep and scheme == "sqlite":
        text = rest
    elif "://" in text:
        raise StoreConfigError(
            f"unknown store scheme {scheme!r}: use sqlite:PATH or postgresql://..."
        )
    if not text:
        raise StoreConfigError("a sqlite: store needs a file path")
    if account is not None:
        raise StoreConfigError(
            "a SQLite file holds one device: an account is for a PostgreSQL store"
        )
    return SqliteStore(text)


def _signal_keys(state: DeviceState) -> tuple[LocalIdentity, SignedPreKeyRecord]:
    """The Signal identity and first signed prekey of a device (its pairing keys)."""
    keys = state.keys
    return LocalIdentity.from_device_keys(keys), SignedPreKeyRecord.from_device_keys(keys)


class _Transaction:
    """Commit on success, roll back on error (for a connection in autocommit mode)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        return self._db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
