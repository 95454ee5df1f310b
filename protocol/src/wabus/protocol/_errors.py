"""The wire layer's errors: one root, split into the peer's garbage and our own misuse.

`RemoteWireError`s describe bytes that came in malformed; each carries the offset where the
problem was found (offsets count from the start of the payload as it was handed to the
decoder, flags byte included; for a compressed payload, from the start of the inflated
bytes). `LocalWireError`s describe something we were asked to encode that the wire cannot
carry. No decoder lets an `IndexError`, `struct.error`, `UnicodeDecodeError` or `zlib.error`
escape: they all become one of these.
"""

from __future__ import annotations

from wabus.core import WabusError

__all__ = [
    "DecompressionLimit",
    "FrameTooLarge",
    "InvalidCompression",
    "InvalidPackedString",
    "InvalidToken",
    "LeftoverData",
    "LocalWireError",
    "MalformedNode",
    "RemoteWireError",
    "TruncatedInput",
    "UnencodableNode",
    "WireError",
]


class WireError(WabusError):
    """Root of every error of the wire layer (frames, binary nodes, compression)."""


class RemoteWireError(WireError, ValueError):
    """The bytes received are not valid; `offset` says where (None when it does not apply)."""

    def __init__(self, message: str, offset: int | None = None) -> None:
        where = f" at offset {offset}" if offset is not None else ""
        super().__init__(f"{message}{where}")
        self.offset = offset


class LocalWireError(WireError, ValueError):
    """We were asked to encode something the wire format cannot carry."""


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
