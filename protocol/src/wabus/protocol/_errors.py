"""Every error of the protocol layer, in one hierarchy under `WireError`.

`WireError` is a `wabus.core.WabusError`, so ``except WabusError`` catches all of them. Below
it, two halves say whose fault it is:

- `RemoteWireError`: bytes that came in are not valid (a frame, a node, a ciphertext, a
  certificate, a media file, an app-state patch, a capture file). Each carries `offset`, where
  the problem was found when that applies (offsets count from the start of the payload as it
  was handed to the decoder, flags byte included; for a compressed payload, from the start of
  the inflated bytes). No decoder lets an `IndexError`, `struct.error`,
  `UnicodeDecodeError`, `zlib.error`, a protobuf `DecodeError` or a `ValueError` from
  `cryptography` escape: each becomes one of these.
- `LocalWireError`: we were asked to encode or do something the protocol cannot carry.

Both are `ValueError`s too. The Signal layer's errors share a root of their own,
`SignalError`: those about bytes a peer sent are also `RemoteWireError`s, those about what we
were asked to do (encrypt with no session) or about our own stored records are not.

The tree (a class sits under its first base; "also" names its other bases):

    WireError
        RemoteWireError (also ValueError)  the bytes received are not valid
            FrameTooLarge (also LocalWireError)
            TruncatedInput
            InvalidToken
            InvalidPackedString
            LeftoverData
            DecompressionLimit
            InvalidCompression
            MalformedNode
            CertificateInvalid
            NoiseDecryptError
            HandshakeFailed
            MediaError
                MediaRetryError
            HistoryBlobError
            AppStateError  its recovery says what to do next
                AppStateKeyMissing
                AppStateMacMismatch
                AppStateVersionMismatch
                MalformedAppState
                AppStateRefused
            ValueDecryptError
            CaptureError  (public in wabus.protocol.capture)
        LocalWireError (also ValueError)  we asked for what the protocol cannot carry
            UnencodableNode
            NoiseStateError
            LocalAppStateError
        ProtocolError  a stanza in a state that does not allow it
            RemoteProtocolError (also RemoteWireError)
            LocalProtocolError (also LocalWireError)
        SignalError  the Signal session layer
            InvalidMessage (also RemoteWireError)
                InvalidKey
                InvalidSignature
                TooFarInFuture
                InvalidPadding
            DuplicateMessage (also RemoteWireError)
            InvalidPreKeyId (also RemoteWireError)
            NoSession
            NoSenderKey
            UntrustedIdentity
            InvalidRecord
        DecryptionFailed (also ValueError)  a Decryptor could not open an <enc>
            AlreadyHandled
        PairingVerificationFailed (also ValueError)
        PairCodeError (also ValueError)
        GroupAnswerError
        PollVoteError

This module imports nothing from the rest of `wabus.protocol` at run time, so every other
module can import its errors from here without a cycle. `wabus.protocol` re-exports them all
(`CaptureError` is `wabus.protocol.capture`'s), and `Recovery`, the enum an `AppStateError`
carries, which lives here with it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from wabus.core import WabusError

if TYPE_CHECKING:
    from wabus.protocol._connection import Input, State
    from wabus.protocol._signal_address import ProtocolAddress, SenderKeyName

__all__ = [
    "AlreadyHandled",
    "AppStateError",
    "AppStateKeyMissing",
    "AppStateMacMismatch",
    "AppStateRefused",
    "AppStateVersionMismatch",
    "CaptureError",
    "CertificateInvalid",
    "DecompressionLimit",
    "DecryptionFailed",
    "DuplicateMessage",
    "FrameTooLarge",
    "GroupAnswerError",
    "HandshakeFailed",
    "HistoryBlobError",
    "InvalidCompression",
    "InvalidKey",
    "InvalidMessage",
    "InvalidPackedString",
    "InvalidPadding",
    "InvalidPreKeyId",
    "InvalidRecord",
    "InvalidSignature",
    "InvalidToken",
    "LeftoverData",
    "LocalAppStateError",
    "LocalProtocolError",
    "LocalWireError",
    "MalformedAppState",
    "MalformedNode",
    "MediaError",
    "MediaRetryError",
    "NoSenderKey",
    "NoSession",
    "NoiseDecryptError",
    "NoiseStateError",
    "PairCodeError",
    "PairingVerificationFailed",
    "PollVoteError",
    "ProtocolError",
    "Recovery",
    "RemoteProtocolError",
    "RemoteWireError",
    "SignalError",
    "TooFarInFuture",
    "TruncatedInput",
    "UnencodableNode",
    "UntrustedIdentity",
    "ValueDecryptError",
    "WireError",
]


# The root, and its two halves: the peer's bad bytes and our own misuse -----------------------


class WireError(WabusError):
    """Root of every error of the protocol layer: frames, binary nodes, Noise, the session,
    Signal, media, history, app state, pairing and captures (see the module doc's tree)."""


class RemoteWireError(WireError, ValueError):
    """The bytes received are not valid; `offset` says where (None when it does not apply)."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        where = f" at offset {offset}" if offset is not None else ""
        super().__init__(f"{message}{where}")
        self.offset = offset


class LocalWireError(WireError, ValueError):
    """We were asked to encode something the wire format cannot carry."""


# Frames, binary nodes and compression --------------------------------------------------------


class FrameTooLarge(RemoteWireError, LocalWireError):
    """A frame's length is above the limit: declared by the peer, or asked of the encoder.

    `size` is the length and `limit` the maximum. Raised by the decoder before any of the
    frame's body is buffered.
    """

    def __init__(self, size: int, limit: int, offset: int | None = None) -> None:
        RemoteWireError.__init__(
            self, f"frame of {size} bytes is above the limit of {limit}", offset
        )
        self.size = size
        self.limit = limit


class TruncatedInput(RemoteWireError):
    """The input ended in the middle of an item; `offset` is where more bytes were needed."""

    def __init__(self, offset: int) -> None:
        super().__init__("input ends in the middle of an item", offset)


class InvalidToken(RemoteWireError):
    """A tag byte (or dictionary index) that means nothing; `value` is the byte."""

    def __init__(self, offset: int, value: int) -> None:
        super().__init__(f"invalid token {value}", offset)
        self.value = value


class InvalidPackedString(RemoteWireError):
    """A NIBBLE_8 / HEX_8 string holds a value outside its alphabet."""

    def __init__(self, offset: int, reason: str = "value outside the packed alphabet") -> None:
        super().__init__(f"invalid packed string: {reason}", offset)
        self.reason = reason


class LeftoverData(RemoteWireError):
    """Bytes remain after the top-level node; `count` says how many."""

    def __init__(self, count: int, offset: int | None = None) -> None:
        super().__init__(f"{count} byte(s) left over after the node", offset)
        self.count = count


class DecompressionLimit(RemoteWireError):
    """A compressed payload inflates to more than `limit` bytes (a decompression bomb)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"compressed payload inflates beyond the limit of {limit} bytes")
        self.limit = limit


class InvalidCompression(RemoteWireError):
    """A payload flagged as compressed is not a complete zlib stream; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"invalid compressed payload: {reason}")
        self.reason = reason


class MalformedNode(RemoteWireError):
    """The bytes are well-tokenised but do not form a valid node; `reason` says why.

    For example: a node that does not start with a list header, an empty tag, an attribute
    key that is not a string, a duplicate attribute, an unknown JID server, text that is not
    UTF-8, or nesting deeper than the decoder allows.
    """

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"malformed node: {reason}", offset)
        self.reason = reason


class UnencodableNode(LocalWireError):
    """A node (or JID, or string) that the binary format cannot represent; the message says why."""


# Noise and the server's certificates ---------------------------------------------------------


class CertificateInvalid(RemoteWireError):
    """The server's certificate chain does not check out; `reason` names the failed check."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the server's certificate is not valid: {reason}")
        self.reason = reason


class NoiseDecryptError(RemoteWireError):
    """A ciphertext did not authenticate: a wrong tag, a replayed or reordered frame, or a
    frame encrypted with another key. `counter` is the nonce it was tried with."""

    def __init__(self, counter: int) -> None:
        super().__init__(f"a Noise ciphertext does not authenticate (counter {counter})")
        self.counter = counter


class HandshakeFailed(RemoteWireError):
    """The peer's handshake message is malformed or does not check out; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Noise handshake failed: {reason}")
        self.reason = reason


class NoiseStateError(LocalWireError):
    """A handshake step was asked for in the wrong state (our misuse, not the peer's)."""


# The session ---------------------------------------------------------------------------------


class ProtocolError(WireError):
    """A stanza arrived or was sent in a state where the protocol does not allow it."""

    def __init__(self, state: State, what: Input, tag: str) -> None:
        super().__init__(f"<{tag}> ({what.value}) is not allowed while {state.value}")
        self.state = state
        self.input = what
        self.tag = tag


class RemoteProtocolError(ProtocolError, RemoteWireError):
    """The peer broke the protocol (the connection is now closed)."""


class LocalProtocolError(ProtocolError, LocalWireError):
    """We tried to break the protocol (the connection is now closed)."""


# Signal --------------------------------------------------------------------------------------


class SignalError(WireError):
    """Root of every error of the Signal session layer."""


class InvalidMessage(SignalError, RemoteWireError):
    """A Signal message that cannot be accepted; `reason` says why (MAC, version, truncated,
    malformed protobuf, bad padding, no session state matching it, ...)."""

    def __init__(self, reason: str) -> None:
        RemoteWireError.__init__(self, f"invalid Signal message: {reason}")
        self.reason = reason


class InvalidKey(InvalidMessage):
    """A public key of the wrong form (not 0x05 + 32 bytes) or one that gives no shared secret."""


class InvalidSignature(InvalidMessage):
    """A signature that does not verify: a bundle's signed prekey, or a group message's."""


class TooFarInFuture(InvalidMessage):
    """A message `jump` steps ahead of its chain, beyond the `limit` of keys we derive at once."""

    def __init__(self, jump: int, limit: int) -> None:
        super().__init__(f"message is {jump} steps into the future (limit {limit})")
        self.jump = jump
        self.limit = limit


class InvalidPadding(InvalidMessage):
    """A decrypted plaintext's padding is not n bytes each equal to n (1 <= n)."""


class DuplicateMessage(SignalError, RemoteWireError):
    """A message whose key was already used (or dropped): a redelivery, most likely.

    `counter` is the message's counter (1:1) or iteration (groups). Nothing was changed.
    """

    def __init__(self, counter: int) -> None:
        RemoteWireError.__init__(self, f"message {counter} was already decrypted (or expired)")
        self.reason = "duplicate"
        self.counter = counter


class InvalidPreKeyId(SignalError, RemoteWireError):
    """A pkmsg names a prekey we do not have; `kind` is ``"one-time"`` or ``"signed"``."""

    def __init__(self, kind: str, key_id: int) -> None:
        RemoteWireError.__init__(self, f"no {kind} prekey with id {key_id}")
        self.reason = f"unknown {kind} prekey"
        self.kind = kind
        self.key_id = key_id


class NoSession(SignalError):
    """There is no session with `address` (to encrypt to, or to decrypt a ``msg`` with).

    `address` is None when the pure session functions raise it (they know no addresses).
    """

    def __init__(self, address: ProtocolAddress | None, reason: str = "no session") -> None:
        super().__init__(reason if address is None else f"{reason} with {address}")
        self.address = address
        self.reason = reason


class NoSenderKey(SignalError):
    """No sender key `key_id` from `name`: its distribution message has not been processed.

    `key_id` is None when there is no sender key from that sender at all.
    """

    def __init__(self, name: SenderKeyName, key_id: int | None) -> None:
        which = "any sender key" if key_id is None else f"sender key {key_id}"
        super().__init__(f"no {which} for {name}")
        self.name = name
        self.key_id = key_id
        self.reason = "no sender key"


class UntrustedIdentity(SignalError):
    """`address` presents identity key `received` where `known` was trusted before.

    Raised only in strict trust mode; in the default mode the change is accepted and reported
    as an `IdentityChanged` instead. Either can become a `wabus.core.events.IdentityChange`.
    """

    def __init__(self, address: ProtocolAddress, known: bytes, received: bytes) -> None:
        super().__init__(f"the identity key of {address} changed")
        self.address = address
        self.known = known
        self.received = received
        self.reason = "identity changed"


class InvalidRecord(SignalError):
    """A stored Signal record does not decode (corrupt, or a version this wabus cannot read)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"invalid stored {kind}: {reason}")
        self.kind = kind
        self.reason = reason


# Decryption and pairing, as the router meets them --------------------------------------------


class DecryptionFailed(WireError, ValueError):
    """A `Decryptor` could not decrypt an ``<enc>`` body; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"decryption failed: {reason}")
        self.reason = reason


class AlreadyHandled(DecryptionFailed):
    """A redelivered message that was decrypted and handled before (its keys are used up and
    its plaintext is no longer kept): the router drops it without an event."""


class PairingVerificationFailed(WireError, ValueError):
    """The phone's pair-success proof did not verify; `reason` says what failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"pair-success does not verify: {reason}")
        self.reason = reason


class PairCodeError(WireError, ValueError):
    """A pairing code, phone number or pair-code stanza that cannot be used; the message says
    which part and why."""


# Media, media retry and history sync ---------------------------------------------------------


class MediaError(RemoteWireError):
    """A media file does not check out (a bad hash or MAC, bad padding), or a `media_conn`
    answer is not one."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"media: {reason}")
        self.reason = reason


class MediaRetryError(MediaError):
    """A media-retry request or notification is not one; `field` names what is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"media retry {field}: {reason}")
        self.field = field


class HistoryBlobError(RemoteWireError):
    """A history blob does not check out (bad MAC, bad padding, bad zlib, too big, bad hash)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"history blob: {reason}")
        self.reason = reason


# App-state sync ------------------------------------------------------------------------------


class Recovery(StrEnum):
    """What a caller does after an `AppStateError`."""

    SNAPSHOT = "snapshot"
    """Forget the collection's state and fetch it again from a snapshot."""
    KEYS = "keys"
    """Ask our phone for the missing app-state key, then fetch the collection again."""


class AppStateError(RemoteWireError):
    """App-state data from the server that cannot be applied. No mutation of it was used.

    `collection` and `version` say where; `recovery` what to do next.
    """

    recovery: Recovery = Recovery.SNAPSHOT

    def __init__(self, collection: str, version: int | None, reason: str) -> None:
        at = f" at version {version}" if version is not None else ""
        super().__init__(f"app state {collection}{at}: {reason}")
        self.collection = collection
        self.version = version
        self.reason = reason


class AppStateKeyMissing(AppStateError):
    """A record or patch was made with an app-state key we do not have (`key_id`)."""

    recovery = Recovery.KEYS

    def __init__(self, collection: str, version: int | None, key_id: bytes) -> None:
        super().__init__(collection, version, f"no app-state key {key_id.hex()}")
        self.key_id = key_id


class AppStateMacMismatch(AppStateError):
    """A MAC does not verify: `which` is ``index``, ``value``, ``snapshot`` or ``patch``."""

    def __init__(self, collection: str, version: int | None, which: str, where: str = "") -> None:
        super().__init__(collection, version, f"{which} MAC mismatch{where}")
        self.which = which


class AppStateVersionMismatch(AppStateError):
    """A patch is not the next version of the collection (out of order, repeated, a gap)."""

    def __init__(self, collection: str, expected: int, got: int) -> None:
        super().__init__(collection, got, f"expected version {expected}")
        self.expected = expected
        self.got = got


class MalformedAppState(AppStateError):
    """A snapshot, patch or record that is not well formed (bad protobuf, a missing field, a
    value that does not decrypt, an index that is not a JSON array of strings)."""


class AppStateRefused(AppStateError):
    """The server answered a collection with an ``<error>`` (`code`: 409 our version is
    behind, 404 no such collection, ...)."""

    def __init__(self, collection: str, code: int | None, text: str | None) -> None:
        super().__init__(collection, None, f"the server refused: {code} {text or ''}".rstrip())
        self.code = code
        self.text = text


class LocalAppStateError(LocalWireError):
    """We were asked to do something with app state that cannot be done (encode with a key we
    do not have, decode a patch whose external mutations were not given, a bad stored state)."""


class ValueDecryptError(RemoteWireError):
    """A record value that is not ``IV ‖ AES-256-CBC ciphertext`` with valid padding."""


# Groups, outgoing messages and captures ------------------------------------------------------


class GroupAnswerError(WireError):
    """The server's answer to a group or contact query is not what it should be."""


class PollVoteError(WireError):
    """A poll vote that cannot be opened: a wrong secret, a tampered vote, a bad field."""


class CaptureError(RemoteWireError):
    """A file is not a valid capture; the message says why."""
