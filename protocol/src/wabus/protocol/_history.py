"""History sync: from the notification inside a message to a `HistorySync` event.

A history-sync notification travels as a message from our own phone: ``protocolMessage``
(field 12 of ``wa.Message``) with a ``historySyncNotification`` (field 6). Its blob is either
inline (``initialHistBootstrapInlinePayload``, field 11, zlib) or stored on the media servers
(``directPath``), encrypted: the injected `HistoryDownloader` fetches it and
`decrypt_history_blob` opens it. Either way the result is inflated under a size cap and becomes
one `HistorySync` event whose metadata (sync type, chunk order, progress) comes from the
notification, so handlers can filter on it without touching the blob.

Media decryption (as every WhatsApp media): HKDF-SHA256 of the 32-byte media key, no salt,
info ``"WhatsApp History Keys"``, 112 bytes: IV = [0:16], cipher key = [16:48], MAC key =
[48:80]. The blob is AES-256-CBC ciphertext (PKCS#7 padded) followed by the first 10 bytes of
HMAC-SHA256(MAC key, IV + ciphertext).
"""

from __future__ import annotations

import zlib
from typing import Final, Protocol

import structlog
from google.protobuf.message import DecodeError

from wabus.core.events import HistorySync, HistorySyncType
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.proto.scan import LENGTH_DELIMITED, ScanError, scan_fields
from wabus.protocol._errors import HistoryBlobError, MediaError
from wabus.protocol._media import MediaType, decrypt_media

__all__ = [
    "DEFAULT_MAX_HISTORY",
    "HISTORY_KEYS_INFO",
    "HistoryDownloader",
    "decrypt_history_blob",
    "history_sync_event",
    "inflate_history",
    "peek_history_notification",
]

_log = structlog.get_logger("wabus.protocol.history")

_PROTOCOL_MESSAGE: Final = 12  # wa.Message.protocolMessage

DEFAULT_MAX_HISTORY: Final = 64 * 1024 * 1024
"""How far a history blob may inflate (the cap whatsapp-rust uses)."""

HISTORY_KEYS_INFO: Final = MediaType.HISTORY.info
"""The HKDF info string of history-sync blobs."""


class HistoryDownloader(Protocol):
    """Fetches an encrypted history blob from the media servers (the only I/O of this path)."""

    def download(self, direct_path: str) -> bytes:
        """The encrypted blob stored at `direct_path`."""


def decrypt_history_blob(
    blob: bytes,
    media_key: bytes,
    *,
    file_enc_sha256: bytes | None = None,
    file_sha256: bytes | None = None,
) -> bytes:
    """The plaintext (still zlib-compressed) of an encrypted history blob.

    Checks, in order: the SHA-256 of the whole blob against `file_enc_sha256` (when given), the
    10-byte MAC, the padding, and the SHA-256 of the plaintext against `file_sha256` (when
    given). Raises `HistoryBlobError` naming the first check that fails.
    """
    try:
        return decrypt_media(
            blob,
            media_key,
            MediaType.HISTORY,
            file_enc_sha256=file_enc_sha256,
            file_sha256=file_sha256,
        )
    except MediaError as err:
        raise HistoryBlobError(err.reason) from None


def inflate_history(compressed: bytes, limit: int = DEFAULT_MAX_HISTORY) -> bytes:
    """Inflate a zlib history blob; `HistoryBlobError` if it is invalid or exceeds `limit`."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(compressed, limit + 1)
    except zlib.error as err:
        raise HistoryBlobError(f"invalid zlib data ({err})") from err
    if len(out) > limit:
        raise HistoryBlobError(f"inflates beyond the limit of {limit} bytes")
    if not inflater.eof:
        raise HistoryBlobError("the zlib stream ends early")
    return out


def history_event_from_blob(
    blob: bytes,
    *,
    sync_type: int,
    chunk_order: int | None,
    progress: int | None,
) -> HistorySync:
    """The event for an inflated blob, with the notification's metadata."""
    return HistorySync(
        sync_type=HistorySyncType(sync_type),
        chunk_order=chunk_order,
        progress=progress,
        raw=blob,
    )


def peek_history_notification(body: bytes) -> WAMessage.HistorySyncNotification | None:
    """The history-sync notification a message body carries, if any.

    Only the body's top-level fields are scanned, and only its protocol message (if it has
    one) is parsed: a body without one costs no protobuf parse. A body that does not scan is
    not a notification (whoever reads it later gets the parse error).
    """
    try:
        for number, wire_type, value in scan_fields(body):
            if number == _PROTOCOL_MESSAGE and wire_type == LENGTH_DELIMITED:
                protocol = WAMessage.ProtocolMessage.FromString(bytes(value))
                if protocol.HasField("historySyncNotification"):
                    return protocol.historySyncNotification
                return None
    except (ScanError, DecodeError, ValueError):  # DecodeError is not a ValueError in protobuf 7
        return None
    return None


def history_sync_event(
    notification: WAMessage.HistorySyncNotification,
    downloader: HistoryDownloader | None,
    max_bytes: int = DEFAULT_MAX_HISTORY,
) -> HistorySync | None:
    """The `HistorySync` event of a notification, or None when its blob cannot be had here.

    The blob is the inline bootstrap payload when there is one, else the encrypted blob the
    `downloader` fetches (None when no downloader is configured or the download fails: the
    router then passes the message on as it is, so nothing is lost). A blob that does not
    decrypt or inflate raises `HistoryBlobError`.
    """
    if notification.HasField("initialHistBootstrapInlinePayload"):
        compressed = notification.initialHistBootstrapInlinePayload
    elif downloader is not None and notification.directPath:
        try:
            encrypted = downloader.download(notification.directPath)
        except Exception as err:
            _log.warning(
                "history blob download failed", path=notification.directPath, error=repr(err)
            )
            return None
        compressed = decrypt_history_blob(
            encrypted,
            notification.mediaKey,
            file_enc_sha256=notification.fileEncSha256 or None,
            file_sha256=notification.fileSha256 or None,
        )
    else:
        return None
    return history_event_from_blob(
        inflate_history(compressed, max_bytes),
        sync_type=notification.syncType,
        chunk_order=notification.chunkOrder if notification.HasField("chunkOrder") else None,
        progress=notification.progress if notification.HasField("progress") else None,
    )
