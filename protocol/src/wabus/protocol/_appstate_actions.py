"""App-state actions: verified mutations to catalogue events, and our own actions to mutations.

Theory of operation. A mutation's meaning is in its index (a JSON array of strings whose first
element names the action, e.g. ``["pin_v1", chat]``) and in the one action field of its
``SyncActionValue``. `mutation_event` reads both and makes the catalogue's event:

| index | action | event |
|---|---|---|
| ``pin_v1``, chat | pinAction | `PinUpdate` |
| ``mute``, chat | muteAction | `MuteUpdate` (the end time in ms; none when -1, 0 or absent) |
| ``archive``, chat | archiveChatAction | `ArchiveUpdate` |
| ``star``, chat, id, from me, sender | starAction | `StarUpdate` |
| ``markChatAsRead``, chat | markChatAsReadAction | `MarkChatAsReadUpdate` |
| ``deleteChat``, chat, delete media | deleteChatAction | `DeleteChatUpdate` |
| ``clearChat``, chat, delete starred, delete media | clearChatAction | `ClearChatUpdate` |
| ``deleteMessageForMe``, chat, id, from me, sender | deleteMessageForMeAction |
  `DeleteMessageForMeUpdate` |
| ``contact``, jid | contactAction | `ContactUpdate` |
| ``setting_pushName`` | pushNameSetting | `SelfPushNameUpdated` |
| ``setting_locale`` | localeSetting | `LocaleUpdate` |
| ``label_edit``, label | labelEditAction | `LabelEditUpdate` |
| ``label_jid``, label, chat | labelAssociationAction | `LabelAssociationUpdate` |
| ``label_message``, label, chat, id | labelAssociationAction | `LabelAssociationUpdate` |

Every other mutation (an action without a row here, a REMOVE, an index or JID that does not
parse, an action without a timestamp) becomes a `RawAppStateAction` carrying the verified
index and value: never silence.

The other direction: `pin_chat`, `mute_chat`, `archive_chat`, `star_message`,
`mark_chat_read` and `delete_chat` build the `AppStateAction` (collection, index, value, API
version) that `wabus.protocol.encode_patch` turns into a patch, with the indexes and versions
WhatsApp's own clients use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from pydantic import ValidationError

from wabus.core import InvalidJid, Jid
from wabus.core.events import (
    ArchiveUpdate,
    BaseEvent,
    ClearChatUpdate,
    ContactUpdate,
    DeleteChatUpdate,
    DeleteMessageForMeUpdate,
    LabelAssociationUpdate,
    LabelEditUpdate,
    LocaleUpdate,
    MarkChatAsReadUpdate,
    MuteUpdate,
    PinUpdate,
    RawAppStateAction,
    SelfPushNameUpdated,
    StarUpdate,
)
from wabus.proto.syncd_pb2 import SyncActionValue
from wabus.protocol._appstate import (
    Collection,
    CollectionState,
    DecodedMutation,
    EncodedPatch,
    encode_patch,
)
from wabus.protocol._appstate_crypto import Operation

__all__ = [
    "AppStateAction",
    "archive_chat",
    "delete_chat",
    "mark_chat_read",
    "mutation_event",
    "mute_chat",
    "pin_chat",
    "star_message",
]


class _Unmodelled(ValueError):
    """This mutation has no typed event (it becomes a `RawAppStateAction`)."""


def _ms(value: int) -> datetime:
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise _Unmodelled(f"timestamp {value} is out of range") from err


def _seconds(value: int) -> datetime:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as err:
        raise _Unmodelled(f"timestamp {value} is out of range") from err


def _at(index: tuple[str, ...], position: int) -> str:
    if len(index) <= position:
        raise _Unmodelled(f"the index has no element {position}")
    return index[position]


def _jid(index: tuple[str, ...], position: int) -> Jid:
    return Jid.parse(_at(index, position))


def _sender(index: tuple[str, ...], position: int) -> Jid | None:
    text = index[position] if len(index) > position else "0"
    return None if text in ("0", "") else Jid.parse(text)


def _opt_jid(text: str) -> Jid | None:
    return Jid.parse(text) if text else None


_Builder = Callable[[DecodedMutation, SyncActionValue, datetime], BaseEvent]


def _pin(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    return PinUpdate(
        jid=_jid(m.index, 1),
        timestamp=at,
        pinned=v.pinAction.pinned,
        from_full_sync=m.from_full_sync,
    )


def _mute(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    action = v.muteAction
    end = action.muteEndTimestamp if action.HasField("muteEndTimestamp") else 0
    return MuteUpdate(
        jid=_jid(m.index, 1),
        timestamp=at,
        muted=action.muted,
        mute_end=_ms(end) if action.muted and end > 0 else None,
        from_full_sync=m.from_full_sync,
    )


def _archive(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    return ArchiveUpdate(
        jid=_jid(m.index, 1),
        timestamp=at,
        archived=v.archiveChatAction.archived,
        from_full_sync=m.from_full_sync,
    )


def _star(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    return StarUpdate(
        chat_jid=_jid(m.index, 1),
        message_id=_at(m.index, 2),
        from_me=_at(m.index, 3) == "1",
        participant_jid=_sender(m.index, 4),
        timestamp=at,
        starred=v.starAction.starred,
        from_full_sync=m.from_full_sync,
    )


def _mark_read(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    return MarkChatAsReadUpdate(
        jid=_jid(m.index, 1),
        timestamp=at,
        read=v.markChatAsReadAction.read,
        from_full_sync=m.from_full_sync,
    )


def _delete_chat(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    return DeleteChatUpdate(
        jid=_jid(m.index, 1),
        timestamp=at,
        delete_media=len(m.index) <= 2 or m.index[2] != "0",
        from_full_sync=m.from_full_sync,
    )


def _clear_chat(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    return ClearChatUpdate(
        jid=_jid(m.index, 1),
        timestamp=at,
        delete_starred=len(m.index) > 2 and m.index[2] == "1",
        delete_media=len(m.index) > 3 and m.index[3] == "1",
        from_full_sync=m.from_full_sync,
    )


def _delete_for_me(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    action = v.deleteMessageForMeAction
    sent = action.messageTimestamp if action.HasField("messageTimestamp") else 0
    return DeleteMessageForMeUpdate(
        chat_jid=_jid(m.index, 1),
        message_id=_at(m.index, 2),
        from_me=_at(m.index, 3) == "1",
        participant_jid=_sender(m.index, 4),
        timestamp=at,
        delete_media=action.deleteMedia,
        message_timestamp=_seconds(sent) if sent > 0 else None,
        from_full_sync=m.from_full_sync,
    )


def _contact(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    action = v.contactAction
    return ContactUpdate(
        jid=_jid(m.index, 1),
        timestamp=at,
        full_name=action.fullName if action.HasField("fullName") else None,
        first_name=action.firstName if action.HasField("firstName") else None,
        lid_jid=_opt_jid(action.lidJid),
        pn_jid=_opt_jid(action.pnJid),
        username=action.username if action.HasField("username") else None,
        from_full_sync=m.from_full_sync,
    )


def _push_name(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    return SelfPushNameUpdated(from_server=True, new_name=v.pushNameSetting.name)


def _locale(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    return LocaleUpdate(
        locale=v.localeSetting.locale, timestamp=at, from_full_sync=m.from_full_sync
    )


def _label_edit(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    action = v.labelEditAction
    return LabelEditUpdate(
        label_id=_at(m.index, 1),
        timestamp=at,
        name=action.name if action.HasField("name") else None,
        color=action.color if action.HasField("color") else None,
        predefined_id=action.predefinedId if action.HasField("predefinedId") else None,
        deleted=action.deleted,
        from_full_sync=m.from_full_sync,
    )


def _label_chat(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    return LabelAssociationUpdate(
        label_id=_at(m.index, 1),
        jid=_jid(m.index, 2),
        labeled=v.labelAssociationAction.labeled,
        timestamp=at,
        from_full_sync=m.from_full_sync,
    )


def _label_message(m: DecodedMutation, v: SyncActionValue, at: datetime) -> BaseEvent:
    return LabelAssociationUpdate(
        label_id=_at(m.index, 1),
        jid=_jid(m.index, 2),
        message_id=_at(m.index, 3),
        labeled=v.labelAssociationAction.labeled,
        timestamp=at,
        from_full_sync=m.from_full_sync,
    )


_ROWS: Final[dict[str, tuple[str, _Builder]]] = {
    "pin_v1": ("pinAction", _pin),
    "mute": ("muteAction", _mute),
    "archive": ("archiveChatAction", _archive),
    "star": ("starAction", _star),
    "markChatAsRead": ("markChatAsReadAction", _mark_read),
    "deleteChat": ("deleteChatAction", _delete_chat),
    "clearChat": ("clearChatAction", _clear_chat),
    "deleteMessageForMe": ("deleteMessageForMeAction", _delete_for_me),
    "contact": ("contactAction", _contact),
    "setting_pushName": ("pushNameSetting", _push_name),
    "setting_locale": ("localeSetting", _locale),
    "label_edit": ("labelEditAction", _label_edit),
    "label_jid": ("labelAssociationAction", _label_chat),
    "label_message": ("labelAssociationAction", _label_message),
}


def _raw(m: DecodedMutation) -> RawAppStateAction:
    timestamp: datetime | None = None
    if m.value.HasField("timestamp"):
        try:
            timestamp = _ms(m.value.timestamp)
        except _Unmodelled:
            timestamp = None
    return RawAppStateAction(
        collection=m.collection,
        index=m.index,
        operation="set" if m.operation is Operation.SET else "remove",
        action_version=m.action_version,
        value=m.value.SerializeToString(),
        timestamp=timestamp,
        from_full_sync=m.from_full_sync,
    )


def mutation_event(mutation: DecodedMutation) -> BaseEvent:
    """The catalogue event of one verified mutation (a `RawAppStateAction` when the catalogue
    has no kind for it; see the module's table)."""
    row = _ROWS.get(mutation.index[0]) if mutation.index else None
    value = mutation.value
    if (
        row is None
        or mutation.operation is not Operation.SET
        or not value.HasField(row[0])
        or not value.HasField("timestamp")
    ):
        return _raw(mutation)
    try:
        return row[1](mutation, value, _ms(value.timestamp))
    except (_Unmodelled, InvalidJid, ValidationError):
        return _raw(mutation)


# Our own actions --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppStateAction:
    """One mutation of ours, before encryption: what `encode` turns into a patch."""

    collection: Collection
    index: tuple[str, ...]
    value: SyncActionValue
    action_version: int
    operation: Operation = Operation.SET

    def encode(
        self,
        state: CollectionState,
        *,
        key_id: bytes,
        key_data: bytes,
        iv: bytes | None = None,
    ) -> EncodedPatch:
        """The patch that applies this action on top of `state` (the collection's current
        state, of `collection`)."""
        if state.name != self.collection:
            raise ValueError(f"this action belongs to {self.collection}, not {state.name}")
        return encode_patch(
            state,
            self.index,
            self.value,
            self.action_version,
            key_id=key_id,
            key_data=key_data,
            operation=self.operation,
            iv=iv,
        )


def _now_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def pin_chat(chat: Jid, pinned: bool, at: datetime) -> AppStateAction:
    """Pin (or unpin) `chat`: ``["pin_v1", chat]`` in ``regular_low``, version 5."""
    value = SyncActionValue(
        timestamp=_now_ms(at), pinAction=SyncActionValue.PinAction(pinned=pinned)
    )
    return AppStateAction(Collection.REGULAR_LOW, ("pin_v1", str(chat)), value, 5)


def mute_chat(chat: Jid, until: datetime | None, at: datetime) -> AppStateAction:
    """Mute `chat` until `until` (None: unmute): ``["mute", chat]`` in ``regular_high``,
    version 2; the end travels in Unix milliseconds."""
    action = SyncActionValue.MuteAction(muted=until is not None)
    if until is not None:
        action.muteEndTimestamp = _now_ms(until)
    value = SyncActionValue(timestamp=_now_ms(at), muteAction=action)
    return AppStateAction(Collection.REGULAR_HIGH, ("mute", str(chat)), value, 2)


def archive_chat(chat: Jid, archived: bool, at: datetime) -> AppStateAction:
    """Archive (or unarchive) `chat`: ``["archive", chat]`` in ``regular_low``, version 3."""
    value = SyncActionValue(
        timestamp=_now_ms(at),
        archiveChatAction=SyncActionValue.ArchiveChatAction(archived=archived),
    )
    return AppStateAction(Collection.REGULAR_LOW, ("archive", str(chat)), value, 3)


def star_message(
    chat: Jid, message_id: str, from_me: bool, starred: bool, at: datetime
) -> AppStateAction:
    """Star (or unstar) a message: ``["star", chat, id, from me, "0"]`` in ``regular_low``,
    version 2 (as Baileys sends it)."""
    value = SyncActionValue(
        timestamp=_now_ms(at), starAction=SyncActionValue.StarAction(starred=starred)
    )
    index = ("star", str(chat), message_id, "1" if from_me else "0", "0")
    return AppStateAction(Collection.REGULAR_LOW, index, value, 2)


def mark_chat_read(chat: Jid, read: bool, at: datetime) -> AppStateAction:
    """Mark `chat` read (or unread): ``["markChatAsRead", chat]`` in ``regular_low``,
    version 3."""
    value = SyncActionValue(
        timestamp=_now_ms(at),
        markChatAsReadAction=SyncActionValue.MarkChatAsReadAction(read=read),
    )
    return AppStateAction(Collection.REGULAR_LOW, ("markChatAsRead", str(chat)), value, 3)


def delete_chat(chat: Jid, at: datetime, *, delete_media: bool = True) -> AppStateAction:
    """Delete `chat`: ``["deleteChat", chat, "1"]`` in ``regular_high``, version 6."""
    value = SyncActionValue(
        timestamp=_now_ms(at), deleteChatAction=SyncActionValue.DeleteChatAction()
    )
    index = ("deleteChat", str(chat), "1" if delete_media else "0")
    return AppStateAction(Collection.REGULAR_HIGH, index, value, 6)
