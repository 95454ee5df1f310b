"""WebSocket over anyio: wsproto (sans-IO) driven by a byte stream, for the client and server.

`connect_websocket` opens ``ws://`` or ``wss://`` (TLS) URLs; `accept_websocket` answers the
opening handshake of an incoming stream (the simulator's side). A `WebSocket` then sends binary
messages and yields received data as it comes: the Noise framing on top does its own
reassembly, so message boundaries are not kept. Pings are answered as they arrive; a close from
the peer, the end of the stream, or a protocol violation ends `receive` with `ConnectionClosed`.

Binary messages are framed here rather than by wsproto (`binary_frame`): one unfragmented
frame each, masked on the client's side, which is all wsproto would write for a connection with
no extensions (none is ever offered or accepted). It is the hot path of every acknowledgement,
and wsproto's general framing costs several times more. Everything else (the handshake,
control frames, the close, and all parsing) is wsproto's.
"""

from __future__ import annotations

import contextlib
import os
import ssl
from dataclasses import dataclass
from typing import Final, final
from urllib.parse import urlsplit

import anyio
import anyio.abc
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Pong,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from wabus.client._errors import ClientError

__all__ = ["ConnectionClosed", "WebSocket", "accept_websocket", "connect_websocket"]

_CHUNK: Final = 65536
_ORIGIN: Final = "https://web.whatsapp.com"
_MASK_POOL: Final = 4096  # masking-key bytes drawn from the OS at a time (1024 keys)
_OPEN: Final = ConnectionState.OPEN


def binary_frame(data: bytes, mask: bytes | None = None) -> bytes:
    """One final, unfragmented binary WebSocket frame (RFC 6455 §5.2) carrying `data`:
    masked with the 4-byte `mask` (a client's frame) or not (a server's)."""
    size = len(data)
    if size < 126:
        header = bytes((0x82, size | (0x80 if mask is not None else 0)))
    elif size < 65536:
        header = bytes((0x82, 126 | (0x80 if mask is not None else 0))) + size.to_bytes(2, "big")
    else:
        header = bytes((0x82, 127 | (0x80 if mask is not None else 0))) + size.to_bytes(8, "big")
    if mask is None:
        return header + data
    if len(mask) != 4:
        raise ValueError(f"a WebSocket masking key has 4 bytes, not {len(mask)}")
    if not size:
        return header + mask
    keys = (mask * (size // 4 + 1))[:size]
    masked = int.from_bytes(data, "big") ^ int.from_bytes(keys, "big")
    return header + mask + masked.to_bytes(size, "big")


class ConnectionClosed(ClientError):
    """The WebSocket is closed; `reason` says how (and `code` the close code, if any).

    A `ClientError`, so it sits under the `WabusError` root like every other wabus error.
    """

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@final
class WebSocket:
    """One open WebSocket: `send` binary data, `receive` data until it closes.

    Sending is in two steps that callers may also take apart: `send_nowait` frames a message
    into the outbox at once (so messages leave in the order they were queued, with no lock),
    and `flush` writes the outbox. Flushes are group commits: one writer at a time writes
    everything queued so far in one go, and every caller returns once its data is written.
    So a burst of small messages (acks, say) costs one system call, not one each.
    """

    def __init__(
        self, stream: anyio.abc.ByteStream, connection: WSConnection, *, plain: bool = False
    ) -> None:
        self._stream = stream
        self._ws = connection
        self._plain = plain  # no extensions were negotiated: binary frames are framed here
        self._masks = b""  # a pool of fresh masking keys (client side)
        self._mask_at = 0
        self._pending: list[bytes] = []
        self._closed: ConnectionClosed | None = None
        self._write_broken = False
        self._outbox: list[bytes] = []
        self._queued = 0  # messages ever put in the outbox
        self._written = 0  # messages ever written to the stream
        self._writing = False
        self._progress = anyio.Event()  # set (and replaced) after each write

    @classmethod
    async def opened(
        cls, stream: anyio.abc.ByteStream, connection: WSConnection, *, plain: bool = False
    ) -> WebSocket:
        """A WebSocket whose opening handshake just finished on `connection`; the data that
        arrived with the handshake is taken in, not lost. `plain` says that no extension was
        negotiated (so binary frames may be written without wsproto; see the module doc)."""
        websocket = cls(stream, connection, plain=plain)
        await websocket._handle_events()
        return websocket

    async def send(self, data: bytes) -> None:
        """Send `data` as one binary message (`send_nowait`, then `flush`)."""
        self.send_nowait(data)
        await self.flush()

    def send_nowait(self, data: bytes) -> None:
        """Queue `data` as one binary message; the next `flush` writes it, in queue order."""
        if self._closed is not None:
            raise self._closed
        if self._plain and self._ws.state is _OPEN:
            self._outbox.append(binary_frame(data, self._mask() if self._ws.client else None))
            self._queued += 1
            return
        self._queue(BytesMessage(data=data))

    def _mask(self) -> bytes:
        """A fresh masking key, from the OS's randomness (RFC 6455 §5.3), drawn in bulk."""
        at = self._mask_at
        if at >= len(self._masks):
            self._masks, at = os.urandom(_MASK_POOL), 0
        self._mask_at = at + 4
        return self._masks[at : at + 4]

    def _queue(self, event: BytesMessage | CloseConnection | Pong) -> None:
        try:
            self._outbox.append(self._ws.send(event))
        except LocalProtocolError as err:
            raise ConnectionClosed(f"cannot send: {err}") from err
        self._queued += 1

    async def flush(self) -> None:
        """Write everything queued so far; returns when it is written (by this call or by a
        concurrent one). Raises `ConnectionClosed` if the connection broke first."""
        target = self._queued
        while self._written < target:
            if self._writing:
                await self._progress.wait()
                continue
            if self._closed is not None and self._closed.code is None:
                raise self._closed  # broken or aborted: nothing more can be written
            self._writing = True
            batch, self._outbox = self._outbox, []
            written = False
            try:
                await self._stream.send(batch[0] if len(batch) == 1 else b"".join(batch))
                written = True
                self._written += len(batch)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError) as err:
                raise self._break(f"the connection broke ({err!r})") from err
            finally:
                self._writing = False
                if not written:
                    # Cancelled mid-send (or failed): the batch is gone and the stream may end
                    # in part of a frame, so nothing more can be written. Without this, the
                    # next flush would find its target unreachable and spin on empty sends.
                    self._break("a write was interrupted")
                progress, self._progress = self._progress, anyio.Event()
                progress.set()

    def _break(self, why: str) -> ConnectionClosed:
        """Mark the connection broken for writing (a polite close under way becomes broken);
        returns why it is closed."""
        if self._closed is None or self._closed.code is not None:
            self._closed = ConnectionClosed(why)
            self._write_broken = True
        return self._closed

    async def receive(self) -> bytes:
        """The next received data (part of a message, or several); raises `ConnectionClosed`."""
        while not self._pending:
            # A write that failed does not end reading: what the peer sent before it closed
            # (its last stanza, say) is still in the stream, and is read until its end.
            if self._closed is not None and not self._write_broken:
                raise self._closed
            try:
                data = await self._stream.receive(_CHUNK)
            except (
                anyio.EndOfStream,
                anyio.BrokenResourceError,
                anyio.ClosedResourceError,
                OSError,
            ) as err:
                if self._closed is None:  # else we closed it, and said why
                    self._closed = ConnectionClosed(f"the connection ended ({type(err).__name__})")
                raise self._closed from err
            self._ws.receive_data(data)
            await self._handle_events()
        return self._pending.pop(0) if len(self._pending) == 1 else b"".join(self._drain())

    def _drain(self) -> list[bytes]:
        pending, self._pending = self._pending, []
        return pending

    async def _handle_events(self) -> None:
        try:
            for event in self._ws.events():
                if isinstance(event, BytesMessage):
                    self._pending.append(bytes(event.data))
                elif isinstance(event, Ping):
                    self._queue(event.response())
                    await self.flush()
                elif isinstance(event, CloseConnection):
                    self._closed = ConnectionClosed(
                        f"closed by the peer: {event.reason or 'no reason'}", event.code
                    )
                    if self._ws.state.name == "REMOTE_CLOSING":
                        self._queue(event.response())
                        await self.flush()
                elif isinstance(event, TextMessage):
                    self._closed = ConnectionClosed("the peer sent text, not binary data")
        except RemoteProtocolError as err:
            self._closed = ConnectionClosed(f"WebSocket protocol error: {err}")

    async def close(self, reason: str = "", *, linger: float = 0.0) -> None:
        """Close politely (send a close frame), then close the stream. Never raises.

        With `linger`, wait up to that many seconds for the peer to close too, reading (and
        dropping) what it still sends: a server does this, so that a peer still writing never
        makes its side reset the connection before it read the last stanza.
        """
        try:
            if self._closed is None:
                self._closed = ConnectionClosed(f"closed by us: {reason or 'no reason'}", 1000)
                self._queue(CloseConnection(code=1000, reason=reason))
                with anyio.move_on_after(1):
                    await self.flush()  # what was queued, then the close frame
            if linger > 0:
                with anyio.move_on_after(linger):
                    while True:
                        await self._stream.receive(_CHUNK)
        except (
            ConnectionClosed,
            LocalProtocolError,
            anyio.EndOfStream,
            anyio.BrokenResourceError,
            anyio.ClosedResourceError,
            OSError,
        ):
            pass
        finally:  # even when cancelled
            await self.abort()

    async def abort(self) -> None:
        """Drop the connection at once, without a close frame."""
        if self._closed is None:
            self._closed = ConnectionClosed("aborted by us")
        await _close_quietly(self._stream)


@dataclass(frozen=True, slots=True)
class _Target:
    host: str
    port: int
    path: str
    tls: bool


def _parse(url: str) -> _Target:
    parts = urlsplit(url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(f"not a ws:// or wss:// URL: {url!r}")
    tls = parts.scheme == "wss"
    port = parts.port or (443 if tls else 80)
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return _Target(parts.hostname, port, path, tls)


async def connect_websocket(
    url: str,
    *,
    ssl_context: ssl.SSLContext | None = None,
    origin: str = _ORIGIN,
    timeout: float = 20.0,
) -> WebSocket:
    """Open a WebSocket to `url` (TLS for ``wss://``); raises `ConnectionClosed` on failure."""
    target = _parse(url)
    try:
        with anyio.fail_after(timeout):
            stream: anyio.abc.ByteStream
            if target.tls:
                stream = await anyio.connect_tcp(
                    target.host,
                    target.port,
                    ssl_context=ssl_context or ssl.create_default_context(),
                    tls_hostname=target.host,
                )
            else:
                stream = await anyio.connect_tcp(target.host, target.port)
    except TimeoutError as err:
        raise ConnectionClosed(f"no connection to {url} within {timeout}s") from err
    except (OSError, anyio.BrokenResourceError, ssl.SSLError) as err:
        raise ConnectionClosed(f"cannot connect to {url}: {err!r}") from err
    try:
        with anyio.fail_after(timeout):
            ws = WSConnection(ConnectionType.CLIENT)
            host = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
            request = Request(
                host=host, target=target.path, extra_headers=[(b"origin", origin.encode())]
            )
            await stream.send(ws.send(request))
            while True:
                data = await stream.receive(_CHUNK)
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, AcceptConnection):
                        return await WebSocket.opened(stream, ws, plain=True)
                    if isinstance(event, RejectConnection | RejectData):
                        status = getattr(event, "status_code", "?")
                        raise ConnectionClosed(f"the server refused the WebSocket ({status})")
    except TimeoutError as err:
        await _close_quietly(stream)
        raise ConnectionClosed(f"no WebSocket to {url} within {timeout}s") from err
    except (
        OSError,
        anyio.EndOfStream,
        anyio.BrokenResourceError,
        RemoteProtocolError,
        ssl.SSLError,
    ) as err:
        await _close_quietly(stream)
        raise ConnectionClosed(f"cannot open a WebSocket to {url}: {err!r}") from err
    except BaseException:  # cancelled: do not leak the socket
        await _close_quietly(stream)
        raise


async def accept_websocket(stream: anyio.abc.ByteStream, *, timeout: float = 10.0) -> WebSocket:
    """Answer an incoming stream's opening handshake; raises `ConnectionClosed` if it fails."""
    ws = WSConnection(ConnectionType.SERVER)
    try:
        with anyio.fail_after(timeout):
            while True:
                data = await stream.receive(_CHUNK)
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, Request):
                        await stream.send(ws.send(AcceptConnection()))
                        return await WebSocket.opened(stream, ws, plain=True)
    except (
        TimeoutError,
        OSError,
        anyio.EndOfStream,
        anyio.BrokenResourceError,
        RemoteProtocolError,
    ) as err:
        await _close_quietly(stream)
        raise ConnectionClosed(f"no WebSocket handshake ({err!r})") from err
    except BaseException:
        await _close_quietly(stream)
        raise


async def _close_quietly(stream: anyio.abc.AsyncResource) -> None:
    """Close a stream, even when cancelled, ignoring a peer that is already gone."""
    # ssl.SSLError is an OSError
    quiet = contextlib.suppress(OSError, anyio.BrokenResourceError, anyio.ClosedResourceError)
    with anyio.move_on_after(1, shield=True), quiet:
        await stream.aclose()
