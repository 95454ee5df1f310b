"""`binary_frame`: the binary frames the WebSocket writes itself, read back by wsproto."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage
from wsproto.frame_protocol import FrameProtocol, Opcode

from wabus.client._websocket import binary_frame

# Around each length encoding's edges (7-bit, 16-bit, 64-bit), and anything up to 70 kB.
sizes = st.one_of(
    st.sampled_from([0, 1, 3, 4, 5, 124, 125, 126, 127, 65535, 65536, 65537]),
    st.integers(min_value=0, max_value=70_000),
)
payloads = sizes.flatmap(lambda n: st.binary(min_size=n, max_size=n))


def read_back(frame: bytes, reader: ConnectionType) -> list[bytes]:
    """What a wsproto connection of role `reader` takes out of `frame`."""
    connection = Connection(reader)
    connection.receive_data(frame)
    messages = []
    for event in connection.events():
        assert isinstance(event, BytesMessage), event
        messages.append(bytes(event.data))
    return messages


@given(payloads, st.binary(min_size=4, max_size=4))
def test_a_client_frame_is_read_by_a_server_as_the_same_message(data: bytes, mask: bytes) -> None:
    assert read_back(binary_frame(data, mask), ConnectionType.SERVER) == [data]


@given(payloads)
def test_a_server_frame_is_what_wsproto_writes(data: bytes) -> None:
    ours = binary_frame(data)
    theirs = FrameProtocol(client=False, extensions=[]).send_data(data, fin=True)
    assert ours == bytes(theirs)
    assert read_back(ours, ConnectionType.CLIENT) == [data]


@given(payloads, st.binary(min_size=4, max_size=4))
def test_a_masked_frame_differs_from_wsproto_only_in_its_key(data: bytes, mask: bytes) -> None:
    protocol = FrameProtocol(client=True, extensions=[])
    theirs = bytes(protocol._serialize_frame(Opcode.BINARY, data, fin=True))
    header = len(theirs) - len(data) - 4
    theirs_key = theirs[header : header + 4]
    assert binary_frame(data, theirs_key) == theirs
    assert binary_frame(data, mask)[:header] == theirs[:header]


@pytest.mark.parametrize("mask", [b"", b"abc", b"abcde"])
def test_a_masking_key_of_another_size_is_refused(mask: bytes) -> None:
    with pytest.raises(ValueError, match="4 bytes"):
        binary_frame(b"data", mask)
