"""Group messages with sender keys, as pure transitions over `SenderKeyRecord` values.

Theory of operation
-------------------

A sender key is a chain of message keys plus a signing key pair, one per (group, sending
device). Its owner sends the chain's current step and the signing public key to every member
in a `SenderKeyDistributionMessage`, pairwise encrypted; after that each group message is one
`SenderKeyMessage` that every member decrypts with its copy.

- A chain step (Baileys' ``sender-chain-key``, libsignal's group cipher): message seed =
  HMAC-SHA256(chain key, 0x01), next chain key = HMAC-SHA256(chain key, 0x02), iteration + 1.
  HKDF of the seed (zero salt, info ``WhisperGroup``, 48 bytes) gives the IV (16) and the
  AES-256-CBC key (32).
- A message is signed by the sender's signing key (XEdDSA over version byte and protobuf)
  and the signature is verified before anything else; a bad one raises `InvalidSignature`
  (Baileys' own curve accepts any 64-byte signature in other places; wabus never does).
- Our sender sends iterations 0, 1, 2, ... Baileys' sender skips one each time (0, 2, 4, ...):
  a receiver keeps the keys of the iterations it steps over (at most `MAX_SKIPPED_KEYS`, the
  oldest dropped), and refuses a jump of more than `MAX_FORWARD` iterations (`TooFarInFuture`).
  An iteration whose key is gone raises `DuplicateMessage`.
- A record keeps up to 5 states (newest first), one per key id. Processing a distribution
  message whose key id and signing key we already hold keeps the state we have (it may hold
  skipped keys, or be further along); one with a known id but another signing key replaces it.

Every function returns the new record and never changes the old one, so the driver stores the
record in the same transaction as it acknowledges the message.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final, final

from wabus.proto import signal_pb2
from wabus.protocol._errors import (
    DuplicateMessage,
    InvalidRecord,
    NoSenderKey,
    TooFarInFuture,
)
from wabus.protocol._keys import KEY_SIZE, KeyPair
from wabus.protocol._signal_keys import RECORD_VERSION, parse_record
from wabus.protocol._signal_session import MAX_FORWARD, MAX_SKIPPED_KEYS
from wabus.protocol._signal_wire import (
    SenderKeyDistributionMessage,
    SenderKeyMessage,
    aes_cbc_decrypt,
    aes_cbc_encrypt,
    hkdf,
    hmac_sha256,
)

if TYPE_CHECKING:
    from wabus.protocol._signal_address import SenderKeyName

__all__ = [
    "MAX_SENDER_KEY_STATES",
    "SenderKeyRecord",
    "SenderKeyState",
    "create_sender_key",
    "group_decrypt",
    "group_encrypt",
    "process_sender_key_distribution",
]

MAX_SENDER_KEY_STATES: Final = 5
"""The most sender-key states (key ids) kept per record (the oldest go first)."""
_MAX_KEY_ID: Final = 2**31 - 2
_ZERO_SALT: Final = bytes(32)


@final
@dataclass(frozen=True, slots=True)
class SenderKeyState:
    """One sender key: its chain, its signing key, and the keys of skipped iterations."""

    key_id: int
    """The key id (random, below 2**31 - 1)."""
    iteration: int
    """The iteration `chain_key` derives next."""
    chain_key: bytes
    """The chain key at `iteration` (32 bytes)."""
    signing_public: bytes
    """The public signing key (32 bytes)."""
    signing_private: bytes | None = None
    """The private signing key: only in our own sender keys."""
    skipped: tuple[tuple[int, bytes], ...] = ()
    """(iteration, message seed) of iterations stepped over, oldest first."""


@final
@dataclass(frozen=True, slots=True)
class SenderKeyRecord:
    """All sender keys of one (group, sender device): newest first, at most 5."""

    states: tuple[SenderKeyState, ...] = ()
    """The states, newest first."""

    def state(self, key_id: int | None = None) -> SenderKeyState | None:
        """The state with `key_id` (or the newest one), if any."""
        if key_id is None:
            return self.states[0] if self.states else None
        return next((s for s in self.states if s.key_id == key_id), None)

    def to_bytes(self) -> bytes:
        """The stable storage form (``SenderKeyRecordStructure``, version 1)."""
        proto = signal_pb2.SenderKeyRecordStructure(version=RECORD_VERSION)
        for state in self.states:
            stored = proto.states.add(
                keyId=state.key_id,
                iteration=state.iteration,
                chainKey=state.chain_key,
                signingPublic=state.signing_public,
            )
            if state.signing_private is not None:
                stored.signingPrivate = state.signing_private
            stored.skipped.extend(
                signal_pb2.SkippedKeyStructure(index=index, seed=seed)
                for index, seed in state.skipped
            )
        return proto.SerializeToString()

    @classmethod
    def from_bytes(cls, data: bytes) -> SenderKeyRecord:
        """Read `to_bytes` back; `InvalidRecord` if it cannot."""
        proto = parse_record(signal_pb2.SenderKeyRecordStructure, data, "sender key")
        states = []
        for stored in proto.states:
            keys = [stored.chainKey, stored.signingPublic, *(k.seed for k in stored.skipped)]
            if stored.HasField("signingPrivate"):
                keys.append(stored.signingPrivate)
            if any(len(key) != KEY_SIZE for key in keys):
                raise InvalidRecord("sender key", "a key is not 32 bytes")
            states.append(
                SenderKeyState(
                    key_id=stored.keyId,
                    iteration=stored.iteration,
                    chain_key=stored.chainKey,
                    signing_public=stored.signingPublic,
                    signing_private=(
                        stored.signingPrivate if stored.HasField("signingPrivate") else None
                    ),
                    skipped=tuple((k.index, k.seed) for k in stored.skipped)[-MAX_SKIPPED_KEYS:],
                )
            )
        return cls(tuple(states[:MAX_SENDER_KEY_STATES]))


def _chain_step(chain_key: bytes) -> tuple[bytes, bytes]:
    """(message seed, next chain key)."""
    return hmac_sha256(chain_key, b"\x01"), hmac_sha256(chain_key, b"\x02")


def _message_keys(seed: bytes) -> tuple[bytes, bytes]:
    """(IV, cipher key)."""
    derived = hkdf(seed, _ZERO_SALT, b"WhisperGroup", 48)
    return derived[:16], derived[16:]


def _with_state(record: SenderKeyRecord, state: SenderKeyState) -> SenderKeyRecord:
    """`state` replacing the one with its key id, in place (or in front if it is new)."""
    states = list(record.states)
    for position, existing in enumerate(states):
        if existing.key_id == state.key_id:
            states[position] = state
            return SenderKeyRecord(tuple(states))
    return SenderKeyRecord((state, *states)[:MAX_SENDER_KEY_STATES])


def create_sender_key(
    record: SenderKeyRecord | None,
) -> tuple[SenderKeyDistributionMessage, SenderKeyRecord]:
    """Our distribution message for a group, making our sender key first if there is none.

    The record is ours (our own sending device's name); the message announces its newest
    state as it is now, so members can decrypt from the next message on.
    """
    record = record or SenderKeyRecord()
    state = record.state()
    if state is None or state.signing_private is None:
        signing = KeyPair(private=os.urandom(KEY_SIZE))
        state = SenderKeyState(
            key_id=secrets.randbelow(_MAX_KEY_ID + 1),
            iteration=0,
            chain_key=os.urandom(KEY_SIZE),
            signing_public=signing.public,
            signing_private=signing.private,
        )
        record = SenderKeyRecord((state,))
    message = SenderKeyDistributionMessage.build(
        key_id=state.key_id,
        iteration=state.iteration,
        chain_key=state.chain_key,
        signing_key=state.signing_public,
    )
    return message, record


def process_sender_key_distribution(
    record: SenderKeyRecord | None, message: SenderKeyDistributionMessage
) -> SenderKeyRecord:
    """The record after taking in a member's distribution message (see the module doc)."""
    record = record or SenderKeyRecord()
    kept = None
    others = []
    for state in record.states:
        if state.key_id != message.key_id:
            others.append(state)
        elif state.signing_public == message.signing_key and kept is None:
            kept = state
    state = kept or SenderKeyState(
        key_id=message.key_id,
        iteration=message.iteration,
        chain_key=message.chain_key,
        signing_public=message.signing_key,
    )
    return SenderKeyRecord((state, *others)[:MAX_SENDER_KEY_STATES])


def group_encrypt(
    record: SenderKeyRecord | None, plaintext: bytes, name: SenderKeyName
) -> tuple[SenderKeyMessage, SenderKeyRecord]:
    """Encrypt one group message with our newest sender key: (the message, the new record).

    Raises `NoSenderKey` if we have none that we can sign with (call `create_sender_key`).
    """
    state = None if record is None else record.state()
    if record is None or state is None or state.signing_private is None:
        raise NoSenderKey(name, None)
    seed, next_chain_key = _chain_step(state.chain_key)
    iv, cipher_key = _message_keys(seed)
    message = SenderKeyMessage.build(
        key_id=state.key_id,
        iteration=state.iteration,
        ciphertext=aes_cbc_encrypt(cipher_key, iv, plaintext),
        signing_key=KeyPair(private=state.signing_private),
    )
    advanced = replace(state, iteration=state.iteration + 1, chain_key=next_chain_key)
    return message, _with_state(record, advanced)


def _take_key(state: SenderKeyState, iteration: int) -> tuple[bytes, SenderKeyState]:
    if iteration < state.iteration:
        for position, (index, seed) in enumerate(state.skipped):
            if index == iteration:
                rest = state.skipped[:position] + state.skipped[position + 1 :]
                return seed, replace(state, skipped=rest)
        raise DuplicateMessage(iteration)
    jump = iteration - state.iteration
    if jump > MAX_FORWARD:
        raise TooFarInFuture(jump, MAX_FORWARD)
    chain_key = state.chain_key
    skipped = list(state.skipped)
    for index in range(state.iteration, iteration):
        seed, chain_key = _chain_step(chain_key)
        skipped.append((index, seed))
    seed, chain_key = _chain_step(chain_key)
    return seed, replace(
        state,
        iteration=iteration + 1,
        chain_key=chain_key,
        skipped=tuple(skipped[-MAX_SKIPPED_KEYS:]),
    )


def group_decrypt(
    record: SenderKeyRecord | None, message: SenderKeyMessage, name: SenderKeyName
) -> tuple[bytes, SenderKeyRecord]:
    """Decrypt one group message: (the plaintext, the new record).

    Raises `NoSenderKey`, `InvalidSignature`, `DuplicateMessage`, `TooFarInFuture`, or
    `InvalidMessage` (bad padding).
    """
    state = None if record is None else record.state(message.key_id)
    if record is None or state is None:
        raise NoSenderKey(name, message.key_id)
    message.verify(state.signing_public)
    seed, advanced = _take_key(state, message.iteration)
    iv, cipher_key = _message_keys(seed)
    plaintext = aes_cbc_decrypt(cipher_key, iv, message.ciphertext)
    return plaintext, _with_state(record, advanced)
