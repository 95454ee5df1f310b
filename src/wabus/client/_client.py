"""`Client`: a live WhatsApp Web companion connection, as an event `Source`.

Theory of operation
-------------------

`run(bus)` loops over connections until it is stopped or the session ends for good. Each
connection:

1. opens the WebSocket (``wss://`` with TLS, or ``ws://`` for the simulator);
2. runs the Noise XX handshake: the connection intro and ClientHello, the server's hello (its
   certificate chain checked against the trusted roots), then ClientFinish carrying either the
   registration payload (a new device) or the login payload (a paired one);
3. runs three tasks until the connection ends: the reader (frames → Noise → nodes → the
   `Router` → ``await bus.publish`` for each event, in arrival order), the keepalive (a ping
   every `keepalive_interval`; a missed pong publishes `KeepAliveTimeout`, the next answered one
   `KeepAliveRestored`, and too many misses drop the connection), and, while pairing, the QR
   pacer (one `PairingQrCode` at a time: 60 s for the first, 20 s for each next).

The connection ends in one of three ways: *restart* at once (the server asks for it after
pairing, stream error 515), *retry* after a backoff (a drop, a corrupt frame, a server error:
`Disconnected` is published), or *stop* (logged out, replaced, banned, an outdated client, or
a certificate that does not verify: those end `run`). The client answers server pings, acks
what it receives, and sends what handlers ask (`send_node`, `send_text`): encode → encrypt →
frame → queue happen together with no await between, so frames are queued in the order of
their Noise counters without a lock; the WebSocket then writes its queue in order. Acks are
queued by the reader and written by a writer task, so a burst of stanzas read in one go is
acknowledged in one write, not one system call per stanza.

Bad data is contained at the smallest unit that can be recovered: a frame that fails Noise
decryption ends the connection (the cipher counters can no longer agree) and the client
reconnects; a frame that decrypts but holds an undecodable node is skipped and published as
`MalformedStanza`, and the stanzas after it are read as usual.

Until end-to-end encryption lands, `send_text` sends a plaintext body: the simulator accepts
it, WhatsApp's servers would not.
"""

from __future__ import annotations

import contextlib
import enum
import secrets
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

import anyio
import anyio.abc
import structlog

from wabus.client._store import DeviceState, Store
from wabus.client._websocket import ConnectionClosed, WebSocket, connect_websocket
from wabus.core import BaseEvent, CoreEventBus, Jid, Node, Server, WabusError
from wabus.core.events import (
    Disconnected,
    KeepAliveRestored,
    KeepAliveTimeout,
    LoggedOut,
    MalformedStanza,
    PairError,
    PairingQrCode,
    PairSuccess,
)
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import (
    MAX_FRAME_SIZE,
    WHATSAPP_ROOT,
    AdvVerifier,
    CertificateInvalid,
    CertificateVerifier,
    ClientHandshake,
    ClientVersion,
    Decryptor,
    FrameDecoder,
    FrameEncoder,
    HistoryDownloader,
    NoiseTransport,
    Router,
    TrustedRoot,
    WireError,
    decode_node,
    encode_node,
    login_payload,
    registration_payload,
)

__all__ = ["WHATSAPP_URL", "Client", "ClientError", "NotConnected", "RequestTimeout"]

WHATSAPP_URL: Final = "wss://web.whatsapp.com/ws/chat"
"""WhatsApp Web's WebSocket endpoint."""

SERVER: Final = Jid("", Server.USER)
_log = structlog.get_logger("wabus.client")
_DEFAULT_VERSION: Final = ClientVersion()


class ClientError(WabusError):
    """Root of the client's own errors."""


class NotConnected(ClientError):
    """The client has no open, logged-in connection right now."""


class RequestTimeout(ClientError, TimeoutError):
    """The server did not answer a request in time; `request_id` is its id."""

    def __init__(self, request_id: str, timeout: float) -> None:
        super().__init__(f"no answer to request {request_id} within {timeout}s")
        self.request_id = request_id


class _Outcome(enum.Enum):
    RESTART = "restart"
    RETRY = "retry"
    STOP = "stop"


class _EndConnection(Exception):  # a control-flow signal inside a session
    def __init__(self, outcome: _Outcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


def _utc_now() -> datetime:
    return datetime.now(UTC)


def new_message_id() -> str:
    """A message id in WhatsApp Web's style: ``3EB0`` and 16 random hex digits."""
    return "3EB0" + secrets.token_hex(8).upper()


@dataclass
class _Session:
    """One connection's moving parts."""

    ws: WebSocket
    transport: NoiseTransport
    frames: FrameEncoder
    decoder: FrameDecoder
    flush_soon: anyio.Event = field(default_factory=anyio.Event)
    waiters: dict[str, tuple[anyio.Event, list[Node]]] = field(default_factory=dict)
    logged_in: bool = False
    paired_now: anyio.Event = field(default_factory=anyio.Event)


class Client:
    """A WhatsApp Web companion client; give it to `Bot.builder().with_source(...)`.

    `store` keeps the device between runs. `url` and `trusted_roots` say where to connect
    and which certificate roots to trust (WhatsApp's by default; the simulator's for tests).
    """

    def __init__(
        self,
        store: Store,
        *,
        url: str = WHATSAPP_URL,
        trusted_roots: Iterable[TrustedRoot] = (WHATSAPP_ROOT,),
        ssl_context: ssl.SSLContext | None = None,
        push_name: str = "",
        version: ClientVersion = _DEFAULT_VERSION,
        keepalive_interval: float = 20.0,
        keepalive_timeout: float = 10.0,
        keepalive_misses: int = 3,
        reconnect_delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0),
        request_timeout: float = 30.0,
        max_frame_size: int = MAX_FRAME_SIZE,
        decryptor: Decryptor | None = None,
        history_downloader: HistoryDownloader | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._store = store
        self.url = url
        self._roots = tuple(trusted_roots)
        self._ssl = ssl_context
        self._push_name = push_name
        self._version = version
        self.keepalive_interval = keepalive_interval
        self.keepalive_timeout = keepalive_timeout
        self.keepalive_misses = keepalive_misses
        self._delays = reconnect_delays or (1.0,)
        self._request_timeout = request_timeout
        self._max_frame = max_frame_size
        self._decryptor = decryptor
        self._downloader = history_downloader
        self._clock = clock
        self._state: DeviceState | None = None
        self._session: _Session | None = None
        self._stopping = False
        self._connections = 0
        self._scope: anyio.CancelScope | None = None

    # Public API ------------------------------------------------------------------------

    @property
    def state(self) -> DeviceState | None:
        """The device state (None before `run` loaded it)."""
        return self._state

    @property
    def connected(self) -> bool:
        """Whether a logged-in connection is open."""
        return self._session is not None and self._session.logged_in

    @property
    def connections(self) -> int:
        """How many connections have been opened so far (for tests and diagnostics)."""
        return self._connections

    async def send_node(self, node: Node) -> None:
        """Send one stanza (encoded, encrypted and framed, in order). Raises `NotConnected`."""
        self._queue_node(node)
        session = self._session
        assert session is not None
        await session.ws.flush()

    def _queue_node(self, node: Node) -> _Session:
        """Encode, encrypt, frame and queue a stanza, with no await: so frames are queued in
        the order their Noise counters were taken, without a lock."""
        session = self._session
        if session is None:
            raise NotConnected("there is no open connection")
        frame = session.frames.encode(session.transport.encrypt(encode_node(node)))
        session.ws.send_nowait(frame)
        return session

    async def request(self, node: Node, *, timeout: float | None = None) -> Node:
        """Send an ``<iq>`` (its ``id`` is set if missing) and return the server's answer."""
        session = self._session
        if session is None:
            raise NotConnected("there is no open connection")
        request_id = node.opt_attr("id") or new_message_id()
        attrs = dict(node.attrs) | {"id": request_id}
        waiter: tuple[anyio.Event, list[Node]] = (anyio.Event(), [])
        session.waiters[request_id] = waiter
        limit = timeout if timeout is not None else self._request_timeout
        try:
            await self.send_node(Node(node.tag, attrs, node.content))
            with anyio.fail_after(limit):
                await waiter[0].wait()
        except TimeoutError:
            raise RequestTimeout(request_id, limit) from None
        finally:
            session.waiters.pop(request_id, None)
        if not waiter[1]:
            raise NotConnected(f"the connection ended before request {request_id} was answered")
        return waiter[1][0]

    async def send_text(self, to: Jid, text: str) -> str:
        """Send a text message to a chat; returns its id. (A plaintext body: see the module.)"""
        message_id = new_message_id()
        body = WAMessage(conversation=text).SerializeToString()
        await self.send_node(
            Node(
                "message",
                {"to": to, "id": message_id, "type": "text"},
                [Node("plaintext", None, body)],
            )
        )
        return message_id

    async def stop(self) -> None:
        """End `run`: close the connection politely and do not reconnect. Returns at once if
        `run` is connecting or waiting to reconnect (that is cancelled)."""
        self._stopping = True
        session = self._session
        if session is not None:
            await session.ws.close("client stopping")
        if self._scope is not None:
            self._scope.cancel()

    # The Source ------------------------------------------------------------------------

    async def run(self, bus: CoreEventBus) -> None:
        """Connect, and stay connected (reconnecting with backoff) until stopped or ended.

        The backoff starts again from its first step after every connection that logged in.
        Raises `CertificateInvalid` if the server's certificate chain does not verify.
        """
        state = await anyio.to_thread.run_sync(self._store.load)
        if state is None:
            state = DeviceState.new()
            await anyio.to_thread.run_sync(self._store.save, state)
        self._state = state
        self._stopping = False
        failures = 0
        try:
            while not self._stopping:
                with anyio.CancelScope() as self._scope:
                    outcome, reason, logged_in = await self._connection(bus)
                if self._scope.cancel_called or outcome is _Outcome.STOP or self._stopping:
                    break
                if outcome is _Outcome.RESTART:
                    failures = 0
                    continue
                if logged_in:
                    failures = 0
                delay = self._delays[min(failures, len(self._delays) - 1)]
                failures += 1
                _log.info("reconnecting", after=delay, reason=reason)
                with anyio.CancelScope() as self._scope:
                    await anyio.sleep(delay)
        finally:
            self._scope = None

    # One connection --------------------------------------------------------------------

    def _router(self, state: DeviceState) -> tuple[Router, AdvVerifier]:
        keys = state.keys
        verifier = AdvVerifier(keys.identity, keys.adv_secret)
        router = Router(
            own_pn=state.pn,
            own_lid=state.lid,
            push_name=state.push_name or self._push_name,
            decryptor=self._decryptor,
            history_downloader=self._downloader,
            pairing_keys=keys.pairing,
            pairing_verifier=verifier,
            clock=self._clock,
        )
        return router, verifier

    async def _connection(self, bus: CoreEventBus) -> tuple[_Outcome, str, bool]:
        """One connection, start to end: (how it ended, why, whether it had logged in)."""
        assert self._state is not None
        state = self._state
        self._connections += 1
        try:
            ws = await connect_websocket(self.url, ssl_context=self._ssl)
        except ConnectionClosed as err:
            await bus.publish(Disconnected(reason=err.reason))
            return _Outcome.RETRY, err.reason, False
        try:
            session = await self._handshake(ws, state)
        except CertificateInvalid as err:
            await ws.abort()
            _log.error("server certificate refused", reason=err.reason)
            await bus.publish(Disconnected(reason=str(err)))
            raise
        except (WireError, ConnectionClosed) as err:
            await ws.abort()
            await bus.publish(Disconnected(reason=f"handshake failed: {err}"))
            return _Outcome.RETRY, str(err), False
        except BaseException:  # cancelled mid-handshake
            await ws.abort()
            raise
        self._session = session
        router, verifier = self._router(state)
        outcome, reason = _Outcome.RETRY, "the connection ended"
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._keepalive, bus, session)
                tasks.start_soon(self._writer, session)
                try:
                    await self._read(bus, session, router, verifier, tasks)
                except _EndConnection as end:
                    outcome, reason = end.outcome, end.reason
                except ConnectionClosed as err:
                    outcome, reason = _Outcome.RETRY, err.reason
                except WireError as err:  # a corrupt frame: drop this connection, reconnect
                    _log.warning("bad data from the server", error=str(err))
                    outcome, reason = _Outcome.RETRY, f"bad data from the server: {err}"
                tasks.cancel_scope.cancel()
        finally:
            self._session = None
            for _, slot in session.waiters.values():  # requests in flight fail now
                slot.clear()
            for event, _ in session.waiters.values():
                event.set()
            await ws.close(reason)
        if self._stopping:
            return _Outcome.STOP, "stopped", session.logged_in
        if outcome is not _Outcome.RESTART:
            await bus.publish(Disconnected(reason=reason))
        return outcome, reason, session.logged_in

    async def _handshake(self, ws: WebSocket, state: DeviceState) -> _Session:
        keys = state.keys
        verifier = CertificateVerifier(self._roots, clock=self._clock)
        handshake = ClientHandshake(keys.noise, verifier)
        frames = FrameEncoder(routing_info=state.edge_routing_info)
        decoder = FrameDecoder(self._max_frame)
        await ws.send(frames.encode(handshake.client_hello()))
        handshake.receive_server_hello(await self._next_frame(ws, decoder))
        if state.paired:
            assert state.pn is not None
            payload = login_payload(state.pn, version=self._version)
        else:
            payload = registration_payload(keys, version=self._version, push_name=self._push_name)
        await ws.send(frames.encode(handshake.client_finish(payload)))
        return _Session(ws=ws, transport=handshake.transport(), frames=frames, decoder=decoder)

    async def _next_frame(self, ws: WebSocket, decoder: FrameDecoder) -> bytes:
        while (frame := decoder.next_frame()) is None:
            decoder.receive_data(await ws.receive())
        return frame

    async def _read(
        self,
        bus: CoreEventBus,
        session: _Session,
        router: Router,
        verifier: AdvVerifier,
        tasks: anyio.abc.TaskGroup,
    ) -> None:
        while True:
            frame = await self._next_frame(session.ws, session.decoder)
            plaintext = session.transport.decrypt(frame)  # a NoiseDecryptError ends the connection
            try:
                node = decode_node(plaintext)
            except WireError as err:  # the cipher is intact: skip the stanza, keep the connection
                _log.warning("undecodable stanza", error=str(err))
                await bus.publish(MalformedStanza(tag="", reason=f"undecodable stanza: {err}"))
                continue
            await self._before_routing(node, session)
            events = router.route(node)
            await self._after_routing(node, events, bus, session, router, verifier, tasks)
            self._end_if_final(node)

    async def _before_routing(self, node: Node, session: _Session) -> None:
        tag = node.tag
        if tag == "iq":
            answer_to = node.opt_attr("id")
            kind = node.opt_attr("type")
            if kind in ("result", "error") and answer_to in session.waiters:
                event, slot = session.waiters[answer_to]
                slot.append(node)
                event.set()
            elif (kind == "get" and _is_ping(node)) or (
                kind == "set" and node.child("pair-device") is not None
            ):
                result: dict[str, str | Jid] = {
                    "to": SERVER,
                    "type": "result",
                    "id": answer_to or "",
                }
                await self.send_node(Node("iq", result))
        elif tag in ("message", "receipt", "notification", "call") and node.has_attr("id"):
            await self._ack(node)
        elif tag == "success":
            session.logged_in = True

    async def _ack(self, node: Node) -> None:
        attrs: dict[str, str | Jid] = {"class": node.tag, "id": node.attr("id")}
        origin = node.opt_jid("from")
        if origin is not None:
            attrs["to"] = origin
        participant = node.opt_jid("participant")
        if participant is not None:
            attrs["participant"] = participant
        kind = node.opt_attr("type")
        if kind and node.tag != "message":
            attrs["type"] = kind
        # Queued, not written: the writer task sends a burst of acks in one go. If the
        # connection is going away, the server redelivers what was not acknowledged.
        with contextlib.suppress(ConnectionClosed, NotConnected):
            self._queue_node(Node("ack", attrs)).flush_soon.set()

    async def _after_routing(
        self,
        node: Node,
        events: list[BaseEvent],
        bus: CoreEventBus,
        session: _Session,
        router: Router,
        verifier: AdvVerifier,
        tasks: anyio.abc.TaskGroup,
    ) -> None:
        codes = [e for e in events if isinstance(e, PairingQrCode)]
        if codes:
            tasks.start_soon(self._pace_qr_codes, bus, session, codes)
        for event in events:
            if isinstance(event, PairingQrCode):
                continue
            if isinstance(event, PairSuccess):
                await self._paired(event, node, verifier, session)
            await bus.publish(event)
            if isinstance(event, PairError):
                raise _EndConnection(_Outcome.RETRY, f"pairing failed: {event.error}")
            if isinstance(event, LoggedOut):
                await anyio.to_thread.run_sync(self._store.clear)
                self._state = DeviceState.new()
                await anyio.to_thread.run_sync(self._store.save, self._state)
        await self._remember(router)

    async def _paired(
        self, event: PairSuccess, node: Node, verifier: AdvVerifier, session: _Session
    ) -> None:
        assert self._state is not None
        result = verifier.result
        assert result is not None
        self._state = self._state.with_(
            pn=event.id,
            lid=event.lid,
            platform=event.platform,
            business_name=event.business_name,
            account_identity=result.account_identity,
        )
        await anyio.to_thread.run_sync(self._store.save, self._state)
        session.paired_now.set()
        await self.send_node(
            Node(
                "iq",
                {"to": SERVER, "type": "result", "id": node.attr("id")},
                [
                    Node(
                        "pair-device-sign",
                        None,
                        [
                            Node(
                                "device-identity",
                                {"key-index": str(result.key_index)},
                                result.signed_identity,
                            )
                        ],
                    )
                ],
            )
        )

    async def _remember(self, router: Router) -> None:
        """Save what the router learned that the next connection needs."""
        state = self._state
        assert state is not None
        changes: dict[str, object] = {}
        if router.edge_routing_info != state.edge_routing_info:
            changes["edge_routing_info"] = router.edge_routing_info
        if router.own_lid is not None and router.own_lid != state.lid and state.paired:
            changes["lid"] = router.own_lid
        if router.push_name and router.push_name != state.push_name:
            changes["push_name"] = router.push_name
        if changes:
            self._state = state.with_(**changes)
            await anyio.to_thread.run_sync(self._store.save, self._state)

    def _end_if_final(self, node: Node) -> None:
        tag = node.tag
        if tag == "xmlstreamend":
            raise _EndConnection(_Outcome.RETRY, "the server ended the stream")
        if tag == "failure":
            reason = node.opt_int_attr("reason", 0) or 0
            final = reason in (401, 402, 403, 405, 406)
            raise _EndConnection(
                _Outcome.STOP if final else _Outcome.RETRY, f"login failed ({reason})"
            )
        if tag == "stream:error":
            code = node.opt_attr("code", "") or ""
            conflict = node.child("conflict")
            if code == "515":
                raise _EndConnection(_Outcome.RESTART, "the server asked for a restart")
            if conflict is not None or code in ("401", "409", "516"):
                raise _EndConnection(_Outcome.STOP, f"stream ended for good ({code or 'conflict'})")
            raise _EndConnection(_Outcome.RETRY, f"stream error {code}")

    async def _pace_qr_codes(
        self, bus: CoreEventBus, session: _Session, codes: list[PairingQrCode]
    ) -> None:
        for code in codes:
            await bus.publish(code)
            with anyio.move_on_after(code.timeout.total_seconds()):
                await session.paired_now.wait()
            if session.paired_now.is_set():
                return
        _log.info("pairing QR codes ran out")
        await session.ws.close("pairing QR codes ran out")

    async def _writer(self, session: _Session) -> None:
        """Write queued acks whenever the reader lets it run (so a burst shares a write)."""
        while True:
            await session.flush_soon.wait()
            session.flush_soon = anyio.Event()
            try:
                await session.ws.flush()
            except ConnectionClosed:
                return  # the reader sees the same and ends the connection

    async def _keepalive(self, bus: CoreEventBus, session: _Session) -> None:
        misses = 0
        last_success: datetime | None = None
        while True:
            await anyio.sleep(self.keepalive_interval)
            try:
                await self.request(
                    Node("iq", {"to": SERVER, "type": "get", "xmlns": "w:p"}, [Node("ping")]),
                    timeout=self.keepalive_timeout,
                )
            except RequestTimeout:
                misses += 1
                await bus.publish(KeepAliveTimeout(error_count=misses, last_success=last_success))
                if misses >= self.keepalive_misses:
                    _log.warning("keepalive failed", misses=misses)
                    await session.ws.close(f"{misses} keepalive pings went unanswered")
                    return
                continue
            except (ConnectionClosed, NotConnected):
                return
            last_success = self._clock()
            if misses:
                misses = 0
                await bus.publish(KeepAliveRestored())


def _is_ping(node: Node) -> bool:
    return node.opt_attr("xmlns") == "urn:xmpp:ping" or node.child("ping") is not None
