"""The client's side of the media servers: where they are (``media_conn``), uploads and
downloads, and the media message bodies.

`MediaClient` asks the server for the media hosts (the ``media_conn`` IQ, kept until its
``ttl`` runs out, asked again after a failure), downloads a stored file from the first host
that has it, and checks and decrypts it (`wabus.protocol.decrypt_media`, in a worker thread).
`upload` encrypts a file (bytes, a path, a binary file or an async iterable of chunks) a
piece at a time into a temporary file, then POSTs it from there: a 100 MB video is never held
in memory, let alone twice. `download_to` and `iter_download` stream a file the same way, and
`download_to` moves its result into place only once the MAC and both hashes checked out.
`image`, `video`, `audio`, `document` and `sticker` build the ``wa.Message`` bodies for
`Client.send_message` from an `UploadedMedia`; `media_of` finds the media in a received one.
HTTP is httpx's. The scheme follows the chat connection's: ``wss://`` (the real service)
means ``https://`` media, a plain ``ws://`` URL (the simulator on loopback) plain ``http://``,
unless the client is given a ``media_ssl`` context (a simulator with ``media_tls``): then
``https://``, verified with that context.
"""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import tempfile
import time
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, Protocol

import anyio
import httpx
import structlog
from google.protobuf.message import Message as ProtoMessage

from wabus.client._errors import ClientError
from wabus.core import Node
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import (
    MediaConn,
    MediaDecryptor,
    MediaEncryptor,
    MediaError,
    MediaHost,
    MediaRetryResult,
    MediaType,
    decrypt_media,
    download_url,
    media_conn_request,
    parse_media_conn,
    upload_url,
)

__all__ = [
    "DownloadFailed",
    "MediaClient",
    "MediaRetryFailed",
    "UploadFailed",
    "UploadedMedia",
    "audio",
    "document",
    "image",
    "media_of",
    "sticker",
    "video",
]

_log = structlog.get_logger("wabus.client.media")
Request = Callable[[Node], Awaitable[Node]]
_ORIGIN: Final = {"Origin": "https://web.whatsapp.com"}
DEFAULT_TIMEOUT: Final = 60.0
CHUNK: Final = 256 * 1024
"""How much of a file is encrypted, written or sent at a time."""
_SPOOL: Final = 4 * 1024 * 1024  # encrypted files up to this size stay in memory

Source = bytes | str | os.PathLike[str] | IO[bytes] | AsyncIterable[bytes]
"""What `MediaClient.upload` takes: the bytes, a path, an open binary file, or chunks."""


class DownloadFailed(ClientError):
    """No media host gave the file (every host refused or failed, or it did not check out).

    `expired` is true when every host answered ``404`` or ``410``: the file is no longer
    there, and a media retry (`Client.request_media_retry`) can have the phone upload it
    again."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class MediaRetryFailed(DownloadFailed):
    """The phone could not upload an expired file again: `status` says why (NOT_FOUND, it no
    longer has it; DECRYPTION_ERROR, the request did not open; GENERAL_ERROR), `result` is
    its whole answer."""

    def __init__(self, result: MediaRetryResult) -> None:
        code = f", error {result.error_code}" if result.error_code is not None else ""
        super().__init__(f"media retry of {result.message_id}: {result.status.name}{code}")
        self.result = result
        self.status = result.status


class UploadFailed(ClientError):
    """No media host took the file; the message lists what each answered."""


@dataclass(frozen=True, slots=True)
class UploadedMedia:
    """A file on the media servers: what a media message must say about it."""

    kind: MediaType
    url: str
    direct_path: str
    media_key: bytes
    file_sha256: bytes
    file_enc_sha256: bytes
    file_length: int
    media_key_timestamp: int
    """When the media key was made (Unix seconds)."""


class _MediaFields(Protocol):
    url: str
    directPath: str
    mediaKey: bytes
    fileSha256: bytes
    fileEncSha256: bytes
    fileLength: int
    mediaKeyTimestamp: int


class MediaClient:
    """Downloads media for one `Client` (see the module doc).

    `ssl_context`, if given, is what httpx verifies ``https://`` media hosts with (instead of
    the system's roots), e.g. the simulator's ``sim.media_tls.client_context()``.
    """

    def __init__(
        self,
        request: Request,
        *,
        scheme: str = "https",
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._request = request
        self._scheme = scheme
        self._ssl = ssl_context
        self._clock = clock
        self._timeout = timeout
        self._conn: tuple[float, MediaConn] | None = None
        self._http: httpx.AsyncClient | None = None

    async def media_conn(self, *, fresh: bool = False) -> MediaConn:
        """The hosts and upload token (the cached answer while its ``ttl`` holds)."""
        cached = self._conn
        if cached is not None and not fresh and self._clock() < cached[0]:
            return cached[1]
        conn = parse_media_conn(await self._request(media_conn_request()))
        self._conn = (self._clock() + conn.ttl, conn)
        return conn

    async def _hosts(self) -> AsyncGenerator[tuple[MediaConn, MediaHost]]:
        """Every host to try, in order: those of the cached ``media_conn``, then those of a
        fresh one (hosts change, upload tokens expire); the caller stops at the first that
        serves it."""
        for attempt in range(2):
            conn = await self.media_conn(fresh=attempt > 0)
            for host in conn.hosts:
                yield conn, host

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            verify: ssl.SSLContext | bool = True if self._ssl is None else self._ssl
            self._http = httpx.AsyncClient(timeout=self._timeout, headers=_ORIGIN, verify=verify)
        return self._http

    async def fetch(
        self, direct_path: str, kind: MediaType, *, file_enc_sha256: bytes | None = None
    ) -> bytes:
        """The stored (still encrypted) file at `direct_path`, from the first host that has
        it; `DownloadFailed` when none does."""
        errors: list[str] = []
        async with contextlib.aclosing(self._hosts()) as hosts:
            async for _, host in hosts:
                url = download_url(
                    host.hostname,
                    direct_path,
                    kind,
                    file_enc_sha256=file_enc_sha256,
                    scheme=self._scheme,
                )
                try:
                    response = await self._client().get(url)
                except httpx.HTTPError as err:
                    errors.append(f"{host.hostname}: {err!r}")
                    continue
                if response.status_code == httpx.codes.OK:
                    return response.content
                errors.append(f"{host.hostname}: HTTP {response.status_code}")
        raise _none_gave(direct_path, errors)

    async def download(
        self,
        direct_path: str,
        media_key: bytes,
        kind: MediaType,
        *,
        file_enc_sha256: bytes | None = None,
        file_sha256: bytes | None = None,
    ) -> bytes:
        """The decrypted file at `direct_path`, its hashes and MAC checked."""
        data = await self.fetch(direct_path, kind, file_enc_sha256=file_enc_sha256)
        try:
            return await anyio.to_thread.run_sync(
                lambda: decrypt_media(
                    data,
                    media_key,
                    kind,
                    file_enc_sha256=file_enc_sha256,
                    file_sha256=file_sha256,
                )
            )
        except MediaError as err:
            raise DownloadFailed(f"{direct_path}: {err}") from err

    # Uploads -----------------------------------------------------------------------------

    async def upload(self, source: Source, kind: MediaType) -> UploadedMedia:
        """Encrypt `source` with a new media key and store it on the media servers; returns
        what the message must carry. Raises `UploadFailed` when no host takes it (after
        asking ``media_conn`` again once), `OSError` when a path cannot be read."""
        encryptor = MediaEncryptor(kind)
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL) as spool:
            async for piece in _chunks(source):
                await _write(spool, encryptor.update(piece))
            await _write(spool, encryptor.finalize())
            fields = encryptor.result
            size = spool.tell()
            errors: list[str] = []
            async with contextlib.aclosing(self._hosts()) as hosts:
                async for conn, host in hosts:  # a refused token: asked again once
                    url = upload_url(
                        host.hostname,
                        kind,
                        fields.file_enc_sha256,
                        conn.auth,
                        scheme=self._scheme,
                    )
                    spool.seek(0)
                    try:
                        response = await self._client().post(
                            url,
                            content=_read_back(spool),
                            headers={
                                "Content-Type": "application/octet-stream",
                                "Content-Length": str(size),
                            },
                        )
                    except httpx.HTTPError as err:
                        errors.append(f"{host.hostname}: {err!r}")
                        continue
                    if response.status_code != httpx.codes.OK:
                        errors.append(f"{host.hostname}: HTTP {response.status_code}")
                        continue
                    try:
                        answer = json.loads(response.content)
                        stored_url, direct_path = str(answer["url"]), str(answer["direct_path"])
                    except (ValueError, KeyError, TypeError) as err:
                        errors.append(f"{host.hostname}: an answer without url/direct_path ({err})")
                        continue
                    _log.debug("media uploaded", kind=kind.value, size=size, host=host.hostname)
                    return UploadedMedia(
                        kind=kind,
                        url=stored_url,
                        direct_path=direct_path,
                        media_key=fields.media_key,
                        file_sha256=fields.file_sha256,
                        file_enc_sha256=fields.file_enc_sha256,
                        file_length=fields.file_length,
                        media_key_timestamp=int(time.time()),
                    )
        raise UploadFailed(f"no media host took the {kind.value} file: {'; '.join(errors)}")

    # Streaming downloads -----------------------------------------------------------------

    async def iter_download(
        self, media: _MediaFields | UploadedMedia, kind: MediaType
    ) -> AsyncIterator[bytes]:
        """The decrypted file, chunk by chunk, as it arrives. What it yields is checked only
        at the end: the last step raises `DownloadFailed` if the MAC or a hash is wrong, so
        use the chunks only once the iteration ended (`download_to` does that for you)."""
        direct_path, media_key, enc_sha256, sha256 = _fields(media)
        decryptor = MediaDecryptor(
            media_key, kind, file_enc_sha256=enc_sha256 or None, file_sha256=sha256 or None
        )
        errors: list[str] = []
        async with contextlib.aclosing(self._hosts()) as hosts:
            async for _, host in hosts:
                url = download_url(
                    host.hostname,
                    direct_path,
                    kind,
                    file_enc_sha256=enc_sha256 or None,
                    scheme=self._scheme,
                )
                try:
                    async with self._client().stream("GET", url) as response:
                        if response.status_code != httpx.codes.OK:
                            errors.append(f"{host.hostname}: HTTP {response.status_code}")
                            continue
                        async for piece in response.aiter_bytes(CHUNK):
                            yield decryptor.update(piece)
                except httpx.HTTPError as err:
                    errors.append(f"{host.hostname}: {err!r}")
                    continue  # nothing was yielded only if it failed before the body
                try:
                    yield decryptor.finalize()
                except MediaError as err:
                    raise DownloadFailed(f"{direct_path}: {err}") from err
                return
        raise _none_gave(direct_path, errors)

    async def download_to(
        self, media: _MediaFields | UploadedMedia, kind: MediaType, to: str | os.PathLike[str]
    ) -> Path:
        """Download and decrypt into the file `to`, written beside it first and moved into
        place once everything checked out (a failed download leaves no file); returns its
        path. Raises `DownloadFailed`."""
        target = Path(to)
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "wb") as file:
                async for piece in self.iter_download(media, kind):
                    await _write(file, piece)
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return target

    async def aclose(self) -> None:
        """Close the HTTP connections (a later download opens new ones)."""
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()


def with_direct_path(part: _MediaFields, direct_path: str) -> _MediaFields:
    """A copy of a received media part that points at `direct_path` (a media retry's)."""
    if not isinstance(part, ProtoMessage):
        raise TypeError(f"not a media message: {type(part).__name__}")
    renewed = type(part)()
    renewed.CopyFrom(part)
    renewed.directPath = direct_path
    return renewed


def _none_gave(direct_path: str, errors: list[str]) -> DownloadFailed:
    """The error when no host gave a file; `expired` when each said 404 or 410."""
    expired = bool(errors) and all(e.endswith(("HTTP 404", "HTTP 410")) for e in errors)
    return DownloadFailed(f"no media host gave {direct_path}: {'; '.join(errors)}", expired=expired)


async def _write(file: IO[bytes], data: bytes) -> None:
    if data:
        await anyio.to_thread.run_sync(file.write, data)


async def _chunks(source: Source) -> AsyncIterator[bytes]:
    if isinstance(source, bytes):
        for start in range(0, len(source), CHUNK):
            yield source[start : start + CHUNK]
        return
    if isinstance(source, str | os.PathLike):
        file = await anyio.to_thread.run_sync(open, os.fspath(source), "rb")
        try:
            while piece := await anyio.to_thread.run_sync(file.read, CHUNK):
                yield piece
        finally:
            file.close()
        return
    if isinstance(source, AsyncIterable):
        async for piece in source:
            yield bytes(piece)
        return
    while piece := await anyio.to_thread.run_sync(source.read, CHUNK):
        yield piece


async def _read_back(file: IO[bytes]) -> AsyncIterator[bytes]:
    while piece := await anyio.to_thread.run_sync(file.read, CHUNK):
        yield piece


def _fields(media: _MediaFields | UploadedMedia) -> tuple[str, bytes, bytes, bytes]:
    if isinstance(media, UploadedMedia):
        return media.direct_path, media.media_key, media.file_enc_sha256, media.file_sha256
    if not media.directPath or not media.mediaKey:
        raise DownloadFailed("the message names no stored file (no directPath or mediaKey)")
    return media.directPath, media.mediaKey, media.fileEncSha256, media.fileSha256


# Message bodies --------------------------------------------------------------------------


def _common(target: _MediaFields, media: UploadedMedia, mimetype: str) -> None:
    target.url = media.url
    target.directPath = media.direct_path
    target.mediaKey = media.media_key
    target.fileSha256 = media.file_sha256
    target.fileEncSha256 = media.file_enc_sha256
    target.fileLength = media.file_length
    target.mediaKeyTimestamp = media.media_key_timestamp
    target.mimetype = mimetype  # type: ignore[attr-defined]


def _kind(media: UploadedMedia, *kinds: MediaType) -> None:
    if media.kind not in kinds:
        names = " or ".join(k.value for k in kinds)
        raise ValueError(f"this body needs {names} media, got {media.kind.value}")


def image(
    media: UploadedMedia,
    *,
    caption: str = "",
    mimetype: str = "image/jpeg",
    width: int | None = None,
    height: int | None = None,
    thumbnail: bytes | None = None,
) -> WAMessage:
    """An ``imageMessage`` body for an uploaded image."""
    _kind(media, MediaType.IMAGE)
    body = WAMessage()
    part = body.imageMessage
    _common(part, media, mimetype)
    if caption:
        part.caption = caption
    if width is not None and height is not None:
        part.width, part.height = width, height
    if thumbnail:
        part.jpegThumbnail = thumbnail
    return body


def video(
    media: UploadedMedia,
    *,
    caption: str = "",
    mimetype: str = "video/mp4",
    seconds: int | None = None,
    width: int | None = None,
    height: int | None = None,
    thumbnail: bytes | None = None,
    gif: bool = False,
) -> WAMessage:
    """A ``videoMessage`` body for an uploaded video (`gif`: played as a looping GIF)."""
    _kind(media, MediaType.VIDEO)
    body = WAMessage()
    part = body.videoMessage
    _common(part, media, mimetype)
    if caption:
        part.caption = caption
    if seconds is not None:
        part.seconds = seconds
    if width is not None and height is not None:
        part.width, part.height = width, height
    if thumbnail:
        part.jpegThumbnail = thumbnail
    if gif:
        part.gifPlayback = True
    return body


def audio(
    media: UploadedMedia,
    *,
    voice_note: bool = False,
    mimetype: str | None = None,
    seconds: int | None = None,
) -> WAMessage:
    """An ``audioMessage`` body; a `voice_note` (``ptt``) is Opus in Ogg by default."""
    _kind(media, MediaType.AUDIO)
    body = WAMessage()
    part = body.audioMessage
    default = "audio/ogg; codecs=opus" if voice_note else "audio/mpeg"
    _common(part, media, mimetype or default)
    if voice_note:
        part.ptt = True
    if seconds is not None:
        part.seconds = seconds
    return body


def document(
    media: UploadedMedia,
    *,
    file_name: str,
    mimetype: str = "application/octet-stream",
    caption: str = "",
    title: str | None = None,
) -> WAMessage:
    """A ``documentMessage`` body for an uploaded document."""
    _kind(media, MediaType.DOCUMENT)
    body = WAMessage()
    part = body.documentMessage
    _common(part, media, mimetype)
    part.fileName = file_name
    part.title = title if title is not None else file_name
    if caption:
        part.caption = caption
    return body


def sticker(
    media: UploadedMedia, *, mimetype: str = "image/webp", animated: bool = False
) -> WAMessage:
    """A ``stickerMessage`` body for an uploaded sticker (WebP)."""
    _kind(media, MediaType.STICKER)
    body = WAMessage()
    part = body.stickerMessage
    _common(part, media, mimetype)
    if animated:
        part.isAnimated = True
    return body


_WRAPPERS: Final = ("deviceSentMessage", "ephemeralMessage", "viewOnceMessage", "viewOnceMessageV2")
_PARTS: Final = (
    ("imageMessage", MediaType.IMAGE),
    ("videoMessage", MediaType.VIDEO),
    ("audioMessage", MediaType.AUDIO),
    ("documentMessage", MediaType.DOCUMENT),
    ("stickerMessage", MediaType.STICKER),
)


def media_of(message: WAMessage) -> tuple[_MediaFields, MediaType] | None:
    """The media part of a received body and its kind (inside a view-once, ephemeral or
    device-sent wrapper too), or None for a body without media."""
    for wrapper in (
        "deviceSentMessage",
        "ephemeralMessage",
        "viewOnceMessage",
        "viewOnceMessageV2",
    ):
        if message.HasField(wrapper):
            inner = getattr(message, wrapper).message
            found = media_of(inner)
            if found is not None:
                return found
    for name, kind in _PARTS:
        if message.HasField(name):
            part: _MediaFields = getattr(message, name)
            return part, kind
    return None
