"""The Signal layer's errors: one root (`SignalError`, a `WireError`), each with its reason.

Errors about bytes a peer sent are also `RemoteWireError`s (and so `ValueError`s); errors
about what we were asked to do (encrypt with no session) or about our own stored records are
not. No decoder of the Signal layer lets an `IndexError`, `ValueError` from `cryptography`, or
a protobuf `DecodeError` escape: each becomes one of these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from wabus.protocol._errors import RemoteWireError, WireError

if TYPE_CHECKING:
    from wabus.protocol._signal_address import ProtocolAddress, SenderKeyName

__all__ = [
    "DuplicateMessage",
    "InvalidKey",
    "InvalidMessage",
    "InvalidPreKeyId",
    "InvalidRecord",
    "InvalidSignature",
    "NoSenderKey",
    "NoSession",
    "SignalError",
    "TooFarInFuture",
    "UntrustedIdentity",
]


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
