"""The Wechaty dialect answers: ``message.say``, ``room.say``, ``contact.say`` and
``room.topic(new)`` go over the wire through a real `Client`, and the simulator's devices read
what arrived (decrypted) and see the group renamed."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from tests.client.test_e2e import ready
from tests.client.test_session import live, make_client
from wabus.client import Client, SendResult
from wabus.core.events import GroupInfoUpdate, SubjectChanged
from wabus.handlers.dialects import ChatClient, NoClient
from wabus.handlers.dialects.wechaty import Contact, Message, Room, WechatyDialect, WechatyListener
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE, GROUP, GROUP_SUBJECT

pytestmark = pytest.mark.anyio


def _as_chat_client(client: Client) -> ChatClient:
    """The live client, as the dialects type it (mypy checks that it is one)."""
    return client


async def test_wechaty_answers_through_the_client() -> None:
    answered: list[Any] = []
    topics: list[tuple[str, str, str]] = []
    errors: list[BaseException] = []

    async def on_message(message: Message) -> None:
        try:
            text = message.text()
            if text == "ping":
                answered.append(await message.say("pong"))
            elif text == "hello, room":
                room = message.room()
                assert room is not None
                answered.append(await room.topic())  # no subject seen yet: the server's
                answered.append(await message.say("hi all", message.talker()))
                await room.topic("Renamed by say")  # Wechaty's topic(newTopic): no result
                answered.append("renamed")
            elif text == "write to me":
                answered.append(await message.talker().say("in private"))
        except Exception as err:
            errors.append(err)
            raise

    def on_topic(room: Room, new: str, old: str, changer: Contact) -> None:
        topics.append((room.id, str(new), str(old)))

    async with Simulator() as sim:
        client = make_client(sim)
        wechaty = WechatyDialect(client=_as_chat_client(client), heartbeat_interval=None)
        wechaty.on("message", on_message)
        wechaty.on("room-topic", on_topic)
        async with live(sim, client, wechaty) as (_, events):
            await ready(sim, client, events)
            await sim.send_message(ALICE, "ping", push_name="Alice")
            pong = await sim.expect_message(lambda r: r.text == "pong", timeout=15)
            await sim.send_message(ALICE, "hello, room", chat=GROUP, push_name="Alice")
            hi = await sim.expect_message(lambda r: r.chat == GROUP, timeout=15)
            renamed = await events.wait_for(
                lambda e: isinstance(e, GroupInfoUpdate) and isinstance(e.change, SubjectChanged),
                timeout=15,
            )
            await sim.send_message(ALICE, "write to me", push_name="Alice")
            private = await sim.expect_message(lambda r: r.text == "in private", timeout=15)
            with anyio.fail_after(10):
                while not topics:
                    await anyio.sleep(0.01)
            info = await client.groups.info(GROUP)

    assert errors == []
    sent_pong, subject, sent_hi, rename, sent_private = answered
    assert isinstance(sent_pong, SendResult) and sent_pong.id == pong.id
    assert sent_pong.timestamp is not None and sent_pong.timestamp > 0
    assert pong.chat.to_non_ad() == ALICE
    assert subject == GROUP_SUBJECT
    # room.say mentions the talker as WhatsApp does: @number in the text and in mentionedJid.
    assert isinstance(sent_hi, SendResult) and sent_hi.id == hi.id
    assert hi.text == f"@{ALICE.user} hi all"
    extended = hi.message.extendedTextMessage
    assert list(extended.contextInfo.mentionedJid) == [str(ALICE)]
    # room.topic(new) renamed the group.
    assert rename == "renamed"
    assert info.subject == "Renamed by say"
    assert isinstance(renamed, GroupInfoUpdate) and isinstance(renamed.change, SubjectChanged)
    assert renamed.change.subject == "Renamed by say"
    assert topics == [(str(GROUP), "Renamed by say", "")]  # no subject had been seen before
    assert isinstance(sent_private, SendResult) and private.chat.to_non_ad() == ALICE


async def test_a_listen_only_wechaty_refuses_to_answer_and_names_the_option() -> None:
    """Without a client, the same bot's answers fail with `NoClient`, reported to the bus."""
    failures: list[BaseException] = []

    async def on_message(message: Message) -> None:
        try:
            await message.say("pong")
        except NoClient as err:
            failures.append(err)

    async with Simulator() as sim:
        client = make_client(sim)
        wechaty = WechatyDialect(heartbeat_interval=None)
        wechaty.on("message", on_message)
        async with live(sim, client, wechaty) as (_, events):
            await ready(sim, client, events)
            await sim.send_message(ALICE, "ping", push_name="Alice")
            with anyio.fail_after(15):
                while not failures:
                    await anyio.sleep(0.01)
            sent = sim.decrypted_count

    [failure] = failures
    assert isinstance(failure, NoClient) and failure.what == "Message.say()"
    assert "WechatyDialect(client=client)" in str(failure)
    assert sent == 0  # nothing went out


async def test_the_ding_dong_bot_of_python_wechaty_runs_as_written() -> None:
    """python-wechaty's classic bot, in its override style, answers ``ding`` with ``dong``."""

    class DingDong(WechatyListener):
        async def on_message(self, msg: Message) -> None:
            if msg.text() == "ding":
                await msg.say("dong")

    async with Simulator() as sim:
        client = make_client(sim)
        wechaty = WechatyDialect(client=client, heartbeat_interval=None)
        wechaty.add_listener(DingDong())
        async with live(sim, client, wechaty) as (_, events):
            await ready(sim, client, events)
            await sim.send_message(ALICE, "ding", push_name="Alice")
            dong = await sim.expect_message(lambda r: r.text == "dong", timeout=15)
    assert dong.chat.to_non_ad() == ALICE
