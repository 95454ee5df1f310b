"""``sendMessage`` through the gateway: the real JavaScript ``socket.io-client`` asks, the bot's
real `Client` sends to the simulator (whose devices decrypt what arrived), and each
acknowledgement carries the typed result or a typed error. The request shapes and their
refusals are also checked one by one (`build_content`), and a gateway without a client
refuses, naming the option."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import anyio
import pytest

from tests import processes
from tests.client.test_e2e import first_text, ready
from tests.client.test_session import live, make_client
from tests.handlers.gateway.conftest import TOKEN
from tests.handlers.gateway.test_gateway_js import JS, _node, _records
from wabus.core import CoreEventBus
from wabus.handlers.gateway import (
    SEND_ERRORS,
    EventGateway,
    GatewayConfig,
    SendRequestError,
    build_content,
)
from wabus.handlers.gateway.testing import GatewayTestClient
from wabus.simulator import DecryptedMessage, Simulator
from wabus.simulator._scenario import ALICE, GROUP

pytestmark = pytest.mark.anyio

Served = tuple[CoreEventBus, EventGateway]


def has_text(text: str, record: DecryptedMessage) -> bool:
    """Whether a simulated device read a message with this text."""
    return record.text == text


async def test_the_javascript_client_sends_through_the_bot() -> None:
    node = _node()
    async with Simulator() as sim:
        client = make_client(sim)
        gateway = EventGateway(GatewayConfig(tokens=(TOKEN,), port=0), client=client)
        async with live(sim, client, gateway) as (_, events), gateway.running():
            await ready(sim, client, events)
            ping_id = await sim.send_message(ALICE, "ping", push_name="Alice")
            await first_text(events, "ping")
            ping_key = {"remoteJid": str(ALICE), "fromMe": False, "id": ping_id}
            requests: list[list[Any]] = [
                [str(ALICE), {"text": "hello from js"}],
                [
                    {
                        "jid": str(GROUP),
                        "content": {"text": "@15550000002 hi", "mentions": [str(ALICE)]},
                    }
                ],
                [str(ALICE), {"react": {"text": "👍", "key": ping_key}}],
                [
                    str(ALICE),
                    {"text": "pong"},
                    {"quoted": {"key": ping_key, "message": {"conversation": "ping"}}},
                ],
                [str(ALICE), {"location": {"degreesLatitude": 52.37, "degreesLongitude": 4.9}}],
                [str(ALICE), {"image": {"url": "https://example.org/a.jpg"}}],
                ["not a jid", {"text": "x"}],
            ]
            command = [node, "gateway_send.mjs", gateway.url, TOKEN, json.dumps(requests)]
            async with processes.open_process(command, cwd=JS) as process:
                with anyio.fail_after(120):
                    records = await _records(process)
                await process.wait()
            texts = {
                text: await sim.expect_message(partial(has_text, text), timeout=15)
                for text in ("hello from js", "@15550000002 hi", "pong")
            }
            reacted = await sim.expect_message(
                lambda r: r.message.HasField("reactionMessage"), timeout=15
            )
            pinned = await sim.expect_message(
                lambda r: r.message.HasField("locationMessage"), timeout=15
            )
            stats = gateway.stats

    assert process.returncode == 0, records
    acks = [r["ack"] for r in records if r["kind"] == "ack"]
    assert len(acks) == len(requests)
    hello, mention, reaction, reply, location, image, bad_jid = acks
    for ack, arrived in (
        (hello, texts["hello from js"]),
        (mention, texts["@15550000002 hi"]),
        (reaction, reacted),
        (reply, texts["pong"]),
        (location, pinned),
    ):
        assert ack["ok"] is True and ack["op"] == "sendMessage"
        assert ack["id"] == arrived.id
        assert isinstance(ack["timestamp"], int) and ack["timestamp"] > 0
        assert ack["messageTimestamp"] == ack["timestamp"]
        assert ack["key"] == {"remoteJid": str(arrived.chat), "fromMe": True, "id": arrived.id}
    assert texts["hello from js"].chat == ALICE
    assert texts["@15550000002 hi"].chat == GROUP
    mentioned = texts["@15550000002 hi"].message.extendedTextMessage.contextInfo.mentionedJid
    assert list(mentioned) == [str(ALICE)]
    assert reacted.message.reactionMessage.text == "👍"
    assert reacted.message.reactionMessage.key.id == ping_id
    context = texts["pong"].message.extendedTextMessage.contextInfo
    assert (context.stanzaId, context.participant) == (ping_id, str(ALICE))
    assert context.quotedMessage.conversation == "ping"
    assert pinned.message.locationMessage.degreesLatitude == pytest.approx(52.37)
    assert image == {
        "ok": False,
        "op": "sendMessage",
        "error": "unsupported_content",
        "field": "content.image",
        "reason": "the gateway does not send image content; send it with client.send_message"
        " and the builders of wabus.client",
    }
    assert bad_jid["ok"] is False and bad_jid["error"] == "invalid_request"
    assert bad_jid["field"] == "jid"
    assert (stats.sent, stats.send_failures) == (5, 2)


async def test_a_send_while_the_bot_is_not_connected_is_a_typed_error() -> None:
    """The client exists but has never connected: ``not_connected``, from the client's own
    error, not a crash of the gateway."""
    async with Simulator() as sim:
        client = make_client(sim)  # never run
        bus = CoreEventBus()
        gateway = EventGateway(GatewayConfig(tokens=(TOKEN,), port=0), client=client)
        bus.add_handler(gateway)
        async with (
            bus,
            gateway.running(),
            GatewayTestClient(gateway.url, token=TOKEN) as socket,
        ):
            ack = await socket.emit("sendMessage", {"jid": str(ALICE), "content": {"text": "hi"}})
    assert ack["ok"] is False and ack["error"] == "not_connected"
    assert ack["error"] in SEND_ERRORS
    assert "logged-in connection" in ack["reason"]


async def test_a_gateway_without_a_client_only_listens_and_says_what_to_pass(
    served: Served,
) -> None:
    _, gateway = served
    async with GatewayTestClient(gateway.url, token=TOKEN) as socket:
        ack = await socket.emit("sendMessage", {"jid": str(ALICE), "content": {"text": "hi"}})
        malformed = await socket.emit("sendMessage", {"jid": str(ALICE)})
    assert ack["ok"] is False and ack["error"] == "no_client"
    assert "EventGateway(config, client=client)" in ack["reason"]
    assert malformed["error"] == "invalid_request" and malformed["field"] == "content"
    assert gateway.stats.send_failures == 2 and gateway.stats.sent == 0


# The request shapes, one by one --------------------------------------------------------

KEY = {"remoteJid": str(ALICE), "fromMe": True, "id": "3EB0AAAA"}


def test_a_quote_names_its_author() -> None:
    me = "15550000001@s.whatsapp.net"
    theirs: dict[str, Any] = {
        "key": {"remoteJid": str(GROUP), "id": "A", "participant": str(ALICE)}
    }
    ours: dict[str, Any] = {"key": {**KEY, "id": "B"}, "message": {"conversation": "mine"}}
    in_chat: dict[str, Any] = {"key": {**KEY, "fromMe": False, "id": "C"}}
    for quoted, author in ((theirs, str(ALICE)), (ours, me), (in_chat, str(ALICE))):
        body = build_content({"text": "re"}, {"quoted": quoted}, me=me)
        context = body.extendedTextMessage.contextInfo
        assert (context.stanzaId, context.participant) == (quoted["key"]["id"], author)
    assert context.quotedMessage.ByteSize() == 0  # no message given: only the key
    mine = build_content({"text": "re"}, {"quoted": ours}, me=me).extendedTextMessage
    assert mine.contextInfo.quotedMessage.conversation == "mine"


def test_text_edit_delete_and_their_bodies() -> None:
    assert build_content({"text": "hi"}).conversation == "hi"
    edited = build_content({"text": "fixed", "edit": KEY}).protocolMessage
    assert edited.type == edited.MESSAGE_EDIT and edited.key.id == "3EB0AAAA"
    assert edited.editedMessage.conversation == "fixed" and edited.timestampMs > 0
    deleted = build_content({"delete": KEY}).protocolMessage
    assert deleted.type == deleted.REVOKE and deleted.key.fromMe
    removed = build_content({"react": {"text": "", "key": KEY}}).reactionMessage
    assert removed.text == "" and removed.key.remoteJid == str(ALICE)


@pytest.mark.parametrize(
    ("content", "options", "error", "field"),
    [
        (None, None, "invalid_request", "content"),
        ({}, None, "invalid_request", "content"),
        ({"text": ""}, None, "invalid_request", "content.text"),
        ({"text": 5}, None, "invalid_request", "content.text"),
        ({"text": "x", "mentions": ["bad"]}, None, "invalid_request", "content.mentions[0]"),
        (
            {"text": "x", "mentions": "15550000002@s.whatsapp.net"},
            None,
            "invalid_request",
            "content.mentions",
        ),
        (
            {"text": "x", "edit": {**KEY, "fromMe": False}},
            None,
            "invalid_request",
            "content.edit.fromMe",
        ),
        ({"react": {"text": "👍"}}, None, "invalid_request", "content.react.key"),
        (
            {"react": {"text": "👍", "key": {**KEY, "id": ""}}},
            None,
            "invalid_request",
            "content.react.key.id",
        ),
        ({"delete": {**KEY, "fromMe": "yes"}}, None, "invalid_request", "content.delete.fromMe"),
        (
            {"delete": {**KEY, "remoteJid": "s.whatsapp.net"}},
            None,
            "invalid_request",
            "content.delete.remoteJid",
        ),
        (
            {"location": {"degreesLatitude": 91, "degreesLongitude": 0}},
            None,
            "invalid_request",
            "content.location.degreesLatitude",
        ),
        (
            {"location": {"degreesLatitude": 0, "degreesLongitude": float("nan")}},
            None,
            "invalid_request",
            "content.location.degreesLongitude",
        ),
        (
            {"text": "x"},
            {"quoted": {"key": {"id": "A"}}},
            "invalid_request",
            "options.quoted.key.remoteJid",
        ),
        (
            {"text": "x"},
            {"quoted": {"key": KEY, "message": {"conversation": 3.5}}},
            "invalid_request",
            "options.quoted.message",
        ),
        ({"text": "x"}, [], "invalid_request", "options"),
        ({"video": {"url": "v.mp4"}}, None, "unsupported_content", "content.video"),
        (
            {"poll": {"name": "?", "values": ["a", "b"]}},
            None,
            "unsupported_content",
            "content.poll",
        ),
    ],
)
def test_what_cannot_be_built_names_the_field(
    content: Any, options: Any, error: str, field: str
) -> None:
    with pytest.raises(SendRequestError) as refused:
        build_content(content, options)
    assert (refused.value.error, refused.value.field) == (error, field)
    assert refused.value.error in SEND_ERRORS
