"""`E2EDecryptor`, `StagedSignalStore` and `fan_out`: the router's side of Signal, sans-IO."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wabus.core import Jid, Node, Server
from wabus.core.events import Message, MessageInfo, MessageSource, UndecryptableMessage
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import (
    AlreadyHandled,
    DecryptionFailed,
    DeviceEnc,
    E2EDecryptor,
    MemorySignalStore,
    PreKeyBundle,
    ProtocolAddress,
    Router,
    SenderKeyName,
    SignalChanges,
    SignalCipher,
    StagedSignalStore,
    device_sent,
    enc_node,
    fan_out,
    inbox_key,
    pad,
)

ALICE = Jid("15550000002", Server.USER)
ME = Jid("15550000001", Server.USER, device=7)
GROUP = Jid("120363000000000001", Server.GROUP)


def info(message_id: str, sender: Jid = ALICE, chat: Jid | None = None) -> MessageInfo:
    return MessageInfo(
        source=MessageSource(
            chat=chat or sender.to_non_ad(), sender=sender, is_group=chat is not None
        ),
        id=message_id,
        timestamp=datetime(2026, 12, 1, tzinfo=UTC),
    )


def pending(store: StagedSignalStore) -> bool:
    return store.pending  # a call: the type checker must not narrow it across steps


class Pair:
    """Alice (a plain cipher) and us (a cipher over a staged store, with the decryptor)."""

    def __init__(self) -> None:
        self.durable = MemorySignalStore()
        self.staged = StagedSignalStore(self.durable)
        self.ours = SignalCipher(self.staged)
        self.inbox: dict[str, bytes] = {}
        self.decryptor = E2EDecryptor(self.ours, inbox=self)
        self.alice = SignalCipher(MemorySignalStore())
        identity = self.durable.local_identity()
        signed = self.durable.current_signed_prekey()
        assert signed is not None
        self.us = ProtocolAddress.from_jid(ME)
        self.alice.start_session(self.us, PreKeyBundle.of(identity, signed))

    def get_inbox(self, key: str) -> bytes | None:
        return self.inbox.get(key)

    def from_alice(self, text: bytes) -> Node:
        encrypted = self.alice.encrypt(self.us, pad(text))
        return enc_node(encrypted.kind, encrypted.body)

    def commit(self) -> None:
        changes = self.staged.take_staged()
        self.durable.apply(changes)
        self.inbox.update(self.decryptor.take_staged_inbox())
        self.staged.committed(changes)


def test_decrypts_in_order_and_stages_until_committed() -> None:
    pair = Pair()
    first = pair.from_alice(b"one")
    assert pair.decryptor.decrypt(first, info("M1")) == b"one"
    address = ProtocolAddress.from_jid(ALICE)
    assert pair.staged.get_session(address) is not None  # visible at once
    assert pair.durable.get_session(address) is None  # not durable yet
    assert pending(pair.staged)
    pair.commit()
    assert pair.durable.get_session(address) is not None
    assert not pending(pair.staged)
    assert pair.inbox[inbox_key(info("M1"))] == b"one"


def test_a_redelivery_after_a_commit_comes_from_the_inbox_and_without_it_is_dropped() -> None:
    pair = Pair()
    enc = pair.from_alice(b"once")
    assert pair.decryptor.decrypt(enc, info("M1")) == b"once"
    pair.commit()
    # The process died before the ack: the server delivers the stanza again.
    assert pair.decryptor.decrypt(enc, info("M1")) == b"once"
    pair.inbox.clear()  # acknowledged and forgotten: a duplicate now means "handled"
    with pytest.raises(AlreadyHandled):
        pair.decryptor.decrypt(enc, info("M1"))
    router = Router(own_pn=ME, decryptor=pair.decryptor)
    stanza = Node("message", {"from": ALICE, "id": "M1", "t": "1790000000", "type": "text"}, [enc])
    assert router.route(stanza) == []  # dropped, no event


def test_a_redelivery_before_the_commit_decrypts_again_from_the_durable_state() -> None:
    pair = Pair()
    enc = pair.from_alice(b"again")
    pair.decryptor.decrypt(enc, info("M1"))
    # Crash before the commit: a new process starts from what is durable.
    fresh = Pair.__new__(Pair)
    fresh.durable, fresh.inbox = pair.durable, {}
    fresh.staged = StagedSignalStore(pair.durable)
    fresh.ours = SignalCipher(fresh.staged)
    fresh.decryptor = E2EDecryptor(fresh.ours, inbox=fresh)
    assert fresh.decryptor.decrypt(enc, info("M1")) == b"again"


def test_a_group_message_takes_the_sender_key_from_the_pairwise_one() -> None:
    pair = Pair()
    name = SenderKeyName(str(GROUP), ProtocolAddress.from_jid(ALICE))
    distribution, _ = pair.alice.group_key(name)
    key_message = WAMessage(
        senderKeyDistributionMessage=WAMessage.SenderKeyDistributionMessage(
            groupId=str(GROUP), axolotlSenderKeyDistributionMessage=distribution
        )
    ).SerializeToString()
    skmsg = pair.alice.group_encrypt(
        name, pad(WAMessage(conversation="hi all").SerializeToString())
    )
    stanza = Node(
        "message",
        {"from": GROUP, "participant": ALICE, "id": "G1", "t": "1790000000", "type": "text"},
        [enc_node("skmsg", skmsg.body), pair.from_alice(key_message)],
    )
    [event] = Router(own_pn=ME, decryptor=pair.decryptor).route(stanza)
    assert isinstance(event, Message) and event.text == "hi all"


def test_a_tampered_message_is_undecryptable_with_the_reason_and_changes_nothing() -> None:
    pair = Pair()
    enc = pair.from_alice(b"x")
    assert isinstance(enc.content, bytes)
    bad = Node("enc", enc.attrs, enc.content[:-1] + bytes([enc.content[-1] ^ 1]))
    stanza = Node("message", {"from": ALICE, "id": "M1", "t": "1790000000"}, [bad])
    [event] = Router(own_pn=ME, decryptor=pair.decryptor).route(stanza)
    assert isinstance(event, UndecryptableMessage) and event.reason
    assert not pending(pair.staged)
    with pytest.raises(DecryptionFailed):
        pair.decryptor.decrypt(Node("enc", {"v": "2", "type": "nope"}, b"x"), info("M2"))


def test_staged_store_layers() -> None:
    durable = MemorySignalStore()
    staged = StagedSignalStore(durable)
    cipher = SignalCipher(staged)
    records, _ = cipher.new_prekeys(3)
    assert staged.prekey_count() == 3 and durable.prekey_count() == 0
    batch = staged.take_staged()
    assert staged.get_prekey(records[0].key_id) == records[0]  # still visible while committing
    staged.remove_prekey(records[0].key_id)
    assert staged.get_prekey(records[0].key_id) is None
    durable.apply(batch)
    staged.committed(batch)
    assert staged.prekey_count() == 2
    assert staged.next_prekey_id() == durable.next_prekey_id()
    assert not SignalChanges()


def test_fan_out_shape() -> None:
    message = WAMessage(conversation="hi")
    copy = device_sent(message, ALICE)
    assert copy.deviceSentMessage.destinationJid == str(ALICE)
    stanza = fan_out(
        "3EB0X",
        ALICE,
        [DeviceEnc(ALICE.with_device(0), "pkmsg", b"a"), DeviceEnc(ME.with_device(3), "msg", b"b")],
        device_identity=b"id",
    )
    assert stanza.attrs == {"id": "3EB0X", "to": ALICE, "type": "text"}
    participants = stanza.require_child("participants")
    assert [to.jid("jid") for to in participants.children("to")] == [
        ALICE.with_device(0),
        ME.with_device(3),
    ]
    assert stanza.require_child("device-identity").content == b"id"
    only_msg = fan_out("3EB0Y", ALICE, [DeviceEnc(ALICE, "msg", b"a")], device_identity=b"id")
    assert only_msg.child("device-identity") is None  # only a pkmsg needs it
