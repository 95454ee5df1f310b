"""The router against hostile stanzas: whatever a peer sends, `route` returns events.

The stanzas are the simulator's scenario (one of every kind the router models) and the real
shapes of `tests.protocol.stanza_shapes` (the router's gaps of issue 11 §3), with their
attributes, children and bodies mutated by Hypothesis: values out of range, negative, not
numbers, not JIDs, huge; children dropped or repeated; bodies flipped. A fuzz case fails when
`route` raises, and also when a `MalformedStanza` reports an error that is not a `ValueError`
(a `NodeError`, an `InvalidJid`, pydantic's `ValidationError`): the router turns every
exception into an event, so an `OverflowError` or a protobuf `DecodeError` would otherwise hide
behind a well-behaved event.
"""

from __future__ import annotations

import zlib

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st

from tests.protocol.stanza_shapes import SHAPES
from tests.protocol.strategies import hostile
from wabus.core import Jid, Node, Server
from wabus.core.events import BaseEvent, HistorySync, MalformedStanza, Message, Presence
from wabus.core.payloads import PayloadDecodeError
from wabus.proto import e2e_pb2
from wabus.protocol import Router, decode_node, encode_node
from wabus.simulator._scenario import live_stanzas, offline_stanzas

ME = Jid("15550000001", Server.USER).with_device(11)
ME_LID = Jid("100000000000001", Server.LID).with_device(11)
SCENARIO = tuple(offline_stanzas(ME) + live_stanzas(ME)) + SHAPES
# The error types a malformed stanza may report: each is a ValueError.
EXPECTED_ERRORS = {"NodeAttributeError", "NodeError", "InvalidJid", "ValidationError"}


def route_checked(node: Node) -> list[BaseEvent]:
    router = Router(own_pn=ME, own_lid=ME_LID)
    events = router.route(decode_node(encode_node(node)))  # through the real codec
    for event in events:
        assert isinstance(event, BaseEvent)
        if isinstance(event, MalformedStanza):
            assert event.error in EXPECTED_ERRORS, (event.error, event.reason, node)
    return events


@given(st.sampled_from(SCENARIO).flatmap(hostile))
def test_route_turns_every_hostile_stanza_into_events(node: Node) -> None:
    with structlog.testing.capture_logs():
        route_checked(node)


@pytest.mark.parametrize(
    ("node", "key"),
    [
        (Node("message", {"from": str(Jid("1", Server.USER)), "id": "M", "t": "9" * 20}), "t"),
        (Node("presence", {"from": "1@s.whatsapp.net", "last": "18446744073709551616"}), "last"),
        (Node("receipt", {"from": "1@s.whatsapp.net", "id": "R", "t": "-5"}), "t"),
        (Node("failure", {"reason": "402", "expire": "-1"}), "expire"),
        (Node("failure", {"reason": "402", "expire": "99999999999999999999"}), "expire"),
        (
            Node("call", {"from": "1@s.whatsapp.net", "id": "C", "t": "99999999999999999999"}),
            "t",
        ),
    ],
)
def test_out_of_range_numbers_are_malformed_not_overflows(node: Node, key: str) -> None:
    if node.tag == "message":
        node = Node(node.tag, node.attrs, [Node("plaintext", None, b"")])
    if node.tag == "call":
        node = Node(
            node.tag,
            node.attrs,
            [Node("offer", {"call-id": "1", "call-creator": "1@s.whatsapp.net"})],
        )
    with structlog.testing.capture_logs():
        [event] = route_checked(node)
    assert isinstance(event, MalformedStanza)
    assert event.error == "NodeAttributeError"
    assert repr(key) in event.reason


def test_a_presence_with_a_word_for_last_seen_has_no_last_seen() -> None:
    [event] = route_checked(Node("presence", {"from": "1@s.whatsapp.net", "last": "deny"}))
    assert isinstance(event, Presence)
    assert event.last_seen is None


def _own_message(body: bytes) -> Node:
    return Node(
        "message",
        {"from": ME.with_device(0), "id": "HIST", "t": "1790000000", "category": "peer"},
        [Node("plaintext", None, body)],
    )


def test_a_corrupt_protocol_message_from_our_phone_is_a_message_not_a_crash() -> None:
    # Field 12 (protocolMessage), length-delimited, whose content is not a valid message.
    body = bytes([0x62, 0x03, 0x10, 0x05, 0x32])
    [event] = route_checked(_own_message(body))
    assert isinstance(event, Message)  # the handler that parses it gets PayloadDecodeError


# A conversation (field 2) and a push name (field 7) whose bytes are not valid protobuf: the
# blob scans, but each entry fails when parsed (a protobuf DecodeError).
CORRUPT_BLOB = bytes([0x12, 0x03, 0xFF, 0xFF, 0xFF, 0x3A, 0x03, 0xFF, 0xFF, 0xFF])


def test_a_corrupt_history_blob_raises_payload_decode_error_when_iterated() -> None:
    notification = e2e_pb2.Message(
        protocolMessage=e2e_pb2.Message.ProtocolMessage(
            type=e2e_pb2.Message.ProtocolMessage.HISTORY_SYNC_NOTIFICATION,
            historySyncNotification=e2e_pb2.Message.HistorySyncNotification(
                syncType=e2e_pb2.Message.HistorySyncType.RECENT,
                initialHistBootstrapInlinePayload=zlib.compress(CORRUPT_BLOB),
            ),
        )
    )
    [event] = route_checked(_own_message(notification.SerializeToString()))
    assert isinstance(event, HistorySync)
    with pytest.raises(PayloadDecodeError):
        list(event.iter_conversations())
    with pytest.raises(PayloadDecodeError):
        list(event.pushnames())
    with pytest.raises(PayloadDecodeError):
        event.get()
