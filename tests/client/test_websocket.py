"""The WebSocket layer over real loopback sockets: ws:// and wss://, closes, refusals."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.abc
import pytest
import trustme
from anyio.streams.tls import TLSListener

from wabus.client import (
    ClientError,
    ConnectionClosed,
    WebSocket,
    accept_websocket,
    connect_websocket,
)
from wabus.core import WabusError

pytestmark = pytest.mark.anyio

Handler = Callable[[anyio.abc.ByteStream], Awaitable[None]]


@asynccontextmanager
async def serving(handler: Handler, *, tls: ssl.SSLContext | None = None) -> AsyncIterator[int]:
    """A loopback listener running `handler` for each connection; yields its port."""
    listener: anyio.abc.Listener[anyio.abc.ByteStream]
    tcp = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = tcp.extra(anyio.abc.SocketAttribute.local_port)
    listener = TLSListener(tcp, tls, standard_compatible=False) if tls else tcp

    async def handle(stream: anyio.abc.ByteStream) -> None:
        try:
            await handler(stream)
        except (OSError, anyio.BrokenResourceError, anyio.EndOfStream):
            pass  # the client went away (after a failed TLS handshake, say)
        finally:
            with contextlib.suppress(OSError, anyio.BrokenResourceError):
                await stream.aclose()

    async with listener, anyio.create_task_group() as tasks:
        tasks.start_soon(listener.serve, handle)
        yield port
        tasks.cancel_scope.cancel()


@asynccontextmanager
async def connected(url: str, **options: Any) -> AsyncIterator[WebSocket]:
    ws = await connect_websocket(url, **options)
    try:
        yield ws
    finally:
        await ws.abort()


async def echo(stream: anyio.abc.ByteStream) -> None:
    ws = await accept_websocket(stream)
    try:
        while True:
            await ws.send(await ws.receive())
    except ConnectionClosed:
        pass
    finally:
        await ws.abort()


async def receive_exactly(ws: WebSocket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        data += await ws.receive()
    return data


async def test_messages_go_both_ways() -> None:
    async with serving(echo) as port, connected(f"ws://127.0.0.1:{port}/ws/chat") as ws:
        await ws.send(b"hello")
        assert await receive_exactly(ws, 5) == b"hello"
        big = bytes(range(256)) * 4096  # 1 MiB, in many TCP segments
        await ws.send(big)
        assert await receive_exactly(ws, len(big)) == big
        await ws.close("done")
        with pytest.raises(ConnectionClosed, match="closed by us: done") as closed:
            await ws.receive()
        assert isinstance(closed.value, ClientError)
        assert isinstance(closed.value, WabusError)
        with pytest.raises(ConnectionClosed):
            await ws.send(b"after close")


async def test_the_server_sees_the_close_code_and_reason() -> None:
    seen: list[ConnectionClosed] = []

    async def record(stream: anyio.abc.ByteStream) -> None:
        ws = await accept_websocket(stream)
        try:
            await ws.receive()
        except ConnectionClosed as err:
            seen.append(err)
        finally:
            await ws.abort()

    async with serving(record) as port:
        async with connected(f"ws://127.0.0.1:{port}/") as ws:
            await ws.close("going away now")
        with anyio.fail_after(5):
            while not seen:
                await anyio.sleep(0.01)
    assert seen[0].code == 1000
    assert "going away now" in seen[0].reason


async def test_a_peer_that_vanishes_ends_receive() -> None:
    async def vanish(stream: anyio.abc.ByteStream) -> None:
        ws = await accept_websocket(stream)
        await ws.abort()

    async with serving(vanish) as port, connected(f"ws://127.0.0.1:{port}/") as ws:
        with pytest.raises(ConnectionClosed, match="the connection ended"):
            await ws.receive()


async def test_text_messages_are_refused() -> None:
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, Request, TextMessage

    async def speak_text(stream: anyio.abc.ByteStream) -> None:
        server = WSConnection(ConnectionType.SERVER)
        while True:
            server.receive_data(await stream.receive())
            if any(isinstance(e, Request) for e in server.events()):
                break
        await stream.send(server.send(AcceptConnection()))
        await stream.send(server.send(TextMessage(data="not binary")))
        await anyio.sleep(5)

    async with serving(speak_text) as port, connected(f"ws://127.0.0.1:{port}/") as ws:
        with pytest.raises(ConnectionClosed, match="text, not binary"):
            await ws.receive()


async def test_unusable_urls_and_endpoints() -> None:
    with pytest.raises(ValueError, match="not a ws:// or wss:// URL"):
        await connect_websocket("http://127.0.0.1/")
    with pytest.raises(ValueError, match="not a ws:// or wss:// URL"):
        await connect_websocket("ws:///no-host")

    async def plain_http(stream: anyio.abc.ByteStream) -> None:
        await stream.receive()
        await stream.send(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
        await anyio.sleep(5)

    async def silent(stream: anyio.abc.ByteStream) -> None:
        await anyio.sleep(5)

    async with serving(plain_http) as port:
        with pytest.raises(ConnectionClosed, match=r"refused the WebSocket \(404\)"):
            await connect_websocket(f"ws://127.0.0.1:{port}/")
    async with serving(silent) as port:
        with pytest.raises(ConnectionClosed, match=r"within 0\.2s"):
            await connect_websocket(f"ws://127.0.0.1:{port}/", timeout=0.2)
        nobody = port
    with pytest.raises(ConnectionClosed, match="cannot connect"):
        await connect_websocket(f"ws://127.0.0.1:{nobody}/")


async def test_wss_verifies_the_server_certificate() -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_context)
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)

    async with serving(echo, tls=server_context) as port:
        url = f"wss://localhost:{port}/ws/chat"
        async with connected(url, ssl_context=trusting) as ws:
            await ws.send(b"over tls")
            assert await receive_exactly(ws, 8) == b"over tls"
        # The system's roots do not know this authority.
        with pytest.raises(ConnectionClosed, match="CERTIFICATE_VERIFY_FAILED"):
            await connect_websocket(f"wss://localhost:{port}/ws/chat")


async def test_a_write_cancelled_midway_breaks_the_connection_instead_of_spinning() -> None:
    """Regression: a send cancelled mid-flush dropped its batch but not its count, so the next
    flush (``close()``'s, say) could never reach its target and spun on empty writes."""
    stalled = anyio.Event()

    async def never_read(stream: anyio.abc.ByteStream) -> None:
        await accept_websocket(stream)
        await stalled.wait()  # the peer accepts, then reads nothing more

    async with serving(never_read) as port, connected(f"ws://127.0.0.1:{port}/") as ws:
        with anyio.move_on_after(0.2) as scope:
            await ws.send(bytes(32 * 1024 * 1024))  # more than loopback's buffers hold
        assert scope.cancelled_caught  # the peer never reads: the send cannot finish
        with anyio.fail_after(30):  # a hang guard: before the fix this never returned
            with pytest.raises(ConnectionClosed, match="a write was interrupted"):
                await ws.send(b"more")
            await ws.close("done")
        stalled.set()
