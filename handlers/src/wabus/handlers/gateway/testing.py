"""A small socket.io client for testing and measuring the gateway, shipped to users.

`GatewayTestClient` speaks just enough of the protocols to be a real gateway client (one
WebSocket with wsproto, engine.io 4 with its pings, socket.io 5 with namespaces,
acknowledgements and connect errors), and nothing that hides timing: it reads its socket only
while you await it. That makes it cheap enough to run a hundred of them in one process, and
able to play a client that stops reading (just stop awaiting it)::

    async with GatewayTestClient(gateway.url, token="s3cret") as client:
        await client.subscribe("messages.upsert")
        name, payload = await client.receive()

Full-featured clients (python-socketio's ``AsyncClient``, the JavaScript ``socket.io-client``)
are what applications use; the gateway's own tests run those too. Asyncio only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections import deque
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import urlsplit

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)

from wabus.handlers.gateway._config import NAMESPACE, GatewayError

__all__ = ["GatewayDisconnected", "GatewayRefused", "GatewayTestClient"]

_READ: Final = 65536


class GatewayRefused(GatewayError):
    """The gateway refused the connection; `reason` is what it said (e.g. ``invalid token``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the gateway refused the connection: {reason}")
        self.reason = reason


class GatewayDisconnected(GatewayError):
    """The gateway ended the session (or the connection closed); `reason` says why, when the
    gateway said (its ``gateway.error`` event just before)."""

    def __init__(self, reason: str | None) -> None:
        super().__init__(f"disconnected by the gateway: {reason or 'no reason given'}")
        self.reason = reason


class GatewayTestClient:
    """One socket.io client of the gateway (see the module doc).

    `receive_buffer` sets the socket's receive buffer (bytes) before connecting: small values
    make a client that stops reading stall the server sooner.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        namespace: str | None = None,
        receive_buffer: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"expected http://host:port/namespace, got {url!r}")
        self.host = parts.hostname
        self.port = parts.port
        self.namespace = namespace or parts.path or NAMESPACE
        self.token = token
        self.sid: str | None = None
        """The socket.io session id, once connected."""
        self.disconnect_reason: str | None = None
        """Why the gateway disconnected us, when it said."""
        self._receive_buffer = receive_buffer
        self._headers = dict(headers or {})
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._ws = WSConnection(ConnectionType.CLIENT)
        self._texts: deque[str] = deque()
        self._partial: list[str] = []
        self._events: deque[tuple[str, str]] = deque()
        self._acks: dict[int, Any] = {}
        self._next_ack = 0
        self._open = False
        self._closed = False

    # Wire --------------------------------------------------------------------------------

    def _send_text(self, text: str) -> None:
        if self._writer is None or self._closed:
            raise GatewayDisconnected(self.disconnect_reason)
        self._writer.write(self._ws.send(TextMessage(data=text)))

    async def _fill(self) -> None:
        """Read from the socket until at least one text frame is available."""
        assert self._reader is not None
        while not self._texts:
            if self._closed:
                raise GatewayDisconnected(self.disconnect_reason)
            data = await self._reader.read(_READ)
            if not data:
                self._closed = True
                raise GatewayDisconnected(self.disconnect_reason)
            self._ws.receive_data(data)
            for event in self._ws.events():
                if isinstance(event, TextMessage):
                    self._partial.append(event.data)
                    if event.message_finished:
                        self._texts.append("".join(self._partial))
                        self._partial.clear()
                elif isinstance(event, AcceptConnection):
                    self._open = True
                elif isinstance(event, RejectConnection):
                    self._closed = True
                    raise GatewayRefused(f"HTTP {event.status_code}")
                elif isinstance(event, Ping):
                    assert self._writer is not None
                    self._writer.write(self._ws.send(event.response()))
                elif isinstance(event, CloseConnection):
                    self._closed = True

    async def _packet(self) -> str:
        """The next socket.io packet of our namespace (engine.io pings answered on the way)."""
        while True:
            if not self._texts:
                await self._fill()
            text = self._texts.popleft()
            kind = text[:1]
            if kind == "2":  # engine.io ping
                self._send_text("3")
            elif kind == "4":
                return text[1:]
            elif kind == "1":  # engine.io close
                self._closed = True
                raise GatewayDisconnected(self.disconnect_reason)
            # "0" (open) and "6" (noop) need nothing

    def _split(self, packet: str) -> tuple[str, str]:
        """(socket.io packet type, the rest after the namespace) of a packet."""
        kind, rest = packet[:1], packet[1:]
        if rest.startswith("/"):
            namespace, _, rest = rest.partition(",")
            if namespace != self.namespace:
                return "", ""
        return kind, rest

    async def _dispatch_one(self) -> None:
        """Read one packet and file it: an event, an ack, or the end of the session."""
        kind, rest = self._split(await self._packet())
        if kind == "2":  # EVENT: [ack id]["name", payload]
            body = rest.lstrip("0123456789")
            name_end = body.index('"', 2)
            name = body[2:name_end]
            payload = body[name_end + 2 : -1] if body[name_end + 1] == "," else "null"
            if name == "gateway.error":
                reason = json.loads(payload).get("reason")
                if reason:
                    self.disconnect_reason = reason
            self._events.append((name, payload))
        elif kind == "3":  # ACK: id[data]
            digits = len(rest) - len(rest.lstrip("0123456789"))
            ack_id = int(rest[:digits])
            values = json.loads(rest[digits:])
            self._acks[ack_id] = values[0] if values else None
        elif kind == "1":  # DISCONNECT
            self._closed = True
            raise GatewayDisconnected(self.disconnect_reason)
        elif kind == "4":  # CONNECT_ERROR
            message = json.loads(rest or "{}")
            raise GatewayRefused(str(message.get("message", message)))

    # Session -----------------------------------------------------------------------------

    async def connect(self, timeout: float = 10.0) -> str:
        """Open the WebSocket, authenticate, and return the session id.

        Raises `GatewayRefused` with the gateway's reason when it refuses (the connection is
        closed then, as after any failure to connect).
        """
        try:
            async with asyncio.timeout(timeout):
                return await self._connect()
        except BaseException:
            await self.close()
            raise

    async def _connect(self) -> str:
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        sock.setblocking(False)
        if self._receive_buffer is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self._receive_buffer)
        try:
            await asyncio.get_running_loop().sock_connect(sock, (self.host, self.port))
        except BaseException:
            sock.close()
            raise
        self._reader, self._writer = await asyncio.open_connection(sock=sock, limit=_READ)
        headers = [(k.encode(), v.encode()) for k, v in self._headers.items()]
        target = "/socket.io/?EIO=4&transport=websocket"
        request = Request(host=f"{self.host}:{self.port}", target=target, extra_headers=headers)
        self._writer.write(self._ws.send(request))
        auth = {} if self.token is None else {"token": self.token}
        while not self._open:  # the WebSocket handshake, then engine.io's open packet
            await self._fill()
        self._send_text(f"40{self.namespace},{json.dumps(auth)}")
        while True:
            kind, rest = self._split(await self._packet())
            if kind == "0":
                sid: str = json.loads(rest)["sid"]
                self.sid = sid
                return sid
            if kind == "4":
                message = json.loads(rest or "{}")
                raise GatewayRefused(str(message.get("message", message)))

    async def _request(self, event: str, data: Any, timeout: float) -> Any:
        ack_id = self._next_ack
        self._next_ack += 1
        self._send_text(f"42{self.namespace},{ack_id}{json.dumps([event, data])}")
        async with asyncio.timeout(timeout):
            while ack_id not in self._acks:
                await self._dispatch_one()
        return self._acks.pop(ack_id)

    async def subscribe(self, *names: str, timeout: float = 10.0) -> Any:
        """Subscribe to `names` and return the gateway's acknowledgement."""
        return await self._request("subscribe", list(names), timeout)

    async def unsubscribe(self, *names: str, timeout: float = 10.0) -> Any:
        """Unsubscribe from `names` and return the gateway's acknowledgement."""
        return await self._request("unsubscribe", list(names), timeout)

    async def emit(self, event: str, data: Any, timeout: float = 10.0) -> Any:
        """Send any event with an acknowledgement request and return the acknowledgement."""
        return await self._request(event, data, timeout)

    async def receive_text(self, timeout: float | None = None) -> tuple[str, str]:
        """The next event as ``(name, payload JSON text)``, reading the socket as needed.

        Raises `GatewayDisconnected` when the gateway ends the session.
        """
        if not self._events:
            if timeout is None:  # the common case of a reading loop: no timer to set up
                while not self._events:
                    await self._dispatch_one()
            else:
                async with asyncio.timeout(timeout):
                    while not self._events:
                        await self._dispatch_one()
        return self._events.popleft()

    async def receive(self, timeout: float | None = None) -> tuple[str, Any]:
        """The next event as ``(name, payload)``, the payload decoded from JSON."""
        name, text = await self.receive_text(timeout)
        return name, json.loads(text)

    async def receive_many(
        self, count: int, names: Iterable[str] | None = None, timeout: float | None = None
    ) -> list[tuple[str, Any]]:
        """The next `count` events (of `names` only, when given; others are skipped)."""
        wanted = None if names is None else set(names)
        out: list[tuple[str, Any]] = []
        async with asyncio.timeout(timeout):
            while len(out) < count:
                name, payload = await self.receive()
                if wanted is None or name in wanted:
                    out.append((name, payload))
        return out

    @property
    def closed(self) -> bool:
        """Whether the session or the connection ended."""
        return self._closed

    async def close(self) -> None:
        """Close the connection (politely when it is still open)."""
        writer, self._writer = self._writer, None
        if writer is None:
            return
        if not self._closed and self._open:
            with contextlib.suppress(Exception):  # half-dead already: closing is what matters
                writer.write(self._ws.send(TextMessage(data=f"41{self.namespace},")))
                writer.write(self._ws.send(CloseConnection(code=1000)))
        self._closed = True
        writer.close()
        try:
            async with asyncio.timeout(1):
                await writer.wait_closed()
        except (OSError, TimeoutError):
            pass

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
