"""Reading parsed message bodies: what kind of content a message holds, and its JSON form.

The dialects only ever touch a body through `Message.message`, which the core parses on first
access with the installed payload codec (``wabus-proto``). The parsed object is a protobuf
message; this module reads it through the protobuf API (field presence, ``ListFields``) and
converts it with protobuf's own JSON mapping, which is also the shape Baileys gives
(camelCase names, enum names, 64-bit integers as strings, bytes as base64). The handlers area
does not depend on ``wabus.proto``: the type names below are for the type checker only, and
protobuf is imported when a body is converted, which only happens once a codec (and so
protobuf) is installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from wabus.core.events import Message
from wabus.core.payloads import PayloadError, payload_codec

if TYPE_CHECKING:
    from google.protobuf.message import Message as ProtoMessage

    from wabus.proto.e2e_pb2 import Message as WAMessage

__all__ = ["content_field", "proto_dict", "safe_body", "safe_text", "unwrap"]

# Fields that ride along with any content and are not content themselves.
_METADATA: Final = frozenset(
    {
        "messageContextInfo",
        "senderKeyDistributionMessage",
        "fastRatchetKeySenderKeyDistributionMessage",
    }
)


def unwrap(message: WAMessage) -> WAMessage:
    """The innermost message under wrapper layers (ephemeral, view-once, device-sent, …), as
    the installed payload codec unwraps it."""
    unwrapped: WAMessage = payload_codec().unwrap_message(message)
    return unwrapped


def content_field(message: WAMessage) -> str | None:
    """The name of the content field the (unwrapped) message holds, e.g. ``imageMessage``;
    None for an empty body."""
    for descriptor, _value in unwrap(message).ListFields():
        if descriptor.name not in _METADATA:
            return descriptor.name
    return None


def proto_dict(message: ProtoMessage) -> dict[str, Any]:
    """A protobuf message as JSON-shaped data (protobuf's JSON mapping)."""
    from google.protobuf.json_format import MessageToDict

    return MessageToDict(message)


def safe_body(event: Message) -> WAMessage | None:
    """The parsed body, or None when it does not parse or no codec is installed."""
    try:
        return event.message
    except PayloadError:
        return None


def safe_text(event: Message) -> str:
    """The message's text, or ``""`` when it has none or its body does not parse."""
    try:
        return event.text or ""
    except PayloadError:
        return ""
