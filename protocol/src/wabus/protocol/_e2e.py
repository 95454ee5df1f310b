"""End-to-end encryption as WhatsApp frames it: decrypting ``<enc>`` bodies for the router,
and building the fan-out of a message to every device (sans-IO).

Theory of operation
-------------------

Receiving. `E2EDecryptor` is the router's `Decryptor`. For each ``<enc>`` of a message it picks
the sender's Signal address (``pkmsg``/``msg``) or the group's sender key (``skmsg``), decrypts
with the `SignalCipher`, removes WhatsApp's padding, and takes in a
``senderKeyDistributionMessage`` when the decrypted message carries one. The cipher's store is
a `StagedSignalStore`: every change lands in memory at once (the next message sees it) and is
handed to the driver with `take_staged`, which writes it durably in one transaction.

Crashes and redelivery. The driver commits what a stanza changed before its handlers run, and
acknowledges the stanza after they ran. Whatever a commit made durable that the server may
still deliver again, the decrypted plaintext of the stanza goes with it, into the *inbox*
(`staged_inbox`, keyed by chat, sender and message id). If the process dies between the commit
and the ack, the server delivers the stanza again; the ratchet has moved past it
(`DuplicateMessage`), and the plaintext comes from the inbox instead, so the message is handled
(at least once). A duplicate with nothing in the inbox was handled and acknowledged before:
it is `AlreadyHandled`, and the router drops it. Before the commit nothing is durable: the
redelivered stanza decrypts from the old state, as the first time.

Sending. `fan_out` builds the ``<message>`` stanza of one message encrypted for every device:
``<participants><to jid><enc/></to>…</participants>``, with the ``deviceSentMessage`` wrapper
for our own other devices (`device_sent`), the ``skmsg`` of a group message, and our
``<device-identity>`` when any ``<enc>`` is a ``pkmsg``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol, final

from google.protobuf.message import DecodeError

from wabus.core import Jid, Node
from wabus.core.events import MessageInfo
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol._errors import AlreadyHandled, DecryptionFailed, DuplicateMessage, SignalError
from wabus.protocol._signal_address import ProtocolAddress, SenderKeyName
from wabus.protocol._signal_framing import read_enc, unpad_for_version
from wabus.protocol._signal_group import SenderKeyRecord
from wabus.protocol._signal_keys import LocalIdentity, PreKeyRecord, SignedPreKeyRecord
from wabus.protocol._signal_session import SessionRecord
from wabus.protocol._signal_store import IdentityChanged, SignalChanges, SignalCipher, SignalStore

__all__ = [
    "DeviceEnc",
    "E2EDecryptor",
    "Inbox",
    "StagedSignalStore",
    "device_sent",
    "fan_out",
    "inbox_key",
]

_SKDM_FIELD: Final = 2


class Inbox(Protocol):
    """Where the plaintexts of committed but not yet acknowledged messages are kept."""

    def get_inbox(self, key: str) -> bytes | None:
        """The plaintext kept under `key` (see `inbox_key`), or None."""


def inbox_key(info: MessageInfo) -> str:
    """The inbox key of a message: its chat, sender and id."""
    return f"{info.source.chat}|{info.source.sender}|{info.id}"


_MISSING: Final = object()


@final
class StagedSignalStore:
    """A `SignalStore` over a durable one: writes stay in memory until the driver commits.

    Reads see the newest value: what was applied since the last `take_staged`, then what is
    being committed, then the durable store. `take_staged` hands out the changes to commit
    (they stay visible until `committed`). Not thread-safe: the event loop's thread uses it,
    the driver commits in a worker thread what `take_staged` gave it.
    """

    def __init__(self, durable: SignalStore) -> None:
        self.durable = durable
        self._staged = SignalChanges()
        self._committing: list[SignalChanges] = []

    # What changed ---------------------------------------------------------------------------

    def take_staged(self) -> SignalChanges:
        """The changes applied since the last call (to commit durably, then `committed`)."""
        staged, self._staged = self._staged, SignalChanges()
        if staged:
            self._committing.append(staged)
        return staged

    def committed(self, changes: SignalChanges) -> None:
        """`changes` (from `take_staged`) are durable now."""
        for index, layer in enumerate(self._committing):
            if layer is changes:
                del self._committing[index]
                return

    @property
    def pending(self) -> bool:
        """Whether anything applied is not durable yet."""
        return bool(self._staged) or bool(self._committing)

    def _layers(self) -> Iterable[SignalChanges]:
        yield self._staged
        yield from reversed(self._committing)

    def _find(self, table: str, key: object) -> object:
        for layer in self._layers():
            values: Mapping[object, object] = getattr(layer, table)
            if key in values:
                return values[key]
        return _MISSING

    # The SignalStore protocol ---------------------------------------------------------------

    def local_identity(self) -> LocalIdentity:
        return self.durable.local_identity()

    def get_session(self, address: ProtocolAddress) -> SessionRecord | None:
        found = self._find("sessions", address)
        return self.durable.get_session(address) if found is _MISSING else found  # type: ignore[return-value]

    def put_session(self, address: ProtocolAddress, record: SessionRecord | None) -> None:
        self.apply(SignalChanges(sessions={address: record}))

    def get_identity(self, address: ProtocolAddress) -> bytes | None:
        found = self._find("identities", address)
        return self.durable.get_identity(address) if found is _MISSING else found  # type: ignore[return-value]

    def put_identity(self, address: ProtocolAddress, identity: bytes | None) -> None:
        self.apply(SignalChanges(identities={address: identity}))

    def get_prekey(self, key_id: int) -> PreKeyRecord | None:
        for layer in self._layers():
            if key_id in layer.removed_prekeys:
                return None
            for record in layer.added_prekeys:
                if record.key_id == key_id:
                    return record
        return self.durable.get_prekey(key_id)

    def put_prekeys(self, records: Iterable[PreKeyRecord]) -> None:
        self.apply(SignalChanges(added_prekeys=tuple(records)))

    def remove_prekey(self, key_id: int) -> None:
        self.apply(SignalChanges(removed_prekeys=frozenset({key_id})))

    def next_prekey_id(self) -> int:
        for layer in self._layers():
            if layer.next_prekey_id is not None:
                return layer.next_prekey_id
        return self.durable.next_prekey_id()

    def prekey_count(self) -> int:
        count = self.durable.prekey_count()
        for layer in reversed(list(self._layers())):
            count += len(layer.added_prekeys) - len(layer.removed_prekeys)
        return max(0, count)

    def get_signed_prekey(self, key_id: int) -> SignedPreKeyRecord | None:
        for layer in self._layers():
            if layer.signed_prekey is not None and layer.signed_prekey.key_id == key_id:
                return layer.signed_prekey
        return self.durable.get_signed_prekey(key_id)

    def current_signed_prekey(self) -> SignedPreKeyRecord | None:
        for layer in self._layers():
            if layer.signed_prekey is not None:
                return layer.signed_prekey
        return self.durable.current_signed_prekey()

    def put_signed_prekey(self, record: SignedPreKeyRecord) -> None:
        self.apply(SignalChanges(signed_prekey=record))

    def get_sender_key(self, name: SenderKeyName) -> SenderKeyRecord | None:
        found = self._find("sender_keys", name)
        return self.durable.get_sender_key(name) if found is _MISSING else found  # type: ignore[return-value]

    def put_sender_key(self, name: SenderKeyName, record: SenderKeyRecord | None) -> None:
        self.apply(SignalChanges(sender_keys={name: record}))

    def apply(self, changes: SignalChanges) -> None:
        """Stage `changes` (visible at once; durable once committed)."""
        if changes:
            self._staged = self._staged | changes


@final
class E2EDecryptor:
    """The router's `Decryptor` for ``<enc>`` bodies, over a `SignalCipher` (see the module
    doc). `inbox` holds plaintexts of messages committed but not acknowledged."""

    def __init__(self, cipher: SignalCipher, inbox: Inbox | None = None) -> None:
        self.cipher = cipher
        self.inbox = inbox
        self.staged_inbox: dict[str, bytes] = {}
        """Plaintexts decrypted since the driver last took them (to commit with the state)."""
        self.identity_changes: list[tuple[IdentityChanged, MessageInfo]] = []
        """Senders whose identity key changed (to report as `IdentityChange` events)."""
        self.consumed_prekeys = 0
        """One-time prekeys used up by pkmsgs so far (time to count and refill)."""

    def decrypt(self, enc: Node, info: MessageInfo) -> bytes:
        """The plaintext (unpadded) of one ``<enc>``; raises `DecryptionFailed`."""
        try:
            payload = read_enc(enc)
        except SignalError as err:
            raise DecryptionFailed(str(err)) from err
        source = info.source
        sender = source.sender
        key = inbox_key(info)
        try:
            address = ProtocolAddress.from_jid(sender)
            if payload.kind == "skmsg":
                if not source.chat.is_group and not source.chat.is_broadcast:
                    raise DecryptionFailed("a group message outside a group")
                name = SenderKeyName(str(source.chat), address)
                decrypted = self.cipher.group_decrypt(name, payload.body)
            else:
                decrypted = self.cipher.decrypt(address, payload.kind, payload.body)
        except DuplicateMessage as err:
            kept = self.staged_inbox.get(key)
            if kept is None and self.inbox is not None:
                kept = self.inbox.get_inbox(key)
            if kept is not None:
                return kept
            raise AlreadyHandled(f"a message decrypted and handled before ({err})") from err
        except SignalError as err:
            raise DecryptionFailed(f"{type(err).__name__}: {err}") from err
        except ValueError as err:  # an address the Signal layer cannot name
            raise DecryptionFailed(str(err)) from err
        try:
            plaintext = unpad_for_version(decrypted.plaintext, payload.version)
        except SignalError as err:
            raise DecryptionFailed(str(err)) from err
        if decrypted.identity_change is not None:
            self.identity_changes.append((decrypted.identity_change, info))
        if decrypted.consumed_prekey is not None:
            self.consumed_prekeys += 1
        if payload.kind != "skmsg":
            self._take_sender_key(plaintext, source.chat, address)
        self.staged_inbox[key] = plaintext
        return plaintext

    def _take_sender_key(self, plaintext: bytes, chat: Jid, sender: ProtocolAddress) -> None:
        try:
            message = WAMessage.FromString(plaintext)
        except DecodeError:
            return  # not ours to judge: whoever reads the body gets the parse error
        if not message.HasField("senderKeyDistributionMessage"):
            return
        distribution = message.senderKeyDistributionMessage
        group = distribution.groupId or str(chat)
        if not distribution.axolotlSenderKeyDistributionMessage:
            return
        try:
            self.cipher.process_group_key(
                SenderKeyName(group, sender), distribution.axolotlSenderKeyDistributionMessage
            )
        except (SignalError, ValueError) as err:
            raise DecryptionFailed(f"a bad sender key distribution ({err})") from err

    def take_staged_inbox(self) -> dict[str, bytes]:
        """The plaintexts decrypted since the last call (to commit with the staged state)."""
        staged, self.staged_inbox = self.staged_inbox, {}
        return staged


def device_sent(message: WAMessage, destination: Jid) -> WAMessage:
    """The copy of `message` for our own other devices: a ``deviceSentMessage`` naming the
    chat, with the original's ``messageContextInfo`` copied beside it."""
    copy = WAMessage(
        deviceSentMessage=WAMessage.DeviceSentMessage(
            destinationJid=str(destination), message=message
        )
    )
    if message.HasField("messageContextInfo"):
        copy.messageContextInfo.CopyFrom(message.messageContextInfo)
    return copy


@dataclass(frozen=True, slots=True)
class DeviceEnc:
    """One device's ``<enc>`` in a fan-out."""

    device: Jid
    kind: Literal["pkmsg", "msg", "skmsg"]
    body: bytes


def fan_out(
    message_id: str,
    to: Jid,
    encs: Sequence[DeviceEnc],
    *,
    message_type: str = "text",
    group_enc: DeviceEnc | None = None,
    device_identity: bytes | None = None,
    media_type: str | None = None,
    attrs: Mapping[str, str | Jid] | None = None,
    enc_attrs: Mapping[str, str] | None = None,
    nodes: Sequence[Node] = (),
) -> Node:
    """The ``<message>`` stanza of one message for every device (see the module doc):
    `enc_attrs` go on every ``<enc>``, `nodes` after the encryptions."""
    extra = {"mediatype": media_type} if media_type else {}
    extra.update(enc_attrs or {})
    children: list[Node] = []
    if group_enc is not None:
        children.append(Node("enc", {"v": "2", "type": "skmsg", **extra}, group_enc.body))
    if encs:
        children.append(
            Node(
                "participants",
                None,
                [
                    Node(
                        "to",
                        {"jid": e.device},
                        [Node("enc", {"v": "2", "type": e.kind, **extra}, e.body)],
                    )
                    for e in encs
                ],
            )
        )
    if device_identity is not None and any(e.kind == "pkmsg" for e in encs):
        children.append(Node("device-identity", None, device_identity))
    children.extend(nodes)
    node_attrs: dict[str, str | Jid] = {"id": message_id, "to": to, "type": message_type}
    node_attrs.update(attrs or {})
    return Node("message", node_attrs, children)
