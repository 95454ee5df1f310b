"""The gateway's ``sendMessage``: a Baileys-style send request from a socket.io client.

A client asks the bot to send, the way Baileys' ``sock.sendMessage(jid, content, options)``
is called, in either of two forms::

    socket.emit('sendMessage', '15550000002@s.whatsapp.net', { text: 'hi' }, (ack) => …)
    socket.emit('sendMessage', { jid, content: { text: 'hi' }, options }, (ack) => …)

`content` is one of Baileys' ``AnyMessageContent`` shapes that need no upload:

- ``{text, mentions?}``: a text (an ``extendedTextMessage`` when it mentions, or quotes);
- ``{text, edit: key}``: an edit of our own message ``key``;
- ``{react: {text, key}}``: a reaction (``text: ''`` takes ours back);
- ``{delete: key}``: a revoke (delete for everyone);
- ``{location: {degreesLatitude, degreesLongitude, name?, address?}}``.

``options.quoted`` (a received ``WAMessage``, ``{key, message}``, as the gateway's
``messages.upsert`` sends it) makes a text a reply. A key is Baileys' ``WAMessageKey``:
``{remoteJid, fromMe, id, participant?}``. Media, polls, contact cards and the other shapes
are refused (``unsupported_content``): send those with ``client.send_message`` and the
builders of ``wabus.client``.

The acknowledgement is the typed result, ``{ok: true, op: 'sendMessage', id, timestamp, key,
messageTimestamp}`` (``key`` and ``messageTimestamp`` as Baileys' returned ``WAMessage`` has
them), or a typed error, ``{ok: false, op: 'sendMessage', error, reason, field?, code?}``,
where `error` is one of `SEND_ERRORS`.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import structlog

from wabus.core import Jid, WabusError
from wabus.handlers.dialects import ChatClient
from wabus.handlers.dialects._actions import new_message

if TYPE_CHECKING:
    from wabus.proto.common_pb2 import MessageKey
    from wabus.proto.e2e_pb2 import Message as WAMessage

__all__ = ["SEND_ERRORS", "SEND_EVENT", "SendRequestError", "build_content", "send_request"]

_log = structlog.get_logger("wabus.handlers.gateway")

SEND_EVENT: Final = "sendMessage"
"""The event a client emits to send a message through the bot."""

SEND_ERRORS: Final = {
    "invalid_request": "the request is malformed (`field` names what)",
    "unsupported_content": "the content is a kind the gateway cannot send (`field` names it)",
    "no_client": "the gateway only listens: it was started without a client",
    "not_connected": "the bot has no logged-in connection right now",
    "send_failed": "the message could not be encrypted, or the server refused it",
    "server_refused": "the server refused the request (`code` is its error code)",
    "timeout": "the server did not acknowledge the message in time",
    "error": "another error of the bot (`reason` says which)",
}
"""Every ``error`` a ``sendMessage`` acknowledgement may carry, with what it means."""

_UNSUPPORTED: Final = (
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "poll",
    "contacts",
    "buttons",
    "templateButtons",
    "sections",
    "listMessage",
    "product",
    "event",
    "forward",
    "pin",
    "groupInvite",
    "sharePhoneNumber",
    "requestPhoneNumber",
    "disappearingMessagesInChat",
)
_EDIT: Final = 14  # ProtocolMessage.Type.MESSAGE_EDIT
_REVOKE: Final = 0  # ProtocolMessage.Type.REVOKE


class SendRequestError(WabusError, ValueError):
    """A ``sendMessage`` request the gateway refuses before sending: `error` is its code
    (``invalid_request`` or ``unsupported_content``) and `field` the path of what is wrong
    (``content.react.key.id``)."""

    def __init__(self, error: str, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.error = error
        self.field = field
        self.reason = reason


def _invalid(field: str, reason: str) -> SendRequestError:
    return SendRequestError("invalid_request", field, reason)


def _mapping(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _invalid(field, f"expected an object, got {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _string(value: Any, field: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value):
        shown = "a non-empty string" if not empty else "a string"
        raise _invalid(field, f"expected {shown}, got {_kind(value)}")
    return value


def _jid(value: Any, field: str) -> Jid:
    text = _string(value, field)
    try:
        jid = Jid.parse(text)
    except ValueError as err:
        raise _invalid(field, f"not a JID: {err}") from err
    if not jid.user:
        raise _invalid(field, f"{text!r} names a server, not a chat")
    return jid


def _number(value: Any, field: str, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _invalid(field, f"expected a number, got {_kind(value)}")
    if not -limit <= value <= limit:
        raise _invalid(field, f"must be within [-{limit:g}, {limit:g}], got {value}")
    return float(value)


def _key(value: Any, field: str, into: MessageKey) -> None:
    """Fill `into` from a Baileys ``WAMessageKey``."""
    key = _mapping(value, field)
    into.remoteJid = str(_jid(key.get("remoteJid"), f"{field}.remoteJid"))
    into.id = _string(key.get("id"), f"{field}.id")
    from_me = key.get("fromMe", False)
    if not isinstance(from_me, bool):
        raise _invalid(f"{field}.fromMe", f"expected a boolean, got {_kind(from_me)}")
    into.fromMe = from_me
    participant = key.get("participant")
    if participant is not None:
        into.participant = str(_jid(participant, f"{field}.participant").to_non_ad())


def _mentions(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _invalid(field, f"expected a list of JIDs, got {_kind(value)}")
    return [str(_jid(item, f"{field}[{index}]").to_non_ad()) for index, item in enumerate(value)]


def _quote(quoted: Any, field: str, context: Any, me: str) -> None:
    """Fill a ``contextInfo`` from a received ``WAMessage`` (``{key, message}``): its author
    is the key's ``participant``, else us (`me`) for our own message, else the chat."""
    from google.protobuf import json_format

    message = _mapping(quoted, field)
    key = _mapping(message.get("key"), f"{field}.key")
    context.stanzaId = _string(key.get("id"), f"{field}.key.id")
    chat = _jid(key.get("remoteJid"), f"{field}.key.remoteJid")
    author = key.get("participant")
    if author is not None:
        context.participant = str(_jid(author, f"{field}.key.participant").to_non_ad())
    elif key.get("fromMe") is True and me:
        context.participant = me
    else:
        context.participant = str(chat.to_non_ad())
    body = message.get("message")
    if body is not None:
        try:
            json_format.ParseDict(
                dict(_mapping(body, f"{field}.message")),
                context.quotedMessage,
                ignore_unknown_fields=True,
            )
        except json_format.ParseError as err:
            raise _invalid(f"{field}.message", f"not a WhatsApp message: {err}") from err


def _text(content: Mapping[str, Any], options: Mapping[str, Any], me: str) -> WAMessage:
    text = _string(content.get("text"), "content.text")
    mentions = _mentions(content.get("mentions"), "content.mentions")
    quoted = options.get("quoted")
    message = new_message()
    edited = content.get("edit")
    if edited is not None:
        protocol = message.protocolMessage
        protocol.type = _EDIT  # type: ignore[assignment]  # the enum's int value
        _key(edited, "content.edit", protocol.key)
        if not protocol.key.fromMe:
            raise _invalid("content.edit.fromMe", "only our own messages can be edited")
        protocol.timestampMs = int(time.time() * 1000)
        target = protocol.editedMessage
    else:
        target = message
    if not mentions and quoted is None:
        target.conversation = text
        return message
    extended = target.extendedTextMessage
    extended.text = text
    extended.contextInfo.mentionedJid.extend(mentions)
    if quoted is not None:
        _quote(quoted, "options.quoted", extended.contextInfo, me)
    return message


def build_content(content: Any, options: Any = None, *, me: str = "") -> WAMessage:
    """The ``wa.Message`` body for a Baileys ``AnyMessageContent`` (see the module doc).
    `me` is our own user JID, the author of a quoted message of ours (when known).

    Raises `SendRequestError` naming the field for what it cannot build.
    """
    body = _mapping(content, "content")
    opts = _mapping(options, "options") if options is not None else {}
    for name in _UNSUPPORTED:
        if name in body:
            raise SendRequestError(
                "unsupported_content",
                f"content.{name}",
                f"the gateway does not send {name} content; send it with client.send_message"
                " and the builders of wabus.client",
            )
    if "text" in body:
        return _text(body, opts, me)
    message = new_message()
    if "react" in body:
        react = _mapping(body["react"], "content.react")
        reaction = message.reactionMessage
        reaction.text = _string(react.get("text"), "content.react.text", empty=True)
        _key(react.get("key"), "content.react.key", reaction.key)
        reaction.senderTimestampMs = int(time.time() * 1000)
        return message
    if "delete" in body:
        protocol = message.protocolMessage
        protocol.type = _REVOKE  # type: ignore[assignment]  # the enum's int value
        _key(body["delete"], "content.delete", protocol.key)
        return message
    if "location" in body:
        place = _mapping(body["location"], "content.location")
        pin = message.locationMessage
        pin.degreesLatitude = _number(
            place.get("degreesLatitude"), "content.location.degreesLatitude", 90
        )
        pin.degreesLongitude = _number(
            place.get("degreesLongitude"), "content.location.degreesLongitude", 180
        )
        pin.name = _string(place.get("name", ""), "content.location.name", empty=True)
        pin.address = _string(place.get("address", ""), "content.location.address", empty=True)
        return message
    known = ", ".join(sorted(body)) or "nothing"
    raise _invalid(
        "content", f"expected text, react, delete or location (or edit with text), got {known}"
    )


def _parse(args: tuple[Any, ...]) -> tuple[Jid, Any, Any]:
    """(jid, content, options) of either request form."""
    if len(args) == 1 and isinstance(args[0], Mapping):
        request = args[0]
        return _jid(request.get("jid"), "jid"), request.get("content"), request.get("options")
    if 2 <= len(args) <= 3:
        options = args[2] if len(args) == 3 else None
        return _jid(args[0], "jid"), args[1], options
    raise _invalid(
        "arguments",
        f"expected (jid, content[, options]) or one {{jid, content, options}} object, got"
        f" {len(args)} argument(s)",
    )


_CAMEL: Final = re.compile(r"(?<!^)(?=[A-Z])")


def _failure(err: BaseException) -> dict[str, Any]:
    """The typed error of a send the client failed (by the client's error classes' names:
    the handlers area does not import the client)."""
    names = [cls.__name__ for cls in type(err).__mro__]
    if "NotConnected" in names:
        error = "not_connected"
    elif "RequestTimeout" in names or isinstance(err, TimeoutError):
        error = "timeout"
    elif "ServerRefused" in names:
        error = "server_refused"
    elif "SendFailed" in names:
        error = "send_failed"
    else:
        error = "error"
    answer: dict[str, Any] = {"error": error, "reason": str(err) or type(err).__name__}
    code = getattr(err, "code", None)
    if isinstance(code, int) and not isinstance(code, bool):
        answer["code"] = code
    if error == "error":
        answer["type"] = _CAMEL.sub("_", type(err).__name__).lower()
    return answer


async def send_request(
    client: ChatClient | None, args: tuple[Any, ...], *, me: str = ""
) -> dict[str, Any]:
    """Carry out one ``sendMessage`` request; the acknowledgement (see the module doc).
    `me` is our own user JID, when known (see `build_content`).

    Never raises for a bad request or a failed send: those are the acknowledgement's typed
    errors. A failure that is no `WabusError` (a bug) is logged, and acknowledged as
    ``error``.
    """
    op = {"op": SEND_EVENT}
    try:
        jid, content, options = _parse(args)
        body = build_content(content, options, me=me)
    except SendRequestError as err:
        return {"ok": False, **op, "error": err.error, "field": err.field, "reason": err.reason}
    if client is None:
        return {
            "ok": False,
            **op,
            "error": "no_client",
            "reason": "this gateway only listens: start it with the bot's client,"
            " EventGateway(config, client=client)",
        }
    try:
        result = await client.send_message(jid, body)
    except Exception as err:
        if not isinstance(err, WabusError | TimeoutError):
            _log.error("gateway send failed unexpectedly", jid=str(jid), exc_info=err)
        return {"ok": False, **op, **_failure(err)}
    timestamp = result.timestamp
    return {
        "ok": True,
        **op,
        "id": result.id,
        "timestamp": timestamp,
        "key": {"remoteJid": str(jid.to_non_ad()), "fromMe": True, "id": result.id},
        "messageTimestamp": timestamp,
    }
