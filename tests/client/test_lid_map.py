"""`LidMap`: what the client learns of LIDs and phone numbers, and where it learns it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wabus.client import Client, LidMap, MemoryStore
from wabus.core import Jid, Server
from wabus.core.events import Message, MessageInfo, MessageSource, Receipt

PN = Jid("15550000002", Server.USER)
LID = Jid("201234567890123", Server.LID)
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_a_pair_is_learnt_in_either_order_without_device_parts() -> None:
    lids = LidMap()
    assert lids.learn(Jid(PN.user, Server.USER, device=3), LID)
    assert lids.phone_number(LID) == PN
    assert lids.lid(PN) == LID
    other = LidMap()
    assert other.learn(LID, PN)
    assert other.phone_number(Jid(LID.user, Server.LID, device=7)) == PN


def test_only_a_lid_and_a_phone_number_make_a_pair() -> None:
    lids = LidMap()
    assert not lids.learn(PN, PN)
    assert not lids.learn(LID, LID)
    assert not lids.learn(Jid("120363000000000001", Server.GROUP), LID)
    assert len(lids) == 0


def test_a_changed_number_replaces_the_old_pair_both_ways() -> None:
    lids = LidMap()
    lids.learn(LID, PN)
    new_pn = Jid("15550009999", Server.USER)
    lids.learn(LID, new_pn)
    assert lids.phone_number(LID) == new_pn
    assert lids.lid(new_pn) == LID
    assert lids.lid(PN) is None
    assert len(lids) == 1


def test_the_map_is_bounded_forgetting_the_oldest_first() -> None:
    lids = LidMap(capacity=2)
    pairs = [(Jid(f"2000{n}", Server.LID), Jid(f"1555000{n}", Server.USER)) for n in range(3)]
    for lid, pn in pairs:
        lids.learn(lid, pn)
    assert len(lids) == 2
    assert lids.phone_number(pairs[0][0]) is None and lids.lid(pairs[0][1]) is None
    assert lids.phone_number(pairs[2][0]) == pairs[2][1]
    with pytest.raises(ValueError, match="capacity"):
        LidMap(capacity=0)


def test_the_client_learns_from_the_senders_of_what_it_receives() -> None:
    client = Client(MemoryStore())
    source = MessageSource(chat=LID, sender=LID, sender_alt=PN)
    client._learn_lid(Message(info=MessageInfo(source=source, id="M1", timestamp=NOW)))
    assert client.contacts.phone_number(LID) == PN
    other = Jid("201234567890999", Server.LID)
    other_pn = Jid("15550000003", Server.USER)
    receipt = Receipt(
        source=MessageSource(chat=other_pn, sender=other_pn, sender_alt=other),
        message_ids=("M1",),
        timestamp=NOW,
    )
    client._learn_lid(receipt)
    assert client.contacts.lid(other_pn) == other
