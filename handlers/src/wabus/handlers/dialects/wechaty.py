"""The Wechaty dialect: core events as Wechaty's events, with Wechaty's positional arguments.

::

    wechaty = dialect(bot, "wechaty")

    @wechaty.on("scan")
    def on_scan(qrcode: str, status: ScanStatus) -> None:
        print(status.name, qrcode)

    @wechaty.on("room-join")
    async def on_room_join(room: Room, invitees: list[Contact], inviter: Contact, date) -> None:
        print(f"{inviter.name()} added {[c.id for c in invitees]} to {await room.topic()}")

    async with bot, wechaty.running():   # the heartbeat timer runs inside this block
        await bot.wait()

Names and signatures follow the Wechaty facade (``wechaty`` 1.20, `WechatyEventListeners`),
with three puppet-level events added (``dirty``, ``reset``, ``room-announce``) because WhatsApp
has their sources. ``ready`` and ``error`` pass one payload object, which is python-wechaty's
shape; ``heartbeat`` passes its data, a string (TypeScript's shape) that also has the
``.data`` python-wechaty reads. A listener declared with no parameters (TypeScript's
``ready()``) works too, since listeners get only the leading arguments they accept.
``logout`` passes ``(user, reason)``; python-wechaty's ``on_logout(contact)`` simply takes the
first. The accessors are Wechaty's: ``message.talker().name()`` is a method, ``await
room.topic()`` is awaited, and ``str()`` of a contact, room or message reads like Wechaty's
(``Contact<Alice>``, ``Room<Book club>``, ``Message#Text[Contact<Bob>@Room<Book club>] hi``).
``bot.start()`` and ``bot.stop()`` exist so that Wechaty code runs as written; they do nothing
(the bus runs the bot).

Mapping (dialects.md §A.4; "state" is what the adapter remembers):

- ``scan``: `PairingQrCode` → ``(code, Waiting)``; `PairingCode` → ``("", Waiting, code)``
  (Wechaty has no pairing codes: the code is the ``data`` argument); `QrScannedWithoutMultidevice`
  → ``("", Scanned)``; `PairSuccess` → ``("", Confirmed, json{id, lid, platform})``; `PairError`
  → ``("", Cancel, error)``; `Disconnected` while pairing → ``("", Timeout)``.
- ``login``: the first `Connected` of a session (state: a login latch, reset by a logout), with
  our own contact. ``logout``: `LoggedOut`, `ConnectFailure` with a logged-out reason, and
  `StreamReplaced`, while logged in; the reason is the wire code (``"401"``) or
  ``"stream_replaced"``.
- ``ready``: the first `OfflineSyncCompleted` after a login (state: a ready latch).
- ``message``: `Message` outside ``status@broadcast``, and `UndecryptableMessage` (type
  Unknown, empty text, as Baileys shows an undecryptable message as a stub). ``post``: a
  `Message` in ``status@broadcast`` (a WhatsApp status is Wechaty's "moment").
- ``room-join``: a participant add, and `JoinedGroup` (unless the add that announced us was
  just seen); ``room-leave``: a participant removal or leave (the leaver is then the
  remover), or the group's deletion (we leave);
  ``room-topic``: a subject change, with the previous subject (state: subjects seen, from
  `JoinedGroup` and earlier changes; ``""`` when unknown).
- ``error``: stream errors, refused logins, bans, an outdated client, pairing failures,
  malformed stanzas, and `StreamReplaced`, as `GError` with an HTTP-like code.
- ``heartbeat``: a timer, as Wechaty's puppets beat to feed its watchdog: every
  ``heartbeat_interval`` seconds (default 15) while a connection is up and answering
  keepalives, with ``"heartbeat N"`` (the N-th beat of this connection); it pauses on a
  `KeepAliveTimeout`, and `KeepAliveRestored` beats at once with ``"keepalive restored"``
  (state: the connection and its health). The timer is a task, so it runs only inside
  `WechatyDialect.run` (the dialect as a bot's source) or ``async with wechaty.running():``,
  within the bus's run; the core has no periodic event of its own to project.
- ``dirty`` (puppet level): contact changes (including the server's `ContactUpdated`, and
  both numbers of a `ContactNumberChanged`) → Contact; group changes → Room (and RoomMember when
  participants changed); stars, edits and revokes → Message. ``room-announce`` (puppet level):
  description changes, with the previous description (state).
- ``reset`` (puppet level): the stream of a logged-in session restarted, i.e. the `Connected`
  that follows a `Disconnected` (state: the reason of the disconnect, which is the payload's
  ``data``). A `Disconnected` is the core's only sign of a stream restart: the client publishes
  it before every reconnect (a drop, a stream error, a refused login worth retrying), while the
  restart the server asks for right after pairing (stream error 515) is handled inside the
  client without any event, so it is no reset (pairing's ``login`` follows instead). A
  disconnect the client does not come back from produces no ``reset``.

Never fire (no WhatsApp source, documented in `WechatyDialect.events`): ``friendship``,
``room-invite`` (the wabus schema does not declare ``groupInviteMessage`` yet), ``dong``,
``start``, ``stop`` and ``puppet``.

Answering: given a client (``dialect(bot, "wechaty", client=client)``, or
``WechatyDialect(client=client)``; any `ChatClient`, such as `wabus.client.Client`), the
objects act as Wechaty's do: ``await message.say(text)`` answers in the message's chat (the
room, or the 1:1 chat), ``await room.say(text, *contacts)`` writes to a room (mentioning the
contacts: ``@number`` in the text and in ``mentionedJid``), ``await contact.say(text)`` to a
contact, and ``await room.topic(new)`` renames the group (``client.groups.set_subject``;
the ``room-topic`` event follows when the server announces it). ``await room.topic()``
returns the subject last seen, and, with a client, asks the server for it when none was seen
yet. Each ``say`` returns the client's result (the message id and the server's timestamp).
Without a client the dialect only listens, and these methods raise `NoClient`, naming the
option. Wechaty's other actions (``forward()``, files, ``ding()``, friendship, ``room.add``…)
do not exist here: use the client (``client.send_message`` with the builders of
``wabus.client``, ``client.groups``).
"""

from __future__ import annotations

import json
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
    Mapping,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from functools import partial
from typing import Any, ClassVar, Final, Self, final, overload

import anyio
import structlog

from wabus.core import BaseEvent, CoreEventBus, Jid
from wabus.core import events as ev
from wabus.core.events import (
    GroupParticipant,
    OtherGroupChange,
    ParticipantAction,
    ParticipantsChanged,
)
from wabus.core.payloads import PayloadError
from wabus.handlers.dialects._actions import (
    ChatClient,
    NoClient,
    SendReceipt,
    text_message,
)
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
from wabus.handlers.dialects._content import content_field, safe_body, unwrap
from wabus.handlers.dialects._errors import DialectError, ProjectionError
from wabus.handlers.dialects._payloads import CoreStr

__all__ = [
    "DEFAULT_HEARTBEAT_INTERVAL",
    "Contact",
    "ContactSelf",
    "DirtyPayload",
    "DirtyType",
    "GError",
    "HeartbeatPayload",
    "Message",
    "MessageType",
    "Post",
    "ReadyPayload",
    "ResetPayload",
    "Room",
    "RoomAnnouncePayload",
    "ScanStatus",
    "WechatyDialect",
    "WechatyListener",
    "WechatyState",
]


_log = structlog.get_logger("wabus.handlers.dialects.wechaty")


class ScanStatus(IntEnum):
    """Wechaty's ``ScanStatus`` (``wechaty-puppet``), the second argument of ``scan``."""

    Unknown = 0
    Cancel = 1
    Waiting = 2
    Scanned = 3
    Confirmed = 4
    Timeout = 5


class MessageType(IntEnum):
    """Wechaty's ``MessageType``, what `Message.type` returns."""

    Unknown = 0
    Attachment = 1
    Audio = 2
    Contact = 3
    ChatHistory = 4
    Emoticon = 5
    Image = 6
    Text = 7
    Location = 8
    MiniProgram = 9
    GroupNote = 10
    Transfer = 11
    RedEnvelope = 12
    Recalled = 13
    Url = 14
    Video = 15
    Post = 16


class DirtyType(IntEnum):
    """Wechaty's ``DirtyType``: which cached payload a ``dirty`` event invalidates."""

    Unspecified = 0
    Message = 1
    Contact = 2
    Room = 3
    RoomMember = 4
    Friendship = 5
    Post = 6


# Payload objects --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """A WhatsApp user as a Wechaty contact: `id` is the user JID without device.

    As in Wechaty, the name is read with a method, ``contact.name()``; ``str(contact)`` is
    ``Contact<name>`` (the id while the name is unknown).
    """

    id: str
    """The user's JID (``15550000002@s.whatsapp.net``), or ``""`` when unknown."""
    push_name: str = ""
    """The push name, when the event carried one (what `name` returns)."""
    core: BaseEvent = field(repr=False, compare=False)
    """The core event this contact was projected from."""
    client: ChatClient | None = field(default=None, repr=False, compare=False)
    """The client `say` sends through (the dialect's; None: it only listens)."""

    def name(self) -> str:
        """The contact's name: their WhatsApp push name (``""`` when the event carried none).

        WhatsApp has no separate alias or remark, so this is all there is to a name.
        """
        return self.push_name

    async def say(self, text: str) -> SendReceipt:
        """Send `text` to this contact, in our 1:1 chat (Wechaty's ``contact.say``); returns
        the client's result (the id and the server's timestamp).

        Raises `NoClient` when the dialect has no client, `DialectError` when the contact's
        id is unknown, and what the client raises when the send fails.
        """
        client = _client(self.client, "Contact.say()")
        return await client.send_message(_jid_of(self.id, "the contact"), _text(text))

    def __str__(self) -> str:
        return f"Contact<{self.push_name or self.id or 'unknown'}>"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactSelf(Contact):
    """Our own account, as ``login`` and ``logout`` pass it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Room:
    """A WhatsApp group as a Wechaty room.

    As in Wechaty, the topic is awaited: ``await room.topic()``. ``str(room)`` is
    ``Room<topic>`` (the id while the topic is unknown).
    """

    id: str
    """The group JID (``120363…@g.us``)."""
    subject: str = ""
    """The group's subject as last seen when the event was projected (``""`` when the adapter
    had not seen it yet): what `topic` returns."""
    core: BaseEvent = field(repr=False, compare=False)
    """The core event this room was projected from."""
    client: ChatClient | None = field(default=None, repr=False, compare=False)
    """The client `say` and `topic` act through (the dialect's; None: it only listens)."""

    @overload
    async def topic(self) -> str: ...
    @overload
    async def topic(self, new_topic: str) -> None: ...

    async def topic(self, new_topic: str | None = None) -> str | None:
        """The room's topic (the group's subject); or, given `new_topic`, rename the room.

        Read: the subject last seen when the event was projected; when none was seen yet and
        the dialect has a client, the server's (``client.groups.info``). Rename (Wechaty's
        ``topic(newTopic)``, which returns nothing): ``client.groups.set_subject``; the
        ``room-topic`` event follows when the server announces the change. Renaming without a
        client raises `NoClient`; the client's errors (not an admin, a subject too long) pass
        through.
        """
        if new_topic is not None:
            client = _client(self.client, "Room.topic(new_topic)")
            await client.groups.set_subject(_jid_of(self.id, "the room"), new_topic)
            return None
        if self.subject or self.client is None:
            return self.subject
        return (await self.client.groups.info(_jid_of(self.id, "the room"))).subject

    async def say(self, text: str, *mention_list: Contact) -> SendReceipt:
        """Send `text` to the room (Wechaty's ``room.say(text, ...mentionList)``); returns the
        client's result (the id and the server's timestamp).

        Each contact of `mention_list` is mentioned, as WhatsApp mentions: ``@number`` in the
        text (put before it, unless the text has it already) and in the body's
        ``mentionedJid``. Raises `NoClient` when the dialect has no client, `DialectError`
        when a contact's id is unknown.
        """
        client = _client(self.client, "Room.say()")
        room = _jid_of(self.id, "the room")
        mentions = [_jid_of(contact.id, "a mentioned contact") for contact in mention_list]
        missing = [f"@{jid.user}" for jid in mentions if f"@{jid.user}" not in text]
        body = " ".join([*missing, text]) if missing else text
        return await client.send_message(room, _text(body, mentions))

    def __str__(self) -> str:
        return f"Room<{self.subject or self.id}>"


_MEDIA_TYPES: Final = {
    "conversation": MessageType.Text,
    "extendedTextMessage": MessageType.Text,
    "imageMessage": MessageType.Image,
    "videoMessage": MessageType.Video,
    "ptvMessage": MessageType.Video,
    "audioMessage": MessageType.Audio,
    "documentMessage": MessageType.Attachment,
    "stickerMessage": MessageType.Emoticon,
    "contactMessage": MessageType.Contact,
    "contactsArrayMessage": MessageType.Contact,
    "locationMessage": MessageType.Location,
    "liveLocationMessage": MessageType.Location,
}
_REVOKE: Final = 0  # ProtocolMessage.Type.REVOKE


def _jid_text(jid: Jid | None) -> str:
    return str(jid.to_non_ad()) if jid is not None else ""


_NO_CLIENT: Final = (
    "the Wechaty dialect only listens; give it one: dialect(bot, 'wechaty', client=client)"
    " or WechatyDialect(client=client)"
)


def _client(client: ChatClient | None, what: str) -> ChatClient:
    """The client to act through, or `NoClient` naming the option."""
    if client is None:
        raise NoClient(what, _NO_CLIENT)
    return client


def _jid_of(text: str, what: str) -> Jid:
    """The JID of a contact or a room id, or `DialectError` saying whose id is not one."""
    if not text:
        raise DialectError(f"{what} has no id (the event did not name it)")
    try:
        return Jid.parse(text)
    except ValueError as err:
        raise DialectError(f"{what}'s id {text!r} is not a JID: {err}") from err


def _text(text: str, mentions: list[Jid] | None = None) -> Any:
    """A text body, after checking that `text` is a non-empty str."""
    if not isinstance(text, str) or not text:
        raise DialectError(f"say() needs a non-empty str, got {text!r}")
    return text_message(text, mentions or ())


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """A message, with the accessors of Wechaty's ``Message`` that need no sending.

    Reading `text`, `type` or `mention_list` parses the body (once, shared with every other
    handler); nothing else does. `core` is the `wabus.core.events.Message` (or, for a message
    that could not be decrypted, the `UndecryptableMessage`).
    """

    id: str
    """The message id."""
    core: ev.Message | ev.UndecryptableMessage = field(repr=False, compare=False)
    """The core event this message was projected from."""
    me: str = field(default="", repr=False, compare=False)
    room_topic: str = field(default="", repr=False, compare=False)
    client: ChatClient | None = field(default=None, repr=False, compare=False)
    """The client `say` answers through (the dialect's; None: it only listens)."""

    def talker(self) -> Contact:
        """Who sent it (us, for our own messages)."""
        info = self.core.info
        return Contact(
            id=_jid_text(info.sender), push_name=info.push_name, core=self.core, client=self.client
        )

    def listener(self) -> Contact | None:
        """Who it was sent to, in a 1:1 chat (None in a room)."""
        source = self.core.info.source
        if source.is_group:
            return None
        if source.is_from_me:
            return Contact(
                id=_jid_text(source.recipient or source.chat), core=self.core, client=self.client
            )
        return ContactSelf(id=self.me, core=self.core, client=self.client)

    def room(self) -> Room | None:
        """The room it was sent in (None in a 1:1 chat)."""
        source = self.core.info.source
        if not source.is_group:
            return None
        return Room(
            id=str(source.chat), subject=self.room_topic, core=self.core, client=self.client
        )

    async def say(self, text: str, *mention_list: Contact) -> SendReceipt:
        """Answer in the message's chat (Wechaty's ``message.say``): the room it came from
        (mentioning `mention_list`, as `Room.say` does), or the 1:1 chat, whoever wrote the
        message. Returns the client's result (the id and the server's timestamp).

        Raises `NoClient` when the dialect has no client.
        """
        client = _client(self.client, "Message.say()")
        room = self.room()
        if room is not None:
            return await room.say(text, *mention_list)
        chat = self.core.info.source.chat.to_non_ad()
        mentions = [_jid_of(contact.id, "a mentioned contact") for contact in mention_list]
        return await client.send_message(chat, _text(text, mentions))

    def text(self) -> str:
        """The text (plain, extended or a caption); ``""`` when it has none.

        Raises `wabus.core.payloads.PayloadDecodeError` when the body does not parse.
        """
        if isinstance(self.core, ev.UndecryptableMessage):
            return ""
        return self.core.text or ""

    def type(self) -> MessageType:
        """The kind of content (`MessageType`); Unknown when the body is unavailable."""
        if isinstance(self.core, ev.UndecryptableMessage):
            return MessageType.Unknown
        body = safe_body(self.core)
        if body is None:
            return MessageType.Unknown
        kind = content_field(body)
        if kind == "extendedTextMessage":
            return (
                MessageType.Url
                if unwrap(body).extendedTextMessage.matchedText
                else MessageType.Text
            )
        if kind == "protocolMessage":
            revoke = unwrap(body).protocolMessage.type == _REVOKE
            return MessageType.Recalled if revoke else MessageType.Unknown
        return _MEDIA_TYPES.get(kind or "", MessageType.Unknown)

    def is_self(self) -> bool:
        """Whether we sent it (Wechaty's ``message.self()``)."""
        return self.core.info.source.is_from_me

    def date(self) -> datetime:
        """When the server received it."""
        return self.core.info.timestamp

    def age(self) -> float:
        """Seconds since `date`."""
        return (datetime.now(UTC) - self.date()).total_seconds()

    def mention_list(self) -> list[Contact]:
        """The contacts the message mentions (``contextInfo.mentionedJid``)."""
        if isinstance(self.core, ev.UndecryptableMessage):
            return []
        body = safe_body(self.core)
        if body is None:
            return []
        inner = unwrap(body)
        kind = content_field(inner)
        content = getattr(inner, kind, None) if kind and kind != "conversation" else None
        context = getattr(content, "contextInfo", None)
        mentioned = list(getattr(context, "mentionedJid", ()) or ())
        return [Contact(id=str(jid), core=self.core, client=self.client) for jid in mentioned]

    def mention_self(self) -> bool:
        """Whether the message mentions us (by our phone-number JID)."""
        return bool(self.me) and any(contact.id == self.me for contact in self.mention_list())

    def __str__(self) -> str:
        """``Message#Text[Contact<Alice>@Room<Book club>] hello``: the type, who sent it
        (and where, in a room), and the text. Parses the body, like `text`."""
        room = self.room()
        where = f"@{room}" if room is not None else ""
        try:
            text = self.text()
        except PayloadError:
            text = ""
        return f"Message#{self.type().name}[{self.talker()}{where}] {text}".rstrip()


@dataclass(frozen=True, slots=True, kw_only=True)
class Post(Message):
    """A WhatsApp status update, as a Wechaty post (``post`` event)."""


class GError(Exception):
    """Wechaty's ``GError``, the argument of ``error``: `code`, `message` and `details`.

    Codes are HTTP-like, as the wire uses them: 401 logged out, 402 banned, 405 outdated,
    411 no multi-device, 440 replaced, 5xx server trouble; 400 for a malformed stanza.
    """

    def __init__(
        self, code: int, message: str, details: Mapping[str, Any], core: BaseEvent
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = dict(details)
        self.core = core
        """The core event this error was projected from."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadyPayload:
    """The argument of ``ready`` (python-wechaty's ``EventReadyPayload``)."""

    data: str
    """How many stanzas the offline sync delivered, as text."""
    core: BaseEvent = field(repr=False, compare=False)
    """The core event this payload was projected from."""


class HeartbeatPayload(CoreStr):
    """The argument of ``heartbeat``: its data, a string, as Wechaty passes it.

    TypeScript's ``bot.on('heartbeat', data => …)`` gets the string itself, and so does a
    Python listener; python-wechaty's ``on_heartbeat(payload)`` reads ``payload.data``, which
    is the same string. ``"heartbeat 3"`` is the third beat of the timer on this connection;
    ``"keepalive restored"`` the beat of a keepalive answered again. `core` is the
    `Connected` of the connection a timer beat belongs to (or the `KeepAliveRestored`).
    """

    @property
    def data(self) -> str:
        """The data, as a plain `str` (python-wechaty's ``EventHeartbeatPayload.data``)."""
        return str.__str__(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResetPayload:
    """The argument of the puppet-level ``reset``: the stream of a logged-in session restarted."""

    data: str
    """Why the previous stream ended (the `Disconnected` reason, e.g. ``"read timeout"``)."""
    core: BaseEvent = field(repr=False, compare=False)
    """The `Connected` of the restarted stream."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DirtyPayload:
    """The argument of the puppet-level ``dirty``: a cached payload is stale."""

    payload_type: DirtyType
    """What kind of payload."""
    payload_id: str
    """Its id (a JID, or a message id)."""
    core: BaseEvent = field(repr=False, compare=False)
    """The core event this payload was projected from."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomAnnouncePayload:
    """The argument of the puppet-level ``room-announce``: a group's description changed."""

    room_id: str
    changer_id: str
    new_announce: str
    """The new description (``""`` when it was deleted)."""
    old_announce: str
    """The previous description (``""`` when unknown)."""
    timestamp: datetime
    core: BaseEvent = field(repr=False, compare=False)
    """The core event this payload was projected from."""


# State ------------------------------------------------------------------------------------


@dataclass
class WechatyState(SessionState):
    """What the Wechaty adapter remembers (see the module doc)."""

    logged_in: bool = False
    """Set by the first `Connected` of a session; ``login`` fires only when it was unset."""
    ready: bool = False
    """Set by the first `OfflineSyncCompleted` after a login."""
    pairing: bool = False
    """A QR code or pairing code is showing."""
    subjects: dict[Jid, str] = field(default_factory=dict)
    """The last subject seen per group (for ``room-topic``'s old topic)."""
    descriptions: dict[Jid, str] = field(default_factory=dict)
    """The last description seen per group (for ``room-announce``)."""
    last_add: tuple[Jid, datetime, tuple[GroupParticipant, ...]] | None = None
    """The participant add seen just before, which `JoinedGroup` may repeat."""
    connection: ev.Connected | None = None
    """The `Connected` of the connection that is up (None before it and after it ended)."""
    connections: int = 0
    """How many `Connected` were seen: the number of the connection that is (or was last) up."""
    unhealthy: bool = False
    """A keepalive of this connection went unanswered and none was answered since."""
    reset_reason: str | None = None
    """Why the stream of a logged-in session ended (`Disconnected`), until it reconnects."""
    client: ChatClient | None = None
    """The client the projected objects act through (given to the dialect; None: it only
    listens). Not learnt from events: the dialect sets it once."""

    @property
    def beating(self) -> ev.Connected | None:
        """The `Connected` whose connection the heartbeat timer beats for: up and answering
        keepalives (None: no beats now)."""
        return None if self.unhealthy else self.connection

    def observe(self, event: BaseEvent) -> None:
        """Update the latches and caches after `event` was projected."""
        super().observe(event)
        self.last_add = None
        if isinstance(event, ev.PairingQrCode | ev.PairingCode):
            self.pairing = True
        elif isinstance(event, ev.PairSuccess | ev.PairError | ev.QrScannedWithoutMultidevice):
            self.pairing = False
        elif isinstance(event, ev.Disconnected):
            self.pairing = False
            self.connection = None
            if self.logged_in:
                self.reset_reason = event.reason or "connection lost"
        elif isinstance(event, ev.Connected):
            self.logged_in = True
            self.pairing = self.unhealthy = False
            self.connection = event
            self.connections += 1
            self.reset_reason = None
        elif isinstance(event, ev.KeepAliveTimeout):
            self.unhealthy = True
        elif isinstance(event, ev.KeepAliveRestored):
            self.unhealthy = False
        elif isinstance(event, ev.OfflineSyncCompleted):
            self.ready = self.logged_in
        elif _ends_session(event):
            self.logged_in = self.ready = False
            self.connection = self.reset_reason = None
        elif isinstance(event, ev.JoinedGroup):
            if event.subject is not None:
                self.subjects[event.jid] = event.subject
        elif isinstance(event, ev.GroupInfoUpdate):
            change = event.change
            if isinstance(change, ev.SubjectChanged):
                self.subjects[event.jid] = change.subject
            elif isinstance(change, ev.DescriptionChanged):
                self.descriptions[event.jid] = change.description or ""
            elif isinstance(change, ParticipantsChanged) and change.action is ParticipantAction.ADD:
                self.last_add = (event.jid, event.timestamp, change.participants)
            elif isinstance(change, OtherGroupChange) and change.tag == "delete":
                self.subjects.pop(event.jid, None)
                self.descriptions.pop(event.jid, None)

    def self_contact(self, event: BaseEvent) -> ContactSelf:
        """Our own contact, as far as known."""
        return ContactSelf(id=self.my_id, push_name=self.push_name, core=event, client=self.client)

    def contact(self, jid: Jid | None, event: BaseEvent) -> Contact:
        """A contact (by its user JID, without device; ``""`` when `jid` is None)."""
        return Contact(id=_jid_text(jid), core=event, client=self.client)

    def room(self, jid: Jid, event: BaseEvent, subject: str | None = None) -> Room:
        """A room, with `subject` (default: the subject last seen)."""
        shown = self.subjects.get(jid, "") if subject is None else subject
        return Room(id=str(jid), subject=shown, core=event, client=self.client)


def _ends_session(event: BaseEvent) -> bool:
    if isinstance(event, ev.LoggedOut | ev.StreamReplaced):
        return True
    return isinstance(event, ev.ConnectFailure) and event.reason.is_logged_out


# Projectors -------------------------------------------------------------------------------


def _scan_qr(state: WechatyState, event: ev.PairingQrCode) -> Iterator[Args]:
    yield CoreStr(event.code, event), ScanStatus.Waiting, None


def _scan_code(state: WechatyState, event: ev.PairingCode) -> Iterator[Args]:
    yield CoreStr("", event), ScanStatus.Waiting, CoreStr(event.code, event)


def _scan_no_md(state: WechatyState, event: ev.QrScannedWithoutMultidevice) -> Iterator[Args]:
    yield CoreStr("", event), ScanStatus.Scanned, None


def _scan_success(state: WechatyState, event: ev.PairSuccess) -> Iterator[Args]:
    data = json.dumps({"id": str(event.id), "lid": str(event.lid), "platform": event.platform})
    yield CoreStr("", event), ScanStatus.Confirmed, CoreStr(data, event)


def _scan_error(state: WechatyState, event: ev.PairError) -> Iterator[Args]:
    yield CoreStr("", event), ScanStatus.Cancel, CoreStr(event.error, event)


def _scan_timeout(state: WechatyState, event: ev.Disconnected) -> Iterator[Args]:
    if state.pairing:
        yield CoreStr("", event), ScanStatus.Timeout, CoreStr(event.reason or "", event)


def _login(state: WechatyState, event: ev.Connected) -> Iterator[Args]:
    if not state.logged_in:
        yield (state.self_contact(event),)


def _logout_reason(event: BaseEvent) -> str:
    if isinstance(event, ev.StreamReplaced):
        return "stream_replaced"
    reason = getattr(event, "reason", ev.ConnectFailureReason.LOGGED_OUT)
    return str(int(reason))


def _logout(state: WechatyState, event: BaseEvent) -> Iterator[Args]:
    if state.logged_in and _ends_session(event):
        yield state.self_contact(event), CoreStr(_logout_reason(event), event)


def _ready(state: WechatyState, event: ev.OfflineSyncCompleted) -> Iterator[Args]:
    if state.logged_in and not state.ready:
        yield (ReadyPayload(data=str(event.count), core=event),)


def _heartbeat(state: WechatyState, event: ev.KeepAliveRestored) -> Iterator[Args]:
    yield (HeartbeatPayload("keepalive restored", event),)


def _gerror(event: BaseEvent) -> GError | None:
    """The `GError` for an event that is an error in Wechaty's eyes, else None."""
    if isinstance(event, ev.StreamError):
        code = int(event.code) if event.code.isdigit() else 500
        return GError(code, f"stream error {event.code}", {"code": event.code}, event)
    if isinstance(event, ev.ConnectFailure):
        if event.reason.is_logged_out:
            return None
        text = event.message or event.reason.name.lower().replace("_", " ")
        return GError(int(event.reason), text, {"reason": event.reason.name}, event)
    if isinstance(event, ev.TemporaryBan):
        text = event.code.name.lower().replace("_", " ")
        details = {"ban_code": int(event.code), "expire_s": event.expire.total_seconds()}
        return GError(402, f"temporarily banned: {text}", details, event)
    if isinstance(event, ev.ClientOutdated):
        return GError(405, "the server rejected this client version", {}, event)
    if isinstance(event, ev.PairError):
        return GError(401, f"pairing failed: {event.error}", {"id": str(event.id)}, event)
    if isinstance(event, ev.QrScannedWithoutMultidevice):
        return GError(411, "the QR code was scanned by a phone without multi-device", {}, event)
    if isinstance(event, ev.StreamReplaced):
        return GError(440, "another client connected with the same credentials", {}, event)
    if isinstance(event, ev.MalformedStanza):
        return GError(400, f"malformed <{event.tag}> stanza: {event.reason}", {}, event)
    if isinstance(event, ev.LoggedOut):
        return GError(int(event.reason), "logged out before the login completed", {}, event)
    return None


def _error(state: WechatyState, event: BaseEvent) -> Iterator[Args]:
    if isinstance(event, ev.LoggedOut) and state.logged_in:
        return  # a logout, not an error
    error = _gerror(event)
    if error is not None:
        yield (error,)


def _message(state: WechatyState, event: ev.Message | ev.UndecryptableMessage) -> Iterator[Args]:
    if event.info.chat.is_status_broadcast:
        return
    topic = state.subjects.get(event.info.chat, "")
    message = Message(
        id=event.info.id, core=event, me=state.my_id, room_topic=topic, client=state.client
    )
    yield (message,)


def _post(state: WechatyState, event: ev.Message) -> Iterator[Args]:
    if event.info.chat.is_status_broadcast:
        yield (Post(id=event.info.id, core=event, me=state.my_id, client=state.client),)


def _contacts(
    state: WechatyState, participants: Iterable[GroupParticipant], event: BaseEvent
) -> list[Contact]:
    return [state.contact(p.phone_number or p.jid, event) for p in participants]


def _room_join(state: WechatyState, event: ev.GroupInfoUpdate) -> Iterator[Args]:
    change = event.change
    if isinstance(change, ParticipantsChanged) and change.action is ParticipantAction.ADD:
        invitees = _contacts(state, change.participants, event)
        inviter = (
            state.contact(event.actor_pn or event.actor, event)
            if event.actor is not None
            else (invitees[0] if invitees else state.self_contact(event))
        )
        yield state.room(event.jid, event), invitees, inviter, event.timestamp


def _room_join_self(state: WechatyState, event: ev.JoinedGroup) -> Iterator[Args]:
    if state.last_add is not None and state.last_add[:2] == (event.jid, event.timestamp):
        return  # the participant add just before already announced us
    me = state.self_contact(event)
    inviter = state.contact(event.actor_pn or event.actor, event) if event.actor is not None else me
    room = state.room(event.jid, event, event.subject or state.subjects.get(event.jid, ""))
    yield room, [me], inviter, event.timestamp or datetime.now(UTC)


def _room_leave(state: WechatyState, event: ev.GroupInfoUpdate) -> Iterator[Args]:
    change = event.change
    if isinstance(change, ParticipantsChanged) and change.action in (
        ParticipantAction.REMOVE,
        ParticipantAction.LEAVE,
    ):
        leavers = _contacts(state, change.participants, event)
        remover = (
            state.contact(event.actor_pn or event.actor, event)
            if event.actor is not None
            else (leavers[0] if leavers else state.self_contact(event))
        )
        yield state.room(event.jid, event), leavers, remover, event.timestamp
    elif isinstance(change, OtherGroupChange) and change.tag == "delete":
        me = state.self_contact(event)
        remover = state.contact(event.actor_pn or event.actor, event)
        yield state.room(event.jid, event), [me], remover, event.timestamp


def _room_topic(state: WechatyState, event: ev.GroupInfoUpdate) -> Iterator[Args]:
    change = event.change
    if isinstance(change, ev.SubjectChanged):
        changer = state.contact(event.actor_pn or event.actor or change.subject_owner, event)
        room = state.room(event.jid, event, change.subject)
        old = CoreStr(state.subjects.get(event.jid, ""), event)
        date = change.subject_time or event.timestamp
        yield room, CoreStr(change.subject, event), old, changer, date


def _room_announce(state: WechatyState, event: ev.GroupInfoUpdate) -> Iterator[Args]:
    change = event.change
    if isinstance(change, ev.DescriptionChanged):
        yield (
            RoomAnnouncePayload(
                room_id=str(event.jid),
                changer_id=_jid_text(event.actor_pn or event.actor),
                new_announce=change.description or "",
                old_announce=state.descriptions.get(event.jid, ""),
                timestamp=event.timestamp,
                core=event,
            ),
        )


def _dirty(kind: DirtyType, payload_id: str, event: BaseEvent) -> Args:
    return (DirtyPayload(payload_type=kind, payload_id=payload_id, core=event),)


def _dirty_contact(
    state: WechatyState,
    event: ev.PushNameUpdate | ev.UserAboutUpdate | ev.BusinessStatusUpdate | ev.ContactUpdated,
) -> Iterator[Args]:
    yield _dirty(DirtyType.Contact, _jid_text(event.jid), event)


def _dirty_number(state: WechatyState, event: ev.ContactNumberChanged) -> Iterator[Args]:
    yield _dirty(DirtyType.Contact, _jid_text(event.old_jid), event)
    yield _dirty(DirtyType.Contact, _jid_text(event.new_jid), event)


def _dirty_picture(state: WechatyState, event: ev.PictureUpdate) -> Iterator[Args]:
    if event.jid.is_group:
        yield _dirty(DirtyType.Room, str(event.jid), event)
    else:
        yield _dirty(DirtyType.Contact, _jid_text(event.jid), event)


def _dirty_group(state: WechatyState, event: ev.GroupInfoUpdate) -> Iterator[Args]:
    yield _dirty(DirtyType.Room, str(event.jid), event)
    if isinstance(event.change, ParticipantsChanged):
        yield _dirty(DirtyType.RoomMember, str(event.jid), event)


def _dirty_joined(state: WechatyState, event: ev.JoinedGroup) -> Iterator[Args]:
    yield _dirty(DirtyType.Room, str(event.jid), event)


def _dirty_star(state: WechatyState, event: ev.StarUpdate) -> Iterator[Args]:
    yield _dirty(DirtyType.Message, event.message_id, event)


def _dirty_edit(state: WechatyState, event: ev.Message) -> Iterator[Args]:
    if event.info.edit is ev.EditAttribute.NONE:
        return
    target = event.info.id
    body = safe_body(event)
    if body is not None:
        inner = unwrap(body)
        if inner.HasField("protocolMessage") and inner.protocolMessage.key.id:
            target = inner.protocolMessage.key.id
    yield _dirty(DirtyType.Message, target, event)


def _reset(state: WechatyState, event: ev.Connected) -> Iterator[Args]:
    if state.logged_in and state.reset_reason is not None:
        yield (ResetPayload(data=state.reset_reason, core=event),)


def _spec(name: str, params: tuple[str, ...], doc: str, unmapped: str | None = None) -> EventSpec:
    return EventSpec(name=name, params=params, doc=doc, unmapped=unmapped)


_EVENTS: Final = (
    _spec(
        "scan",
        ("qrcode: str", "status: ScanStatus", "data: str | None"),
        "A QR code to scan (Waiting), or a step of pairing (Scanned, Confirmed, Cancel, Timeout).",
    ),
    _spec("login", ("user: ContactSelf",), "Logged in: the first Connected of a session."),
    _spec(
        "logout",
        ("user: ContactSelf", "reason: str"),
        "Logged out (unlinked, session invalid, or replaced by another client).",
    ),
    _spec("message", ("message: Message",), "A message (status updates come as post)."),
    _spec("post", ("post: Post",), "A WhatsApp status update."),
    _spec(
        "room-join",
        ("room: Room", "invitees: list[Contact]", "inviter: Contact", "date: datetime"),
        "Participants joined a group (or we did).",
    ),
    _spec(
        "room-leave",
        ("room: Room", "leavers: list[Contact]", "remover: Contact", "date: datetime"),
        "Participants left or were removed (or the group was deleted).",
    ),
    _spec(
        "room-topic",
        ("room: Room", "new_topic: str", "old_topic: str", "changer: Contact", "date: datetime"),
        "A group's subject changed; old_topic is the last one seen ('' when unknown).",
    ),
    _spec("ready", ("payload: ReadyPayload",), "The first offline sync after a login is done."),
    _spec("error", ("error: GError",), "Something went wrong (see GError for the codes)."),
    _spec(
        "heartbeat",
        ("data: HeartbeatPayload",),
        "Every heartbeat_interval seconds while connected and answering keepalives (the timer"
        " runs inside run() or running()), and when a keepalive is answered again.",
    ),
    _spec(
        "dirty",
        ("payload: DirtyPayload",),
        "Puppet level: a cached contact, room, member list or message is stale.",
    ),
    _spec(
        "reset",
        ("payload: ResetPayload",),
        "Puppet level: the stream of a logged-in session restarted (a Connected after a"
        " Disconnected).",
    ),
    _spec(
        "room-announce",
        ("payload: RoomAnnouncePayload",),
        "Puppet level: a group's description (announcement) changed.",
    ),
    _spec(
        "friendship",
        ("friendship: Friendship",),
        "A friend request.",
        unmapped="WhatsApp has no friend requests",
    ),
    _spec(
        "room-invite",
        ("invitation: RoomInvitation",),
        "An invitation to a group.",
        unmapped="the wabus message schema does not declare groupInviteMessage yet",
    ),
    _spec(
        "dong",
        ("data: str | None",),
        "The answer to ding().",
        unmapped="the bus exposes no ping round trip, so there is no ding() to answer",
    ),
    _spec("start", (), "The bot started.", unmapped="wabus bots have no facade lifecycle events"),
    _spec("stop", (), "The bot stopped.", unmapped="wabus bots have no facade lifecycle events"),
    _spec(
        "puppet",
        ("puppet: object",),
        "The puppet was set (private in Wechaty).",
        unmapped="there is no puppet: the core client plays its part",
    ),
)

_RULES: Final[tuple[Rule, ...]] = (
    rule(ev.PairingQrCode, "scan", _scan_qr),
    rule(ev.PairingCode, "scan", _scan_code),
    rule(ev.QrScannedWithoutMultidevice, "scan", _scan_no_md),
    rule(ev.QrScannedWithoutMultidevice, "error", _error),
    rule(ev.PairSuccess, "scan", _scan_success),
    rule(ev.PairError, "scan", _scan_error),
    rule(ev.PairError, "error", _error),
    rule(ev.Disconnected, "scan", _scan_timeout),
    rule(ev.Connected, "reset", _reset),
    rule(ev.Connected, "login", _login),
    rule(ev.LoggedOut, "logout", _logout),
    rule(ev.LoggedOut, "error", _error),
    rule(ev.ConnectFailure, "logout", _logout),
    rule(ev.ConnectFailure, "error", _error),
    rule(ev.StreamReplaced, "logout", _logout),
    rule(ev.StreamReplaced, "error", _error),
    rule(ev.StreamError, "error", _error),
    rule(ev.TemporaryBan, "error", _error),
    rule(ev.ClientOutdated, "error", _error),
    rule(ev.MalformedStanza, "error", _error),
    rule(ev.OfflineSyncCompleted, "ready", _ready),
    rule(ev.KeepAliveRestored, "heartbeat", _heartbeat),
    rule(ev.Message, "message", _message),
    rule(ev.Message, "post", _post),
    rule(ev.Message, "dirty", _dirty_edit),
    rule(ev.UndecryptableMessage, "message", _message),
    rule(ev.GroupInfoUpdate, "room-join", _room_join),
    rule(ev.GroupInfoUpdate, "room-leave", _room_leave),
    rule(ev.GroupInfoUpdate, "room-topic", _room_topic),
    rule(ev.GroupInfoUpdate, "room-announce", _room_announce),
    rule(ev.GroupInfoUpdate, "dirty", _dirty_group),
    rule(ev.JoinedGroup, "room-join", _room_join_self),
    rule(ev.JoinedGroup, "dirty", _dirty_joined),
    rule(ev.PushNameUpdate, "dirty", _dirty_contact),
    rule(ev.UserAboutUpdate, "dirty", _dirty_contact),
    rule(ev.BusinessStatusUpdate, "dirty", _dirty_contact),
    rule(ev.ContactUpdated, "dirty", _dirty_contact),
    rule(ev.ContactNumberChanged, "dirty", _dirty_number),
    rule(ev.PictureUpdate, "dirty", _dirty_picture),
    rule(ev.StarUpdate, "dirty", _dirty_star),
)


@final
class _Done:
    """An awaitable that is already done: awaiting it, or not, are both fine."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield  # a generator: awaiting it finishes at once


DEFAULT_HEARTBEAT_INTERVAL: Final = 15.0
"""Seconds between two timer beats of ``heartbeat``, unless `WechatyDialect` is told otherwise."""


class WechatyDialect(Dialect[WechatyState]):
    """Core events as Wechaty events (see the module doc for the mapping).

    Also the handler plugin ``wechaty``: ``Bot.builder().with_plugin("wechaty")``.

    `client` is what the payload objects act through (``say``, ``topic(new)``): any
    `ChatClient`, such as the bot's `wabus.client.Client`; without one the dialect only
    listens, and those methods raise `NoClient`.

    `heartbeat_interval` is the seconds between two beats of the ``heartbeat`` timer (None:
    no timer; the beat of a keepalive answered again still comes). The timer is a task, so it
    needs a parent that lives as long as the bus: run the dialect as a bot's `Source` (`run`:
    ``Bot.builder().with_handler(w).with_source(w)``), or around your own code with ``async
    with wechaty.running():``. Without either, no timer beats; nothing else changes.

    Thread-safety: as `Dialect`; `run` and `running` belong to the bus's event loop.
    """

    name: ClassVar[str] = "wechaty"
    state_class: ClassVar[type[SessionState]] = WechatyState
    events: ClassVar[Mapping[str, EventSpec]] = {spec.name: spec for spec in _EVENTS}
    rules: ClassVar[tuple[Rule, ...]] = _RULES

    def __init__(
        self,
        *,
        me: Jid | str | None = None,
        push_name: str = "",
        heartbeat_interval: float | None = DEFAULT_HEARTBEAT_INTERVAL,
        client: ChatClient | None = None,
    ) -> None:
        if heartbeat_interval is not None and (
            isinstance(heartbeat_interval, bool)
            or not isinstance(heartbeat_interval, int | float)
            or not heartbeat_interval > 0
        ):
            raise ValueError(
                f"heartbeat_interval must be a positive number or None, got {heartbeat_interval!r}"
            )
        super().__init__(me=me, push_name=push_name)
        self._state.client = client
        self.heartbeat_interval: Final = heartbeat_interval
        """Seconds between two timer beats (None: no timer)."""
        self._timer_running = False
        self._timer_wake: anyio.Event | None = None

    # Wechaty's facade ----------------------------------------------------------------------

    def start(self) -> Awaitable[None]:
        """Wechaty's ``bot.start()``, so that Wechaty code runs as written: it does nothing.

        What starts a wabus bot is whoever runs its bus (``bot.run()``, ``async with bus``);
        the heartbeat timer starts with `run` or `running`. The result is an awaitable that is
        already done, so ``await bot.start()`` (python-wechaty) and a bare ``bot.start()``
        (the TypeScript habit) both work.
        """
        return _Done()

    def stop(self) -> Awaitable[None]:
        """Wechaty's ``bot.stop()``: does nothing, like `start` (stop the bot or bus instead)."""
        return _Done()

    # The heartbeat timer -------------------------------------------------------------------

    @property
    def timer_running(self) -> bool:
        """Whether the heartbeat timer's task runs (inside `run` or `running`)."""
        return self._timer_running

    def project(
        self,
        event: BaseEvent,
        wanted: Callable[[str], bool] | None = None,
        errors: list[ProjectionError] | None = None,
    ) -> list[DialectEvent]:
        """As `Dialect.project`; also wakes the heartbeat timer when the connection it beats
        for came up, went down, or stopped (or started again) answering keepalives."""
        state = self._state
        beating, connections = state.beating, state.connections
        out = super().project(event, wanted, errors)
        wake = self._timer_wake
        if wake is not None and (state.beating is not beating or state.connections != connections):
            wake.set()
        return out

    async def run(self, bus: CoreEventBus) -> None:
        """As a bot's `Source`: keep the heartbeat timer until the bot stops (cancelled).

        Adds the dialect to `bus` if it is not there already (and removes it at the end if it
        added it). Like any source that serves until cancelled, it keeps ``bot.run()`` going
        until ``bot.stop()``.
        """
        try:
            bus.add_handler(self)
            added = True
        except ValueError:
            added = False  # attached already: dialect(), with_handler or with_plugin
        try:
            async with self.running():
                await anyio.sleep_forever()
        finally:
            if added:
                bus.remove_handler(self)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Self]:
        """``async with wechaty.running():`` the heartbeat timer runs while the block does.

        Enter it inside the bus's run (``async with bus:`` or ``async with bot:``), so that
        the timer's task ends before the bus does. Raises `DialectError` when the timer runs
        already. With ``heartbeat_interval=None`` it runs nothing.
        """
        interval = self.heartbeat_interval
        if interval is None:
            yield self
            return
        if self._timer_running:
            raise DialectError("the heartbeat timer of this Wechaty dialect runs already")
        self._timer_running = True
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._beat, interval, name="wabus wechaty heartbeat")
                try:
                    yield self
                finally:
                    group.cancel_scope.cancel()
        finally:
            self._timer_running = False
            self._timer_wake = None

    def _beats_for(self, number: int) -> bool:
        """Whether the timer still beats for connection `number` (up, answering keepalives)."""
        state = self._state
        return state.beating is not None and state.connections == number

    async def _beat(self, interval: float) -> None:
        """The timer: a beat every `interval` seconds of a connection that is up and healthy.

        It sleeps while there is none; a change of connection (or of its health) restarts the
        interval. Beats are numbered per connection. A listener that fails is logged.
        """
        numbered = 0  # the connection whose beats `count` numbers
        count = 0
        while True:
            wake = self._timer_wake = anyio.Event()
            current = self._state.beating
            if current is None:
                await wake.wait()
                continue
            number = self._state.connections
            if number != numbered:
                numbered, count = number, 0
            with anyio.move_on_after(interval):
                await wake.wait()
            if wake.is_set():
                continue
            count += 1
            if not self.wants("heartbeat"):
                continue
            emission = self.emission(
                "heartbeat", (HeartbeatPayload(f"heartbeat {count}", current),), current
            )
            failures = await self.deliver_timed(emission, partial(self._beats_for, number))
            for failure in failures:
                _log.error(
                    "wechaty heartbeat listener failed", error=str(failure), exc_info=failure
                )


class WechatyListener(DialectListener, dialect=WechatyDialect):
    """Base for python-wechaty's override style: define ``on_scan``, ``on_login``,
    ``on_message``, ``on_room_join``… and register an instance with
    ``WechatyDialect.add_listener``."""
