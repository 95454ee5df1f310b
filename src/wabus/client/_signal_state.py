"""Where a client keeps its Signal state: sessions, identities, prekeys, sender keys, and the
inbox of decrypted messages not yet acknowledged.

A `SignalState` is a `wabus.protocol.SignalStore` (what the cipher reads) plus the inbox and
one `commit` that writes a batch of changes and inbox rows in a single transaction. The client
stages every change in memory (`StagedSignalStore`) and commits batches from a worker thread;
see `wabus.protocol._e2e` for why that loses nothing in a crash.

`MemorySignalState` keeps it in memory (tests, throwaway bots). The SQLite store keeps it in
the device's file (`SqliteStore.signal_state`), the PostgreSQL store in the account's rows
(`wabus.client._pgstore.PostgresSignalState`).
"""

from __future__ import annotations

import abc
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Protocol, final, runtime_checkable

from wabus.client._store import SIGNAL_COLUMNS, StoreError
from wabus.protocol import (
    LocalIdentity,
    MemorySignalStore,
    PreKeyRecord,
    ProtocolAddress,
    SenderKeyName,
    SenderKeyRecord,
    SessionRecord,
    SignalChanges,
    SignedPreKeyRecord,
)

__all__ = [
    "SIGNAL_COLUMNS",
    "SIGNAL_TABLES",
    "MemorySignalState",
    "SignalState",
    "SqliteSignalState",
]


@runtime_checkable
class SignalState(Protocol):
    """A durable `SignalStore` with an inbox and a one-transaction `commit`. Blocking methods:
    the client calls `commit` from a worker thread and reads from the event loop's thread, so
    an implementation must be thread-safe."""

    def local_identity(self) -> LocalIdentity: ...
    def get_session(self, address: ProtocolAddress) -> SessionRecord | None: ...
    def put_session(self, address: ProtocolAddress, record: SessionRecord | None) -> None: ...
    def get_identity(self, address: ProtocolAddress) -> bytes | None: ...
    def put_identity(self, address: ProtocolAddress, identity: bytes | None) -> None: ...
    def get_prekey(self, key_id: int) -> PreKeyRecord | None: ...
    def put_prekeys(self, records: Iterable[PreKeyRecord]) -> None: ...
    def remove_prekey(self, key_id: int) -> None: ...
    def next_prekey_id(self) -> int: ...
    def prekey_count(self) -> int: ...
    def get_signed_prekey(self, key_id: int) -> SignedPreKeyRecord | None: ...
    def current_signed_prekey(self) -> SignedPreKeyRecord | None: ...
    def put_signed_prekey(self, record: SignedPreKeyRecord) -> None: ...
    def get_sender_key(self, name: SenderKeyName) -> SenderKeyRecord | None: ...
    def put_sender_key(self, name: SenderKeyName, record: SenderKeyRecord | None) -> None: ...
    def apply(self, changes: SignalChanges) -> None: ...

    def get_inbox(self, key: str) -> bytes | None:
        """A kept plaintext (see `wabus.protocol.inbox_key`), or None."""

    def commit(
        self,
        changes: SignalChanges,
        inbox: Mapping[str, bytes],
        handled: Iterable[str],
    ) -> None:
        """In one transaction: apply `changes`, keep the `inbox` plaintexts, and forget the
        inbox keys of messages `handled` (acknowledged)."""


class _CommitWrites(abc.ABC):
    """The single-change writes of a durable `SignalState`, each one `commit` (one
    transaction), for the stores whose `commit` is the only way they write."""

    @abc.abstractmethod
    def commit(
        self, changes: SignalChanges, inbox: Mapping[str, bytes], handled: Iterable[str]
    ) -> None:
        """Apply `changes`, keep `inbox` and forget `handled`, in one transaction."""

    def put_session(self, address: ProtocolAddress, record: SessionRecord | None) -> None:
        self.apply(SignalChanges(sessions={address: record}))

    def put_identity(self, address: ProtocolAddress, identity: bytes | None) -> None:
        self.apply(SignalChanges(identities={address: identity}))

    def put_prekeys(self, records: Iterable[PreKeyRecord]) -> None:
        self.apply(SignalChanges(added_prekeys=tuple(records)))

    def remove_prekey(self, key_id: int) -> None:
        self.apply(SignalChanges(removed_prekeys=frozenset({key_id})))

    def put_signed_prekey(self, record: SignedPreKeyRecord) -> None:
        self.apply(SignalChanges(signed_prekey=record))

    def put_sender_key(self, name: SenderKeyName, record: SenderKeyRecord | None) -> None:
        self.apply(SignalChanges(sender_keys={name: record}))

    def apply(self, changes: SignalChanges) -> None:
        self.commit(changes, {}, ())


@final
class MemorySignalState:
    """A `SignalState` in memory (gone with the process). Thread-safe."""

    def __init__(self, identity: LocalIdentity, signed_prekey: SignedPreKeyRecord) -> None:
        self._store = MemorySignalStore(identity, signed_prekey)
        self._inbox: dict[str, bytes] = {}
        self._lock = threading.RLock()

    def local_identity(self) -> LocalIdentity:
        return self._store.local_identity()

    def get_session(self, address: ProtocolAddress) -> SessionRecord | None:
        with self._lock:
            return self._store.get_session(address)

    def put_session(self, address: ProtocolAddress, record: SessionRecord | None) -> None:
        with self._lock:
            self._store.put_session(address, record)

    def get_identity(self, address: ProtocolAddress) -> bytes | None:
        with self._lock:
            return self._store.get_identity(address)

    def put_identity(self, address: ProtocolAddress, identity: bytes | None) -> None:
        with self._lock:
            self._store.put_identity(address, identity)

    def get_prekey(self, key_id: int) -> PreKeyRecord | None:
        with self._lock:
            return self._store.get_prekey(key_id)

    def put_prekeys(self, records: Iterable[PreKeyRecord]) -> None:
        with self._lock:
            self._store.put_prekeys(records)

    def remove_prekey(self, key_id: int) -> None:
        with self._lock:
            self._store.remove_prekey(key_id)

    def next_prekey_id(self) -> int:
        with self._lock:
            return self._store.next_prekey_id()

    def prekey_count(self) -> int:
        with self._lock:
            return self._store.prekey_count()

    def get_signed_prekey(self, key_id: int) -> SignedPreKeyRecord | None:
        with self._lock:
            return self._store.get_signed_prekey(key_id)

    def current_signed_prekey(self) -> SignedPreKeyRecord | None:
        with self._lock:
            return self._store.current_signed_prekey()

    def put_signed_prekey(self, record: SignedPreKeyRecord) -> None:
        with self._lock:
            self._store.put_signed_prekey(record)

    def get_sender_key(self, name: SenderKeyName) -> SenderKeyRecord | None:
        with self._lock:
            return self._store.get_sender_key(name)

    def put_sender_key(self, name: SenderKeyName, record: SenderKeyRecord | None) -> None:
        with self._lock:
            self._store.put_sender_key(name, record)

    def apply(self, changes: SignalChanges) -> None:
        with self._lock:
            self._store.apply(changes)

    def get_inbox(self, key: str) -> bytes | None:
        with self._lock:
            return self._inbox.get(key)

    def commit(
        self, changes: SignalChanges, inbox: Mapping[str, bytes], handled: Iterable[str]
    ) -> None:
        with self._lock:
            self._store.apply(changes)
            self._inbox.update(inbox)
            for key in handled:
                self._inbox.pop(key, None)

    @property
    def inbox_size(self) -> int:
        """How many plaintexts are kept (for tests)."""
        with self._lock:
            return len(self._inbox)


_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS signal_sessions (address TEXT PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signal_identities (address TEXT PRIMARY KEY, identity BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signal_prekeys (id INTEGER PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signal_signed_prekeys (
    id INTEGER PRIMARY KEY, record BLOB NOT NULL, current INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS signal_sender_keys (name TEXT PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS signal_counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS signal_inbox (key TEXT PRIMARY KEY, plaintext BLOB NOT NULL)
"""
SIGNAL_TABLES: Final = tuple(SIGNAL_COLUMNS)
"""Every table of the Signal state (what a logout empties)."""


@final
class SqliteSignalState(_CommitWrites):
    """A `SignalState` in the device's SQLite file, beside the device row (write-ahead log,
    one transaction per `commit`; on the `SqliteStore`'s connection when the store opens it,
    on one of its own otherwise). Thread-safe.

    The identity and the first signed prekey come from the device state (`DeviceState`): they
    are the keys the device paired with; rotated signed prekeys are stored here.
    """

    def __init__(
        self,
        path: str | Path,
        identity: LocalIdentity,
        signed_prekey: SignedPreKeyRecord,
        *,
        shared: tuple[sqlite3.Connection, threading.RLock] | None = None,
    ) -> None:
        """Open the Signal state in the SQLite file at `path`: on a connection of its own, or
        on the `shared` connection of the device's store with the lock that guards it (so
        that an account holds one SQLite connection, not two: see `SqliteStore`)."""
        self.path = Path(path)
        self._identity = identity
        self._first_signed = signed_prekey
        self._owns_connection = shared is None
        try:
            if shared is None:
                self._lock = threading.RLock()
                self._db = sqlite3.connect(
                    self.path, check_same_thread=False, isolation_level=None, timeout=30
                )
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
            else:
                self._db, self._lock = shared
            with self._lock:
                self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{self.path}: cannot keep the Signal state ({err})") from err

    def close(self) -> None:
        """Close its connection (a shared one is the store's to close)."""
        if self._owns_connection:
            with self._lock:
                self._db.close()

    def _one(self, sql: str, *args: object) -> tuple[Any, ...] | None:
        with self._lock:
            try:
                row: tuple[Any, ...] | None = self._db.execute(sql, args).fetchone()
            except sqlite3.DatabaseError as err:
                raise StoreError(f"cannot read {self.path}: {err}") from err
        return row

    # Reads ------------------------------------------------------------------------------

    def local_identity(self) -> LocalIdentity:
        return self._identity

    def get_session(self, address: ProtocolAddress) -> SessionRecord | None:
        row = self._one("SELECT record FROM signal_sessions WHERE address = ?", str(address))
        return None if row is None else SessionRecord.from_bytes(bytes(row[0]))

    def get_identity(self, address: ProtocolAddress) -> bytes | None:
        row = self._one("SELECT identity FROM signal_identities WHERE address = ?", str(address))
        return None if row is None else bytes(row[0])

    def get_prekey(self, key_id: int) -> PreKeyRecord | None:
        row = self._one("SELECT record FROM signal_prekeys WHERE id = ?", key_id)
        return None if row is None else PreKeyRecord.from_bytes(bytes(row[0]))

    def next_prekey_id(self) -> int:
        row = self._one("SELECT value FROM signal_counters WHERE key = 'next_prekey_id'")
        return 1 if row is None else int(row[0])

    def prekey_count(self) -> int:
        row = self._one("SELECT count(*) FROM signal_prekeys")
        return 0 if row is None else int(row[0])

    def get_signed_prekey(self, key_id: int) -> SignedPreKeyRecord | None:
        row = self._one("SELECT record FROM signal_signed_prekeys WHERE id = ?", key_id)
        if row is not None:
            return SignedPreKeyRecord.from_bytes(bytes(row[0]))
        return self._first_signed if key_id == self._first_signed.key_id else None

    def current_signed_prekey(self) -> SignedPreKeyRecord | None:
        row = self._one("SELECT record FROM signal_signed_prekeys WHERE current = 1")
        if row is not None:
            return SignedPreKeyRecord.from_bytes(bytes(row[0]))
        return self._first_signed

    def get_sender_key(self, name: SenderKeyName) -> SenderKeyRecord | None:
        row = self._one("SELECT record FROM signal_sender_keys WHERE name = ?", str(name))
        return None if row is None else SenderKeyRecord.from_bytes(bytes(row[0]))

    def get_inbox(self, key: str) -> bytes | None:
        row = self._one("SELECT plaintext FROM signal_inbox WHERE key = ?", key)
        return None if row is None else bytes(row[0])

    # Writes: single changes go through `commit` (`_CommitWrites`) -------------------

    def commit(
        self, changes: SignalChanges, inbox: Mapping[str, bytes], handled: Iterable[str]
    ) -> None:
        db = self._db
        with self._lock:
            try:
                db.execute("BEGIN IMMEDIATE")
                try:
                    self._write(db, changes, inbox, handled)
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            except sqlite3.DatabaseError as err:
                raise StoreError(f"cannot write {self.path}: {err}") from err

    @staticmethod
    def _write(
        db: sqlite3.Connection,
        changes: SignalChanges,
        inbox: Mapping[str, bytes],
        handled: Iterable[str],
    ) -> None:
        for address, record in changes.sessions.items():
            if record is None:
                db.execute("DELETE FROM signal_sessions WHERE address = ?", (str(address),))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO signal_sessions VALUES (?, ?)",
                    (str(address), record.to_bytes()),
                )
        for address, identity in changes.identities.items():
            if identity is None:
                db.execute("DELETE FROM signal_identities WHERE address = ?", (str(address),))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO signal_identities VALUES (?, ?)",
                    (str(address), identity),
                )
        db.executemany(
            "INSERT OR REPLACE INTO signal_prekeys VALUES (?, ?)",
            [(r.key_id, r.to_bytes()) for r in changes.added_prekeys],
        )
        db.executemany(
            "DELETE FROM signal_prekeys WHERE id = ?", [(k,) for k in changes.removed_prekeys]
        )
        if changes.next_prekey_id is not None:
            db.execute(
                "INSERT OR REPLACE INTO signal_counters VALUES ('next_prekey_id', ?)",
                (changes.next_prekey_id,),
            )
        if changes.signed_prekey is not None:
            db.execute("UPDATE signal_signed_prekeys SET current = 0")
            db.execute(
                "INSERT OR REPLACE INTO signal_signed_prekeys VALUES (?, ?, 1)",
                (changes.signed_prekey.key_id, changes.signed_prekey.to_bytes()),
            )
        for name, sender_key in changes.sender_keys.items():
            if sender_key is None:
                db.execute("DELETE FROM signal_sender_keys WHERE name = ?", (str(name),))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO signal_sender_keys VALUES (?, ?)",
                    (str(name), sender_key.to_bytes()),
                )
        db.executemany("INSERT OR REPLACE INTO signal_inbox VALUES (?, ?)", list(inbox.items()))
        db.executemany("DELETE FROM signal_inbox WHERE key = ?", [(k,) for k in handled])

    def clear(self) -> None:
        """Forget all of it (after a logout)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            for table in SIGNAL_TABLES:
                self._db.execute(f"DELETE FROM {table}")  # noqa: S608 - names from SIGNAL_TABLES
            self._db.execute("COMMIT")
