"""The simulator's media host: WhatsApp's media servers on loopback, over HTTP/1.1 (plain, or
TLS with ``Simulator(media_tls=True)``, see `wabus.simulator._tls`).

A companion learns where media is from the ``media_conn`` IQ (the simulator names this host,
``127.0.0.1:<port>``), then:

- downloads a stored file with ``GET <directPath>&hash=…&mms-type=…`` (the query is ignored:
  the path names the file); an unknown path is ``404``, an expired one ``410`` (as a media URL
  that outlived its ``oe`` expiry);
- uploads an encrypted file with ``POST /mms/<mms-type>/<token>?auth=<auth>&token=<token>``;
  the answer is the JSON real servers give (``url``, ``direct_path``). A wrong ``auth`` is
  ``401``; a body whose SHA-256 is not the token is ``400``.

Files are kept in memory. The simulator stores what its simulated phones send (the history
sync blob) with `store`. HTTP is parsed by h11 (sans-IO), driven by anyio, one request per
connection at a time, keep-alive honoured.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.abc
import h11
import structlog

from wabus.protocol import MediaType

__all__ = ["MediaStore"]

_log = structlog.get_logger("wabus.simulator.media")
_MAX_UPLOAD: Final = 128 * 1024 * 1024
_MAX_HEADERS: Final = 64 * 1024
_Response = tuple[int, list[tuple[str, str]], bytes]  # status, headers, body


@dataclass
class _File:
    data: bytes
    kind: MediaType
    expires: float | None


class MediaStore:
    """The files of the media host, and the host itself once `serve` runs (see the module doc).

    `auth` is the upload token ``media_conn`` hands out; `clock` is the server's clock (for
    expiry).
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.auth = secrets.token_urlsafe(24)
        self.hostname = ""
        """``host:port`` once serving (what ``media_conn`` names)."""
        self._files: dict[str, _File] = {}
        self.downloads = 0
        """How many files were downloaded (for tests)."""

    def store(self, data: bytes, kind: MediaType, *, expires: float | None = None) -> str:
        """Keep an (encrypted) file; returns its direct path. `expires` is a server time
        after which downloads get ``410 Gone``."""
        token = secrets.token_hex(16)
        path = f"/v/t62.{kind.mms_type}/sim-{token}"
        query = f"?ccb=11-4&oh=01_{secrets.token_hex(8)}&oe={int(expires or 0):X}&_nc_sid=sim"
        self._files[path] = _File(data, kind, expires)
        return path + query

    def expire(self, direct_path: str) -> None:
        """Make a stored file's URL expired (downloads get ``410``), as an old message's."""
        found = self._files.get(urlsplit(direct_path).path)
        if found is not None:
            found.expires = self.clock() - 1

    def renew(self, direct_path: str) -> str:
        """A new, unexpired direct path for a stored file (what a media retry gives)."""
        found = self._files.get(urlsplit(direct_path).path)
        if found is None:
            raise KeyError(direct_path)
        return self.store(found.data, found.kind)

    async def serve(self, listener: anyio.abc.Listener[anyio.abc.ByteStream]) -> None:
        """Serve HTTP on `listener` (plain TCP or a `anyio.streams.tls.TLSListener`) until
        cancelled."""
        await listener.serve(self._connection)

    async def _connection(self, stream: anyio.abc.ByteStream) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEADERS)
        async with stream:
            try:
                while True:
                    request, body = await self._read_request(conn, stream)
                    if request is None:
                        return
                    status, headers, payload = self._answer(request, body)
                    await self._send(conn, stream, status, headers, payload)
                    if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                        return
                    conn.start_next_cycle()
            except (h11.ProtocolError, anyio.BrokenResourceError, anyio.EndOfStream) as err:
                _log.debug("media host: connection ended", error=repr(err))

    async def _read_request(
        self, conn: h11.Connection, stream: anyio.abc.ByteStream
    ) -> tuple[h11.Request | None, bytes]:
        request: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                try:
                    data = await stream.receive()
                except anyio.EndOfStream:
                    data = b""
                conn.receive_data(data)
                continue
            if isinstance(event, h11.ConnectionClosed):
                return None, b""
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > _MAX_UPLOAD:
                    raise h11.LocalProtocolError("upload too large", 413)
            elif isinstance(event, h11.EndOfMessage):
                return request, bytes(body)

    def _answer(
        self, request: h11.Request, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        target = urlsplit(request.target.decode("ascii", "replace"))
        method = request.method.decode("ascii", "replace")
        if method == "GET":
            found = self._files.get(target.path)
            if found is None:
                return 404, [], b"not found"
            if found.expires is not None and self.clock() > found.expires:
                return 410, [], b"expired"
            self.downloads += 1
            return 200, [("content-type", "application/octet-stream")], found.data
        if method == "POST" and target.path.startswith("/mms/"):
            return self._upload(target.path, parse_qs(target.query), body)
        return 405, [], b"method not allowed"

    def _upload(self, path: str, query: dict[str, list[str]], body: bytes) -> _Response:
        if query.get("auth", [""])[0] != self.auth:
            return 401, [], b"bad auth"
        _, _, mms_type, token = [*path.split("/"), "", "", "", ""][:4]
        kind = next((k for k in MediaType if k.mms_type == mms_type), None)
        if kind is None:
            return 400, [], b"unknown media type"
        digest = base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode()
        if token.rstrip("=") != digest.rstrip("="):
            return 400, [], b"the token is not the file's hash"
        direct_path = self.store(body, kind)
        answer = {"url": f"https://{self.hostname}{direct_path}", "direct_path": direct_path}
        return 200, [("content-type", "application/json")], json.dumps(answer).encode()

    async def _send(
        self,
        conn: h11.Connection,
        stream: anyio.abc.ByteStream,
        status: int,
        headers: list[tuple[str, str]],
        payload: bytes,
    ) -> None:
        response = h11.Response(
            status_code=status, headers=[*headers, ("content-length", str(len(payload)))]
        )
        await stream.send(conn.send(response))
        if payload:
            await stream.send(conn.send(h11.Data(data=payload)))
        await stream.send(conn.send(h11.EndOfMessage()))
