"""Property tests: encode/decode round trips, and decoders that only ever raise WireError."""

from __future__ import annotations

import contextlib
import random
import zlib

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.protocol.strategies import wire_jids, wire_nodes
from wabus.protocol import Jid, Node, RemoteWireError, decode_node, encode_node
from wabus.protocol._binary import encode_ack


@given(wire_nodes())
def test_decode_inverts_encode(node: Node) -> None:
    assert decode_node(encode_node(node)) == node


@given(wire_nodes())
def test_encoding_is_deterministic_and_stable(node: Node) -> None:
    payload = encode_node(node)
    assert encode_node(decode_node(payload)) == payload


@given(wire_jids())
def test_every_jid_form_round_trips_as_attribute_and_as_string(jid: Jid) -> None:
    assert decode_node(encode_node(Node("x", {"j": jid}))).attrs["j"] == jid
    # A JID's string form travels as that JID (a bare server such as "g.us" has no '@' and
    # stays text).
    text = str(jid)
    expected = jid if "@" in text else text
    assert decode_node(encode_node(Node("x", {"j": text}))).attrs["j"] == expected
    if "@" in text:  # as content, a JID string comes back as that string
        assert decode_node(encode_node(Node("x", None, text))).content == text


@given(wire_nodes(max_leaves=4))
def test_compressed_payloads_round_trip(node: Node) -> None:
    payload = encode_node(node)
    assert decode_node(bytes([2]) + zlib.compress(payload[1:])) == node


def _corpus() -> list[bytes]:
    jid = Jid("15550000001", "s.whatsapp.net", device=7)
    nodes = [
        Node(
            "message",
            {"id": "3EB0", "from": jid, "t": "1752021890", "type": "text"},
            [Node("enc", {"v": "2", "type": "msg"}, bytes(range(180)))],
        ),
        Node(
            "receipt",
            {"id": "3EB0", "from": jid, "type": "read"},
            [Node("list", None, [Node("item", {"id": f"ID{i}"}) for i in range(3)])],
        ),
        Node("iq", {"id": "1", "type": "result"}, "ABCDEF"),
        Node("presence", {"from": Jid("1", "lid", device=3), "last": "123"}),
        Node("x", {"a": "\u00e9\u4e2d" * 30}, "1.2-3"),
    ]
    return [encode_node(n) for n in nodes]


CORPUS = _corpus()


@settings(max_examples=400)
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_wire_errors(data: bytes) -> None:
    with contextlib.suppress(RemoteWireError):
        decode_node(data)


@settings(max_examples=400)
@given(
    st.sampled_from(CORPUS),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6),
)
def test_mutated_payloads_only_raise_wire_errors(
    payload: bytes, edits: list[tuple[int, int]]
) -> None:
    data = bytearray(payload)
    for where, value in edits:
        data[where % len(data)] = value
    with contextlib.suppress(RemoteWireError):
        decode_node(bytes(data))


def test_a_bounded_mutation_fuzz_run() -> None:
    """A seeded run of many cheap mutations (flips, cuts, splices, inserts) of real payloads."""
    rng = random.Random(20261121)
    raised = 0
    for _ in range(30_000):
        data = bytearray(rng.choice(CORPUS))
        for _ in range(rng.randint(1, 4)):
            kind = rng.randrange(5)
            where = rng.randrange(len(data)) if data else 0
            if kind == 0 and data:
                data[where] = rng.randrange(256)
            elif kind == 1:
                del data[where:]
            elif kind == 2:
                data[where:where] = rng.randbytes(rng.randint(1, 8))
            elif kind == 3 and data:
                data[where] ^= 1 << rng.randrange(8)
            else:
                data += rng.choice(CORPUS)[: rng.randint(0, 20)]
        try:
            decode_node(bytes(data))
        except RemoteWireError:
            raised += 1
    assert raised > 10_000  # most mutations are caught, as typed errors


@given(
    st.sampled_from(["message", "receipt", "notification", "call"]),
    st.text(max_size=30),
    st.lists(
        st.tuples(
            st.sampled_from(["to", "participant", "type", "from", "t", "phash"]),
            st.one_of(st.text(max_size=20), wire_jids()),
        ),
        max_size=4,
        unique_by=lambda kv: kv[0],
    ),
)
def test_encode_ack_is_encode_node_of_the_ack(
    stanza_class: str, stanza_id: str, rest: list[tuple[str, str | Jid]]
) -> None:
    """The ack fast path writes exactly what the general encoder writes for the same node."""
    node = Node("ack", {"class": stanza_class, "id": stanza_id, **dict(rest)})
    assert encode_ack(stanza_class, stanza_id, tuple(rest)) == encode_node(node)
