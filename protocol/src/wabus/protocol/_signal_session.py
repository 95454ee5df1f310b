"""1:1 Signal sessions: X3DH and the double ratchet, as pure transitions over plain values.

Theory of operation
-------------------

A `SessionRecord` holds the sessions with one peer device: the `current` one and up to 40
archived ones (most recently archived first). Every operation is a function from the old
record (and the message, and our keys) to a new record; nothing is changed in place and
nothing is stored here. A failed operation raises and leaves the caller with the old record,
so a driver that persists the new record in the same transaction as it acknowledges the
stanza can never half-advance a ratchet.

Session setup (X3DH, as libsignal-node's session builder does it):

- The initiator (`initiate_session`, from a fetched `PreKeyBundle`, whose signature is always
  verified) picks a base key ``EK`` and computes ``DH(IK_A, SPK_B) || DH(EK, IK_B) ||
  DH(EK, SPK_B) [|| DH(EK, OPK_B)]`` behind 32 bytes of 0xFF; HKDF (zero salt, info
  ``WhisperText``) gives the root key. It then takes a fresh ratchet key and makes its first
  sending chain against ``SPK_B``. Until it first decrypts a reply, every message it sends is a
  `PreKeySignalMessage` naming the prekeys it used and its base key.
- The responder (`decrypt_prekey_message`) computes the same secret from its side, takes its
  signed prekey as its first ratchet key and the base key as the peer's, and decrypts the
  inner message, which ratchets. A pkmsg whose base key names a session we already have is just
  decrypted with it (the initiator had not seen our reply yet). The one-time prekey it used is
  reported back (`consumed_prekey`) so the driver deletes it in the same transaction.

The ratchet (libsignal's): a root step is HKDF(DH(our ratchet, their ratchet), salt = root key,
info ``WhisperRatchet``) giving a new root key and a chain key; a chain step gives the message
seed HMAC(chain key, 0x01) and the next chain key HMAC(chain key, 0x02); HKDF of the seed
(info ``WhisperMessageKeys``) gives the cipher key, MAC key and IV. On a message with an unknown
ratchet key the receiver keeps the old receiving chain's keys up to the message's
``previousCounter``, closes it, steps the root twice (a receiving chain for their key, then a
new key pair of ours and a sending chain) and remembers its old sending counter.

Bounds, all enforced: at most 2000 message keys derived in one go (`MAX_FORWARD`, libsignal's
limit; a jump beyond raises `TooFarInFuture`), at most 2000 skipped keys kept per chain (oldest
dropped), 5 receiving chains per session (oldest dropped) and 40 archived sessions. A message
whose key was used already raises `DuplicateMessage`.

Decryption tries the current session, then the archived ones in order. A message that an
archived session decrypts promotes that session to current (as libsignal's Java and Rust
implementations do; libsignal-node leaves it archived), so the reply goes out on the session
the peer is using. The MAC is checked before anything that costs a new key pair.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Final, Literal, final

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from wabus.proto import signal_pb2
from wabus.protocol._errors import (
    DuplicateMessage,
    InvalidKey,
    InvalidMessage,
    InvalidPreKeyId,
    InvalidRecord,
    LocalWireError,
    NoSession,
    SignalError,
    TooFarInFuture,
)
from wabus.protocol._keys import KEY_SIZE, KeyPair
from wabus.protocol._signal_keys import (
    RECORD_VERSION,
    LocalIdentity,
    PreKeyBundle,
    PreKeyRecord,
    SignedPreKeyRecord,
    parse_record,
)
from wabus.protocol._signal_wire import (
    PreKeySignalMessage,
    SignalMessage,
    aes_cbc_decrypt,
    aes_cbc_encrypt,
    hkdf,
    hmac_sha256,
)

__all__ = [
    "MAX_ARCHIVED_SESSIONS",
    "MAX_FORWARD",
    "MAX_RECEIVING_CHAINS",
    "MAX_SKIPPED_KEYS",
    "EncryptedMessage",
    "PendingPreKey",
    "ReceivingChain",
    "SendingChain",
    "SessionRecord",
    "SessionState",
    "decrypt_message",
    "decrypt_prekey_message",
    "encrypt_message",
    "initiate_session",
]

MAX_FORWARD: Final = 2000
"""The most message keys derived for one message (libsignal's "2000 messages into the future")."""
MAX_SKIPPED_KEYS: Final = 2000
"""The most skipped message keys kept per chain (the oldest go first)."""
MAX_RECEIVING_CHAINS: Final = 5
"""The most receiving chains kept per session (the oldest go first)."""
MAX_ARCHIVED_SESSIONS: Final = 40
"""The most archived sessions kept per record (the oldest archived go first)."""

_ZERO_SALT: Final = bytes(32)
_X3DH_PREFIX: Final = b"\xff" * 32
_MAX_COUNTER: Final = 0xFFFFFFFF
_BAD_MAC: Final = "bad MAC"


# Values -----------------------------------------------------------------------------------


@final
@dataclass(frozen=True, slots=True)
class ReceivingChain:
    """One of the peer's ratchet keys and the chain of message keys it sends with."""

    ratchet_key: bytes
    """The peer's ratchet public key (32 bytes)."""
    chain_key: bytes | None
    """The chain key for message `index`; None once the chain is closed."""
    index: int
    """The next message index the chain key derives."""
    skipped: tuple[tuple[int, bytes], ...] = ()
    """(index, message seed) for messages not received yet, oldest first."""


@final
@dataclass(frozen=True, slots=True)
class SendingChain:
    """Our sending chain (its ratchet key is the session's `SessionState.ratchet_public`)."""

    chain_key: bytes
    """The chain key for message `index`."""
    index: int
    """The counter of the next message we send."""


@final
@dataclass(frozen=True, slots=True)
class PendingPreKey:
    """What an initiator's messages announce until the peer answers (makes them pkmsgs)."""

    signed_prekey_id: int
    """The peer's signed prekey we used."""
    prekey_id: int | None
    """The peer's one-time prekey we used, if any."""
    base_key: bytes
    """Our X3DH base public key (32 bytes)."""


@final
@dataclass(frozen=True, slots=True)
class SessionState:
    """One session with a peer device."""

    remote_identity: bytes
    """The peer's identity public key (32 bytes)."""
    remote_registration_id: int
    """The peer's registration id."""
    base_key: bytes
    """The X3DH base key, which names the session (ours if `initiator`)."""
    initiator: bool
    """Whether we started the session."""
    root_key: bytes
    """The root key."""
    ratchet_public: bytes
    """Our current ratchet public key."""
    ratchet_private: bytes
    """Our current ratchet private key."""
    their_ratchet: bytes
    """The peer's last ratchet key (for a fresh responder, their base key)."""
    previous_counter: int
    """The last counter of our previous sending chain (sent in every message)."""
    sending: SendingChain | None
    """Our sending chain (None for a responder until it has decrypted)."""
    receiving: tuple[ReceivingChain, ...]
    """Receiving chains, newest first."""
    pending: PendingPreKey | None
    """Set while our messages must be pkmsgs."""


@final
@dataclass(frozen=True, slots=True)
class SessionRecord:
    """All sessions with one peer device: the current one and archived ones."""

    current: SessionState | None = None
    """The session we encrypt with."""
    previous: tuple[SessionState, ...] = ()
    """Archived sessions, most recently archived first (at most 40)."""

    @property
    def states(self) -> tuple[SessionState, ...]:
        """The current session (if any), then the archived ones: the order decryption tries."""
        return self.previous if self.current is None else (self.current, *self.previous)

    @property
    def has_open_session(self) -> bool:
        """Whether there is a current session to encrypt with."""
        return self.current is not None

    def with_current(self, state: SessionState) -> SessionRecord:
        """A record whose current session is `state`, the old current one archived."""
        previous = self.previous if self.current is None else (self.current, *self.previous)
        return SessionRecord(state, previous[:MAX_ARCHIVED_SESSIONS])

    def archive_current(self) -> SessionRecord:
        """A record with no current session (the current one archived): ends the session."""
        if self.current is None:
            return self
        return SessionRecord(None, (self.current, *self.previous)[:MAX_ARCHIVED_SESSIONS])

    def _after(self, position: int, state: SessionState) -> SessionRecord:
        """`state` replaces the one at `position` in `states`, and becomes current."""
        if position == 0 and self.current is not None:
            return replace(self, current=state)
        offset = 0 if self.current is None else 1
        index = position - offset
        rest = self.previous[:index] + self.previous[index + 1 :]
        return SessionRecord(self.current, rest).with_current(state)

    def to_bytes(self) -> bytes:
        """The stable storage form (``SessionRecordStructure``, version 1)."""
        proto = signal_pb2.SessionRecordStructure(version=RECORD_VERSION)
        if self.current is not None:
            proto.current.CopyFrom(_state_to_proto(self.current))
        proto.previous.extend(_state_to_proto(state) for state in self.previous)
        return proto.SerializeToString()

    @classmethod
    def from_bytes(cls, data: bytes) -> SessionRecord:
        """Read `to_bytes` back; `InvalidRecord` if it cannot."""
        proto = parse_record(signal_pb2.SessionRecordStructure, data, "session")
        current = _state_from_proto(proto.current) if proto.HasField("current") else None
        previous = tuple(_state_from_proto(state) for state in proto.previous)
        return cls(current, previous[:MAX_ARCHIVED_SESSIONS])


@final
@dataclass(frozen=True, slots=True)
class EncryptedMessage:
    """One encrypted 1:1 message: its ``<enc type>`` and its bytes."""

    kind: Literal["pkmsg", "msg"]
    """``pkmsg`` while the session is not acknowledged yet, else ``msg``."""
    body: bytes
    """The serialized `PreKeySignalMessage` or `SignalMessage`."""


# Key derivation ---------------------------------------------------------------------------


def _dh(private: bytes, public: bytes) -> bytes:
    try:
        key = X25519PrivateKey.from_private_bytes(private)
        return key.exchange(X25519PublicKey.from_public_bytes(public))
    except ValueError as err:  # a low-order point: an all-zero shared secret
        raise InvalidKey(f"key agreement failed ({err})") from None


def _new_ratchet_key() -> tuple[bytes, bytes]:
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return public, private.private_bytes_raw()


def _root_step(root_key: bytes, our_private: bytes, their_public: bytes) -> tuple[bytes, bytes]:
    derived = hkdf(_dh(our_private, their_public), root_key, b"WhisperRatchet", 64)
    return derived[:32], derived[32:]


def _chain_step(chain_key: bytes) -> tuple[bytes, bytes]:
    """(message seed, next chain key)."""
    return hmac_sha256(chain_key, b"\x01"), hmac_sha256(chain_key, b"\x02")


def _message_keys(seed: bytes) -> tuple[bytes, bytes, bytes]:
    """(cipher key, MAC key, IV)."""
    derived = hkdf(seed, _ZERO_SALT, b"WhisperMessageKeys", 80)
    return derived[:32], derived[32:64], derived[64:80]


def _x3dh_root(parts: list[bytes]) -> bytes:
    return hkdf(_X3DH_PREFIX + b"".join(parts), _ZERO_SALT, b"WhisperText", 64)[:32]


# Setup ------------------------------------------------------------------------------------


def initiate_session(
    record: SessionRecord | None,
    bundle: PreKeyBundle,
    local: LocalIdentity,
    *,
    base_key: KeyPair | None = None,
    ratchet_key: KeyPair | None = None,
) -> SessionRecord:
    """The record after starting a session from `bundle` (the old current session archived).

    Raises `InvalidSignature` for a bundle whose signed prekey does not verify and
    `InvalidKey` for keys that give no shared secret. `base_key` and `ratchet_key` are for
    known-answer tests; normally they are fresh.
    """
    bundle.verify()
    base = base_key or KeyPair(private=os.urandom(KEY_SIZE))
    ratchet = ratchet_key or KeyPair(private=os.urandom(KEY_SIZE))
    parts = [
        _dh(local.identity.private, bundle.signed_prekey),
        _dh(base.private, bundle.identity_key),
        _dh(base.private, bundle.signed_prekey),
    ]
    if bundle.prekey is not None:
        parts.append(_dh(base.private, bundle.prekey))
    root_key, chain_key = _root_step(_x3dh_root(parts), ratchet.private, bundle.signed_prekey)
    state = SessionState(
        remote_identity=bundle.identity_key,
        remote_registration_id=bundle.registration_id,
        base_key=base.public,
        initiator=True,
        root_key=root_key,
        ratchet_public=ratchet.public,
        ratchet_private=ratchet.private,
        their_ratchet=bundle.signed_prekey,
        previous_counter=0,
        sending=SendingChain(chain_key, 0),
        receiving=(),
        pending=PendingPreKey(bundle.signed_prekey_id, bundle.prekey_id, base.public),
    )
    return (record or SessionRecord()).with_current(state)


def _responder_state(
    message: PreKeySignalMessage,
    local: LocalIdentity,
    signed_prekey: SignedPreKeyRecord,
    prekey: PreKeyRecord | None,
) -> SessionState:
    spk = signed_prekey.key_pair
    parts = [
        _dh(spk.private, message.identity_key),
        _dh(local.identity.private, message.base_key),
        _dh(spk.private, message.base_key),
    ]
    if prekey is not None:
        parts.append(_dh(prekey.key_pair.private, message.base_key))
    return SessionState(
        remote_identity=message.identity_key,
        remote_registration_id=message.registration_id,
        base_key=message.base_key,
        initiator=False,
        root_key=_x3dh_root(parts),
        ratchet_public=spk.public,
        ratchet_private=spk.private,
        their_ratchet=message.base_key,
        previous_counter=0,
        sending=None,
        receiving=(),
        pending=None,
    )


# Encryption -------------------------------------------------------------------------------


def encrypt_message(
    record: SessionRecord, plaintext: bytes, local: LocalIdentity
) -> tuple[EncryptedMessage, SessionRecord]:
    """Encrypt with the current session: (the message, the record after it).

    Raises `NoSession` when there is no current session (or it cannot send yet).
    """
    state = record.current
    if state is None:
        raise NoSession(None, "no open session")
    sending = state.sending
    if sending is None:
        raise NoSession(None, "the session has no sending chain yet")
    if sending.index > _MAX_COUNTER:
        raise LocalWireError("the sending chain's counter is exhausted; start a new session")
    seed, next_chain_key = _chain_step(sending.chain_key)
    cipher_key, mac_key, iv = _message_keys(seed)
    message = SignalMessage.build(
        ratchet_key=state.ratchet_public,
        counter=sending.index,
        previous_counter=state.previous_counter,
        ciphertext=aes_cbc_encrypt(cipher_key, iv, plaintext),
        mac_key=mac_key,
        sender_identity=local.identity.public,
        receiver_identity=state.remote_identity,
    )
    new_state = replace(state, sending=SendingChain(next_chain_key, sending.index + 1))
    new_record = replace(record, current=new_state)
    if state.pending is None:
        return EncryptedMessage("msg", message.serialized), new_record
    prekey_message = PreKeySignalMessage.build(
        registration_id=local.registration_id,
        prekey_id=state.pending.prekey_id,
        signed_prekey_id=state.pending.signed_prekey_id,
        base_key=state.pending.base_key,
        identity_key=local.identity.public,
        message=message,
    )
    return EncryptedMessage("pkmsg", prekey_message.serialized), new_record


# Decryption -------------------------------------------------------------------------------


def _derive(chain: ReceivingChain, until: int) -> tuple[bytes, list[tuple[int, bytes]]]:
    """(the chain key at `until`, the skipped keys with those below `until` added)."""
    assert chain.chain_key is not None
    jump = until - chain.index
    if jump > MAX_FORWARD:
        raise TooFarInFuture(jump, MAX_FORWARD)
    chain_key = chain.chain_key
    skipped = list(chain.skipped)
    for index in range(chain.index, until):
        seed, chain_key = _chain_step(chain_key)
        skipped.append((index, seed))
    return chain_key, skipped


def _fill(chain: ReceivingChain, until: int) -> ReceivingChain:
    """The chain with the keys of indexes below `until` derived and kept as skipped."""
    if chain.chain_key is None or until <= chain.index:
        return chain
    chain_key, skipped = _derive(chain, until)
    return ReceivingChain(chain.ratchet_key, chain_key, until, tuple(skipped[-MAX_SKIPPED_KEYS:]))


def _take_key(chain: ReceivingChain, counter: int) -> tuple[bytes, ReceivingChain]:
    """The message seed for `counter` and the chain after it was taken."""
    if counter < chain.index:
        for position, (index, seed) in enumerate(chain.skipped):
            if index == counter:
                rest = chain.skipped[:position] + chain.skipped[position + 1 :]
                return seed, replace(chain, skipped=rest)
        raise DuplicateMessage(counter)
    if chain.chain_key is None:
        raise InvalidMessage(f"message {counter} is on a closed chain")
    chain_key, skipped = _derive(chain, counter + 1)
    _, seed = skipped.pop()  # the key of `counter` itself, derived last
    kept = tuple(skipped[-MAX_SKIPPED_KEYS:])
    return seed, ReceivingChain(chain.ratchet_key, chain_key, counter + 1, kept)


def _decrypt_with_state(
    state: SessionState,
    message: SignalMessage,
    local: LocalIdentity,
    ratchet_key: KeyPair | None = None,
) -> tuple[bytes, SessionState]:
    their = message.ratchet_key
    chains = list(state.receiving)
    position = next((i for i, c in enumerate(chains) if c.ratchet_key == their), None)
    root_key = state.root_key
    if position is None:
        # A new ratchet key: keep the old chain's keys up to previousCounter and close it.
        previous = next(
            (i for i, c in enumerate(chains) if c.ratchet_key == state.their_ratchet), None
        )
        if previous is not None:
            last = message.previous_counter
            old = chains[previous] if last == _MAX_COUNTER else _fill(chains[previous], last + 1)
            chains[previous] = replace(old, chain_key=None)
        root_key, chain_key = _root_step(root_key, state.ratchet_private, their)
        chain = ReceivingChain(their, chain_key, 0)
    else:
        chain = chains.pop(position)
    seed, chain = _take_key(chain, message.counter)
    cipher_key, mac_key, iv = _message_keys(seed)
    if not message.mac_matches(mac_key, state.remote_identity, local.identity.public):
        raise InvalidMessage(_BAD_MAC)
    plaintext = aes_cbc_decrypt(cipher_key, iv, message.ciphertext)
    if position is not None:
        chains.insert(position, chain)
        return plaintext, replace(state, receiving=tuple(chains), pending=None)
    if ratchet_key is None:
        ratchet_public, ratchet_private = _new_ratchet_key()
    else:
        ratchet_public, ratchet_private = ratchet_key.public, ratchet_key.private
    root_key, sending_key = _root_step(root_key, ratchet_private, their)
    previous_counter = max(state.sending.index - 1, 0) if state.sending is not None else 0
    return plaintext, replace(
        state,
        root_key=root_key,
        ratchet_public=ratchet_public,
        ratchet_private=ratchet_private,
        their_ratchet=their,
        previous_counter=previous_counter,
        sending=SendingChain(sending_key, 0),
        receiving=(chain, *chains)[:MAX_RECEIVING_CHAINS],
        pending=None,
    )


def _decrypt_with_record(
    record: SessionRecord,
    message: SignalMessage,
    local: LocalIdentity,
    ratchet_key: KeyPair | None,
) -> tuple[bytes, SessionRecord]:
    owner_error: SignalError | None = None
    first_error: SignalError | None = None
    for position, state in enumerate(record.states):
        try:
            plaintext, new_state = _decrypt_with_state(state, message, local, ratchet_key)
        except (InvalidMessage, DuplicateMessage) as err:
            owns = any(chain.ratchet_key == message.ratchet_key for chain in state.receiving)
            if owns and owner_error is None:
                owner_error = err
            first_error = first_error or err
            continue
        return plaintext, record._after(position, new_state)
    # The error of the session the message belongs to; else the current session's, unless
    # that is only a bad MAC (the message belongs to no session we have).
    if owner_error is not None:
        raise owner_error
    if first_error is not None and getattr(first_error, "reason", None) != _BAD_MAC:
        raise first_error
    raise InvalidMessage("no session decrypts the message (bad MAC)")


def decrypt_message(
    record: SessionRecord,
    message: SignalMessage,
    local: LocalIdentity,
    *,
    ratchet_key: KeyPair | None = None,
) -> tuple[bytes, SessionRecord]:
    """Decrypt a ``msg``: (the plaintext, the record after it).

    Raises `NoSession` for an empty record, `DuplicateMessage`, `TooFarInFuture` or
    `InvalidMessage` (bad MAC, bad padding, a closed chain, no session that matches).
    `ratchet_key` is the key pair to take if the message turns the ratchet, for known-answer
    tests; normally it is fresh.
    """
    if not record.states:
        raise NoSession(None, "no session")
    return _decrypt_with_record(record, message, local, ratchet_key)


def decrypt_prekey_message(
    record: SessionRecord | None,
    message: PreKeySignalMessage,
    local: LocalIdentity,
    signed_prekey: SignedPreKeyRecord | None,
    prekey: PreKeyRecord | None,
    *,
    ratchet_key: KeyPair | None = None,
) -> tuple[bytes, SessionRecord, int | None]:
    """Decrypt a ``pkmsg``: (the plaintext, the record after it, the one-time prekey used).

    `signed_prekey` and `prekey` are ours with the ids the message names (None when we do not
    have them); a new session replaces the current one, which is archived. The third item is
    the id of the one-time prekey to delete now, or None. Raises `InvalidPreKeyId` for a
    prekey we lack, and the errors of `decrypt_message`; `ratchet_key` is as there.
    """
    record = record or SessionRecord()
    for position, state in enumerate(record.states):
        if not state.initiator and state.base_key == message.base_key:
            plaintext, new_state = _decrypt_with_state(state, message.message, local, ratchet_key)
            return plaintext, record._after(position, new_state), None
    if signed_prekey is None or signed_prekey.key_id != message.signed_prekey_id:
        raise InvalidPreKeyId("signed", message.signed_prekey_id)
    if message.prekey_id is not None and (prekey is None or prekey.key_id != message.prekey_id):
        raise InvalidPreKeyId("one-time", message.prekey_id)
    state = _responder_state(message, local, signed_prekey, prekey)
    plaintext, new_state = _decrypt_with_state(state, message.message, local, ratchet_key)
    return plaintext, record.with_current(new_state), message.prekey_id


# Storage form -----------------------------------------------------------------------------


def _state_to_proto(state: SessionState) -> signal_pb2.SessionStructure:
    proto = signal_pb2.SessionStructure(
        remoteIdentity=state.remote_identity,
        remoteRegistrationId=state.remote_registration_id,
        baseKey=state.base_key,
        initiator=state.initiator,
        rootKey=state.root_key,
        theirRatchet=state.their_ratchet,
        previousCounter=state.previous_counter,
    )
    proto.ourRatchet.publicKey = state.ratchet_public
    proto.ourRatchet.privateKey = state.ratchet_private
    if state.sending is not None:
        proto.sending.chainKey = state.sending.chain_key
        proto.sending.index = state.sending.index
    for chain in state.receiving:
        stored = proto.receiving.add(ratchetKey=chain.ratchet_key, index=chain.index)
        if chain.chain_key is not None:
            stored.chainKey = chain.chain_key
        stored.skipped.extend(
            signal_pb2.SkippedKeyStructure(index=index, seed=seed) for index, seed in chain.skipped
        )
    if state.pending is not None:
        proto.pending.signedPreKeyId = state.pending.signed_prekey_id
        proto.pending.baseKey = state.pending.base_key
        if state.pending.prekey_id is not None:
            proto.pending.preKeyId = state.pending.prekey_id
    return proto


def _key(data: bytes, what: str) -> bytes:
    if len(data) != KEY_SIZE:
        raise InvalidRecord("session", f"{what} is {len(data)} bytes, not 32")
    return data


def _state_from_proto(proto: signal_pb2.SessionStructure) -> SessionState:
    receiving = []
    for chain in proto.receiving:
        skipped = tuple((key.index, _key(key.seed, "a skipped key")) for key in chain.skipped)
        receiving.append(
            ReceivingChain(
                ratchet_key=_key(chain.ratchetKey, "a receiving ratchet key"),
                chain_key=_key(chain.chainKey, "a chain key")
                if chain.HasField("chainKey")
                else None,
                index=chain.index,
                skipped=skipped[-MAX_SKIPPED_KEYS:],
            )
        )
    sending = None
    if proto.HasField("sending"):
        sending = SendingChain(
            _key(proto.sending.chainKey, "the sending chain key"), proto.sending.index
        )
    pending = None
    if proto.HasField("pending"):
        pending = PendingPreKey(
            signed_prekey_id=proto.pending.signedPreKeyId,
            prekey_id=proto.pending.preKeyId if proto.pending.HasField("preKeyId") else None,
            base_key=_key(proto.pending.baseKey, "the pending base key"),
        )
    return SessionState(
        remote_identity=_key(proto.remoteIdentity, "the remote identity"),
        remote_registration_id=proto.remoteRegistrationId,
        base_key=_key(proto.baseKey, "the base key"),
        initiator=proto.initiator,
        root_key=_key(proto.rootKey, "the root key"),
        ratchet_public=_key(proto.ourRatchet.publicKey, "our ratchet public key"),
        ratchet_private=_key(proto.ourRatchet.privateKey, "our ratchet private key"),
        their_ratchet=_key(proto.theirRatchet, "their ratchet key"),
        previous_counter=proto.previousCounter,
        sending=sending,
        receiving=tuple(receiving[:MAX_RECEIVING_CHAINS]),
        pending=pending,
    )
