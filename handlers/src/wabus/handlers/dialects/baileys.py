"""The Baileys dialect: core events as ``sock.ev`` events, one JSON-shaped payload each.

::

    baileys = dialect(bot, "baileys")

    @baileys.on("messages.upsert")
    def on_upsert(data: dict) -> None:
        message = data["messages"][0]
        print(message["key"]["remoteJid"], message.get("message", {}).get("conversation"))

Names follow Baileys 7.0.0-rc13 (`BaileysEventMap`), plus the two events of the socket.io
gateway convention that Baileys itself lacks: ``auth.qr`` and ``auth.pairing-code``. Payloads
are plain JSON-shaped data (dicts, lists, strings, numbers, booleans, None), exactly what the
gateway sends over the wire, so a Python listener and a JavaScript client see the same
shapes: message bodies in protobuf's JSON mapping (camelCase, bytes as base64, 64-bit
integers as strings), timestamps as Unix seconds (``messageTimestamp``) or ISO 8601 strings
where Baileys has a ``Date``. Each payload is a `CoreDict` or `CoreList`: ``payload.core`` is
the core event it came from.

Mapping (dialects.md §B.3; "state" is what the adapter remembers):

- ``connection.update``: ``{connection: 'connecting', …}`` is synthesised before the first QR
  code or connection of a session (the core has no "connecting" event); `PairingQrCode` →
  ``{qr}``; `PairSuccess` → ``{isNewLogin: true, qr: None}``; `Connected` → ``{connection:
  'open'}``; `OfflineSyncCompleted` → ``{receivedPendingNotifications: true}``; every end of a
  connection → ``{connection: 'close', lastDisconnect: {error, date}}`` with a Boom-shaped
  error whose ``output.statusCode`` is what Baileys users switch on (`DisconnectReason`:
  428 closed, 401/403/406 logged out, 440 replaced, 402 banned, 405 outdated, the stream
  error's code, 411 no multi-device).
- ``creds.update``: `PairSuccess` (``me``, ``platform``), `Connected` (``me``, when known),
  `SelfPushNameUpdated`, and our own `DisappearingModeChanged` (``accountSettings``).
- ``auth.qr`` ``{qr, qrCode, timeout}`` (ms) and ``auth.pairing-code`` ``{code, pairingCode,
  expiresAt}`` (epoch ms): both spellings, as the gateway convention's precedents differ.
- ``messages.upsert``: `Message` (``type`` ``append`` for messages queued while offline,
  else ``notify``); `UndecryptableMessage` as a ``CIPHERTEXT`` stub; group changes and group
  pictures as stub messages (``GROUP_PARTICIPANT_ADD``, ``GROUP_CHANGE_SUBJECT``, …) before
  their ``group-participants.update`` / ``groups.update``, since many bots key off stubs.
- ``messages.update``: revokes and edits (after their ``messages.upsert``), stars, and
  receipts in 1:1 chats (``status``: 2 server ack, 3 delivered, 4 read, 5 played);
  ``message-receipt.update``: receipts in groups and broadcasts; ``messages.reaction``:
  reactions (after their ``messages.upsert``).
- ``presence.update``: typing (``composing``, ``recording``, and ``paused`` as
  ``available``, as Baileys rewrites it) and online status, in Baileys' shape ``{id,
  presences: {jid: {lastKnownPresence, lastSeen?}}}``; ``presences`` also holds one key that
  is no JID, ``available`` (a bool: whether that user is online, true for typing), which the
  gateway convention's example reads (``presences.available ? 'online' : 'offline'``). Code
  that walks ``presences`` as JIDs should skip it; ``contacts.update``: push names,
  pictures, about texts, verified names; ``chats.update``: pin, mute, archive, read and
  disappearing-timer changes; ``chats.delete``: deleted chats (not from a full sync);
  ``groups.upsert`` + ``chats.upsert``: `JoinedGroup`; ``call``: every call stanza.
- ``messaging-history.set``, ``messaging-history.status``, ``contacts.upsert`` and
  ``lid-mapping.update``: `HistorySync` (these parse the history blob, and only run when
  someone listens to them; ``messaging-history.status`` fires for the first initial-bootstrap
  chunk and for a recent chunk at 100 %, and never as ``paused``, which needs a timer);
  ``lid-mapping.update`` also from `ContactNumberChanged` (old and new number, with LIDs).
- Group stubs and updates include leaves (`ParticipantAction.LEAVE`: a ``GROUP_PARTICIPANT_LEAVE``
  stub, and ``action: 'remove'`` in ``group-participants.update``, as Baileys reports it),
  participants' ``admin`` rank, and join requests (`MembershipRequestsCreated`: a
  ``GROUP_MEMBERSHIP_JOIN_APPROVAL_REQUEST_NON_ADMIN_ADD`` stub and ``group.join-request``
  with ``action: 'created'``).
- ``blocklist.update``: `BlocklistUpdate`, one ``{blocklist: [jid], type: 'add'|'remove'}``
  per contact, as Baileys emits them; ``newsletter.reaction``: `NewsletterLiveUpdate`, one
  ``{id, server_id, reaction: {code, count}}`` per reaction count.

Differences from Baileys, on purpose: events are not buffered during the offline sync and
merged into batches (every array holds one item, delivered at once); stub messages of group
notifications get a synthetic ``key.id`` (the core event does not carry the notification's
id); ``creds.update`` carries only what the core's events say (the core owns its own
credential store, so there is nothing to save).

Never fire (no core event yet, documented in `BaileysDialect.events`): ``messages.delete``,
``messages.media-update``, ``group.member-tag.update``, ``blocklist.set``, the ``labels.*``
events, ``newsletter.view`` and the other ``newsletter-*`` events,
``message-capping.update``, ``chats.lock`` and ``settings.update``.

No actions: the dialect only listens (it is ``sock.ev``, not the socket). To answer, use the
bot's client (``client.send_message`` with the builders of ``wabus.client``), or, from
another process, the gateway's ``sendMessage`` (`wabus.handlers.gateway`), which takes
Baileys' ``sendMessage(jid, content, options)`` arguments.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from http import HTTPStatus
from typing import Any, ClassVar, Final

from wabus.core import BaseEvent, Jid
from wabus.core import events as ev
from wabus.core.events import (
    GroupSetting,
    MessageSource,
    ParticipantAction,
    ParticipantsChanged,
    ReceiptType,
)
from wabus.core.payloads import PayloadDecodeError, PayloadUnavailable
from wabus.handlers.dialects._base import (
    Args,
    Dialect,
    DialectListener,
    EventSpec,
    Rule,
    SessionState,
    rule,
)
from wabus.handlers.dialects._content import content_field, proto_dict, safe_body, unwrap
from wabus.handlers.dialects._payloads import CoreDict, CoreList

__all__ = [
    "GATEWAY_EXTENSIONS",
    "BaileysDialect",
    "BaileysListener",
    "BaileysState",
    "DisconnectReason",
    "MessageStatus",
    "StubType",
]

GATEWAY_EXTENSIONS: Final = ("auth.qr", "auth.pairing-code")
"""The events of the socket.io gateway convention that Baileys itself does not have."""


class DisconnectReason(IntEnum):
    """Baileys' ``DisconnectReason``: ``lastDisconnect.error.output.statusCode`` values."""

    connectionClosed = 428
    connectionLost = 408
    connectionReplaced = 440
    timedOut = 408
    loggedOut = 401
    badSession = 500
    restartRequired = 515
    multideviceMismatch = 411
    forbidden = 403
    unavailableService = 503


class MessageStatus(IntEnum):
    """``WebMessageInfo.Status``: the ``status`` of a ``messages.update`` for a receipt."""

    ERROR = 0
    PENDING = 1
    SERVER_ACK = 2
    DELIVERY_ACK = 3
    READ = 4
    PLAYED = 5


class StubType(IntEnum):
    """The ``WebMessageInfo.StubType`` values the dialect emits as stub messages."""

    REVOKE = 1
    CIPHERTEXT = 2
    GROUP_CREATE = 20
    GROUP_CHANGE_SUBJECT = 21
    GROUP_CHANGE_ICON = 22
    GROUP_CHANGE_INVITE_LINK = 23
    GROUP_CHANGE_DESCRIPTION = 24
    GROUP_CHANGE_RESTRICT = 25
    GROUP_CHANGE_ANNOUNCE = 26
    GROUP_PARTICIPANT_ADD = 27
    GROUP_PARTICIPANT_REMOVE = 28
    GROUP_PARTICIPANT_PROMOTE = 29
    GROUP_PARTICIPANT_DEMOTE = 30
    GROUP_PARTICIPANT_INVITE = 31
    GROUP_PARTICIPANT_LEAVE = 32
    GROUP_PARTICIPANT_CHANGE_NUMBER = 33
    GROUP_DELETE = 43
    GROUP_MEMBERSHIP_JOIN_APPROVAL_MODE = 145
    GROUP_MEMBERSHIP_JOIN_APPROVAL_REQUEST_NON_ADMIN_ADD = 172


_REVOKE: Final = 0  # ProtocolMessage.Type
_MESSAGE_EDIT: Final = 14


# State ------------------------------------------------------------------------------------


@dataclass
class BaileysState(SessionState):
    """What the Baileys adapter remembers (see the module doc)."""

    connection: str | None = None
    """The last ``connection`` reported: None before the first, then connecting/open/close."""
    history_chunks: int = 0
    """History chunks seen since the login (the first one is Baileys' ``isLatest``)."""
    bootstrap_done: bool = False
    """Whether ``messaging-history.status`` reported the initial bootstrap already."""

    def observe(self, event: BaseEvent) -> None:
        """Update the connection state and history counters after `event` was projected."""
        super().observe(event)
        if isinstance(event, ev.PairingQrCode | ev.PairingCode) and self.connection != "open":
            self.connection = "connecting"
        elif isinstance(event, ev.Connected):
            self.connection = "open"
        elif _close_error(event) is not None:
            self.connection = "close"
            if _ends_session(event):
                self.history_chunks = 0
                self.bootstrap_done = False
        elif isinstance(event, ev.HistorySync):
            if event.sync_type is not ev.HistorySyncType.ON_DEMAND:
                self.history_chunks += 1
            if event.sync_type is ev.HistorySyncType.INITIAL_BOOTSTRAP:
                self.bootstrap_done = True

    def me_dict(self) -> dict[str, Any]:
        """Baileys' ``creds.me``: ``{id, lid?, name?}``."""
        me: dict[str, Any] = {"id": str(self.me) if self.me is not None else ""}
        if self.lid is not None:
            me["lid"] = str(self.lid)
        if self.push_name:
            me["name"] = self.push_name
        return me


def _ends_session(event: BaseEvent) -> bool:
    if isinstance(event, ev.LoggedOut):
        return True
    return isinstance(event, ev.ConnectFailure) and event.reason.is_logged_out


# Shapes -----------------------------------------------------------------------------------


def _seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _boom(message: str, status: int, data: Any = None) -> dict[str, Any]:
    """A Boom error as ``JSON.stringify`` would show the parts Baileys users read."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return {
        "message": message,
        "isBoom": True,
        "output": {
            "statusCode": status,
            "payload": {"statusCode": status, "error": phrase, "message": message},
        },
        "data": data,
    }


def _close_error(event: BaseEvent) -> dict[str, Any] | None:
    """The Boom error of an event that ends the connection, else None."""
    if isinstance(event, ev.Disconnected):
        return _boom("Connection Closed", 428, {"reason": event.reason})
    if isinstance(event, ev.LoggedOut):
        message = "Connection Failure" if event.on_connect else "Intentional Logout"
        return _boom(message, int(event.reason), {"reason": str(int(event.reason))})
    if isinstance(event, ev.StreamReplaced):
        return _boom("Stream Errored (conflict)", 440)
    if isinstance(event, ev.TemporaryBan):
        data = {"reason": "402", "code": int(event.code), "expire": event.expire.total_seconds()}
        return _boom("Connection Failure", 402, data)
    if isinstance(event, ev.ConnectFailure):
        data = {"reason": str(int(event.reason)), "message": event.message or None}
        return _boom("Connection Failure", int(event.reason), data)
    if isinstance(event, ev.StreamError):
        status = int(event.code) if event.code.isdigit() else 500
        return _boom(f"Stream Errored ({event.code})", status)
    if isinstance(event, ev.ClientOutdated):
        return _boom("Client Outdated", 405)
    if isinstance(event, ev.QrScannedWithoutMultidevice):
        return _boom("Multi-device is not enabled on the phone", 411)
    if isinstance(event, ev.PairError):
        return _boom("Pairing Failed", 401, {"error": event.error})
    return None


def _key(source: MessageSource, message_id: str) -> dict[str, Any]:
    """``WAMessageKey``: the chat, whether we sent it, the id and, in groups, the sender."""
    key: dict[str, Any] = {
        "remoteJid": str(source.chat),
        "fromMe": source.is_from_me,
        "id": message_id,
    }
    shared = source.is_group or source.chat.is_broadcast
    if shared:
        key["participant"] = str(source.sender)
    if source.sender_alt is not None:
        key["participantAlt" if shared else "remoteJidAlt"] = str(source.sender_alt)
    return key


def _web_message(event: ev.Message | ev.UndecryptableMessage) -> dict[str, Any]:
    """``WAMessage`` (``proto.IWebMessageInfo``) for a message, without its body."""
    info = event.info
    message: dict[str, Any] = {
        "key": _key(info.source, info.id),
        "messageTimestamp": _seconds(info.timestamp),
    }
    if info.push_name:
        message["pushName"] = info.push_name
    if info.chat.is_broadcast:
        message["broadcast"] = True
    return message


def _upsert(event: BaseEvent, message: dict[str, Any], kind: str, request: str | None) -> Args:
    payload = CoreDict(event, messages=[message], type=kind)
    if request is not None:
        payload["requestId"] = request
    return (payload,)


def _stub_id(*parts: object) -> str:
    """A stable id for a stub message built from a notification the core gave no id."""
    digest = hashlib.sha1("|".join(str(p) for p in parts).encode(), usedforsecurity=False)
    return "WABUS" + digest.hexdigest()[:16].upper()


def _stub(
    state: BaileysState,
    event: BaseEvent,
    chat: Jid,
    actor: Jid | None,
    when: datetime,
    stub: StubType,
    params: list[str],
) -> Args:
    key: dict[str, Any] = {
        "remoteJid": str(chat),
        "fromMe": state.is_me(actor),
        "id": _stub_id(chat, when.timestamp(), int(stub), *params),
    }
    if actor is not None:
        key["participant"] = str(actor)
    message = {
        "key": key,
        "messageTimestamp": _seconds(when),
        "messageStubType": int(stub),
        "messageStubParameters": params,
    }
    return _upsert(event, message, "append", None)


# Projectors: connection and credentials ---------------------------------------------------


def _connecting(state: BaileysState, event: BaseEvent) -> Iterator[Args]:
    if state.connection not in ("connecting", "open"):
        yield (
            CoreDict(event, connection="connecting", receivedPendingNotifications=False, qr=None),
        )


def _qr(state: BaileysState, event: ev.PairingQrCode) -> Iterator[Args]:
    yield (CoreDict(event, qr=event.code),)


def _new_login(state: BaileysState, event: ev.PairSuccess) -> Iterator[Args]:
    yield (CoreDict(event, isNewLogin=True, qr=None),)


def _open(state: BaileysState, event: ev.Connected) -> Iterator[Args]:
    yield (CoreDict(event, connection="open"),)


def _received_pending(state: BaileysState, event: ev.OfflineSyncCompleted) -> Iterator[Args]:
    yield (CoreDict(event, receivedPendingNotifications=True),)


def _close(state: BaileysState, event: BaseEvent) -> Iterator[Args]:
    error = _close_error(event)
    if error is not None:
        last = {"error": error, "date": _iso(datetime.now(UTC))}
        yield (CoreDict(event, connection="close", lastDisconnect=last),)


def _creds_paired(state: BaileysState, event: ev.PairSuccess) -> Iterator[Args]:
    me: dict[str, Any] = {"id": str(event.id), "lid": str(event.lid)}
    name = event.business_name or state.push_name
    if name:
        me["name"] = name
    yield (CoreDict(event, me=me, platform=event.platform or None),)


def _creds_connected(state: BaileysState, event: ev.Connected) -> Iterator[Args]:
    if state.me is not None:
        yield (CoreDict(event, me=state.me_dict()),)


def _creds_name(state: BaileysState, event: ev.SelfPushNameUpdated) -> Iterator[Args]:
    me = state.me_dict()
    me["name"] = event.new_name
    yield (CoreDict(event, me=me),)


def _creds_disappearing(state: BaileysState, event: ev.DisappearingModeChanged) -> Iterator[Args]:
    if state.is_me(event.jid):
        mode = {
            "ephemeralExpiration": event.duration,
            "ephemeralSettingTimestamp": _seconds(event.setting_timestamp),
        }
        yield (CoreDict(event, accountSettings={"defaultDisappearingMode": mode}),)


def _auth_qr(state: BaileysState, event: ev.PairingQrCode) -> Iterator[Args]:
    timeout = int(event.timeout.total_seconds() * 1000)
    yield (CoreDict(event, qr=event.code, qrCode=event.code, timeout=timeout),)


def _auth_code(state: BaileysState, event: ev.PairingCode) -> Iterator[Args]:
    now = datetime.now(UTC)
    try:
        expires = int((now + event.timeout).timestamp() * 1000)
    except OverflowError:  # a timeout beyond datetime's range: the end (or start) of time
        edge = datetime.max if event.timeout > timedelta(0) else datetime.min
        expires = int(edge.replace(tzinfo=UTC).timestamp() * 1000)
    yield (CoreDict(event, code=event.code, pairingCode=event.code, expiresAt=expires),)


# Projectors: messages ---------------------------------------------------------------------


def _message_upsert(state: BaileysState, event: ev.Message) -> Iterator[Args]:
    message = _web_message(event)
    try:
        message["message"] = proto_dict(event.message)
    except PayloadDecodeError as err:  # shown as Baileys shows a body it cannot read
        message["messageStubType"] = int(StubType.CIPHERTEXT)
        message["messageStubParameters"] = [str(err)]
    except PayloadUnavailable:
        pass  # no codec installed: the message travels without its body
    kind = "append" if event.info.is_offline else "notify"
    yield _upsert(event, message, kind, event.info.unavailable_request_id)


def _undecryptable_upsert(state: BaileysState, event: ev.UndecryptableMessage) -> Iterator[Args]:
    message = _web_message(event)
    what = "unavailable" if event.is_unavailable else "undecryptable"
    message["messageStubType"] = int(StubType.CIPHERTEXT)
    message["messageStubParameters"] = [
        f"{what} (unavailable_type={event.unavailable_type}, mode={event.decrypt_fail_mode})"
    ]
    kind = "append" if event.info.is_offline else "notify"
    yield _upsert(event, message, kind, None)


def _protocol_update(state: BaileysState, event: ev.Message) -> Iterator[Args]:
    body = safe_body(event)
    if body is None or content_field(body) != "protocolMessage":
        return
    protocol = unwrap(body).protocolMessage
    own_key = _key(event.info.source, event.info.id)
    key = {**own_key, "id": protocol.key.id}
    if protocol.type == _REVOKE:
        update = {"message": None, "messageStubType": int(StubType.REVOKE), "key": own_key}
    elif protocol.type == _MESSAGE_EDIT:
        edited = proto_dict(protocol.editedMessage)
        seconds = (
            protocol.timestampMs // 1000
            if protocol.HasField("timestampMs")
            else _seconds(event.info.timestamp)
        )
        update = {"message": {"editedMessage": {"message": edited}}, "messageTimestamp": seconds}
    else:
        return
    yield (CoreList(event, [{"key": key, "update": update}]),)


def _reaction(state: BaileysState, event: ev.Message) -> Iterator[Args]:
    body = safe_body(event)
    if body is None or content_field(body) != "reactionMessage":
        return
    reaction_message = unwrap(body).reactionMessage
    reaction = proto_dict(reaction_message)
    target = reaction.get("key", {})
    reaction["key"] = _key(event.info.source, event.info.id)
    yield (CoreList(event, [{"key": target, "reaction": reaction}]),)


_STATUS: Final = {
    ReceiptType.SENDER: MessageStatus.SERVER_ACK,
    ReceiptType.DELIVERED: MessageStatus.DELIVERY_ACK,
    ReceiptType.READ: MessageStatus.READ,
    ReceiptType.READ_SELF: MessageStatus.READ,
    ReceiptType.PLAYED: MessageStatus.PLAYED,
    ReceiptType.PLAYED_SELF: MessageStatus.PLAYED,
}
_RECEIPT_FIELD: Final = {
    ReceiptType.DELIVERED: "receiptTimestamp",
    ReceiptType.READ: "readTimestamp",
    ReceiptType.READ_SELF: "readTimestamp",
    ReceiptType.PLAYED: "playedTimestamp",
    ReceiptType.PLAYED_SELF: "playedTimestamp",
}


def _is_shared(chat: Jid) -> bool:
    return chat.is_group or chat.is_broadcast


def _receipt_update(state: BaileysState, event: ev.Receipt) -> Iterator[Args]:
    status = _STATUS.get(event.receipt_type)
    if status is None or _is_shared(event.source.chat):
        return
    chat = str(event.source.chat)
    from_me = not event.source.is_from_me  # someone else's receipt is about our message
    updates = [
        {
            "key": {"remoteJid": chat, "id": mid, "fromMe": from_me},
            "update": {"status": int(status)},
        }
        for mid in event.message_ids
    ]
    yield (CoreList(event, updates),)


def _receipt_group(state: BaileysState, event: ev.Receipt) -> Iterator[Args]:
    field = _RECEIPT_FIELD.get(event.receipt_type)
    if field is None or not _is_shared(event.source.chat):
        return
    chat = str(event.source.chat)
    from_me = not event.source.is_from_me
    receipt = {"userJid": str(event.source.sender), field: _seconds(event.timestamp)}
    updates = [
        {"key": {"remoteJid": chat, "id": mid, "fromMe": from_me}, "receipt": dict(receipt)}
        for mid in event.message_ids
    ]
    yield (CoreList(event, updates),)


def _star(state: BaileysState, event: ev.StarUpdate) -> Iterator[Args]:
    key: dict[str, Any] = {
        "remoteJid": str(event.chat_jid),
        "id": event.message_id,
        "fromMe": event.from_me,
    }
    if event.participant_jid is not None:
        key["participant"] = str(event.participant_jid)
    yield (CoreList(event, [{"key": key, "update": {"starred": event.starred}}]),)


# Projectors: presence, contacts, chats ----------------------------------------------------


def _typing(state: BaileysState, event: ev.ChatPresence) -> Iterator[Args]:
    if event.state is ev.ChatPresenceState.COMPOSING:
        presence = "recording" if event.media is ev.ChatPresenceMedia.AUDIO else "composing"
    else:
        presence = "available"  # Baileys rewrites 'paused' to 'available'
    presences: dict[str, Any] = {str(event.source.sender): {"lastKnownPresence": presence}}
    presences["available"] = True  # typing, recording or paused: the sender is online
    yield (CoreDict(event, id=str(event.source.chat), presences=presences),)


def _online(state: BaileysState, event: ev.Presence) -> Iterator[Args]:
    entry: dict[str, Any] = {
        "lastKnownPresence": "unavailable" if event.unavailable else "available"
    }
    if event.last_seen is not None:
        entry["lastSeen"] = _seconds(event.last_seen)
    presences = {str(event.jid): entry, "available": not event.unavailable}
    yield (CoreDict(event, id=str(event.jid), presences=presences),)


def _contact_update(
    state: BaileysState,
    event: ev.PushNameUpdate | ev.PictureUpdate | ev.UserAboutUpdate | ev.BusinessStatusUpdate,
) -> Iterator[Args]:
    update: dict[str, Any] = {"id": str(event.jid)}
    if isinstance(event, ev.PushNameUpdate):
        update["notify"] = event.new_push_name
    elif isinstance(event, ev.PictureUpdate):
        update["imgUrl"] = "removed" if event.removed else "changed"
    elif isinstance(event, ev.UserAboutUpdate):
        update["status"] = event.status
    elif event.update_type is ev.BusinessUpdateType.VERIFIED_NAME_CHANGED:
        update["verifiedName"] = event.verified_name
    else:
        return
    yield (CoreList(event, [update]),)


def _picture_stub(state: BaileysState, event: ev.PictureUpdate) -> Iterator[Args]:
    if event.jid.is_group:
        param = "removed" if event.removed else (event.picture_id or "changed")
        yield _stub(
            state,
            event,
            event.jid,
            event.author,
            event.timestamp,
            StubType.GROUP_CHANGE_ICON,
            [param],
        )


def _chat_update(
    state: BaileysState,
    event: ev.PinUpdate
    | ev.MuteUpdate
    | ev.ArchiveUpdate
    | ev.MarkChatAsReadUpdate
    | ev.DisappearingModeChanged,
) -> Iterator[Args]:
    update: dict[str, Any] = {"id": str(event.jid)}
    if isinstance(event, ev.PinUpdate):
        update["pinned"] = _seconds(event.timestamp) if event.pinned else None
    elif isinstance(event, ev.MuteUpdate):
        if not event.muted:
            update["muteEndTime"] = None
        elif event.mute_end is None:
            update["muteEndTime"] = -1  # muted until unmuted
        else:
            update["muteEndTime"] = int(event.mute_end.timestamp() * 1000)
    elif isinstance(event, ev.ArchiveUpdate):
        update["archived"] = event.archived
    elif isinstance(event, ev.MarkChatAsReadUpdate):
        update["unreadCount"] = 0 if event.read else -1
    else:
        if state.is_me(event.jid):
            return  # our own default timer is a creds.update
        update["ephemeralExpiration"] = event.duration
        update["ephemeralSettingTimestamp"] = _seconds(event.setting_timestamp)
    yield (CoreList(event, [update]),)


def _chat_delete(state: BaileysState, event: ev.DeleteChatUpdate) -> Iterator[Args]:
    if not event.from_full_sync:
        yield (CoreList(event, [str(event.jid)]),)


# Projectors: groups -----------------------------------------------------------------------

_PARTICIPANT_STUBS: Final = {
    ParticipantAction.ADD: StubType.GROUP_PARTICIPANT_ADD,
    ParticipantAction.REMOVE: StubType.GROUP_PARTICIPANT_REMOVE,
    ParticipantAction.PROMOTE: StubType.GROUP_PARTICIPANT_PROMOTE,
    ParticipantAction.DEMOTE: StubType.GROUP_PARTICIPANT_DEMOTE,
    ParticipantAction.MODIFY: StubType.GROUP_PARTICIPANT_CHANGE_NUMBER,
    ParticipantAction.LEAVE: StubType.GROUP_PARTICIPANT_LEAVE,
}
_SWITCH_STUBS: Final = {
    GroupSetting.ANNOUNCE: StubType.GROUP_CHANGE_ANNOUNCE,
    GroupSetting.LOCKED: StubType.GROUP_CHANGE_RESTRICT,
    GroupSetting.MEMBERSHIP_APPROVAL: StubType.GROUP_MEMBERSHIP_JOIN_APPROVAL_MODE,
}


def _participant(p: ev.GroupParticipant) -> dict[str, Any]:
    out: dict[str, Any] = {"id": str(p.jid)}
    if p.phone_number is not None:
        out["phoneNumber"] = str(p.phone_number)
    if p.type is not None:
        out["admin"] = str(p.type)  # Baileys' GroupParticipant.admin: 'admin' | 'superadmin'
    return out


def _requester(event: ev.GroupInfoUpdate, change: ev.MembershipRequestsCreated) -> dict[str, Any]:
    """Baileys' ``{lid, pn}`` of a join request: the listed requester, else the actor."""
    if change.requests:
        first = change.requests[0]
        return {"lid": str(first.jid), "pn": _text(first.phone_number)}
    return {"lid": _text(event.actor), "pn": _text(event.actor_pn)}


def _text(jid: Jid | None) -> str | None:
    return str(jid) if jid is not None else None


def _group_stub(state: BaileysState, event: ev.GroupInfoUpdate) -> Iterator[Args]:
    change = event.change
    stub: StubType | None = None
    params: list[str] = []
    if isinstance(change, ParticipantsChanged):
        stub = _PARTICIPANT_STUBS.get(change.action)
        actor = event.actor
        if change.action is ParticipantAction.ADD and change.reason == "invite":
            stub = StubType.GROUP_PARTICIPANT_INVITE
        elif change.action is ParticipantAction.REMOVE and any(
            p.jid == actor for p in change.participants
        ):
            stub = StubType.GROUP_PARTICIPANT_LEAVE
        params = [json.dumps(_participant(p), separators=(",", ":")) for p in change.participants]
    elif isinstance(change, ev.SubjectChanged):
        stub, params = StubType.GROUP_CHANGE_SUBJECT, [change.subject]
    elif isinstance(change, ev.DescriptionChanged):
        stub, params = StubType.GROUP_CHANGE_DESCRIPTION, [change.description or ""]
    elif isinstance(change, ev.SettingChanged):
        stub = _SWITCH_STUBS.get(change.setting)
        params = ["on" if change.enabled else "off"]
    elif isinstance(change, ev.InviteLinkChanged):
        stub, params = StubType.GROUP_CHANGE_INVITE_LINK, [change.code or ""]
    elif isinstance(change, ev.MembershipRequestsCreated):
        stub = StubType.GROUP_MEMBERSHIP_JOIN_APPROVAL_REQUEST_NON_ADMIN_ADD
        requester = json.dumps(_requester(event, change), separators=(",", ":"))
        params = [requester, "created", change.request_method or ""]
    elif isinstance(change, ev.OtherGroupChange) and change.tag == "delete":
        stub = StubType.GROUP_DELETE
    if stub is not None:
        yield _stub(state, event, event.jid, event.actor, event.timestamp, stub, params)


def _author(event: ev.GroupInfoUpdate | ev.JoinedGroup) -> dict[str, Any]:
    out: dict[str, Any] = {"author": str(event.actor) if event.actor is not None else None}
    if event.actor_pn is not None:
        out["authorPn"] = str(event.actor_pn)
    return out


def _participants_update(state: BaileysState, event: ev.GroupInfoUpdate) -> Iterator[Args]:
    change = event.change
    if isinstance(change, ParticipantsChanged):
        yield (
            CoreDict(
                event,
                id=str(event.jid),
                **_author(event),
                participants=[_participant(p) for p in change.participants],
                # Baileys reports a leave as a removal (its LEAVE stub says who left)
                action="remove" if change.action is ParticipantAction.LEAVE else str(change.action),
            ),
        )


def _join_request(state: BaileysState, event: ev.GroupInfoUpdate) -> Iterator[Args]:
    change = event.change
    if isinstance(change, ev.MembershipRequestsCreated):
        requester = _requester(event, change)
        yield (
            CoreDict(
                event,
                id=str(event.jid),
                **_author(event),
                participant=requester["lid"],
                participantPn=requester["pn"],
                action="created",
                method=change.request_method,
            ),
        )


def _blocklist_update(state: BaileysState, event: ev.BlocklistUpdate) -> Iterator[Args]:
    for change in event.changes:  # Baileys emits one update per item, in this shape
        kind = "add" if change.action is ev.BlocklistAction.BLOCK else "remove"
        yield (CoreDict(event, blocklist=[str(change.jid)], type=kind),)


def _newsletter_reactions(state: BaileysState, event: ev.NewsletterLiveUpdate) -> Iterator[Args]:
    for message in event.messages:
        for reaction in message.reactions:
            yield (
                CoreDict(
                    event,
                    id=str(event.newsletter_jid),
                    server_id=str(message.server_id),
                    reaction={"code": reaction.code, "count": reaction.count},
                ),
            )


def _number_lids(state: BaileysState, event: ev.ContactNumberChanged) -> Iterator[Args]:
    for pn, lid in ((event.old_jid, event.old_lid), (event.new_jid, event.new_lid)):
        if lid is not None:
            yield (CoreDict(event, pn=str(pn), lid=str(lid)),)


def _group_patch(change: ev.GroupChange) -> dict[str, Any] | None:
    if isinstance(change, ev.SubjectChanged):
        patch: dict[str, Any] = {"subject": change.subject}
        if change.subject_owner is not None:
            patch["subjectOwner"] = str(change.subject_owner)
        if change.subject_time is not None:
            patch["subjectTime"] = _seconds(change.subject_time)
        return patch
    if isinstance(change, ev.DescriptionChanged):
        return {"desc": change.description, "descId": change.id}
    if isinstance(change, ev.InviteLinkChanged):
        return {"inviteCode": change.code}
    if isinstance(change, ev.SettingChanged):
        setting = change.setting
        if setting is GroupSetting.ANNOUNCE:
            return {"announce": change.enabled}
        if setting is GroupSetting.LOCKED:
            return {"restrict": change.enabled}
        if setting is GroupSetting.EPHEMERAL:
            return {"ephemeralDuration": change.value if change.enabled else 0}
        if setting is GroupSetting.MEMBERSHIP_APPROVAL:
            return {"joinApprovalMode": change.enabled}
        if setting is GroupSetting.MEMBER_ADD_MODE:
            return {"memberAddMode": change.value == "all_member_add"}
    return None


def _groups_update(state: BaileysState, event: ev.GroupInfoUpdate) -> Iterator[Args]:
    patch = _group_patch(event.change)
    if patch is not None:
        yield (CoreList(event, [{"id": str(event.jid), **_author(event), **patch}]),)


def _joined_chat(state: BaileysState, event: ev.JoinedGroup) -> Iterator[Args]:
    chat: dict[str, Any] = {"id": str(event.jid)}
    if event.subject is not None:
        chat["name"] = event.subject
    if event.timestamp is not None:
        chat["conversationTimestamp"] = _seconds(event.timestamp)
    yield (CoreList(event, [chat]),)


def _joined_group(state: BaileysState, event: ev.JoinedGroup) -> Iterator[Args]:
    metadata: dict[str, Any] = {
        "id": str(event.jid),
        "subject": event.subject or "",
        "participants": [_participant(p) for p in event.participants],
        **_author(event),
    }
    if event.reason == "create" and event.actor is not None:
        metadata["owner"] = str(event.actor)
    if event.timestamp is not None:
        metadata["creation"] = _seconds(event.timestamp)
    yield (CoreList(event, [metadata]),)


def _create_stub(state: BaileysState, event: ev.JoinedGroup) -> Iterator[Args]:
    if event.reason == "create":
        when = event.timestamp or datetime.now(UTC)
        yield _stub(
            state, event, event.jid, event.actor, when, StubType.GROUP_CREATE, [event.subject or ""]
        )


# Projectors: calls and history ------------------------------------------------------------

_CALL_STATUS: Final = {
    "offer": "offer",
    "offer_notice": "offer",
    "preaccept": "preaccept",
    "accept": "accept",
    "reject": "reject",
    "terminate": "terminate",
}


def _call(state: BaileysState, event: ev.IncomingCall) -> Iterator[Args]:
    action = event.action
    status = _CALL_STATUS.get(action.action, action.action)
    if isinstance(action, ev.CallTerminate) and action.reason == "timeout":
        status = "timeout"
    call: dict[str, Any] = {
        "chatId": str(event.jid),
        "from": str(action.call_creator),
        "id": action.call_id,
        "date": _iso(event.timestamp),
        "offline": event.offline,
        "status": status,
    }
    if isinstance(action, ev.CallOffer):
        call["isVideo"] = action.is_video
        call["isGroup"] = action.group_jid is not None
        if action.group_jid is not None:
            call["groupJid"] = str(action.group_jid)
        if action.caller_pn is not None:
            call["callerPn"] = str(action.caller_pn)
    elif isinstance(action, ev.CallOfferNotice):
        call["isVideo"] = action.is_video
        call["isGroup"] = action.is_group
    yield (CoreList(event, [call]),)


def _history_set(state: BaileysState, event: ev.HistorySync) -> Iterator[Args]:
    blob = event.get()
    chats: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    for conversation in blob.conversations:
        chat = proto_dict(conversation)
        chat.pop("messages", None)
        chats.append(chat)
        messages.extend(
            proto_dict(item.message) for item in conversation.messages if item.HasField("message")
        )
    contacts = [{"id": p.id, "notify": p.pushname} for p in blob.pushnames if p.id]
    on_demand = event.sync_type is ev.HistorySyncType.ON_DEMAND
    payload = CoreDict(
        event,
        chats=chats,
        contacts=contacts,
        messages=messages,
        lidPnMappings=[{"pn": m.pnJid, "lid": m.lidJid} for m in blob.phoneNumberToLidMappings],
        isLatest=None if on_demand else state.history_chunks == 0,
        progress=event.progress,
        syncType=int(event.sync_type),
        chunkOrder=event.chunk_order,
    )
    yield (payload,)


def _history_status(state: BaileysState, event: ev.HistorySync) -> Iterator[Args]:
    kind = event.sync_type
    first_bootstrap = kind is ev.HistorySyncType.INITIAL_BOOTSTRAP and not state.bootstrap_done
    recent_done = kind is ev.HistorySyncType.RECENT and event.progress == 100
    if first_bootstrap or recent_done:
        yield (CoreDict(event, syncType=int(kind), status="complete", explicit=True),)


def _history_contacts(state: BaileysState, event: ev.HistorySync) -> Iterator[Args]:
    contacts = [{"id": p.id, "notify": p.pushname} for p in event.pushnames() if p.id]
    if contacts:
        yield (CoreList(event, contacts),)


def _history_lids(state: BaileysState, event: ev.HistorySync) -> Iterator[Args]:
    for mapping in event.get().phoneNumberToLidMappings:
        yield (CoreDict(event, pn=mapping.pnJid, lid=mapping.lidJid),)


# The vocabulary and the table -------------------------------------------------------------


def _spec(name: str, shape: str, doc: str, unmapped: str | None = None) -> EventSpec:
    return EventSpec(name=name, params=(f"payload: {shape}",), doc=doc, unmapped=unmapped)


_NO_CORE: Final = "the core has no event for it yet"

_EVENTS: Final = (
    _spec(
        "connection.update",
        "Partial<ConnectionState>",
        "Connection state: connecting, qr, isNewLogin, open, receivedPendingNotifications, close.",
    ),
    _spec("creds.update", "Partial<AuthenticationCreds>", "Our account's identity changed."),
    _spec("auth.qr", "{qr, qrCode, timeout}", "Gateway convention: a QR code to scan."),
    _spec(
        "auth.pairing-code",
        "{code, pairingCode, expiresAt}",
        "Gateway convention: a pairing code to type on the phone.",
    ),
    _spec("messages.upsert", "{messages, type, requestId?}", "New messages (and stub messages)."),
    _spec("messages.update", "{key, update}[]", "Revokes, edits, stars, 1:1 receipts."),
    _spec("messages.reaction", "{key, reaction}[]", "Reactions (empty text: removed)."),
    _spec("message-receipt.update", "{key, receipt}[]", "Receipts in groups and broadcasts."),
    _spec(
        "presence.update",
        "{id, presences: {jid: {lastKnownPresence, lastSeen?}, available}}",
        "Typing and online status; presences.available is the gateway convention's key.",
    ),
    _spec("contacts.update", "Partial<Contact>[]", "Push names, pictures, about, verified names."),
    _spec("contacts.upsert", "Contact[]", "Contacts from a history sync's push names."),
    _spec("chats.update", "ChatUpdate[]", "Pin, mute, archive, read state, disappearing timer."),
    _spec("chats.upsert", "Chat[]", "A new chat: a group we joined or created."),
    _spec("chats.delete", "string[]", "Deleted chats."),
    _spec("groups.upsert", "GroupMetadata[]", "A group we joined or created."),
    _spec("groups.update", "Partial<GroupMetadata>[]", "Subject, description, settings, invite."),
    _spec(
        "group-participants.update",
        "{id, author, authorPn?, participants, action}",
        "Participants added, removed, promoted, demoted or modified.",
    ),
    _spec("call", "WACallEvent[]", "Call offers and their later steps."),
    _spec(
        "messaging-history.set",
        "{chats, contacts, messages, lidPnMappings, isLatest, progress, syncType, chunkOrder}",
        "A history-sync chunk, parsed (costly: only when someone listens).",
    ),
    _spec(
        "messaging-history.status",
        "{syncType, status, explicit}",
        "History sync progress (complete; never 'paused', which needs a timer).",
    ),
    _spec(
        "lid-mapping.update",
        "{pn, lid}",
        "A phone-number to LID mapping (from history, or a contact's number change).",
    ),
    _spec("messages.delete", "{keys} | {jid, all}", "Messages deleted for me.", _NO_CORE),
    _spec("messages.media-update", "{key, media?, error?}[]", "Media re-uploads.", _NO_CORE),
    _spec(
        "group.join-request",
        "{id, author, authorPn?, participant, participantPn, action, method}",
        "Requests to join a group (created ones: the core has no revoked-request change yet).",
    ),
    _spec("group.member-tag.update", "{groupId, participant, label}", "Member labels.", _NO_CORE),
    _spec(
        "blocklist.set",
        "{blocklist}",
        "The block list.",
        "the client does not fetch the block list; blocklist.update carries the changes",
    ),
    _spec("blocklist.update", "{blocklist, type}", "Block list changes, one contact each."),
    _spec("labels.edit", "Label", "Label edits (business).", _NO_CORE),
    _spec("labels.association", "{association, type}", "Labels on chats.", _NO_CORE),
    _spec("newsletter.reaction", "{id, server_id, reaction}", "Channel reaction counts."),
    _spec("newsletter.view", "{id, server_id, count}", "Channel views.", _NO_CORE),
    _spec("newsletter-participants.update", "{id, author, user, new_role, action}", "", _NO_CORE),
    _spec("newsletter-settings.update", "{id, update}", "Channel settings.", _NO_CORE),
    _spec("message-capping.update", "NewChatMessageCapInfo", "Message caps.", _NO_CORE),
    _spec("chats.lock", "{id, locked}", "Locked chats.", _NO_CORE),
    _spec("settings.update", "{setting, value}", "Account settings.", _NO_CORE),
)

_CLOSING: Final = (
    ev.Disconnected,
    ev.LoggedOut,
    ev.StreamReplaced,
    ev.TemporaryBan,
    ev.ConnectFailure,
    ev.StreamError,
    ev.ClientOutdated,
    ev.QrScannedWithoutMultidevice,
    ev.PairError,
)

_RULES: Final[tuple[Rule, ...]] = (
    rule(ev.PairingQrCode, "connection.update", _connecting),
    rule(ev.PairingQrCode, "connection.update", _qr),
    rule(ev.PairingQrCode, "auth.qr", _auth_qr),
    rule(ev.PairingCode, "connection.update", _connecting),
    rule(ev.PairingCode, "auth.pairing-code", _auth_code),
    rule(ev.PairSuccess, "creds.update", _creds_paired),
    rule(ev.PairSuccess, "connection.update", _new_login),
    rule(ev.Connected, "connection.update", _connecting),
    rule(ev.Connected, "creds.update", _creds_connected),
    rule(ev.Connected, "connection.update", _open),
    rule(ev.OfflineSyncCompleted, "connection.update", _received_pending),
    *(rule(kind, "connection.update", _close) for kind in _CLOSING),
    rule(ev.SelfPushNameUpdated, "creds.update", _creds_name),
    rule(ev.DisappearingModeChanged, "creds.update", _creds_disappearing),
    rule(ev.DisappearingModeChanged, "chats.update", _chat_update),
    rule(ev.Message, "messages.upsert", _message_upsert),
    rule(ev.Message, "messages.update", _protocol_update),
    rule(ev.Message, "messages.reaction", _reaction),
    rule(ev.UndecryptableMessage, "messages.upsert", _undecryptable_upsert),
    rule(ev.Receipt, "messages.update", _receipt_update),
    rule(ev.Receipt, "message-receipt.update", _receipt_group),
    rule(ev.StarUpdate, "messages.update", _star),
    rule(ev.ChatPresence, "presence.update", _typing),
    rule(ev.Presence, "presence.update", _online),
    rule(ev.PushNameUpdate, "contacts.update", _contact_update),
    rule(ev.PictureUpdate, "messages.upsert", _picture_stub),
    rule(ev.PictureUpdate, "contacts.update", _contact_update),
    rule(ev.UserAboutUpdate, "contacts.update", _contact_update),
    rule(ev.BusinessStatusUpdate, "contacts.update", _contact_update),
    rule(ev.PinUpdate, "chats.update", _chat_update),
    rule(ev.MuteUpdate, "chats.update", _chat_update),
    rule(ev.ArchiveUpdate, "chats.update", _chat_update),
    rule(ev.MarkChatAsReadUpdate, "chats.update", _chat_update),
    rule(ev.DeleteChatUpdate, "chats.delete", _chat_delete),
    rule(ev.GroupInfoUpdate, "messages.upsert", _group_stub),
    rule(ev.GroupInfoUpdate, "group-participants.update", _participants_update),
    rule(ev.GroupInfoUpdate, "groups.update", _groups_update),
    rule(ev.GroupInfoUpdate, "group.join-request", _join_request),
    rule(ev.BlocklistUpdate, "blocklist.update", _blocklist_update),
    rule(ev.NewsletterLiveUpdate, "newsletter.reaction", _newsletter_reactions),
    rule(ev.ContactNumberChanged, "lid-mapping.update", _number_lids),
    rule(ev.JoinedGroup, "chats.upsert", _joined_chat),
    rule(ev.JoinedGroup, "groups.upsert", _joined_group),
    rule(ev.JoinedGroup, "messages.upsert", _create_stub),
    rule(ev.IncomingCall, "call", _call),
    rule(ev.HistorySync, "messaging-history.set", _history_set),
    rule(ev.HistorySync, "messaging-history.status", _history_status),
    rule(ev.HistorySync, "contacts.upsert", _history_contacts),
    rule(ev.HistorySync, "lid-mapping.update", _history_lids),
)


class BaileysDialect(Dialect[BaileysState]):
    """Core events as Baileys events (see the module doc for the mapping).

    Also the handler plugin ``baileys``: ``Bot.builder().with_plugin("baileys")``. The socket.io
    gateway uses this projection for what it sends.
    """

    name: ClassVar[str] = "baileys"
    state_class: ClassVar[type[SessionState]] = BaileysState
    events: ClassVar[Mapping[str, EventSpec]] = {spec.name: spec for spec in _EVENTS}
    rules: ClassVar[tuple[Rule, ...]] = _RULES


class BaileysListener(DialectListener, dialect=BaileysDialect):
    """Base for override-style Baileys listeners: ``on_messages_upsert``,
    ``on_connection_update``… (dots and dashes as underscores)."""
