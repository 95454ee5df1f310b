"""Frames: the length-prefixed records that carry Noise messages over the WebSocket.

Theory of operation
-------------------

Every frame is a 3-byte big-endian length followed by that many payload bytes, so a frame
holds at most 2**24 - 1 bytes. The client's first frame is preceded by the connection
header ``'W' 'A' 6 3`` (magic 6, dictionary version 3), and, when the server gave the device
an edge-routing token on an earlier connection, by the pre-intro ``'E' 'D' 0 1`` plus a 3-byte
length and the routing info, before that header.

`FrameEncoder` adds those prefixes. `FrameDecoder` is the receiving side: feed it bytes in any
chunking with `receive_data`, then take whole frames with `next_frame` (None means "need more
bytes"; it never raises for that). It checks each declared length against its maximum as soon
as the 3 length bytes are in, before buffering the body, so a peer cannot make it hold more
than one maximum-size frame. A decoder made with ``expect_intro=True`` is the server's side: it
first consumes the optional pre-intro and the connection header, and exposes the routing info.

A decoder that raised stays failed: a byte stream has no way to resynchronise after a bad
length, so every later call raises the same error.
"""

from __future__ import annotations

from typing import Final, final

from wabus.protocol._errors import FrameTooLarge, RemoteWireError, WireError

__all__ = [
    "CONNECTION_HEADER",
    "EDGE_ROUTING_PREFIX",
    "MAX_FRAME_SIZE",
    "FrameDecoder",
    "FrameEncoder",
    "encode_frame",
]

CONNECTION_HEADER: Final = b"WA\x06\x03"
"""Sent once, before the first frame: 'W', 'A', magic 6, dictionary version 3."""

EDGE_ROUTING_PREFIX: Final = b"ED\x00\x01"
"""Starts the edge-routing pre-intro that may precede the connection header."""

MAX_FRAME_SIZE: Final = (1 << 24) - 1
"""The largest payload a 3-byte length can describe."""

_LENGTH_BYTES: Final = 3


def encode_frame(payload: bytes) -> bytes:
    """One frame: the 3-byte big-endian length, then `payload`. Raises `FrameTooLarge`."""
    size = len(payload)
    if size > MAX_FRAME_SIZE:
        raise FrameTooLarge(size, MAX_FRAME_SIZE)
    return size.to_bytes(_LENGTH_BYTES, "big") + payload


def _intro(routing_info: bytes | None) -> bytes:
    if routing_info is None:
        return CONNECTION_HEADER
    size = len(routing_info)
    if size > MAX_FRAME_SIZE:
        raise FrameTooLarge(size, MAX_FRAME_SIZE)
    return (
        EDGE_ROUTING_PREFIX + size.to_bytes(_LENGTH_BYTES, "big") + routing_info + CONNECTION_HEADER
    )


@final
class FrameEncoder:
    """Turns payloads into frames; the first one carries the connection intro.

    `routing_info` is the edge-routing token from an earlier connection, if any. Raises
    `FrameTooLarge` for a routing token or payload the 3-byte length cannot describe.
    """

    __slots__ = ("_intro",)

    def __init__(self, routing_info: bytes | None = None) -> None:
        self._intro: bytes | None = _intro(routing_info)

    @property
    def intro_sent(self) -> bool:
        """Whether the connection intro has gone out (with the first frame)."""
        return self._intro is None

    def encode(self, payload: bytes) -> bytes:
        """The bytes to send for `payload`: a frame, preceded by the intro the first time."""
        frame = encode_frame(payload)
        intro = self._intro
        if intro is not None:
            self._intro = None
            return intro + frame
        return frame


@final
class FrameDecoder:
    """Reassembles frames from bytes that arrive in any chunking (see the module doc).

    `max_frame_size` caps a frame's declared length (default and maximum: 2**24 - 1).
    With `expect_intro`, the stream must start with the connection intro.
    """

    __slots__ = ("_buffer", "_error", "_expect_intro", "_max", "_pos", "_routing_info")

    def __init__(self, max_frame_size: int = MAX_FRAME_SIZE, *, expect_intro: bool = False) -> None:
        if not 0 < max_frame_size <= MAX_FRAME_SIZE:
            raise ValueError(f"max_frame_size must be in 1..{MAX_FRAME_SIZE}, got {max_frame_size}")
        self._max = max_frame_size
        self._buffer = bytearray()
        self._pos = 0  # where unread bytes start in _buffer
        self._expect_intro = expect_intro
        self._routing_info: bytes | None = None
        self._error: WireError | None = None

    @property
    def routing_info(self) -> bytes | None:
        """The edge-routing info of the peer's pre-intro (``expect_intro`` decoders only)."""
        return self._routing_info

    @property
    def buffered(self) -> int:
        """How many received bytes are not yet part of a returned frame."""
        return len(self._buffer) - self._pos

    def receive_data(self, data: bytes) -> None:
        """Add received bytes. Never parses, never raises (except after an earlier failure)."""
        if self._error is not None:
            raise self._error
        self._buffer += data

    def next_frame(self) -> bytes | None:
        """The next whole frame's payload, or None when more bytes are needed.

        Raises `FrameTooLarge` as soon as a declared length is above the limit, and
        `RemoteWireError` for a bad connection intro.
        """
        if self._error is not None:
            raise self._error
        try:
            if self._expect_intro and not self._read_intro():
                return None
            buffer, pos = self._buffer, self._pos
            if len(buffer) - pos < _LENGTH_BYTES:
                return None
            size = (buffer[pos] << 16) | (buffer[pos + 1] << 8) | buffer[pos + 2]
            if size > self._max:
                raise FrameTooLarge(size, self._max, offset=pos)
            end = pos + _LENGTH_BYTES + size
            if len(buffer) < end:
                return None
            with memoryview(buffer) as view:  # one copy; released before the buffer changes
                frame = bytes(view[pos + _LENGTH_BYTES : end])
            self._consume(end)
            return frame
        except WireError as err:
            self._error = err
            raise

    def frames(self) -> list[bytes]:
        """Every whole frame buffered right now, in order (possibly none)."""
        out: list[bytes] = []
        while (frame := self.next_frame()) is not None:
            out.append(frame)
        return out

    def _consume(self, end: int) -> None:
        # Drop consumed bytes once they are the bigger part of the buffer, so a long stream of
        # small frames neither grows the buffer nor pays a memmove per frame.
        if end == len(self._buffer):
            self._buffer.clear()
            self._pos = 0
        elif end > len(self._buffer) // 2:
            del self._buffer[:end]
            self._pos = 0
        else:
            self._pos = end

    def _read_intro(self) -> bool:
        buffer, pos = self._buffer, self._pos
        if len(buffer) - pos < len(CONNECTION_HEADER):
            return False
        if buffer[pos : pos + 4] == EDGE_ROUTING_PREFIX:
            header_end = pos + 4 + _LENGTH_BYTES
            if len(buffer) < header_end:
                return False
            size = (buffer[pos + 4] << 16) | (buffer[pos + 5] << 8) | buffer[pos + 6]
            if size > self._max:
                raise FrameTooLarge(size, self._max, offset=pos + 4)
            intro_end = header_end + size + len(CONNECTION_HEADER)
            if len(buffer) < intro_end:
                return False
            self._routing_info = bytes(buffer[header_end : header_end + size])
            pos = header_end + size
        if buffer[pos : pos + 4] != CONNECTION_HEADER:
            raise RemoteWireError(
                f"expected the connection header {CONNECTION_HEADER!r},"
                f" got {bytes(buffer[pos : pos + 4])!r}",
                pos,
            )
        self._consume(pos + len(CONNECTION_HEADER))
        self._expect_intro = False
        return True
