"""What a dialect needs to answer: a client it can send through, and the bodies it sends.

The handlers area depends on the core only, so the dialects (and the gateway) do not import
``wabus.client``: they take any object shaped like its `Client` (`ChatClient`, a structural
protocol that `wabus.client.Client` satisfies) and build message bodies with the installed
payload codec's message type (``wa.Message``, from ``wabus-proto``). A dialect given no client
only listens; asking it to act raises `NoClient`, which says what to pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from wabus.core import Jid
from wabus.core.payloads import payload_codec
from wabus.handlers.dialects._errors import DialectError

if TYPE_CHECKING:
    from wabus.proto.e2e_pb2 import Message as WAMessage

__all__ = [
    "ChatClient",
    "GroupActions",
    "GroupFacts",
    "NoClient",
    "SendReceipt",
    "new_message",
    "text_message",
]


class SendReceipt(Protocol):
    """What a send returns (`wabus.client.SendResult` is one): the message id, and the server's
    time of it (Unix seconds; None when the server's acknowledgement carried none)."""

    @property
    def id(self) -> str:
        """The id of the message sent."""
        ...

    @property
    def timestamp(self) -> int | None:
        """The server's time of the message, in Unix seconds."""
        ...


class GroupFacts(Protocol):
    """What a dialect reads of a group's metadata (`wabus.protocol.GroupMetadata` is one)."""

    @property
    def subject(self) -> str:
        """The group's subject (Wechaty's topic)."""
        ...


class GroupActions(Protocol):
    """The group management a dialect uses (`wabus.client.Groups` is one)."""

    async def set_subject(self, group: Jid, subject: str) -> None:
        """Rename `group`."""
        ...

    async def info(self, group: Jid) -> GroupFacts:
        """The metadata of `group`."""
        ...


class ChatClient(Protocol):
    """A client a dialect can act through: `wabus.client.Client` (``dialect(bot, "wechaty",
    client=client)``). Only these two members are used."""

    async def send_message(self, to: Jid, message: Any) -> SendReceipt:
        """Send a ``wa.Message`` body to a user or a group; returns once the server took it."""
        ...

    @property
    def groups(self) -> GroupActions:
        """Group management."""
        ...


class NoClient(DialectError):
    """A listen-only dialect (or gateway) was asked to act: it was made without a client.

    `what` is the action asked for; the message names the option to pass.
    """

    def __init__(self, what: str, remedy: str) -> None:
        super().__init__(f"{what} needs a client to act through, and none was given: {remedy}")
        self.what = what
        self.remedy = remedy


def new_message() -> WAMessage:
    """An empty ``wa.Message``, of the installed payload codec's message type.

    Raises `wabus.core.payloads.PayloadUnavailable` when no codec is installed.
    """
    message: WAMessage = payload_codec().parse_message(b"")
    return message


def text_message(text: str, mentions: Sequence[Jid] = ()) -> WAMessage:
    """A text body: a ``conversation``, or an ``extendedTextMessage`` when it mentions people
    (``contextInfo.mentionedJid``, each user without device), as WhatsApp's clients send them.
    """
    message = new_message()
    if not mentions:
        message.conversation = text
        return message
    extended = message.extendedTextMessage
    extended.text = text
    extended.contextInfo.mentionedJid.extend(str(jid.to_non_ad()) for jid in mentions)
    return message
