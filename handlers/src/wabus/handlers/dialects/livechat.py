"""The LiveChat dialect: core events as LiveChat Customer SDK events, one payload each.

::

    livechat = dialect(bot, "livechat")

    @livechat.on("incoming_event")
    def on_event(payload: dict) -> None:
        event = payload["event"]
        if event["type"] == "message":
            print(payload["chatId"], event["text"])

    livechat.on("connection_lost", lambda: print("lost"))   # a legacy (2.0 alpha) name
    livechat.on("disconnected", lambda reason: print(reason))   # the seed's: a string

Names and payloads follow ``@livechat/customer-sdk`` 4.0.2; the names of the older API that
the seed documents are kept as aliases with their own payloads: ``connection_lost``,
``connection_restored``, ``new_event``, ``user_is_typing``, ``user_stopped_typing``,
``last_seen_timestamp_updated``, ``thread_closed`` and ``thread_metada`` (the seed's spelling;
``thread_summary``, the 2.0 alpha SDK's, is the same event). Two extension events carry
pairing, which LiveChat (token-based) has no notion of: ``pairing_qr_code`` and
``pairing_code``.

Shapes. Where the seed document and the SDK's code disagree, `LiveChatDialect` takes
``shape="seed"`` (the default) or ``shape="sdk"``:

==================  =============================================  ==========================
event               ``shape="seed"``                               ``shape="sdk"``
==================  =============================================  ==========================
``connected``       ``{chatsSummary, totalChats, customer,         ``{customer, availability}``
                    availability}``: the seed's keys, plus SDK     (4.0.2)
                    4's, so code written for either reads them
``disconnected``    the reason, a bare string                      ``{reason, data?}`` (4.0.2)
``new_event``       the event itself, ``type`` at the top level,   ``{chat, event}`` (what the
                    with its ``chat``                              2.0 alpha SDK emitted)
==================  =============================================  ==========================

In the seed shape, the ``data`` of a ban (its code and expiry) is on the core event,
``reason.core``.

The chat summary (``chatsSummary`` and ``totalChats``, of ``connected`` and
``connection_restored``) is made of what the adapter has seen, as wabus has no chat list to
ask: the chats of live messages, of `JoinedGroup` and of history syncs (their conversations
count as older than anything live; a history blob is read for this only when something
listens to an event that carries the summary). ``chatsSummary`` lists every chat remembered,
most recently active first, each as ``{id, active, users, lastEvent, lastThread}``: ``id`` the
chat's JID; ``active`` always true (a deleted chat is dropped instead); ``users`` the user ids
seen in it (senders, and a group's participants as a history sync lists them); ``lastEvent``
its last message as a LiveChat event (null when that was a reaction or a protocol message);
``lastThread`` its one thread, whose id is the chat's. ``totalChats`` counts the chats known:
those listed plus those forgotten to stay within `max_chats`. A session paired before this
process started shows an empty summary at its first ``connected``, until the chats come.

``thread_metada`` / ``thread_summary`` ``{id, chat, order, totalEvents}``: one per
conversation of a history sync chunk: ``id`` and ``chat`` the chat's JID (its one thread),
``order`` 0 (the only thread), ``totalEvents`` how many messages of the chat that chunk
carries (history comes in chunks: a later one may describe the chat again).

The model (dialects.md §C.3): a WhatsApp chat is a LiveChat chat, with one perpetual thread
whose id is the chat's id; we are the ``customer``; everybody else is a user of type
``agent``. Payloads are JSON-shaped `CoreDict` values (``payload.core`` is the core event);
``customer_id`` passes a `CoreStr`; the events without payload (``connection_unstable``,
``connection_recovered``, ``connection_lost``) reach their core event through
`current_event()`.

Mapping ("state" is what the adapter remembers):

- ``connected`` on every `Connected` (customer = us, and the chat summary in the seed's
  shape); ``customer_id`` on `PairSuccess` and on the first `Connected` of a session;
  ``disconnected`` with the closest LiveChat reason, once per end of a connection
  (``connection_lost`` for `Disconnected`, ``logged_out_remotely``, ``too_many_connections``
  for a replaced stream, ``customer_temporarily_blocked`` for a ban, ``unsupported_version``,
  ``access_token_expired``, ``service_temporarily_unavailable``, ``internal_error``; the client
  publishes a `Disconnected` after each of the others too, and that one is no second
  ``disconnected``: state); legacy ``connection_lost`` on `Disconnected` and
  ``connection_restored`` on the next `Connected` (state: the pairing, and the chats seen for
  its ``chatsSummary``).
- ``connection_unstable`` / ``connection_recovered``: the first `KeepAliveTimeout` of a run,
  and the `KeepAliveRestored` that ends it (state).
- ``incoming_chat``: the first message of a chat not seen before, and `JoinedGroup` (state: the
  chats seen, at most `LiveChatState.max_chats`, oldest forgotten first), preceded by
  ``user_data`` for its author; ``incoming_event`` (legacy ``new_event``): every message (text
  → ``message``, media → ``file``, a body that is unavailable → ``system_message``, anything
  else → ``custom``), undecryptable messages and call offers (``system_message``);
  ``event_updated``: edits and revokes; ``event_properties_updated`` / ``_deleted``: reactions
  and stars; ``events_marked_as_seen`` (legacy ``last_seen_timestamp_updated``): read and
  played receipts, and chats marked read; ``incoming_typing_indicator`` (legacy
  ``user_is_typing`` / ``user_stopped_typing``): typing.
- ``user_data``: push names, about texts, pictures and verified names of others;
  ``customer_updated``: the same for us; ``user_added_to_chat`` / ``user_removed_from_chat``:
  one per participant added or removed; ``chat_deactivated`` (legacy ``thread_closed``): a
  deleted chat, a deleted group, or us removed from one; ``chat_properties_updated``: pin,
  mute, archive, read state, disappearing timer and group settings, under the ``whatsapp``
  namespace.

File events carry WhatsApp's media URL, which serves the encrypted file (wabus has no media
download proxy); the properties say so. Never fire (LiveChat-only concepts, documented in
`LiveChatDialect.events`): greetings, transfers, queues, thread properties, page updates,
postbacks (the wabus schema has no buttons), ``availability_updated`` and
``incoming_multicast``.

No actions: the dialect only listens. The SDK's methods (``sendEvent``, ``startChat``,
``setSneakPeek``, ``markEventsAsSeen``…) have no counterpart here; answer with the bot's
client (``client.send_message`` and the builders of ``wabus.client``, ``client.mark_read``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, get_args

import structlog

from wabus.core import BaseEvent, Jid
from wabus.core import events as ev
from wabus.core.events import ParticipantAction, ParticipantsChanged, ReceiptType
from wabus.core.payloads import PayloadError
from wabus.handlers.dialects._base import (
    Args,
    Dialect,
    DialectEvent,
    DialectListener,
    EventSpec,
    Rule,
    SessionState,
    rule,
)
from wabus.handlers.dialects._content import content_field, proto_dict, safe_body, unwrap
from wabus.handlers.dialects._errors import ProjectionError
from wabus.handlers.dialects._payloads import CoreDict, CoreStr

if TYPE_CHECKING:
    from wabus.proto.history_pb2 import Conversation
    from wabus.proto.web_pb2 import WebMessageInfo

__all__ = [
    "LEGACY_NAMES",
    "ChatRecord",
    "LiveChatDialect",
    "LiveChatListener",
    "LiveChatState",
    "Shape",
]

_log = structlog.get_logger("wabus.handlers.dialects.livechat")

Shape = Literal["seed", "sdk"]
"""Which payloads the events whose shape the seed and the SDK disagree on pass (see the
module doc): ``"seed"``, the seed document's (the default), or ``"sdk"``, the SDK code's."""

LEGACY_NAMES: Final = {
    "connection_lost": "disconnected",
    "connection_restored": "connected",
    "new_event": "incoming_event",
    "user_is_typing": "incoming_typing_indicator",
    "user_stopped_typing": "incoming_typing_indicator",
    "last_seen_timestamp_updated": "events_marked_as_seen",
    "thread_closed": "chat_deactivated",
}
"""The older (2.0 alpha) names kept as aliases, each with the current name it corresponds to."""

_MEDIA: Final = (
    "imageMessage",
    "videoMessage",
    "ptvMessage",
    "audioMessage",
    "documentMessage",
    "stickerMessage",
)
_REVOKE: Final = 0
_MESSAGE_EDIT: Final = 14


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _user(jid: Jid) -> str:
    return str(jid.to_non_ad())


# State ------------------------------------------------------------------------------------


@dataclass
class ChatRecord:
    """What the adapter remembers of one chat, for the ``chatsSummary`` of ``connected`` and
    ``connection_restored``."""

    users: dict[str, None] = field(default_factory=dict)
    """The users seen in the chat (senders of its messages, and a group's participants as a
    history sync lists them), in order."""
    last: ev.Message | None = None
    """The chat's last message, live or from a history sync (parsed only for a summary)."""


@dataclass
class LiveChatState(SessionState):
    """What the LiveChat adapter remembers (see the module doc)."""

    lost: bool = False
    """``connection_lost`` was emitted and ``connection_restored`` has not followed yet."""
    unstable: bool = False
    """``connection_unstable`` was emitted and ``connection_recovered`` has not followed."""
    end_reported: bool = False
    """The end of this connection was reported with its own reason (a logout, a ban, a
    stream error, …), so the `Disconnected` the client publishes after it is no second
    ``disconnected``. Cleared by that `Disconnected` and by `Connected`."""
    customer_id_sent: bool = False
    """``customer_id`` was emitted in this session."""
    chats: OrderedDict[Jid, ChatRecord] = field(default_factory=OrderedDict)
    """The chats seen, least recently active first."""
    max_chats: int = 10_000
    """How many chats to remember; the least recently active are forgotten first."""
    forgotten: int = 0
    """How many chats were forgotten to stay within `max_chats` (they still count in
    ``totalChats``)."""
    shape: Shape = "seed"
    """The payload shape of ``connected``, ``disconnected`` and ``new_event`` (see `Shape`)."""
    summarise_history: bool = False
    """Whether the history sync being observed should add its chats to `chats` (set by the
    dialect when something listens to an event that carries a ``chatsSummary``)."""

    def observe(self, event: BaseEvent) -> None:
        """Update the pairing latches and the chats seen after `event` was projected."""
        super().observe(event)
        if isinstance(event, _CLOSING):
            self.end_reported = not isinstance(event, ev.Disconnected)
        if isinstance(event, ev.Connected):
            self.lost = self.unstable = self.end_reported = False
            self.customer_id_sent = self.customer_id_sent or self.me is not None
        elif isinstance(event, ev.Disconnected):
            self.lost = True
        elif isinstance(event, ev.PairSuccess):
            self.customer_id_sent = True
        elif isinstance(event, ev.KeepAliveTimeout):
            self.unstable = True
        elif isinstance(event, ev.KeepAliveRestored):
            self.unstable = False
        elif _ends_session(event):
            self.customer_id_sent = False
        elif isinstance(event, ev.Message):
            record = self.touch(event.info.chat)
            record.users[_user(event.info.sender)] = None
            record.last = event
        elif isinstance(event, ev.JoinedGroup):
            self.touch(event.jid)
        elif isinstance(event, ev.DeleteChatUpdate):
            self.chats.pop(event.jid, None)
        elif isinstance(event, ev.HistorySync) and self.summarise_history:
            self.summarise_history = False
            self.learn_history(event)

    def touch(self, chat: Jid, *, recent: bool = True) -> ChatRecord:
        """The record of `chat`, made the most recent (created if new, evicting the oldest).

        With ``recent=False`` (history), a new chat is the least recent instead, and a known
        one keeps its place.
        """
        record = self.chats.get(chat)
        if record is None:
            record = self.chats[chat] = ChatRecord()
            if not recent:
                self.chats.move_to_end(chat, last=False)
            while len(self.chats) > self.max_chats:
                self.chats.popitem(last=False)
                self.forgotten += 1
        elif recent:
            self.chats.move_to_end(chat)
        return record

    def learn_history(self, event: ev.HistorySync) -> None:
        """Add the chats of a history chunk to `chats`, older than anything seen live, with
        their users and last message. Reads the blob one conversation at a time; a corrupt
        blob is logged and what was read before stays."""
        try:
            for conversation in event.iter_conversations():
                self._learn_conversation(conversation)
        except PayloadError as err:
            _log.warning("history chunk not summarised", error=str(err))

    def _learn_conversation(self, conversation: Conversation) -> None:
        try:
            chat = Jid.parse(conversation.id)
        except ValueError:
            return
        record = self.touch(chat, recent=False)
        if chat not in self.chats:
            return  # forgotten at once: older than every chat remembered
        for participant in conversation.participant:
            user = _user_text(participant.userJid)
            if user:
                record.users[user] = None
        newest: ev.Message | None = record.last
        for item in conversation.messages:
            if not item.HasField("message"):
                continue
            message = _history_message(self, chat, item.message)
            if message is None:
                continue
            record.users[_user(message.info.sender)] = None
            if newest is None or message.info.timestamp > newest.info.timestamp:
                newest = message
        record.last = newest

    def customer(self) -> dict[str, Any]:
        """The ``customer`` object: us."""
        return {
            "type": "customer",
            "id": self.my_id,
            "name": self.push_name or None,
            "avatar": None,
            "sessionFields": {},
            "statistics": {
                "chatsCount": len(self.chats),
                "threadsCount": len(self.chats),
                "visitsCount": 0,
                "pageViewsCount": 0,
                "greetingsShownCount": 0,
                "greetingsAcceptedCount": 0,
            },
        }


def _user_text(text: str) -> str:
    """A JID's user id (no device), or ``""`` when it is not a JID."""
    try:
        return _user(Jid.parse(text))
    except ValueError:
        return ""


def _history_message(state: LiveChatState, chat: Jid, info: WebMessageInfo) -> ev.Message | None:
    """A history-sync message as a core `Message` (its body still unparsed), or None when it
    lacks what one needs: an id, and a sender (ours, for our own messages, once known)."""
    key = info.key
    sender: Jid | None
    try:
        if key.fromMe:
            sender = state.me.to_non_ad() if state.me is not None else None
        elif chat.is_group:
            participant = key.participant or info.participant
            sender = Jid.parse(participant) if participant else None
        else:
            sender = chat
    except ValueError:
        return None
    if sender is None or not key.id:
        return None
    source = ev.MessageSource(
        chat=chat, sender=sender, is_from_me=key.fromMe, is_group=chat.is_group
    )
    when = datetime.fromtimestamp(info.messageTimestamp, UTC)
    body = info.message.SerializeToString() if info.HasField("message") else b""
    message_info = ev.MessageInfo(source=source, id=key.id, timestamp=when, push_name=info.pushName)
    return ev.Message(info=message_info, raw=body)


def _ends_session(event: BaseEvent) -> bool:
    if isinstance(event, ev.LoggedOut):
        return True
    return isinstance(event, ev.ConnectFailure) and event.reason.is_logged_out


def _agent(jid: Jid, name: str = "", job_title: str = "") -> dict[str, Any]:
    return {"type": "agent", "id": _user(jid), "name": name, "avatar": None, "jobTitle": job_title}


# Events of the chat -----------------------------------------------------------------------


def _event_base(event: ev.Message | ev.UndecryptableMessage) -> dict[str, Any]:
    info = event.info
    chat = str(info.chat)
    return {
        "id": info.id,
        "authorId": _user(info.sender),
        "createdAt": _rfc3339(info.timestamp),
        "threadId": chat,
        "properties": {
            "whatsapp": {
                "from_me": info.source.is_from_me,
                "push_name": info.push_name,
                "is_offline": info.is_offline,
            }
        },
    }


def _chat_event(event: ev.Message) -> dict[str, Any] | None:
    """The LiveChat ``Event`` for a message; None for reactions and protocol messages (which
    update earlier events instead)."""
    out = _event_base(event)
    body = safe_body(event)
    if body is None:
        out.update(type="system_message", systemMessageType="unavailable")
        out["text"] = "the message body is not available"
        return out
    kind = content_field(body)
    if kind in ("reactionMessage", "protocolMessage"):
        return None
    inner = unwrap(body)
    if kind in ("conversation", "extendedTextMessage"):
        out.update(type="message", text=event.text or "")
    elif kind in _MEDIA:
        media = getattr(inner, kind)
        fields = type(media).DESCRIPTOR.fields_by_name
        out["type"] = "file"
        out["contentType"] = media.mimetype
        out["url"] = media.url
        out["name"] = media.fileName if "fileName" in fields else ""
        for size in ("width", "height"):
            if size in fields and media.HasField(size):
                out[size] = getattr(media, size)
        caption = media.caption if "caption" in fields else ""
        whatsapp = out["properties"]["whatsapp"]
        whatsapp["media_kind"] = kind
        whatsapp["encrypted_media"] = True
        if caption:
            whatsapp["caption"] = caption
    else:
        out.update(type="custom", content=proto_dict(inner))
    return out


def _incoming(state: LiveChatState, event: ev.Message) -> Iterator[Args]:
    payload = _chat_event(event)
    if payload is not None:
        yield (CoreDict(event, chatId=str(event.info.chat), event=payload),)


def _legacy_event(
    state: LiveChatState, event: BaseEvent, chat: str, payload: dict[str, Any]
) -> CoreDict:
    """``new_event``'s payload: the event itself with its chat (seed), or ``{chat, event}``."""
    if state.shape == "sdk":
        return CoreDict(event, chat=chat, event=payload)
    return CoreDict(event, payload, chat=chat)


def _new_event(state: LiveChatState, event: ev.Message) -> Iterator[Args]:
    payload = _chat_event(event)
    if payload is not None:
        yield (_legacy_event(state, event, str(event.info.chat), payload),)


def _system(event: ev.UndecryptableMessage | ev.IncomingCall) -> dict[str, Any] | None:
    if isinstance(event, ev.UndecryptableMessage):
        out = _event_base(event)
        out.update(
            type="system_message",
            systemMessageType="undecryptable",
            text="a message could not be decrypted",
        )
        return out
    action = event.action
    if not isinstance(action, ev.CallOffer | ev.CallOfferNotice):
        return None
    video = "video" if action.is_video else "voice"
    chat = str(event.jid.to_non_ad())
    return {
        "id": action.call_id,
        "authorId": _user(action.call_creator),
        "createdAt": _rfc3339(event.timestamp),
        "threadId": chat,
        "properties": {"whatsapp": {"offline": event.offline, "is_video": action.is_video}},
        "type": "system_message",
        "systemMessageType": "call_offer",
        "text": f"incoming {video} call",
    }


def _incoming_system(
    state: LiveChatState, event: ev.UndecryptableMessage | ev.IncomingCall
) -> Iterator[Args]:
    payload = _system(event)
    if payload is not None:
        yield (CoreDict(event, chatId=payload["threadId"], event=payload),)


def _new_system(
    state: LiveChatState, event: ev.UndecryptableMessage | ev.IncomingCall
) -> Iterator[Args]:
    payload = _system(event)
    if payload is not None:
        yield (_legacy_event(state, event, payload["threadId"], payload),)


def _chat_payload(
    state: LiveChatState, chat: Jid, event: BaseEvent, first: dict[str, Any] | None, when: datetime
) -> dict[str, Any]:
    users: list[dict[str, Any]] = [{**state.customer(), "present": True}]
    if isinstance(event, ev.Message) and not state.is_me(event.info.sender):
        users.append({**_agent(event.info.sender, event.info.push_name), "present": True})
    elif not chat.is_group and not state.is_me(chat):
        users.append({**_agent(chat), "present": True})
    user_ids = [user["id"] for user in users]
    chat_id = str(chat)
    return {
        "id": chat_id,
        "access": {},
        "users": users,
        "properties": {},
        "thread": {
            "id": chat_id,
            "chatId": chat_id,
            "active": True,
            "access": {},
            "createdAt": _rfc3339(when),
            "userIds": user_ids,
            "events": [first] if first is not None else [],
            "properties": {},
            "previousThreadId": None,
            "nextThreadId": None,
            "queue": None,
        },
        "eventsSeenUpToMap": {},
    }


def _new_chat_user(state: LiveChatState, event: ev.Message) -> Iterator[Args]:
    if event.info.chat not in state.chats and not state.is_me(event.info.sender):
        yield (CoreDict(event, _agent(event.info.sender, event.info.push_name)),)


def _incoming_chat(state: LiveChatState, event: ev.Message) -> Iterator[Args]:
    if event.info.chat not in state.chats:
        chat = _chat_payload(
            state, event.info.chat, event, _chat_event(event), event.info.timestamp
        )
        yield (CoreDict(event, chat=chat),)


def _joined_chat(state: LiveChatState, event: ev.JoinedGroup) -> Iterator[Args]:
    if event.jid not in state.chats:
        when = event.timestamp or datetime.now(UTC)
        chat = _chat_payload(state, event.jid, event, None, when)
        if event.subject is not None:
            chat["properties"] = {"whatsapp": {"subject": event.subject}}
        yield (CoreDict(event, chat=chat),)


def _updated(state: LiveChatState, event: ev.Message) -> Iterator[Args]:
    body = safe_body(event)
    if body is None or content_field(body) != "protocolMessage":
        return
    protocol = unwrap(body).protocolMessage
    chat = str(event.info.chat)
    target: dict[str, Any] = {
        "id": protocol.key.id,
        "authorId": _user(event.info.sender),
        "threadId": chat,
        "createdAt": _rfc3339(event.info.timestamp),
    }
    if protocol.type == _REVOKE:
        target.update(type="message", text="", properties={"whatsapp": {"revoked": True}})
    elif protocol.type == _MESSAGE_EDIT:
        edited = proto_dict(protocol.editedMessage)
        text = edited.get("conversation") or edited.get("extendedTextMessage", {}).get("text", "")
        target.update(type="message", text=text, properties={"whatsapp": {"edited": True}})
    else:
        return
    yield (CoreDict(event, chatId=chat, threadId=chat, event=target),)


def _reaction_target(event: ev.Message) -> tuple[str, str] | None:
    """(the reacted-to event's id, the reaction text) for a reaction message."""
    body = safe_body(event)
    if body is None or content_field(body) != "reactionMessage":
        return None
    reaction = unwrap(body).reactionMessage
    return reaction.key.id, reaction.text


def _reaction_set(state: LiveChatState, event: ev.Message) -> Iterator[Args]:
    found = _reaction_target(event)
    if found is not None and found[1]:
        chat = str(event.info.chat)
        properties = {"whatsapp": {"reaction": found[1], "reaction_by": _user(event.info.sender)}}
        yield (
            CoreDict(event, chatId=chat, threadId=chat, eventId=found[0], properties=properties),
        )


def _reaction_removed(state: LiveChatState, event: ev.Message) -> Iterator[Args]:
    found = _reaction_target(event)
    if found is not None and not found[1]:
        chat = str(event.info.chat)
        properties = {"whatsapp": ["reaction"]}
        yield (
            CoreDict(event, chatId=chat, threadId=chat, eventId=found[0], properties=properties),
        )


def _starred(state: LiveChatState, event: ev.StarUpdate) -> Iterator[Args]:
    chat = str(event.chat_jid)
    properties = {"whatsapp": {"starred": event.starred}}
    yield (
        CoreDict(
            event, chatId=chat, threadId=chat, eventId=event.message_id, properties=properties
        ),
    )


_SEEN: Final = frozenset(
    {ReceiptType.READ, ReceiptType.READ_SELF, ReceiptType.PLAYED, ReceiptType.PLAYED_SELF}
)


def _seen_by(
    state: LiveChatState, event: ev.Receipt | ev.MarkChatAsReadUpdate
) -> tuple[str, str, datetime] | None:
    """(chat, who saw it, up to when) for a read receipt or a chat marked read."""
    if isinstance(event, ev.Receipt):
        if event.receipt_type not in _SEEN:
            return None
        return str(event.source.chat), _user(event.source.sender), event.timestamp
    if not event.read:
        return None
    return str(event.jid), state.my_id, event.timestamp


def _seen(state: LiveChatState, event: ev.Receipt | ev.MarkChatAsReadUpdate) -> Iterator[Args]:
    seen = _seen_by(state, event)
    if seen is not None:
        chat, user, until = seen
        yield (CoreDict(event, chatId=chat, userId=user, seenUpTo=_rfc3339(until)),)


def _last_seen(state: LiveChatState, event: ev.Receipt | ev.MarkChatAsReadUpdate) -> Iterator[Args]:
    seen = _seen_by(state, event)
    if seen is not None:
        chat, user, until = seen
        yield (CoreDict(event, chat=chat, user=user, timestamp=int(until.timestamp() * 1000)),)


def _typing(state: LiveChatState, event: ev.ChatPresence) -> Iterator[Args]:
    typing = event.state is ev.ChatPresenceState.COMPOSING
    indicator = {"authorId": _user(event.source.sender), "isTyping": typing}
    yield (CoreDict(event, chatId=str(event.source.chat), typingIndicator=indicator),)


def _is_typing(state: LiveChatState, event: ev.ChatPresence) -> Iterator[Args]:
    if event.state is ev.ChatPresenceState.COMPOSING:
        yield (CoreDict(event, chat=str(event.source.chat), user=_user(event.source.sender)),)


def _stopped_typing(state: LiveChatState, event: ev.ChatPresence) -> Iterator[Args]:
    if event.state is not ev.ChatPresenceState.COMPOSING:
        yield (CoreDict(event, chat=str(event.source.chat), user=_user(event.source.sender)),)


# Users ------------------------------------------------------------------------------------


def _profile(
    event: ev.PushNameUpdate | ev.UserAboutUpdate | ev.PictureUpdate | ev.BusinessStatusUpdate,
) -> dict[str, Any] | None:
    """The changed profile fields of a user, LiveChat-style; None when nothing maps."""
    if isinstance(event, ev.PushNameUpdate):
        return {"name": event.new_push_name}
    if isinstance(event, ev.UserAboutUpdate):
        return {"about": event.status}
    if isinstance(event, ev.PictureUpdate):
        return None if event.jid.is_group else {"avatar": None}
    if event.update_type is ev.BusinessUpdateType.VERIFIED_NAME_CHANGED:
        return {"verified_name": event.verified_name or ""}
    return None


def _user_data(
    state: LiveChatState,
    event: ev.PushNameUpdate | ev.UserAboutUpdate | ev.PictureUpdate | ev.BusinessStatusUpdate,
) -> Iterator[Args]:
    fields = _profile(event)
    if fields is None or state.is_me(event.jid):
        return
    user = _agent(
        event.jid, fields.get("name", ""), fields.get("about") or fields.get("verified_name", "")
    )
    yield (CoreDict(event, user),)


def _customer_updated(
    state: LiveChatState,
    event: ev.PushNameUpdate | ev.UserAboutUpdate | ev.PictureUpdate | ev.BusinessStatusUpdate,
) -> Iterator[Args]:
    fields = _profile(event)
    if fields is None or not state.is_me(event.jid):
        return
    update: dict[str, Any] = {"id": state.my_id}
    if "name" in fields:
        update["name"] = fields["name"]
    if "avatar" in fields:
        update["avatar"] = None
    if "about" in fields:
        update["sessionFields"] = {"about": fields["about"]}
    yield (CoreDict(event, update),)


def _self_renamed(state: LiveChatState, event: ev.SelfPushNameUpdated) -> Iterator[Args]:
    yield (CoreDict(event, id=state.my_id, name=event.new_name),)


# Groups and chats -------------------------------------------------------------------------


def _added(state: LiveChatState, event: ev.GroupInfoUpdate) -> Iterator[Args]:
    change = event.change
    if isinstance(change, ParticipantsChanged) and change.action is ParticipantAction.ADD:
        for participant in change.participants:
            jid = participant.phone_number or participant.jid
            user = {**state.customer()} if state.is_me(jid) else _agent(jid)
            user["present"] = True
            yield (CoreDict(event, chatId=str(event.jid), user=user, present=True),)


_GONE: Final = (ParticipantAction.REMOVE, ParticipantAction.LEAVE)
"""Participant actions after which they are out of the group (removed, or left)."""


def _removed(state: LiveChatState, event: ev.GroupInfoUpdate) -> Iterator[Args]:
    change = event.change
    if isinstance(change, ParticipantsChanged) and change.action in _GONE:
        for participant in change.participants:
            user_id = _user(participant.phone_number or participant.jid)
            yield (CoreDict(event, chatId=str(event.jid), userId=user_id),)


def _closed_chat(state: LiveChatState, event: BaseEvent) -> Jid | None:
    """The chat an event deactivates for us, if any."""
    if isinstance(event, ev.DeleteChatUpdate):
        return event.jid
    if isinstance(event, ev.GroupInfoUpdate):
        change = event.change
        if isinstance(change, ev.OtherGroupChange) and change.tag == "delete":
            return event.jid
        if (
            isinstance(change, ParticipantsChanged)
            and change.action in _GONE
            and any(state.is_me(p.jid) or state.is_me(p.phone_number) for p in change.participants)
        ):
            return event.jid
    return None


def _deactivated(state: LiveChatState, event: BaseEvent) -> Iterator[Args]:
    chat = _closed_chat(state, event)
    if chat is not None:
        yield (CoreDict(event, chatId=str(chat)),)


def _thread_closed(state: LiveChatState, event: BaseEvent) -> Iterator[Args]:
    chat = _closed_chat(state, event)
    if chat is not None:
        yield (CoreDict(event, chat=str(chat)),)


def _group_properties(change: ev.GroupChange) -> dict[str, Any] | None:
    if isinstance(change, ev.SubjectChanged):
        return {"subject": change.subject}
    if isinstance(change, ev.DescriptionChanged):
        return {"description": change.description}
    if isinstance(change, ev.InviteLinkChanged):
        return {"invite_code": change.code}
    if isinstance(change, ev.SettingChanged):
        value = change.value if change.setting is ev.GroupSetting.EPHEMERAL else change.enabled
        return {str(change.setting): value}
    return None


def _chat_properties(state: LiveChatState, event: BaseEvent) -> Iterator[Args]:
    chat: Jid
    properties: dict[str, Any] | None
    if isinstance(event, ev.PinUpdate):
        chat, properties = event.jid, {"pinned": event.pinned}
    elif isinstance(event, ev.MuteUpdate):
        until = _rfc3339(event.mute_end) if event.muted and event.mute_end else None
        chat, properties = event.jid, {"muted": event.muted, "muted_until": until}
    elif isinstance(event, ev.ArchiveUpdate):
        chat, properties = event.jid, {"archived": event.archived}
    elif isinstance(event, ev.MarkChatAsReadUpdate):
        chat, properties = event.jid, {"unread": not event.read}
    elif isinstance(event, ev.DisappearingModeChanged):
        if state.is_me(event.jid):
            return
        chat, properties = event.jid, {"ephemeral": event.duration}
    elif isinstance(event, ev.GroupInfoUpdate):
        chat, properties = event.jid, _group_properties(event.change)
    else:
        return
    if properties is not None:
        yield (CoreDict(event, chatId=str(chat), properties={"whatsapp": properties}),)


# Connection -------------------------------------------------------------------------------


def _summary(state: LiveChatState) -> tuple[list[dict[str, Any]], int]:
    """``(chatsSummary, totalChats)``: every chat remembered, most recently active first, and
    how many chats are known (the remembered ones and those forgotten for `max_chats`)."""
    summary = []
    for chat, record in reversed(state.chats.items()):
        chat_id = str(chat)
        summary.append(
            {
                "id": chat_id,
                "active": True,
                "users": list(record.users),
                "lastEvent": _chat_event(record.last) if record.last is not None else None,
                "lastThread": chat_id,
            }
        )
    return summary, len(summary) + state.forgotten


def _connected(state: LiveChatState, event: ev.Connected) -> Iterator[Args]:
    if state.shape == "sdk":
        yield (CoreDict(event, customer=state.customer(), availability="online"),)
        return
    summary, total = _summary(state)
    yield (
        CoreDict(
            event,
            chatsSummary=summary,
            totalChats=total,
            customer=state.customer(),
            availability="online",
        ),
    )


def _customer_id(state: LiveChatState, event: ev.Connected | ev.PairSuccess) -> Iterator[Args]:
    if isinstance(event, ev.PairSuccess):
        yield (CoreStr(str(event.id.to_non_ad()), event),)
    elif not state.customer_id_sent and state.me is not None:
        yield (CoreStr(state.my_id, event),)


def _restored(state: LiveChatState, event: ev.Connected) -> Iterator[Args]:
    if not state.lost:
        return
    summary, total = _summary(state)
    yield (CoreDict(event, chatsSummary=summary, totalChats=total),)


_FAILURE_REASONS: Final = {
    405: "unsupported_version",
    413: "access_token_expired",
    414: "access_token_expired",
    500: "internal_error",
    503: "service_temporarily_unavailable",
}


def _disconnected(state: LiveChatState, event: BaseEvent) -> Iterator[Args]:
    data: dict[str, Any] | None = None
    if isinstance(event, ev.Disconnected):
        if state.end_reported:
            return  # the client's Disconnected after the end it just reported
        reason = "connection_lost"
    elif _ends_session(event):
        reason = "logged_out_remotely"
    elif isinstance(event, ev.StreamReplaced):
        reason = "too_many_connections"
    elif isinstance(event, ev.TemporaryBan):
        reason = "customer_temporarily_blocked"
        data = {"code": int(event.code), "expire": event.expire.total_seconds()}
    elif isinstance(event, ev.ClientOutdated):
        reason = "unsupported_version"
    elif isinstance(event, ev.ConnectFailure):
        reason = _FAILURE_REASONS.get(int(event.reason), "internal_error")
    elif isinstance(event, ev.StreamError):
        reason = "internal_error"
    else:
        return
    if state.shape == "seed":
        yield (CoreStr(reason, event),)  # the data, if any, is in the core event
        return
    payload = CoreDict(event, reason=reason)
    if data is not None:
        payload["data"] = data
    yield (payload,)


def _lost(state: LiveChatState, event: ev.Disconnected) -> Iterator[Args]:
    yield ()


def _unstable(state: LiveChatState, event: ev.KeepAliveTimeout) -> Iterator[Args]:
    if not state.unstable:
        yield ()


def _recovered(state: LiveChatState, event: ev.KeepAliveRestored) -> Iterator[Args]:
    if state.unstable:
        yield ()


def _thread_summaries(state: LiveChatState, event: ev.HistorySync) -> Iterator[Args]:
    for conversation in event.iter_conversations():
        chat = conversation.id
        count = len(conversation.messages)
        yield (CoreDict(event, id=chat, chat=chat, order=0, totalEvents=count),)


def _pairing_qr(state: LiveChatState, event: ev.PairingQrCode) -> Iterator[Args]:
    yield (CoreDict(event, code=event.code, timeout=int(event.timeout.total_seconds() * 1000)),)


def _pairing_code(state: LiveChatState, event: ev.PairingCode) -> Iterator[Args]:
    yield (CoreDict(event, code=event.code, timeout=int(event.timeout.total_seconds() * 1000)),)


# The vocabulary and the table -------------------------------------------------------------


def _spec(
    name: str,
    params: tuple[str, ...],
    doc: str,
    unmapped: str | None = None,
) -> EventSpec:
    return EventSpec(
        name=name, params=params, doc=doc, unmapped=unmapped, legacy_of=LEGACY_NAMES.get(name)
    )


_ONLY_LIVECHAT: Final = "a LiveChat concept with no WhatsApp equivalent"

_EVENTS: Final = (
    _spec(
        "connected",
        ("payload: {chatsSummary, totalChats, customer, availability}",),
        "Connected (every time). shape='sdk': {customer, availability} only.",
    ),
    _spec("connection_unstable", (), "Keepalives stopped being answered."),
    _spec("connection_recovered", (), "Keepalives are answered again."),
    _spec(
        "disconnected",
        ("reason: str",),
        "The connection ended, with a reason. shape='sdk': {reason, data?}.",
    ),
    _spec("customer_id", ("id: str",), "Our own id (our user JID)."),
    _spec("user_data", ("user: User",), "Another user's profile."),
    _spec("customer_updated", ("payload: {id, name?, avatar?, sessionFields?}",), "Our profile."),
    _spec("incoming_chat", ("payload: {chat}",), "A chat seen for the first time."),
    _spec("incoming_event", ("payload: {chatId, event}",), "A message or system message."),
    _spec("event_updated", ("payload: {chatId, threadId, event}",), "An edit or a revoke."),
    _spec(
        "event_properties_updated",
        ("payload: {chatId, threadId, eventId, properties}",),
        "A reaction or a star.",
    ),
    _spec(
        "event_properties_deleted",
        ("payload: {chatId, threadId, eventId, properties}",),
        "A reaction removed.",
    ),
    _spec("events_marked_as_seen", ("payload: {chatId, userId, seenUpTo}",), "Read receipts."),
    _spec(
        "incoming_typing_indicator",
        ("payload: {chatId, typingIndicator: {authorId, isTyping}}",),
        "Typing started or stopped.",
    ),
    _spec("user_added_to_chat", ("payload: {chatId, user, present}",), "A participant added."),
    _spec("user_removed_from_chat", ("payload: {chatId, userId}",), "A participant removed."),
    _spec("chat_deactivated", ("payload: {chatId}",), "A chat ended for us."),
    _spec("chat_properties_updated", ("payload: {chatId, properties}",), "Chat settings."),
    _spec("pairing_qr_code", ("payload: {code, timeout}",), "Extension: a QR code to scan."),
    _spec("pairing_code", ("payload: {code, timeout}",), "Extension: a pairing code to type."),
    _spec("connection_lost", (), "Legacy: the connection dropped."),
    _spec(
        "connection_restored",
        ("payload: {chatsSummary, totalChats}",),
        "Legacy: connected again after connection_lost.",
    ),
    _spec(
        "new_event",
        ("event: {type, …, chat}",),
        "Legacy: a message or system message, its fields at the top level."
        " shape='sdk': {chat, event}.",
    ),
    _spec(
        "thread_metada",
        ("metadata: {id, chat, order, totalEvents}",),
        "Legacy, the seed's spelling: a chat's thread, as a history sync describes it.",
    ),
    _spec(
        "thread_summary",
        ("summary: {id, chat, order, totalEvents}",),
        "Legacy, the 2.0 alpha SDK's spelling of thread_metada.",
    ),
    _spec("user_is_typing", ("payload: {chat, user}",), "Legacy: typing started."),
    _spec("user_stopped_typing", ("payload: {chat, user}",), "Legacy: typing stopped."),
    _spec(
        "last_seen_timestamp_updated",
        ("payload: {chat, user, timestamp}",),
        "Legacy: read receipts (timestamp in ms).",
    ),
    _spec("thread_closed", ("payload: {chat}",), "Legacy: a chat ended for us."),
    _spec(
        "availability_updated",
        ("payload: {availability}",),
        "Agents' availability.",
        "LiveChat's availability is global; WhatsApp presence is per contact",
    ),
    _spec("customer_page_updated", ("payload: {url, title?, openedAt}",), "", _ONLY_LIVECHAT),
    _spec(
        "incoming_rich_message_postback",
        ("payload: {chatId, threadId, eventId, userId, postback}",),
        "A button reply.",
        "the wabus message schema has no button messages yet",
    ),
    _spec("incoming_greeting", ("greeting: Greeting",), "", _ONLY_LIVECHAT),
    _spec("greeting_accepted", ("payload: {uniqueId}",), "", _ONLY_LIVECHAT),
    _spec("greeting_canceled", ("payload: {uniqueId}",), "", _ONLY_LIVECHAT),
    _spec("chat_properties_deleted", ("payload: {chatId, properties}",), "", _ONLY_LIVECHAT),
    _spec(
        "thread_properties_updated",
        ("payload: {chatId, threadId, properties}",),
        "",
        _ONLY_LIVECHAT,
    ),
    _spec(
        "thread_properties_deleted",
        ("payload: {chatId, threadId, properties}",),
        "",
        _ONLY_LIVECHAT,
    ),
    _spec("chat_transferred", ("payload: {chatId, threadId, reason, …}",), "", _ONLY_LIVECHAT),
    _spec("queue_position_updated", ("payload: {chatId, threadId, queue}",), "", _ONLY_LIVECHAT),
    _spec("incoming_multicast", ("payload: {type?, content}",), "", _ONLY_LIVECHAT),
)

_CLOSING: Final = (
    ev.Disconnected,
    ev.LoggedOut,
    ev.ConnectFailure,
    ev.StreamReplaced,
    ev.TemporaryBan,
    ev.ClientOutdated,
    ev.StreamError,
)
_CHAT_SETTINGS: Final = (
    ev.PinUpdate,
    ev.MuteUpdate,
    ev.ArchiveUpdate,
    ev.MarkChatAsReadUpdate,
    ev.DisappearingModeChanged,
    ev.GroupInfoUpdate,
)

_RULES: Final[tuple[Rule, ...]] = (
    rule(ev.PairingQrCode, "pairing_qr_code", _pairing_qr),
    rule(ev.HistorySync, "thread_metada", _thread_summaries),
    rule(ev.HistorySync, "thread_summary", _thread_summaries),
    rule(ev.PairingCode, "pairing_code", _pairing_code),
    rule(ev.PairSuccess, "customer_id", _customer_id),
    rule(ev.Connected, "connection_restored", _restored),
    rule(ev.Connected, "connected", _connected),
    rule(ev.Connected, "customer_id", _customer_id),
    *(rule(kind, "disconnected", _disconnected) for kind in _CLOSING),
    rule(ev.Disconnected, "connection_lost", _lost),
    rule(ev.KeepAliveTimeout, "connection_unstable", _unstable),
    rule(ev.KeepAliveRestored, "connection_recovered", _recovered),
    rule(ev.Message, "user_data", _new_chat_user),
    rule(ev.Message, "incoming_chat", _incoming_chat),
    rule(ev.Message, "incoming_event", _incoming),
    rule(ev.Message, "new_event", _new_event),
    rule(ev.Message, "event_updated", _updated),
    rule(ev.Message, "event_properties_updated", _reaction_set),
    rule(ev.Message, "event_properties_deleted", _reaction_removed),
    rule(ev.UndecryptableMessage, "incoming_event", _incoming_system),
    rule(ev.UndecryptableMessage, "new_event", _new_system),
    rule(ev.IncomingCall, "incoming_event", _incoming_system),
    rule(ev.IncomingCall, "new_event", _new_system),
    rule(ev.StarUpdate, "event_properties_updated", _starred),
    rule(ev.Receipt, "events_marked_as_seen", _seen),
    rule(ev.Receipt, "last_seen_timestamp_updated", _last_seen),
    rule(ev.MarkChatAsReadUpdate, "events_marked_as_seen", _seen),
    rule(ev.MarkChatAsReadUpdate, "last_seen_timestamp_updated", _last_seen),
    rule(ev.ChatPresence, "incoming_typing_indicator", _typing),
    rule(ev.ChatPresence, "user_is_typing", _is_typing),
    rule(ev.ChatPresence, "user_stopped_typing", _stopped_typing),
    rule(ev.PushNameUpdate, "user_data", _user_data),
    rule(ev.PushNameUpdate, "customer_updated", _customer_updated),
    rule(ev.UserAboutUpdate, "user_data", _user_data),
    rule(ev.UserAboutUpdate, "customer_updated", _customer_updated),
    rule(ev.PictureUpdate, "user_data", _user_data),
    rule(ev.PictureUpdate, "customer_updated", _customer_updated),
    rule(ev.BusinessStatusUpdate, "user_data", _user_data),
    rule(ev.BusinessStatusUpdate, "customer_updated", _customer_updated),
    rule(ev.SelfPushNameUpdated, "customer_updated", _self_renamed),
    rule(ev.JoinedGroup, "incoming_chat", _joined_chat),
    rule(ev.GroupInfoUpdate, "user_added_to_chat", _added),
    rule(ev.GroupInfoUpdate, "user_removed_from_chat", _removed),
    rule(ev.GroupInfoUpdate, "chat_deactivated", _deactivated),
    rule(ev.GroupInfoUpdate, "thread_closed", _thread_closed),
    rule(ev.DeleteChatUpdate, "chat_deactivated", _deactivated),
    rule(ev.DeleteChatUpdate, "thread_closed", _thread_closed),
    *(rule(kind, "chat_properties_updated", _chat_properties) for kind in _CHAT_SETTINGS),
)


_SUMMARISED: Final = {"seed": ("connected", "connection_restored"), "sdk": ("connection_restored",)}
"""Per shape, the events whose payload carries a ``chatsSummary``."""


class LiveChatDialect(Dialect[LiveChatState]):
    """Core events as LiveChat Customer SDK events (see the module doc for the mapping).

    Also the handler plugin ``livechat``: ``Bot.builder().with_plugin("livechat")``.
    `max_chats` bounds the chats remembered for ``incoming_chat`` and the chat summaries.
    `shape` picks the payloads of the events the seed and the SDK disagree on: ``"seed"``
    (the default) or ``"sdk"`` (see the module doc).
    """

    name: ClassVar[str] = "livechat"
    state_class: ClassVar[type[SessionState]] = LiveChatState
    events: ClassVar[Mapping[str, EventSpec]] = {spec.name: spec for spec in _EVENTS}
    rules: ClassVar[tuple[Rule, ...]] = _RULES

    def __init__(
        self,
        *,
        me: Jid | str | None = None,
        push_name: str = "",
        max_chats: int = 10_000,
        shape: Shape = "seed",
    ) -> None:
        if not isinstance(max_chats, int) or max_chats < 1:
            raise ValueError(f"max_chats must be a positive int, got {max_chats!r}")
        if shape not in get_args(Shape):
            raise ValueError(f"shape must be 'seed' or 'sdk', got {shape!r}")
        super().__init__(me=me, push_name=push_name)
        self.state.max_chats = max_chats
        self.state.shape = shape

    @property
    def shape(self) -> Shape:
        """The payload shape chosen (see `Shape`)."""
        return self.state.shape

    def project(
        self,
        event: BaseEvent,
        wanted: Callable[[str], bool] | None = None,
        errors: list[ProjectionError] | None = None,
    ) -> list[DialectEvent]:
        """As `Dialect.project`; a history sync also adds its chats to the chats remembered,
        when something listens to an event whose payload summarises them (so that nobody
        else pays for reading the blob)."""
        if isinstance(event, ev.HistorySync):
            want = self.wants if wanted is None else wanted
            self.state.summarise_history = any(want(n) for n in _SUMMARISED[self.state.shape])
        return super().project(event, wanted, errors)


class LiveChatListener(DialectListener, dialect=LiveChatDialect):
    """Base for override-style LiveChat listeners: ``on_incoming_event``, ``on_connected``,
    ``on_connection_lost``…"""
