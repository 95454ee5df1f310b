"""Lazy payloads: where parsed protobuf bodies come from, and how each is parsed only once.

A `Message` event carries its body as raw protobuf bytes and a `HistorySync` event its blob as
raw bytes. Parsing them needs the schema, which lives in `wabus-proto`; the core does not
import it (dependencies point one way). Instead the core defines this plug point: a
`PayloadCodec`, found through the ``wabus.payloads`` entry point named ``codec`` (`wabus-proto`
registers one) or installed with `set_payload_codec`.

`parsed_once` is what the events use: the first access parses, under a lock striped by object
identity, so concurrent first accesses from many threads still parse exactly once; the result
(or the failure) is kept in the event's instance dictionary, which pydantic leaves out of
equality, hashing, ``repr`` and JSON. A body that fails to parse raises `PayloadDecodeError`
on every access, without parsing again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from typing import Any, Final, Protocol, TypeVar, runtime_checkable

from wabus.core._errors import WabusError

__all__ = [
    "PAYLOAD_GROUP",
    "PayloadCodec",
    "PayloadDecodeError",
    "PayloadError",
    "PayloadUnavailable",
    "parsed_once",
    "payload_codec",
    "set_payload_codec",
]

PAYLOAD_GROUP: Final = "wabus.payloads"
"""The entry-point group where a `PayloadCodec` is registered (under the name ``codec``)."""


class PayloadError(WabusError):
    """Root of errors about lazy payloads."""


class PayloadUnavailable(PayloadError, LookupError):
    """No `PayloadCodec` is installed (install `wabus-proto`, or call `set_payload_codec`)."""


class PayloadDecodeError(PayloadError, ValueError):
    """A payload's bytes did not parse; `what` names the payload and `reason` says why."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(f"{what} does not parse: {reason}")
        self.what = what
        self.reason = reason


@runtime_checkable
class PayloadCodec(Protocol):
    """Parses the protobuf payloads that events carry raw. `wabus-proto` provides one."""

    def parse_message(self, raw: bytes) -> Any:
        """A message body (``wa.Message``) from its serialised bytes."""

    def message_text(self, message: Any) -> str | None:
        """The text of a parsed message, for the common shapes; None when it has none."""

    def unwrap_message(self, message: Any) -> Any:
        """The content of a parsed message: the innermost one under its wrapper layers
        (ephemeral, view-once, edited, …)."""

    def parse_history_sync(self, raw: bytes) -> Any:
        """A whole history-sync blob (``HistorySync``), parsed."""

    def iter_conversations(self, raw: bytes) -> Iterator[Any]:
        """The blob's conversations one at a time, without parsing the rest of it."""

    def iter_pushnames(self, raw: bytes) -> Iterator[Any]:
        """The blob's push names one at a time, without parsing the rest of it."""


_codec: PayloadCodec | None = None
_codec_lock = threading.Lock()


def set_payload_codec(codec: PayloadCodec | None) -> None:
    """Install `codec` for every event (None: go back to the entry point on next use)."""
    global _codec
    if codec is not None and not isinstance(codec, PayloadCodec):
        raise TypeError(f"{codec!r} does not implement PayloadCodec")
    with _codec_lock:
        _codec = codec


def payload_codec() -> PayloadCodec:
    """The installed codec, loading the ``wabus.payloads`` entry point on first use."""
    codec = _codec
    if codec is not None:
        return codec
    return _load_codec()


def _load_codec() -> PayloadCodec:
    global _codec
    with _codec_lock:
        if _codec is not None:
            return _codec
        found = [ep for ep in entry_points(group=PAYLOAD_GROUP) if ep.name == "codec"]
        if not found:
            raise PayloadUnavailable(
                "no payload codec is installed: install wabus-proto (or call set_payload_codec)"
            )
        loaded = found[0].load()
        codec = loaded() if isinstance(loaded, type) else loaded
        if not isinstance(codec, PayloadCodec):
            raise PayloadUnavailable(f"the entry point {found[0].value} is not a PayloadCodec")
        _codec = codec
        return codec


T = TypeVar("T")

# A small pool of locks, picked by object identity: first parses of different events rarely
# wait on each other, and no event carries a lock of its own.
_LOCKS: Final = tuple(threading.Lock() for _ in range(64))


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error: PayloadDecodeError) -> None:
        self.error = error


def parsed_once(owner: object, key: str, what: str, parse: Callable[[], T]) -> T:
    """The value `parse()` gives, computed on the first call for `owner` and then reused.

    The value, or a `PayloadDecodeError` describing the failure, is stored in
    ``owner.__dict__[key]``. Exactly one `parse()` runs even if many threads ask at once.
    """
    store: dict[str, Any] = owner.__dict__
    try:
        value = store[key]
    except KeyError:
        with _LOCKS[(id(owner) >> 4) % len(_LOCKS)]:
            if key not in store:
                try:
                    store[key] = parse()
                except PayloadUnavailable:
                    raise  # not the payload's fault: try again once a codec is installed
                except Exception as err:
                    store[key] = _Failed(PayloadDecodeError(what, f"{type(err).__name__}: {err}"))
            value = store[key]
    if type(value) is _Failed:
        raise PayloadDecodeError(value.error.what, value.error.reason) from value.error
    return value  # type: ignore[no-any-return]
