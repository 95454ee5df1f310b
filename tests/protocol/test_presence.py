"""`read_receipts` over any messages: every id of someone else's message is named exactly once,
in one receipt per chat and author, and our own are left out."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from wabus.core import Jid, Server
from wabus.core.events import Message, MessageInfo, MessageSource
from wabus.protocol import read_receipts

USERS = [Jid(f"1555000000{n}", Server.USER) for n in range(3)]
GROUPS = [Jid(f"12036300000000000{n}", Server.GROUP) for n in range(2)]
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    sender = draw(st.sampled_from(USERS))
    group = draw(st.sampled_from([None, *GROUPS]))
    source = MessageSource(
        chat=group or sender,
        sender=sender,
        is_group=group is not None,
        is_from_me=draw(st.booleans()),
    )
    message_id = draw(st.sampled_from(["A", "B", "C", "D", "E"]))
    return Message(info=MessageInfo(source=source, id=message_id, timestamp=WHEN))


@given(st.lists(messages(), max_size=20))
def test_each_id_once_per_chat_and_author(batch: list[Message]) -> None:
    receipts = read_receipts(batch, now=1_767_225_600)
    named: dict[tuple[Jid, Jid | None], list[str]] = {}
    for receipt in receipts:
        assert receipt.attr("type") == "read" and receipt.attr("t") == "1767225600"
        key = (receipt.jid("to"), receipt.opt_jid("participant"))
        assert key not in named  # one receipt per chat and author
        listed = receipt.child("list")
        items = [i.attr("id") for i in listed.children("item")] if listed is not None else []
        assert listed is None or items  # no empty list
        named[key] = [receipt.attr("id"), *items]
    expected: dict[tuple[Jid, Jid | None], list[str]] = {}
    for message in batch:
        source = message.info.source
        if source.is_from_me:
            continue
        key = (source.chat, source.sender if source.is_group else None)
        ids = expected.setdefault(key, [])
        if message.info.id not in ids:
            ids.append(message.info.id)
    assert named == expected
