"""Signal key material as plain values: our identity, prekeys, signed prekeys, a peer's bundle.

Each record is a frozen value with ``to_bytes()`` and ``from_bytes()``: a versioned protobuf of
wabus's own (``wabus/proto/signal.proto``), stable across releases, so a store can keep it in
a BLOB / BYTEA column. ``from_bytes`` raises `InvalidRecord` for anything it cannot read.

Ids: prekey and signed-prekey ids are 24 bits on the wire (3 bytes, big endian), from 1 to
0xFFFFFF; `generate_prekeys` wraps around to 1 after the last. Registration ids are 14 bits,
1..16383, as Baileys makes them (WhatsApp carries them in 4 bytes).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeVar, final

from google.protobuf.message import DecodeError

from wabus.proto import signal_pb2
from wabus.protocol._errors import InvalidRecord, InvalidSignature
from wabus.protocol._keys import KEY_SIZE, SIGNATURE_SIZE, KeyPair, xeddsa_verify
from wabus.protocol._signal_wire import djb

if TYPE_CHECKING:
    from wabus.protocol._pairing import DeviceKeys

__all__ = [
    "MAX_PREKEY_ID",
    "RECORD_VERSION",
    "LocalIdentity",
    "PreKeyBundle",
    "PreKeyRecord",
    "SignedPreKeyRecord",
    "generate_key_pairs",
    "generate_prekeys",
    "number_prekeys",
]

RECORD_VERSION: Final = 1
"""The version written into every stored Signal record (readers refuse others)."""
MAX_PREKEY_ID: Final = 0xFFFFFF
"""The largest prekey id (ids are 3 bytes on the wire)."""
_R = TypeVar(
    "_R",
    signal_pb2.LocalIdentityStructure,
    signal_pb2.PreKeyRecordStructure,
    signal_pb2.SignedPreKeyRecordStructure,
    signal_pb2.SessionRecordStructure,
    signal_pb2.SenderKeyRecordStructure,
)


def key_pair_to_proto(pair: KeyPair) -> signal_pb2.SignalKeyPairStructure:
    """The storage form of a key pair (the seed too, when it has one)."""
    proto = signal_pb2.SignalKeyPairStructure(publicKey=pair.public, privateKey=pair.private)
    if pair.seed is not None:
        proto.seed = pair.seed
    return proto


def key_pair_from_proto(proto: signal_pb2.SignalKeyPairStructure, kind: str) -> KeyPair:
    """A key pair back from storage; `InvalidRecord` if it is incomplete or inconsistent."""
    if proto.HasField("seed"):
        if len(proto.seed) != KEY_SIZE:
            raise InvalidRecord(kind, "a key pair's seed is not 32 bytes")
        pair = KeyPair(seed=proto.seed)
    elif len(proto.privateKey) == KEY_SIZE:
        pair = KeyPair(private=proto.privateKey)
    else:
        raise InvalidRecord(kind, "a key pair's private key is not 32 bytes")
    if proto.HasField("publicKey") and proto.publicKey != pair.public:
        raise InvalidRecord(kind, "a key pair's public key does not match its private key")
    return pair


def parse_record(kind: type[_R], data: bytes, name: str) -> _R:
    """Parse a stored record's protobuf and check its version."""
    try:
        proto = kind.FromString(data)
    except (DecodeError, ValueError, RuntimeError, TypeError) as err:
        raise InvalidRecord(name, f"does not parse ({err})") from None
    version = proto.version if proto.HasField("version") else None
    if version != RECORD_VERSION:
        raise InvalidRecord(name, f"version {version} (this wabus reads {RECORD_VERSION})")
    return proto


def _check_id(key_id: int, what: str) -> None:
    if type(key_id) is not int or not 0 <= key_id <= MAX_PREKEY_ID:
        raise ValueError(f"a {what} id is an int in 0..{MAX_PREKEY_ID}, got {key_id!r}")


def _check_stored_id(key_id: int, kind: str) -> None:
    if key_id > MAX_PREKEY_ID:
        raise InvalidRecord(kind, f"id {key_id} is above {MAX_PREKEY_ID}")


@final
@dataclass(frozen=True, slots=True)
class LocalIdentity:
    """Our own identity: the identity key pair and registration id of this device."""

    identity: KeyPair
    """The identity key pair (signs our signed prekeys; its public key is in every pkmsg)."""
    registration_id: int
    """Our registration id (sent in every pkmsg)."""

    @classmethod
    def generate(cls) -> LocalIdentity:
        """A new identity (a seed-born key pair and a random 14-bit registration id)."""
        registration_id = int.from_bytes(os.urandom(2), "big") & 0x3FFF
        return cls(KeyPair.generate(), registration_id or 1)

    @classmethod
    def from_device_keys(cls, keys: DeviceKeys) -> LocalIdentity:
        """The identity a paired device already has (`wabus.protocol.DeviceKeys`)."""
        return cls(keys.identity, keys.registration_id)

    def to_bytes(self) -> bytes:
        """The stable storage form."""
        return signal_pb2.LocalIdentityStructure(
            version=RECORD_VERSION,
            identity=key_pair_to_proto(self.identity),
            registrationId=self.registration_id,
        ).SerializeToString()

    @classmethod
    def from_bytes(cls, data: bytes) -> LocalIdentity:
        """Read `to_bytes` back; `InvalidRecord` if it cannot."""
        proto = parse_record(signal_pb2.LocalIdentityStructure, data, "local identity")
        return cls(key_pair_from_proto(proto.identity, "local identity"), proto.registrationId)


@final
@dataclass(frozen=True, slots=True)
class PreKeyRecord:
    """One of our one-time prekeys."""

    key_id: int
    """Its id (1..0xFFFFFF)."""
    key_pair: KeyPair
    """The key pair."""

    def __post_init__(self) -> None:
        _check_id(self.key_id, "prekey")

    def to_bytes(self) -> bytes:
        """The stable storage form."""
        return signal_pb2.PreKeyRecordStructure(
            version=RECORD_VERSION, id=self.key_id, keyPair=key_pair_to_proto(self.key_pair)
        ).SerializeToString()

    @classmethod
    def from_bytes(cls, data: bytes) -> PreKeyRecord:
        """Read `to_bytes` back; `InvalidRecord` if it cannot."""
        proto = parse_record(signal_pb2.PreKeyRecordStructure, data, "prekey")
        _check_stored_id(proto.id, "prekey")
        return cls(proto.id, key_pair_from_proto(proto.keyPair, "prekey"))


def generate_prekeys(start: int, count: int) -> tuple[PreKeyRecord, ...]:
    """`count` fresh one-time prekeys with ids from `start`, wrapping from 0xFFFFFF to 1."""
    return number_prekeys(start, generate_key_pairs(count))


def generate_key_pairs(count: int) -> tuple[KeyPair, ...]:
    """`count` fresh key pairs for one-time prekeys (no ids yet: see `number_prekeys`)."""
    if count < 0:
        raise ValueError("count must not be negative")
    return tuple(KeyPair(private=os.urandom(KEY_SIZE)) for _ in range(count))


def number_prekeys(start: int, key_pairs: Iterable[KeyPair]) -> tuple[PreKeyRecord, ...]:
    """One-time prekeys of `key_pairs`, with ids from `start`, wrapping from 0xFFFFFF to 1."""
    records = []
    key_id = start if 1 <= start <= MAX_PREKEY_ID else 1
    for pair in key_pairs:
        records.append(PreKeyRecord(key_id, pair))
        key_id = key_id + 1 if key_id < MAX_PREKEY_ID else 1
    return tuple(records)


@final
@dataclass(frozen=True, slots=True)
class SignedPreKeyRecord:
    """Our signed prekey: a key pair and the identity key's signature of 0x05 + its public key."""

    key_id: int
    """Its id (1..0xFFFFFF)."""
    key_pair: KeyPair
    """The key pair."""
    signature: bytes
    """XEdDSA(identity private, 0x05 || public key)."""
    created: int = 0
    """When it was made, in Unix seconds (0 when unknown: one from before this was kept)."""

    def __post_init__(self) -> None:
        _check_id(self.key_id, "signed prekey")

    @classmethod
    def generate(cls, identity: KeyPair, key_id: int, *, created: int = 0) -> SignedPreKeyRecord:
        """A fresh signed prekey, signed by `identity`, made at `created` (Unix seconds)."""
        pair = KeyPair(private=os.urandom(KEY_SIZE))
        return cls(key_id, pair, identity.sign(djb(pair.public)), created)

    @classmethod
    def from_device_keys(cls, keys: DeviceKeys) -> SignedPreKeyRecord:
        """The signed prekey a paired device already has (`wabus.protocol.DeviceKeys`)."""
        return cls(keys.signed_prekey_id, keys.signed_prekey, keys.signed_prekey_signature)

    def to_bytes(self) -> bytes:
        """The stable storage form."""
        return signal_pb2.SignedPreKeyRecordStructure(
            version=RECORD_VERSION,
            id=self.key_id,
            keyPair=key_pair_to_proto(self.key_pair),
            signature=self.signature,
            timestamp=self.created * 1000,
        ).SerializeToString()

    @classmethod
    def from_bytes(cls, data: bytes) -> SignedPreKeyRecord:
        """Read `to_bytes` back; `InvalidRecord` if it cannot."""
        proto = parse_record(signal_pb2.SignedPreKeyRecordStructure, data, "signed prekey")
        _check_stored_id(proto.id, "signed prekey")
        pair = key_pair_from_proto(proto.keyPair, "signed prekey")
        return cls(proto.id, pair, proto.signature, proto.timestamp // 1000)


@final
@dataclass(frozen=True, slots=True)
class PreKeyBundle:
    """A peer device's keys, as a prekey fetch returns them: what starts a session."""

    registration_id: int
    """The device's registration id."""
    identity_key: bytes
    """Its identity public key (32 bytes)."""
    signed_prekey_id: int
    """Its signed prekey's id."""
    signed_prekey: bytes
    """Its signed prekey's public key (32 bytes)."""
    signed_prekey_signature: bytes
    """The identity key's XEdDSA signature of 0x05 + the signed prekey (64 bytes)."""
    prekey_id: int | None = None
    """A one-time prekey's id, when the server had one left."""
    prekey: bytes | None = None
    """That one-time prekey's public key (32 bytes)."""

    def verify(self) -> None:
        """Raise `InvalidSignature` unless the signed prekey's signature verifies.

        (libsignal-node skips this check; wabus never does.)
        """
        for key, what in ((self.identity_key, "identity key"), (self.signed_prekey, "prekey")):
            if len(key) != KEY_SIZE:
                raise InvalidSignature(f"the bundle's {what} is not 32 bytes")
        if (self.prekey is None) != (self.prekey_id is None) or (
            self.prekey is not None and len(self.prekey) != KEY_SIZE
        ):
            raise InvalidSignature("the bundle's one-time prekey is incomplete")
        if len(self.signed_prekey_signature) != SIGNATURE_SIZE or not xeddsa_verify(
            self.identity_key, djb(self.signed_prekey), self.signed_prekey_signature
        ):
            raise InvalidSignature("the bundle's signed prekey signature does not verify")

    @classmethod
    def of(
        cls,
        identity: LocalIdentity,
        signed_prekey: SignedPreKeyRecord,
        prekey: PreKeyRecord | None = None,
    ) -> PreKeyBundle:
        """The bundle a peer would fetch for our own keys (for tests and the simulator)."""
        return cls(
            registration_id=identity.registration_id,
            identity_key=identity.identity.public,
            signed_prekey_id=signed_prekey.key_id,
            signed_prekey=signed_prekey.key_pair.public,
            signed_prekey_signature=signed_prekey.signature,
            prekey_id=None if prekey is None else prekey.key_id,
            prekey=None if prekey is None else prekey.key_pair.public,
        )
