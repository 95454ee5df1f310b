"""Small, valid events for bus and handler tests."""

from __future__ import annotations

from datetime import UTC, datetime

from wabus.core import Jid, Server
from wabus.core.events import (
    Connected,
    Disconnected,
    Message,
    MessageInfo,
    MessageSource,
    Receipt,
)

ALICE = Jid("15550000002", Server.USER)
GROUP = Jid("120363000000000001", Server.GROUP)
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def message(n: int = 0, chat: Jid = ALICE, sender: Jid = ALICE, from_me: bool = False) -> Message:
    source = MessageSource(chat=chat, sender=sender, is_group=chat.is_group, is_from_me=from_me)
    return Message(info=MessageInfo(source=source, id=f"M{n}", timestamp=NOW), raw=b"\n\x02hi")


def receipt(n: int = 0, chat: Jid = ALICE) -> Receipt:
    return Receipt(
        source=MessageSource(chat=chat, sender=ALICE), message_ids=(f"M{n}",), timestamp=NOW
    )


CONNECTED = Connected()
DISCONNECTED = Disconnected(reason="test")
