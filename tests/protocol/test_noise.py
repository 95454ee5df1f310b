"""Noise XX, the transport ciphers, XEdDSA and the certificate chain.

Known answers come from a real WhatsApp handshake captured by whatsmeow (and kept as test data
by whatsapp-rust): the handshake hashes at each step, the decrypted server static key, and a
real certificate chain signed under WhatsApp's production root.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from hypothesis import given
from hypothesis import strategies as st
from noise.connection import Keypair as NoiseKeypair
from noise.connection import NoiseConnection

from wabus.proto.handshake_pb2 import HandshakeMessage
from wabus.protocol import (
    CONNECTION_HEADER,
    WHATSAPP_ROOT,
    CertificateInvalid,
    CertificateVerifier,
    ClientHandshake,
    HandshakeFailed,
    KeyPair,
    NoiseDecryptError,
    NoiseStateError,
    SymmetricState,
    TrustedRoot,
    xeddsa_verify,
)
from wabus.protocol.server import ServerHandshake, issue_chain

# The captured handshake (client ephemeral, server hello pieces, expected intermediate values).
CLIENT_EPHEMERAL_PRIVATE = bytes.fromhex(
    "b8de0b5ebad3e7879fa659c0d27baa6c3e3f32a10f7c4cb2613cb4182fe83047"
)
CLIENT_EPHEMERAL_PUBLIC = bytes.fromhex(
    "8537e1daadfb8e9ff8491896f5733008bad4967c2ba97670f69cf3053762ea4d"
)
SERVER_EPHEMERAL = bytes.fromhex("27692cf5d6a08e51f2d601f2e475378456bda16f96255c5121d081d0aa4a815d")
SERVER_STATIC = bytes.fromhex("5854d333d8e13975abd6597bbaddd49d6935ced25c93a44bd3ade508f2bec330")
ENCRYPTED_STATIC = bytes.fromhex(
    "0addd1ce96c55699824fc20ef2a73928dd8168bc29ef863bdea6dc69002b00054add28f7711e3a7dff984d3f31badaa2"
)
ENCRYPTED_CERTIFICATE = bytes.fromhex(
    "c4f948e737857d6bd675fa0a84f38ed784685b784402da53f972388a8aa3398f01be799862907d43cce7a49858023e"
    "c66dc909d1eac245f842661360804acf4975801ca0a156f876ba6004cc2f1241f761f753c516cef59fb3c6b95d39ad"
    "6d3540caa40b361bfbb7189eaa2d331e086870f2bd846bc6653cf2887387ba25268c9923dec5ecdc5ee37507680ba6"
    "906550f9991f6a60b2dc74803c6df8d6df352f206c376b0bb3d7d17dca91e3999f73d6dc6469e59281bc18c22fd1e7"
    "d85467b3f17fafc141a62c6fd92d364310d5b32493c9f2c77817aa4d901aef2538858b157d46ea247371a9c2f57717"
    "1796fa7be059d975dddee115d5aa967602b02a93be36"
)
CERTIFICATE = bytes.fromhex(
    "0a770a3308c90210031a205854d333d8e13975abd6597bbaddd49d6935ced25c93a44bd3ade508f2bec33020d08f87"
    "bf0628d0c99fc406124019cbee71b63bb8048af269f3aa7c13c62a1fd89ac4ef2509d1d78d68267f40393b49a9cc38"
    "db05e35a6c5bf3ba6172a4c5325f25f363338cf8f3535a4cd9520512760a32080310001a201c51a9ac303994c6c8d0"
    "b92ea1878a533476599cc599fbea35997d9aa90cce62208091aebe0628ffdeb7dc061240270f294648539fed4870e2"
    "5054dd4e95983aba29189c2ba6c8eeda7055555f753740f5ec192ab64c26c26d6ade6d20b9f774aee37120a6b20395"
    "f53c66058507"
)
# A moment inside both certificates' validity windows (the leaf: 2025-03-24 to 2025-07-28).
CAPTURED_AT = datetime(2025, 5, 1, tzinfo=UTC)


def test_initial_hashes() -> None:
    assert hashlib.sha256(b"Noise_XX_25519_AESGCM_SHA256\x00\x00\x00\x00").hexdigest() == (
        "5df72b67b965add1168f0a6c756df21c204f7e64fc682be6a3ab4b682c8db64b"
    )
    assert SymmetricState().hash.hex() == (
        "ffff0c9267310966f1311170c04b38c79504285bf5edf763e5c946492a50a755"
    )


def test_a_real_handshake_step_by_step() -> None:
    ephemeral = KeyPair(private=CLIENT_EPHEMERAL_PRIVATE)
    assert ephemeral.public == CLIENT_EPHEMERAL_PUBLIC
    state = SymmetricState()
    state.mix_hash(ephemeral.public)
    assert state.hash.hex() == "86790a969b7100866dfbf74fcfe5a175f8adff7f8c5139f74cd2f14a8fa5f11f"
    state.mix_hash(SERVER_EPHEMERAL)
    assert state.hash.hex() == "9fd7bf2736e1e5b48b2759fd5806225ccb6822d557579d725459795cdd0885d3"
    state.mix_key(ephemeral.agree(SERVER_EPHEMERAL))
    assert state.chaining_key.hex() == (
        "a505e995a2068e7103a582be6f6ba9d6b447a80db4e679209b2f7cc6da633709"
    )
    assert state.decrypt_and_hash(ENCRYPTED_STATIC) == SERVER_STATIC
    assert state.hash.hex() == "8f29e8901b6ffb3cb393795c023d6d219ceb447dbbbae075533010907cbfbc6c"
    state.mix_key(ephemeral.agree(SERVER_STATIC))
    assert state.chaining_key.hex() == (
        "5092572187a71abe8044010b9c8419633272b45b2babf4ca316966edc3eb9bde"
    )
    assert state.decrypt_and_hash(ENCRYPTED_CERTIFICATE) == CERTIFICATE
    assert state.hash.hex() == "4a82b448599eb44f85bacedaff0a81820999a87be156b08989c2857b8651d4d2"


def test_the_client_handshake_accepts_the_real_server_hello() -> None:
    verifier = CertificateVerifier(clock=lambda: CAPTURED_AT)
    client = ClientHandshake(
        KeyPair.generate(), verifier, ephemeral=KeyPair(private=CLIENT_EPHEMERAL_PRIVATE)
    )
    hello = HandshakeMessage.FromString(client.client_hello())
    assert hello.clientHello.ephemeral == CLIENT_EPHEMERAL_PUBLIC
    reply = HandshakeMessage()
    reply.serverHello.ephemeral = SERVER_EPHEMERAL
    reply.serverHello.static = ENCRYPTED_STATIC
    reply.serverHello.payload = ENCRYPTED_CERTIFICATE
    client.receive_server_hello(reply.SerializeToString())
    assert client.remote_static == SERVER_STATIC


def test_the_real_chain_verifies_under_the_real_root() -> None:
    verifier = CertificateVerifier(clock=lambda: CAPTURED_AT)
    verifier(SERVER_STATIC, CERTIFICATE)
    with pytest.raises(CertificateInvalid, match="not the server's static key"):
        verifier(bytes(32), CERTIFICATE)
    with pytest.raises(CertificateInvalid, match="expired"):
        CertificateVerifier(clock=lambda: datetime(2026, 1, 1, tzinfo=UTC))(
            SERVER_STATIC, CERTIFICATE
        )
    with pytest.raises(CertificateInvalid, match="not a trusted one"):
        CertificateVerifier(
            [TrustedRoot(serial=9, key=WHATSAPP_ROOT.key)], clock=lambda: CAPTURED_AT
        )(SERVER_STATIC, CERTIFICATE)
    other_root = KeyPair.generate()
    with pytest.raises(CertificateInvalid, match="intermediate's signature"):
        CertificateVerifier(
            [TrustedRoot(serial=0, key=other_root.public)], clock=lambda: CAPTURED_AT
        )(SERVER_STATIC, CERTIFICATE)
    tampered = bytearray(CERTIFICATE)
    tampered[10] ^= 1  # inside the leaf's details
    with pytest.raises(CertificateInvalid):
        verifier(SERVER_STATIC, bytes(tampered))
    with pytest.raises(CertificateInvalid, match="does not parse"):
        verifier(SERVER_STATIC, b"\xff\xff")


@given(st.binary(max_size=200))
def test_xeddsa_signatures_verify_and_tampering_is_caught(message: bytes) -> None:
    key = KeyPair.generate()
    signature = key.sign(message)
    assert xeddsa_verify(key.public, message, signature)
    assert not xeddsa_verify(key.public, message + b"x", signature)
    assert not xeddsa_verify(KeyPair.generate().public, message, signature)
    flipped = bytearray(signature)
    flipped[63] ^= 0x80  # the sign bit
    assert not xeddsa_verify(key.public, message, bytes(flipped))
    assert not xeddsa_verify(key.public, message, signature[:63])


def test_seeded_keys_agree_like_plain_x25519() -> None:
    key = KeyPair(seed=bytes(range(32)))
    peer = X25519PrivateKey.generate()
    peer_public = peer.public_key().public_bytes_raw()
    assert key.agree(peer_public) == peer.exchange(X25519PublicKey.from_public_bytes(key.public))
    assert key.can_sign and KeyPair(private=key.private).can_sign
    with pytest.raises(ValueError, match="exactly one"):
        KeyPair()


def _run_handshake() -> tuple[ClientHandshake, ServerHandshake, bytes]:
    root, intermediate, server_static = KeyPair.generate(), KeyPair.generate(), KeyPair.generate()
    chain = issue_chain(root, intermediate, server_static.public)
    verifier = CertificateVerifier([TrustedRoot(serial=0, key=root.public)])
    client = ClientHandshake(KeyPair.generate(), verifier)
    server = ServerHandshake(server_static)
    server.receive_client_hello(client.client_hello())
    client.receive_server_hello(server.server_hello(chain))
    payload = server.receive_client_finish(client.client_finish(b"client payload"))
    return client, server, payload


def test_client_and_server_handshake_and_talk() -> None:
    client, server, payload = _run_handshake()
    assert payload == b"client payload"
    assert client.hash == server.hash
    assert server.remote_static is not None
    to_server, to_client = client.transport(), server.transport()
    for n in range(5):
        assert to_client.decrypt(to_server.encrypt(f"up {n}".encode())) == f"up {n}".encode()
        assert to_server.decrypt(to_client.encrypt(f"down {n}".encode())) == f"down {n}".encode()
    assert to_server.counters == (5, 5)


def test_transport_rejects_bad_tags_replays_and_reordering() -> None:
    client, server, _ = _run_handshake()
    sender, receiver = client.transport(), server.transport()
    first, second, third = (sender.encrypt(m) for m in (b"1", b"2", b"3"))
    corrupted = bytearray(first)
    corrupted[-1] ^= 1
    with pytest.raises(NoiseDecryptError) as caught:
        receiver.decrypt(bytes(corrupted))
    assert caught.value.counter == 0
    assert receiver.decrypt(first) == b"1"
    with pytest.raises(NoiseDecryptError):
        receiver.decrypt(first)  # a replay
    with pytest.raises(NoiseDecryptError):
        receiver.decrypt(third)  # out of order
    assert receiver.decrypt(second) == b"2"


def test_a_bad_certificate_aborts_the_handshake() -> None:
    root, intermediate, server_static = KeyPair.generate(), KeyPair.generate(), KeyPair.generate()
    chain = issue_chain(root, intermediate, server_static.public)
    client = ClientHandshake(KeyPair.generate(), CertificateVerifier())  # trusts WhatsApp only
    server = ServerHandshake(server_static)
    server.receive_client_hello(client.client_hello())
    # Our root has WhatsApp's root serial (0), but not its key.
    with pytest.raises(CertificateInvalid, match="intermediate's signature does not verify"):
        client.receive_server_hello(server.server_hello(chain))
    with pytest.raises(NoiseStateError, match="state server_hello"):
        client.client_finish(b"")  # the handshake is dead


def test_steps_out_of_order_are_our_misuse() -> None:
    client = ClientHandshake(KeyPair.generate(), CertificateVerifier())
    with pytest.raises(NoiseStateError, match="needs the handshake in state hello"):
        client.receive_server_hello(b"")
    client.client_hello()
    with pytest.raises(NoiseStateError):
        client.client_hello()
    with pytest.raises(NoiseStateError, match="not finished"):
        client.transport()


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (b"\xff", "not a HandshakeMessage"),
        (HandshakeMessage().SerializeToString(), "has no serverHello"),
    ],
)
def test_garbage_server_hellos(message: bytes, reason: str) -> None:
    client = ClientHandshake(KeyPair.generate(), CertificateVerifier())
    client.client_hello()
    with pytest.raises(HandshakeFailed, match=reason):
        client.receive_server_hello(message)


def test_a_tampered_server_hello_fails_authentication() -> None:
    root, intermediate, server_static = KeyPair.generate(), KeyPair.generate(), KeyPair.generate()
    verifier = CertificateVerifier([TrustedRoot(serial=0, key=root.public)])
    client = ClientHandshake(KeyPair.generate(), verifier)
    server = ServerHandshake(server_static)
    server.receive_client_hello(client.client_hello())
    reply = HandshakeMessage.FromString(
        server.server_hello(issue_chain(root, intermediate, server_static.public))
    )
    reply.serverHello.static = (
        bytes([reply.serverHello.static[0] ^ 1]) + reply.serverHello.static[1:]
    )
    with pytest.raises(NoiseDecryptError):
        client.receive_server_hello(reply.SerializeToString())


# Interoperability with an independent implementation: the noiseprotocol package ------------
# (standard Noise hashes the first message's empty payload, WhatsApp does not; see _noise.py)


def _their_side(initiator: bool, static: KeyPair) -> NoiseConnection:
    them = NoiseConnection.from_name(b"Noise_XX_25519_AESGCM_SHA256")
    if initiator:
        them.set_as_initiator()
    else:
        them.set_as_responder()
    them.set_keypair_from_private_bytes(NoiseKeypair.STATIC, static.private)
    them.set_prologue(CONNECTION_HEADER)
    them.start_handshake()
    return them


def test_our_client_handshakes_with_their_responder() -> None:
    their_static = KeyPair.generate()
    them = _their_side(initiator=False, static=their_static)
    seen: list[bytes] = []
    client = ClientHandshake(
        KeyPair.generate(), lambda static, cert: seen.append(cert), standard_noise=True
    )
    hello = HandshakeMessage.FromString(client.client_hello())
    them.read_message(hello.clientHello.ephemeral)
    message2 = bytes(them.write_message(b"their certificate"))
    reply = HandshakeMessage()
    reply.serverHello.ephemeral = message2[:32]
    reply.serverHello.static = message2[32:80]
    reply.serverHello.payload = message2[80:]
    client.receive_server_hello(reply.SerializeToString())
    assert seen == [b"their certificate"]
    assert client.remote_static == their_static.public
    finish = HandshakeMessage.FromString(client.client_finish(b"our payload")).clientFinish
    assert bytes(them.read_message(finish.static + finish.payload)) == b"our payload"
    assert them.handshake_finished
    ours = client.transport()
    assert bytes(them.decrypt(ours.encrypt(b"hello them"))) == b"hello them"
    assert ours.decrypt(bytes(them.encrypt(b"hello us"))) == b"hello us"


def test_their_initiator_handshakes_with_our_server() -> None:
    their_static = KeyPair.generate()
    them = _their_side(initiator=True, static=their_static)
    server = ServerHandshake(KeyPair.generate(), standard_noise=True)
    hello = HandshakeMessage()
    hello.clientHello.ephemeral = bytes(them.write_message(b""))
    server.receive_client_hello(hello.SerializeToString())
    reply = HandshakeMessage.FromString(server.server_hello(b"our certificate")).serverHello
    assert bytes(them.read_message(reply.ephemeral + reply.static + reply.payload)) == (
        b"our certificate"
    )
    message3 = bytes(them.write_message(b"their payload"))
    finish = HandshakeMessage()
    finish.clientFinish.static = message3[:48]
    finish.clientFinish.payload = message3[48:]
    assert server.receive_client_finish(finish.SerializeToString()) == b"their payload"
    assert server.remote_static == their_static.public
    ours = server.transport()
    assert bytes(them.decrypt(ours.encrypt(b"down"))) == b"down"
    assert ours.decrypt(bytes(them.encrypt(b"up"))) == b"up"
