"""Media retry, without I/O: asking the phone to upload an expired media file again.

A media URL outlives its file on the servers: after some weeks a download answers ``404`` or
``410``. The companion then asks its own phone, which still has the file, to upload it again:

- the request is ``<receipt type="server-error" id=MSGID to=OWN_ACCOUNT>`` with
  ``<encrypt><enc_p/><enc_iv/></encrypt>`` and ``<rmr jid=CHAT from_me=true|false
  [participant=SENDER]/>``; ``enc_p`` is AES-256-GCM (12-byte IV, the message id as associated
  data) of a ``ServerErrorReceipt{stanzaId}`` under the *media retry key*, HKDF-SHA256 of the
  message's media key with info ``"WhatsApp Media Retry Notification"`` (`media_retry_key`);
- the answer is ``<notification type="mediaretry" id=MSGID>`` with the same ``<rmr>`` and
  either ``<encrypt><enc_p/><enc_iv/></encrypt>`` (GCM as above of a
  ``MediaRetryNotification{stanzaId, directPath, result}``) or ``<error code=N/>``.

`media_retry_receipt` builds the request and `parse_media_retry_receipt` reads it (the phone's
side, with `open_media_retry_request` to check its sealed body); `media_retry_notification`
builds the answer and `parse_media_retry_notification` reads it into a `MediaRetryResult`.
Bad input raises `MediaRetryError` naming the field.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from google.protobuf.message import DecodeError

from wabus.core import InvalidJid, Jid, Node
from wabus.proto.e2e_pb2 import MediaRetryNotification, ServerErrorReceipt
from wabus.protocol._errors import MediaRetryError
from wabus.protocol._media import MEDIA_KEY_SIZE

__all__ = [
    "MEDIA_RETRY_INFO",
    "MediaRetryRequest",
    "MediaRetryResult",
    "MediaRetryStatus",
    "media_retry_key",
    "media_retry_notification",
    "media_retry_receipt",
    "open_media_retry_request",
    "parse_media_retry_notification",
    "parse_media_retry_receipt",
]

MEDIA_RETRY_INFO: Final = b"WhatsApp Media Retry Notification"
_IV_SIZE: Final = 12
_MAX_ID: Final = 256
_MAX_SEALED: Final = 64 * 1024


class MediaRetryStatus(IntEnum):
    """How the phone's re-upload went (``MediaRetryNotification.ResultType``)."""

    GENERAL_ERROR = 0
    SUCCESS = 1
    NOT_FOUND = 2
    DECRYPTION_ERROR = 3


@dataclass(frozen=True, slots=True)
class MediaRetryRequest:
    """A ``<receipt type="server-error">`` as the phone reads it."""

    message_id: str
    own: Jid
    """The account the request went to (the requester's own)."""
    chat: Jid
    from_me: bool
    participant: Jid | None
    ciphertext: bytes
    iv: bytes


@dataclass(frozen=True, slots=True)
class MediaRetryResult:
    """A ``<notification type="mediaretry">``: the phone's answer to a media-retry request.

    `direct_path` is the file's new path when `status` is SUCCESS; `error_code` is the code of
    an ``<error>`` answer (then `status` is that code's status, GENERAL_ERROR if unknown)."""

    message_id: str
    chat: Jid
    from_me: bool
    participant: Jid | None
    status: MediaRetryStatus
    direct_path: str | None
    error_code: int | None = None


def media_retry_key(media_key: bytes) -> bytes:
    """The 32-byte AES-GCM key of a message's media-retry exchange."""
    if len(media_key) != MEDIA_KEY_SIZE:
        raise MediaRetryError(
            "media key", f"a media key has {MEDIA_KEY_SIZE} bytes, got {len(media_key)}"
        )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=MEDIA_RETRY_INFO).derive(
        media_key
    )


def _message_id(message_id: str) -> str:
    if not message_id or len(message_id) > _MAX_ID:
        raise MediaRetryError("id", f"a message id has 1 to {_MAX_ID} characters")
    return message_id


def _seal(media_key: bytes, message_id: str, plaintext: bytes, iv: bytes | None) -> Node:
    nonce = iv if iv is not None else os.urandom(_IV_SIZE)
    if len(nonce) != _IV_SIZE:
        raise MediaRetryError("enc_iv", f"an IV has {_IV_SIZE} bytes, got {len(nonce)}")
    sealed = AESGCM(media_retry_key(media_key)).encrypt(nonce, plaintext, message_id.encode())
    return Node("encrypt", None, [Node("enc_p", None, sealed), Node("enc_iv", None, nonce)])


def _open(media_key: bytes, message_id: str, ciphertext: bytes, iv: bytes) -> bytes:
    try:
        return AESGCM(media_retry_key(media_key)).decrypt(iv, ciphertext, message_id.encode())
    except InvalidTag:
        raise MediaRetryError("enc_p", "does not open (wrong media key or tampered)") from None


def _rmr(chat: Jid, from_me: bool, participant: Jid | None) -> Node:
    attrs: dict[str, str | Jid] = {"jid": chat, "from_me": "true" if from_me else "false"}
    if participant is not None:
        attrs["participant"] = participant
    return Node("rmr", attrs)


def media_retry_receipt(
    *,
    message_id: str,
    media_key: bytes,
    own: Jid,
    chat: Jid,
    from_me: bool,
    participant: Jid | None = None,
    iv: bytes | None = None,
) -> Node:
    """The ``<receipt type="server-error">`` that asks our phone to upload the media of
    message `message_id` (in `chat`, sent by us or by `participant` in a group) again; `own`
    is our account (its non-device JID is used). A random IV unless one is given."""
    _message_id(message_id)
    body = ServerErrorReceipt(stanzaId=message_id).SerializeToString()
    return Node(
        "receipt",
        {"id": message_id, "to": own.to_non_ad(), "type": "server-error"},
        [_seal(media_key, message_id, body, iv), _rmr(chat, from_me, participant)],
    )


def _jid(node: Node, key: str, field: str) -> Jid | None:
    value = node.attrs.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, Jid):
        return value
    try:
        return Jid.parse(value)
    except InvalidJid as err:
        raise MediaRetryError(field, f"not a JID: {value!r}") from err


def _envelope(node: Node, tag: str) -> tuple[str, Jid, bool, Jid | None]:
    if node.tag != tag:
        raise MediaRetryError("tag", f"expected <{tag}>, got <{node.tag}>")
    message_id = _message_id(node.opt_attr("id") or "")
    rmr = node.child("rmr")
    if rmr is None:
        raise MediaRetryError("rmr", "is missing")
    chat = _jid(rmr, "jid", "rmr jid")
    if chat is None:
        raise MediaRetryError("rmr jid", "is missing")
    from_me = rmr.opt_attr("from_me")
    if from_me not in ("true", "false"):
        raise MediaRetryError("rmr from_me", f"is true or false, got {from_me!r}")
    return message_id, chat, from_me == "true", _jid(rmr, "participant", "rmr participant")


def _sealed_parts(node: Node) -> tuple[bytes, bytes]:
    encrypt = node.child("encrypt")
    if encrypt is None:
        raise MediaRetryError("encrypt", "is missing")
    parts = []
    for name in ("enc_p", "enc_iv"):
        child = encrypt.child(name)
        content = child.bytes_content if child is not None else None
        if not content:
            raise MediaRetryError(name, "is missing or empty")
        parts.append(content)
    ciphertext, iv = parts
    if len(iv) != _IV_SIZE:
        raise MediaRetryError("enc_iv", f"an IV has {_IV_SIZE} bytes, got {len(iv)}")
    if len(ciphertext) < 16 or len(ciphertext) > _MAX_SEALED:
        raise MediaRetryError("enc_p", f"{len(ciphertext)} bytes is not a GCM-sealed body")
    return ciphertext, iv


def parse_media_retry_receipt(node: Node) -> MediaRetryRequest:
    """A ``<receipt type="server-error">`` as the phone reads it (its body still sealed: see
    `open_media_retry_request`)."""
    message_id, chat, from_me, participant = _envelope(node, "receipt")
    if node.opt_attr("type") != "server-error":
        raise MediaRetryError("type", f"expected server-error, got {node.opt_attr('type')!r}")
    own = _jid(node, "to", "to")
    if own is None:
        raise MediaRetryError("to", "is missing")
    ciphertext, iv = _sealed_parts(node)
    return MediaRetryRequest(message_id, own, chat, from_me, participant, ciphertext, iv)


def open_media_retry_request(request: MediaRetryRequest, media_key: bytes) -> None:
    """Check a request's sealed body against the message's media key: it must open and name
    the same message. Raises `MediaRetryError` otherwise."""
    plaintext = _open(media_key, request.message_id, request.ciphertext, request.iv)
    try:
        body = ServerErrorReceipt.FromString(plaintext)
    except DecodeError as err:
        raise MediaRetryError("enc_p", "not a ServerErrorReceipt") from err
    if body.stanzaId != request.message_id:
        raise MediaRetryError("stanzaId", f"names {body.stanzaId!r}, not {request.message_id!r}")


def media_retry_notification(
    *,
    message_id: str,
    chat: Jid,
    from_me: bool,
    participant: Jid | None,
    sender: Jid,
    t: int,
    media_key: bytes | None = None,
    status: MediaRetryStatus = MediaRetryStatus.SUCCESS,
    direct_path: str | None = None,
    error_code: int | None = None,
    iv: bytes | None = None,
) -> Node:
    """The phone's ``<notification type="mediaretry">`` from `sender` at time `t`: sealed with
    `media_key` (the `status` and, on success, the new `direct_path`), or an ``<error
    code>`` when `error_code` is given (a phone without the message has no key to seal with)."""
    _message_id(message_id)
    attrs: dict[str, str | Jid] = {
        "id": message_id,
        "from": sender,
        "type": "mediaretry",
        "t": str(t),
    }
    rmr = _rmr(chat, from_me, participant)
    if error_code is not None:
        error = Node("error", {"code": str(error_code)})
        return Node("notification", attrs, [rmr, error])
    if media_key is None:
        raise MediaRetryError("media key", "a sealed answer needs the message's media key")
    if status is MediaRetryStatus.SUCCESS and not direct_path:
        raise MediaRetryError("directPath", "a successful retry names the new path")
    body = MediaRetryNotification(stanzaId=message_id, result=status.name)
    if direct_path:
        body.directPath = direct_path
    sealed = _seal(media_key, message_id, body.SerializeToString(), iv)
    return Node("notification", attrs, [rmr, sealed])


def parse_media_retry_notification(node: Node, media_key: bytes) -> MediaRetryResult:
    """A ``<notification type="mediaretry">`` opened with the message's media key."""
    message_id, chat, from_me, participant = _envelope(node, "notification")
    if node.opt_attr("type") != "mediaretry":
        raise MediaRetryError("type", f"expected mediaretry, got {node.opt_attr('type')!r}")
    error = node.child("error")
    if error is not None:
        code_text = error.opt_attr("code") or ""
        if not code_text.isdigit() or len(code_text) > 6:
            raise MediaRetryError("error code", f"not a number: {code_text!r}")
        code = int(code_text)
        known = code in MediaRetryStatus._value2member_map_
        status = MediaRetryStatus(code) if known else MediaRetryStatus.GENERAL_ERROR
        if status is MediaRetryStatus.SUCCESS:
            status = MediaRetryStatus.GENERAL_ERROR  # an error is never a success
        return MediaRetryResult(message_id, chat, from_me, participant, status, None, code)
    ciphertext, iv = _sealed_parts(node)
    plaintext = _open(media_key, message_id, ciphertext, iv)
    try:
        body = MediaRetryNotification.FromString(plaintext)
    except DecodeError as err:
        raise MediaRetryError("enc_p", "not a MediaRetryNotification") from err
    if body.stanzaId != message_id:
        raise MediaRetryError("stanzaId", f"names {body.stanzaId!r}, not {message_id!r}")
    result = body.result
    if result not in MediaRetryStatus._value2member_map_:
        raise MediaRetryError("result", f"unknown result {result}")
    status = MediaRetryStatus(result)
    direct_path = body.directPath or None
    if status is MediaRetryStatus.SUCCESS and (direct_path is None or direct_path[:1] != "/"):
        raise MediaRetryError("directPath", f"a success names a path, got {direct_path!r}")
    return MediaRetryResult(message_id, chat, from_me, participant, status, direct_path)
