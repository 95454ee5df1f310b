"""`Connection`: one WhatsApp Web session as a sans-IO object, for either end.

Theory of operation
-------------------

A connection owns every layer between the WebSocket and the stanzas, and the rules that tie
them together, for both roles (h11's model: bytes in, typed events and bytes out, no I/O):

- frames (`FrameDecoder`, `FrameEncoder`) and the Noise XX handshake (`ClientHandshake` as
  initiator, `ServerHandshake` as responder), then the Noise transport;
- binary nodes (`decode_node`, `encode_node`) and, in the client role, the `Router`;
- request/response matching by id (`request` returns the id; the reply comes back as
  `ReplyReceived` instead of as a stanza);
- the ping policy (a ping from the peer is answered at once while `answer_pings` is set) and
  the ack policy (`ack` builds the acknowledgement the protocol expects for a stanza);
- the session's lifecycle, a table over `State` (below), and what a session-ending stanza
  means (`session_end`): `SessionEnded` says whether to stop, retry or restart.

The verbs are small: `receive_data(bytes)` returns the events the bytes complete; `send(node)`
and `request(node)` queue a stanza; `data_to_send()` hands out what to write, one WebSocket
message per item. Nothing is ever written or read here: a driver (the `Client`, the
`Simulator`) moves the bytes, and decides what to do with the events.

Lifecycle. Every stanza, received or sent, is an `Input` (by its tag), and the table of the
connection's role gives the next `State`::

    HANDSHAKE --(hello, finish)--> CONNECTED --pair-device--> PAIRING --pair-success--> PAIRED
                                      |                                                  |
                                      +--success--> LOGGED_IN        (restart, 515) ----+
    any open state --failure / stream:error / xmlstreamend--> CLOSED

While PAIRING, the server may also send the phone's half of a pair-code login (a
``link_code_companion_reg`` notification), which the client acknowledges; the state stays
PAIRING.

An input the table has no row for is a protocol violation: `RemoteProtocolError` when the
peer sent it (a server that sends a message before ``<success>``), `LocalProtocolError` when
we did (a message sent before logging in). Either moves the connection to CLOSED. Bytes that
arrive after CLOSED are ignored; sending after it is a `LocalProtocolError`.

Bad data is contained where it can be: a node that does not decode inside an intact cipher
becomes a `StanzaReceived` carrying a `MalformedStanza` (the connection goes on); a frame that
does not decrypt, an oversized frame or a bad handshake raises its `WireError`, after which the
connection is CLOSED (the ciphers can no longer agree).
"""

from __future__ import annotations

import enum
import itertools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, TypeAlias, final

from google.protobuf.message import DecodeError

from wabus.core import Jid, Node, Server
from wabus.core.events import BaseEvent, MalformedStanza, PairError, PairSuccess
from wabus.proto.client_pb2 import ClientPayload
from wabus.protocol._binary import decode_node, encode_ack, encode_node
from wabus.protocol._errors import (
    HandshakeFailed,
    LocalProtocolError,
    LocalWireError,
    RemoteProtocolError,
    WireError,
)
from wabus.protocol._frame import MAX_FRAME_SIZE, FrameDecoder, FrameEncoder, encode_frame
from wabus.protocol._keys import KeyPair
from wabus.protocol._noise import ClientHandshake, NoiseTransport, ServerHandshake
from wabus.protocol._pairing import AdvVerifier
from wabus.protocol._router import Router
from wabus.protocol._session_end import SESSION_ENDING_TAGS, Outcome, session_end

__all__ = [
    "ACKED_TAGS",
    "TABLES",
    "Connection",
    "ConnectionEvent",
    "HandshakeComplete",
    "Input",
    "ReplyReceived",
    "Role",
    "SessionEnded",
    "StanzaReceived",
    "State",
    "classify",
]

SERVER_JID: Final = Jid("", Server.USER)
ACKED_TAGS: Final = frozenset({"message", "receipt", "notification", "call"})
"""Stanzas the receiving end acknowledges (when they carry an id)."""


class Role(enum.Enum):
    """Which end of the connection this object plays."""

    CLIENT = "client"
    SERVER = "server"


class State(enum.Enum):
    """Where a session is in its life (see the module doc)."""

    HANDSHAKE = "handshake"
    CONNECTED = "connected"
    """The transport is up; the server has not yet said pairing or login."""
    PAIRING = "pairing"
    """QR refs were issued; waiting for the phone."""
    PAIRED = "paired"
    """The phone paired the device; the server will ask for a restart."""
    LOGGED_IN = "logged in"
    CLOSED = "closed"


class Input(enum.Enum):
    """What moves the lifecycle: the kind of a stanza, by who sent it, or a local act."""

    HANDSHAKE_DONE = "handshake done"
    RECEIVED_PAIR_DEVICE = "received pair-device"
    RECEIVED_PAIR_SUCCESS = "received pair-success"
    RECEIVED_PAIR_CODE = "received the phone's pair-code notification"
    RECEIVED_SUCCESS = "received success"
    RECEIVED_END = "received a session end"
    RECEIVED_IQ = "received iq"
    RECEIVED_INFO = "received ib"
    RECEIVED_TRAFFIC = "received traffic"
    SENT_PAIR_DEVICE = "sent pair-device"
    SENT_PAIR_SUCCESS = "sent pair-success"
    SENT_PAIR_CODE = "sent the phone's pair-code notification"
    SENT_SUCCESS = "sent success"
    SENT_END = "sent a session end"
    SENT_IQ = "sent iq"
    SENT_INFO = "sent ib"
    SENT_TRAFFIC = "sent traffic"
    CLOSE = "closed locally"


_S = State
_I = Input
_OPEN: Final = (_S.CONNECTED, _S.PAIRING, _S.PAIRED, _S.LOGGED_IN)


def _rows(*states: State, on: Input, to: State | None = None) -> dict[tuple[State, Input], State]:
    """Rows for `on` in each of `states`: to `to`, or staying where it is."""
    return {(state, on): to or state for state in states}


# The client's table: the server leads (pairing or login), the client follows.
_CLIENT_TABLE: Final[Mapping[tuple[State, Input], State]] = {
    (_S.HANDSHAKE, _I.HANDSHAKE_DONE): _S.CONNECTED,
    **_rows(_S.CONNECTED, _S.PAIRING, on=_I.RECEIVED_PAIR_DEVICE, to=_S.PAIRING),
    (_S.PAIRING, _I.RECEIVED_PAIR_SUCCESS): _S.PAIRED,
    **_rows(_S.PAIRING, on=_I.RECEIVED_PAIR_CODE),
    **_rows(_S.PAIRING, _S.PAIRED, on=_I.SENT_PAIR_CODE),  # its ack, which may come late
    (_S.CONNECTED, _I.RECEIVED_SUCCESS): _S.LOGGED_IN,
    (_S.LOGGED_IN, _I.RECEIVED_SUCCESS): _S.LOGGED_IN,
    **_rows(*_OPEN, on=_I.RECEIVED_END, to=_S.CLOSED),
    **_rows(*_OPEN, on=_I.RECEIVED_IQ),
    **_rows(*_OPEN, on=_I.RECEIVED_INFO),
    **_rows(_S.LOGGED_IN, on=_I.RECEIVED_TRAFFIC),
    **_rows(*_OPEN, on=_I.SENT_IQ),
    **_rows(*_OPEN, on=_I.SENT_INFO),
    **_rows(_S.LOGGED_IN, on=_I.SENT_TRAFFIC),
    **_rows(_S.HANDSHAKE, *_OPEN, on=_I.CLOSE, to=_S.CLOSED),
}

# The server's table: it leads by what it sends.
_SERVER_TABLE: Final[Mapping[tuple[State, Input], State]] = {
    (_S.HANDSHAKE, _I.HANDSHAKE_DONE): _S.CONNECTED,
    **_rows(_S.CONNECTED, _S.PAIRING, on=_I.SENT_PAIR_DEVICE, to=_S.PAIRING),
    (_S.PAIRING, _I.SENT_PAIR_SUCCESS): _S.PAIRED,
    **_rows(_S.PAIRING, on=_I.SENT_PAIR_CODE),
    # Its ack may come after the pair-success (Baileys acks once it has answered).
    **_rows(_S.PAIRING, _S.PAIRED, on=_I.RECEIVED_PAIR_CODE),
    (_S.CONNECTED, _I.SENT_SUCCESS): _S.LOGGED_IN,
    **_rows(*_OPEN, on=_I.SENT_END, to=_S.CLOSED),
    **_rows(*_OPEN, on=_I.SENT_IQ),
    **_rows(*_OPEN, on=_I.SENT_INFO),
    **_rows(_S.LOGGED_IN, on=_I.SENT_TRAFFIC),
    **_rows(*_OPEN, on=_I.RECEIVED_IQ),
    **_rows(_S.PAIRED, _S.LOGGED_IN, on=_I.RECEIVED_INFO),
    # A companion that has just paired may already speak (Baileys sends its presence before
    # the restart); the server takes it in and says nothing.
    **_rows(_S.PAIRED, _S.LOGGED_IN, on=_I.RECEIVED_TRAFFIC),
    **_rows(_S.HANDSHAKE, *_OPEN, on=_I.CLOSE, to=_S.CLOSED),
}

TABLES: Final[Mapping[Role, Mapping[tuple[State, Input], State]]] = {
    Role.CLIENT: _CLIENT_TABLE,
    Role.SERVER: _SERVER_TABLE,
}
"""Each role's lifecycle table: (state, input) → next state."""


def classify(node: Node, *, received: bool) -> Input:
    """The lifecycle input one stanza is."""
    tag = node.tag
    if tag == "iq":
        child = node.nodes[0] if node.nodes else None
        if child is not None and node.opt_attr("type") == "set":
            if child.tag == "pair-device":
                return _I.RECEIVED_PAIR_DEVICE if received else _I.SENT_PAIR_DEVICE
            if child.tag == "pair-success":
                return _I.RECEIVED_PAIR_SUCCESS if received else _I.SENT_PAIR_SUCCESS
        return _I.RECEIVED_IQ if received else _I.SENT_IQ
    if tag == "success":
        return _I.RECEIVED_SUCCESS if received else _I.SENT_SUCCESS
    if tag in SESSION_ENDING_TAGS:
        return _I.RECEIVED_END if received else _I.SENT_END
    if tag == "ib":
        return _I.RECEIVED_INFO if received else _I.SENT_INFO
    if node.opt_attr("type") == "link_code_companion_reg" and (
        tag == "notification" or (tag == "ack" and node.opt_attr("class") == "notification")
    ):  # the phone's half of a pair-code login, and its ack
        return _I.RECEIVED_PAIR_CODE if received else _I.SENT_PAIR_CODE
    return _I.RECEIVED_TRAFFIC if received else _I.SENT_TRAFFIC


# Events ------------------------------------------------------------------------------------


@final
@dataclass(frozen=True, slots=True)
class HandshakeComplete:
    """The Noise handshake is done; stanzas flow from now on."""

    remote_static: bytes
    """The peer's static Noise key (the server's; or the client's, which identifies a device)."""
    payload: ClientPayload | None = None
    """The client's `ClientPayload` (server role only): registration data, or a login."""


@final
@dataclass(frozen=True, slots=True)
class StanzaReceived:
    """One stanza (or one undecodable frame, `node` None) with the events it means.

    In the client role `events` are the `Router`'s; in the server role they are empty, except
    a `MalformedStanza` for an undecodable node. `needs_ack` says the protocol expects an
    acknowledgement (see `Connection.ack`).
    """

    node: Node | None
    events: tuple[BaseEvent, ...] = ()
    needs_ack: bool = False


@final
@dataclass(frozen=True, slots=True)
class ReplyReceived:
    """The answer (``<iq type=result|error>``) to a request made with `Connection.request`."""

    request_id: str
    node: Node


@final
@dataclass(frozen=True, slots=True)
class SessionEnded:
    """The session is over (the connection is CLOSED): what to do next, and why."""

    outcome: Outcome
    reason: str


ConnectionEvent: TypeAlias = HandshakeComplete | StanzaReceived | ReplyReceived | SessionEnded

_request_numbers = itertools.count(1)


def _is_ping(node: Node) -> bool:
    if node.opt_attr("type") != "get":
        return False
    return node.opt_attr("xmlns") == "urn:xmpp:ping" or node.child("ping") is not None


@final
class Connection:
    """One session's protocol, client or server side (see the module doc).

    Build one with `Connection.client` or `Connection.server`, never directly.
    """

    def __init__(
        self,
        role: Role,
        *,
        handshake: ClientHandshake | ServerHandshake,
        frames: FrameDecoder,
        router: Router | None = None,
        pairing: AdvVerifier | None = None,
        payload: bytes = b"",
        certificate: bytes = b"",
        routing_info: bytes | None = None,
    ) -> None:
        self.role = role
        self.state = State.HANDSHAKE
        self.answer_pings = True
        """Whether pings from the peer are answered at once (else they arrive as stanzas)."""
        self.router = router
        self._table = TABLES[role]
        self._handshake: ClientHandshake | ServerHandshake | None = handshake
        self._decoder = frames
        self._encoder = FrameEncoder(routing_info) if role is Role.CLIENT else None
        self._pairing = pairing
        self._payload = payload
        self._certificate = certificate
        self._transport: NoiseTransport | None = None
        self._hello_received = False
        self._outbox: list[bytes] = []
        self._pending: set[str] = set()
        self._prefix = os.urandom(2).hex()
        self.frames_received = 0
        """Frames taken off the wire so far (any frame is a sign of life)."""
        self.has_logged_in = False
        """Whether this connection reached LOGGED_IN (it stays True after it closes)."""
        self.error: WireError | None = None
        """The error that closed the connection while reading, once the events before it
        were handed out (`receive_data` raises it on its next call)."""
        if router is not None:
            router.reset()

    # Construction ------------------------------------------------------------------------

    @classmethod
    def client(
        cls,
        *,
        noise_key: KeyPair,
        verify_certificate: Callable[[bytes, bytes], None],
        payload: bytes,
        router: Router | None = None,
        pairing: AdvVerifier | None = None,
        routing_info: bytes | None = None,
        max_frame_size: int = MAX_FRAME_SIZE,
    ) -> Connection:
        """The companion's side. `payload` is the serialised `ClientPayload` (registration or
        login); `verify_certificate(server_static, chain)` must raise to refuse the server;
        `router` turns stanzas into events; `pairing` checks a pair-success and signs it back.
        The intro and ClientHello are queued at once (see `data_to_send`)."""
        connection = cls(
            Role.CLIENT,
            handshake=ClientHandshake(noise_key, verify_certificate),
            frames=FrameDecoder(max_frame_size),
            router=router,
            pairing=pairing,
            payload=payload,
            routing_info=routing_info,
        )
        assert isinstance(connection._handshake, ClientHandshake)
        connection._queue_frame(connection._handshake.client_hello())
        return connection

    @classmethod
    def server(
        cls, *, static_key: KeyPair, certificate: bytes, max_frame_size: int = MAX_FRAME_SIZE
    ) -> Connection:
        """The server's side: `static_key` and its serialised certificate chain."""
        return cls(
            Role.SERVER,
            handshake=ServerHandshake(static_key),
            frames=FrameDecoder(max_frame_size, expect_intro=True),
            certificate=certificate,
        )

    # Asking ------------------------------------------------------------------------------

    @property
    def logged_in(self) -> bool:
        """Whether the session is logged in."""
        return self.state is State.LOGGED_IN

    @property
    def closed(self) -> bool:
        """Whether the session is over."""
        return self.state is State.CLOSED

    @property
    def routing_info(self) -> bytes | None:
        """The edge-routing token the client sent before its header (server role)."""
        return self._decoder.routing_info

    @property
    def pending_requests(self) -> frozenset[str]:
        """The ids of requests still waiting for their reply."""
        return frozenset(self._pending)

    # Receiving ---------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> list[ConnectionEvent]:
        """Take bytes from the peer; return the events they complete, in order.

        Raises a `WireError` (`NoiseDecryptError`, `FrameTooLarge`, `HandshakeFailed`,
        `CertificateInvalid`, `RemoteProtocolError`) when the connection cannot go on; it is
        CLOSED then. When good frames came before the bad one, their events are returned
        first, the error is kept in `error`, and the next call raises it. Bytes after CLOSED
        are ignored.
        """
        if self.error is not None:
            raise self.error
        if self.state is State.CLOSED:
            return []
        events: list[ConnectionEvent] = []
        try:
            self._decoder.receive_data(data)
            while not self.closed and (frame := self._decoder.next_frame()) is not None:
                self.frames_received += 1
                if self._transport is None:
                    self._handshake_step(frame, events)
                else:
                    self._stanza(self._transport.decrypt(frame), events)
        except WireError as err:
            self.state = State.CLOSED
            if not events:
                raise
            self.error = err  # hand out what came before it first
        return events

    def _handshake_step(self, frame: bytes, events: list[ConnectionEvent]) -> None:
        handshake = self._handshake
        if isinstance(handshake, ClientHandshake):
            handshake.receive_server_hello(frame)
            self._queue_frame(handshake.client_finish(self._payload))
            self._transport = handshake.transport()
            assert handshake.remote_static is not None
            events.append(HandshakeComplete(handshake.remote_static))
        else:
            assert isinstance(handshake, ServerHandshake)
            if not self._hello_received:
                self._hello_received = True
                handshake.receive_client_hello(frame)
                self._queue_frame(handshake.server_hello(self._certificate))
                return
            finish = handshake.receive_client_finish(frame)
            try:
                payload = ClientPayload.FromString(finish)
            except DecodeError as err:
                raise HandshakeFailed(
                    f"the client's payload is not a ClientPayload ({err})"
                ) from None
            self._transport = handshake.transport()
            assert handshake.remote_static is not None
            events.append(HandshakeComplete(handshake.remote_static, payload))
        self._handshake = None
        self._move(Input.HANDSHAKE_DONE, "handshake")

    def _stanza(self, plaintext: bytes, events: list[ConnectionEvent]) -> None:
        try:
            node = decode_node(plaintext)
        except WireError as err:  # the cipher is intact: report the stanza, keep the connection
            bad = MalformedStanza(
                tag="", reason=f"undecodable stanza: {err}", error=type(err).__name__
            )
            events.append(StanzaReceived(None, (bad,)))
            return
        tag = node.tag
        if tag == "iq":
            kind = node.opt_attr("type")
            request_id = node.opt_attr("id") or ""
            if kind in ("result", "error") and request_id in self._pending:
                self._pending.discard(request_id)
                events.append(ReplyReceived(request_id, node))
                return
        what = classify(node, received=True)
        self._move(what, tag)
        routed: tuple[BaseEvent, ...] = ()
        if self.router is not None:
            routed = tuple(self.router.route(node))
        if tag == "iq" and self.answer_pings and _is_ping(node):
            self._reply(node)
        elif what is Input.RECEIVED_PAIR_DEVICE and self.role is Role.CLIENT:
            self._reply(node)  # the server waits for this before it shows refs
        events.append(
            StanzaReceived(node, routed, needs_ack=tag in ACKED_TAGS and node.has_attr("id"))
        )
        if what is Input.RECEIVED_END:
            events.append(self._end(node))
        elif (
            self.role is Role.CLIENT
            and what is Input.RECEIVED_PAIR_SUCCESS
            and not any(isinstance(e, PairSuccess) for e in routed)
        ):
            self.state = State.CLOSED
            errors = [e.error for e in routed if isinstance(e, PairError)]
            reason = f"pairing failed: {errors[0]}" if errors else "pairing failed"
            events.append(SessionEnded(Outcome.RETRY, reason))

    def _end(self, node: Node) -> SessionEnded:
        try:
            end = session_end(node)
        except ValueError as err:  # malformed: the server still ends the session
            return SessionEnded(Outcome.RETRY, f"the session ended ({err})")
        return SessionEnded(end.outcome, end.reason)

    def _move(self, what: Input, tag: str) -> None:
        state = self.state
        following = self._table.get((state, what))
        if following is None:
            self.state = State.CLOSED
            local = what.name.startswith("SENT") or what is Input.CLOSE
            error = LocalProtocolError if local else RemoteProtocolError
            raise error(state, what, tag)
        self.state = following
        if following is State.LOGGED_IN:
            self.has_logged_in = True

    # Sending -----------------------------------------------------------------------------

    def can_send(self, node: Node) -> bool:
        """Whether the lifecycle allows sending `node` now (`send` would not refuse it)."""
        if self._transport is None or self.state is State.CLOSED:
            return False
        return (self.state, classify(node, received=False)) in self._table

    @property
    def pairing(self) -> AdvVerifier | None:
        """The pair-success verifier (client role), holding the verified result."""
        return self._pairing

    def send(self, node: Node) -> None:
        """Queue one stanza (encode, encrypt, frame). Raises `LocalProtocolError` when the
        lifecycle does not allow it now (the connection is then CLOSED), and
        `UnencodableNode` for a node that cannot be encoded (nothing is queued)."""
        if self._transport is None or self.state is State.CLOSED:
            raise LocalProtocolError(self.state, classify(node, received=False), node.tag)
        data = encode_node(node)
        self._move(classify(node, received=False), node.tag)
        self._queue_frame(self._transport.encrypt(data))

    def request(self, node: Node) -> str:
        """Queue an ``<iq>`` whose reply comes back as `ReplyReceived`; returns its id (the
        node's own, or a new one)."""
        request_id = node.opt_attr("id") or self._new_id()
        if not node.has_attr("id"):
            node = Node(node.tag, {**node.attrs, "id": request_id}, node.content)
        self._pending.add(request_id)
        try:
            self.send(node)
        except Exception:
            self._pending.discard(request_id)
            raise
        return request_id

    def forget_request(self, request_id: str) -> None:
        """Stop waiting for a reply (a request that timed out); a late reply is a stanza."""
        self._pending.discard(request_id)

    def ack(self, node: Node, **extra: str | Jid) -> None:
        """Queue the acknowledgement of a received stanza (one that `needs_ack`).

        The client echoes the stanza's own values, unparsed (a stanza with a malformed JID is
        still acknowledged, else the server would deliver it again): ``class``, ``id``, ``to``
        (its ``from``), ``participant``, and ``type`` except for messages. The server sends
        ``class``, ``id`` and ``from`` (the stanza's ``to``, or the server), plus `extra`
        attributes (``t``, ``phash``, ``error``).
        """
        rest: list[tuple[str, str | Jid]] = []
        attrs = node.attrs
        if self.role is Role.CLIENT:
            origin = attrs.get("from")
            if origin:
                rest.append(("to", origin))
            participant = attrs.get("participant")
            if participant:
                rest.append(("participant", participant))
            kind = attrs.get("type")
            if kind and node.tag != "message":
                rest.append(("type", kind))
        else:
            rest.append(("from", attrs.get("to") or SERVER_JID))
        rest.extend(extra.items())
        if self.state is not State.LOGGED_IN or self._transport is None:
            # Not the hot path: let `send` apply the lifecycle's verdict.
            ack_attrs: dict[str, str | Jid] = {"class": node.tag, "id": node.attr("id")}
            self.send(Node("ack", {**ack_attrs, **dict(rest)}))
            return
        # The hot path (one ack per stanza received): encoded without building a node.
        payload = encode_ack(node.tag, node.attr("id"), tuple(rest))
        self._queue_frame(self._transport.encrypt(payload))

    def confirm_pairing(self, node: Node) -> None:
        """Answer a verified pair-success (client role) with our signature of the device
        identity (``<pair-device-sign>``). Call it once the pairing is stored."""
        verifier = self._pairing
        if verifier is None or verifier.result is None:
            raise LocalWireError("no verified pairing to confirm")
        result = verifier.result
        sign = Node(
            "pair-device-sign",
            None,
            [Node("device-identity", {"key-index": str(result.key_index)}, result.signed_identity)],
        )
        self.send(Node("iq", {"to": SERVER_JID, "type": "result", "id": node.attr("id")}, [sign]))

    def send_frame(self, payload: bytes, *, encrypt: bool = True) -> None:
        """Queue one frame carrying `payload` as is, encrypted or not, outside the lifecycle:
        for testing how a peer copes with bad data (a node that does not decode, a frame the
        cipher refuses). Never needed to speak the protocol."""
        if encrypt:
            if self._transport is None:
                raise LocalWireError("no transport yet: the handshake is not finished")
            payload = self._transport.encrypt(payload)
        self._queue_frame(payload)

    def close(self) -> None:
        """End the session locally (what is queued may still be written)."""
        if self.state is not State.CLOSED:
            self._move(Input.CLOSE, "")

    def data_to_send(self) -> list[bytes]:
        """What to write, in order: one WebSocket message each (possibly none)."""
        out, self._outbox = self._outbox, []
        return out

    # Internals ---------------------------------------------------------------------------

    def _reply(self, node: Node) -> None:
        toward = "to" if self.role is Role.CLIENT else "from"
        attrs: dict[str, str | Jid] = {
            toward: SERVER_JID,
            "type": "result",
            "id": node.opt_attr("id") or "",
        }
        self.send(Node("iq", attrs))

    def _queue_frame(self, payload: bytes) -> None:
        encoder = self._encoder
        self._outbox.append(
            encoder.encode(payload) if encoder is not None else encode_frame(payload)
        )

    def _new_id(self) -> str:
        return f"{self._prefix}.{next(_request_numbers)}"

    def __repr__(self) -> str:
        return f"<Connection {self.role.value} {self.state.value}>"
