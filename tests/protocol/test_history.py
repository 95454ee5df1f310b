"""History sync: blob decryption (against an independent construction) and the router's path."""

from __future__ import annotations

import hashlib
import hmac
import zlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from wabus.core import Jid, Node, Server
from wabus.core.events import HistorySync, HistorySyncType, MalformedStanza, Message
from wabus.proto import e2e_pb2, history_pb2
from wabus.protocol import (
    HistoryBlobError,
    Router,
    decode_node,
    decrypt_history_blob,
    encode_node,
    inflate_history,
)

WA = e2e_pb2.Message
ME = Jid("15550000001", Server.USER)
ALICE = Jid("15550000002", Server.USER)
NOW = datetime(2026, 11, 21, tzinfo=UTC)


# An independent construction of the media encryption, from the RFC 5869 definition of HKDF
# written out with hmac, and padding written out by hand; only the AES block cipher is shared.


def _hkdf_sha256(key: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(b"\x00" * 32, key, hashlib.sha256).digest()  # extract, with no salt
    out, block, counter = b"", b"", 1
    while len(out) < length:  # expand
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def _encrypt(plaintext: bytes, media_key: bytes) -> bytes:
    keys = _hkdf_sha256(media_key, b"WhatsApp History Keys", 112)
    iv, cipher_key, mac_key = keys[:16], keys[16:48], keys[48:80]
    pad = 16 - len(plaintext) % 16
    padded = plaintext + bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(cipher_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    mac = hmac.new(mac_key, iv + ciphertext, hashlib.sha256).digest()[:10]
    return ciphertext + mac


MEDIA_KEY = bytes(range(32))


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 1000, 65_536])
def test_decryption_matches_an_independent_encryption(size: int) -> None:
    plaintext = bytes((i * 7) & 0xFF for i in range(size))
    blob = _encrypt(plaintext, MEDIA_KEY)
    assert decrypt_history_blob(blob, MEDIA_KEY) == plaintext
    assert (
        decrypt_history_blob(
            blob,
            MEDIA_KEY,
            file_enc_sha256=hashlib.sha256(blob).digest(),
            file_sha256=hashlib.sha256(plaintext).digest(),
        )
        == plaintext
    )


@pytest.mark.parametrize(
    ("plaintext", "media_key", "blob_hex"),
    [
        # Computed once with the independent construction above, then pinned: a change to the
        # key schedule, the cipher mode or the MAC would break these.
        (b"history", bytes(32), "886645e3290c0fd6583c9733b99194e0e1dcfdfebc7a0cf8db2f"),
        (
            b"x" * 40,
            bytes(range(32)),
            (
                "2dc9bc57d1e3ff33e475dbe0c6e24838cce070dc70aeaab4f055f2ae285ce3c4877b406ce20e6b24"
                "a0615a16058198af09ebe096a44cab511e59"
            ),
        ),
    ],
)
def test_known_answers(plaintext: bytes, media_key: bytes, blob_hex: str) -> None:
    assert decrypt_history_blob(bytes.fromhex(blob_hex), media_key) == plaintext


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda b: b[:-1] + bytes([b[-1] ^ 1]), "MAC does not match"),
        (lambda b: bytes([b[0] ^ 1]) + b[1:], "MAC does not match"),
        (lambda b: b[:20], "is not AES-CBC ciphertext"),
        (lambda b: b + b"\x00", "is not AES-CBC ciphertext"),
    ],
)
def test_tampering_is_detected(mangle: object, reason: str) -> None:
    blob = _encrypt(b"secret history" * 10, MEDIA_KEY)
    with pytest.raises(HistoryBlobError, match=reason):
        decrypt_history_blob(mangle(blob), MEDIA_KEY)  # type: ignore[operator]


def test_wrong_key_and_wrong_hashes() -> None:
    blob = _encrypt(b"secret", MEDIA_KEY)
    with pytest.raises(HistoryBlobError, match="MAC does not match"):
        decrypt_history_blob(blob, bytes(32))
    with pytest.raises(HistoryBlobError, match="has 32 bytes"):
        decrypt_history_blob(blob, b"short")
    with pytest.raises(HistoryBlobError, match="encrypted file's SHA-256"):
        decrypt_history_blob(blob, MEDIA_KEY, file_enc_sha256=bytes(32))
    with pytest.raises(HistoryBlobError, match="decrypted file's SHA-256"):
        decrypt_history_blob(blob, MEDIA_KEY, file_sha256=bytes(32))


def test_inflation_is_capped_and_checked() -> None:
    data = bytes(10_000)
    assert inflate_history(zlib.compress(data)) == data
    with pytest.raises(HistoryBlobError, match="beyond the limit"):
        inflate_history(zlib.compress(data), limit=100)
    with pytest.raises(HistoryBlobError, match="invalid zlib"):
        inflate_history(b"not zlib")
    with pytest.raises(HistoryBlobError, match="ends early"):
        inflate_history(zlib.compress(data)[:-4])


# The router's path ---------------------------------------------------------------------------


def _history_blob() -> bytes:
    return history_pb2.HistorySync(
        syncType=history_pb2.HistorySync.INITIAL_BOOTSTRAP,
        conversations=[history_pb2.Conversation(id="15550000002@s.whatsapp.net", name="Alice")],
    ).SerializeToString()


def _self_message(notification: WA.HistorySyncNotification, sender: Jid = ME) -> Node:
    body = WA(
        protocolMessage=WA.ProtocolMessage(
            type=WA.ProtocolMessage.HISTORY_SYNC_NOTIFICATION,
            historySyncNotification=notification,
        )
    ).SerializeToString()
    return Node(
        "message",
        {"from": sender.with_device(0), "id": "H", "t": "1752021890", "category": "peer"},
        [Node("plaintext", None, body)],
    )


def _route(router: Router, node: Node) -> list[object]:
    return list(router.route(decode_node(encode_node(node))))


def test_inline_history_payload_becomes_a_history_sync_event() -> None:
    notification = WA.HistorySyncNotification(
        syncType=WA.HistorySyncType.INITIAL_BOOTSTRAP,
        chunkOrder=1,
        progress=10,
        initialHistBootstrapInlinePayload=zlib.compress(_history_blob()),
    )
    events = _route(Router(own_pn=ME, clock=lambda: NOW), _self_message(notification))
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, HistorySync)
    assert event.sync_type is HistorySyncType.INITIAL_BOOTSTRAP
    assert (event.chunk_order, event.progress) == (1, 10)
    assert event.raw == _history_blob()
    assert [c.name for c in event.iter_conversations()] == ["Alice"]


class _Downloads:
    def __init__(self, files: dict[str, bytes], fail: bool = False) -> None:
        self.files = files
        self.fail = fail
        self.asked: list[str] = []

    def download(self, direct_path: str) -> bytes:
        self.asked.append(direct_path)
        if self.fail:
            raise ConnectionError("media host unreachable")
        return self.files[direct_path]


def _downloadable() -> tuple[WA.HistorySyncNotification, bytes]:
    compressed = zlib.compress(_history_blob())
    encrypted = _encrypt(compressed, MEDIA_KEY)
    notification = WA.HistorySyncNotification(
        syncType=WA.HistorySyncType.RECENT,
        directPath="/v/t62/history-1",
        mediaKey=MEDIA_KEY,
        fileEncSha256=hashlib.sha256(encrypted).digest(),
        fileSha256=hashlib.sha256(compressed).digest(),
        fileLength=len(compressed),
    )
    return notification, encrypted


def test_downloaded_history_blob_is_decrypted() -> None:
    notification, encrypted = _downloadable()
    downloads = _Downloads({"/v/t62/history-1": encrypted})
    router = Router(own_pn=ME, clock=lambda: NOW, history_downloader=downloads)
    events = _route(router, _self_message(notification))
    assert downloads.asked == ["/v/t62/history-1"]
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, HistorySync)
    assert event.sync_type is HistorySyncType.RECENT and event.chunk_order is None
    assert event.raw == _history_blob()


def test_a_history_blob_that_cannot_be_fetched_is_passed_on_as_a_message() -> None:
    notification, _ = _downloadable()
    for router in (
        Router(own_pn=ME, clock=lambda: NOW),  # no downloader
        Router(own_pn=ME, clock=lambda: NOW, history_downloader=_Downloads({}, fail=True)),
    ):
        events = _route(router, _self_message(notification))
        assert len(events) == 1
        message = events[0]
        assert isinstance(message, Message)
        assert message.message.protocolMessage.historySyncNotification.directPath == (
            "/v/t62/history-1"
        )


def test_a_corrupt_history_blob_is_a_malformed_stanza() -> None:
    notification, encrypted = _downloadable()
    downloads = _Downloads({"/v/t62/history-1": encrypted[:-1] + b"\x00"})
    router = Router(own_pn=ME, clock=lambda: NOW, history_downloader=downloads)
    events = _route(router, _self_message(notification))
    assert len(events) == 1
    assert isinstance(events[0], MalformedStanza)
    assert "encrypted file's SHA-256" in events[0].reason


def test_only_our_own_messages_are_checked_for_history() -> None:
    notification = WA.HistorySyncNotification(
        initialHistBootstrapInlinePayload=zlib.compress(_history_blob())
    )
    events = _route(Router(own_pn=ME, clock=lambda: NOW), _self_message(notification, sender=ALICE))
    assert len(events) == 1 and isinstance(events[0], Message)
