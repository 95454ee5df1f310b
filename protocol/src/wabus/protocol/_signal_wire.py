"""Signal wire messages and primitives: version byte, protobuf, MAC or signature; HKDF, AES.

Theory of operation
-------------------

Four messages travel (field numbers in ``wabus/proto/signal.proto``):

- ``SignalMessage`` (``<enc type="msg">``): ``0x33 || protobuf || MAC``, the MAC being the
  first 8 bytes of HMAC-SHA256 under the message's MAC key of ``sender identity (33) ||
  receiver identity (33) || 0x33 || protobuf``.
- ``PreKeySignalMessage`` (``pkmsg``): ``0x33 || protobuf``, the protobuf carrying a whole
  ``SignalMessage`` in its field 4.
- ``SenderKeyMessage`` (``skmsg``): ``0x33 || protobuf || XEdDSA signature (64)`` by the sender
  key's signing key over ``0x33 || protobuf``.
- ``SenderKeyDistributionMessage``: ``0x33 || protobuf``.

The version byte's high nibble is the message's version and must be 3 (older versions and
version 4, the post-quantum one, are refused); its low nibble, the sender's highest version,
is ignored as libsignal ignores it. Keys inside the protobufs are 33 bytes, 0x05 then the
32-byte Curve25519 key; wabus refuses any other form (libsignal-node accepts a bare 32-byte key
with a warning). Every ``parse`` raises only `InvalidMessage` (or its subclass `InvalidKey`),
whatever the bytes.

Key derivation is HKDF-SHA256 (RFC 5869) with the info strings ``WhisperText`` (X3DH),
``WhisperRatchet`` (root steps), ``WhisperMessageKeys`` (80 bytes: cipher key, MAC key, IV) and
``WhisperGroup`` (48 bytes: IV, cipher key). Ciphers are AES-256-CBC with PKCS#7 padding.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Final, TypeVar, final

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from google.protobuf.message import DecodeError, Message

from wabus.proto import signal_pb2
from wabus.protocol._errors import InvalidKey, InvalidMessage, InvalidSignature
from wabus.protocol._keys import KEY_SIZE, SIGNATURE_SIZE, KeyPair, xeddsa_verify

__all__ = [
    "DJB_TYPE",
    "MAC_SIZE",
    "VERSION_BYTE",
    "PreKeySignalMessage",
    "SenderKeyDistributionMessage",
    "SenderKeyMessage",
    "SignalMessage",
]

VERSION_BYTE: Final = 0x33
"""The version byte in front of every Signal message: (3 << 4) | 3."""
MAC_SIZE: Final = 8
"""Bytes of HMAC-SHA256 kept as a `SignalMessage`'s MAC."""
DJB_TYPE: Final = 0x05
"""The key-type byte in front of a Curve25519 public key inside Signal protobufs."""
_DJB: Final = bytes([DJB_TYPE])
_VERSION: Final = bytes([VERSION_BYTE])
_BLOCK: Final = 16
_M = TypeVar("_M", bound=Message)


# Primitives -------------------------------------------------------------------------------


def hkdf(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA256 (RFC 5869)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256."""
    return hmac.new(key, data, hashlib.sha256).digest()


def aes_cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """AES-256-CBC of `plaintext` with PKCS#7 padding."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def aes_cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """The plaintext of AES-256-CBC with PKCS#7; `InvalidMessage` for bad length or padding."""
    if not ciphertext or len(ciphertext) % _BLOCK:
        raise InvalidMessage(f"a ciphertext of {len(ciphertext)} bytes is not whole AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise InvalidMessage("bad PKCS#7 padding after decryption") from None


def djb(public_key: bytes) -> bytes:
    """The 33-byte protobuf form of a 32-byte Curve25519 public key (0x05 in front)."""
    return _DJB + public_key


def from_djb(data: bytes, what: str) -> bytes:
    """The 32-byte key of a 33-byte 0x05-prefixed one; `InvalidKey` for any other form."""
    if len(data) != KEY_SIZE + 1 or data[0] != DJB_TYPE:
        raise InvalidKey(f"the {what} is not 0x05 + 32 bytes ({len(data)} bytes)")
    return data[1:]


def _check_version(data: bytes, what: str) -> None:
    if not data:
        raise InvalidMessage(f"an empty {what}")
    if data[0] >> 4 != 3:
        raise InvalidMessage(
            f"{what} version {data[0] >> 4} (byte {data[0]:#04x}); only 3 is known"
        )


def _parse_proto(kind: type[_M], data: bytes, what: str) -> _M:
    try:
        return kind.FromString(data)
    except (DecodeError, ValueError, RuntimeError) as err:
        raise InvalidMessage(f"the {what} protobuf does not parse ({err})") from None


def _require(message: Message, fields: tuple[str, ...], what: str) -> None:
    for field in fields:
        if not message.HasField(field):
            raise InvalidMessage(f"the {what} has no {field}")


# SignalMessage ----------------------------------------------------------------------------


@final
@dataclass(frozen=True, slots=True)
class SignalMessage:
    """A parsed or built ``SignalMessage`` (libsignal's WhisperMessage, WhatsApp's ``msg``)."""

    ratchet_key: bytes
    """The sender's current ratchet public key (32 bytes)."""
    counter: int
    """The message's index in the sender's chain."""
    previous_counter: int
    """The index of the last message of the sender's previous chain."""
    ciphertext: bytes
    """The AES-256-CBC ciphertext."""
    serialized: bytes
    """The whole message as sent: version byte, protobuf, MAC."""

    @classmethod
    def parse(cls, data: bytes) -> SignalMessage:
        """Read a serialized message (the MAC is checked later, with the session's keys)."""
        _check_version(data, "SignalMessage")
        if len(data) < 1 + MAC_SIZE + 1:
            raise InvalidMessage(f"a SignalMessage of {len(data)} bytes is truncated")
        proto = _parse_proto(signal_pb2.SignalMessage, data[1:-MAC_SIZE], "SignalMessage")
        _require(proto, ("ratchetKey", "counter", "ciphertext"), "SignalMessage")
        return cls(
            ratchet_key=from_djb(proto.ratchetKey, "ratchet key"),
            counter=proto.counter,
            previous_counter=proto.previousCounter,
            ciphertext=proto.ciphertext,
            serialized=bytes(data),
        )

    @classmethod
    def build(
        cls,
        *,
        ratchet_key: bytes,
        counter: int,
        previous_counter: int,
        ciphertext: bytes,
        mac_key: bytes,
        sender_identity: bytes,
        receiver_identity: bytes,
    ) -> SignalMessage:
        """Serialize and MAC a message (identities are 32-byte public keys)."""
        proto = signal_pb2.SignalMessage(
            ratchetKey=djb(ratchet_key),
            counter=counter,
            previousCounter=previous_counter,
            ciphertext=ciphertext,
        )
        body = _VERSION + proto.SerializeToString()
        mac = _mac(mac_key, sender_identity, receiver_identity, body)
        return cls(ratchet_key, counter, previous_counter, ciphertext, body + mac)

    def mac_matches(self, mac_key: bytes, sender_identity: bytes, receiver_identity: bytes) -> bool:
        """Whether the MAC is right for these keys (compared in constant time)."""
        expected = _mac(mac_key, sender_identity, receiver_identity, self.serialized[:-MAC_SIZE])
        return hmac.compare_digest(expected, self.serialized[-MAC_SIZE:])


def _mac(mac_key: bytes, sender: bytes, receiver: bytes, body: bytes) -> bytes:
    return hmac_sha256(mac_key, djb(sender) + djb(receiver) + body)[:MAC_SIZE]


# PreKeySignalMessage ----------------------------------------------------------------------


@final
@dataclass(frozen=True, slots=True)
class PreKeySignalMessage:
    """A parsed or built ``PreKeySignalMessage`` (WhatsApp's ``pkmsg``)."""

    registration_id: int
    """The sender's registration id."""
    prekey_id: int | None
    """Our one-time prekey it used, if any."""
    signed_prekey_id: int
    """Our signed prekey it used."""
    base_key: bytes
    """The sender's X3DH base key (32 bytes): it names the session."""
    identity_key: bytes
    """The sender's identity key (32 bytes)."""
    message: SignalMessage
    """The first message of the session."""
    serialized: bytes
    """The whole message as sent."""

    @classmethod
    def parse(cls, data: bytes) -> PreKeySignalMessage:
        """Read a serialized pkmsg and the SignalMessage inside it."""
        _check_version(data, "PreKeySignalMessage")
        proto = _parse_proto(signal_pb2.PreKeySignalMessage, data[1:], "PreKeySignalMessage")
        _require(
            proto,
            ("registrationId", "signedPreKeyId", "baseKey", "identityKey", "message"),
            "PreKeySignalMessage",
        )
        return cls(
            registration_id=proto.registrationId,
            prekey_id=proto.preKeyId if proto.HasField("preKeyId") else None,
            signed_prekey_id=proto.signedPreKeyId,
            base_key=from_djb(proto.baseKey, "base key"),
            identity_key=from_djb(proto.identityKey, "identity key"),
            message=SignalMessage.parse(proto.message),
            serialized=bytes(data),
        )

    @classmethod
    def build(
        cls,
        *,
        registration_id: int,
        prekey_id: int | None,
        signed_prekey_id: int,
        base_key: bytes,
        identity_key: bytes,
        message: SignalMessage,
    ) -> PreKeySignalMessage:
        """Serialize a pkmsg around `message`."""
        proto = signal_pb2.PreKeySignalMessage(
            registrationId=registration_id,
            signedPreKeyId=signed_prekey_id,
            baseKey=djb(base_key),
            identityKey=djb(identity_key),
            message=message.serialized,
        )
        if prekey_id is not None:
            proto.preKeyId = prekey_id
        return cls(
            registration_id,
            prekey_id,
            signed_prekey_id,
            base_key,
            identity_key,
            message,
            _VERSION + proto.SerializeToString(),
        )


# Sender keys ------------------------------------------------------------------------------


@final
@dataclass(frozen=True, slots=True)
class SenderKeyMessage:
    """A parsed or built ``SenderKeyMessage`` (WhatsApp's ``skmsg``)."""

    key_id: int
    """Which of the sender's sender keys (its distribution message's id)."""
    iteration: int
    """The message's step in the sender key's chain."""
    ciphertext: bytes
    """The AES-256-CBC ciphertext."""
    serialized: bytes
    """The whole message as sent: version byte, protobuf, signature."""

    @classmethod
    def parse(cls, data: bytes) -> SenderKeyMessage:
        """Read a serialized message (the signature is checked later, with the sender key)."""
        _check_version(data, "SenderKeyMessage")
        if len(data) < 1 + SIGNATURE_SIZE + 1:
            raise InvalidMessage(f"a SenderKeyMessage of {len(data)} bytes is truncated")
        proto = _parse_proto(
            signal_pb2.SenderKeyMessage, data[1:-SIGNATURE_SIZE], "SenderKeyMessage"
        )
        _require(proto, ("id", "iteration", "ciphertext"), "SenderKeyMessage")
        return cls(proto.id, proto.iteration, proto.ciphertext, bytes(data))

    @classmethod
    def build(
        cls, *, key_id: int, iteration: int, ciphertext: bytes, signing_key: KeyPair
    ) -> SenderKeyMessage:
        """Serialize and sign a message with the sender key's signing key."""
        proto = signal_pb2.SenderKeyMessage(id=key_id, iteration=iteration, ciphertext=ciphertext)
        body = _VERSION + proto.SerializeToString()
        return cls(key_id, iteration, ciphertext, body + signing_key.sign(body))

    def verify(self, signing_public: bytes) -> None:
        """Raise `InvalidSignature` unless the signature is `signing_public`'s."""
        body, signature = self.serialized[:-SIGNATURE_SIZE], self.serialized[-SIGNATURE_SIZE:]
        if not xeddsa_verify(signing_public, body, signature):
            raise InvalidSignature("the group message's signature does not verify")


@final
@dataclass(frozen=True, slots=True)
class SenderKeyDistributionMessage:
    """A parsed or built ``SenderKeyDistributionMessage`` (a sender key, sent pairwise)."""

    key_id: int
    """The sender key's id."""
    iteration: int
    """The chain step `chain_key` belongs to."""
    chain_key: bytes
    """The chain key at that step (32 bytes)."""
    signing_key: bytes
    """The public key the sender's group messages are signed with (32 bytes)."""
    serialized: bytes
    """The whole message: version byte and protobuf."""

    @classmethod
    def parse(cls, data: bytes) -> SenderKeyDistributionMessage:
        """Read a serialized distribution message."""
        _check_version(data, "SenderKeyDistributionMessage")
        proto = _parse_proto(
            signal_pb2.SenderKeyDistributionMessage, data[1:], "SenderKeyDistributionMessage"
        )
        _require(
            proto, ("id", "iteration", "chainKey", "signingKey"), "SenderKeyDistributionMessage"
        )
        if len(proto.chainKey) != KEY_SIZE:
            raise InvalidMessage(f"a sender chain key of {len(proto.chainKey)} bytes")
        signing = from_djb(proto.signingKey, "sender signing key")
        return cls(proto.id, proto.iteration, proto.chainKey, signing, bytes(data))

    @classmethod
    def build(
        cls, *, key_id: int, iteration: int, chain_key: bytes, signing_key: bytes
    ) -> SenderKeyDistributionMessage:
        """Serialize a distribution message (`signing_key` is the 32-byte public key)."""
        proto = signal_pb2.SenderKeyDistributionMessage(
            id=key_id, iteration=iteration, chainKey=chain_key, signingKey=djb(signing_key)
        )
        return cls(key_id, iteration, chain_key, signing_key, _VERSION + proto.SerializeToString())
