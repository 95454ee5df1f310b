"""Fuzzing the Signal layer's decoders: whatever the bytes, only `SignalError`s come out.

Each decoder gets random bytes and mutations (flipped bits, cut, extended, spliced) of a valid
input; the ciphers get mutated messages, and a refused message must leave the store as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wabus.core import Node
from wabus.protocol import (
    LocalIdentity,
    MemorySignalStore,
    PreKeyBundle,
    PreKeyRecord,
    PreKeySignalMessage,
    ProtocolAddress,
    SenderKeyDistributionMessage,
    SenderKeyMessage,
    SenderKeyName,
    SenderKeyRecord,
    SessionRecord,
    SignalCipher,
    SignalError,
    SignalMessage,
    SignedPreKeyRecord,
    bundle_from_node,
    create_sender_key,
    generate_prekeys,
    prekeys_nodes,
    read_enc,
    unpad,
)

ALICE = ProtocolAddress("1", 0)
BOB = ProtocolAddress("2", 0)
NAME = SenderKeyName("1-2@g.us", ALICE)


@cache
def _samples() -> dict[str, bytes]:
    alice, bob = MemorySignalStore(), MemorySignalStore()
    (prekey,) = generate_prekeys(1, 1)
    bob.put_prekeys([prekey])
    signed = bob.current_signed_prekey()
    assert signed is not None
    sender = SignalCipher(alice)
    sender.start_session(BOB, PreKeyBundle.of(bob.local_identity(), signed, prekey))
    pkmsg = sender.encrypt(BOB, b"first").body
    receiver = SignalCipher(bob)
    receiver.decrypt(ALICE, "pkmsg", pkmsg)
    reply = receiver.encrypt(ALICE, b"reply").body
    sender.decrypt(BOB, "msg", reply)
    distribution, _ = sender.group_key(NAME)
    session = alice.get_session(BOB)
    sender_key = alice.get_sender_key(NAME)
    assert session is not None and sender_key is not None
    identity = LocalIdentity.generate()
    return {
        "pkmsg": pkmsg,
        "msg": sender.encrypt(BOB, b"second").body,
        "skmsg": sender.group_encrypt(NAME, b"group").body,
        "skdm": distribution,
        "session": session.to_bytes(),
        "sender_key": sender_key.to_bytes(),
        "prekey": prekey.to_bytes(),
        "signed": signed.to_bytes(),
        "identity": identity.to_bytes(),
    }


DECODERS: dict[str, Callable[[bytes], object]] = {
    "pkmsg": PreKeySignalMessage.parse,
    "msg": SignalMessage.parse,
    "skmsg": SenderKeyMessage.parse,
    "skdm": SenderKeyDistributionMessage.parse,
    "session": SessionRecord.from_bytes,
    "sender_key": SenderKeyRecord.from_bytes,
    "prekey": PreKeyRecord.from_bytes,
    "signed": SignedPreKeyRecord.from_bytes,
    "identity": LocalIdentity.from_bytes,
}


@st.composite
def _mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """Mutations of `original`; positions are drawn independently of its length, so that
    inputs of varying length (fresh keys each run) keep the draws stable."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "cut", "extend", "splice", "byte"]))
        where = draw(st.integers(0, 1 << 16))
        # Each action draws the same values whatever the data holds (an empty buffer
        # included), so a replayed example draws exactly what it drew the first time.
        if action == "flip":
            bit = draw(st.integers(0, 7))
            if data:
                data[where % len(data)] ^= 1 << bit
        elif action == "cut":
            data = data[: where % (len(data) + 1)]
        elif action == "extend":
            data += draw(st.binary(min_size=1, max_size=40))
        elif action == "splice":
            position = where % (len(data) + 1)
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
        else:
            value = draw(st.integers(0, 255))
            if data:
                data[where % len(data)] = value
    return bytes(data)


def _only_typed_errors(decode: Callable[[bytes], object], data: bytes) -> None:
    with contextlib.suppress(SignalError):
        decode(data)


@pytest.mark.parametrize("kind", sorted(DECODERS))
@given(data=st.data())
def test_decoders_raise_only_signal_errors(kind: str, data: st.DataObject) -> None:
    blob = data.draw(st.one_of(st.binary(max_size=300), _mutated(_samples()[kind])))
    _only_typed_errors(DECODERS[kind], blob)


@given(st.binary(max_size=40))
def test_unpad_raises_only_signal_errors(data: bytes) -> None:
    _only_typed_errors(unpad, data)


@given(
    st.dictionaries(st.sampled_from(["v", "type", "mediatype"]), st.text(max_size=6)),
    st.binary(max_size=8) | st.none(),
)
def test_read_enc_raises_only_signal_errors(attrs: dict[str, str], content: bytes | None) -> None:
    _only_typed_errors(lambda _: read_enc(Node("enc", attrs, content)), b"")


@given(st.data())
def test_bundle_from_node_raises_only_signal_errors(data: st.DataObject) -> None:
    store = MemorySignalStore(LocalIdentity.generate())
    signed = store.current_signed_prekey()
    assert signed is not None
    children = prekeys_nodes(store.local_identity(), signed, generate_prekeys(1, 1))
    key = children[3].children("key")[0]
    parts = [*children[:3], key, children[4]]
    kept = data.draw(st.lists(st.sampled_from(parts), max_size=6))
    mangled = [
        Node(node.tag, {}, data.draw(_mutated(node.content)))
        if type(node.content) is bytes and data.draw(st.booleans())
        else node
        for node in kept
    ]
    _only_typed_errors(lambda _: bundle_from_node(Node("user", {}, mangled)), b"")


def _fresh_pair() -> tuple[MemorySignalStore, SignalCipher, bytes, bytes]:
    """Bob's store and cipher with a prekey, and Alice's first pkmsg and a later msg to him."""
    alice, bob = MemorySignalStore(), MemorySignalStore()
    (prekey,) = generate_prekeys(1, 1)
    bob.put_prekeys([prekey])
    signed = bob.current_signed_prekey()
    assert signed is not None
    sender = SignalCipher(alice)
    sender.start_session(BOB, PreKeyBundle.of(bob.local_identity(), signed, prekey))
    pkmsg = sender.encrypt(BOB, b"first").body
    second = sender.encrypt(BOB, b"second").body
    return bob, SignalCipher(bob), pkmsg, PreKeySignalMessage.parse(second).message.serialized


@given(st.data())
def test_a_mutated_message_is_refused_and_changes_nothing(data: st.DataObject) -> None:
    bob, cipher, pkmsg, msg = _fresh_pair()
    mutated = data.draw(_mutated(pkmsg))
    try:
        result = cipher.decrypt(ALICE, "pkmsg", mutated)
    except SignalError:
        assert bob.get_session(ALICE) is None and bob.prekey_count() == 1
        assert cipher.decrypt(ALICE, "pkmsg", pkmsg).plaintext == b"first"
    else:  # a mutation protobuf parsing ignores (e.g. an unknown field) may still decrypt
        assert result.plaintext == b"first"
    before = bob.get_session(ALICE)
    mutated = data.draw(_mutated(msg))
    try:
        cipher.decrypt(ALICE, "msg", mutated)
    except SignalError:
        assert bob.get_session(ALICE) == before


@given(st.data())
def test_a_mutated_group_message_is_refused_and_changes_nothing(data: st.DataObject) -> None:
    sender, member = SignalCipher(MemorySignalStore()), SignalCipher(MemorySignalStore())
    distribution, _ = sender.group_key(NAME)
    member.process_group_key(NAME, distribution)
    body = sender.group_encrypt(NAME, b"group").body
    before = member.store.get_sender_key(NAME)
    mutated = data.draw(_mutated(body))
    try:
        result = member.group_decrypt(NAME, mutated)
    except SignalError:
        assert member.store.get_sender_key(NAME) == before
    else:
        assert result.plaintext == b"group"
    with contextlib.suppress(SignalError):
        member.process_group_key(NAME, data.draw(_mutated(distribution)))


def test_create_sender_key_makes_a_parseable_distribution() -> None:
    message, record = create_sender_key(None)
    assert SenderKeyDistributionMessage.parse(message.serialized) == message
    assert record.state() is not None
