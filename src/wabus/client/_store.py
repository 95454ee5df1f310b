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
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol, final, runtime_checkable

from wabus.core import Jid, WabusError
from wabus.protocol import DeviceKeys, KeyPair, LocalIdentity, SignedPreKeyRecord

if TYPE_CHECKING:
    from wabus.client._signal_state import SignalState, SqliteSignalState

__all__ = ["DeviceState", "MemoryStore", "SqliteStore", "Store", "StoreError", "StoreLocked"]

SCHEMA_VERSION: Final = 1


class StoreError(WabusError):
    """The store cannot be read or written (a corrupt or foreign file, a newer schema)."""


class StoreLocked(StoreError):
    """The store is in use: another `SqliteStore` (in this process or another) has it open for
    its client, or another program holds SQLite's write lock. `path` is the store's file."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path} is in use: {detail}")
        self.path = path


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
class MemoryStore:
    """A `Store` in memory (for tests: it is gone with the process)."""

    def __init__(self, state: DeviceState | None = None) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._signal: SignalState | None = None
        self._signal_for: bytes | None = None

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
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', :version);
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
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = 5.0) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        """The file whose ``flock`` says which process uses the store."""
        self._lock = threading.Lock()
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
        if row is None or int(row[0]) > SCHEMA_VERSION:
            self._db.close()
            raise StoreError(f"{self.path} has schema version {row and row[0]}, newer than ours")

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
        values = dict(zip(_COLUMNS, row, strict=True))
        for key in ("pn", "lid"):
            try:
                values[key] = Jid.parse(values[key]) if values[key] else None
            except ValueError as err:
                raise StoreError(f"{self.path}: the {key} column is damaged ({err})") from err
        for key in ("account_identity", "edge_routing_info"):
            values[key] = bytes(values[key]) if values[key] is not None else None
        return DeviceState(**values)

    def save(self, state: DeviceState) -> None:
        values = [getattr(state, column) for column in _COLUMNS]
        values = [str(v) if isinstance(v, Jid) else v for v in values]
        with self._lock:
            try:
                with self._transaction():
                    self._db.execute(_UPSERT, values)
            except sqlite3.DatabaseError as err:
                raise self._failure("write", err) from err

    def clear(self) -> None:
        from wabus.client._signal_state import SIGNAL_TABLES

        with self._lock:
            try:
                with self._transaction():
                    self._db.execute("DELETE FROM device")
                    for table in SIGNAL_TABLES:  # made by the Signal state, if it ever was
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
                self._signal = SqliteSignalState(self.path, *_signal_keys(state))
                self._signal_for = state.identity_seed
            return self._signal

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
