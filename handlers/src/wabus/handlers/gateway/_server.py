"""`EventGateway`: the bus's events, as Baileys-dialect JSON, to socket.io clients.

Theory of operation
-------------------

The gateway is an `EventHandler` with one async callback for every core event, and a
python-socketio ``AsyncServer`` mounted as an ASGI app in uvicorn, all on the bus's event
loop (asyncio: uvicorn and python-socketio are asyncio-only).

*In.* For each core event, the gateway's own `BaileysDialect` projects it (``project``) to the
Baileys events that at least one client subscribed to; the dialect's state (our JID, the
connection state) is updated for every event either way. Each resulting event is encoded
once (a socket.io EVENT packet wrapped in one engine.io MESSAGE packet, whose encoding
engine.io caches) and offered to each subscribed client: appended to the client's bounded
queue, and the client's pump woken. The callback never awaits a client, so a slow client
costs the bus nothing but an append.

*Out.* One pump task per client moves packets from its queue into the client's engine.io
socket queue, at most `_BATCH` at a time, then waits (``queue.join()``) until engine.io's
writer has taken them. The writer blocks when the connection does (uvicorn applies TCP
back-pressure), so a client that stops reading stops its pump, and its own queue fills.

*Overflow.* A client whose queue already holds `GatewayConfig.queue_size` events when another
arrives is evicted: the gateway counts it and the events it loses, stops queueing for it at
once, and in the background tells it why (a ``gateway.error`` event), disconnects its
socket.io session and closes its engine.io socket. Memory per client is bounded by its queue,
one batch in engine.io, and the transport's buffers. (A peer that stays connected without
reading keeps its TCP connection until the kernel or the peer gives up: ASGI offers no way to
abort a transport. The gateway holds nothing more for it meanwhile.)

*Control.* Clients authenticate at connect (``auth: {token}``, or an ``Authorization: Bearer``
header); surrounding whitespace is ignored, whichever way a token comes. Tokens are compared
as SHA-256 digests with `hmac.compare_digest`, against every configured token, and a missing
or wrong one is refused with a reason. ``subscribe`` and ``unsubscribe`` take one argument, a
list of names (or one name); an unknown name, or more than one argument, rejects the whole
request with an error acknowledgement (and a ``gateway.error`` event, for clients that did not ask
for an acknowledgement). HTTP requests outside socket.io go to a small app that answers the
health endpoint with the counters of `GatewayStats`, or serves the page (below).

*Replay.* The gateway projects the four `REPLAYED_EVENTS` (``connection.update``,
``creds.update``, ``auth.qr``, ``auth.pairing-code``) whether or not anyone subscribed, and
keeps their current state (`wabus.handlers.gateway._replay.ReplayState`). A ``subscribe``
queues that state for the names it adds, into the client's own queue (the same limit), in
the subscribe handler itself: so it comes before any event published after the subscription.

*Page.* HTTP requests for the page's paths (``/``, ``/page.js``, ``/page.css``, ``/qr.svg``,
``/logout``) go to `wabus.handlers.gateway._page.Page`, behind the same tokens; the page's
socket.io connection authenticates with the page's HttpOnly cookie, accepted only with an
``Origin`` of the gateway's own host.

*Sending.* A gateway given the bot's client (``EventGateway(config, client=client)``) carries
out ``sendMessage`` requests (`wabus.handlers.gateway._send`: Baileys' ``sendMessage(jid,
content, options)``), from clients that connected with a valid token, and acknowledges each
with the typed result (``{ok, id, timestamp, key}``) or a typed error (``{ok: false, error,
reason, field?}``). python-socketio runs each request in a task of its own, so a send that
waits for the server holds up neither the bus nor the other clients. Without a client the
gateway only listens, and answers every ``sendMessage`` with the error ``no_client``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import json
import socket
import time
import urllib.parse
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Self, final

import anyio
import structlog
from anyio.abc import TaskStatus

from wabus.core import BaseEvent, CallbackHandler, CoreEventBus
from wabus.handlers.dialects import BaileysDialect, ChatClient
from wabus.handlers.dialects.baileys import GATEWAY_EXTENSIONS
from wabus.handlers.gateway._config import GatewayConfig, GatewayError
from wabus.handlers.gateway._page import PAGE_PATHS, Page, cookie_token
from wabus.handlers.gateway._replay import REPLAYED_EVENTS, ReplayState
from wabus.handlers.gateway._send import SEND_EVENT, send_request

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

__all__ = ["CONTROL_EVENT", "GATEWAY_EVENTS", "EventGateway", "GatewayStats"]

_log = structlog.get_logger("wabus.handlers.gateway")

GATEWAY_EVENTS: Final = frozenset(BaileysDialect.events)
"""Every name a client may subscribe to: the Baileys vocabulary with ``auth.qr`` and
``auth.pairing-code`` (names that never fire on WhatsApp are accepted; they stay silent)."""
assert set(GATEWAY_EXTENSIONS) <= GATEWAY_EVENTS

CONTROL_EVENT: Final = "gateway.error"
"""The event the gateway sends a client about its own requests: a rejected subscription, or
why it is being disconnected. Sent whether or not the client subscribed to anything."""

_BATCH: Final = 64  # packets handed to engine.io before waiting for its writer
_REPLAYED: Final = frozenset(REPLAYED_EVENTS)


@functools.cache
def _server_class() -> Any:
    """uvicorn's ``Server``, minus its signal handling (built on first use: uvicorn is the
    ``gateway`` extra)."""
    import uvicorn

    class QuietServer(uvicorn.Server):
        """uvicorn's server without its signal handling: the gateway is a library, and the
        application (``wabus gateway``, a test) decides what a signal means."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return QuietServer


def _socketio() -> Any:
    """python-socketio, imported when the gateway serves (it is the ``gateway`` extra)."""
    import socketio  # type: ignore[import-untyped]  # python-socketio ships no types

    return socketio


def _packet_modules() -> tuple[Any, Any]:
    """engine.io's and socket.io's packet modules."""
    from engineio import packet as eio_packet  # type: ignore[import-untyped]
    from socketio import packet as sio_packet

    return eio_packet, sio_packet


@final
@dataclass(frozen=True, slots=True)
class GatewayStats:
    """A snapshot of the gateway's counters (also what the health endpoint reports)."""

    clients: int
    """Clients connected and authenticated now."""
    subscriptions: Mapping[str, int]
    """For each event name with subscribers, how many clients subscribed."""
    events: int
    """Core events the gateway has received."""
    emitted: int
    """Baileys events projected for at least one subscriber."""
    deliveries: int
    """Packets queued for clients (one per event per subscribed client)."""
    refused: int
    """Connections refused (missing or wrong token, or too many clients)."""
    slow_disconnects: int
    """Clients disconnected because their queue overflowed."""
    dropped: int
    """Events lost by those clients (their queue when evicted, and the one that overflowed)."""
    encode_errors: int
    """Events that could not be encoded as JSON (a bug: reported in the log)."""
    max_queue: int
    """The deepest client queue right now."""
    sent: int = 0
    """``sendMessage`` requests the server acknowledged."""
    send_failures: int = 0
    """``sendMessage`` requests answered with an error (malformed, refused, failed)."""
    replayed: int = 0
    """Current-state events queued for clients as they subscribed (see `current_state`)."""

    def as_dict(self) -> dict[str, Any]:
        """The snapshot as JSON-shaped data."""
        return {
            "clients": self.clients,
            "subscriptions": dict(self.subscriptions),
            "events": self.events,
            "emitted": self.emitted,
            "deliveries": self.deliveries,
            "refused": self.refused,
            "slow_disconnects": self.slow_disconnects,
            "dropped": self.dropped,
            "encode_errors": self.encode_errors,
            "max_queue": self.max_queue,
            "sent": self.sent,
            "send_failures": self.send_failures,
            "replayed": self.replayed,
        }


@final
class _Client:
    """One authenticated socket.io session: its subscriptions, queue and pump."""

    __slots__ = (
        "closed",
        "eio_sid",
        "idle",
        "names",
        "namespace",
        "pending",
        "pump",
        "sent",
        "sid",
        "wake",
    )

    def __init__(self, sid: str, eio_sid: str, namespace: str) -> None:
        self.sid = sid
        self.eio_sid = eio_sid
        self.namespace = namespace
        self.names: set[str] = set()
        self.pending: deque[Any] = deque()
        self.wake = asyncio.Event()
        self.idle = True
        self.closed = False
        self.sent = 0
        self.pump: anyio.CancelScope | None = None


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def _same_origin(environ: Mapping[str, Any]) -> bool:
    """Whether a browser's request comes from a page of the gateway's own origin (a
    cross-site page could otherwise ride on the page's cookie)."""
    origin, host = environ.get("HTTP_ORIGIN"), environ.get("HTTP_HOST")
    if not isinstance(origin, str) or not isinstance(host, str):
        return False
    return urllib.parse.urlsplit(origin).netloc.lower() == host.lower()


class EventGateway(CallbackHandler):
    """Serves the bus's events to socket.io clients at ``/api/events`` (see the module doc).

    ::

        gateway = EventGateway(GatewayConfig(tokens=("s3cret",), port=3000))
        bot = Bot.builder().with_handler(gateway).with_source(gateway).with_source(client).build()
        await bot.run()          # the gateway serves while the bot runs

    or, around code of your own: ``async with gateway.running(): ...``. Give a
    `GatewayConfig`, or its fields as keywords (``EventGateway(tokens=("s3cret",))``); the
    handler plugin ``gateway`` takes the same keywords. Clients connect with
    ``io('http://host:port/api/events', {auth: {token}})`` and ``emit('subscribe', [names])``.

    `client` (the bot's `wabus.client.Client`, or any `ChatClient`) lets clients send with
    ``emit('sendMessage', jid, content, ack)``; without it the gateway only listens, and
    answers those with the error ``no_client``. It may also be set later (`client`).

    A client that subscribes late first receives the current state (`current_state`: the
    connection, the credentials, the QR code or pairing code on show). A person opens the
    page at ``http://host:port/?token=…``: the QR code to scan, the connection state and the
    events as they come.

    Serving needs the asyncio backend. Counters: `stats`.
    """

    def __init__(
        self,
        config: GatewayConfig | None = None,
        /,
        *,
        client: ChatClient | None = None,
        **options: Any,
    ) -> None:
        if config is not None and options:
            raise TypeError("give a GatewayConfig or its fields as keywords, not both")
        if config is None:
            tokens = options.pop("tokens", ())
            options["tokens"] = (tokens,) if isinstance(tokens, str) else tuple(tokens)
            config = GatewayConfig(**options)
        self.config: Final = config
        """The configuration (immutable)."""
        self._digests = tuple(_digest(t.strip()) for t in config.tokens)
        self._dialect = BaileysDialect()
        self._replay = ReplayState()
        self._clients: dict[str, _Client] = {}
        by_name: dict[str, tuple[_Client, ...]] = {}
        self._by_name = by_name

        def wanted(name: str) -> bool:  # what a client reads, and the state replayed
            return name in by_name or name in _REPLAYED

        self._wanted: Callable[[str], bool] = wanted
        self._page = Page(accepts=self._accepts, current_qr=self._current_qr, events=GATEWAY_EVENTS)
        self._tasks: TaskGroup | None = None
        self._sio: Any = None
        self._port: int | None = None
        self._listening: anyio.Event | None = None
        self._started_at = time.monotonic()
        self._events = 0
        self._emitted = 0
        self._deliveries = 0
        self._refused = 0
        self._slow = 0
        self._dropped = 0
        self._encode_errors = 0
        self._sent = 0
        self._send_failures = 0
        self._replayed = 0
        self.client: ChatClient | None = client
        """The client ``sendMessage`` requests go through (None: the gateway only listens)."""

    # The bus side -------------------------------------------------------------------------

    async def handle_core_event(self, event: BaseEvent) -> None:
        """Project one core event and queue it for each subscribed client (the bus calls
        this). Never waits for a client."""
        self._events += 1
        emissions = self._dialect.project(event, wanted=self._wanted)
        limit = self.config.queue_size
        for emission in emissions:
            if emission.name in _REPLAYED:
                self._replay.observe(emission.name, emission.args[0])
            clients = self._by_name.get(emission.name)
            if not clients:
                continue
            packets: dict[str, Any] = {}  # one per namespace that has subscribers
            for client in clients:
                namespace = client.namespace
                if namespace not in packets:
                    packets[namespace] = self._encode(emission.name, emission.args[0], namespace)
                    if packets[namespace] is not None and len(packets) == 1:
                        self._emitted += 1
                packet = packets[namespace]
                if packet is not None:
                    self._enqueue(client, packet, limit)

    receive_event = handle_core_event

    def _encode(self, name: str, payload: object, namespace: str) -> Any:
        """One engine.io packet carrying the event, shared by every client of `namespace`
        (None: it does not encode as JSON, which is logged and counted)."""
        eio_packet, sio_packet = _packet_modules()

        try:
            encoded = sio_packet.Packet(
                sio_packet.EVENT,
                data=[name, payload],
                namespace=namespace,
            ).encode()
        except (TypeError, ValueError) as err:
            self._encode_errors += 1
            _log.error("gateway could not encode an event", name=name, exc_info=err)
            return None
        return eio_packet.Packet(eio_packet.MESSAGE, data=encoded)

    @property
    def current_state(self) -> Mapping[str, Mapping[str, Any]]:
        """What a client that subscribes now receives first: for each of
        ``connection.update``, ``creds.update``, ``auth.qr`` and ``auth.pairing-code`` that
        has something to say, its payload as the Baileys dialect projects it (the connection
        state and the credentials merged from their updates; the QR code or pairing code
        while one is on show, the QR code's ``timeout`` what is left of it). A snapshot."""
        return MappingProxyType(self._replay.snapshot())

    def _current_qr(self) -> str | None:
        qr = self._replay.current("auth.qr")
        code = qr.get("qr") if qr is not None else None
        return code if isinstance(code, str) and code else None

    @property
    def dialect(self) -> BaileysDialect:
        """The Baileys dialect whose projection the gateway sends (its state is readable)."""
        return self._dialect

    # Counters -----------------------------------------------------------------------------

    @property
    def stats(self) -> GatewayStats:
        """A snapshot of the counters."""
        return GatewayStats(
            clients=len(self._clients),
            subscriptions=MappingProxyType({k: len(v) for k, v in sorted(self._by_name.items())}),
            events=self._events,
            emitted=self._emitted,
            deliveries=self._deliveries,
            refused=self._refused,
            slow_disconnects=self._slow,
            dropped=self._dropped,
            encode_errors=self._encode_errors,
            max_queue=max((len(c.pending) for c in self._clients.values()), default=0),
            sent=self._sent,
            send_failures=self._send_failures,
            replayed=self._replayed,
        )

    def backlog(self) -> int:
        """Packets waiting in client queues right now (all clients together)."""
        return sum(len(c.pending) for c in self._clients.values())

    # Serving ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the gateway listens on (known once it serves; useful with port 0)."""
        if self._port is None:
            raise GatewayError("the gateway is not serving")
        return self._port

    @property
    def url(self) -> str:
        """The socket.io URL clients connect to, namespace included."""
        host = self.config.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}{self.config.namespace}"

    def _listening_event(self) -> anyio.Event:
        if self._listening is None:
            self._listening = anyio.Event()
        return self._listening

    async def wait_listening(self) -> int:
        """Wait until the gateway listens (e.g. when a bot runs it as a source); its port."""
        await self._listening_event().wait()
        return self.port

    async def run(self, bus: CoreEventBus) -> None:
        """As a bot's `Source`: serve until cancelled, subscribed to `bus`.

        Adds itself to `bus` if `with_handler` did not already (add it with `with_handler` too
        to be sure of seeing events that other sources publish as soon as the bot starts).
        """
        try:
            bus.add_handler(self)
            added = True
        except ValueError:
            added = False  # with_handler added it already
        try:
            await self.serve()
        finally:
            if added:
                bus.remove_handler(self)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Self]:
        """``async with gateway.running():`` serve while the block runs (listening on entry).

        Raises `GatewayError` on entry when the gateway cannot serve (see `serve`).
        """
        listener = self._prepare()
        async with anyio.create_task_group() as group:
            await group.start(self._serve_on, listener)
            try:
                yield self
            finally:
                group.cancel_scope.cancel()

    async def serve(self, *, task_status: TaskStatus[int] = anyio.TASK_STATUS_IGNORED) -> None:
        """Serve until cancelled; reports the port through `task_status` once listening.

        Raises `GatewayError` on a backend other than asyncio, when the gateway already
        serves, or when the address is taken.
        """
        await self._serve_on(self._prepare(), task_status=task_status)

    def _prepare(self) -> socket.socket:
        """Check that serving is possible, and bind the listening socket."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            raise GatewayError(
                "the gateway needs the asyncio backend (uvicorn and python-socketio are"
                " asyncio-only)"
            ) from None
        if self._sio is not None:
            raise GatewayError("the gateway is already serving")
        return self._bind()

    async def _serve_on(
        self, listener: socket.socket, *, task_status: TaskStatus[int] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        import uvicorn

        self._port = listener.getsockname()[1]
        self._sio = self._make_server()
        app = _socketio().ASGIApp(self._sio, other_asgi_app=self._http, socketio_path="socket.io")
        server = _server_class()(
            uvicorn.Config(
                app,
                log_config=None,
                log_level="warning",
                access_log=False,
                lifespan="off",
                ws_per_message_deflate=False,
                timeout_graceful_shutdown=max(1, round(self.config.shutdown_timeout)),
                **dict(self.config.extra_uvicorn),
            )
        )
        serving = asyncio.ensure_future(server.serve(sockets=[listener]))
        try:
            async with anyio.create_task_group() as tasks:
                self._tasks = tasks
                while not server.started:
                    if serving.done():
                        serving.result()
                        raise GatewayError("the server stopped while starting")
                    await anyio.sleep(0.005)
                _log.info("gateway listening", url=self.url)
                task_status.started(self.port)
                self._listening_event().set()
                await asyncio.shield(serving)  # until cancelled, or uvicorn stops by itself
                tasks.cancel_scope.cancel()
        finally:
            self._tasks = None
            server.should_exit = True
            with anyio.CancelScope(shield=True):
                await self._close_clients()
                await asyncio.wait({serving}, timeout=self.config.shutdown_timeout + 3)
            if not serving.done():
                serving.cancel()
            listener.close()
            self._sio = None
            self._port = None
            self._listening = None

    def _bind(self) -> socket.socket:
        host, port = self.config.host, self.config.port
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
            family = infos[0][0]
            listener = socket.create_server((host, port), family=family, backlog=1024)
        except OSError as err:
            raise GatewayError(f"cannot listen on {host}:{port}: {err}") from err
        return listener

    def _make_server(self) -> Any:
        socketio = _socketio()
        cors = self.config.cors_origins
        sio = socketio.AsyncServer(
            async_mode="asgi",
            namespaces=list(self.namespaces),
            cors_allowed_origins=list(cors) if isinstance(cors, tuple) else cors,
            logger=False,
            engineio_logger=False,
            ping_interval=self.config.ping_interval,
            ping_timeout=self.config.ping_timeout,
        )
        for namespace in self.namespaces:
            sio.on("connect", self._connect_handler(namespace), namespace=namespace)
            sio.on("disconnect", self._on_disconnect, namespace=namespace)
            sio.on("subscribe", self._on_subscribe, namespace=namespace)
            sio.on("unsubscribe", self._on_unsubscribe, namespace=namespace)
            sio.on(SEND_EVENT, self._on_send, namespace=namespace)
        return sio

    @property
    def namespaces(self) -> tuple[str, ...]:
        """The namespaces served: `GatewayConfig.namespace`, and ``/`` as well, where
        python-socketio connects when given ``http://host:3000/api/events`` without
        ``namespaces=`` (it does not read the namespace from the URL's path, as the
        gateway convention's Python snippet expects). Both serve the same API."""
        namespace = self.config.namespace
        return (namespace,) if namespace == "/" else (namespace, "/")

    def _connect_handler(self, namespace: str) -> Callable[..., Any]:
        async def on_connect(sid: str, environ: Mapping[str, Any], auth: Any = None) -> None:
            await self._on_connect(sid, environ, auth, namespace=namespace)

        return on_connect

    # Connections --------------------------------------------------------------------------

    def _token_from(self, environ: Mapping[str, Any], auth: Any) -> str | None:
        if isinstance(auth, Mapping):
            token = auth.get("token")
            if isinstance(token, str):
                return token.strip()  # as the header's is, and the environment's
        header = environ.get("HTTP_AUTHORIZATION", "")
        if isinstance(header, str) and header.lower().startswith("bearer "):
            return header[7:].strip()
        if _same_origin(environ):  # the page's cookie, from the page's own origin only
            return cookie_token(environ.get("HTTP_COOKIE"))
        return None

    def _accepts(self, token: str) -> bool:
        given = _digest(token)
        accepted = False
        for expected in self._digests:  # every one, so the time says nothing about which
            accepted |= hmac.compare_digest(given, expected)
        return accepted

    async def _on_connect(
        self, sid: str, environ: Mapping[str, Any], auth: Any = None, *, namespace: str
    ) -> None:
        token = self._token_from(environ, auth)
        reason: str | None = None
        if token is None:
            reason = "missing token: connect with auth: {token: ...}"
        elif not self._accepts(token):
            reason = "invalid token"
        elif self.config.max_clients is not None and len(self._clients) >= self.config.max_clients:
            reason = "too many clients"
        if reason is not None:
            self._refused += 1
            _log.info("gateway refused a connection", reason=reason)
            raise _socketio().exceptions.ConnectionRefusedError(reason)
        eio_sid = self._sio.manager.eio_sid_from_sid(sid, namespace)
        client = _Client(sid, eio_sid, namespace)
        self._clients[sid] = client
        tasks = self._tasks
        if tasks is not None:
            tasks.start_soon(self._pump, client, name=f"wabus gateway pump {sid}")

    async def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        client = self._clients.pop(sid, None)
        if client is None:
            return
        self._forget(client)

    def _forget(self, client: _Client) -> None:
        """Stop everything for a client (idempotent; loop thread)."""
        client.closed = True
        client.pending.clear()
        client.wake.set()
        if client.pump is not None:
            client.pump.cancel()  # it may wait on a peer that stopped reading
        for name in client.names:
            remaining = tuple(c for c in self._by_name.get(name, ()) if c is not client)
            if remaining:
                self._by_name[name] = remaining
            else:
                self._by_name.pop(name, None)
        client.names.clear()

    async def _pump(self, client: _Client) -> None:
        """Move a client's queued packets into its engine.io socket, at engine.io's pace."""
        sockets = self._sio.eio.sockets if self._sio is not None else {}
        pending = client.pending
        with anyio.CancelScope() as scope:
            client.pump = scope
            while not client.closed:
                if not pending:
                    client.idle = True
                    client.wake.clear()
                    await client.wake.wait()
                    continue
                eio_socket = sockets.get(client.eio_sid)
                if eio_socket is None or eio_socket.closed:
                    return
                queue = eio_socket.queue
                moved = 0
                while pending and moved < _BATCH:
                    queue.put_nowait(pending.popleft())
                    moved += 1
                client.sent += moved
                await queue.join()  # engine.io's writer took them; it waits when the peer does

    def _evict(self, client: _Client, lost: int) -> None:
        """Drop a client whose queue overflowed: count it, stop queueing, disconnect it."""
        if client.closed:
            return
        self._slow += 1
        self._dropped += len(client.pending) + lost
        queued = len(client.pending)
        self._clients.pop(client.sid, None)
        self._forget(client)
        _log.warning(
            "gateway disconnected a slow client",
            sid=client.sid,
            queued=queued,
            queue_size=self.config.queue_size,
        )
        if self._tasks is not None:
            self._tasks.start_soon(self._disconnect_slow, client, queued)

    async def _disconnect_slow(self, client: _Client, queued: int) -> None:
        sio = self._sio
        if sio is None:
            return
        reason = (
            f"slow consumer: {queued} events were waiting (queue size"
            f" {self.config.queue_size}); disconnected"
        )
        namespace = client.namespace
        try:
            await sio.emit(
                CONTROL_EVENT,
                {"error": "slow_consumer", "reason": reason},
                to=client.sid,
                namespace=namespace,
            )
            await sio.disconnect(client.sid, namespace=namespace)
            eio_socket = sio.eio.sockets.get(client.eio_sid)
            if eio_socket is not None and not eio_socket.closed:
                await eio_socket.close(wait=False, abort=False)
        except Exception as err:  # the client may be gone already; nothing else to do
            _log.debug("gateway: error while disconnecting a slow client", exc_info=err)

    async def _close_clients(self) -> None:
        for client in list(self._clients.values()):
            self._forget(client)
        self._clients.clear()

    # Subscriptions ------------------------------------------------------------------------

    def _names(self, data: Any = None, *more: Any) -> tuple[list[str], dict[str, Any] | None]:
        """The names a request gives (one argument: a name or a list), or an error answer."""
        if more:  # emit('subscribe', 'a', 'b'): several arguments, where one list belongs
            return [], {
                "ok": False,
                "error": f"expected one argument, a list of event names (got {1 + len(more)}"
                " arguments), e.g. ['messages.upsert', 'presence.update']",
            }
        if isinstance(data, str):
            data = [data]
        if not isinstance(data, list) or not all(isinstance(n, str) for n in data):
            return [], {
                "ok": False,
                "error": "expected a list of event names, e.g. ['messages.upsert']",
            }
        unknown = sorted({n for n in data if n not in GATEWAY_EVENTS})
        if unknown:
            return [], {
                "ok": False,
                "error": f"unknown event name(s): {', '.join(unknown)}",
                "unknown": unknown,
                "valid": sorted(GATEWAY_EVENTS),
            }
        return list(dict.fromkeys(data)), None

    async def _refuse(self, client: _Client, op: str, answer: dict[str, Any]) -> dict[str, Any]:
        answer = {**answer, "op": op}
        if self._sio is not None:
            await self._sio.emit(CONTROL_EVENT, answer, to=client.sid, namespace=client.namespace)
        return answer

    async def _on_subscribe(self, sid: str, *args: Any) -> dict[str, Any]:
        client = self._clients.get(sid)
        if client is None:
            return {"ok": False, "error": "not connected", "op": "subscribe"}
        names, error = self._names(*args)
        if error is not None:
            return await self._refuse(client, "subscribe", error)
        added = [name for name in names if name not in client.names]
        for name in added:
            client.names.add(name)
            self._by_name[name] = (*self._by_name.get(name, ()), client)
        self._replay_to(client, added)
        return {"ok": True, "op": "subscribe", "subscribed": sorted(client.names)}

    def _enqueue(self, client: _Client, packet: Any, limit: int) -> bool:
        """Queue `packet` for `client` and wake its sender; a client whose queue holds
        `limit` packets already is evicted instead (False)."""
        pending = client.pending
        if len(pending) >= limit:
            self._evict(client, lost=1)
            return False
        pending.append(packet)
        self._deliveries += 1
        if client.idle:
            client.idle = False
            client.wake.set()
        return True

    def _replay_to(self, client: _Client, names: list[str]) -> None:
        """Queue the current state of the replayed events among `names` for `client`, ahead
        of any later event (the same queue, the same limit)."""
        for name, payload in self._replay.replay(set(names).__contains__):
            packet = self._encode(name, payload, client.namespace)
            if packet is None or client.closed:
                continue
            if not self._enqueue(client, packet, self.config.queue_size):
                return
            self._replayed += 1

    async def _on_unsubscribe(self, sid: str, *args: Any) -> dict[str, Any]:
        client = self._clients.get(sid)
        if client is None:
            return {"ok": False, "error": "not connected", "op": "unsubscribe"}
        names, error = self._names(*args)
        if error is not None:
            return await self._refuse(client, "unsubscribe", error)
        for name in names:
            if name in client.names:
                client.names.discard(name)
                remaining = tuple(c for c in self._by_name.get(name, ()) if c is not client)
                if remaining:
                    self._by_name[name] = remaining
                else:
                    self._by_name.pop(name, None)
        return {"ok": True, "op": "unsubscribe", "subscribed": sorted(client.names)}

    # Sending ------------------------------------------------------------------------------

    async def _on_send(self, sid: str, *args: Any) -> dict[str, Any]:
        """A ``sendMessage`` request: send through the client; the acknowledgement."""
        if sid not in self._clients:  # evicted (a slow consumer) while the request came
            self._send_failures += 1
            return {
                "ok": False,
                "op": SEND_EVENT,
                "error": "invalid_request",
                "field": "connection",
                "reason": "this socket is no longer connected to the gateway",
            }
        answer = await send_request(self.client, args, me=self._dialect.state.my_id)
        if answer["ok"]:
            self._sent += 1
        else:
            self._send_failures += 1
            _log.info("gateway refused a send", error=answer["error"], reason=answer["reason"])
        return answer

    # HTTP ---------------------------------------------------------------------------------

    async def _http(
        self,
        scope: Mapping[str, Any],
        receive: Callable[[], Any],
        send: Callable[[Mapping[str, Any]], Any],
    ) -> None:
        if scope.get("type") != "http":
            return
        path = scope.get("path")
        if path in PAGE_PATHS and path != self.config.health_path:
            await self._page(scope, receive, send)
            return
        if path == self.config.health_path and scope.get("method") in ("GET", "HEAD"):
            status = 200
            body: dict[str, Any] = {
                "status": "ok",
                "namespace": self.config.namespace,
                "uptime_s": round(time.monotonic() - self._started_at, 3),
                **self.stats.as_dict(),
            }
        else:
            status, body = 404, {"error": "not found", "health": self.config.health_path}
        data = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(data)).encode()),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send(
            {"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else data}
        )

    def __repr__(self) -> str:
        state = f"serving on {self.url}" if self._port is not None else "not serving"
        return f"<EventGateway {state}, {len(self._clients)} client(s)>"
