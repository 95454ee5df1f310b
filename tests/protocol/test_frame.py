from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wabus.protocol import (
    CONNECTION_HEADER,
    MAX_FRAME_SIZE,
    FrameDecoder,
    FrameEncoder,
    FrameTooLarge,
    RemoteWireError,
    encode_frame,
)


def test_the_first_frame_carries_the_connection_header() -> None:
    encoder = FrameEncoder()
    assert bool(encoder.intro_sent) is False  # bool(): keep mypy from narrowing the property
    assert encoder.encode(b"hello") == b"WA\x06\x03" + b"\x00\x00\x05hello"
    assert encoder.intro_sent
    assert encoder.encode(b"again") == b"\x00\x00\x05again"


def test_edge_routing_pre_intro() -> None:
    encoder = FrameEncoder(routing_info=b"\x08\x02\x08\x04")
    assert encoder.encode(b"x") == (
        b"ED\x00\x01" + b"\x00\x00\x04" + b"\x08\x02\x08\x04" + CONNECTION_HEADER + b"\x00\x00\x01x"
    )
    assert FrameEncoder(routing_info=bytes(0x010203)).encode(b"")[4:7] == bytes([1, 2, 3])


def test_lengths_are_three_bytes_big_endian() -> None:
    assert encode_frame(b"")[:3] == b"\x00\x00\x00"
    assert encode_frame(bytes(3))[:3] == b"\x00\x00\x03"
    assert encode_frame(bytes(0x010203))[:3] == b"\x01\x02\x03"


def test_the_encoder_refuses_what_three_bytes_cannot_describe() -> None:
    with pytest.raises(FrameTooLarge) as caught:
        encode_frame(bytes(MAX_FRAME_SIZE + 1))
    assert (caught.value.size, caught.value.limit) == (MAX_FRAME_SIZE + 1, MAX_FRAME_SIZE)
    with pytest.raises(FrameTooLarge):
        FrameEncoder(routing_info=bytes(MAX_FRAME_SIZE + 1))


def test_decoder_needs_more_without_raising() -> None:
    decoder = FrameDecoder()
    assert decoder.next_frame() is None
    decoder.receive_data(b"\x00\x00")
    assert decoder.next_frame() is None
    decoder.receive_data(b"\x05hel")
    assert decoder.next_frame() is None
    assert decoder.buffered == 6
    decoder.receive_data(b"lo\x00\x00\x00\x00\x00")
    assert decoder.frames() == [b"hello", b""]
    assert decoder.next_frame() is None
    assert decoder.buffered == 2


def test_a_declared_length_over_the_limit_fails_before_buffering_the_body() -> None:
    decoder = FrameDecoder(max_frame_size=1000)
    decoder.receive_data(b"\x00\x00\x05abcde")
    assert decoder.next_frame() == b"abcde"
    decoder.receive_data(b"\x10\x00\x00")  # declares 1 MiB, sends nothing of it yet
    with pytest.raises(FrameTooLarge) as caught:
        decoder.next_frame()
    assert (caught.value.size, caught.value.limit, caught.value.offset) == (0x100000, 1000, 0)
    # A failed stream stays failed.
    with pytest.raises(FrameTooLarge):
        decoder.receive_data(b"more")
    with pytest.raises(FrameTooLarge):
        decoder.next_frame()


def test_max_frame_size_is_validated() -> None:
    with pytest.raises(ValueError, match="max_frame_size"):
        FrameDecoder(max_frame_size=0)
    with pytest.raises(ValueError, match="max_frame_size"):
        FrameDecoder(max_frame_size=MAX_FRAME_SIZE + 1)


def test_server_side_decoder_reads_the_intro() -> None:
    client = FrameEncoder(routing_info=b"route")
    stream = client.encode(b"hello") + client.encode(b"world")
    server = FrameDecoder(expect_intro=True)
    for i in range(len(stream)):  # one byte at a time
        server.receive_data(stream[i : i + 1])
    assert server.frames() == [b"hello", b"world"]
    assert server.routing_info == b"route"

    plain = FrameDecoder(expect_intro=True)
    plain.receive_data(FrameEncoder().encode(b"x"))
    assert plain.frames() == [b"x"]
    assert plain.routing_info is None


def test_server_side_decoder_rejects_a_bad_intro() -> None:
    server = FrameDecoder(expect_intro=True)
    server.receive_data(b"GET / HTTP/1.1\r\n")
    with pytest.raises(RemoteWireError, match="connection header") as caught:
        server.next_frame()
    assert caught.value.offset == 0


@given(st.lists(st.binary(max_size=600), max_size=12), st.data())
def test_frames_split_anywhere_decode_to_the_same_frames(
    payloads: list[bytes], data: st.DataObject
) -> None:
    encoder = FrameEncoder()
    stream = b"".join(encoder.encode(p) for p in payloads)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    decoder = FrameDecoder(expect_intro=bool(payloads))
    received: list[bytes] = []
    start = 0
    for cut in [*cuts, len(stream)]:
        decoder.receive_data(stream[start:cut])
        received.extend(decoder.frames())
        start = cut
    assert received == payloads
    assert decoder.buffered == 0


@given(st.binary(max_size=300), st.integers(1, 64))
def test_random_streams_only_raise_wire_errors(stream: bytes, limit: int) -> None:
    decoder = FrameDecoder(max_frame_size=limit, expect_intro=bool(stream[:1] == b"W"))
    decoder.receive_data(stream)
    with contextlib.suppress(RemoteWireError):
        decoder.frames()
