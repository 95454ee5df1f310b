"""The client's end-to-end encryption: keys on the server, decryption in arrival order, and
sending to every device of a chat.

Theory of operation
-------------------

`E2E` holds one device's Signal state for the `Client`, across its connections:

- a `StagedSignalStore` over the durable `SignalState`: the cipher's changes are visible at
  once and written in batches by `commit`, one transaction each, from a worker thread (commits
  never overlap: they are serialised, oldest first);
- the router's `E2EDecryptor` (decrypting ``pkmsg``, ``msg`` and ``skmsg`` as stanzas arrive,
  in order), whose plaintexts go into the inbox with the state that decrypted them, and leave it
  once the stanza is acknowledged (see `wabus.protocol._e2e` for what a crash loses: nothing);
- the one-time prekeys on the server: after login and when the server says they run low, the
  client counts them and uploads more (812 the first time, then 50), each batch stored before
  it is published;
- the devices of each user (usync, cached for five minutes and dropped when the server sends a
  device-list change) and the sessions with them (bundles fetched, their signatures checked);
- for groups: the participants (cached until a participant change) and our sender key, given
  pairwise to each device that does not have it yet;
- the recent messages we sent, so that a retry receipt can be answered with a fresh
  encryption for the device that asked (a new session when it sent its keys).

A send encrypts for every device of the recipient and every other device of our own account
(those get the ``deviceSentMessage`` copy), commits, and only then lets the stanza go: a
crash can never leave a ratchet step on the wire that the store does not know.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Final

import anyio
import structlog

from wabus.client._signal_state import SignalState
from wabus.core import Jid, Node, Server
from wabus.core.events import BaseEvent, Message, MessageInfo, UndecryptableMessage
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import (
    DeviceEnc,
    E2EDecryptor,
    LocalIdentity,
    ProtocolAddress,
    SenderKeyName,
    SignalChanges,
    SignalCipher,
    SignalError,
    SignedPreKeyRecord,
    StagedSignalStore,
    StanzaShape,
    WireError,
    bundle_from_node,
    device_sent,
    fan_out,
    generate_key_pairs,
    inbox_key,
    pad,
    prekeys_nodes,
    rotate_signed_prekey_node,
    stanza_shape,
)

__all__ = ["E2E", "E2EError", "SendResult"]

_log = structlog.get_logger("wabus.client.e2e")
SERVER: Final = Jid("", Server.USER)

INITIAL_PREKEYS: Final = 812
"""How many one-time prekeys a device uploads when the server has none."""
REFILL_PREKEYS: Final = 50
"""How many it uploads when the server's count runs low."""
MIN_PREKEYS: Final = 5
"""Below this many on the server, the client uploads more."""
DEVICE_CACHE_SECONDS: Final = 300.0
RECENT_SENT: Final = 256
MAX_RETRIES: Final = 5

Request = Callable[[Node], Awaitable[Node]]


class E2EError(WireError):
    """A message could not be encrypted for sending (no devices, a key query refused)."""


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a send produced: the message id, the devices it was encrypted for, the stanza,
    and the server's acknowledgement (its ``t`` is the server's time)."""

    id: str
    devices: tuple[Jid, ...]
    stanza: Node
    ack: Node | None = None

    @property
    def timestamp(self) -> int | None:
        """The server's time of the message (Unix seconds), from its acknowledgement."""
        if self.ack is None:
            return None
        return self.ack.opt_int_attr("t", minimum=0)


class E2E:
    """One device's end-to-end state, kept by the `Client` (see the module doc)."""

    def __init__(
        self,
        state: SignalState,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = state
        self.staged = StagedSignalStore(state)
        self.cipher = SignalCipher(self.staged)
        self.decryptor = E2EDecryptor(self.cipher, inbox=state)
        self._clock = clock
        self._handled: list[str] = []
        self._commit_lock = anyio.Lock()
        self._devices: dict[Jid, tuple[float, tuple[Jid, ...]]] = {}
        self._participants: dict[Jid, tuple[Jid, ...]] = {}
        self._key_given: dict[Jid, set[Jid]] = {}
        self._sent: OrderedDict[str, tuple[Jid, WAMessage]] = OrderedDict()
        self._retries: dict[str, int] = {}

    @property
    def identity(self) -> LocalIdentity:
        return self.state.local_identity()

    # Durability --------------------------------------------------------------------------

    def handled(self, events: Iterable[BaseEvent]) -> None:
        """A stanza with these events was acknowledged: its inbox rows may go."""
        for event in events:
            if isinstance(event, Message | UndecryptableMessage):
                self._handled.append(inbox_key(event.info))

    async def commit(self) -> None:
        """Write everything staged, and the inbox, in one transaction (in a worker thread)."""
        async with self._commit_lock:
            changes = self.staged.take_staged()
            inbox = self.decryptor.take_staged_inbox()
            handled, self._handled = self._handled, []
            if not (changes or inbox or handled):
                return
            try:
                await anyio.to_thread.run_sync(self.state.commit, changes, inbox, handled)
            except BaseException:
                # Not durable: keep it staged (still visible) for the next commit.
                self.staged.committed(changes)
                self.staged.apply(changes)
                self.decryptor.staged_inbox = inbox | self.decryptor.staged_inbox
                self._handled = handled + self._handled
                raise
            self.staged.committed(changes)

    # Prekeys -----------------------------------------------------------------------------

    async def ensure_prekeys(self, request: Request, *, server_count: int | None = None) -> int:
        """Count the prekeys the server holds (or take `server_count`) and upload more when
        they run low; returns how many were uploaded."""
        if server_count is None:
            reply = await request(
                Node("iq", {"to": SERVER, "xmlns": "encrypt", "type": "get"}, [Node("count")])
            )
            count_node = reply.child("count")
            server_count = count_node.int_attr("value", minimum=0) if count_node else 0
        if server_count >= MIN_PREKEYS:
            return 0
        wanted = INITIAL_PREKEYS if server_count == 0 else REFILL_PREKEYS
        # Generated in a worker thread (812 key pairs hold a loop up for tens of ms, which
        # many accounts on one loop would feel); numbered and staged here, on the loop.
        pairs = await anyio.to_thread.run_sync(generate_key_pairs, wanted)
        records, _ = self.cipher.new_prekeys(wanted, key_pairs=pairs)
        await self.commit()  # ours before they are anybody's
        signed = self.staged.current_signed_prekey()
        assert signed is not None
        upload = Node(
            "iq",
            {"to": SERVER, "xmlns": "encrypt", "type": "set"},
            prekeys_nodes(self.identity, signed, records),
        )
        reply = await request(upload)
        if reply.opt_attr("type") == "error":
            raise E2EError(f"the server refused our prekeys: {reply.child('error')}")
        _log.info("prekeys uploaded", count=len(records), server_had=server_count)
        return len(records)

    def stamp_signed_prekey(self, now: int) -> None:
        """Give a signed prekey of unknown age (the one made at pairing, or one kept before
        ages were) the age of `now`: it counts from the first time the client holds it.
        Staged; stored by the next commit."""
        current = self.staged.current_signed_prekey()
        if current is not None and not current.created:
            self.staged.apply(SignalChanges(signed_prekey=replace(current, created=now)))

    async def rotate_signed_prekey(self, request: Request, *, now: int, lifetime: float) -> bool:
        """Publish a new signed prekey when the current one is `lifetime` seconds old (at
        `now`, Unix seconds); returns whether it did.

        The new key is stored (and made current) before the server hears of it, as prekeys
        are; the old ones stay, for pkmsgs built on them that are still on their way.
        """
        self.stamp_signed_prekey(now)
        current = self.staged.current_signed_prekey()
        if current is not None and now - current.created < lifetime:
            return False
        record, _ = self.cipher.rotate_signed_prekey(now)
        await self.commit()  # ours before it is anybody's
        reply = await request(rotate_signed_prekey_node(record))
        if reply.opt_attr("type") == "error":
            raise E2EError(f"the server refused our signed prekey: {reply.child('error')}")
        _log.info("signed prekey rotated", key_id=record.key_id)
        return True

    # Devices and sessions ----------------------------------------------------------------

    def forget_devices(self, user: Jid) -> None:
        """Drop the cached device list of `user` (its devices changed)."""
        self._devices.pop(user.to_non_ad(), None)

    def forget_participants(self, group: Jid) -> None:
        """Drop the cached participants of `group` (they changed)."""
        self._participants.pop(group, None)

    async def devices(self, request: Request, users: Sequence[Jid]) -> dict[Jid, tuple[Jid, ...]]:
        """The device JIDs of each user (usync, cached)."""
        now = self._clock()
        wanted = [u.to_non_ad() for u in users]
        missing = [u for u in dict.fromkeys(wanted) if self._devices.get(u, (0.0, ()))[0] <= now]
        if missing:
            query = Node(
                "usync",
                {
                    "context": "message",
                    "mode": "query",
                    "sid": secrets.token_hex(8),
                    "last": "true",
                    "index": "0",
                },
                [
                    Node("query", None, [Node("devices", {"version": "2"})]),
                    Node("list", None, [Node("user", {"jid": u}) for u in missing]),
                ],
            )
            reply = await request(
                Node("iq", {"to": SERVER, "xmlns": "usync", "type": "get"}, [query])
            )
            usync = reply.child("usync")
            listed = usync.child("list") if usync is not None else None
            found: dict[Jid, tuple[Jid, ...]] = dict.fromkeys(missing, ())
            for user in listed.children("user") if listed is not None else ():
                jid = user.jid("jid").to_non_ad()
                devices_node = user.child("devices")
                device_list = devices_node.child("device-list") if devices_node else None
                devices = []
                for device in device_list.children("device") if device_list else ():
                    number = device.int_attr("id", minimum=0, maximum=0xFFFF)
                    # A companion without a key index would make the server refuse the send.
                    if number == 0 or device.has_attr("key-index"):
                        devices.append(jid.with_device(number))
                found[jid] = tuple(devices)
            for user_jid, user_devices in found.items():
                self._devices[user_jid] = (now + DEVICE_CACHE_SECONDS, user_devices)
        return {u: self._devices[u][1] for u in wanted}

    async def ensure_sessions(self, request: Request, devices: Iterable[Jid]) -> list[Jid]:
        """Sessions with every device (bundles fetched for those without); returns the
        devices that have one now (a device whose keys the server refused is left out)."""
        devices = list(dict.fromkeys(devices))
        missing = [d for d in devices if not self.cipher.has_session(ProtocolAddress.from_jid(d))]
        refused: set[Jid] = set()
        if missing:
            reply = await request(
                Node(
                    "iq",
                    {"to": SERVER, "xmlns": "encrypt", "type": "get"},
                    [Node("key", None, [Node("user", {"jid": d}) for d in missing])],
                )
            )
            listed = reply.child("list")
            answered = {
                user.jid("jid"): user for user in (listed.children("user") if listed else ())
            }
            for device in missing:
                user = answered.get(device)
                try:
                    if user is None:
                        raise E2EError("no keys in the answer")
                    self.cipher.start_session(
                        ProtocolAddress.from_jid(device), bundle_from_node(user)
                    )
                except (SignalError, E2EError) as err:
                    _log.warning("no session with a device", device=str(device), reason=str(err))
                    refused.add(device)
        return [d for d in devices if d not in refused]

    # Sending -----------------------------------------------------------------------------

    async def encrypt_message(
        self,
        request: Request,
        to: Jid,
        message: WAMessage,
        *,
        message_id: str,
        own: Jid,
        own_lid: Jid | None,
        device_identity: bytes | None,
        message_type: str | None = None,
    ) -> SendResult:
        """The stanza of `message` to `to` (a user or a group), encrypted for every device.

        The stanza's ``type``, ``edit``, ``mediatype`` and ``<meta>`` come from the body
        (`stanza_shape`); `message_type` overrides the ``type``."""
        shape = stanza_shape(message, to)
        if message_type is not None:
            shape = replace(shape, type=message_type)
        if to.is_group:
            return await self._encrypt_group(
                request,
                to,
                message,
                message_id=message_id,
                own=own,
                device_identity=device_identity,
                shape=shape,
            )
        chat = to.to_non_ad()
        own_user = (own_lid if chat.is_lid and own_lid is not None else own).to_non_ad()
        lists = await self.devices(request, [chat, own_user])
        recipients = list(lists[chat])
        own_devices = [d for d in lists[own_user] if d.device != own.device]
        if not recipients:
            raise E2EError(f"{chat} has no devices to send to")
        ready = await self.ensure_sessions(request, recipients + own_devices)
        if not any(d in ready for d in recipients):
            raise E2EError(f"no session could be made with any device of {chat}")
        plaintext = pad(message.SerializeToString())
        copy = pad(device_sent(message, chat).SerializeToString())
        encs: list[DeviceEnc] = []
        for device in ready:
            body = copy if device.to_non_ad() == own_user else plaintext
            encrypted = self.cipher.encrypt(ProtocolAddress.from_jid(device), body)
            encs.append(DeviceEnc(device, encrypted.kind, encrypted.body))
        await self.commit()  # the ratchet steps are durable before the message leaves
        self._remember(message_id, chat, message)
        stanza = fan_out(
            message_id,
            chat,
            encs,
            message_type=shape.type,
            device_identity=device_identity,
            media_type=shape.media_type,
            attrs=shape.attrs,
            enc_attrs=shape.enc_attrs,
            nodes=shape.nodes,
        )
        return SendResult(message_id, tuple(e.device for e in encs), stanza)

    async def participants(self, request: Request, group: Jid) -> tuple[Jid, ...]:
        """The group's participants (user JIDs), cached until they change."""
        known = self._participants.get(group)
        if known is not None:
            return known
        reply = await request(
            Node(
                "iq",
                {"to": group, "xmlns": "w:g2", "type": "get"},
                [Node("query", {"request": "interactive"})],
            )
        )
        info = reply.child("group")
        if info is None:
            raise E2EError(f"no metadata for {group}: {reply.child('error')}")
        members = tuple(p.jid("jid").to_non_ad() for p in info.children("participant"))
        self._participants[group] = members
        return members

    async def _encrypt_group(
        self,
        request: Request,
        group: Jid,
        message: WAMessage,
        *,
        message_id: str,
        own: Jid,
        device_identity: bytes | None,
        shape: StanzaShape,
    ) -> SendResult:
        members = await self.participants(request, group)
        lists = await self.devices(request, [*members, own.to_non_ad()])
        devices = [d for user in lists.values() for d in user if d != own]
        name = SenderKeyName(str(group), ProtocolAddress.from_jid(own))
        distribution, _ = self.cipher.group_key(name)
        given = self._key_given.setdefault(group, set())
        needing = [d for d in dict.fromkeys(devices) if d not in given]
        ready = await self.ensure_sessions(request, needing)
        key_message = pad(
            WAMessage(
                senderKeyDistributionMessage=WAMessage.SenderKeyDistributionMessage(
                    groupId=str(group), axolotlSenderKeyDistributionMessage=distribution
                )
            ).SerializeToString()
        )
        encs = []
        for device in ready:
            encrypted = self.cipher.encrypt(ProtocolAddress.from_jid(device), key_message)
            encs.append(DeviceEnc(device, encrypted.kind, encrypted.body))
        skmsg = self.cipher.group_encrypt(name, pad(message.SerializeToString()))
        await self.commit()
        given.update(ready)
        self._remember(message_id, group, message)
        stanza = fan_out(
            message_id,
            group,
            encs,
            message_type=shape.type,
            group_enc=DeviceEnc(group, skmsg.kind, skmsg.body),
            device_identity=device_identity,
            media_type=shape.media_type,
            attrs={"addressing_mode": "pn", **shape.attrs},
            enc_attrs=shape.enc_attrs,
            nodes=shape.nodes,
        )
        return SendResult(message_id, tuple(dict.fromkeys(devices)), stanza)

    def _remember(self, message_id: str, chat: Jid, message: WAMessage) -> None:
        self._sent[message_id] = (chat, message)
        while len(self._sent) > RECENT_SENT:
            self._sent.popitem(last=False)

    # Retry receipts ----------------------------------------------------------------------

    def retry_receipt(self, info: MessageInfo, device_identity: bytes | None) -> Node | None:
        """The ``<receipt type=retry>`` asking the sender to encrypt `info`'s message again,
        or None after `MAX_RETRIES`.

        From the second try on it carries our keys (``<keys>``: identity, a new one-time
        prekey, the signed prekey and our `device_identity`), so that the sender can start a
        new session whatever it holds; the new prekey is staged and must be committed before
        the receipt leaves (`keys_in`).
        """
        count = self._retries.get(info.id, 0) + 1
        if count > MAX_RETRIES:
            return None
        self._retries[info.id] = count
        source = info.source
        attrs: dict[str, str | Jid] = {"id": info.id, "to": source.chat, "type": "retry"}
        if source.is_group or source.chat.is_broadcast:
            attrs["participant"] = source.sender
        elif source.is_from_me and source.recipient is not None:
            attrs["recipient"] = source.recipient
        t = str(int(info.timestamp.timestamp()))
        identity = self.identity
        children = [
            Node("retry", {"count": str(count), "id": info.id, "t": t, "v": "1"}),
            Node("registration", None, identity.registration_id.to_bytes(4, "big")),
        ]
        signed = self.staged.current_signed_prekey()
        if count >= 2 and signed is not None:
            records, _ = self.cipher.new_prekeys(1)
            _, key_type, public, listed, skey = prekeys_nodes(identity, signed, records)
            keys = [key_type, public, *listed.nodes, skey]
            if device_identity is not None:
                keys.append(Node("device-identity", None, device_identity))
            children.append(Node("keys", None, keys))
        return Node("receipt", attrs, children)

    @staticmethod
    def keys_in(receipt: Node) -> bool:
        """Whether a retry receipt carries a new prekey (and so waits for a commit)."""
        return receipt.child("keys") is not None

    async def resend(
        self,
        request: Request,
        receipt: Node,
        own: Jid,
        device_identity: bytes | None = None,
    ) -> Node | None:
        """The message a retry receipt asks for, encrypted again for the asking device (a
        new session from the keys it sent, if any); None when we do not have it any more."""
        message_id = receipt.attr("id")
        kept = self._sent.get(message_id)
        if kept is None:
            return None
        chat, message = kept
        device = receipt.opt_jid("participant") or receipt.jid("from")
        retry = receipt.child("retry")
        count = retry.int_attr("count", minimum=0, maximum=100) if retry is not None else 1
        address = ProtocolAddress.from_jid(device)
        keys = receipt.child("keys")
        if keys is not None:
            registration = receipt.child("registration")
            parts = ([registration] if registration is not None else []) + list(keys.nodes)
            self.cipher.start_session(
                address, bundle_from_node(Node("user", {"jid": device}, parts))
            )
        elif not self.cipher.has_session(address):
            await self.ensure_sessions(request, [device])
        if chat.is_group:
            body = message
        elif device.to_non_ad() == own.to_non_ad():
            body = device_sent(message, chat)
        else:
            body = message
        encrypted = self.cipher.encrypt(address, pad(body.SerializeToString()))
        await self.commit()
        shape = stanza_shape(message, chat)
        attrs: dict[str, str | Jid] = {
            "id": message_id,
            "to": device,
            "type": shape.type,
            "device_fanout": "false",
            **shape.attrs,
        }
        if chat.is_group:
            attrs = {
                "id": message_id,
                "to": chat,
                "participant": device,
                "type": shape.type,
                **shape.attrs,
            }
        enc_attrs = {"v": "2", "type": encrypted.kind, "count": str(count), **shape.enc_attrs}
        if shape.media_type:
            enc_attrs["mediatype"] = shape.media_type
        enc = Node("enc", enc_attrs, encrypted.body)
        children = [enc]
        if encrypted.kind == "pkmsg" and device_identity is not None:
            children.append(Node("device-identity", None, device_identity))
        return Node("message", attrs, children)


def signal_identity(identity_seed: bytes, registration_id: int) -> LocalIdentity:
    """The `LocalIdentity` of a device state's identity key."""
    from wabus.protocol import KeyPair

    return LocalIdentity(KeyPair(seed=identity_seed), registration_id)


def signed_prekey(seed: bytes, key_id: int, signature: bytes) -> SignedPreKeyRecord:
    """The `SignedPreKeyRecord` of a device state's signed prekey."""
    from wabus.protocol import KeyPair

    return SignedPreKeyRecord(key_id, KeyPair(seed=seed), signature)
