"""The payload codec: how `wabus.core` events parse the protobuf bodies they carry raw.

`wabus.core` cannot import this package (dependencies point one way), so it finds this codec
through the ``wabus.payloads`` entry point (named ``codec``) on first use. It satisfies the
core's ``PayloadCodec`` protocol structurally; parse failures surface as `ValueError`s
(protobuf's ``DecodeError`` or `ScanError`), which the core reports as ``PayloadDecodeError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from wabus.proto.e2e_pb2 import Message
from wabus.proto.history_pb2 import Conversation, HistorySync, Pushname
from wabus.proto.scan import LENGTH_DELIMITED, scan_fields

__all__ = ["ProtoPayloadCodec", "message_text", "unwrap"]

_CONVERSATIONS: Final = 2  # HistorySync.conversations
_PUSHNAMES: Final = 7  # HistorySync.pushnames

# Fields of Message that wrap another Message (FutureProofMessage.message, or
# DeviceSentMessage.message), looked through to find the content.
_WRAPPERS: Final = tuple(
    field
    for field in (
        "deviceSentMessage",
        "ephemeralMessage",
        "viewOnceMessage",
        "viewOnceMessageV2",
        "viewOnceMessageV2Extension",
        "documentWithCaptionMessage",
        "editedMessage",
        "groupMentionedMessage",
        "botInvokeMessage",
        "lottieStickerMessage",
        "statusMentionMessage",
        "spoilerMessage",
    )
    if field in Message.DESCRIPTOR.fields_by_name  # the schema may not declare every wrapper
)
_CAPTIONED: Final = ("imageMessage", "videoMessage", "documentMessage")


def unwrap(message: Message) -> Message:
    """The innermost message under wrapper layers (device-sent, ephemeral, view-once, edited,
    mentions, …)."""
    seen = 0
    while seen < 8:  # wrappers nest a few levels at most; never loop on a hostile message
        for field in _WRAPPERS:
            if message.HasField(field):
                inner = getattr(message, field)
                if inner.HasField("message"):
                    message = inner.message
                    break
        else:
            return message
        seen += 1
    return message


def message_text(message: Message) -> str | None:
    """The text of the common shapes: plain text, extended text, or a media caption, looking
    through wrappers. None for messages without text (reactions, protocol messages, ...)."""
    message = unwrap(message)
    if message.HasField("conversation"):
        return message.conversation
    if message.HasField("extendedTextMessage") and message.extendedTextMessage.HasField("text"):
        return message.extendedTextMessage.text
    for field in _CAPTIONED:
        media = getattr(message, field)
        if message.HasField(field) and media.HasField("caption"):
            return str(media.caption)
    return None


class ProtoPayloadCodec:
    """Parses message bodies and history-sync blobs with the ``wabus.wa`` schema."""

    def parse_message(self, raw: bytes) -> Message:
        """A message body. A ``deviceSentMessage`` (our own message, sent from another of our
        devices) is unwrapped, as the sender meant it; other wrappers are kept."""
        message = Message.FromString(raw)
        if message.HasField("deviceSentMessage") and message.deviceSentMessage.HasField("message"):
            inner = Message()
            inner.CopyFrom(message.deviceSentMessage.message)
            if message.HasField("messageContextInfo"):
                inner.messageContextInfo.CopyFrom(message.messageContextInfo)
            return inner
        return message

    def message_text(self, message: Message) -> str | None:
        """See `message_text`."""
        return message_text(message)

    def unwrap_message(self, message: Message) -> Message:
        """See `unwrap`."""
        return unwrap(message)

    def parse_history_sync(self, raw: bytes) -> HistorySync:
        """A whole history-sync blob."""
        return HistorySync.FromString(raw)

    def iter_conversations(self, raw: bytes) -> Iterator[Conversation]:
        """The blob's conversations one at a time (field 2), each parsed only when reached."""
        for number, wire_type, value in scan_fields(raw):
            if number == _CONVERSATIONS and wire_type == LENGTH_DELIMITED:
                yield Conversation.FromString(bytes(value))

    def iter_pushnames(self, raw: bytes) -> Iterator[Pushname]:
        """The blob's push names one at a time (field 7)."""
        for number, wire_type, value in scan_fields(raw):
            if number == _PUSHNAMES and wire_type == LENGTH_DELIMITED:
                yield Pushname.FromString(bytes(value))
