"""The binary node format against the concrete vectors of the protocol brief (§3.8)."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest

from wabus.protocol import (
    DecompressionLimit,
    InvalidCompression,
    InvalidPackedString,
    InvalidToken,
    Jid,
    LeftoverData,
    MalformedNode,
    Node,
    RemoteWireError,
    Server,
    TruncatedInput,
    UnencodableNode,
    decode_node,
    encode_node,
    unpack,
)

VECTORS = Path(__file__).resolve().parent.parent / "vectors"


def test_message_receipt_vector() -> None:
    node = Node("message", None, "receipt")
    assert encode_node(node) == bytes([0, 248, 2, 19, 7])
    assert decode_node(bytes([0, 248, 2, 19, 7])) == node


def test_nibble_vector() -> None:
    node = Node("test", None, "-.0123456789")
    expected = bytes([0, 248, 2, 252, 4, *b"test", 255, 6, 0xAB, 0x01, 0x23, 0x45, 0x67, 0x89])
    assert len(expected) == 17
    assert encode_node(node) == expected
    assert decode_node(expected) == node


def test_the_real_success_node() -> None:
    raw = bytes.fromhex((VECTORS / "success_node.hex").read_text().strip())
    assert len(raw) == 93
    node = decode_node(b"\x00" + raw)
    assert node.tag == "success"
    assert list(node.attrs) == [
        "t",
        "props",
        "location",
        "lid",
        "abprops",
        "creation",
        "companion_enc_static",
    ]
    assert node.int_attr("t") == 1752021890
    assert node.attr("props") == "27"
    assert node.attr("location") == "frc"
    assert node.jid("lid") == Jid("236395184570386", Server.LID, device=42)
    assert node.attr("abprops") == "10"
    assert node.int_attr("creation") == 1752020041
    assert len(node.attr("companion_enc_static")) == 44
    assert node.content is None
    # Our encoder chooses the same encodings as the peer that produced it, byte for byte.
    assert encode_node(node) == b"\x00" + raw


@pytest.mark.parametrize(
    ("children", "header"),
    [(255, bytes([248, 255])), (256, bytes([249, 1, 0]))],
)
def test_list_size_boundaries(children: int, header: bytes) -> None:
    node = Node("list", None, [Node("item")] * children)
    payload = encode_node(node)
    # flag, LIST_8 2, token "list" (not a token here: raw), then the children list header.
    body = payload[1:]
    assert header in body[: 2 + 6 + len(header)]
    assert decode_node(payload) == node


def test_list_of_no_children_is_no_content() -> None:
    assert encode_node(Node("x", None, [])) == encode_node(Node("x"))
    # A peer that sends an explicit empty child list (LIST_8 0) means the same.
    assert decode_node(bytes([0, 248, 2, 252, 1, *b"x", 248, 0])) == Node("x")
    # And LIST_EMPTY as content.
    assert decode_node(bytes([0, 248, 2, 252, 1, *b"x", 0])) == Node("x")


@pytest.mark.parametrize(
    ("size", "prefix"),
    [
        (0, bytes([252, 0])),
        (255, bytes([252, 255])),
        (256, bytes([253, 0, 1, 0])),
        ((1 << 20) - 1, bytes([253, 0x0F, 0xFF, 0xFF])),
        (1 << 20, bytes([254, 0, 0x10, 0, 0])),
    ],
)
def test_binary_length_boundaries(size: int, prefix: bytes) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    payload = encode_node(Node("b", None, data))
    assert payload[1:].startswith(bytes([248, 2, 252, 1, *b"b"]) + prefix)
    decoded = decode_node(payload)
    assert decoded.content == data


def test_empty_string_is_binary_8_zero_never_list_empty() -> None:
    payload = encode_node(Node("x", {"a": ""}))
    assert payload == bytes([0, 248, 3, 252, 1, *b"x", 252, 1, *b"a", 252, 0])
    assert decode_node(payload).attrs == {"a": ""}


@pytest.mark.parametrize(
    ("raw", "length"),
    [
        (bytes([0, 0, 0]), 0),
        (bytes([0, 1, 0]), 256),
        (bytes([1, 0, 0]), 65536),
        (bytes([0x0F, 0xFF, 0xFF]), 1048575),
        (bytes([0xFF, 0xFF, 0xFF]), 1048575),  # the upper nibble is not part of the length
    ],
)
def test_u20_lengths(raw: bytes, length: int) -> None:
    payload = bytes([0, 248, 2, 252, 1, *b"x", 253, *raw]) + bytes(length)
    assert decode_node(payload).content == bytes(length)


def test_long_strings_skip_classification() -> None:
    # 00 f8 03 fc 01 'x' 04(token "type"), then the value.
    digits127 = "1" * 127
    payload = encode_node(Node("x", {"type": digits127}))
    assert payload[7] == 255  # NIBBLE_8
    digits128 = "1" * 128
    payload = encode_node(Node("x", {"type": digits128}))
    assert payload[7:9] == bytes([252, 128])  # raw BINARY_8
    assert decode_node(payload).attr("type") == digits128


def test_packed_strings() -> None:
    def packed(tag: int, header: int, body: bytes) -> bytes:
        return bytes([0, 248, 2, 252, 1, *b"x", tag, header, *body])

    assert decode_node(packed(251, 3, bytes([0xAB, 0xCD, 0xEF]))).content == "ABCDEF"
    assert decode_node(packed(255, 0x82, bytes([0x12, 0x3F]))).content == "123"
    assert decode_node(packed(255, 0, b"")).content == ""
    assert decode_node(packed(251, 0x81, bytes([0xAF]))).content == "A"
    assert encode_node(Node("x", None, "ABCDEF")) == packed(251, 3, bytes([0xAB, 0xCD, 0xEF]))
    assert encode_node(Node("x", None, "123")) == packed(255, 0x82, bytes([0x12, 0x3F]))


@pytest.mark.parametrize("nibble", [12, 13, 14])
def test_invalid_nibbles_are_rejected(nibble: int) -> None:
    payload = bytes([0, 248, 2, 252, 1, *b"x", 255, 1, nibble << 4])
    with pytest.raises(InvalidPackedString) as caught:
        decode_node(payload)
    assert caught.value.offset == 8
    assert f"nibble {nibble}" in str(caught.value)


def test_padding_nibble_only_at_the_end_of_an_odd_string() -> None:
    with pytest.raises(InvalidPackedString):
        decode_node(bytes([0, 248, 2, 252, 1, *b"x", 255, 1, 0xF1]))


def test_leftover_bytes_are_rejected() -> None:
    payload = encode_node(Node("test")) + bytes([1, 2, 3])
    with pytest.raises(LeftoverData) as caught:
        decode_node(payload)
    assert caught.value.count == 3
    assert caught.value.offset == len(payload) - 3


@pytest.mark.parametrize("cut", [1, 2, 3, 5, 8, 12])
def test_truncation_is_reported_with_the_offset(cut: int) -> None:
    payload = encode_node(Node("message", {"id": "ABC", "to": "123@s.whatsapp.net"}, b"xyz"))
    with pytest.raises(TruncatedInput) as caught:
        decode_node(payload[:cut])
    assert caught.value.offset == cut


def test_empty_payload() -> None:
    with pytest.raises(TruncatedInput) as caught:
        decode_node(b"")
    assert caught.value.offset == 0


@pytest.mark.parametrize("tag", [240, 241, 242, 243, 244])
def test_unused_tags_are_invalid_tokens(tag: int) -> None:
    with pytest.raises(InvalidToken) as caught:
        decode_node(bytes([0, 248, 1, tag]))
    assert caught.value.value == tag
    assert caught.value.offset == 3


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (bytes([0, 19]), "must start with a list header"),
        (bytes([0, 248, 0]), "cannot be an empty list"),
        (bytes([0, 248, 1, 0]), "tag cannot be empty"),
        (bytes([0, 248, 1, 248, 1, 19]), "expected a string, found a list"),
        (bytes([0, 248, 3, 19, 0, 19]), "key cannot be empty"),
        (bytes([0, 248, 5, 19, 4, 19, 4, 19]), "repeats an attribute"),
        (bytes([0, 248, 1, 252, 2, 0xC3, 0x28]), "not valid UTF-8"),
        (bytes([0, 248, 3, 19, 4, 250, 0, 252, 3, *b"foo"]), "unknown JID server 'foo'"),
        (bytes([0, 248, 3, 19, 4, 247, 1, 2, 0]), "needs a user"),
        (bytes([0, 248, 3, 19, 4, 246, 252, 1, *b"1", 0, 1, 3]), "must be on 'msgr'"),
        (bytes([0, 248, 3, 19, 4, 250, 252, 3, *b"a:b", 3]), "invalid JID"),
    ],
)
def test_malformed_nodes(payload: bytes, reason: str) -> None:
    with pytest.raises(MalformedNode) as caught:
        decode_node(payload)
    assert reason in caught.value.reason
    assert caught.value.offset is not None


def test_nesting_is_capped() -> None:
    node = Node("leaf")
    for _ in range(80):
        node = Node("n", None, [node])
    payload = encode_node(node)
    with pytest.raises(MalformedNode, match="nest deeper"):
        decode_node(payload)
    assert decode_node(payload, max_depth=100) == node


def test_compressed_payloads() -> None:
    items = [Node("item", {"jid": Jid(str(i), Server.USER)}) for i in range(50)]
    node = Node("iq", {"id": "1"}, items)
    plain = encode_node(node)
    compressed = bytes([2]) + zlib.compress(plain[1:])
    assert decode_node(compressed) == node
    assert unpack(compressed) == plain[1:]
    assert unpack(plain) == plain[1:]
    with pytest.raises(DecompressionLimit) as caught:
        decode_node(compressed, max_inflated=100)
    assert caught.value.limit == 100
    with pytest.raises(InvalidCompression, match="ends early"):
        decode_node(compressed[:-5])
    with pytest.raises(InvalidCompression):
        decode_node(bytes([2]) + b"not zlib at all")
    with pytest.raises(TruncatedInput):
        unpack(b"")


def test_decompression_bomb_is_refused_without_inflating_it() -> None:
    bomb = bytes([2]) + zlib.compress(bytes(200 * 1024 * 1024), 9)
    assert len(bomb) < 300_000
    with pytest.raises(DecompressionLimit):
        decode_node(bomb)


def test_jid_encodings() -> None:
    def attr_bytes(jid: Jid) -> bytes:
        # 00 f8 03 fc 01 'x' 04 (the token "type"), then the value.
        return encode_node(Node("x", {"type": jid}))[7:]

    lid = Jid("100000000000001", Server.LID, device=39)
    assert attr_bytes(lid)[:3] == bytes([247, 1, 39])
    pn = Jid("15550000001", Server.USER, device=2)
    assert attr_bytes(pn)[:3] == bytes([247, 0, 2])
    assert attr_bytes(Jid("1", Server.HOSTED, device=1))[:2] == bytes([247, 128])
    assert attr_bytes(Jid("1", Server.HOSTED_LID, device=1))[:2] == bytes([247, 129])
    assert attr_bytes(Jid("1", Server.USER))[:1] == bytes([250])
    assert attr_bytes(Jid("", Server.USER)) == bytes([250, 0, 3])  # LIST_EMPTY, token 3
    assert attr_bytes(Jid("1", Server.MESSENGER, device=300))[:1] == bytes([246])
    assert attr_bytes(Jid("1", Server.INTEROP, device=2, integrator=9))[:1] == bytes([245])
    agent = Jid("15550000001", Server.USER, agent=5, device=0)
    assert attr_bytes(agent)[:3] == bytes([247, 5, 0])
    for jid in (
        lid,
        pn,
        agent,
        Jid("1", Server.MESSENGER, device=300),
        Jid("1", Server.INTEROP, device=2, integrator=9),
        Jid("", Server.GROUP),
    ):
        assert decode_node(encode_node(Node("x", {"j": jid}))).jid("j") == jid


def test_a_jid_string_and_a_jid_encode_alike() -> None:
    typed = Node("x", {"to": Jid("100000000000001", Server.LID, device=39)})
    text = Node("x", {"to": "100000000000001:39@lid"})
    assert encode_node(typed) == encode_node(text)
    assert decode_node(encode_node(text)) == typed  # JIDs come back as Jid


def test_non_canonical_jid_strings_travel_as_text() -> None:
    for text in ("123:0@s.whatsapp.net", "1:2@g.us", "user@example.com", "a@b@c"):
        node = Node("x", {"to": text})
        assert decode_node(encode_node(node)) == node


def test_ad_jid_domain_types_decode_as_the_brief_says() -> None:
    def ad(domain: int) -> Jid:
        payload = bytes([0, 248, 3, 19, 4, 247, domain, 3, 255, 1, 0x12])
        return decode_node(payload).jid("type")

    assert ad(0) == Jid("12", Server.USER, device=3)
    assert ad(1) == Jid("12", Server.LID, device=3)
    assert ad(128) == Jid("12", Server.HOSTED, device=3)
    assert ad(129) == Jid("12", Server.HOSTED_LID, device=3)
    assert ad(130) == Jid("12", Server.HOSTED, device=3)  # bit 7 set, bit 0 clear
    assert ad(7) == Jid("12", Server.USER, agent=7, device=3)  # a raw agent byte


@pytest.mark.parametrize(
    ("jid", "reason"),
    [
        (Jid("1", Server.GROUP, device=2), "cannot carry a device"),
        (Jid("1", Server.USER, device=300), "does not fit"),
        (Jid("1", Server.LID, agent=3, device=1), "cannot carry an agent"),
        (Jid("1", Server.USER, agent=1), "would read back as a domain type"),
        (Jid("1", Server.USER, agent=130), "would read back as a domain type"),
    ],
)
def test_unencodable_jids(jid: Jid, reason: str) -> None:
    with pytest.raises(UnencodableNode, match=reason):
        encode_node(Node("x", {"j": jid}))


def test_unencodable_nodes() -> None:
    with pytest.raises(UnencodableNode, match="tag cannot be empty"):
        encode_node(Node(""))
    with pytest.raises(UnencodableNode, match="empty attribute key"):
        encode_node(Node("x", {"": "v"}))
    with pytest.raises(UnencodableNode, match="65535"):
        encode_node(Node("x", None, [Node("y")] * 70000))
    with pytest.raises(UnencodableNode, match="takes a Node"):
        encode_node("x")  # type: ignore[arg-type]


def test_string_content_that_travels_raw_comes_back_as_bytes() -> None:
    assert decode_node(encode_node(Node("x", None, "hello world"))).content == b"hello world"
    # Strings that travel as tokens, packed or JIDs come back as strings.
    for text in ("receipt", "12345", "ABCD", "15550000001@s.whatsapp.net"):
        assert decode_node(encode_node(Node("x", None, text))).content == text


def test_large_binary_content_is_not_copied_twice() -> None:
    blob = bytes(1_000_000)
    payload = encode_node(Node("enc", {"v": "2"}, blob))
    assert payload.endswith(blob)
    decoded = decode_node(payload)
    assert decoded.content == blob


def test_accepts_bytes_like_input() -> None:
    payload = encode_node(Node("message", {"id": "1"}))
    assert decode_node(bytearray(payload)) == decode_node(memoryview(payload))


def test_errors_are_value_errors_with_a_common_root() -> None:
    with pytest.raises(ValueError, match="offset"):
        decode_node(b"\x00\x13")
    assert issubclass(TruncatedInput, RemoteWireError)
