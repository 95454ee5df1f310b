"""Typed builders of the message bodies a bot sends: give their result to `Client.send_message`.

Each builder returns a ``wa.Message`` (`wabus.proto.e2e_pb2.Message`) shaped as WhatsApp's
own clients shape it (the facts are Baileys' ``generateWAMessageContent`` and
``generateWAMessageFromContent``, ``lib/Utils/messages.js``); `send_message` reads the stanza's
``type``, ``edit`` and ``mediatype`` from the body, so nothing else is needed::

    await client.send_message(chat, text("hi @15550001", mentions=[ALICE]))
    await client.send_message(chat, reply(event, "thanks!"))
    await client.send_message(chat, reaction(event, "👍"))
    await client.send_message(chat, edit(sent, text("fixed typo")))
    await client.send_message(chat, revoke(sent))

A message another builder points at (a reply's quote, a reaction's target, an edit's or a
revoke's original) is a `MessageRef`: made from a received `Message` event
(`MessageRef.of`), from a `SendResult` of ours (`MessageRef.sent`), or by hand. Builders take
either the event, the ref, or (for our own messages) the `SendResult` itself.

Bad input (an empty poll, an edit of someone else's message, a latitude off the globe) raises
`ContentError` naming the field.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from wabus.client._e2e import SendResult
from wabus.client._errors import ClientError
from wabus.core import Jid
from wabus.core.events import Message
from wabus.core.payloads import PayloadDecodeError
from wabus.proto.common_pb2 import MessageKey
from wabus.proto.e2e_pb2 import ContextInfo
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import PollVoteError, encrypt_poll_vote

__all__ = [
    "ContentError",
    "LinkPreview",
    "MessageRef",
    "Target",
    "contact_card",
    "edit",
    "forward",
    "location",
    "poll",
    "poll_vote",
    "reaction",
    "remove_reaction",
    "reply",
    "revoke",
    "text",
    "vcard",
]

_EDIT: Final = WAMessage.ProtocolMessage.MESSAGE_EDIT
_REVOKE: Final = WAMessage.ProtocolMessage.REVOKE
POLL_SECRET_SIZE: Final = 32
MAX_POLL_OPTIONS: Final = 12
"""The most options WhatsApp's clients let a poll have."""


class ContentError(ClientError, ValueError):
    """A builder was given something WhatsApp cannot carry; `field` names what."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Which message another one points at: the chat, the id, whether we sent it, and (in a
    group, for someone else's message) who did."""

    chat: Jid
    id: str
    from_me: bool
    participant: Jid | None = None
    """The author, in a group (or a broadcast); None for a 1:1 chat."""

    @classmethod
    def of(cls, event: Message) -> MessageRef:
        """The ref of a received message (or one of ours seen from another device)."""
        source = event.info.source
        participant = source.sender.to_non_ad() if source.is_group else None
        return cls(source.chat, event.info.id, source.is_from_me, participant)

    @classmethod
    def sent(cls, chat: Jid, result: SendResult) -> MessageRef:
        """The ref of a message we sent to `chat` (what `send_message` returned)."""
        return cls(chat.to_non_ad(), result.id, True)

    def key(self) -> MessageKey:
        """The ``MessageKey`` protobuf that names the message."""
        key = MessageKey(remoteJid=str(self.chat), fromMe=self.from_me, id=self.id)
        if self.participant is not None and not self.from_me:
            key.participant = str(self.participant)
        return key


Target = Message | MessageRef
"""What a builder that points at a message takes."""


def _ref(target: Target, what: str) -> MessageRef:
    if isinstance(target, MessageRef):
        return target
    if isinstance(target, Message):
        return MessageRef.of(target)
    raise ContentError(
        what, f"expected a Message event or a MessageRef, got {type(target).__name__}"
    )


@dataclass(frozen=True, slots=True)
class LinkPreview:
    """A link preview the caller made (wabus fetches nothing): the URL as it is written in
    the text, and what to show for it."""

    url: str
    title: str = ""
    description: str = ""
    thumbnail: bytes = b""
    """A small JPEG."""


def _context(mentions: Iterable[Jid]) -> ContextInfo | None:
    listed = [str(j.to_non_ad()) for j in mentions]
    return ContextInfo(mentionedJid=listed) if listed else None


def text(
    body: str,
    *,
    mentions: Iterable[Jid] = (),
    link_preview: LinkPreview | None = None,
) -> WAMessage:
    """A text message. `mentions` are the users the text ``@``-mentions (write ``@`` and the
    number in `body`, as WhatsApp shows it); `link_preview` must name a URL found in `body`.

    A plain text is a ``conversation``; with mentions or a preview, an
    ``extendedTextMessage``."""
    if not body:
        raise ContentError("body", "a text message needs some text")
    context = _context(mentions)
    if context is None and link_preview is None:
        return WAMessage(conversation=body)
    extended = WAMessage.ExtendedTextMessage(text=body)
    if context is not None:
        extended.contextInfo.CopyFrom(context)
    if link_preview is not None:
        if link_preview.url not in body:
            raise ContentError("link_preview.url", "the previewed URL is not in the text")
        extended.matchedText = link_preview.url
        extended.title = link_preview.title
        extended.description = link_preview.description
        extended.previewType = WAMessage.ExtendedTextMessage.NONE
        if link_preview.thumbnail:
            extended.jpegThumbnail = link_preview.thumbnail
    return WAMessage(extendedTextMessage=extended)


# The body kinds whose message has a contextInfo (for replies, mentions, forwards).
_WITH_CONTEXT: Final = (
    "extendedTextMessage",
    "imageMessage",
    "videoMessage",
    "audioMessage",
    "documentMessage",
    "stickerMessage",
    "locationMessage",
    "contactMessage",
    "contactsArrayMessage",
    "pollCreationMessage",
    "pollCreationMessageV2",
    "pollCreationMessageV3",
)


def _as_content(content: WAMessage | str) -> WAMessage:
    return text(content) if isinstance(content, str) else content


def _context_of(message: WAMessage, what: str) -> ContextInfo:
    """The body's contextInfo (a plain ``conversation`` becomes an extended text first)."""
    if message.conversation:
        body = message.conversation
        message.ClearField("conversation")
        message.extendedTextMessage.text = body
    for name in _WITH_CONTEXT:
        if message.HasField(name):
            context: ContextInfo = getattr(message, name).contextInfo
            return context
    raise ContentError(what, "this kind of message cannot quote, mention or be forwarded")


def _quotable(message: WAMessage) -> WAMessage:
    """`message` as a quote holds it: unwrapped, without its own context."""
    inner = WAMessage()
    inner.CopyFrom(message)
    if inner.HasField("deviceSentMessage"):
        inner = inner.deviceSentMessage.message
    for wrapper in ("ephemeralMessage", "viewOnceMessage", "viewOnceMessageV2"):
        if inner.HasField(wrapper):
            inner = getattr(inner, wrapper).message
    inner.ClearField("messageContextInfo")
    for name in _WITH_CONTEXT:
        if inner.HasField(name):
            getattr(inner, name).ClearField("contextInfo")
    return inner


def reply(
    to: Message,
    content: WAMessage | str,
    *,
    mentions: Iterable[Jid] = (),
    chat: Jid | None = None,
) -> WAMessage:
    """`content` (a body, or a text) as a reply quoting the received message `to`. Give the
    `chat` it goes to when that is not `to`'s own chat (a private reply to a group message):
    the quote then names where the quoted message is."""
    if not isinstance(to, Message):
        raise ContentError("to", f"a reply quotes a Message event, got {type(to).__name__}")
    message = WAMessage()
    message.CopyFrom(_as_content(content))
    context = _context_of(message, "content")
    source = to.info.source
    context.stanzaId = to.info.id
    context.participant = str(source.sender.to_non_ad())
    context.quotedMessage.CopyFrom(_quotable(_body(to, "to")))
    if chat is not None and chat.to_non_ad() != source.chat.to_non_ad():
        context.remoteJid = str(source.chat)
    context.mentionedJid.extend(str(j.to_non_ad()) for j in mentions)
    return message


def reaction(target: Target, emoji: str, *, timestamp_ms: int | None = None) -> WAMessage:
    """A reaction with `emoji` to `target` (an empty `emoji` removes ours)."""
    ref = _ref(target, "target")
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    return WAMessage(
        reactionMessage=WAMessage.ReactionMessage(
            key=ref.key(), text=emoji, senderTimestampMs=stamp
        )
    )


def remove_reaction(target: Target) -> WAMessage:
    """Take back our reaction to `target`."""
    return reaction(target, "")


def _own(target: Target | SendResult, chat: Jid | None, what: str) -> MessageRef:
    if isinstance(target, SendResult):
        if chat is None:
            raise ContentError("chat", f"{what} of a SendResult needs the chat it was sent to")
        return MessageRef.sent(chat, target)
    ref = _ref(target, "target")
    if not ref.from_me:
        raise ContentError("target", f"only our own messages can be {what}")
    return ref


def edit(
    target: Target | SendResult,
    content: WAMessage | str,
    *,
    chat: Jid | None = None,
    timestamp_ms: int | None = None,
) -> WAMessage:
    """An edit of our own message `target` to say `content` (a ``protocolMessage`` of type
    ``MESSAGE_EDIT`` carrying the new body; sent with ``edit="1"``). A `SendResult` needs the
    `chat` it was sent to."""
    ref = _own(target, chat, "edited")
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    protocol = WAMessage.ProtocolMessage(key=ref.key(), type=_EDIT, timestampMs=stamp)
    protocol.editedMessage.CopyFrom(_as_content(content))
    return WAMessage(protocolMessage=protocol)


def revoke(target: Target | SendResult, *, chat: Jid | None = None) -> WAMessage:
    """Delete `target` for everyone (a ``protocolMessage`` of type ``REVOKE``). Our own
    message goes with ``edit="7"``; someone else's in a group (we must be an admin) with
    ``edit="8"``. A `SendResult` needs the `chat` it was sent to."""
    if isinstance(target, SendResult):
        ref = _own(target, chat, "revoked")
    else:
        ref = _ref(target, "target")
        if not ref.from_me and not ref.chat.is_group:
            raise ContentError("target", "only our own messages can be revoked in a 1:1 chat")
    return WAMessage(protocolMessage=WAMessage.ProtocolMessage(key=ref.key(), type=_REVOKE))


def _body(event: Message, what: str) -> WAMessage:
    try:
        return event.message
    except PayloadDecodeError as err:
        raise ContentError(what, f"the message's body does not parse ({err})") from err


def forward(message: Message) -> WAMessage:
    """A received message's body, to send on as a forward (``isForwarded``, and the
    ``forwardingScore`` one higher unless it was our own)."""
    if not isinstance(message, Message):
        raise ContentError(
            "message", f"a forward takes a Message event, got {type(message).__name__}"
        )
    original = _body(message, "message")
    body = _quotable(original)
    previous = 0
    for name in _WITH_CONTEXT:
        if original.HasField(name):
            previous = getattr(original, name).contextInfo.forwardingScore
    score = previous + (0 if message.info.source.is_from_me else 1)
    context = _context_of(body, "message")
    if score > 0:
        context.isForwarded = True
        context.forwardingScore = score
    return body


def location(
    latitude: float,
    longitude: float,
    *,
    name: str = "",
    address: str = "",
    url: str = "",
) -> WAMessage:
    """A location pin (degrees; optionally the place's name, address and a URL)."""
    if not -90.0 <= latitude <= 90.0:
        raise ContentError("latitude", f"must be within [-90, 90], got {latitude}")
    if not -180.0 <= longitude <= 180.0:
        raise ContentError("longitude", f"must be within [-180, 180], got {longitude}")
    return WAMessage(
        locationMessage=WAMessage.LocationMessage(
            degreesLatitude=latitude,
            degreesLongitude=longitude,
            name=name,
            address=address,
            url=url,
        )
    )


def _vcard_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace(",", "\\,").replace(";", "\\;")


def vcard(name: str, phone: str, *, organization: str = "") -> str:
    """A vCard 3.0 for one person with one WhatsApp number (``+`` and digits), as WhatsApp's
    clients write it (the ``waid`` parameter names the account)."""
    digits = phone.removeprefix("+").replace(" ", "").replace("-", "")
    if not name:
        raise ContentError("name", "a contact card needs a name")
    if not digits.isdigit():
        raise ContentError("phone", f"expected a phone number in digits, got {phone!r}")
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{_vcard_text(name)}"]
    if organization:
        lines.append(f"ORG:{_vcard_text(organization)};")
    lines += [f"TEL;type=CELL;type=VOICE;waid={digits}:+{digits}", "END:VCARD"]
    return "\n".join(lines)


def contact_card(display_name: str, card: str) -> WAMessage:
    """A contact card: the name to show and its vCard (see `vcard`)."""
    if not display_name:
        raise ContentError("display_name", "a contact card needs a name to show")
    if not card.startswith("BEGIN:VCARD"):
        raise ContentError("card", "not a vCard (it must start with BEGIN:VCARD)")
    return WAMessage(contactMessage=WAMessage.ContactMessage(displayName=display_name, vcard=card))


def poll(
    name: str,
    options: Sequence[str],
    *,
    selectable: int = 1,
    secret: bytes | None = None,
) -> WAMessage:
    """A poll: its question, its options, and how many of them a voter may choose (0: any
    number). The vote secret (32 random bytes unless given) is in
    ``messageContextInfo.messageSecret``: keep the sent body to read the votes
    (`wabus.client.Polls`).

    A single-choice poll is a ``pollCreationMessageV3``, others a ``pollCreationMessage``,
    as WhatsApp's clients send them."""
    if not name:
        raise ContentError("name", "a poll needs a question")
    if len(options) < 2 or len(options) > MAX_POLL_OPTIONS:
        raise ContentError("options", f"a poll has 2 to {MAX_POLL_OPTIONS} options")
    if len(set(options)) != len(options) or not all(options):
        raise ContentError("options", "the options must be distinct and not empty")
    if not 0 <= selectable <= len(options):
        raise ContentError("selectable", f"must be within [0, {len(options)}], got {selectable}")
    key = secret if secret is not None else secrets.token_bytes(POLL_SECRET_SIZE)
    if len(key) != POLL_SECRET_SIZE:
        raise ContentError("secret", f"a poll secret is {POLL_SECRET_SIZE} bytes")
    creation = WAMessage.PollCreationMessage(
        name=name,
        selectableOptionsCount=selectable,
        options=[WAMessage.PollCreationMessage.Option(optionName=o) for o in options],
    )
    message = WAMessage()
    message.messageContextInfo.messageSecret = key
    if selectable == 1:
        message.pollCreationMessageV3.CopyFrom(creation)
    else:
        message.pollCreationMessage.CopyFrom(creation)
    return message


def poll_vote(
    target: Target,
    selected: Iterable[str],
    *,
    secret: bytes,
    voter: Jid,
    creator: Jid | None = None,
    timestamp_ms: int | None = None,
) -> WAMessage:
    """Our vote in the poll `target`: the options we choose by name (none: take the vote
    back), encrypted with the poll's `secret`. `voter` is our own JID; `creator` is whoever
    sent the poll (taken from `target` when it is someone else's)."""
    ref = _ref(target, "target")
    if creator is None:
        if ref.from_me:
            creator = voter
        elif ref.participant is not None:
            creator = ref.participant
        else:
            creator = ref.chat
    try:
        vote = encrypt_poll_vote(
            selected, secret=secret, poll_id=ref.id, creator=creator, voter=voter
        )
    except PollVoteError as err:
        raise ContentError("secret", str(err)) from err
    stamp = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    return WAMessage(
        pollUpdateMessage=WAMessage.PollUpdateMessage(
            pollCreationMessageKey=ref.key(), vote=vote, senderTimestampMs=stamp
        )
    )
