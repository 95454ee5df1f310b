"""Read receipts, presence and chat state through the live client: what the other bot (on
another account, through the simulator) receives."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from tests.client.test_content import arrived, me
from tests.client.test_e2e import both_ready
from tests.client.test_session import make_client
from wabus.client import Client
from wabus.core import Jid, Node
from wabus.core.events import (
    ChatPresence,
    ChatPresenceMedia,
    ChatPresenceState,
    Presence,
    Receipt,
    ReceiptType,
)
from wabus.core.testing import EventRecorder
from wabus.protocol import read_receipts
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE, BOB, GROUP

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def two_bots() -> AsyncIterator[
    tuple[Simulator, Client, EventRecorder, Client, EventRecorder]
]:
    async with Simulator() as sim:
        ours = make_client(sim, push_name="Ours")
        theirs = make_client(sim, push_name="Theirs")
        async with both_ready(sim, ours, theirs) as (our_events, their_events):
            yield sim, ours, our_events, theirs, their_events


async def test_several_messages_are_marked_read_in_one_receipt_the_sender_gets() -> None:
    async with two_bots() as (sim, ours, our_events, theirs, their_events):
        sent = [await theirs.send_text(me(ours), f"message {n}") for n in range(3)]
        received = [await arrived(our_events, message_id) for message_id in sent]
        start = sim.sent_count
        assert await ours.mark_read(received) == 1
        receipt = await sim.expect_sent(
            lambda n: n.tag == "receipt" and n.opt_attr("type") == "read", start=start
        )
        read = await their_events.wait_for(
            lambda e: isinstance(e, Receipt) and e.receipt_type is ReceiptType.READ, timeout=15
        )

    assert isinstance(read, Receipt)
    assert read.message_ids == tuple(sent)
    assert read.source.chat.to_non_ad() == me(ours)
    listed = receipt.child("list")
    assert receipt.attr("id") == sent[0] and receipt.jid("to") == ALICE
    assert listed is not None and [i.attr("id") for i in listed.children("item")] == sent[1:]
    assert not receipt.has_attr("participant")


def read_receipt_from(author: Jid) -> Callable[[Node], bool]:
    return lambda n: n.tag == "receipt" and n.opt_attr("participant") == str(author)


async def test_a_group_message_is_marked_read_with_its_author() -> None:
    async with two_bots() as (sim, ours, our_events, _, _theirs_events):
        assert ours.state is not None
        device = ours.state.pn
        first = await sim.send_message(BOB, "in the group", chat=GROUP, to=device)
        got = await arrived(our_events, first)
        from_alice = await sim.send_message(ALICE, "also", chat=GROUP, to=device)
        also = await arrived(our_events, from_alice)
        start = sim.sent_count
        assert await ours.mark_read([got, also, got]) == 2
        receipts = [
            await sim.expect_sent(read_receipt_from(who), start=start) for who in (BOB, ALICE)
        ]

    for receipt, message_id in zip(receipts, (first, from_alice), strict=True):
        assert receipt.jid("to") == GROUP and receipt.attr("id") == message_id
        assert receipt.child("list") is None  # one id each (the repeated one counted once)


def test_our_own_messages_get_no_read_receipt() -> None:
    assert read_receipts([], now=1) == []


async def test_presence_reaches_subscribers_and_chat_state_the_chat() -> None:
    async with two_bots() as (_, ours, _our_events, theirs, their_events):
        await theirs.subscribe_presence(me(ours))
        first = await their_events.wait_for(Presence, timeout=15)
        start = len(their_events)
        await ours.send_presence("available")
        online = await their_events.wait_for(Presence, timeout=15, start=start)
        start = len(their_events)
        await ours.send_presence("unavailable")
        offline = await their_events.wait_for(Presence, timeout=15, start=start)

        await ours.send_chat_presence(ALICE, "composing")
        typing = await their_events.wait_for(ChatPresence, timeout=15)
        start = len(their_events)
        await ours.send_chat_presence(ALICE, "recording")
        recording = await their_events.wait_for(ChatPresence, timeout=15, start=start)
        start = len(their_events)
        await ours.send_chat_presence(GROUP, "paused")
        paused = await their_events.wait_for(ChatPresence, timeout=15, start=start)

    assert isinstance(first, Presence) and first.unavailable and first.jid == me(ours)
    assert isinstance(online, Presence) and not online.unavailable
    assert isinstance(offline, Presence) and offline.unavailable
    assert offline.last_seen is not None
    assert isinstance(typing, ChatPresence) and typing.state is ChatPresenceState.COMPOSING
    assert typing.source.chat == me(ours) and typing.media is ChatPresenceMedia.TEXT
    assert isinstance(recording, ChatPresence) and recording.media is ChatPresenceMedia.AUDIO
    assert isinstance(paused, ChatPresence) and paused.state is ChatPresenceState.PAUSED
    assert paused.source.chat == GROUP and paused.source.sender.to_non_ad() == me(ours)


def test_bad_presence_input_is_refused() -> None:
    from wabus.protocol import chat_presence, presence_update

    with pytest.raises(ValueError, match="push name"):
        presence_update("available", "")
    with pytest.raises(ValueError, match="away"):
        presence_update("away", "Ours")
    with pytest.raises(ValueError, match="singing"):
        chat_presence(ALICE, BOB, "singing")
    assert presence_update("available", "a@b") == Node(
        "presence", {"name": "ab", "type": "available"}
    )


async def test_a_read_receipt_in_a_group_reaches_the_author() -> None:
    async with two_bots() as (_, ours, our_events, theirs, their_events):
        said = await theirs.send_text(GROUP, "read me, group")
        got = await arrived(our_events, said)
        await ours.mark_read([got])
        read = await their_events.wait_for(
            lambda e: isinstance(e, Receipt) and e.receipt_type is ReceiptType.READ, timeout=15
        )

    assert isinstance(read, Receipt)
    assert read.message_ids == (said,)
    assert read.source.chat == GROUP
    assert read.source.sender.to_non_ad() == me(ours)
