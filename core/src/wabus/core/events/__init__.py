"""The typed event catalogue: every event wabus dispatches, and the `Event` union of them all.

Events are frozen pydantic models, one `@final` class per kind, each with a ``type`` tag equal to
its kind. `Event` joins them in one discriminated union and `EVENT_ADAPTER` validates and
serialises it::

    event = EVENT_ADAPTER.validate_json(data)   # -> Message | Receipt | ...
    data = EVENT_ADAPTER.dump_json(event)

The JSON form is lossless (bytes travel as base64, JIDs as strings, nodes as nested objects) and
is what crosses process boundaries (the socket.io gateway and the NATS bridge).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Final, get_args

from pydantic import Field, TypeAdapter

from wabus.core._public import publicize
from wabus.core.events._base import (
    BaseEvent,
    Blob,
    OpenIntEnum,
    OpenStrEnum,
    Timestamp,
    Value,
    kind_of,
)
from wabus.core.events._catalogue import (
    AccountEvent,
    ArchiveUpdate,
    BlocklistUpdate,
    BusinessStatusUpdate,
    CallEvent,
    ChatPresence,
    ChatStateEvent,
    ClearChatUpdate,
    ClientOutdated,
    Connected,
    ConnectFailure,
    ConnectionEvent,
    ContactNumberChanged,
    ContactSyncRequested,
    ContactUpdate,
    ContactUpdated,
    DeleteChatUpdate,
    DeleteMessageForMeUpdate,
    DeviceListUpdate,
    DirtyNotice,
    DisappearingModeChanged,
    Disconnected,
    GroupEvent,
    GroupInfoUpdate,
    HistoryEvent,
    HistorySync,
    IdentityChange,
    IncomingCall,
    JoinedGroup,
    KeepAliveRestored,
    KeepAliveTimeout,
    LabelAssociationUpdate,
    LabelEditUpdate,
    LocaleUpdate,
    LoggedOut,
    MalformedStanza,
    MarkChatAsReadUpdate,
    Message,
    MessageEvent,
    MuteUpdate,
    NewsletterLiveUpdate,
    Notification,
    OfflineSyncCompleted,
    OfflineSyncPreview,
    PairError,
    PairingCode,
    PairingEvent,
    PairingQrCode,
    PairSuccess,
    PictureUpdate,
    PinUpdate,
    PollVote,
    Presence,
    PresenceEvent,
    PushNameUpdate,
    QrScannedWithoutMultidevice,
    RawAppStateAction,
    RawEvent,
    Receipt,
    SelfPushNameUpdated,
    StarUpdate,
    StreamError,
    StreamReplaced,
    TemporaryBan,
    UndecryptableMessage,
    UserAboutUpdate,
    UserUpdateEvent,
)
from wabus.core.events._values import (
    AddressingMode,
    BlocklistAction,
    BlocklistChange,
    BusinessSubscription,
    BusinessUpdateType,
    CallAccept,
    CallAction,
    CallAudio,
    CallOffer,
    CallOfferNotice,
    CallPreAccept,
    CallReject,
    CallTerminate,
    ChatPresenceMedia,
    ChatPresenceState,
    ConnectFailureReason,
    DecryptFailMode,
    DescriptionChanged,
    DeviceInfo,
    DeviceListUpdateType,
    DirtyType,
    EditAttribute,
    GroupChange,
    GroupParticipant,
    GroupSetting,
    HistorySyncType,
    InviteLinkChanged,
    KeyIndexInfo,
    MembershipRequestsCreated,
    MessageInfo,
    MessageSource,
    NewsletterLiveUpdateMessage,
    NewsletterLiveUpdateReaction,
    OtherGroupChange,
    ParticipantAction,
    ParticipantsChanged,
    ParticipantType,
    ReceiptType,
    SettingChanged,
    SubjectChanged,
    TempBanReason,
    UnavailableType,
)

__all__ = [
    "EVENTS_BY_KIND",
    "EVENT_ADAPTER",
    "EVENT_TYPES",
    "AccountEvent",
    "AddressingMode",
    "ArchiveUpdate",
    "BaseEvent",
    "Blob",
    "BlocklistAction",
    "BlocklistChange",
    "BlocklistUpdate",
    "BusinessStatusUpdate",
    "BusinessSubscription",
    "BusinessUpdateType",
    "CallAccept",
    "CallAction",
    "CallAudio",
    "CallEvent",
    "CallOffer",
    "CallOfferNotice",
    "CallPreAccept",
    "CallReject",
    "CallTerminate",
    "ChatPresence",
    "ChatPresenceMedia",
    "ChatPresenceState",
    "ChatStateEvent",
    "ClearChatUpdate",
    "ClientOutdated",
    "ConnectFailure",
    "ConnectFailureReason",
    "Connected",
    "ConnectionEvent",
    "ContactNumberChanged",
    "ContactSyncRequested",
    "ContactUpdate",
    "ContactUpdated",
    "DecryptFailMode",
    "DeleteChatUpdate",
    "DeleteMessageForMeUpdate",
    "DescriptionChanged",
    "DeviceInfo",
    "DeviceListUpdate",
    "DeviceListUpdateType",
    "DirtyNotice",
    "DirtyType",
    "DisappearingModeChanged",
    "Disconnected",
    "EditAttribute",
    "Event",
    "GroupChange",
    "GroupEvent",
    "GroupInfoUpdate",
    "GroupParticipant",
    "GroupSetting",
    "HistoryEvent",
    "HistorySync",
    "HistorySyncType",
    "IdentityChange",
    "IncomingCall",
    "InviteLinkChanged",
    "JoinedGroup",
    "KeepAliveRestored",
    "KeepAliveTimeout",
    "KeyIndexInfo",
    "LabelAssociationUpdate",
    "LabelEditUpdate",
    "LocaleUpdate",
    "LoggedOut",
    "MalformedStanza",
    "MarkChatAsReadUpdate",
    "MembershipRequestsCreated",
    "Message",
    "MessageEvent",
    "MessageInfo",
    "MessageSource",
    "MuteUpdate",
    "NewsletterLiveUpdate",
    "NewsletterLiveUpdateMessage",
    "NewsletterLiveUpdateReaction",
    "Notification",
    "OfflineSyncCompleted",
    "OfflineSyncPreview",
    "OpenIntEnum",
    "OpenStrEnum",
    "OtherGroupChange",
    "PairError",
    "PairSuccess",
    "PairingCode",
    "PairingEvent",
    "PairingQrCode",
    "ParticipantAction",
    "ParticipantType",
    "ParticipantsChanged",
    "PictureUpdate",
    "PinUpdate",
    "PollVote",
    "Presence",
    "PresenceEvent",
    "PushNameUpdate",
    "QrScannedWithoutMultidevice",
    "RawAppStateAction",
    "RawEvent",
    "Receipt",
    "ReceiptType",
    "SelfPushNameUpdated",
    "SettingChanged",
    "StarUpdate",
    "StreamError",
    "StreamReplaced",
    "SubjectChanged",
    "TempBanReason",
    "TemporaryBan",
    "Timestamp",
    "UnavailableType",
    "UndecryptableMessage",
    "UserAboutUpdate",
    "UserUpdateEvent",
    "Value",
    "event_from_json",
    "kind_of",
]

Event = Annotated[
    Connected
    | Disconnected
    | ConnectFailure
    | TemporaryBan
    | StreamReplaced
    | StreamError
    | LoggedOut
    | ClientOutdated
    | KeepAliveTimeout
    | KeepAliveRestored
    | PairingQrCode
    | PairingCode
    | PairSuccess
    | PairError
    | QrScannedWithoutMultidevice
    | Message
    | Receipt
    | UndecryptableMessage
    | PollVote
    | NewsletterLiveUpdate
    | ChatPresence
    | Presence
    | PictureUpdate
    | UserAboutUpdate
    | PushNameUpdate
    | ContactUpdated
    | ContactNumberChanged
    | ContactUpdate
    | SelfPushNameUpdated
    | JoinedGroup
    | GroupInfoUpdate
    | PinUpdate
    | MuteUpdate
    | ArchiveUpdate
    | StarUpdate
    | MarkChatAsReadUpdate
    | DeleteChatUpdate
    | ClearChatUpdate
    | DeleteMessageForMeUpdate
    | LabelEditUpdate
    | LabelAssociationUpdate
    | HistorySync
    | OfflineSyncPreview
    | OfflineSyncCompleted
    | DeviceListUpdate
    | IdentityChange
    | BusinessStatusUpdate
    | DisappearingModeChanged
    | BlocklistUpdate
    | ContactSyncRequested
    | DirtyNotice
    | LocaleUpdate
    | IncomingCall
    | Notification
    | MalformedStanza
    | RawAppStateAction,
    Field(discriminator="type"),
]
"""Any event: the discriminated union of every event class, keyed by ``type``."""

EVENT_ADAPTER: Final[TypeAdapter[Event]] = TypeAdapter(Event)
"""Validates and serialises `Event` values (``validate_json``, ``dump_json``, …)."""

EVENT_TYPES: Final[tuple[type[BaseEvent], ...]] = get_args(get_args(Event)[0])
"""Every concrete event class, in catalogue order."""

EVENTS_BY_KIND: Final[Mapping[str, type[BaseEvent]]] = MappingProxyType(
    {cls.kind: cls for cls in EVENT_TYPES}
)
"""Each event class by its kind (``"message"`` -> `Message`)."""


def event_from_json(data: str | bytes) -> Event:
    """Parse one event from its JSON form; raises pydantic's `ValidationError` if it is not one."""
    return EVENT_ADAPTER.validate_json(data)


publicize(globals())
