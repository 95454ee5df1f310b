"""The Signal layer in Python alone: known answers, round trips, bounds, records, the store.

Interop with libsignal-node and Baileys is in ``tests/interop``; fuzzing in
``test_signal_fuzz.py``.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wabus.core import Jid, Node
from wabus.core.events import IdentityChange
from wabus.proto import signal_pb2
from wabus.protocol import (
    MAX_ARCHIVED_SESSIONS,
    MAX_FORWARD,
    MAX_PREKEY_ID,
    MAX_RECEIVING_CHAINS,
    MAX_SENDER_KEY_STATES,
    MAX_SKIPPED_KEYS,
    DuplicateMessage,
    IdentityTrust,
    InvalidMessage,
    InvalidPadding,
    InvalidPreKeyId,
    InvalidRecord,
    InvalidSignature,
    KeyPair,
    LocalIdentity,
    MemorySignalStore,
    NoSenderKey,
    NoSession,
    PreKeyBundle,
    PreKeyRecord,
    PreKeySignalMessage,
    ProtocolAddress,
    SenderKeyDistributionMessage,
    SenderKeyName,
    SenderKeyRecord,
    SessionRecord,
    SignalChanges,
    SignalCipher,
    SignalMessage,
    SignedPreKeyRecord,
    TooFarInFuture,
    UntrustedIdentity,
    bundle_from_node,
    create_sender_key,
    decrypt_message,
    enc_node,
    encode_node,
    encrypt_message,
    generate_key_pairs,
    generate_prekeys,
    group_decrypt,
    group_encrypt,
    initiate_session,
    pad,
    prekeys_nodes,
    process_sender_key_distribution,
    read_enc,
    rotate_signed_prekey_node,
    unpad,
    unpad_for_version,
    xeddsa_verify,
)
from wabus.protocol._signal_wire import hkdf

ALICE = ProtocolAddress("15550001111", 0)
BOB = ProtocolAddress("123456789_1", 2)
GROUP = "120363000000000002@g.us"


# Known answers ----------------------------------------------------------------------------


def test_hkdf_rfc5869_case_1() -> None:
    okm = hkdf(
        bytes.fromhex("0b" * 22),
        bytes.fromhex("000102030405060708090a0b0c"),
        bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"),
        42,
    )
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


def test_padding_known_answers() -> None:
    assert pad(b"ab", 3) == b"ab\x03\x03\x03"
    assert unpad(b"ab\x03\x03\x03") == b"ab"
    assert unpad(b"\x01") == b""
    assert unpad_for_version(b"ab\x03", "3") == b"ab\x03"
    for bad in (b"", b"ab\x00", b"ab\x02\x03\x03", b"\x05\x05"):
        with pytest.raises(InvalidPadding):
            unpad(bad)


@given(st.binary(max_size=200))
def test_padding_round_trips(plaintext: bytes) -> None:
    padded = pad(plaintext)
    assert 1 <= len(padded) - len(plaintext) <= 16
    assert unpad(padded) == plaintext


def test_addresses_follow_whatsapp_naming() -> None:
    assert str(ProtocolAddress.from_jid(Jid.parse("15550001111@s.whatsapp.net"))) == "15550001111.0"
    assert str(ProtocolAddress.from_jid(Jid.parse("123:4@lid"))) == "123_1.4"
    assert str(ProtocolAddress.from_jid(Jid.parse("55:99@hosted"))) == "55_128.99"
    assert str(ProtocolAddress.from_jid(Jid.parse("55@hosted.lid"))) == "55_129.0"
    for text in ("15550001111.0", "123_1.4", "55_128.99", "55_129.0"):
        address = ProtocolAddress.parse(text)
        assert str(address) == text
        assert ProtocolAddress.from_jid(address.to_jid()) == address
    assert ProtocolAddress.parse("123_1.4").user == Jid.parse("123@lid")
    name = SenderKeyName.of(Jid.parse(GROUP), Jid.parse("123:4@lid"))
    assert str(name) == f"{GROUP}::123_1::4"
    assert SenderKeyName.parse(str(name)) == name
    for bad in ("nodot", "a.b", ".1", "a.1.x"):
        with pytest.raises(ValueError, match="Signal address"):
            ProtocolAddress.parse(bad)
    with pytest.raises(ValueError, match="no Signal address"):
        ProtocolAddress.from_jid(Jid.parse(GROUP))


# 1:1 sessions -----------------------------------------------------------------------------


@dataclasses.dataclass
class Pair:
    alice: SignalCipher
    bob: SignalCipher
    bob_store: MemorySignalStore


def _pair(*, one_time: bool = True, trust: IdentityTrust = IdentityTrust.TOFU) -> Pair:
    """Alice has a session from Bob's bundle; nothing has been sent yet."""
    alice_store, bob_store = MemorySignalStore(), MemorySignalStore()
    prekey = None
    if one_time:
        (prekey,) = generate_prekeys(bob_store.next_prekey_id(), 1)
        bob_store.put_prekeys([prekey])
    signed = bob_store.current_signed_prekey()
    assert signed is not None
    alice = SignalCipher(alice_store, trust=trust)
    alice.start_session(BOB, PreKeyBundle.of(bob_store.local_identity(), signed, prekey))
    return Pair(alice, SignalCipher(bob_store, trust=trust), bob_store)


def _send(sender: SignalCipher, to: ProtocolAddress, text: bytes) -> tuple[str, bytes]:
    message = sender.encrypt(to, text)
    return message.kind, message.body


def _receive(receiver: SignalCipher, sender: ProtocolAddress, kind: str, body: bytes) -> bytes:
    assert kind in ("pkmsg", "msg")
    return receiver.decrypt(sender, kind, body).plaintext  # type: ignore[arg-type]


def test_a_conversation() -> None:
    pair = _pair()
    kind, body = _send(pair.alice, BOB, b"hi")
    assert kind == "pkmsg"
    result = pair.bob.decrypt(ALICE, "pkmsg", body)
    assert result.plaintext == b"hi" and result.consumed_prekey == 1
    assert pair.bob_store.prekey_count() == 0
    kind, body = _send(pair.bob, ALICE, b"hello")
    assert kind == "msg"
    assert _receive(pair.alice, BOB, kind, body) == b"hello"
    kind, body = _send(pair.alice, BOB, b"and now a msg")
    assert kind == "msg"
    assert _receive(pair.bob, ALICE, kind, body) == b"and now a msg"


def test_a_session_without_a_one_time_prekey() -> None:
    pair = _pair(one_time=False)
    _, body = _send(pair.alice, BOB, b"four DHs")
    assert PreKeySignalMessage.parse(body).prekey_id is None
    result = pair.bob.decrypt(ALICE, "pkmsg", body)
    assert result.plaintext == b"four DHs" and result.consumed_prekey is None


@settings(max_examples=25)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 4)), min_size=1, max_size=6), st.randoms())
def test_out_of_order_conversations(turns: list[tuple[bool, int]], rng: random.Random) -> None:
    """Turns of 1..4 messages each way, each turn delivered in a random order."""
    pair = _pair()
    kind, body = _send(pair.alice, BOB, b"start")
    assert _receive(pair.bob, ALICE, kind, body) == b"start"
    for n, (from_alice, count) in enumerate(turns):
        sender, receiver = (pair.alice, pair.bob) if from_alice else (pair.bob, pair.alice)
        to, source = (BOB, ALICE) if from_alice else (ALICE, BOB)
        sent = [(b"%d/%d" % (n, i), *_send(sender, to, b"%d/%d" % (n, i))) for i in range(count)]
        rng.shuffle(sent)
        for text, kind, body in sent:
            assert _receive(receiver, source, kind, body) == text


def test_a_duplicate_is_refused_and_changes_nothing() -> None:
    pair = _pair()
    kind, body = _send(pair.alice, BOB, b"once")
    assert _receive(pair.bob, ALICE, kind, body) == b"once"
    before = pair.bob_store.get_session(ALICE)
    with pytest.raises(DuplicateMessage):
        pair.bob.decrypt(ALICE, "pkmsg", body)
    assert pair.bob_store.get_session(ALICE) == before


def test_skipped_keys_are_bounded() -> None:
    pair = _pair()
    kind, body = _send(pair.alice, BOB, b"start")
    _receive(pair.bob, ALICE, kind, body)
    reply = pair.bob.encrypt(ALICE, b"ack")
    _receive(pair.alice, BOB, reply.kind, reply.body)
    sent = [pair.alice.encrypt(BOB, b"%d" % n).body for n in range(2 * MAX_FORWARD)]
    with pytest.raises(TooFarInFuture) as raised:
        pair.bob.decrypt(ALICE, "msg", sent[MAX_FORWARD])
    assert raised.value.jump == MAX_FORWARD + 1
    assert _receive(pair.bob, ALICE, "msg", sent[MAX_FORWARD - 1]) == b"%d" % (MAX_FORWARD - 1)
    assert _receive(pair.bob, ALICE, "msg", sent[-1]) == b"%d" % (2 * MAX_FORWARD - 1)
    record = pair.bob_store.get_session(ALICE)
    assert record is not None and record.current is not None
    assert len(record.current.receiving[0].skipped) == MAX_SKIPPED_KEYS
    with pytest.raises(DuplicateMessage):  # its key was the oldest, dropped
        pair.bob.decrypt(ALICE, "msg", sent[0])
    assert _receive(pair.bob, ALICE, "msg", sent[-2]) == b"%d" % (2 * MAX_FORWARD - 2)


def test_receiving_chains_and_archived_sessions_are_bounded() -> None:
    pair = _pair()
    for n in range(MAX_RECEIVING_CHAINS + 3):
        kind, body = _send(pair.alice, BOB, b"a%d" % n)
        _receive(pair.bob, ALICE, kind, body)
        kind, body = _send(pair.bob, ALICE, b"b%d" % n)
        _receive(pair.alice, BOB, kind, body)
    record = pair.bob_store.get_session(ALICE)
    assert record is not None and record.current is not None
    assert len(record.current.receiving) == MAX_RECEIVING_CHAINS
    bob = pair.bob_store.local_identity()
    signed = pair.bob_store.current_signed_prekey()
    assert signed is not None
    alice = LocalIdentity.generate()
    sessions: SessionRecord | None = None
    for _ in range(MAX_ARCHIVED_SESSIONS + 5):
        sessions = initiate_session(sessions, PreKeyBundle.of(bob, signed), alice)
    assert sessions is not None and len(sessions.previous) == MAX_ARCHIVED_SESSIONS


def test_an_archived_session_still_decrypts_and_is_promoted() -> None:
    pair = _pair()
    kind, first = _send(pair.alice, BOB, b"old session")
    late_kind, late = _send(pair.alice, BOB, b"late on the old session")
    _receive(pair.bob, ALICE, kind, first)
    # Alice starts over (a new bundle): Bob's old session gets archived on the new pkmsg.
    signed = pair.bob_store.current_signed_prekey()
    assert signed is not None
    pair.alice.start_session(BOB, PreKeyBundle.of(pair.bob_store.local_identity(), signed))
    kind, fresh = _send(pair.alice, BOB, b"new session")
    _receive(pair.bob, ALICE, kind, fresh)
    record = pair.bob_store.get_session(ALICE)
    assert record is not None and len(record.previous) == 1
    new_base = record.current.base_key if record.current else None
    assert _receive(pair.bob, ALICE, late_kind, late) == b"late on the old session"
    record = pair.bob_store.get_session(ALICE)
    assert record is not None and record.current is not None
    assert record.current.base_key != new_base  # promoted
    assert [s.base_key for s in record.previous] == [new_base]


def test_unknown_prekeys_and_missing_sessions() -> None:
    pair = _pair()
    _, body = _send(pair.alice, BOB, b"hi")
    stranger_identity = LocalIdentity.generate()
    stranger = SignalCipher(
        MemorySignalStore(
            stranger_identity, SignedPreKeyRecord.generate(stranger_identity.identity, 2)
        )
    )
    with pytest.raises(InvalidPreKeyId) as raised:
        stranger.decrypt(ALICE, "pkmsg", body)
    assert raised.value.kind == "signed"
    pair.bob_store.remove_prekey(1)
    with pytest.raises(InvalidPreKeyId, match="one-time"):
        pair.bob.decrypt(ALICE, "pkmsg", body)
    with pytest.raises(NoSession):
        pair.bob.encrypt(ALICE, b"x")
    with pytest.raises(NoSession):
        pair.bob.decrypt(
            ALICE,
            "msg",
            SignalMessage.parse(PreKeySignalMessage.parse(body).message.serialized).serialized,
        )


def test_a_bad_bundle_signature_is_refused() -> None:
    bob = MemorySignalStore()
    signed = bob.current_signed_prekey()
    assert signed is not None
    forged = dataclasses.replace(
        signed, signature=KeyPair.generate().sign(b"\x05" + signed.key_pair.public)
    )
    with pytest.raises(InvalidSignature):
        SignalCipher(MemorySignalStore()).start_session(
            BOB, PreKeyBundle.of(bob.local_identity(), forged)
        )


def test_identity_changes() -> None:
    pair = _pair()
    kind, body = _send(pair.alice, BOB, b"hi")
    _receive(pair.bob, ALICE, kind, body)
    # Alice reinstalls: a new identity, a new session from Bob's bundle.
    signed = pair.bob_store.current_signed_prekey()
    assert signed is not None
    bundle = PreKeyBundle.of(pair.bob_store.local_identity(), signed)
    reinstalled = SignalCipher(MemorySignalStore())
    reinstalled.start_session(BOB, bundle)
    kind, body = _send(reinstalled, BOB, b"new phone")
    strict = SignalCipher(pair.bob_store, trust=IdentityTrust.STRICT)
    before = pair.bob_store.get_session(ALICE)
    with pytest.raises(UntrustedIdentity) as raised:
        strict.decrypt(ALICE, "pkmsg", body)
    assert raised.value.received == reinstalled.store.local_identity().identity.public
    assert pair.bob_store.get_session(ALICE) == before
    result = pair.bob.decrypt(ALICE, "pkmsg", body)
    assert result.plaintext == b"new phone"
    change = result.identity_change
    assert change is not None and change.address == ALICE
    assert change.current == reinstalled.store.local_identity().identity.public
    assert pair.bob_store.get_identity(ALICE) == change.current
    record = pair.bob_store.get_session(ALICE)
    assert record is not None and not record.previous  # the old identity's sessions are gone
    event = change.event()
    assert isinstance(event, IdentityChange)
    assert event.user == Jid.parse("15550001111@s.whatsapp.net")


def test_without_auto_apply_the_store_is_untouched_until_apply() -> None:
    pair = _pair()
    _, body = _send(pair.alice, BOB, b"hi")
    manual = SignalCipher(pair.bob_store, auto_apply=False)
    result = manual.decrypt(ALICE, "pkmsg", body)
    assert pair.bob_store.get_session(ALICE) is None and pair.bob_store.prekey_count() == 1
    assert result.changes.removed_prekeys == {1}
    # Nothing stored (a crash before the commit) and redelivered: it decrypts the same again.
    assert manual.decrypt(ALICE, "pkmsg", body).plaintext == result.plaintext
    pair.bob_store.apply(result.changes)
    assert pair.bob_store.get_session(ALICE) is not None and pair.bob_store.prekey_count() == 0
    with pytest.raises(DuplicateMessage):
        manual.decrypt(ALICE, "pkmsg", body)


def test_changes_combine() -> None:
    a, b = generate_prekeys(5, 2)
    first = SignalChanges(added_prekeys=(a, b), sessions={ALICE: SessionRecord()})
    second = SignalChanges(removed_prekeys=frozenset({5}), sessions={ALICE: None}, next_prekey_id=7)
    both = first | second
    assert both.added_prekeys == (b,) and both.removed_prekeys == {5}
    assert both.sessions == {ALICE: None} and both.next_prekey_id == 7
    assert not SignalChanges() and both


def test_prekey_ids_wrap_and_new_prekeys_advance_the_counter() -> None:
    records = generate_prekeys(MAX_PREKEY_ID - 1, 3)
    assert [r.key_id for r in records] == [MAX_PREKEY_ID - 1, MAX_PREKEY_ID, 1]
    store = MemorySignalStore()
    cipher = SignalCipher(store)
    made, _ = cipher.new_prekeys(4)
    assert [r.key_id for r in made] == [1, 2, 3, 4]
    assert store.next_prekey_id() == 5 and store.prekey_count() == 4


def test_new_prekeys_take_key_pairs_made_ahead_and_number_them_when_staged() -> None:
    store = MemorySignalStore()
    cipher = SignalCipher(store)
    pairs = generate_key_pairs(3)
    assert len({pair.public for pair in pairs}) == 3
    cipher.new_prekeys(2)  # ids 1 and 2 go meanwhile (another upload, between make and stage)
    made, _ = cipher.new_prekeys(2, key_pairs=pairs)
    assert [r.key_id for r in made] == [3, 4]
    assert [r.key_pair for r in made] == list(pairs[:2])
    assert store.next_prekey_id() == 5 and store.prekey_count() == 4
    with pytest.raises(ValueError, match="3 prekeys wanted, 1 key pairs given"):
        cipher.new_prekeys(3, key_pairs=pairs[:1])
    assert store.prekey_count() == 4


# Records ----------------------------------------------------------------------------------


def test_records_round_trip_through_bytes() -> None:
    pair = _pair()
    for _ in range(3):
        kind, body = _send(pair.alice, BOB, b"x")
        _receive(pair.bob, ALICE, kind, body)
        kind, body = _send(pair.bob, ALICE, b"y")
        _receive(pair.alice, BOB, kind, body)
    skipped = pair.alice.encrypt(BOB, b"skipped")
    last = pair.alice.encrypt(BOB, b"last")
    _receive(pair.bob, ALICE, last.kind, last.body)
    for store in (pair.alice.store, pair.bob_store):
        for address in (ALICE, BOB):
            record = store.get_session(address)
            if record is not None:
                assert SessionRecord.from_bytes(record.to_bytes()) == record
    assert _receive(pair.bob, ALICE, skipped.kind, skipped.body) == b"skipped"
    identity = LocalIdentity.generate()
    assert LocalIdentity.from_bytes(identity.to_bytes()) == identity
    raw = LocalIdentity(KeyPair(private=bytes(32)), 7)
    assert LocalIdentity.from_bytes(raw.to_bytes()) == raw
    (prekey,) = generate_prekeys(9, 1)
    assert PreKeyRecord.from_bytes(prekey.to_bytes()) == prekey
    signed = SignedPreKeyRecord.generate(identity.identity, 3)
    assert SignedPreKeyRecord.from_bytes(signed.to_bytes()) == signed
    _, sender = create_sender_key(None)
    assert SenderKeyRecord.from_bytes(sender.to_bytes()) == sender


def test_records_refuse_unknown_versions_and_garbage() -> None:
    record = signal_pb2.SessionRecordStructure.FromString(SessionRecord().to_bytes())
    record.version = 2
    with pytest.raises(InvalidRecord, match="version 2"):
        SessionRecord.from_bytes(record.SerializeToString())
    with pytest.raises(InvalidRecord, match="version None"):
        SenderKeyRecord.from_bytes(b"")
    with pytest.raises(InvalidRecord):
        PreKeyRecord.from_bytes(b"\xff\xff")
    stored = signal_pb2.PreKeyRecordStructure.FromString(generate_prekeys(1, 1)[0].to_bytes())
    stored.keyPair.publicKey = bytes(32)
    with pytest.raises(InvalidRecord, match="does not match"):
        PreKeyRecord.from_bytes(stored.SerializeToString())


# Groups -----------------------------------------------------------------------------------


@settings(max_examples=25)
@given(st.permutations(range(10)))
def test_group_messages_in_any_order(order: list[int]) -> None:
    name = SenderKeyName(GROUP, ALICE)
    distribution, ours = create_sender_key(None)
    theirs = process_sender_key_distribution(
        None, SenderKeyDistributionMessage.parse(distribution.serialized)
    )
    sent = []
    for n in range(10):
        message, ours = group_encrypt(ours, b"%d" % n, name)
        sent.append(message)
    assert [m.iteration for m in sent] == list(range(10))
    for n in order:
        plaintext, theirs = group_decrypt(theirs, sent[n], name)
        assert plaintext == b"%d" % n
    for message in sent:
        with pytest.raises(DuplicateMessage):
            group_decrypt(theirs, message, name)


def test_group_bounds_and_distribution_rules() -> None:
    name = SenderKeyName(GROUP, ALICE)
    distribution, ours = create_sender_key(None)
    skdm = SenderKeyDistributionMessage.parse(distribution.serialized)
    theirs = process_sender_key_distribution(None, skdm)
    sent = []
    for _ in range(MAX_FORWARD + 2):
        message, ours = group_encrypt(ours, b"m", name)
        sent.append(message)
    with pytest.raises(TooFarInFuture):
        group_decrypt(theirs, sent[MAX_FORWARD + 1], name)
    _, after = group_decrypt(theirs, sent[MAX_FORWARD], name)
    state = after.state(skdm.key_id)
    assert state is not None and len(state.skipped) == MAX_SKIPPED_KEYS
    # The same distribution again keeps the state we have (with its skipped keys).
    assert process_sender_key_distribution(after, skdm) == after
    # Another signing key under the same id replaces it.
    other = SenderKeyDistributionMessage.build(
        key_id=skdm.key_id, iteration=0, chain_key=bytes(32), signing_key=KeyPair.generate().public
    )
    replaced = process_sender_key_distribution(after, other)
    assert len(replaced.states) == 1 and replaced.states[0].signing_public == other.signing_key
    with pytest.raises(InvalidSignature):
        group_decrypt(replaced, sent[0], name)
    record = after
    for key_id in range(MAX_SENDER_KEY_STATES + 2):
        record = process_sender_key_distribution(
            record,
            SenderKeyDistributionMessage.build(
                key_id=key_id,
                iteration=0,
                chain_key=bytes(32),
                signing_key=KeyPair.generate().public,
            ),
        )
    assert len(record.states) == MAX_SENDER_KEY_STATES
    assert record.state(skdm.key_id) is None  # the oldest went first
    with pytest.raises(NoSenderKey):
        group_decrypt(record, sent[0], name)
    with pytest.raises(NoSenderKey):
        group_encrypt(theirs, b"not ours", name)


def test_the_group_cipher_through_the_store() -> None:
    sender, member = SignalCipher(MemorySignalStore()), SignalCipher(MemorySignalStore())
    name = SenderKeyName(GROUP, ALICE)
    distribution, changes = sender.group_key(name)
    assert changes.sender_keys
    again, unchanged = sender.group_key(name)
    assert again == distribution and not unchanged
    member.process_group_key(name, distribution)
    message = sender.group_encrypt(name, pad(b"to the group"))
    assert message.kind == "skmsg"
    assert unpad(member.group_decrypt(name, message.body).plaintext) == b"to the group"


# WhatsApp framing -------------------------------------------------------------------------


def test_enc_nodes() -> None:
    node = enc_node("pkmsg", b"\x33body", media_type="image")
    assert node.attrs == {"v": "2", "type": "pkmsg", "mediatype": "image"}
    payload = read_enc(node)
    assert (payload.kind, payload.version, payload.body, payload.media_type) == (
        "pkmsg",
        "2",
        b"\x33body",
        "image",
    )
    for bad in (
        Node("plaintext", {}, b"x"),
        Node("enc", {"v": "2", "type": "msmsg"}, b"x"),
        Node("enc", {"v": "9", "type": "msg"}, b"x"),
        Node("enc", {"v": "2", "type": "msg"}),
    ):
        with pytest.raises(InvalidMessage):
            read_enc(bad)


def test_bundles_in_nodes_round_trip() -> None:
    store = MemorySignalStore()
    identity, signed = store.local_identity(), store.current_signed_prekey()
    assert signed is not None
    (prekey,) = generate_prekeys(1, 1)
    children = prekeys_nodes(identity, signed, [prekey])
    upload = {child.tag: child for child in children}
    key = upload["list"].children("key")[0]
    user = Node("user", {"jid": "123@s.whatsapp.net"}, [*children[:3], key, upload["skey"]])
    assert bundle_from_node(user) == PreKeyBundle.of(identity, signed, prekey)
    wrapped = Node("user", {}, [children[0], Node("keys", {}, [*children[1:3], upload["skey"]])])
    assert bundle_from_node(wrapped) == PreKeyBundle.of(identity, signed)
    with pytest.raises(InvalidMessage, match="no keys"):
        bundle_from_node(Node("user", {}, [Node("error", {"code": "404", "text": "x"})]))
    with pytest.raises(InvalidMessage, match="identity"):
        bundle_from_node(Node("user", {}, [children[0], children[1], upload["skey"]]))


def test_a_prekey_upload_is_the_nodes_a_checked_build_makes() -> None:
    """The upload's key list is built without each node's checks (it is the hot part of a
    first login): it equals, and encodes the same as, the list built the checked way."""
    identity = LocalIdentity.generate()
    signed = SignedPreKeyRecord.generate(identity.identity, 1)
    records = generate_prekeys(MAX_PREKEY_ID - 1, 3)
    listed = {child.tag: child for child in prekeys_nodes(identity, signed, records)}["list"]
    checked = Node(
        "list",
        None,
        [
            Node(
                "key",
                None,
                [
                    Node("id", None, r.key_id.to_bytes(3, "big")),
                    Node("value", None, r.key_pair.public),
                ],
            )
            for r in records
        ],
    )
    assert listed == checked
    assert encode_node(listed) == encode_node(checked)
    assert [key.child("id").bytes_content for key in listed.children("key")] == [  # type: ignore[union-attr]
        b"\xff\xff\xfe",
        b"\xff\xff\xff",
        b"\x00\x00\x01",
    ]


def test_pure_transitions_leave_their_inputs_alone() -> None:
    alice, bob = LocalIdentity.generate(), LocalIdentity.generate()
    signed = SignedPreKeyRecord.generate(bob.identity, 1)
    record = initiate_session(None, PreKeyBundle.of(bob, signed), alice)
    snapshot = record.to_bytes()
    message, after = encrypt_message(record, b"x", alice)
    assert record.to_bytes() == snapshot and after != record
    with pytest.raises(NoSession):
        decrypt_message(
            SessionRecord(),
            SignalMessage.parse(PreKeySignalMessage.parse(message.body).message.serialized),
            alice,
        )


def test_simultaneous_initiation_converges() -> None:
    """Both sides start a session at once; each ends up on the session the other uses."""
    alice_store, bob_store = MemorySignalStore(), MemorySignalStore()
    alice, bob = SignalCipher(alice_store), SignalCipher(bob_store)
    for cipher, peer, store in ((alice, BOB, bob_store), (bob, ALICE, alice_store)):
        signed = store.current_signed_prekey()
        assert signed is not None
        cipher.start_session(peer, PreKeyBundle.of(store.local_identity(), signed))
    from_alice = alice.encrypt(BOB, b"from alice")
    from_bob = bob.encrypt(ALICE, b"from bob")
    assert _receive(bob, ALICE, from_alice.kind, from_alice.body) == b"from alice"
    assert _receive(alice, BOB, from_bob.kind, from_bob.body) == b"from bob"
    for n in range(3):
        kind, body = _send(alice, BOB, b"a%d" % n)
        assert _receive(bob, ALICE, kind, body) == b"a%d" % n
        kind, body = _send(bob, ALICE, b"b%d" % n)
        assert _receive(alice, BOB, kind, body) == b"b%d" % n
    assert kind == "msg"


def test_a_rotated_signed_prekey_is_the_next_signed_and_current_one() -> None:
    store = MemorySignalStore()
    cipher = SignalCipher(store)
    first = store.current_signed_prekey()
    assert first is not None
    record, changes = cipher.rotate_signed_prekey(1_800_000_000)
    assert changes.signed_prekey == record
    assert record.key_id == first.key_id + 1 and record.created == 1_800_000_000
    identity = store.local_identity().identity.public
    assert xeddsa_verify(identity, b"\x05" + record.key_pair.public, record.signature)
    assert store.current_signed_prekey() == record
    assert store.get_signed_prekey(first.key_id) == first  # kept for pkmsgs in flight
    assert SignedPreKeyRecord.from_bytes(record.to_bytes()) == record  # its age is kept
    node = rotate_signed_prekey_node(record)
    skey = node.require_child("rotate").require_child("skey")
    assert skey.require_child("id").content == record.key_id.to_bytes(3, "big")
    assert skey.require_child("signature").content == record.signature


def test_signed_prekey_ids_wrap_around() -> None:
    identity = LocalIdentity.generate()
    last = SignedPreKeyRecord.generate(identity.identity, 0xFFFFFF)
    store = MemorySignalStore(identity=identity, signed_prekey=last)
    record, _ = SignalCipher(store).rotate_signed_prekey(1)
    assert record.key_id == 1
