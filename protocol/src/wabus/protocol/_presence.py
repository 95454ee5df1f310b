"""The stanzas a companion sends about reading and being there: read receipts, presence,
chat state, presence subscriptions.

Shapes (as WhatsApp Web sends them; Baileys ``sendReceipt``, ``sendPresenceUpdate`` and
``presenceSubscribe``):

- ``<receipt id=FIRST to=CHAT [participant=AUTHOR] type="read" t=NOW>``, the other ids of the
  same chat and author in ``<list><item id/>…</list>``: one receipt per chat and author;
- ``<presence type="available|unavailable" name=PUSH_NAME/>`` (the name without ``@``);
- ``<chatstate from=US to=CHAT><composing/></chatstate>``, ``<composing media="audio"/>`` for
  a voice note being recorded, ``<paused/>`` when we stop; ``from`` is our LID in a LID chat;
- ``<presence to=JID type="subscribe" id/>``: ask the server for someone's presence.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from enum import StrEnum

from wabus.core import Jid, Node
from wabus.core.events import Message

__all__ = [
    "ChatState",
    "PresenceKind",
    "chat_presence",
    "presence_subscription",
    "presence_update",
    "read_receipts",
]


class PresenceKind(StrEnum):
    """Our presence: online or offline."""

    AVAILABLE = "available"
    UNAVAILABLE = "unavailable"


class ChatState(StrEnum):
    """What we are doing in a chat."""

    COMPOSING = "composing"
    RECORDING = "recording"
    """Recording a voice note (sent as ``composing`` with ``media="audio"``)."""
    PAUSED = "paused"


def read_receipts(messages: Iterable[Message], *, now: int) -> list[Node]:
    """The ``read`` receipts for `messages` (our own are left out): one per chat and author,
    in the order the chats first appear, each naming every id of that chat and author."""
    groups: dict[tuple[Jid, Jid | None], list[str]] = {}
    for message in messages:
        source = message.info.source
        if source.is_from_me:
            continue
        participant = source.sender if source.is_group or source.chat.is_broadcast else None
        ids = groups.setdefault((source.chat, participant), [])
        if message.info.id not in ids:
            ids.append(message.info.id)
    receipts = []
    for (chat, participant), ids in groups.items():
        attrs: dict[str, str | Jid] = {"id": ids[0], "to": chat, "type": "read", "t": str(now)}
        if participant is not None:
            attrs["participant"] = participant
        rest = [Node("item", {"id": i}) for i in ids[1:]]
        receipts.append(Node("receipt", attrs, [Node("list", None, rest)] if rest else None))
    return receipts


def presence_update(kind: PresenceKind | str, name: str) -> Node:
    """Our presence, with our push name (the server shows it to those who subscribed)."""
    kind = PresenceKind(kind)
    if not name:
        raise ValueError("a presence update needs our push name")
    return Node("presence", {"name": name.replace("@", ""), "type": kind.value})


def chat_presence(own: Jid, chat: Jid, state: ChatState | str) -> Node:
    """That we are typing, recording or have stopped in `chat`; `own` is our JID in the
    chat's addressing (our LID in a LID chat)."""
    state = ChatState(state)
    child = (
        Node("composing", {"media": "audio"}) if state is ChatState.RECORDING else Node(state.value)
    )
    return Node("chatstate", {"from": own.to_non_ad(), "to": chat.to_non_ad()}, [child])


def presence_subscription(jid: Jid) -> Node:
    """Ask to be told when `jid` comes online or goes offline."""
    return Node(
        "presence", {"to": jid.to_non_ad(), "type": "subscribe", "id": secrets.token_hex(8)}
    )
