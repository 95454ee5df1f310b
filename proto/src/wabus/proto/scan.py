"""A scanner for the top level of a serialised protobuf message, without parsing it.

`scan_fields` walks the wire format (a varint key, then a value whose size the wire type says)
and yields each top-level field as ``(number, wire_type, value)``: an `int` for varint and fixed
fields, a zero-copy `memoryview` for length-delimited ones. It never builds message objects, so
a caller can find one field of a large message, or parse a repeated field one element at a
time, with memory bounded by the largest element rather than by the message.

Malformed input (a truncated varint or value, an unknown wire type, a group, field number 0)
raises `ScanError` with the offset.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

__all__ = ["LENGTH_DELIMITED", "VARINT", "ScanError", "scan_fields"]

VARINT: Final = 0
"""Wire type of varint fields."""
FIXED64: Final = 1
LENGTH_DELIMITED: Final = 2
"""Wire type of strings, bytes, sub-messages and packed repeated fields."""
FIXED32: Final = 5


class ScanError(ValueError):
    """Bytes that are not a protobuf message; `offset` is where the problem was found."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"not a protobuf message at offset {offset}: {reason}")
        self.offset = offset
        self.reason = reason


def _varint(data: memoryview, pos: int, end: int) -> tuple[int, int]:
    result = 0
    shift = 0
    start = pos
    while True:
        if pos >= end:
            raise ScanError(start, "truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise ScanError(start, "varint longer than 10 bytes")


def scan_fields(data: bytes | memoryview) -> Iterator[tuple[int, int, int | memoryview]]:
    """Each top-level field of a serialised message: ``(number, wire_type, value)``."""
    view = memoryview(data).cast("B") if not isinstance(data, memoryview) else data
    pos, end = 0, len(view)
    while pos < end:
        key_at = pos
        key, pos = _varint(view, pos, end)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise ScanError(key_at, "field number 0")
        if wire_type == VARINT:
            value, pos = _varint(view, pos, end)
            yield number, wire_type, value
        elif wire_type == LENGTH_DELIMITED:
            length, pos = _varint(view, pos, end)
            if pos + length > end:
                raise ScanError(pos, f"field {number} needs {length} bytes, {end - pos} left")
            yield number, wire_type, view[pos : pos + length]
            pos += length
        elif wire_type in (FIXED64, FIXED32):
            size = 8 if wire_type == FIXED64 else 4
            if pos + size > end:
                raise ScanError(pos, f"field {number} is cut short")
            yield number, wire_type, int.from_bytes(view[pos : pos + size], "little")
            pos += size
        else:
            raise ScanError(
                key_at, f"field {number} has wire type {wire_type} (groups are not used)"
            )
