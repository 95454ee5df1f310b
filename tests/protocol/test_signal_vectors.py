"""Known answers from libsignal-node 6.0.0 and Baileys 7.0.0-rc14, byte for byte.

``tests/vectors/signal_libsignal_node.json`` was written by ``tests/interop/js/make_vectors.mjs``
with every key fixed: a session set up by libsignal-node (Alice) with libsignal-node (Bob), two
pkmsgs, a reply and one more message, and three group messages from Baileys' sender. Given the
same keys, wabus must produce the same bytes in either role, and read them all.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from wabus.protocol import (
    KeyPair,
    LocalIdentity,
    PreKeyBundle,
    PreKeyRecord,
    PreKeySignalMessage,
    SenderKeyDistributionMessage,
    SenderKeyMessage,
    SenderKeyName,
    SenderKeyRecord,
    SenderKeyState,
    SignalMessage,
    SignedPreKeyRecord,
    decrypt_message,
    decrypt_prekey_message,
    encrypt_message,
    group_decrypt,
    group_encrypt,
    initiate_session,
    process_sender_key_distribution,
    xeddsa_verify,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "signal_libsignal_node.json"


@cache
def _vector() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTORS.read_text())
    return data


def _key(name: str) -> KeyPair:
    entry = _vector()["keys"][name]
    pair = KeyPair(private=bytes.fromhex(entry["private"]))
    assert pair.public.hex() == entry["public"]
    return pair


def _message(n: int) -> tuple[str, bytes, bytes]:
    entry = _vector()["messages"][n]
    return entry["type"], entry["plaintext"].encode(), bytes.fromhex(entry["body"])


def _bob() -> tuple[LocalIdentity, SignedPreKeyRecord, PreKeyRecord]:
    bob = _vector()["bob"]
    identity = LocalIdentity(_key("bob identity"), bob["registrationId"])
    signed = SignedPreKeyRecord(
        bob["signedPreKeyId"],
        _key("bob signed prekey"),
        bytes.fromhex(bob["signedPreKeySignature"]),
    )
    return identity, signed, PreKeyRecord(bob["preKeyId"], _key("bob prekey"))


def test_wabus_as_the_initiator_writes_libsignals_bytes() -> None:
    alice = LocalIdentity(_key("alice identity"), _vector()["alice"]["registrationId"])
    bundle = PreKeyBundle.of(*_bob())
    bundle.verify()  # a curve25519-js signature
    record = initiate_session(
        None, bundle, alice, base_key=_key("alice base"), ratchet_key=_key("alice ratchet 0")
    )
    for n in (0, 1):
        kind, plaintext, body = _message(n)
        encrypted, record = encrypt_message(record, plaintext, alice)
        assert (encrypted.kind, encrypted.body) == (kind, body)
    _, plaintext, body = _message(2)
    decrypted, record = decrypt_message(
        record, SignalMessage.parse(body), alice, ratchet_key=_key("alice ratchet 2")
    )
    assert decrypted == plaintext
    kind, plaintext, body = _message(3)
    encrypted, record = encrypt_message(record, plaintext, alice)
    assert (encrypted.kind, encrypted.body) == (kind, body)


def test_wabus_as_the_responder_writes_libsignals_bytes() -> None:
    bob, signed, prekey = _bob()
    record = None
    for n in (0, 1):
        kind, plaintext, body = _message(n)
        assert kind == "pkmsg"
        decrypted, record, consumed = decrypt_prekey_message(
            record,
            PreKeySignalMessage.parse(body),
            bob,
            signed,
            prekey,
            ratchet_key=_key("bob ratchet 1"),
        )
        assert decrypted == plaintext
        assert consumed == (7 if n == 0 else None)
    assert record is not None
    kind, plaintext, body = _message(2)
    encrypted, record = encrypt_message(record, plaintext, bob)
    assert (encrypted.kind, encrypted.body) == (kind, body)
    _, plaintext, body = _message(3)
    decrypted, record = decrypt_message(record, SignalMessage.parse(body), bob)
    assert decrypted == plaintext


def test_group_messages_match_baileys() -> None:
    group = _vector()["group"]
    name = SenderKeyName.parse(group["name"])
    signing = _key("alice sender signing key")
    chain_key = bytes.fromhex(group["chainKey"])
    bodies = [bytes.fromhex(m["body"]) for m in group["messages"]]
    # As the sender: the same first message, up to the (randomised in wabus) signature.
    ours = SenderKeyRecord(
        (SenderKeyState(group["keyId"], 0, chain_key, signing.public, signing.private),)
    )
    message, _ = group_encrypt(ours, group["messages"][0]["plaintext"].encode(), name)
    assert message.serialized[:-64] == bodies[0][:-64]
    assert xeddsa_verify(signing.public, bodies[0][:-64], bodies[0][-64:])  # deterministic there
    # As a member: Baileys' iterations are 0, 2, 4.
    distribution = SenderKeyDistributionMessage.build(
        key_id=group["keyId"], iteration=0, chain_key=chain_key, signing_key=signing.public
    )
    record = process_sender_key_distribution(None, distribution)
    assert [SenderKeyMessage.parse(body).iteration for body in bodies] == [0, 2, 4]
    for body, entry in zip(bodies, group["messages"], strict=True):
        plaintext, record = group_decrypt(record, SenderKeyMessage.parse(body), name)
        assert plaintext == entry["plaintext"].encode()
