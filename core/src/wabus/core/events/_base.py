"""Building blocks of the event catalogue: the event base class, field types and open enums.

Every event is a frozen pydantic model with a ``type`` tag equal to its kind, the snake_case
form of its class name (``PairingQrCode`` → ``"pairing_qr_code"``). That tag discriminates the
`Event` union, names the `EventHandler` hook (``on_pairing_qr_code``) and names subjects on the
bridge, so a test checks that it always matches the class name.

Field types used across the catalogue:

- `Timestamp`: a `datetime`, always timezone-aware in UTC (naive input is taken as UTC, and an
  integer or float is read as Unix seconds).
- `Blob`: `bytes` that travel through JSON as standard base64. In Python a `Blob` field takes
  `bytes` only, so a `str` is never silently encoded.
- Enums built on `OpenIntEnum` / `OpenStrEnum` accept values they do not list, keeping the raw
  value in a pseudo-member (``is_known`` is then False), because the protocol grows faster than
  any catalogue.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

__all__ = [
    "BaseEvent",
    "Blob",
    "OpenIntEnum",
    "OpenStrEnum",
    "Timestamp",
    "Value",
    "kind_of",
]


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if value.tzinfo is UTC:
        return value
    return value.astimezone(UTC)


Timestamp = Annotated[datetime, AfterValidator(_to_utc)]
"""A timezone-aware UTC `datetime` (naive values are taken as UTC)."""


def _b64encode(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _b64decode(value: str) -> bytes:
    # Accept the standard alphabet (what we write) and the URL-safe one (what pydantic and
    # some JavaScript code write); reject anything else with the offending position.
    try:
        if "-" in value or "_" in value:
            return base64.urlsafe_b64decode(value)
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as err:
        raise PydanticCustomError(
            "base64", "invalid base64: {reason}", {"reason": str(err)}
        ) from err


class _Base64Marker:
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_after_validator_function(
                _b64decode, core_schema.str_schema()
            ),
            python_schema=core_schema.bytes_schema(strict=True),
            serialization=core_schema.plain_serializer_function_ser_schema(
                _b64encode, when_used="json"
            ),
        )


Blob = Annotated[bytes, _Base64Marker]
"""`bytes` that serialise to JSON as standard base64."""


_UNKNOWN_MEMBERS: dict[tuple[type, object], Any] = {}


class _OpenEnum:
    """The body `OpenIntEnum` and `OpenStrEnum` share: unlisted values become pseudo-members.

    A mixin placed before the enum's data type; that type (``int`` or ``str``) is the enum's
    ``_member_type_``. Each unlisted value gets one pseudo-member, cached, so ``is`` holds.
    """

    _name_: str

    @classmethod
    def _unknown_name(cls, value: Any) -> str:
        """The name of the pseudo-member for `value`: ``UNKNOWN`` unless a subclass says."""
        return "UNKNOWN"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        data_type: Any = cls._member_type_  # type: ignore[attr-defined]
        make: Any = data_type.__new__
        if type(value) is not data_type:
            return None
        key = (cls, value)
        member: Any = _UNKNOWN_MEMBERS.get(key)
        if member is None:
            member = make(cls, value)
            member._name_ = cls._unknown_name(value)
            member._value_ = value
            member = _UNKNOWN_MEMBERS.setdefault(key, member)
        return member

    @property
    def is_known(self) -> bool:
        """False for a value the enum does not list."""
        return type(self).__members__.get(self._name_) is self  # type: ignore[attr-defined]


class OpenIntEnum(_OpenEnum, IntEnum):
    """An `IntEnum` that also accepts unlisted integers, as pseudo-members named ``UNKNOWN_n``."""

    @classmethod
    def _unknown_name(cls, value: Any) -> str:
        return f"UNKNOWN_{value}"


class OpenStrEnum(_OpenEnum, StrEnum):
    """A `StrEnum` that also accepts unlisted strings, as pseudo-members named ``UNKNOWN``."""


_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def kind_of(cls: type) -> str:
    """The snake_case kind for an event class name: ``PairingQrCode`` → ``pairing_qr_code``."""
    return _SNAKE.sub("_", cls.__name__).lower()


# Bytes fields longer than this show as "<N bytes>" in repr(), so logging an event never
# prints a megabyte of protobuf.
_REPR_BYTES = 32


class Value(BaseModel):
    """Base of the small immutable value models that events are made of."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        use_attribute_docstrings=True,
        ser_json_timedelta="iso8601",
    )

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if isinstance(value, bytes) and len(value) > _REPR_BYTES:
                yield name, _ElidedBytes(len(value))
            else:
                yield name, value


class _ElidedBytes:
    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size

    def __repr__(self) -> str:
        return f"<{self.size} bytes>"


class BaseEvent(Value):
    """Base class of every event.

    Subscribe to `BaseEvent` (or to the `Event` union) to receive every kind. Concrete event
    classes are final; abstract category bases (`ConnectionEvent`, `MessageEvent`, …) group
    them so that one subscription can take a whole category.

    Every event may say which account it came from (`account`): a `wabus.client.Client` given
    an ``account`` name stamps each event it publishes, so that handlers of many accounts on
    one bus can tell them apart. JSON leaves the field out while it is None, so events of a
    single-account bot serialise as they always did.
    """

    type: str
    """The event kind, e.g. ``"message"``; fixed for each class."""

    account: str | None = Field(default=None, exclude_if=lambda value: value is None)
    """The account (the name its source was given) this event came from; None when the
    source does not say (a single-account bot, a scripted session)."""

    kind: ClassVar[str] = ""
    """The event kind of this class (empty on abstract bases)."""

    # Per-kind facts. Each event class declares its own; code that needs one reads it here
    # rather than keeping a table of kinds (tests/core/test_event_facts.py checks them all).
    source_field: ClassVar[str | None] = None
    """Where the event's `MessageSource` is, as a dotted attribute path (``"info.source"``,
    ``"source"``), for kinds someone sends in a chat (messages, receipts, typing); None for
    the others. `wabus.core.filters.source_of` reads it."""

    chat_field: ClassVar[str | None] = None
    """The field holding the JID of the chat the event is about, for kinds that belong to a
    chat but have no `source_field` (pins, mutes, group updates, …). None for kinds without
    a chat, and for those with a `source_field`, whose chat is their source's. Read by
    `wabus.core.filters.chat_of`."""

    identified: ClassVar[bool] = False
    """Whether an event's JSON identifies one occurrence (it carries a message id, a server
    timestamp or a stanza), so that two equal events of this kind are one event seen twice.
    For kinds where it is False (``connected``, ``chat_presence``, …), equal events may be
    distinct occurrences. The NATS bridge's deduplication id depends on it."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        default = cls.model_fields["type"].default
        cls.kind = default if isinstance(default, str) else ""

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if name == "account" and value is None:
                continue  # as in JSON: an event of no particular account reads as before
            yield name, value

    def stamp_account(self, account: str) -> Self:
        """Mark this event as coming from `account`, in place, and return it.

        For a source stamping the events it has just made, before anyone else sees them (the
        `Client` does): no copy is made, which keeps publishing as fast as without an account.
        An event that already names an account keeps it.
        """
        if self.account is None:
            object.__setattr__(self, "account", account)  # frozen: set once, before delivery
        return self

    def to_json(self) -> str:
        """This event as JSON (the form that crosses process boundaries)."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, data: str | bytes) -> Self:
        """Parse JSON written by `to_json` for this exact class."""
        return cls.model_validate_json(data)
