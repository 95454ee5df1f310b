"""`Simulator`: a loopback WhatsApp Web server that speaks the real protocol.

Theory of operation
-------------------

The simulator listens on a loopback port for WebSocket connections and serves each with the
protocol a real server uses: the connection intro and frames, the Noise XX handshake as
responder (signed by the simulator's own root → intermediate → leaf certificate chain; a client
trusts it through `trusted_root`), then binary nodes under the transport ciphers.

- A connection whose ClientPayload carries registration data is *pairing*: the simulator sends
  ``<pair-device>`` with a few refs and waits for the phone to scan. The phone is simulated:
  `scan(code)` takes the QR text (exactly what a real phone reads from the screen), checks it
  belongs to this pairing, and answers with ``<pair-success>``: an ADV device identity signed by
  the simulated phone's account key. When the client signs it back (``<pair-device-sign>``), the
  device is registered and the server asks for a restart (stream error 515), as WhatsApp does.
- A connection with a login payload logs in if that device was paired here (same Noise key,
  same JID): ``<success>``; otherwise ``<failure reason="401">``.

While connected, the simulator acks what the client sends (messages, receipts), answers its
keepalive pings (unless told not to), and records every node for `expect_sent`. Tests and demos
drive it through async methods: `send_message`, `send_node`, `run_scenario`, `send_failure`,
`send_stream_error`, `drop_connection`, and `sync` (a round trip that proves the client has
handled everything sent before it).
"""

from __future__ import annotations

import base64
import binascii
import itertools
from collections import Counter, deque
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Final, final

import anyio
import anyio.abc
import structlog
from google.protobuf.message import DecodeError

from wabus.client import ConnectionClosed, WebSocket, accept_websocket
from wabus.core import EventHandler, Jid, Node, Server, WabusError
from wabus.core.events import PairingQrCode
from wabus.proto.client_pb2 import ClientPayload
from wabus.protocol import (
    FrameDecoder,
    HandshakeFailed,
    KeyPair,
    NoiseTransport,
    RemoteWireError,
    ServerHandshake,
    TrustedRoot,
    WireError,
    decode_node,
    encode_frame,
    encode_node,
    issue_chain,
    sign_device_identity,
    verify_device_signature,
)
from wabus.simulator._scenario import live_stanzas, offline_stanzas, text_message

__all__ = ["AutoScanner", "Simulator", "SimulatorError"]

_log = structlog.get_logger("wabus.simulator")
SERVER: Final = Jid("", Server.USER)
_SUCCESS_T: Final = "1790000000"
_PHONE: Final = Jid("15550000001", Server.USER)
_PHONE_LID: Final = Jid("100000000000001", Server.LID)
_ACKED: Final = frozenset({"message", "receipt", "notification", "call"})  # a client acks these


class SimulatorError(WabusError):
    """A simulator call that cannot be served (no client connected, a QR code not ours, …)."""


@dataclass
class _Device:
    noise: bytes
    identity: bytes
    jid: Jid
    lid: Jid


@dataclass
class _Connection:
    ws: WebSocket
    transport: NoiseTransport
    client_static: bytes
    payload: ClientPayload
    device: _Device | None = None
    refs: tuple[str, ...] = ()
    pairing_iq: str | None = None
    logged_in: bool = False
    waiters: dict[str, tuple[anyio.Event, list[Node]]] = field(default_factory=dict)
    sent_ackable: Counter[tuple[str, str]] = field(default_factory=Counter)
    """How many stanzas of each (class, id) were sent that the client must acknowledge."""
    acked: Counter[tuple[str, str]] = field(default_factory=Counter)
    """How many acks of each (class, id) the client sent."""


@final
class Simulator:
    """A WhatsApp-protocol server on loopback (see the module doc). ``async with`` starts it."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        phone: Jid = _PHONE,
        phone_lid: Jid = _PHONE_LID,
        refs: int = 6,
        keep_sent: int = 10_000,
    ) -> None:
        self.host = host
        self.port = port
        self.phone = phone
        self.phone_lid = phone_lid
        self.refs = refs
        self.respond_to_pings = True
        """Whether keepalive pings are answered (turn off to test keepalive timeouts)."""
        self.tamper_next_pairing = False
        """Make the next ``<pair-success>`` fail verification (to produce a `PairError`)."""
        self._root = KeyPair.generate()
        self._intermediate = KeyPair.generate()
        self._static = KeyPair.generate()
        self._account = KeyPair.generate()
        self._chain = issue_chain(self._root, self._intermediate, self._static.public)
        self._devices: dict[bytes, _Device] = {}
        self._device_numbers = itertools.count(11)
        self._ids = itertools.count(1)
        self._connection: _Connection | None = None
        self._changed: anyio.Event | None = None
        self._received: deque[Node] = deque(maxlen=keep_sent)  # bounded: it may run for days
        self._received_total = 0
        self._task_group: anyio.abc.TaskGroup | None = None
        self._stack: AsyncExitStack | None = None

    # Lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Simulator:
        if self._stack is not None:
            raise SimulatorError("the simulator is already running")
        self._changed = anyio.Event()
        async with AsyncExitStack() as stack:
            listener = await anyio.create_tcp_listener(local_host=self.host, local_port=self.port)
            stack.push_async_callback(listener.aclose)
            self.port = listener.extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610
            self._task_group = await stack.enter_async_context(anyio.create_task_group())
            self._task_group.start_soon(listener.serve, self._serve)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        stack, task_group = self._stack, self._task_group
        assert stack is not None
        assert task_group is not None
        task_group.cancel_scope.cancel()
        self._stack = self._task_group = None
        self._connection = None
        await stack.aclose()  # an error of the body propagates by itself

    @property
    def url(self) -> str:
        """The WebSocket URL to give the client."""
        return f"ws://{self.host}:{self.port}/ws/chat"

    @property
    def trusted_root(self) -> TrustedRoot:
        """The root a client must trust to accept this simulator's certificates."""
        return TrustedRoot(serial=0, key=self._root.public)

    @property
    def connected(self) -> bool:
        """Whether a client is logged in right now."""
        return self._connection is not None and self._connection.logged_in

    @property
    def sent(self) -> tuple[Node, ...]:
        """The nodes clients have sent, in order: the last `keep_sent` of them."""
        return tuple(self._received)

    @property
    def sent_count(self) -> int:
        """How many nodes clients have sent so far (a `start` for `expect_sent`)."""
        return self._received_total

    @property
    def paired_devices(self) -> tuple[Jid, ...]:
        """The device JIDs paired here."""
        return tuple(d.jid for d in self._devices.values())

    # Driving it ---------------------------------------------------------------------------

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Wait until a client is logged in."""
        with anyio.fail_after(timeout):
            while not self.connected:
                await self._wait_change()

    async def wait_disconnected(self, timeout: float = 10.0) -> None:
        """Wait until no client is connected."""
        with anyio.fail_after(timeout):
            while self._connection is not None:
                await self._wait_change()

    async def _wait_change(self) -> None:
        assert self._changed is not None
        await self._changed.wait()

    def _notify(self) -> None:
        changed = self._changed
        self._changed = anyio.Event()
        if changed is not None:
            changed.set()

    def _current(self) -> _Connection:
        if self._connection is None:
            raise SimulatorError("no client is connected")
        return self._connection

    async def send_node(self, node: Node) -> None:
        """Send one stanza to the connected client."""
        await self._send(self._current(), node)

    async def send_message(
        self, sender: Jid, text: str, *, chat: Jid | None = None, push_name: str = ""
    ) -> str:
        """Send a text message (a plaintext body) from `sender`; returns its id."""
        message_id = f"SIM{next(self._ids):06d}"
        await self.send_node(text_message(sender, text, message_id, chat=chat, push_name=push_name))
        return message_id

    async def run_scenario(self, interval: float = 0.0) -> int:
        """Send the scenario (offline delivery, then live traffic), `interval` seconds apart;
        returns the stanza count. Waits until the client has handled all of it (see `sync`).
        """
        device = self._current().device
        assert device is not None
        stanzas = offline_stanzas(device.jid) + live_stanzas(device.jid)
        for index, node in enumerate(stanzas):
            if interval and index:
                await anyio.sleep(interval)
            await self.send_node(node)
        await self.sync()
        return len(stanzas)

    async def send_failure(self, reason: int, **attrs: str) -> None:
        """Send ``<failure reason=…>`` (the server refuses or ends the session)."""
        await self.send_node(Node("failure", {"reason": str(reason), **attrs}))

    async def send_stream_error(self, code: str = "", *, conflict: str | None = None) -> None:
        """Send ``<stream:error>`` with a code, or a ``<conflict type=…>`` child."""
        children = [Node("conflict", {"type": conflict})] if conflict else None
        await self.send_node(Node("stream:error", {"code": code} if code else None, children))

    async def send_raw_frame(self, payload: bytes, *, encrypt: bool = False) -> None:
        """Send one frame carrying `payload` as is: by default not encrypted (so the client's
        Noise transport rejects it), or encrypted (so only the node inside is bad)."""
        connection = self._current()
        data = connection.transport.encrypt(payload) if encrypt else payload
        connection.ws.send_nowait(encode_frame(data))
        await connection.ws.flush()

    async def drop_connection(self) -> None:
        """Cut the current connection at once (no close frame, as a network failure would)."""
        connection = self._current()
        self._connection = None
        await connection.ws.abort()
        self._notify()

    async def sync(self, timeout: float = 10.0) -> None:
        """Wait until the client has read everything sent before, and acknowledged (so
        handled) every message, receipt, notification and call among it.

        A ping round trip proves the reading (the client answers pings at once); the acks
        prove the handling (a client acknowledges a stanza once its handlers are done).
        Stanzas that are never acknowledged (presence, chat state, ``<ib>``) are covered
        when something acknowledged follows them.
        """
        connection = self._current()
        waiting = {
            key: sent
            for key, sent in connection.sent_ackable.items()
            if connection.acked[key] < sent
        }
        with anyio.fail_after(timeout):
            await self._request(
                connection,
                Node(
                    "iq", {"from": SERVER, "type": "get", "xmlns": "urn:xmpp:ping"}, [Node("ping")]
                ),
                timeout,
            )
            while self._connection is connection and any(
                connection.acked[key] < sent for key, sent in waiting.items()
            ):
                await self._wait_change()

    async def expect_sent(
        self, match: str | Callable[[Node], bool], *, timeout: float = 10.0, start: int = 0
    ) -> Node:
        """The first node a client sent with this tag or that matches, counting from the
        `start`-th node ever sent (take it from `sent_count` before acting)."""
        predicate = (lambda n: n.tag == match) if isinstance(match, str) else match
        with anyio.fail_after(timeout):
            while True:
                first = self._received_total - len(self._received)  # the oldest one kept
                for node in itertools.islice(self._received, max(0, start - first), None):
                    if predicate(node):
                        return node
                await self._wait_change()

    def scan(self, code: str) -> None:
        """Scan a pairing QR code, as the phone would: pairs the connection that showed it."""
        connection = self._current_pairing()
        try:
            ref, noise, identity, adv = code.split(",")
            noise_key = base64.b64decode(noise, validate=True)
            identity_key = base64.b64decode(identity, validate=True)
            adv_secret = base64.b64decode(adv, validate=True)
        except (ValueError, binascii.Error) as err:
            raise SimulatorError(f"not a pairing QR code: {code!r}") from err
        if ref not in connection.refs:
            raise SimulatorError(f"ref {ref!r} was not issued to the pairing client")
        if connection.device is not None:
            raise SimulatorError("this pairing was already scanned")
        if noise_key != connection.client_static:
            raise SimulatorError("the QR code's Noise key is not the pairing client's")
        if identity_key != connection.payload.devicePairingData.eIdent:
            raise SimulatorError("the QR code's identity key is not the one the client registered")
        number = next(self._device_numbers)
        device = _Device(
            noise=noise_key,
            identity=identity_key,
            jid=self.phone.with_device(number),
            lid=self.phone_lid.with_device(number),
        )
        connection.device = device
        secret = bytes(32) if self.tamper_next_pairing else adv_secret
        self.tamper_next_pairing = False
        proof = sign_device_identity(self._account, identity_key, secret, key_index=1)
        assert self._task_group is not None
        self._task_group.start_soon(
            self._send,
            connection,
            Node(
                "iq",
                {"from": SERVER, "type": "set", "id": self._new_id(), "xmlns": "md"},
                [
                    Node(
                        "pair-success",
                        None,
                        [
                            Node("device-identity", {"key-index": "1"}, proof),
                            Node("platform", {"name": "android"}),
                            Node("biz", {"name": ""}),
                            Node("device", {"jid": device.jid, "lid": device.lid}),
                        ],
                    )
                ],
            ),
        )

    def _current_pairing(self) -> _Connection:
        connection = self._connection
        if connection is None or not connection.refs:
            raise SimulatorError("no client is waiting to pair")
        return connection

    def _new_id(self) -> str:
        return f"sim-{next(self._ids)}"

    # Serving ------------------------------------------------------------------------------

    async def _serve(self, stream: anyio.abc.SocketStream) -> None:
        try:
            ws = await accept_websocket(stream)
        except ConnectionClosed:
            return
        try:
            await self._serve_websocket(ws)
        finally:
            await ws.abort()

    async def _serve_websocket(self, ws: WebSocket) -> None:
        decoder = FrameDecoder(expect_intro=True)
        try:
            connection = await self._handshake(ws, decoder)
        except (WireError, ConnectionClosed) as err:
            _log.debug("simulator: handshake failed", error=str(err))
            return
        previous, self._connection = self._connection, connection
        if previous is not None:  # a new connection replaces the old one
            await previous.ws.abort()
        self._notify()
        try:
            if connection.payload.HasField("devicePairingData"):
                await self._start_pairing(connection)
            elif not await self._log_in(connection):
                return
            await self._read(connection, decoder)
        except (ConnectionClosed, RemoteWireError) as err:
            _log.debug("simulator: client connection ended", reason=str(err))
        except WireError as err:  # the client sent something broken: drop it, keep serving
            _log.warning("simulator: bad data from a client", error=str(err))
        finally:
            if self._connection is connection:
                self._connection = None
            self._notify()

    async def _handshake(self, ws: WebSocket, decoder: FrameDecoder) -> _Connection:
        handshake = ServerHandshake(self._static)
        handshake.receive_client_hello(await self._next_frame(ws, decoder))
        await ws.send(encode_frame(handshake.server_hello(self._chain)))
        finish = handshake.receive_client_finish(await self._next_frame(ws, decoder))
        try:
            payload = ClientPayload.FromString(finish)
        except DecodeError as err:
            raise HandshakeFailed(f"the client's payload is not a ClientPayload ({err})") from None
        assert handshake.remote_static is not None
        return _Connection(ws, handshake.transport(), handshake.remote_static, payload)

    async def _next_frame(self, ws: WebSocket, decoder: FrameDecoder) -> bytes:
        while (frame := decoder.next_frame()) is None:
            decoder.receive_data(await ws.receive())
        return frame

    async def _send(self, connection: _Connection, node: Node) -> None:
        # Encrypt and queue with no await between: frames leave in counter order, no lock.
        connection.ws.send_nowait(encode_frame(connection.transport.encrypt(encode_node(node))))
        if node.tag in _ACKED and node.has_attr("id"):
            connection.sent_ackable[node.tag, node.attr("id")] += 1
        await connection.ws.flush()

    async def _request(self, connection: _Connection, node: Node, timeout: float) -> Node:
        request_id = self._new_id()
        waiter: tuple[anyio.Event, list[Node]] = (anyio.Event(), [])
        connection.waiters[request_id] = waiter
        try:
            await self._send(
                connection, Node(node.tag, {**node.attrs, "id": request_id}, node.content)
            )
            with anyio.fail_after(timeout):
                await waiter[0].wait()
        finally:
            connection.waiters.pop(request_id, None)
        return waiter[1][0]

    async def _start_pairing(self, connection: _Connection) -> None:
        connection.refs = tuple(f"2@sim-ref-{next(self._ids)}" for _ in range(self.refs))
        connection.pairing_iq = self._new_id()
        await self._send(
            connection,
            Node(
                "iq",
                {"from": SERVER, "type": "set", "id": connection.pairing_iq, "xmlns": "md"},
                [Node("pair-device", None, [Node("ref", None, ref) for ref in connection.refs])],
            ),
        )

    async def _log_in(self, connection: _Connection) -> bool:
        payload = connection.payload
        device = self._devices.get(connection.client_static)
        expected = (int(device.jid.user), device.jid.device) if device is not None else None
        if device is None or expected != (payload.username, payload.device):
            await self._send(connection, Node("failure", {"reason": "401"}))
            return False
        connection.device = device
        connection.logged_in = True
        await self._send(
            connection,
            Node("success", {"t": _SUCCESS_T, "props": "27", "location": "sim", "lid": device.lid}),
        )
        self._notify()
        return True

    async def _read(self, connection: _Connection, decoder: FrameDecoder) -> None:
        while True:
            node = decode_node(
                connection.transport.decrypt(await self._next_frame(connection.ws, decoder))
            )
            self._received.append(node)
            self._received_total += 1
            await self._handle(connection, node)
            self._notify()

    async def _handle(self, connection: _Connection, node: Node) -> None:
        tag = node.tag
        if tag == "iq":
            request_id = node.opt_attr("id") or ""
            if request_id in connection.waiters:
                event, slot = connection.waiters[request_id]
                slot.append(node)
                event.set()
            elif node.opt_attr("type") == "get" and node.child("ping") is not None:
                if self.respond_to_pings:
                    await self._send(
                        connection, Node("iq", {"from": SERVER, "type": "result", "id": request_id})
                    )
            elif node.child("pair-device-sign") is not None:
                await self._finish_pairing(connection, node)
        elif tag == "ack":
            connection.acked[node.opt_attr("class") or "", node.opt_attr("id") or ""] += 1
        elif tag in ("message", "receipt") and node.has_attr("id"):
            await self._send(
                connection,
                Node(
                    "ack",
                    {"class": tag, "id": node.attr("id"), "from": node.opt_attr("to") or SERVER},
                ),
            )

    async def _finish_pairing(self, connection: _Connection, node: Node) -> None:
        device = connection.device
        identity = node.require_child("pair-device-sign").require_child("device-identity")
        if device is None or not verify_device_signature(
            identity.bytes_content or b"", device.identity, self._account.public
        ):
            await self._send(connection, Node("stream:error", {"code": "401"}))
            raise ConnectionClosed("the companion's device signature does not verify")
        self._devices[device.noise] = device
        connection.refs = ()
        await self._send(connection, Node("stream:error", {"code": "515"}))
        raise ConnectionClosed("paired: the client must log in again")


class AutoScanner(EventHandler):
    """A simulated phone that scans the pairing QR code it is shown, after `delay` seconds.

    Add it to a bot running against the simulator (``.with_handler(AutoScanner(sim))``) so
    pairing completes by itself; or scan by hand with `Simulator.scan`. Each pairing connection
    is scanned once (its later, rotated codes are ignored).
    """

    def __init__(self, simulator: Simulator, delay: float = 0.5) -> None:
        self._simulator = simulator
        self._delay = delay
        self.scans = 0
        """How many pairings it scanned."""

    async def on_pairing_qr_code(self, event: PairingQrCode) -> None:
        await anyio.sleep(self._delay)
        try:
            self._simulator.scan(event.code)
        except SimulatorError:
            return  # already scanned, or the connection is gone: nothing to do
        self.scans += 1
