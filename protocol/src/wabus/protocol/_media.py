"""WhatsApp media, without I/O: the keys, the encryption, the ``media_conn`` IQ, the URLs.

Every media file (an image, a voice note, a history-sync blob, an app-state snapshot) is
stored on the media servers encrypted with its own 32-byte *media key*, which travels inside
the end-to-end encrypted message that refers to it:

- HKDF-SHA256 of the media key, no salt, info ``"WhatsApp <X> Keys"`` (`MediaType.info`),
  112 bytes: IV = [0:16], cipher key = [16:48], MAC key = [48:80];
- the stored file is AES-256-CBC (PKCS#7) of the plaintext, followed by the first 10 bytes of
  HMAC-SHA256(MAC key, IV ‖ ciphertext);
- the message carries ``fileSha256`` (of the plaintext), ``fileEncSha256`` (of the stored
  file) and ``fileLength``; a download is checked against all three.

Where the files are: ``<iq xmlns="w:m" type="set"><media_conn/></iq>`` answers with the hosts,
an upload token (``auth``) and how long the answer holds (``ttl``), parsed by
`parse_media_conn`. A download is a GET of `download_url` on one of the hosts, an upload a
POST to `upload_url`. `MediaEncryptor` and `MediaDecryptor` do the work a piece at a time,
for files too big to hold twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from enum import Enum
from typing import Final, final
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.padding import PKCS7

from wabus.core import Jid, Node, Server
from wabus.protocol._errors import MediaError

__all__ = [
    "MEDIA_KEY_SIZE",
    "EncryptedMedia",
    "MediaConn",
    "MediaDecryptor",
    "MediaEncryptor",
    "MediaHost",
    "MediaType",
    "decrypt_media",
    "download_url",
    "encrypt_media",
    "media_conn_request",
    "parse_media_conn",
    "upload_url",
]

MEDIA_KEY_SIZE: Final = 32
_MAC_SIZE: Final = 10
_KEY_MATERIAL: Final = 112
_SERVER: Final = Jid("", Server.USER)


class MediaType(Enum):
    """A kind of media file: its HKDF info string (`info`) and the ``mms-type`` the servers
    file it under (`mms_type`)."""

    IMAGE = "image"
    STICKER = "sticker"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    HISTORY = "md-msg-hist"
    APP_STATE = "md-app-state"

    @property
    def info(self) -> bytes:
        """The HKDF info string of this kind's keys (``b"WhatsApp Image Keys"``, …)."""
        return f"WhatsApp {_KEYS_NAME[self]} Keys".encode()

    @property
    def mms_type(self) -> str:
        """The ``mms-type`` of download URLs and upload paths."""
        return _MMS_TYPE.get(self, self.value)


_KEYS_NAME: Final = {
    MediaType.IMAGE: "Image",
    MediaType.STICKER: "Image",
    MediaType.VIDEO: "Video",
    MediaType.AUDIO: "Audio",
    MediaType.DOCUMENT: "Document",
    MediaType.HISTORY: "History",
    MediaType.APP_STATE: "App State",
}
_MMS_TYPE: Final = {MediaType.STICKER: "image"}


@dataclass(frozen=True, slots=True)
class EncryptedMedia:
    """What `encrypt_media` made: the file to store and the fields of the message."""

    data: bytes
    """The stored file: ciphertext followed by the 10-byte MAC."""
    media_key: bytes
    file_sha256: bytes
    file_enc_sha256: bytes
    file_length: int


def _keys(media_key: bytes, kind: MediaType) -> tuple[bytes, bytes, bytes]:
    if len(media_key) != MEDIA_KEY_SIZE:
        raise MediaError(f"a media key has {MEDIA_KEY_SIZE} bytes, got {len(media_key)}")
    material = HKDF(
        algorithm=hashes.SHA256(), length=_KEY_MATERIAL, salt=None, info=kind.info
    ).derive(media_key)
    return material[0:16], material[16:48], material[48:80]


def encrypt_media(
    plaintext: bytes, kind: MediaType, media_key: bytes | None = None
) -> EncryptedMedia:
    """Encrypt a file for the media servers (a new random media key unless one is given)."""
    key = media_key if media_key is not None else os.urandom(MEDIA_KEY_SIZE)
    iv, cipher_key, mac_key = _keys(key, kind)
    padder = PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(cipher_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    mac = hmac.new(mac_key, iv + ciphertext, hashlib.sha256).digest()[:_MAC_SIZE]
    data = ciphertext + mac
    return EncryptedMedia(
        data=data,
        media_key=key,
        file_sha256=hashlib.sha256(plaintext).digest(),
        file_enc_sha256=hashlib.sha256(data).digest(),
        file_length=len(plaintext),
    )


@final
class MediaEncryptor:
    """`encrypt_media` a piece at a time, for files too big to hold twice: feed the plaintext
    to `update` (which returns stored-file bytes as they are ready), end with `finalize` (the
    last block and the MAC); `result` then has the message's fields. A new random media key
    unless one is given."""

    def __init__(self, kind: MediaType, media_key: bytes | None = None) -> None:
        self.media_key: Final = media_key if media_key is not None else os.urandom(MEDIA_KEY_SIZE)
        iv, cipher_key, mac_key = _keys(self.media_key, kind)
        self._padder = PKCS7(128).padder()
        self._cipher = Cipher(algorithms.AES(cipher_key), modes.CBC(iv)).encryptor()
        self._mac = hmac.new(mac_key, iv, hashlib.sha256)
        self._plain_hash = hashlib.sha256()
        self._enc_hash = hashlib.sha256()
        self._length = 0
        self._result: EncryptedMedia | None = None

    def _out(self, ciphertext: bytes) -> bytes:
        self._mac.update(ciphertext)
        self._enc_hash.update(ciphertext)
        return ciphertext

    def update(self, plaintext: bytes) -> bytes:
        """Encrypt more of the file; returns the stored-file bytes ready so far."""
        if self._result is not None:
            raise MediaError("the encryptor is finalized")
        self._plain_hash.update(plaintext)
        self._length += len(plaintext)
        return self._out(self._cipher.update(self._padder.update(plaintext)))

    def finalize(self) -> bytes:
        """The end of the stored file: the last block and the 10-byte MAC."""
        if self._result is not None:
            raise MediaError("the encryptor is finalized")
        tail = self._out(self._cipher.update(self._padder.finalize()) + self._cipher.finalize())
        mac = self._mac.digest()[:_MAC_SIZE]
        self._enc_hash.update(mac)
        self._result = EncryptedMedia(
            data=b"",
            media_key=self.media_key,
            file_sha256=self._plain_hash.digest(),
            file_enc_sha256=self._enc_hash.digest(),
            file_length=self._length,
        )
        return tail + mac

    @property
    def result(self) -> EncryptedMedia:
        """The message's fields (`data` is empty: the file went out piece by piece)."""
        if self._result is None:
            raise MediaError("the encryptor is not finalized yet")
        return self._result


@final
class MediaDecryptor:
    """`decrypt_media` a piece at a time: feed the stored file to `update`, which returns
    plaintext as it is ready; `finalize` returns the rest and checks the MAC, the padding and
    both hashes (when given), raising `MediaError` naming the first that fails.

    Until `finalize` returns, what `update` gave is not checked: keep it aside (a temporary
    file) and use it only once the whole file checked out.
    """

    def __init__(
        self,
        media_key: bytes,
        kind: MediaType,
        *,
        file_enc_sha256: bytes | None = None,
        file_sha256: bytes | None = None,
    ) -> None:
        iv, cipher_key, mac_key = _keys(media_key, kind)
        self._cipher = Cipher(algorithms.AES(cipher_key), modes.CBC(iv)).decryptor()
        self._unpadder = PKCS7(128).unpadder()
        self._mac = hmac.new(mac_key, iv, hashlib.sha256)
        self._plain_hash = hashlib.sha256()
        self._enc_hash = hashlib.sha256()
        self._expected = (file_enc_sha256, file_sha256)
        self._held = b""  # the last bytes seen: they may be the MAC
        self._length = 0
        self._done = False

    def update(self, data: bytes) -> bytes:
        """Decrypt more of the stored file; returns the (unchecked) plaintext ready so far."""
        if self._done:
            raise MediaError("the decryptor is finalized")
        self._enc_hash.update(data)
        self._length += len(data)
        held = self._held + data
        body, self._held = held[:-_MAC_SIZE], held[-_MAC_SIZE:]
        if len(held) <= _MAC_SIZE:
            body, self._held = b"", held
        self._mac.update(body)
        plaintext = self._unpadder.update(self._cipher.update(body))
        self._plain_hash.update(plaintext)
        return plaintext

    def finalize(self) -> bytes:
        """The last of the plaintext, once everything checks out."""
        if self._done:
            raise MediaError("the decryptor is finalized")
        self._done = True
        enc_expected, plain_expected = self._expected
        if enc_expected and not hmac.compare_digest(self._enc_hash.digest(), enc_expected):
            raise MediaError("the encrypted file's SHA-256 does not match")
        if self._length < _MAC_SIZE + 16 or (self._length - _MAC_SIZE) % 16:
            raise MediaError(f"{self._length} bytes is not AES-CBC ciphertext plus a MAC")
        if not hmac.compare_digest(self._held, self._mac.digest()[:_MAC_SIZE]):
            raise MediaError("the MAC does not match (wrong key or corrupt file)")
        try:
            tail = self._unpadder.update(self._cipher.finalize()) + self._unpadder.finalize()
        except ValueError as err:
            raise MediaError("bad padding") from err
        self._plain_hash.update(tail)
        if plain_expected and not hmac.compare_digest(self._plain_hash.digest(), plain_expected):
            raise MediaError("the decrypted file's SHA-256 does not match")
        return tail


def decrypt_media(
    data: bytes,
    media_key: bytes,
    kind: MediaType,
    *,
    file_enc_sha256: bytes | None = None,
    file_sha256: bytes | None = None,
) -> bytes:
    """The plaintext of a stored media file.

    Checks, in order: the SHA-256 of the whole file against `file_enc_sha256` (when given), the
    10-byte MAC, the padding, and the SHA-256 of the plaintext against `file_sha256` (when
    given). Raises `MediaError` naming the first check that fails.
    """
    if file_enc_sha256 and not hmac.compare_digest(hashlib.sha256(data).digest(), file_enc_sha256):
        raise MediaError("the encrypted file's SHA-256 does not match")
    if len(data) < _MAC_SIZE + 16 or (len(data) - _MAC_SIZE) % 16:
        raise MediaError(f"{len(data)} bytes is not AES-CBC ciphertext plus a MAC")
    iv, cipher_key, mac_key = _keys(media_key, kind)
    ciphertext, mac = data[:-_MAC_SIZE], data[-_MAC_SIZE:]
    expected = hmac.new(mac_key, iv + ciphertext, hashlib.sha256).digest()[:_MAC_SIZE]
    if not hmac.compare_digest(mac, expected):
        raise MediaError("the MAC does not match (wrong key or corrupt file)")
    decryptor = Cipher(algorithms.AES(cipher_key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = PKCS7(128).unpadder()
    try:
        plaintext = unpadder.update(padded) + unpadder.finalize()
    except ValueError as err:
        raise MediaError("bad padding") from err
    if file_sha256 and not hmac.compare_digest(hashlib.sha256(plaintext).digest(), file_sha256):
        raise MediaError("the decrypted file's SHA-256 does not match")
    return plaintext


@dataclass(frozen=True, slots=True)
class MediaHost:
    """One media server a `media_conn` answer names."""

    hostname: str
    fallback: bool = False


@dataclass(frozen=True, slots=True)
class MediaConn:
    """A `media_conn` answer: the hosts (primary ones first), the upload token and how many
    seconds the answer may be used."""

    auth: str
    ttl: int
    hosts: tuple[MediaHost, ...]


def media_conn_request() -> Node:
    """The ``<iq xmlns="w:m" type="set"><media_conn/></iq>`` that asks where media goes."""
    return Node("iq", {"to": _SERVER, "xmlns": "w:m", "type": "set"}, [Node("media_conn")])


def parse_media_conn(reply: Node) -> MediaConn:
    """The `MediaConn` of a ``media_conn`` IQ result; `MediaError` if it is not one."""
    conn = reply.child("media_conn")
    if reply.opt_attr("type") != "result" or conn is None:
        raise MediaError(f"not a media_conn answer: {reply}")
    hosts = []
    for host in conn.children("host"):
        name = host.opt_attr("hostname")
        if not name:
            raise MediaError("a media_conn host without a hostname")
        hosts.append(MediaHost(name, fallback=host.opt_attr("type") == "fallback"))
    if not hosts:
        raise MediaError("a media_conn answer without hosts")
    hosts.sort(key=lambda h: h.fallback)  # stable: primary hosts first, in the server's order
    return MediaConn(
        auth=conn.opt_attr("auth") or "",
        ttl=conn.opt_int_attr("ttl", minimum=0, maximum=30 * 86_400) or 0,
        hosts=tuple(hosts),
    )


_UPLOAD_PATH: Final = {
    MediaType.IMAGE: "/mms/image",
    MediaType.STICKER: "/mms/image",
    MediaType.VIDEO: "/mms/video",
    MediaType.AUDIO: "/mms/audio",
    MediaType.DOCUMENT: "/mms/document",
    MediaType.HISTORY: "/mms/md-msg-hist",
    MediaType.APP_STATE: "/mms/md-app-state",
}


def upload_url(
    host: str, kind: MediaType, file_enc_sha256: bytes, auth: str, *, scheme: str = "https"
) -> str:
    """Where to POST an encrypted file of this kind: the per-type path, then the file's
    SHA-256 as its token, and the ``auth`` token of ``media_conn``."""
    token = base64.urlsafe_b64encode(file_enc_sha256).decode()
    query = urlencode({"auth": auth, "token": token})
    return f"{scheme}://{host}{_UPLOAD_PATH[kind]}/{token}?{query}"


def download_url(
    host: str,
    direct_path: str,
    kind: MediaType,
    *,
    file_enc_sha256: bytes | None = None,
    scheme: str = "https",
) -> str:
    """The URL of a stored file on `host`, from the message's ``directPath`` (which starts
    with ``/``), with the hash and ``mms-type`` the servers expect."""
    if not direct_path.startswith("/"):
        raise MediaError(f"a direct path starts with '/': {direct_path!r}")
    parts = [direct_path]
    if file_enc_sha256:
        parts.append("hash=" + base64.urlsafe_b64encode(file_enc_sha256).decode())
    parts.append(f"mms-type={kind.mms_type}")
    parts.append("__wa-mms=")
    joiner = "&" if "?" in direct_path else "?"
    return f"{scheme}://{host}{parts[0]}{joiner}{'&'.join(parts[1:])}"
