"""Where Signal state lives (`SignalStore`), and the cipher that reads it (`SignalCipher`).

Theory of operation
-------------------

Everything the Signal layer remembers is a plain value with a stable byte form: our
`LocalIdentity`, `PreKeyRecord`s, `SignedPreKeyRecord`s, one `SessionRecord` per peer device
(`ProtocolAddress`), the identity key last seen from each device, and one `SenderKeyRecord` per
(group, sending device) (`SenderKeyName`). A `SignalStore` keeps them behind sync, blocking
methods; a SQLite or PostgreSQL store keeps the ``to_bytes()`` forms in BLOB / BYTEA columns.

`SignalCipher` runs one step (encrypt, decrypt, start a session, take in a sender key) by
reading what it needs from the store, computing the new values with the pure functions of
``_signal_session`` and ``_signal_group``, and describing every write as one `SignalChanges`:
sessions, identities, prekeys removed, sender keys. It then hands that to `SignalStore.apply`,
which must apply all of it atomically (one transaction), or, with ``auto_apply=False``, leaves
that to the driver, which can then commit it in the same transaction as anything else of the
same stanza, and must do so before it acknowledges the stanza and before the next step on the
same address. Either nothing was stored and the server redelivers (the ratchet is where it
was, so the message decrypts again), or everything was.

Several processes sharing one store must not run two steps on the same address (or the same
sender-key name) at once: a PostgreSQL store takes a row lock (``SELECT ... FOR UPDATE``) on
the session row before the step reads it, SQLite serialises writers anyway. Concurrent steps on
different addresses are independent.

Identity keys follow WhatsApp's clients by default (`IdentityTrust.TOFU`): the first key seen
from a device is stored; a different one later (a pkmsg or a bundle from a reinstalled phone)
replaces it, drops the sessions made with the old one, and is reported as an `IdentityChanged`
(which `IdentityChanged.event` turns into a `wabus.core.events.IdentityChange`).
`IdentityTrust.STRICT` raises `UntrustedIdentity` instead and changes nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Literal, Protocol, TypeVar, final

from wabus.core import Jid
from wabus.core.events import IdentityChange
from wabus.protocol._errors import (
    InvalidMessage,
    NoSession,
    UntrustedIdentity,
)
from wabus.protocol._keys import KeyPair
from wabus.protocol._signal_address import ProtocolAddress, SenderKeyName
from wabus.protocol._signal_group import (
    SenderKeyRecord,
    create_sender_key,
    group_decrypt,
    group_encrypt,
    process_sender_key_distribution,
)
from wabus.protocol._signal_keys import (
    MAX_PREKEY_ID,
    LocalIdentity,
    PreKeyBundle,
    PreKeyRecord,
    SignedPreKeyRecord,
    generate_prekeys,
    number_prekeys,
)
from wabus.protocol._signal_session import (
    SessionRecord,
    decrypt_message,
    decrypt_prekey_message,
    encrypt_message,
    initiate_session,
)
from wabus.protocol._signal_wire import (
    PreKeySignalMessage,
    SenderKeyDistributionMessage,
    SenderKeyMessage,
    SignalMessage,
)

__all__ = [
    "Decrypted",
    "Encrypted",
    "IdentityChanged",
    "IdentityTrust",
    "MemorySignalStore",
    "SessionStarted",
    "SignalChanges",
    "SignalCipher",
    "SignalStore",
]

_K = TypeVar("_K")
_V = TypeVar("_V")


def _frozen(mapping: Mapping[_K, _V]) -> Mapping[_K, _V]:
    return MappingProxyType(dict(mapping))


@final
@dataclass(frozen=True, slots=True)
class SignalChanges:
    """A set of writes to a `SignalStore`, applied all at once by `SignalStore.apply`.

    A None value deletes. Combine two with ``a | b`` (b's values win).
    """

    sessions: Mapping[ProtocolAddress, SessionRecord | None] = field(default_factory=dict)
    """Session records to store (or delete), by address."""
    identities: Mapping[ProtocolAddress, bytes | None] = field(default_factory=dict)
    """Peer identity keys (32 bytes) to store (or delete), by address."""
    removed_prekeys: frozenset[int] = frozenset()
    """Ids of one-time prekeys to delete (used up)."""
    added_prekeys: tuple[PreKeyRecord, ...] = ()
    """One-time prekeys to add."""
    next_prekey_id: int | None = None
    """The next prekey id to hand out, when prekeys were generated."""
    signed_prekey: SignedPreKeyRecord | None = None
    """A signed prekey to store and make current."""
    sender_keys: Mapping[SenderKeyName, SenderKeyRecord | None] = field(default_factory=dict)
    """Sender-key records to store (or delete), by name."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sessions", _frozen(self.sessions))
        object.__setattr__(self, "identities", _frozen(self.identities))
        object.__setattr__(self, "sender_keys", _frozen(self.sender_keys))

    def __bool__(self) -> bool:
        return bool(
            self.sessions
            or self.identities
            or self.removed_prekeys
            or self.added_prekeys
            or self.next_prekey_id is not None
            or self.signed_prekey is not None
            or self.sender_keys
        )

    def __or__(self, other: SignalChanges) -> SignalChanges:
        added = {record.key_id: record for record in self.added_prekeys}
        added.update((record.key_id, record) for record in other.added_prekeys)
        return SignalChanges(
            sessions={**self.sessions, **other.sessions},
            identities={**self.identities, **other.identities},
            removed_prekeys=(self.removed_prekeys | other.removed_prekeys)
            - {r.key_id for r in other.added_prekeys},
            added_prekeys=tuple(r for k, r in added.items() if k not in other.removed_prekeys),
            next_prekey_id=other.next_prekey_id
            if other.next_prekey_id is not None
            else self.next_prekey_id,
            signed_prekey=other.signed_prekey or self.signed_prekey,
            sender_keys={**self.sender_keys, **other.sender_keys},
        )

    __hash__ = None  # type: ignore[assignment]


class SignalStore(Protocol):
    """Signal state behind sync, blocking methods (see the module doc for the contract).

    Reads return None for what is not there. `apply` must apply a whole `SignalChanges` or
    nothing (one transaction); the single-item ``put_*`` methods are for setting a store up.
    """

    def local_identity(self) -> LocalIdentity:
        """Our identity key pair and registration id."""

    def get_session(self, address: ProtocolAddress) -> SessionRecord | None:
        """The session record with a peer device."""

    def put_session(self, address: ProtocolAddress, record: SessionRecord | None) -> None:
        """Store (or, with None, delete) a session record."""

    def get_identity(self, address: ProtocolAddress) -> bytes | None:
        """The identity key last accepted from a peer device (32 bytes)."""

    def put_identity(self, address: ProtocolAddress, identity: bytes | None) -> None:
        """Store (or, with None, delete) a peer device's identity key."""

    def get_prekey(self, key_id: int) -> PreKeyRecord | None:
        """One of our one-time prekeys."""

    def put_prekeys(self, records: Iterable[PreKeyRecord]) -> None:
        """Add one-time prekeys."""

    def remove_prekey(self, key_id: int) -> None:
        """Delete a one-time prekey (no error if it is not there)."""

    def next_prekey_id(self) -> int:
        """The id the next generated prekey gets (1 on a new store)."""

    def prekey_count(self) -> int:
        """How many one-time prekeys are left."""

    def get_signed_prekey(self, key_id: int) -> SignedPreKeyRecord | None:
        """One of our signed prekeys (old ones are kept for pkmsgs still in flight)."""

    def current_signed_prekey(self) -> SignedPreKeyRecord | None:
        """The signed prekey we publish now."""

    def put_signed_prekey(self, record: SignedPreKeyRecord) -> None:
        """Store a signed prekey and make it the current one."""

    def get_sender_key(self, name: SenderKeyName) -> SenderKeyRecord | None:
        """The sender-key record of one (group, sending device)."""

    def put_sender_key(self, name: SenderKeyName, record: SenderKeyRecord | None) -> None:
        """Store (or, with None, delete) a sender-key record."""

    def apply(self, changes: SignalChanges) -> None:
        """Apply every change atomically: all of them, or none (then raise)."""


@final
class MemorySignalStore:
    """A `SignalStore` in memory, for tests and throwaway bots.

    Not thread-safe: use it from one thread (or serialise the calls). `apply` builds the new
    tables first and swaps them in, so it is all-or-nothing.
    """

    def __init__(
        self,
        identity: LocalIdentity | None = None,
        signed_prekey: SignedPreKeyRecord | None = None,
    ) -> None:
        self._identity = identity or LocalIdentity.generate()
        self._sessions: dict[ProtocolAddress, SessionRecord] = {}
        self._identities: dict[ProtocolAddress, bytes] = {}
        self._prekeys: dict[int, PreKeyRecord] = {}
        self._next_prekey_id = 1
        self._signed: dict[int, SignedPreKeyRecord] = {}
        self._current_signed: int | None = None
        self._sender_keys: dict[SenderKeyName, SenderKeyRecord] = {}
        if signed_prekey is None:
            signed_prekey = SignedPreKeyRecord.generate(self._identity.identity, 1)
        self.put_signed_prekey(signed_prekey)

    def local_identity(self) -> LocalIdentity:
        """Our identity key pair and registration id."""
        return self._identity

    def get_session(self, address: ProtocolAddress) -> SessionRecord | None:
        """The session record with a peer device."""
        return self._sessions.get(address)

    def put_session(self, address: ProtocolAddress, record: SessionRecord | None) -> None:
        """Store (or delete) a session record."""
        self.apply(SignalChanges(sessions={address: record}))

    def get_identity(self, address: ProtocolAddress) -> bytes | None:
        """The identity key last accepted from a peer device."""
        return self._identities.get(address)

    def put_identity(self, address: ProtocolAddress, identity: bytes | None) -> None:
        """Store (or delete) a peer device's identity key."""
        self.apply(SignalChanges(identities={address: identity}))

    def get_prekey(self, key_id: int) -> PreKeyRecord | None:
        """One of our one-time prekeys."""
        return self._prekeys.get(key_id)

    def put_prekeys(self, records: Iterable[PreKeyRecord]) -> None:
        """Add one-time prekeys."""
        self.apply(SignalChanges(added_prekeys=tuple(records)))

    def remove_prekey(self, key_id: int) -> None:
        """Delete a one-time prekey."""
        self.apply(SignalChanges(removed_prekeys=frozenset({key_id})))

    def next_prekey_id(self) -> int:
        """The id the next generated prekey gets."""
        return self._next_prekey_id

    def prekey_count(self) -> int:
        """How many one-time prekeys are left."""
        return len(self._prekeys)

    def get_signed_prekey(self, key_id: int) -> SignedPreKeyRecord | None:
        """One of our signed prekeys."""
        return self._signed.get(key_id)

    def current_signed_prekey(self) -> SignedPreKeyRecord | None:
        """The signed prekey we publish now."""
        return None if self._current_signed is None else self._signed[self._current_signed]

    def put_signed_prekey(self, record: SignedPreKeyRecord) -> None:
        """Store a signed prekey and make it current."""
        self.apply(SignalChanges(signed_prekey=record))

    def get_sender_key(self, name: SenderKeyName) -> SenderKeyRecord | None:
        """A sender-key record."""
        return self._sender_keys.get(name)

    def put_sender_key(self, name: SenderKeyName, record: SenderKeyRecord | None) -> None:
        """Store (or delete) a sender-key record."""
        self.apply(SignalChanges(sender_keys={name: record}))

    def apply(self, changes: SignalChanges) -> None:
        """Apply every change at once."""
        sessions = _merged(self._sessions, changes.sessions)
        identities = _merged(self._identities, changes.identities)
        sender_keys = _merged(self._sender_keys, changes.sender_keys)
        prekeys = dict(self._prekeys)
        for key_id in changes.removed_prekeys:
            prekeys.pop(key_id, None)
        prekeys.update((record.key_id, record) for record in changes.added_prekeys)
        signed = dict(self._signed)
        current = self._current_signed
        if changes.signed_prekey is not None:
            signed[changes.signed_prekey.key_id] = changes.signed_prekey
            current = changes.signed_prekey.key_id
        self._sessions, self._identities, self._sender_keys = sessions, identities, sender_keys
        self._prekeys, self._signed, self._current_signed = prekeys, signed, current
        if changes.next_prekey_id is not None:
            self._next_prekey_id = changes.next_prekey_id


def _merged(table: dict[_K, _V], changes: Mapping[_K, _V | None]) -> dict[_K, _V]:
    merged = dict(table)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


# The cipher -------------------------------------------------------------------------------


class IdentityTrust(enum.Enum):
    """What a changed identity key of a peer device does."""

    TOFU = "tofu"
    """Accept it, drop the old sessions, report an `IdentityChanged` (WhatsApp's behaviour)."""
    STRICT = "strict"
    """Refuse it with `UntrustedIdentity` and change nothing."""


@final
@dataclass(frozen=True, slots=True)
class IdentityChanged:
    """A peer device presented an identity key other than the one we had."""

    address: ProtocolAddress
    """The device."""
    previous: bytes
    """The identity key we had (32 bytes)."""
    current: bytes
    """The identity key it has now (32 bytes)."""

    def event(
        self, *, lid_user: Jid | None = None, timestamp: datetime | None = None
    ) -> IdentityChange:
        """The `wabus.core.events.IdentityChange` event for this change."""
        return IdentityChange(user=self.address.user, lid_user=lid_user, timestamp=timestamp)


@final
@dataclass(frozen=True, slots=True)
class Decrypted:
    """The outcome of a decryption: the plaintext and what to store before acknowledging."""

    plaintext: bytes
    """The decrypted bytes (still padded, for WhatsApp's ``<enc v="2">``)."""
    changes: SignalChanges
    """Every write the step needs (already applied unless ``auto_apply=False``)."""
    consumed_prekey: int | None = None
    """The one-time prekey a pkmsg used (deleted by `changes`): time to count prekeys."""
    identity_change: IdentityChanged | None = None
    """Set when the sender's identity key changed (trust mode TOFU)."""


@final
@dataclass(frozen=True, slots=True)
class Encrypted:
    """The outcome of an encryption: the ``<enc type>``, the bytes and what to store."""

    kind: Literal["pkmsg", "msg", "skmsg"]
    """The ``type`` attribute of the ``<enc>`` node."""
    body: bytes
    """The ciphertext (the ``<enc>`` node's content)."""
    changes: SignalChanges
    """Every write the step needs (already applied unless ``auto_apply=False``)."""


@final
@dataclass(frozen=True, slots=True)
class SessionStarted:
    """The outcome of starting a session from a bundle."""

    changes: SignalChanges
    """The new session record and identity (already applied unless ``auto_apply=False``)."""
    identity_change: IdentityChanged | None = None
    """Set when the bundle's identity key is not the one we had (trust mode TOFU)."""


@final
class SignalCipher:
    """Encrypts and decrypts WhatsApp's ``pkmsg`` / ``msg`` / ``skmsg`` with a `SignalStore`.

    Each method reads the store, computes, and returns the writes it needs as `changes`. With
    ``auto_apply=True`` (the default) it also applies them (``store.apply``) before returning;
    with False the caller must apply them, in one transaction, before it acknowledges the
    stanza and before the next step on the same address. Not thread-safe for one address: the
    driver serialises steps per address (see the module doc).
    """

    __slots__ = ("_auto", "_store", "_trust")

    def __init__(
        self,
        store: SignalStore,
        *,
        trust: IdentityTrust = IdentityTrust.TOFU,
        auto_apply: bool = True,
    ) -> None:
        self._store = store
        self._trust = trust
        self._auto = auto_apply

    @property
    def store(self) -> SignalStore:
        """The store the cipher reads (and writes, with ``auto_apply``)."""
        return self._store

    def _done(self, changes: SignalChanges) -> SignalChanges:
        if self._auto and changes:
            self._store.apply(changes)
        return changes

    def _check_identity(
        self, address: ProtocolAddress, identity: bytes
    ) -> tuple[IdentityChanged | None, bool]:
        """(the change, whether it is the first key we see) for `identity`; raises if strict."""
        known = self._store.get_identity(address)
        if known is None:
            return None, True
        if known == identity:
            return None, False
        if self._trust is IdentityTrust.STRICT:
            raise UntrustedIdentity(address, known, identity)
        return IdentityChanged(address, known, identity), False

    def start_session(self, address: ProtocolAddress, bundle: PreKeyBundle) -> SessionStarted:
        """Start a session with a device from its fetched bundle (signature checked)."""
        change, first = self._check_identity(address, bundle.identity_key)
        record = None if change is not None else self._store.get_session(address)
        new = initiate_session(record, bundle, self._store.local_identity())
        identities = {address: bundle.identity_key} if first or change else {}
        changes = SignalChanges(sessions={address: new}, identities=identities)
        return SessionStarted(self._done(changes), change)

    def has_session(self, address: ProtocolAddress) -> bool:
        """Whether there is an open session to encrypt to `address` with."""
        record = self._store.get_session(address)
        return record is not None and record.has_open_session

    def encrypt(self, address: ProtocolAddress, plaintext: bytes) -> Encrypted:
        """Encrypt for one device (`NoSession` if there is none: fetch a bundle first)."""
        record = self._store.get_session(address)
        if record is None or record.current is None:
            raise NoSession(address)
        local = self._store.local_identity()
        if self._trust is IdentityTrust.STRICT:
            self._check_identity(address, record.current.remote_identity)
        try:
            message, new = encrypt_message(record, plaintext, local)
        except NoSession as err:
            raise NoSession(address, err.reason) from None
        changes = self._done(SignalChanges(sessions={address: new}))
        return Encrypted(message.kind, message.body, changes)

    def decrypt(
        self, address: ProtocolAddress, kind: Literal["pkmsg", "msg"], body: bytes
    ) -> Decrypted:
        """Decrypt a 1:1 message of ``<enc type=kind>`` from one device.

        Raises the `SignalError`s of the session layer (`NoSession`, `InvalidMessage`,
        `DuplicateMessage`, `InvalidPreKeyId`, `UntrustedIdentity`, ...); the store is then
        untouched.
        """
        local = self._store.local_identity()
        if kind == "msg":
            record = self._store.get_session(address)
            if record is None or not record.states:
                raise NoSession(address)
            plaintext, new = decrypt_message(record, SignalMessage.parse(body), local)
            if self._trust is IdentityTrust.STRICT and new.current is not None:
                self._check_identity(address, new.current.remote_identity)
            return Decrypted(plaintext, self._done(SignalChanges(sessions={address: new})))
        if kind != "pkmsg":
            raise InvalidMessage(f"an <enc> of type {kind!r} is not a 1:1 message")
        message = PreKeySignalMessage.parse(body)
        change, first = self._check_identity(address, message.identity_key)
        record = None if change is not None else self._store.get_session(address)
        prekey = None if message.prekey_id is None else self._store.get_prekey(message.prekey_id)
        signed = self._store.get_signed_prekey(message.signed_prekey_id)
        plaintext, new, consumed = decrypt_prekey_message(record, message, local, signed, prekey)
        changes = SignalChanges(
            sessions={address: new},
            identities={address: message.identity_key} if first or change else {},
            removed_prekeys=frozenset() if consumed is None else frozenset({consumed}),
        )
        return Decrypted(plaintext, self._done(changes), consumed, change)

    # Groups -------------------------------------------------------------------------------

    def group_key(self, name: SenderKeyName) -> tuple[bytes, SignalChanges]:
        """Our sender key's distribution message for a group (made on first use).

        `name` is the group and our own device. Returns (the ``axolotlSenderKeyDistribution
        Message`` bytes, the changes).
        """
        message, record = create_sender_key(self._store.get_sender_key(name))
        changes = SignalChanges(sender_keys={name: record})
        if record == self._store.get_sender_key(name):
            changes = SignalChanges()
        return message.serialized, self._done(changes)

    def process_group_key(self, name: SenderKeyName, distribution: bytes) -> SignalChanges:
        """Take in a member's sender key (`name` is the group and the member's device)."""
        message = SenderKeyDistributionMessage.parse(distribution)
        record = process_sender_key_distribution(self._store.get_sender_key(name), message)
        return self._done(SignalChanges(sender_keys={name: record}))

    def group_encrypt(self, name: SenderKeyName, plaintext: bytes) -> Encrypted:
        """Encrypt a group message with our sender key (`NoSenderKey` before `group_key`)."""
        message, record = group_encrypt(self._store.get_sender_key(name), plaintext, name)
        changes = self._done(SignalChanges(sender_keys={name: record}))
        return Encrypted("skmsg", message.serialized, changes)

    def group_decrypt(self, name: SenderKeyName, body: bytes) -> Decrypted:
        """Decrypt a member's ``skmsg`` (`name` is the group and the sending device)."""
        message = SenderKeyMessage.parse(body)
        plaintext, record = group_decrypt(self._store.get_sender_key(name), message, name)
        return Decrypted(plaintext, self._done(SignalChanges(sender_keys={name: record})))

    # Prekeys ------------------------------------------------------------------------------

    def rotate_signed_prekey(self, now: int) -> tuple[SignedPreKeyRecord, SignalChanges]:
        """A new signed prekey made at `now` (Unix seconds), with the next id, and the
        changes that store it as the current one (older ones are kept: pkmsgs built on them
        may still be on their way)."""
        current = self._store.current_signed_prekey()
        key_id = (current.key_id % MAX_PREKEY_ID) + 1 if current is not None else 1
        record = SignedPreKeyRecord.generate(
            self._store.local_identity().identity, key_id, created=now
        )
        return record, self._done(SignalChanges(signed_prekey=record))

    def new_prekeys(
        self, count: int, *, key_pairs: Sequence[KeyPair] | None = None
    ) -> tuple[tuple[PreKeyRecord, ...], SignalChanges]:
        """`count` fresh one-time prekeys (to upload) and the changes that store them.

        With `key_pairs` (at least `count` of them, made ahead of time: in a worker thread, so
        that the generation does not hold an event loop up) the prekeys are those pairs; their
        ids are taken here, so two callers never get the same ones."""
        start = self._store.next_prekey_id()
        if key_pairs is None:
            records = generate_prekeys(start, count)
        else:
            if len(key_pairs) < count:
                raise ValueError(f"{count} prekeys wanted, {len(key_pairs)} key pairs given")
            records = number_prekeys(start, key_pairs[:count])
        following = (records[-1].key_id % MAX_PREKEY_ID) + 1 if records else start
        changes = SignalChanges(added_prekeys=records, next_prekey_id=following)
        return records, self._done(changes)
