"""Actions between the real Baileys client and a wabus bot, through the simulator: Baileys
makes a group with the bot in it (the bot sees the group's events); the bot replies, reacts,
edits and revokes (Baileys sees each as the right message), and so does Baileys (the bot sees
each as the right event)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.client.test_e2e import first_text, ready
from tests.client.test_session import live, make_client
from tests.interop.test_baileys import OPEN_GUARD, baileys, is_open, with_id
from wabus.client import edit, reaction, reply, revoke, text
from wabus.core.events import EditAttribute, GroupInfoUpdate, JoinedGroup, Message, SubjectChanged
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE, ALICE_LID, BOB

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio"])]


async def test_baileys_creates_a_group_with_the_bot_and_the_bot_sees_its_events(
    tmp_path: Path,
) -> None:
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        bot = make_client(sim)
        async with live(sim, bot, account=ALICE) as (_, events):
            await ready(sim, bot, events)
            await peer.command(
                op="groupCreate", subject="From Baileys", participants=[str(ALICE), str(BOB)]
            )
            created = await peer.wait_for(lambda r: r["kind"] == "group-created")
            group = created["id"]
            joined = await events.wait_for(
                lambda e: isinstance(e, JoinedGroup) and str(e.jid) == group, timeout=30
            )
            await peer.command(op="groupSubject", jid=group, subject="Renamed by Baileys")
            renamed = await events.wait_for(
                lambda e: (
                    isinstance(e, GroupInfoUpdate)
                    and isinstance(e.change, SubjectChanged)
                    and str(e.jid) == group
                ),
                timeout=30,
            )
            assert isinstance(joined, JoinedGroup)
            info = await bot.groups.info(joined.jid)
            await peer.command(op="send", to=group, text="hello, new group")
            got = await first_text(events, "hello, new group")

        assert created["subject"] == "From Baileys"
        assert joined.subject == "From Baileys"
        assert isinstance(renamed, GroupInfoUpdate) and isinstance(renamed.change, SubjectChanged)
        assert renamed.change.subject == "Renamed by Baileys"
        assert info.subject == "Renamed by Baileys"
        assert {p.jid for p in info.participants} == {sim.phone, ALICE, BOB}
        assert str(got.info.source.chat) == group
        assert not peer.of("error")


async def test_the_bot_replies_reacts_edits_and_revokes_and_baileys_sees_each(
    tmp_path: Path,
) -> None:
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        bot = make_client(sim)
        async with live(sim, bot, account=ALICE) as (_, events):
            await ready(sim, bot, events)
            await peer.command(op="send", to=str(ALICE), text="what's for lunch?")
            question = await first_text(events, "what's for lunch?")
            chat = question.info.source.chat
            answered = await bot.send_message(chat, reply(question, "pizza"))
            liked = await bot.send_message(chat, reaction(question, "🍕"))
            fixed = await bot.send_message(chat, edit(answered, text("sushi"), chat=chat))
            gone = await bot.send_message(chat, revoke(answered, chat=chat))
            sent = {"reply": answered, "reaction": liked, "edit": fixed, "revoke": gone}
            seen = {name: await peer.wait_for(with_id(r.id)) for name, r in sent.items()}

        question_id = question.info.id
        assert seen["reply"]["text"] == "pizza" and seen["reply"]["quoted"] == question_id
        assert seen["reply"]["chat"] in (str(ALICE), str(ALICE_LID))
        assert seen["reaction"]["reaction"] == {"text": "🍕", "id": question_id}
        assert seen["edit"]["protocol"] == {
            "type": WAMessage.ProtocolMessage.MESSAGE_EDIT,
            "id": answered.id,
            "edited": "sushi",
        }
        assert seen["revoke"]["protocol"]["type"] == WAMessage.ProtocolMessage.REVOKE
        assert seen["revoke"]["protocol"]["id"] == answered.id
        assert not peer.of("error")


async def test_baileys_replies_reacts_edits_and_revokes_and_the_bot_sees_each(
    tmp_path: Path,
) -> None:
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        bot = make_client(sim)
        async with live(sim, bot, account=ALICE) as (_, events):
            await ready(sim, bot, events)
            said = await bot.send_message(sim.phone, text("the bot speaks"))
            await peer.wait_for(with_id(said.id))
            theirs_key = {"remoteJid": str(ALICE), "fromMe": False, "id": said.id}
            quoted = {"key": theirs_key, "message": {"conversation": "the bot speaks"}}
            seen = len(peer.records)

            async def send(content: dict[str, object], **extra: object) -> str:
                nonlocal seen
                await peer.command(op="sendContent", to=str(ALICE), content=content, **extra)
                sent = await peer.wait_for(lambda r: r["kind"] == "sent", start=seen)
                seen = peer.records.index(sent) + 1
                return str(sent["id"])

            replied = await send({"text": "a reply from Baileys"}, quoted=quoted)
            reacted = await send({"react": {"text": "❤️", "key": theirs_key}})
            own_key = {"remoteJid": str(ALICE), "fromMe": True, "id": replied}
            edited = await send({"text": "an edited reply", "edit": own_key})
            revoked = await send({"delete": own_key})
            got = {
                name: await events.wait_for(
                    lambda e, i=message_id: isinstance(e, Message) and e.info.id == i, timeout=30
                )
                for name, message_id in (
                    ("reply", replied),
                    ("reaction", reacted),
                    ("edit", edited),
                    ("revoke", revoked),
                )
            }

        answer, liked, fixed, gone = (got[k] for k in ("reply", "reaction", "edit", "revoke"))
        assert isinstance(answer, Message) and answer.text == "a reply from Baileys"
        assert answer.message.extendedTextMessage.contextInfo.stanzaId == said.id
        assert isinstance(liked, Message)
        assert liked.message.reactionMessage.text == "❤️"
        assert liked.message.reactionMessage.key.id == said.id
        assert isinstance(fixed, Message) and fixed.info.edit is EditAttribute.MESSAGE_EDIT
        protocol = fixed.message.protocolMessage
        assert protocol.type == WAMessage.ProtocolMessage.MESSAGE_EDIT
        assert protocol.key.id == replied
        assert protocol.editedMessage.conversation == "an edited reply" or (
            protocol.editedMessage.extendedTextMessage.text == "an edited reply"
        )
        assert isinstance(gone, Message) and gone.info.edit is EditAttribute.SENDER_REVOKE
        assert gone.message.protocolMessage.type == WAMessage.ProtocolMessage.REVOKE
        assert gone.message.protocolMessage.key.id == replied
        assert not peer.of("error")
