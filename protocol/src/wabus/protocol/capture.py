"""Captures: recorded stanza streams that `wabus replay` feeds through the router.

Format (version 1)
------------------

A capture file is::

    b"WABUSCAP\\x01"            magic and version (9 bytes)
    frame: metadata JSON       a UTF-8 JSON object (see `CaptureMeta`)
    frame: payload             one per stanza, in arrival order
    ...

where every *frame* is the wire's own framing: a 3-byte big-endian length, then that many bytes.
Each payload is a node payload exactly as it is after Noise decryption: the flags byte, then
the binary node (possibly zlib-compressed when flags bit 2 is set). So a capture can be
recorded by tapping a live connection just after decryption, and replayed with the same
decoder and router a live connection uses.

The metadata says whose session it is (our own phone-number JID and LID, our push name), so
the router can tell our own messages apart, and optionally describes the capture.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from wabus.core import InvalidJid, Jid
from wabus.protocol._errors import CaptureError
from wabus.protocol._frame import MAX_FRAME_SIZE, FrameDecoder, encode_frame

__all__ = ["CAPTURE_MAGIC", "CaptureError", "CaptureMeta", "CaptureWriter", "read_capture"]

CAPTURE_MAGIC: Final = b"WABUSCAP\x01"
"""The first bytes of a version-1 capture file."""

_CHUNK: Final = 1 << 16


@dataclass(frozen=True, slots=True)
class CaptureMeta:
    """Whose session a capture records."""

    own_pn: Jid | None = None
    """Our phone-number JID, if known when recording."""
    own_lid: Jid | None = None
    """Our LID, if known when recording."""
    push_name: str = ""
    """Our push name at the start of the capture."""
    description: str = ""
    """Free text."""

    def to_json(self) -> bytes:
        """The metadata frame's JSON."""
        data = {
            "own_pn": str(self.own_pn) if self.own_pn else None,
            "own_lid": str(self.own_lid) if self.own_lid else None,
            "push_name": self.push_name,
            "description": self.description,
        }
        return json.dumps(data, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> CaptureMeta:
        """Parse the metadata frame; raises `CaptureError`."""
        try:
            raw = json.loads(data)
            if not isinstance(raw, dict):
                raise TypeError("not an object")
            return cls(
                own_pn=Jid.parse(raw["own_pn"]) if raw.get("own_pn") else None,
                own_lid=Jid.parse(raw["own_lid"]) if raw.get("own_lid") else None,
                push_name=str(raw.get("push_name") or ""),
                description=str(raw.get("description") or ""),
            )
        except (ValueError, TypeError, InvalidJid) as err:
            raise CaptureError(f"bad capture metadata: {err}") from err


class CaptureWriter:
    """Writes a capture: the header at once, then one `write()` per stanza payload."""

    def __init__(self, stream: BinaryIO, meta: CaptureMeta) -> None:
        self._stream = stream
        stream.write(CAPTURE_MAGIC)
        stream.write(encode_frame(meta.to_json()))

    def write(self, payload: bytes) -> None:
        """Record one node payload (flags byte first)."""
        if not payload:
            raise ValueError("a payload has at least its flags byte")
        self._stream.write(encode_frame(payload))


def read_capture(path: str | Path) -> tuple[CaptureMeta, Iterator[bytes]]:
    """The metadata of a capture file, and an iterator over its payloads (read lazily).

    Raises `CaptureError` for a file that is not a capture; the iterator raises a
    `RemoteWireError` if the file is cut short or a frame is corrupt.
    """
    stream = Path(path).open("rb")  # noqa: SIM115 - closed by the iterator
    try:
        magic = stream.read(len(CAPTURE_MAGIC))
        if magic != CAPTURE_MAGIC:
            raise CaptureError(f"{path} is not a wabus capture (magic {magic!r})")
        decoder = FrameDecoder(MAX_FRAME_SIZE)
        header = _next_frame(stream, decoder)
        if header is None:
            raise CaptureError(f"{path} has no metadata frame")
        meta = CaptureMeta.from_json(header)
    except BaseException:
        stream.close()
        raise
    return meta, _payloads(stream, decoder)


def _next_frame(stream: BinaryIO, decoder: FrameDecoder) -> bytes | None:
    while (frame := decoder.next_frame()) is None:
        chunk = stream.read(_CHUNK)
        if not chunk:
            if decoder.buffered:
                raise CaptureError(f"the capture ends inside a frame ({decoder.buffered} bytes)")
            return None
        decoder.receive_data(chunk)
    return frame


def _payloads(stream: BinaryIO, decoder: FrameDecoder) -> Iterator[bytes]:
    with stream:
        while (frame := _next_frame(stream, decoder)) is not None:
            yield frame
