from __future__ import annotations

import pytest

from tests.core.events_fixtures import ALICE, CONNECTED, GROUP, NOW, message, receipt
from wabus.core import Jid, Server, filters
from wabus.core.events import (
    GroupInfoUpdate,
    InviteLinkChanged,
    Message,
    PinUpdate,
    Receipt,
)

BOB = Jid("15550000003", Server.USER)


def test_chat_of_and_source_of() -> None:
    assert filters.chat_of(message(chat=GROUP)) == GROUP
    assert filters.chat_of(receipt(chat=GROUP)) == GROUP
    assert filters.chat_of(PinUpdate(jid=ALICE, timestamp=NOW, pinned=True)) == ALICE
    update = GroupInfoUpdate(jid=GROUP, timestamp=NOW, change=InviteLinkChanged(code=None))
    assert filters.chat_of(update) == GROUP
    assert filters.chat_of(CONNECTED) is None
    assert filters.source_of(CONNECTED) is None


def test_in_chat_and_from_sender() -> None:
    in_group = filters.in_chat(str(GROUP))
    assert in_group(message(chat=GROUP))
    assert not in_group(message(chat=ALICE))
    assert not in_group(CONNECTED)
    from_bob = filters.from_sender(BOB.with_device(3))  # any device of Bob's
    assert from_bob(message(chat=GROUP, sender=BOB.with_device(9)))
    assert not from_bob(message(chat=GROUP, sender=ALICE))
    assert not from_bob(CONNECTED)
    with pytest.raises(ValueError, match="at least one JID"):
        filters.in_chat()


def test_composition() -> None:
    wanted = (filters.group_only & filters.not_from_me) | filters.kinds(Receipt)
    assert wanted(message(chat=GROUP))
    assert not wanted(message(chat=GROUP, from_me=True))
    assert not wanted(message(chat=ALICE))
    assert wanted(receipt(chat=ALICE))
    assert (~filters.has_chat)(CONNECTED)
    assert filters.direct_only(message(chat=ALICE))
    assert filters.from_me(message(from_me=True))
    assert repr(wanted) == "<Filter ((group_only & not_from_me) | kinds(Receipt))>"
    assert filters.kinds(Message | Receipt)(receipt())
