"""The message builders through the live client: two bots on two accounts (and the simulated
phones) receive what each builder makes, with the stanza attributes its kind needs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from tests.client.test_e2e import both_ready, ready
from tests.client.test_session import live, make_client
from wabus.client import (
    Client,
    ContentError,
    LinkPreview,
    MessageRef,
    Polls,
    PollVotes,
    contact_card,
    edit,
    forward,
    location,
    poll,
    poll_vote,
    reaction,
    remove_reaction,
    reply,
    revoke,
    text,
    vcard,
)
from wabus.core import Bot, Jid, Node
from wabus.core.events import EditAttribute, Message, MessageInfo, MessageSource, PollVote
from wabus.core.testing import EventRecorder, ScriptedSource
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.simulator import DecryptedMessage, Simulator
from wabus.simulator._scenario import ALICE, BOB, GROUP

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def two_bots() -> AsyncIterator[
    tuple[Simulator, Client, EventRecorder, Client, EventRecorder]
]:
    """Ours (the simulator's phone account) and theirs (ALICE's), both ready."""
    async with Simulator() as sim:
        ours, theirs = make_client(sim), make_client(sim)
        async with both_ready(sim, ours, theirs) as (our_events, their_events):
            yield sim, ours, our_events, theirs, their_events


def me(client: Client) -> Jid:
    assert client.state is not None and client.state.pn is not None
    return client.state.pn.to_non_ad()


async def arrived(events: EventRecorder, message_id: str) -> Message:
    found = await events.wait_for(
        lambda e: isinstance(e, Message) and e.info.id == message_id, timeout=15
    )
    assert isinstance(found, Message)
    return found


def by_id(message_id: str) -> Callable[[DecryptedMessage], bool]:
    return lambda m: m.id == message_id


def stanza(sim: Simulator, message_id: str) -> Node:
    return next(n for n in sim.sent if n.tag == "message" and n.opt_attr("id") == message_id)


def encs(node: Node) -> list[Node]:
    participants = node.child("participants")
    assert participants is not None
    return [e for to in participants.children("to") for e in to.children("enc")]


async def test_text_with_mentions_and_a_link_preview() -> None:
    async with two_bots() as (sim, ours, _, _theirs, their_events):
        body = text(
            "@15550002 look: https://example.org/a",
            mentions=[ALICE.with_device(3)],
            link_preview=LinkPreview(
                "https://example.org/a", title="A page", description="about", thumbnail=b"\xff"
            ),
        )
        sent = await ours.send_message(ALICE, body)
        got = await arrived(their_events, sent.id)
        by_phone = await sim.expect_message(lambda m: m.id == sent.id)

    extended = got.message.extendedTextMessage
    assert got.text == "@15550002 look: https://example.org/a"
    assert list(extended.contextInfo.mentionedJid) == [str(ALICE)]
    assert (extended.matchedText, extended.title, extended.description) == (
        "https://example.org/a",
        "A page",
        "about",
    )
    assert extended.jpegThumbnail == b"\xff"
    assert by_phone.message.extendedTextMessage.title == "A page"
    assert stanza(sim, sent.id).attr("type") == "text"


async def test_a_reply_quotes_the_received_message() -> None:
    async with two_bots() as (_, ours, our_events, theirs, their_events):
        question = await theirs.send_message(me(ours), text("lunch at noon?"))
        asked = await arrived(our_events, question.id)
        answer = await ours.send_message(ALICE, reply(asked, "yes, see you"))
        got = await arrived(their_events, answer.id)

    context = got.message.extendedTextMessage.contextInfo
    assert got.text == "yes, see you"
    assert context.stanzaId == question.id
    assert context.participant == str(ALICE)
    assert context.quotedMessage.conversation == "lunch at noon?"


async def test_a_reaction_and_its_removal() -> None:
    async with two_bots() as (sim, ours, our_events, theirs, their_events):
        said = await theirs.send_message(me(ours), text("react to this"))
        event = await arrived(our_events, said.id)
        liked = await ours.send_message(ALICE, reaction(event, "👍"))
        got = await arrived(their_events, liked.id)
        taken_back = await ours.send_message(ALICE, remove_reaction(event))
        removed = await arrived(their_events, taken_back.id)
        liked_stanza = stanza(sim, liked.id)

    assert got.message.reactionMessage.text == "👍"
    key = got.message.reactionMessage.key
    assert (key.id, key.remoteJid, key.fromMe) == (said.id, str(ALICE), False)
    assert removed.message.reactionMessage.text == ""
    assert removed.message.reactionMessage.key.id == said.id
    assert got.info.type == "reaction"
    assert liked_stanza.attr("type") == "reaction"
    assert {e.opt_attr("decrypt-fail") for e in encs(liked_stanza)} == {"hide"}


async def test_an_edit_and_a_revoke_of_our_message() -> None:
    async with two_bots() as (sim, ours, _, _theirs, their_events):
        first = await ours.send_message(ALICE, text("teh typo"))
        await arrived(their_events, first.id)
        fixed = await ours.send_message(ALICE, edit(first, "the typo", chat=ALICE))
        edited = await arrived(their_events, fixed.id)
        gone = await ours.send_message(ALICE, revoke(first, chat=ALICE))
        revoked = await arrived(their_events, gone.id)
        edit_stanza, revoke_stanza = stanza(sim, fixed.id), stanza(sim, gone.id)

    protocol = edited.message.protocolMessage
    assert protocol.type == WAMessage.ProtocolMessage.MESSAGE_EDIT
    assert protocol.key.id == first.id and protocol.key.fromMe
    assert protocol.editedMessage.conversation == "the typo"
    assert edited.info.edit is EditAttribute.MESSAGE_EDIT
    assert edit_stanza.attr("edit") == "1"
    assert revoked.message.protocolMessage.type == WAMessage.ProtocolMessage.REVOKE
    assert revoked.message.protocolMessage.key.id == first.id
    assert revoked.info.edit is EditAttribute.SENDER_REVOKE
    assert revoke_stanza.attr("edit") == "7"


async def test_forward_location_contact_card_and_poll_reach_the_phone() -> None:
    async with two_bots() as (sim, ours, our_events, theirs, _):
        said = await theirs.send_message(me(ours), text("pass it on"))
        event = await arrived(our_events, said.id)
        card = vcard("Ada Lovelace", "+44 20 7946 0000", organization="Analytical; Engines")
        sent = {
            "forward": await ours.send_message(ALICE, forward(event)),
            "location": await ours.send_message(
                ALICE, location(51.5, -0.12, name="London", address="UK")
            ),
            "card": await ours.send_message(ALICE, contact_card("Ada", card)),
            "poll": await ours.send_message(ALICE, poll("Lunch?", ["pizza", "sushi"])),
        }
        read: dict[str, WAMessage] = {}
        for kind, result in sent.items():
            read[kind] = (await sim.expect_message(by_id(result.id))).message
        shapes = {kind: stanza(sim, result.id) for kind, result in sent.items()}

    forwarded = read["forward"].extendedTextMessage
    assert forwarded.text == "pass it on"
    assert forwarded.contextInfo.isForwarded and forwarded.contextInfo.forwardingScore == 1
    assert read["location"].locationMessage.degreesLatitude == 51.5
    assert read["location"].locationMessage.name == "London"
    assert read["card"].contactMessage.displayName == "Ada"
    assert "waid=442079460000:+442079460000" in read["card"].contactMessage.vcard
    assert "ORG:Analytical\\; Engines;" in read["card"].contactMessage.vcard
    created = read["poll"].pollCreationMessageV3
    assert [o.optionName for o in created.options] == ["pizza", "sushi"]
    assert len(read["poll"].messageContextInfo.messageSecret) == 32
    assert shapes["poll"].attr("type") == "poll"
    meta = shapes["poll"].child("meta")
    assert meta is not None and meta.attr("polltype") == "creation"
    assert shapes["card"].attr("type") == "media"
    assert {e.opt_attr("mediatype") for e in encs(shapes["card"])} == {"vcard"}
    assert shapes["location"].attr("type") == "text"


async def test_a_vote_is_read_by_the_poll_creator() -> None:
    async with two_bots() as (_, ours, our_events, theirs, their_events):
        our_polls, their_polls = Polls(), Polls()
        body = poll("Lunch?", ["pizza", "sushi", "salad"], selectable=0)
        created = await ours.send_message(ALICE, body)
        assert our_polls.remember_sent(ALICE, created, body, own=me(ours))
        received = await arrived(their_events, created.id)
        assert their_polls.remember(received)
        secret = their_polls.secret(me(ours), created.id)
        assert secret is not None
        vote = poll_vote(received, ["salad", "pizza"], secret=secret, voter=ALICE)
        cast = await theirs.send_message(me(ours), vote)
        got = await arrived(our_events, cast.id)
        result = our_polls.read(got)
        # Reading a vote where the poll is not known is no error: nothing to read.
        unknown = Polls().read(got)

    assert unknown is None
    assert result is not None
    assert result.selected == ("salad", "pizza")
    assert (result.voter, result.poll_id, result.question) == (ALICE, created.id, "Lunch?")
    assert got.info.type == "poll"


def test_bad_input_names_the_field() -> None:
    ref = MessageRef(ALICE, "X1", from_me=False)
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: text(""), "body"),
        (lambda: text("no url here", link_preview=LinkPreview("https://a.b")), "link_preview.url"),
        (lambda: location(91, 0), "latitude"),
        (lambda: location(0, -181), "longitude"),
        (lambda: poll("q", ["only one"]), "options"),
        (lambda: poll("q", ["a", "a"]), "options"),
        (lambda: poll("q", ["a", "b"], selectable=3), "selectable"),
        (lambda: poll("q", ["a", "b"], secret=b"short"), "secret"),
        (lambda: edit(ref, "not ours"), "target"),
        (lambda: revoke(ref), "target"),
        (lambda: vcard("Ada", "not a number"), "phone"),
        (lambda: contact_card("Ada", "hello"), "card"),
        (lambda: poll_vote(ref, ["a"], secret=b"x", voter=ALICE), "secret"),
    ]
    for build, field in cases:
        with pytest.raises(ContentError) as caught:
            build()
        assert caught.value.field == field
        assert isinstance(caught.value, ValueError)


async def test_poll_votes_arrive_as_poll_vote_events() -> None:
    async with Simulator() as sim:
        ours, theirs = make_client(sim), make_client(sim)
        our_votes, their_votes = PollVotes(), PollVotes()
        async with (
            live(sim, ours, our_votes) as (our_bot, our_events),
            live(sim, theirs, their_votes, account=ALICE) as (their_bot, their_events),
        ):
            our_votes.bind(our_bot.bus)
            their_votes.bind(their_bot.bus)
            await ready(sim, ours, our_events)
            await ready(sim, theirs, their_events)
            body = poll("Where?", ["park", "pub"])
            created = await ours.send_message(ALICE, body)
            our_votes.polls.remember_sent(ALICE, created, body, own=me(ours))
            received = await arrived(their_events, created.id)
            secret = their_votes.polls.secret(me(ours), created.id)  # learnt as it arrived
            assert secret is not None
            for choice in (["pub"], []):  # a vote, then taken back
                vote = poll_vote(received, choice, secret=secret, voter=ALICE)
                await theirs.send_message(me(ours), vote)
            seen = [
                await our_events.wait_for(PollVote, timeout=15),
                await our_events.wait_for(
                    lambda e: isinstance(e, PollVote) and not e.selected, timeout=15
                ),
            ]

    assert all(isinstance(v, PollVote) for v in seen)
    first, second = seen
    assert isinstance(first, PollVote) and isinstance(second, PollVote)
    assert (first.poll_id, first.question, first.selected) == (created.id, "Where?", ("pub",))
    assert first.info.source.sender.to_non_ad() == ALICE
    assert second.selected == ()


async def test_poll_votes_as_a_source_takes_the_bus_and_skips_bad_votes() -> None:
    secret = bytes(range(32))
    body = poll("Tea?", ["yes", "no"], secret=secret)
    when = datetime(2026, 1, 1, tzinfo=UTC)

    def message(sender: Jid, message_id: str, raw: bytes) -> Message:  # in the group
        source = MessageSource(chat=GROUP, sender=sender, is_group=True)
        return Message(info=MessageInfo(source=source, id=message_id, timestamp=when), raw=raw)

    poll_message = message(ALICE, "POLL", body.SerializeToString())
    ref = MessageRef(GROUP, "POLL", from_me=False, participant=ALICE)
    good = poll_vote(ref, ["no"], secret=secret, voter=BOB, creator=ALICE)
    forged = poll_vote(ref, ["yes"], secret=bytes(32), voter=BOB, creator=ALICE)
    votes, recorder = PollVotes(), EventRecorder(PollVote)
    script = ScriptedSource(
        [
            poll_message,
            message(BOB, "V1", forged.SerializeToString()),
            message(BOB, "V2", good.SerializeToString()),
            message(BOB, "V3", b"\\xff not a protobuf"),
        ]
    )
    bot = (
        Bot.builder()
        .with_source(script)
        .with_source(votes)
        .with_handler(votes)
        .with_handler(recorder)
        .build()
    )
    async with bot:
        vote = await recorder.wait_for(PollVote, timeout=10)

    assert isinstance(vote, PollVote)
    assert (vote.info.id, vote.poll_id, vote.selected) == ("V2", "POLL", ("no",))
    assert [v.info.id for v in recorder.of_type(PollVote)] == ["V2"]  # the forged one: dropped


def test_a_message_whose_body_does_not_parse_cannot_be_quoted_or_forwarded() -> None:
    source = MessageSource(chat=ALICE, sender=ALICE)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    broken = Message(info=MessageInfo(source=source, id="B1", timestamp=when), raw=b"\xff\xff")
    with pytest.raises(ContentError) as quoting:
        reply(broken, "hi")
    with pytest.raises(ContentError) as forwarding:
        forward(broken)
    assert (quoting.value.field, forwarding.value.field) == ("to", "message")


def test_a_private_reply_to_a_group_message_names_the_group() -> None:
    source = MessageSource(chat=GROUP, sender=BOB.with_device(2), is_group=True)
    when = datetime(2026, 1, 1, tzinfo=UTC)
    said = Message(
        info=MessageInfo(source=source, id="G1", timestamp=when),
        raw=WAMessage(conversation="in the group").SerializeToString(),
    )
    private = reply(said, "just to you", chat=BOB).extendedTextMessage.contextInfo
    public = reply(said, "to all", chat=GROUP).extendedTextMessage.contextInfo
    assert (private.remoteJid, private.participant, private.stanzaId) == (
        str(GROUP),
        str(BOB),
        "G1",
    )
    assert not public.HasField("remoteJid")
    assert public.quotedMessage.conversation == "in the group"
