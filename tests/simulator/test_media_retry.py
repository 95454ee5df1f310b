"""The simulated phone's answer to a media retry request, each outcome (the client's side is
in tests/client/test_media_retry.py)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from wabus.core import Jid, Node, Server
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import (
    MediaRetryStatus,
    MediaType,
    encrypt_media,
    media_retry_receipt,
    parse_media_retry_notification,
)
from wabus.simulator._media import MediaStore
from wabus.simulator._media_retry import answer_media_retry

OWN = Jid("15550001", Server.USER, device=2)
PHONE = Jid("15550001", Server.USER)
CHAT = Jid("15550009", Server.USER)


def _setup() -> tuple[MediaStore, WAMessage, bytes]:
    media = MediaStore(lambda: 1_000_000.0)
    stored = encrypt_media(os.urandom(5000), MediaType.DOCUMENT)
    path = media.store(stored.data, MediaType.DOCUMENT, expires=10.0)
    copy = WAMessage(
        documentMessage=WAMessage.DocumentMessage(directPath=path, mediaKey=stored.media_key)
    )
    return media, copy, stored.media_key


def _request(media_key: bytes) -> Node:
    return media_retry_receipt(
        message_id="M1", media_key=media_key, own=OWN, chat=CHAT, from_me=False
    )


def test_a_good_request_renews_the_file_under_a_new_path() -> None:
    media, copy, key = _setup()
    answer = answer_media_retry(_request(key), copy, media, phone=PHONE, now=5)
    assert answer is not None and answer.attrs["from"] == PHONE
    result = parse_media_retry_notification(answer, key)
    assert result.status is MediaRetryStatus.SUCCESS and result.direct_path is not None
    old = urlsplit(copy.documentMessage.directPath).path
    new = urlsplit(result.direct_path).path
    assert new != old and media._files[new].data == media._files[old].data
    assert media._files[new].expires is None


def test_a_request_sealed_with_another_key_is_a_decryption_error() -> None:
    media, copy, key = _setup()
    answer = answer_media_retry(_request(os.urandom(32)), copy, media, phone=PHONE, now=5)
    assert answer is not None
    result = parse_media_retry_notification(answer, key)
    assert result.status is MediaRetryStatus.DECRYPTION_ERROR and result.direct_path is None


def test_without_a_copy_or_a_file_it_is_not_found() -> None:
    media, copy, key = _setup()
    for missing in (None, WAMessage(conversation="no media")):
        answer = answer_media_retry(_request(key), missing, media, phone=PHONE, now=5)
        assert answer is not None
        result = parse_media_retry_notification(answer, key)
        assert (result.status, result.error_code) == (MediaRetryStatus.NOT_FOUND, 2)
    media._files.clear()
    answer = answer_media_retry(_request(key), copy, media, phone=PHONE, now=5)
    assert answer is not None
    result = parse_media_retry_notification(answer, key)
    assert (result.status, result.error_code) == (MediaRetryStatus.NOT_FOUND, None)


def test_a_request_that_is_not_one_gets_no_answer() -> None:
    media, copy, _ = _setup()
    bad = Node("receipt", {"id": "M1", "type": "server-error", "to": PHONE})
    assert answer_media_retry(bad, copy, media, phone=PHONE, now=5) is None
