"""Media retry without I/O: the request and the notification, round trips, every refusal a
`MediaRetryError` naming the field, and hostile stanzas fuzzed (typed errors only)."""

from __future__ import annotations

import contextlib

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.protocol.strategies import hostile, wire_nodes
from wabus.core import Jid, Node, Server
from wabus.proto.e2e_pb2 import MediaRetryNotification
from wabus.protocol import (
    MediaError,
    MediaRetryError,
    MediaRetryStatus,
    media_retry_key,
    media_retry_receipt,
    parse_media_retry_notification,
)
from wabus.protocol.server import (
    media_retry_notification,
    open_media_retry_request,
    parse_media_retry_receipt,
)

KEY = bytes(range(32))
OWN = Jid("15550001", Server.USER, device=4)
CHAT = Jid("15550002", Server.USER)


def _receipt(**overrides: object) -> Node:
    fields: dict[str, object] = {
        "message_id": "3EB0ABC",
        "media_key": KEY,
        "own": OWN,
        "chat": CHAT,
        "from_me": True,
    }
    fields.update(overrides)
    return media_retry_receipt(**fields)  # type: ignore[arg-type]


def _notification(**overrides: object) -> Node:
    fields: dict[str, object] = {
        "message_id": "3EB0ABC",
        "chat": CHAT,
        "from_me": True,
        "participant": None,
        "sender": OWN.to_non_ad(),
        "t": 1_700_000_000,
        "media_key": KEY,
        "direct_path": "/v/t62/new",
    }
    fields.update(overrides)
    return media_retry_notification(**fields)  # type: ignore[arg-type]


def test_the_request_goes_to_our_account_and_opens_with_the_media_key() -> None:
    node = _receipt()
    assert node.attrs["to"] == OWN.to_non_ad() and node.attrs["type"] == "server-error"
    request = parse_media_retry_receipt(node)
    assert (request.message_id, request.chat, request.from_me, request.participant) == (
        "3EB0ABC",
        CHAT,
        True,
        None,
    )
    assert len(request.iv) == 12
    open_media_retry_request(request, KEY)
    with pytest.raises(MediaRetryError, match="enc_p") as caught:
        open_media_retry_request(request, bytes(32))
    assert caught.value.field == "enc_p" and isinstance(caught.value, MediaError)


def test_a_request_sealed_for_another_message_is_refused() -> None:
    node = _receipt()
    moved = Node("receipt", {**node.attrs, "id": "OTHER"}, node.nodes)
    with pytest.raises(MediaRetryError) as caught:  # the id is the associated data
        open_media_retry_request(parse_media_retry_receipt(moved), KEY)
    assert caught.value.field == "enc_p"


def test_the_notification_round_trips_each_status() -> None:
    result = parse_media_retry_notification(_notification(), KEY)
    assert result.status is MediaRetryStatus.SUCCESS and result.direct_path == "/v/t62/new"
    assert result.error_code is None and result.message_id == "3EB0ABC"
    for status in (
        MediaRetryStatus.NOT_FOUND,
        MediaRetryStatus.DECRYPTION_ERROR,
        MediaRetryStatus.GENERAL_ERROR,
    ):
        got = parse_media_retry_notification(_notification(status=status, direct_path=None), KEY)
        assert (got.status, got.direct_path) == (status, None)
    with pytest.raises(MediaRetryError) as caught:
        parse_media_retry_notification(_notification(), bytes(32))
    assert caught.value.field == "enc_p"


def test_an_error_answer_carries_its_code() -> None:
    got = parse_media_retry_notification(_notification(error_code=2, media_key=None), KEY)
    assert (got.status, got.error_code, got.direct_path) == (MediaRetryStatus.NOT_FOUND, 2, None)
    odd = parse_media_retry_notification(_notification(error_code=479, media_key=None), KEY)
    assert (odd.status, odd.error_code) == (MediaRetryStatus.GENERAL_ERROR, 479)
    success = parse_media_retry_notification(_notification(error_code=1, media_key=None), KEY)
    assert success.status is MediaRetryStatus.GENERAL_ERROR  # an <error> is never a success


def _resealed(body: MediaRetryNotification) -> Node:
    node = _notification()
    iv = node.child("encrypt").child("enc_iv").bytes_content  # type: ignore[union-attr]
    assert iv is not None
    sealed = AESGCM(media_retry_key(KEY)).encrypt(iv, body.SerializeToString(), b"3EB0ABC")
    encrypt = Node("encrypt", None, [Node("enc_p", None, sealed), Node("enc_iv", None, iv)])
    return Node("notification", node.attrs, [node.child("rmr"), encrypt])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            MediaRetryNotification(
                stanzaId="OTHER", result=MediaRetryNotification.SUCCESS, directPath="/x"
            ),
            "stanzaId",
        ),
        (
            MediaRetryNotification(stanzaId="3EB0ABC", result=MediaRetryNotification.SUCCESS),
            "directPath",
        ),
        (
            MediaRetryNotification(
                stanzaId="3EB0ABC", result=MediaRetryNotification.SUCCESS, directPath="x"
            ),
            "directPath",
        ),
    ],
)
def test_a_sealed_body_that_does_not_fit_names_the_field(
    body: MediaRetryNotification, field: str
) -> None:
    with pytest.raises(MediaRetryError) as caught:
        parse_media_retry_notification(_resealed(body), KEY)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda n: Node("iq", n.attrs, n.nodes), "tag"),
        (lambda n: Node(n.tag, {**n.attrs, "type": "retry"}, n.nodes), "type"),
        (lambda n: Node(n.tag, {k: v for k, v in n.attrs.items() if k != "id"}, n.nodes), "id"),
        (lambda n: Node(n.tag, {k: v for k, v in n.attrs.items() if k != "to"}, n.nodes), "to"),
        (lambda n: Node(n.tag, n.attrs, [n.nodes[0]]), "rmr"),
        (lambda n: Node(n.tag, n.attrs, [n.nodes[1]]), "encrypt"),
        (lambda n: Node(n.tag, n.attrs, [n.nodes[0], Node("rmr", {"jid": "x@y@z"})]), "rmr jid"),
        (lambda n: Node(n.tag, n.attrs, [n.nodes[0], Node("rmr", {"from_me": "1"})]), "rmr jid"),
        (
            lambda n: Node(n.tag, n.attrs, [n.nodes[0], Node("rmr", {"jid": CHAT})]),
            "rmr from_me",
        ),
        (
            lambda n: Node(
                n.tag, n.attrs, [Node("encrypt", None, [n.nodes[0].nodes[0]]), n.nodes[1]]
            ),
            "enc_iv",
        ),
        (
            lambda n: Node(
                n.tag,
                n.attrs,
                [
                    Node("encrypt", None, [n.nodes[0].nodes[0], Node("enc_iv", None, b"1")]),
                    n.nodes[1],
                ],
            ),
            "enc_iv",
        ),
        (
            lambda n: Node(
                n.tag,
                n.attrs,
                [
                    Node("encrypt", None, [Node("enc_p", None, b"short"), n.nodes[0].nodes[1]]),
                    n.nodes[1],
                ],
            ),
            "enc_p",
        ),
    ],
)
def test_a_bad_request_names_the_field(change: object, field: str) -> None:
    assert callable(change)
    with pytest.raises(MediaRetryError) as caught:
        parse_media_retry_receipt(change(_receipt()))
    assert caught.value.field == field


def test_bad_arguments_name_the_field() -> None:
    with pytest.raises(MediaRetryError) as caught:
        media_retry_key(b"short")
    assert caught.value.field == "media key"
    with pytest.raises(MediaRetryError) as caught:
        _receipt(message_id="")
    assert caught.value.field == "id"
    with pytest.raises(MediaRetryError) as caught:
        _receipt(iv=b"0" * 16)
    assert caught.value.field == "enc_iv"
    with pytest.raises(MediaRetryError) as caught:
        _notification(media_key=None)
    assert caught.value.field == "media key"
    with pytest.raises(MediaRetryError) as caught:
        _notification(direct_path=None)
    assert caught.value.field == "directPath"
    with pytest.raises(MediaRetryError) as caught:
        parse_media_retry_notification(
            Node(
                "notification",
                {**_notification().attrs},
                [_notification().nodes[0], Node("error", {"code": "x"})],
            ),
            KEY,
        )
    assert caught.value.field == "error code"


@settings(max_examples=300)
@given(st.data())
def test_hostile_requests_and_notifications_raise_typed_errors(data: st.DataObject) -> None:
    receipt = data.draw(hostile(_receipt(participant=CHAT)))
    with contextlib.suppress(MediaRetryError):
        open_media_retry_request(parse_media_retry_receipt(receipt), KEY)
    for node in (
        _notification(),
        _notification(error_code=2, media_key=None),
        _notification(status=MediaRetryStatus.NOT_FOUND, direct_path=None),
    ):
        with contextlib.suppress(MediaRetryError):
            parse_media_retry_notification(data.draw(hostile(node)), KEY)


@settings(max_examples=200)
@given(wire_nodes())
def test_arbitrary_nodes_raise_typed_errors(node: Node) -> None:
    for parse in (parse_media_retry_receipt, lambda n: parse_media_retry_notification(n, KEY)):
        with contextlib.suppress(MediaRetryError):
            parse(node)
