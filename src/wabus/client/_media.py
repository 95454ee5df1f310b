"""The client's side of the media servers: where they are (``media_conn``) and downloads.

`MediaClient` asks the server for the media hosts (the ``media_conn`` IQ, kept until its
``ttl`` runs out, asked again after a failure), downloads a stored file from the first host
that has it, and checks and decrypts it (`wabus.protocol.decrypt_media`, in a worker thread).
HTTP is httpx's. The scheme follows the chat connection's: ``wss://`` (the real service)
means ``https://`` media, a plain ``ws://`` URL (the simulator on loopback) plain ``http://``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Final

import anyio
import httpx
import structlog

from wabus.client._errors import ClientError
from wabus.core import Node
from wabus.protocol import (
    MediaConn,
    MediaError,
    MediaType,
    decrypt_media,
    download_url,
    media_conn_request,
    parse_media_conn,
)

__all__ = ["DownloadFailed", "MediaClient"]

_log = structlog.get_logger("wabus.client.media")
Request = Callable[[Node], Awaitable[Node]]
_ORIGIN: Final = {"Origin": "https://web.whatsapp.com"}
DEFAULT_TIMEOUT: Final = 60.0


class DownloadFailed(ClientError):
    """No media host gave the file (every host refused or failed, or it did not check out)."""


class MediaClient:
    """Downloads media for one `Client` (see the module doc)."""

    def __init__(
        self,
        request: Request,
        *,
        scheme: str = "https",
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._request = request
        self._scheme = scheme
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

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._timeout, headers=_ORIGIN)
        return self._http

    async def fetch(
        self, direct_path: str, kind: MediaType, *, file_enc_sha256: bytes | None = None
    ) -> bytes:
        """The stored (still encrypted) file at `direct_path`, from the first host that has
        it; `DownloadFailed` when none does."""
        errors: list[str] = []
        for attempt in range(2):  # the second time with a fresh media_conn
            conn = await self.media_conn(fresh=attempt > 0)
            for host in conn.hosts:
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
        raise DownloadFailed(f"no media host gave {direct_path}: {'; '.join(errors)}")

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

    async def aclose(self) -> None:
        """Close the HTTP connections (a later download opens new ones)."""
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()
