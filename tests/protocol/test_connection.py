"""`Connection`: two of them (client and server roles) against each other, in memory.

The unit tests walk the lifecycle (handshake, pairing, login, the end) and the policies
(pings, requests, acks); the Hypothesis state machine drives both ends through every state
with every kind of input, hostile ones included, and checks that each move is a row of the
role's table and that nothing but a `WireError` ever comes out.
"""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from wabus.core import Jid, Node, Server
from wabus.core.events import (
    ClientOutdated,
    Connected,
    ConnectFailure,
    LoggedOut,
    MalformedStanza,
    Message,
    PairingQrCode,
    PairSuccess,
    StreamError,
    StreamReplaced,
    TemporaryBan,
)
from wabus.protocol import (
    TABLES,
    AdvVerifier,
    CertificateVerifier,
    Connection,
    ConnectionEvent,
    DeviceKeys,
    HandshakeComplete,
    KeyPair,
    LocalProtocolError,
    NoiseDecryptError,
    Outcome,
    RemoteProtocolError,
    ReplyReceived,
    Router,
    SessionEnded,
    StanzaReceived,
    State,
    TrustedRoot,
    WireError,
    classify,
    encode_node,
    login_payload,
    registration_payload,
    session_end,
)
from wabus.protocol.server import issue_chain, sign_device_identity

SERVER = Jid("", Server.USER)
ME = Jid("15550000001", Server.USER, device=7)
ALICE = Jid("15550000002", Server.USER)


class Pair:
    """A client and a server `Connection`, with the bytes between them moved by hand."""

    def __init__(self, *, paired: bool = False) -> None:
        root, intermediate, static = KeyPair.generate(), KeyPair.generate(), KeyPair.generate()
        self.keys = DeviceKeys.generate()
        payload = login_payload(ME) if paired else registration_payload(self.keys, push_name="test")
        self.verifier = AdvVerifier(self.keys.identity, self.keys.adv_secret)
        self.router = Router(pairing_keys=self.keys.pairing, pairing_verifier=self.verifier)
        self.client = Connection.client(
            noise_key=self.keys.noise,
            verify_certificate=CertificateVerifier([TrustedRoot(serial=0, key=root.public)]),
            payload=payload,
            router=self.router,
            pairing=self.verifier,
        )
        self.server = Connection.server(
            static_key=static, certificate=issue_chain(root, intermediate, static.public)
        )

    def to_server(self) -> list[ConnectionEvent]:
        return [e for data in self.client.data_to_send() for e in self.server.receive_data(data)]

    def to_client(self) -> list[ConnectionEvent]:
        return [e for data in self.server.data_to_send() for e in self.client.receive_data(data)]

    def handshake(self) -> HandshakeComplete:
        assert self.to_server() == []  # the ClientHello
        [done] = self.to_client()  # the ServerHello, and the ClientFinish queued
        assert isinstance(done, HandshakeComplete)
        [welcome] = self.to_server()
        assert isinstance(welcome, HandshakeComplete)
        assert welcome.payload is not None
        assert welcome.remote_static == self.keys.noise.public
        return welcome

    def server_sends(self, node: Node) -> list[ConnectionEvent]:
        self.server.send(node)
        return self.to_client()

    def log_in(self) -> None:
        self.handshake()
        self.server_sends(Node("success", {"t": "1790000000", "lid": "1@lid"}))


def state_of(conn: Connection) -> State:
    return conn.state  # a call, so that the type checker forgets what it narrowed


def stanzas(events: list[ConnectionEvent]) -> list[StanzaReceived]:
    return [e for e in events if isinstance(e, StanzaReceived)]


def test_handshake_then_login() -> None:
    pair = Pair(paired=True)
    welcome = pair.handshake()
    assert welcome.payload is not None and welcome.payload.username == int(ME.user)
    assert pair.client.state is pair.server.state is State.CONNECTED
    [got] = stanzas(pair.server_sends(Node("success", {"t": "1790000000"})))
    assert got.events == (Connected(),)
    assert pair.client.logged_in and pair.server.logged_in
    assert pair.client.has_logged_in


def test_pairing_from_pair_device_to_the_restart() -> None:
    pair = Pair()
    pair.handshake()
    request_id = pair.server.request(
        Node(
            "iq",
            {"from": SERVER, "type": "set", "xmlns": "md"},
            [
                Node(
                    "pair-device",
                    None,
                    [Node("ref", None, "2@ref-1"), Node("ref", None, "2@ref-2")],
                )
            ],
        )
    )
    [shown] = stanzas(pair.to_client())
    assert [type(e) for e in shown.events] == [PairingQrCode, PairingQrCode]
    assert pair.client.state is State.PAIRING
    [answer] = pair.to_server()  # the client acknowledged the pair-device at once
    assert isinstance(answer, ReplyReceived) and answer.request_id == request_id
    account = KeyPair.generate()
    proof = sign_device_identity(account, pair.keys.identity.public, pair.keys.adv_secret)
    success_id = pair.server.request(
        Node(
            "iq",
            {"from": SERVER, "type": "set", "xmlns": "md"},
            [
                Node(
                    "pair-success",
                    None,
                    [
                        Node("device-identity", None, proof),
                        Node("device", {"jid": ME}),
                    ],
                )
            ],
        )
    )
    [paired] = stanzas(pair.to_client())
    assert isinstance(paired.events[0], PairSuccess)
    assert state_of(pair.client) is State.PAIRED
    assert paired.node is not None
    pair.client.confirm_pairing(paired.node)
    [signed] = pair.to_server()
    assert isinstance(signed, ReplyReceived) and signed.request_id == success_id
    assert signed.node.child("pair-device-sign") is not None
    events = pair.server_sends(Node("stream:error", {"code": "515"}))
    assert events[-1] == SessionEnded(Outcome.RESTART, "the server asked for a restart")
    assert pair.client.closed and pair.server.closed


def test_a_pair_success_that_does_not_verify_ends_the_session() -> None:
    pair = Pair()
    pair.handshake()
    pair.server.send(
        Node(
            "iq",
            {"from": SERVER, "type": "set", "id": "p", "xmlns": "md"},
            [Node("pair-device", None, [Node("ref", None, "2@r")])],
        )
    )
    pair.to_client()
    forged = sign_device_identity(KeyPair.generate(), pair.keys.identity.public, bytes(32))
    events = pair.server_sends(
        Node(
            "iq",
            {"from": SERVER, "type": "set", "id": "s", "xmlns": "md"},
            [
                Node(
                    "pair-success",
                    None,
                    [Node("device-identity", None, forged), Node("device", {"jid": ME})],
                )
            ],
        )
    )
    assert events[-1].outcome is Outcome.RETRY  # type: ignore[union-attr]
    assert pair.client.closed


def test_pings_are_answered_at_once_and_requests_matched() -> None:
    pair = Pair(paired=True)
    pair.log_in()
    ping = pair.server.request(
        Node("iq", {"from": SERVER, "type": "get", "xmlns": "urn:xmpp:ping"})
    )
    pair.to_client()
    [pong] = pair.to_server()
    assert isinstance(pong, ReplyReceived) and pong.request_id == ping
    # The server may stop answering pings: then they reach the driver as stanzas.
    pair.server.answer_pings = False
    keepalive = pair.client.request(
        Node("iq", {"to": SERVER, "type": "get", "xmlns": "w:p"}, [Node("ping")])
    )
    [unanswered] = pair.to_server()
    assert isinstance(unanswered, StanzaReceived)
    assert keepalive in pair.client.pending_requests
    pair.client.forget_request(keepalive)
    assert not pair.client.pending_requests


def test_acks_echo_the_stanza_and_each_role_has_its_shape() -> None:
    pair = Pair(paired=True)
    pair.log_in()
    message = Node(
        "message",
        {"from": ALICE, "id": "M1", "t": "1790000000", "type": "text"},
        [Node("plaintext", None, b"")],
    )
    [got] = stanzas(pair.server_sends(message))
    assert got.needs_ack and isinstance(got.events[0], Message)
    assert got.node is not None
    pair.client.ack(got.node)
    [ack] = stanzas(pair.to_server())
    assert ack.node == Node("ack", {"class": "message", "id": "M1", "to": ALICE})
    pair.client.send(Node("message", {"to": ALICE, "id": "O1", "type": "text"}))
    [sent] = stanzas(pair.to_server())
    assert sent.needs_ack and sent.node is not None
    pair.server.ack(sent.node, t="1790000001")
    [server_ack] = stanzas(pair.to_client())
    assert server_ack.node == Node(
        "ack", {"class": "message", "id": "O1", "from": ALICE, "t": "1790000001"}
    )
    receipt = Node("receipt", {"from": "not a jid", "id": "R1", "type": "read"})
    [odd] = stanzas(pair.server_sends(receipt))
    assert isinstance(odd.events[0], MalformedStanza)
    assert odd.node is not None
    pair.client.ack(odd.node)  # still acknowledged, unparsed
    [ack] = stanzas(pair.to_server())
    assert ack.node == Node(
        "ack", {"class": "receipt", "id": "R1", "to": "not a jid", "type": "read"}
    )


def test_traffic_before_login_is_a_protocol_error_either_way() -> None:
    pair = Pair(paired=True)
    pair.handshake()
    with pytest.raises(LocalProtocolError):
        pair.client.send(Node("message", {"to": ALICE, "id": "1"}))
    assert pair.client.closed
    pair = Pair(paired=True)
    pair.handshake()
    sneaked = encode_node(Node("message", {"from": ALICE, "id": "M"}))
    pair.server.send_frame(sneaked)  # a <message> before <success>, past the server's table
    with pytest.raises(RemoteProtocolError, match="not allowed while connected"):
        pair.to_client()
    assert pair.client.closed
    assert pair.client.receive_data(b"more bytes") == []  # ignored once closed


def test_an_undecodable_node_is_reported_and_the_connection_goes_on() -> None:
    pair = Pair(paired=True)
    pair.log_in()
    pair.server.send_frame(b"\x00\xf8\x09")
    [bad] = stanzas(pair.to_client())
    assert bad.node is None and isinstance(bad.events[0], MalformedStanza)
    assert pair.client.logged_in


def test_a_frame_the_cipher_refuses_closes_it_after_the_frames_before() -> None:
    pair = Pair(paired=True)
    pair.log_in()
    pair.server.send(Node("presence", {"from": ALICE, "type": "available"}))
    pair.server.send_frame(bytes(40), encrypt=False)
    data = b"".join(pair.server.data_to_send())
    events = pair.client.receive_data(data)  # one chunk: a good frame, then a bad one
    assert len(stanzas(events)) == 1
    assert isinstance(pair.client.error, NoiseDecryptError)
    with pytest.raises(NoiseDecryptError):
        pair.client.receive_data(b"")


@pytest.mark.parametrize(
    ("node", "outcome", "kinds"),
    [
        (Node("failure", {"reason": "401"}), Outcome.STOP, [LoggedOut]),
        (
            Node("failure", {"reason": "402", "code": "101", "expire": "60"}),
            Outcome.STOP,
            [TemporaryBan],
        ),
        (Node("failure", {"reason": "403"}), Outcome.STOP, [LoggedOut]),
        (Node("failure", {"reason": "405"}), Outcome.STOP, [ClientOutdated]),
        (Node("failure", {"reason": "406"}), Outcome.STOP, [LoggedOut]),
        (Node("failure", {"reason": "500"}), Outcome.RETRY, [ConnectFailure]),
        (Node("stream:error", {"code": "515"}), Outcome.RESTART, []),
        (Node("stream:error", {"code": "503"}), Outcome.RETRY, []),
        (Node("stream:error", {"code": "429"}), Outcome.RETRY, []),
        (Node("stream:error", {"code": "401"}), Outcome.STOP, [LoggedOut]),
        (Node("stream:error", {"code": "409"}), Outcome.STOP, [StreamReplaced]),
        (Node("stream:error", {"code": "516"}), Outcome.STOP, [LoggedOut]),
        (Node("stream:error", {"code": "500"}), Outcome.RETRY, [StreamError]),
        (
            Node("stream:error", None, [Node("conflict", {"type": "replaced"})]),
            Outcome.STOP,
            [StreamReplaced],
        ),
        (
            Node("stream:error", None, [Node("conflict", {"type": "device_removed"})]),
            Outcome.STOP,
            [LoggedOut],
        ),
        (Node("xmlstreamend"), Outcome.RETRY, []),
    ],
)
def test_one_table_says_what_a_session_end_means(
    node: Node, outcome: Outcome, kinds: list[type]
) -> None:
    end = session_end(node)
    assert end.outcome is outcome
    assert [type(e) for e in end.events] == kinds
    assert [type(e) for e in Router().route(node)] == kinds  # the router takes them from it
    pair = Pair(paired=True)
    pair.log_in()
    events = pair.server_sends(node)
    assert events[-1] == SessionEnded(outcome, end.reason)


def test_a_malformed_session_end_still_ends_the_session() -> None:
    pair = Pair(paired=True)
    pair.log_in()
    events = pair.server_sends(Node("failure", {"reason": "x"}))
    assert isinstance(events[-1], SessionEnded) and events[-1].outcome is Outcome.RETRY


# The state machine ----------------------------------------------------------------------------

_SERVER_SENDS = [
    Node(
        "iq",
        {"from": SERVER, "type": "set", "xmlns": "md"},
        [Node("pair-device", None, [Node("ref", None, "2@r")])],
    ),
    Node("success", {"t": "1790000000"}),
    Node(
        "message",
        {"from": ALICE, "id": "M", "t": "1", "type": "text"},
        [Node("plaintext", None, b"")],
    ),
    Node("ib", None, [Node("offline", {"count": "0"})]),
    Node("iq", {"from": SERVER, "type": "get", "xmlns": "urn:xmpp:ping"}),
    Node("notification", {"from": ALICE, "id": "N", "type": "picture"}),
    Node("failure", {"reason": "401"}),
    Node("stream:error", {"code": "515"}),
    Node("xmlstreamend"),
]
_CLIENT_SENDS = [
    Node("iq", {"to": SERVER, "type": "get", "xmlns": "w:p"}, [Node("ping")]),
    Node("message", {"to": ALICE, "id": "O"}),
    Node("presence", {"type": "available"}),
    Node("ib", None, [Node("unified_session", {"id": "1"})]),
]


class TwoEnds(RuleBasedStateMachine):
    """Both ends, any order of sends, garbage frames included; the tables must hold."""

    def __init__(self) -> None:
        super().__init__()
        self.pair = Pair(paired=True)
        self.pair.handshake()

    def _check_move(self, conn: Connection, before: State, node: Node, received: bool) -> None:
        after = conn.state
        row = TABLES[conn.role].get((before, classify(node, received=received)))
        assert after is (row if row is not None else State.CLOSED) or after is State.CLOSED

    def _deliver(self, source: Connection, target: Connection) -> None:
        for data in source.data_to_send():
            try:
                target.receive_data(data)
            except WireError:
                assert target.closed
                return

    @precondition(lambda self: not self.pair.server.closed)
    @rule(node=st.sampled_from(_SERVER_SENDS))
    def server_sends(self, node: Node) -> None:
        server = self.pair.server
        before = server.state
        if server.can_send(node):
            server.send(node)
            self._check_move(server, before, node, received=False)
        else:
            with pytest.raises(LocalProtocolError):
                server.send(node)
            assert server.closed

    @precondition(lambda self: not self.pair.client.closed)
    @rule(node=st.sampled_from(_CLIENT_SENDS))
    def client_sends(self, node: Node) -> None:
        client = self.pair.client
        if client.can_send(node):
            client.send(node)
        else:
            with pytest.raises(LocalProtocolError):
                client.send(node)
            assert client.closed

    @precondition(lambda self: not self.pair.server.closed)
    @rule(payload=st.binary(max_size=40), encrypt=st.booleans())
    def server_sends_garbage(self, payload: bytes, encrypt: bool) -> None:
        self.pair.server.send_frame(payload, encrypt=encrypt)

    @rule()
    def to_client(self) -> None:
        self._deliver(self.pair.server, self.pair.client)

    @rule()
    def to_server(self) -> None:
        self._deliver(self.pair.client, self.pair.server)

    @invariant()
    def states_are_known(self) -> None:
        for conn in (self.pair.client, self.pair.server):
            assert conn.state in State
            if conn.closed:
                assert not conn.logged_in


TwoEnds.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None)
test_two_ends_keep_to_their_tables = TwoEnds.TestCase
