"""End-to-end encryption through the live client: two bots on two accounts talking through the
simulator (which routes ciphertext it cannot read), groups, retry receipts both ways, and a
session that survives a restart of the process's client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from tests.client.conftest import Stores
from tests.client.test_session import live, make_client
from wabus.client import Client, SendResult
from wabus.core import EventHandler, Jid, Node
from wabus.core.events import Connected, Message, UndecryptableMessage
from wabus.core.testing import EventRecorder
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import KeyPair, SignedPreKeyRecord, rotate_signed_prekey_node
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE, BOB, GROUP

pytestmark = pytest.mark.anyio


class Echo(EventHandler):
    """Answers every text with "echo: <text>" in the same chat."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.sent: list[str] = []

    async def on_message(self, event: Message) -> None:
        text = event.text or ""
        if event.info.source.is_from_me or text.startswith("echo:"):
            return
        self.sent.append(await self.client.send_text(event.info.source.chat, f"echo: {text}"))


def plaintexts_seen_by_the_server(sim: Simulator) -> list[Node]:
    """Every message a client sent whose body the server could read."""
    return [n for n in sim.sent if n.tag == "message" and n.child("plaintext") is not None]


async def ready(sim: Simulator, client: Client, events: EventRecorder) -> None:
    """The client is logged in and the server has its keys (others can write to it)."""
    await events.wait_for(Connected, timeout=15)
    assert client.state is not None and client.state.pn is not None
    await sim.wait_ready(client.state.pn, timeout=15)


@asynccontextmanager
async def both_ready(
    sim: Simulator, ours: Client, theirs: Client
) -> AsyncIterator[tuple[EventRecorder, EventRecorder]]:
    """`ours` on the simulator's own account and `theirs` on Alice's, both running and
    `ready`; yields their recorders."""
    async with (
        live(sim, ours) as (_, our_events),
        live(sim, theirs, account=ALICE) as (_, their_events),
    ):
        await ready(sim, ours, our_events)
        await ready(sim, theirs, their_events)
        yield our_events, their_events


async def first_text(events: EventRecorder, text: str, start: int = 0) -> Message:
    """The first `Message` with this text (from the `start`-th event on)."""
    found = await events.wait_for(
        lambda e: isinstance(e, Message) and e.text == text, timeout=15, start=start
    )
    assert isinstance(found, Message)
    return found


async def test_two_bots_on_two_accounts_talk_end_to_end() -> None:
    async with Simulator() as sim:
        ours = make_client(sim)
        theirs = make_client(sim)
        async with (
            live(sim, ours) as (_, our_events),
            live(sim, theirs, Echo(theirs), account=ALICE) as (_, their_events),
        ):
            await ready(sim, ours, our_events)
            await ready(sim, theirs, their_events)
            assert ours.state is not None and theirs.state is not None
            their_device = theirs.state.pn
            assert their_device is not None and their_device.to_non_ad() == ALICE

            result = await ours.send_message(ALICE, WAMessage(conversation="hello there"))
            got = await first_text(their_events, "hello there")
            answer = await first_text(our_events, "echo: hello there")

        assert isinstance(result, SendResult)
        # Encrypted for ALICE's phone and her companion (the other bot).
        assert set(result.devices) >= {ALICE.with_device(0), their_device}
        assert result.timestamp is not None and result.timestamp > 0
        assert got.info.source.sender.to_non_ad() == sim.phone
        assert answer.info.source.sender.to_non_ad() == ALICE
        # ALICE's phone, a simulated Signal peer, read the same message.
        read = await sim.expect_message(lambda m: m.id == result.id)
        assert read.text == "hello there"
        assert plaintexts_seen_by_the_server(sim) == []


async def test_a_group_message_reaches_the_other_bot_and_the_simulated_members() -> None:
    async with Simulator() as sim:
        ours = make_client(sim)
        theirs = make_client(sim)
        async with both_ready(sim, ours, theirs) as (_our_events, their_events):
            first = await ours.send_text(GROUP, "first in the group")
            second = await ours.send_text(GROUP, "second, sender key already given")
            got = await first_text(their_events, "first in the group")
            again = await first_text(their_events, "second, sender key already given")
            by_bob = await sim.expect_message(lambda m: m.id == second and m.chat == GROUP)

        assert got.info.source.chat == GROUP
        assert got.info.source.sender.to_non_ad() == sim.phone
        assert again.info.source.is_group
        assert by_bob.text == "second, sender key already given"
        assert by_bob.recipient.to_non_ad() in (BOB, ALICE)
        first_stanza = next(n for n in sim.sent if n.tag == "message" and n.attr("id") == first)
        second_stanza = next(n for n in sim.sent if n.tag == "message" and n.attr("id") == second)
        assert [e.attr("type") for e in first_stanza.children("enc")] == ["skmsg"]
        # The sender key went pairwise with the first message only.
        assert first_stanza.child("participants") is not None
        assert second_stanza.child("participants") is None
        assert plaintexts_seen_by_the_server(sim) == []


async def test_a_message_that_does_not_decrypt_is_asked_for_again_and_arrives() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            await sim.send_message(ALICE, "warm-up")  # a session exists now
            await first_text(events, "warm-up")
            start = sim.sent_count
            sim.corrupt_messages = 1
            message_id = await sim.send_message(ALICE, "lost once, then found")
            got = await first_text(events, "lost once, then found")
            receipt = await sim.expect_sent(
                lambda n: n.tag == "receipt" and n.opt_attr("type") == "retry", start=start
            )
            failed = events.of_type(UndecryptableMessage)

        assert got.info.id == message_id
        assert receipt.attr("id") == message_id
        retry = receipt.child("retry")
        assert retry is not None and retry.attr("count") == "1"
        assert receipt.child("keys") is None  # the first retry asks without new keys
        assert [f.info.id for f in failed] == [message_id]
        assert failed[0].reason


async def test_a_second_retry_sends_our_keys_and_the_sender_starts_over() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            await sim.send_message(ALICE, "warm-up")
            await first_text(events, "warm-up")
            start = sim.sent_count
            sim.corrupt_messages = 2  # the first send and the answer to the first retry
            message_id = await sim.send_message(ALICE, "third time lucky")
            got = await first_text(events, "third time lucky")
            retries = [
                n
                for n in list(sim.sent)[start - sim.sent_count :]
                if n.tag == "receipt" and n.opt_attr("type") == "retry"
            ]

        assert got.info.id == message_id
        counts = [r.child("retry") for r in retries]
        assert [c.attr("count") for c in counts if c is not None] == ["1", "2"]
        keys = retries[1].child("keys")
        assert keys is not None
        assert [k.tag for k in keys.nodes] == ["type", "identity", "key", "skey", "device-identity"]
        # Both spoilt encryptions were used up: the third, from the new session, was read.
        assert sim.corrupt_messages == 0


async def test_a_retry_receipt_from_the_other_bot_gets_our_message_again() -> None:
    async with Simulator() as sim:
        ours = make_client(sim)
        theirs = make_client(sim)
        async with both_ready(sim, ours, theirs) as (_our_events, their_events):
            await ours.send_text(ALICE, "a session first")
            await first_text(their_events, "a session first")
            assert theirs.state is not None and theirs.state.pn is not None
            # Their device asks for a message again, as one it could not decrypt.
            sent = await ours.send_message(ALICE, WAMessage(conversation="once more, please"))
            await first_text(their_events, "once more, please")
            start = len(their_events)
            await theirs.send_node(
                Node(
                    "receipt",
                    {
                        "to": ours_device(ours),
                        "id": sent.id,
                        "type": "retry",
                    },
                    [
                        Node("retry", {"count": "1", "id": sent.id, "t": "1", "v": "1"}),
                        Node("registration", None, bytes(4)),
                    ],
                )
            )
            again = await first_text(their_events, "once more, please", start=start)
        assert again.info.id == sent.id


def ours_device(client: Client) -> Jid:
    assert client.state is not None and client.state.pn is not None
    return client.state.pn


async def test_sessions_survive_a_restart_with_a_durable_store(stores: Stores) -> None:
    async with Simulator() as sim:
        with stores.open() as store:
            client = make_client(sim, store)
            async with live(sim, client) as (_, events):
                await ready(sim, client, events)
                await sim.send_message(ALICE, "before the restart")
                await first_text(events, "before the restart")
                await client.send_text(ALICE, "and an answer")
                await sim.expect_message(lambda m: m.text == "and an answer")
        with stores.open() as store:
            client = make_client(sim, store)
            async with live(sim, client, scan=False) as (_, events):
                await ready(sim, client, events)
                await sim.send_message(ALICE, "after the restart")
                got = await first_text(events, "after the restart")
                stanza = await sim.expect_sent(
                    lambda n: n.tag == "ack" and n.opt_attr("id") == got.info.id
                )
        assert stanza is not None
        # The sender kept its session, so the message was a `msg`: only the stored session
        # could read it (no failure, and no retry asked for).
        assert events.of_type(UndecryptableMessage) == []
        assert not [n for n in sim.sent if n.tag == "receipt" and n.opt_attr("type") == "retry"]


def is_rotate(node: Node) -> bool:
    return node.tag == "iq" and node.child("rotate") is not None


async def test_the_signed_prekey_is_replaced_when_it_is_a_week_old() -> None:
    now = [datetime(2026, 12, 1, tzinfo=UTC)]
    async with Simulator() as sim:
        ours = make_client(sim, clock=lambda: now[0])
        theirs = make_client(sim)
        async with both_ready(sim, ours, theirs) as (our_events, _their_events):
            assert ours.state is not None and ours.state.pn is not None
            device = sim.directory.device(ours.state.pn)
            assert device is not None and device.keys is not None
            first = device.keys.signed_prekey_id

            # Six days on, a login keeps it; eight days on, a login replaces it.
            for days, rotated in ((6, False), (8, True)):
                now[0] = datetime(2026, 12, 1 + days, tzinfo=UTC)
                start, seen = sim.sent_count, len(our_events)
                await sim.drop_connection(to=ours.state.pn)
                await our_events.wait_for(Connected, timeout=15, start=seen)
                await sim.wait_ready(ours.state.pn, timeout=15)
                # The prekey count asked at each login comes before any rotation.
                await sim.expect_sent(
                    lambda n: n.tag == "iq" and n.child("count") is not None, start=start
                )
                if rotated:
                    await sim.expect_sent(is_rotate, start=start, timeout=15)
            assert sum(is_rotate(n) for n in sim.sent) == 1
            assert device.keys.signed_prekey_id == first + 1

            # A new session with us is built on the new key, and works.
            await theirs.send_message(sim.phone, WAMessage(conversation="new key"))
            await first_text(our_events, "new key")


async def test_the_server_refuses_a_signed_prekey_whose_signature_does_not_verify() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            assert client.state is not None and client.state.pn is not None
            device = sim.directory.device(client.state.pn)
            assert device is not None and device.keys is not None
            published = device.keys.signed_prekey_id
            forged = SignedPreKeyRecord.generate(KeyPair.generate(), 99)  # another key signed it
            reply = await client.request(rotate_signed_prekey_node(forged))
            error = reply.child("error")
            assert reply.opt_attr("type") == "error" and error is not None
            assert error.opt_attr("code") == "406"
            assert device.keys.signed_prekey_id == published
