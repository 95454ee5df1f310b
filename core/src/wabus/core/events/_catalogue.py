"""The event catalogue: one frozen, final pydantic model per event kind.

Class names follow the whatsapp-rust catalogue so that people who know it find them. The
field named ``from`` on the wire is called ``jid`` here, since ``from`` is a Python keyword.
Abstract category bases group the kinds; subscribe to one to receive the whole category.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar, final

from wabus.core._jid import Jid
from wabus.core._node import Node
from wabus.core.events._base import BaseEvent, Blob, Timestamp
from wabus.core.payloads import PayloadDecodeError, PayloadUnavailable, parsed_once, payload_codec

if TYPE_CHECKING:  # the parsed types come from wabus-proto; the core never imports it at run time
    from wabus.proto.e2e_pb2 import Message as WAMessage
    from wabus.proto.history_pb2 import Conversation as WAConversation
    from wabus.proto.history_pb2 import HistorySync as WAHistorySync
    from wabus.proto.history_pb2 import Pushname as WAPushname

from wabus.core.events._values import (
    BlocklistChange,
    BusinessSubscription,
    BusinessUpdateType,
    CallAction,
    ChatPresenceMedia,
    ChatPresenceState,
    ConnectFailureReason,
    DecryptFailMode,
    DeviceInfo,
    DeviceListUpdateType,
    DirtyType,
    GroupChange,
    GroupParticipant,
    HistorySyncType,
    KeyIndexInfo,
    MessageInfo,
    MessageSource,
    NewsletterLiveUpdateMessage,
    ReceiptType,
    TempBanReason,
    UnavailableType,
)

T = TypeVar("T")


def _checked(items: Iterator[T], what: str) -> Iterator[T]:
    """`items`, with the codec's parse errors turned into `PayloadDecodeError`."""
    try:
        yield from items
    except PayloadUnavailable:
        raise  # not the payload's fault
    except Exception as err:  # protobuf's DecodeError (not a ValueError), the scanner's errors
        raise PayloadDecodeError(what, f"{type(err).__name__}: {err}") from err


# Category bases ---------------------------------------------------------------------------


class ConnectionEvent(BaseEvent):
    """Base of the connection-state events."""


class PairingEvent(BaseEvent):
    """Base of the events of linking this device to a phone."""


class MessageEvent(BaseEvent):
    """Base of the events about messages: messages, receipts, undecryptable messages."""


class PresenceEvent(BaseEvent):
    """Base of online-status and typing events."""


class UserUpdateEvent(BaseEvent):
    """Base of events about a user's profile: picture, about text, push name."""


class GroupEvent(BaseEvent):
    """Base of group events."""


class ChatStateEvent(BaseEvent):
    """Base of chat-state changes synced from our other devices (pin, mute, archive, …)."""


class HistoryEvent(BaseEvent):
    """Base of history-sync and offline-sync events."""


class AccountEvent(BaseEvent):
    """Base of events about devices, identities, business accounts and account settings."""


class CallEvent(BaseEvent):
    """Base of call events."""


class RawEvent(BaseEvent):
    """Base of events that carry a stanza the catalogue does not model."""


# Connection -------------------------------------------------------------------------------


@final
class Connected(ConnectionEvent):
    """The session is connected and logged in; the client can send and receive."""

    type: Literal["connected"] = "connected"
    """Always ``"connected"``, this class's kind (see `BaseEvent.type`)."""


@final
class Disconnected(ConnectionEvent):
    """The connection was lost. The client reconnects by itself unless it was told to stop."""

    type: Literal["disconnected"] = "disconnected"
    """Always ``"disconnected"``, this class's kind (see `BaseEvent.type`)."""
    reason: str | None = None
    """Why, when known (e.g. a transport error or a corrupt frame)."""


@final
class ConnectFailure(ConnectionEvent):
    """The server refused the login with a reason that is neither a logout nor a ban."""

    type: Literal["connect_failure"] = "connect_failure"
    """Always ``"connect_failure"``, this class's kind (see `BaseEvent.type`)."""
    reason: ConnectFailureReason
    """The failure code."""
    message: str = ""
    """The server's message, when it sent one."""
    raw: Node | None = None
    """The ``<failure>`` stanza."""


@final
class TemporaryBan(ConnectionEvent):
    """The account is temporarily banned."""

    type: Literal["temporary_ban"] = "temporary_ban"
    """Always ``"temporary_ban"``, this class's kind (see `BaseEvent.type`)."""
    code: TempBanReason
    """Why."""
    expire: timedelta
    """How long the ban still lasts."""


@final
class StreamReplaced(ConnectionEvent):
    """Another client connected with the same credentials, and this stream was closed."""

    type: Literal["stream_replaced"] = "stream_replaced"
    """Always ``"stream_replaced"``, this class's kind (see `BaseEvent.type`)."""


@final
class StreamError(ConnectionEvent):
    """The server ended the stream with an error code the client does not handle itself."""

    type: Literal["stream_error"] = "stream_error"
    """Always ``"stream_error"``, this class's kind (see `BaseEvent.type`)."""
    code: str
    """The ``code`` attribute of ``<stream:error>``."""
    raw: Node | None = None
    """The ``<stream:error>`` stanza."""


@final
class LoggedOut(ConnectionEvent):
    """The device was logged out (unlinked from the phone, or the session became invalid)."""

    type: Literal["logged_out"] = "logged_out"
    """Always ``"logged_out"``, this class's kind (see `BaseEvent.type`)."""
    on_connect: bool = False
    """True when the logout came as the answer to a login, False when it arrived later."""
    reason: ConnectFailureReason = ConnectFailureReason.LOGGED_OUT
    """The reason code."""


@final
class ClientOutdated(ConnectionEvent):
    """The server rejected the client version; update wabus."""

    type: Literal["client_outdated"] = "client_outdated"
    """Always ``"client_outdated"``, this class's kind (see `BaseEvent.type`)."""


@final
class KeepAliveTimeout(ConnectionEvent):
    """A keepalive ping went unanswered."""

    type: Literal["keep_alive_timeout"] = "keep_alive_timeout"
    """Always ``"keep_alive_timeout"``, this class's kind (see `BaseEvent.type`)."""
    error_count: int = 1
    """How many pings in a row have failed."""
    last_success: Timestamp | None = None
    """When a ping last succeeded."""


@final
class KeepAliveRestored(ConnectionEvent):
    """A keepalive ping succeeded again after one or more timeouts."""

    type: Literal["keep_alive_restored"] = "keep_alive_restored"
    """Always ``"keep_alive_restored"``, this class's kind (see `BaseEvent.type`)."""


# Pairing ----------------------------------------------------------------------------------


@final
class PairingQrCode(PairingEvent):
    """A QR code to show for pairing; a new one replaces it when `timeout` runs out."""

    type: Literal["pairing_qr_code"] = "pairing_qr_code"
    """Always ``"pairing_qr_code"``, this class's kind (see `BaseEvent.type`)."""
    code: str
    """The text to render as a QR code."""
    timeout: timedelta
    """How long this code is valid."""


@final
class PairingCode(PairingEvent):
    """A pairing code to type on the phone, as an alternative to scanning a QR code."""

    type: Literal["pairing_code"] = "pairing_code"
    """Always ``"pairing_code"``, this class's kind (see `BaseEvent.type`)."""
    code: str
    """The eight-character code."""
    timeout: timedelta
    """How long the code is valid."""


@final
class PairSuccess(PairingEvent):
    """Pairing succeeded; the device is now linked."""

    type: Literal["pair_success"] = "pair_success"
    """Always ``"pair_success"``, this class's kind (see `BaseEvent.type`)."""
    id: Jid
    """Our new device JID (phone-number form)."""
    lid: Jid
    """Our new device JID (LID form)."""
    business_name: str = ""
    """The verified business name, for business accounts."""
    platform: str = ""
    """The phone's platform, e.g. ``android``."""


@final
class PairError(PairingEvent):
    """The phone said pairing succeeded but its proof did not verify."""

    type: Literal["pair_error"] = "pair_error"
    """Always ``"pair_error"``, this class's kind (see `BaseEvent.type`)."""
    id: Jid
    """The device JID the phone offered us (phone-number form)."""
    lid: Jid
    """The device JID it offered in LID form (`id` again when it sent none)."""
    business_name: str = ""
    """The verified business name the phone sent, for business accounts."""
    platform: str = ""
    """The phone's platform, e.g. ``android``."""
    error: str
    """What failed to verify."""


@final
class QrScannedWithoutMultidevice(PairingEvent):
    """The QR code was scanned by a phone that has multi-device turned off."""

    type: Literal["qr_scanned_without_multidevice"] = "qr_scanned_without_multidevice"
    """Always ``"qr_scanned_without_multidevice"``, this class's kind (see `BaseEvent.type`)."""


# Messages ---------------------------------------------------------------------------------


@final
class Message(MessageEvent):
    """A message arrived (text, media, reaction, protocol message, …).

    `info` is always decoded. The body travels as `raw`, the serialised ``wa.Message``
    protobuf, and is parsed only when a handler asks for it: `message` parses it on first
    access (exactly once, whichever threads ask) and every handler then shares the result.
    Logging, ``repr`` or serialising a `Message` never parses the body.
    """

    type: Literal["message"] = "message"
    """Always ``"message"``, this class's kind (see `BaseEvent.type`)."""
    source_field: ClassVar[str | None] = "info.source"
    identified: ClassVar[bool] = True  # by its message id and the server's timestamp
    info: MessageInfo
    """Who sent it, where, when."""
    raw: Blob = b""
    """The message body: the serialised ``wa.Message`` protobuf, after decryption."""

    @property
    def message(self) -> WAMessage:
        """The parsed body (``wabus.proto.e2e_pb2.Message``); parsed once, then shared.

        Raises `PayloadDecodeError` when the body does not parse (every time, without parsing
        again), and `PayloadUnavailable` when no payload codec is installed.
        """
        parsed: WAMessage = parsed_once(
            self,
            "_wabus_message",
            "the message body",
            lambda: payload_codec().parse_message(self.raw),
        )
        return parsed

    @property
    def text(self) -> str | None:
        """The message's text, whatever its shape: plain, extended, a media caption, or inside
        an ephemeral, view-once, edited or device-sent wrapper. None for messages without
        text (reactions, protocol messages, ...). Parses the body if nothing did yet."""
        message = self.message
        return parsed_once(
            self,
            "_wabus_text",
            "the message text",
            lambda: payload_codec().message_text(message),
        )


@final
class Receipt(MessageEvent):
    """Messages were delivered, read or played (or a sender/retry/other receipt)."""

    type: Literal["receipt"] = "receipt"
    """Always ``"receipt"``, this class's kind (see `BaseEvent.type`)."""
    source_field: ClassVar[str | None] = "source"
    identified: ClassVar[bool] = True  # by the message ids and the server's timestamp
    source: MessageSource
    """The chat and whose receipt it is."""
    message_ids: tuple[str, ...]
    """Every message the receipt covers (the top id and any ``<list><item>`` ids)."""
    timestamp: Timestamp
    """When the server recorded the receipt."""
    receipt_type: ReceiptType = ReceiptType.DELIVERED
    """The receipt's ``type`` attribute."""


@final
class UndecryptableMessage(MessageEvent):
    """A message arrived but could not be decrypted (or its body was unavailable)."""

    type: Literal["undecryptable_message"] = "undecryptable_message"
    """Always ``"undecryptable_message"``, this class's kind (see `BaseEvent.type`)."""
    source_field: ClassVar[str | None] = "info.source"
    identified: ClassVar[bool] = True  # by its message id and the server's timestamp
    info: MessageInfo
    """Who sent it, where, when (decoded from the stanza, as for a `Message`)."""
    is_unavailable: bool = False
    """True when the server said the body is unavailable rather than it failing to decrypt."""
    unavailable_type: UnavailableType = UnavailableType.UNKNOWN
    """Why the body is unavailable (``<unavailable type=…>``), when `is_unavailable`."""
    decrypt_fail_mode: DecryptFailMode = DecryptFailMode.SHOW
    """Whether the sender wants the failure shown or hidden."""
    reason: str = ""
    """Why it could not be decrypted (empty when the body was unavailable or no decryptor
    was configured)."""


@final
class PollVote(MessageEvent):
    """Someone voted in a poll (or changed or took back their vote), the vote opened with the
    poll's secret. A vote names options by hash; `selected` has them by name."""

    type: Literal["poll_vote"] = "poll_vote"
    """Always ``"poll_vote"``, this class's kind (see `BaseEvent.type`)."""
    source_field: ClassVar[str | None] = "info.source"
    identified: ClassVar[bool] = True  # by its message id and the server's timestamp
    info: MessageInfo
    """The vote's own message (who voted, in which chat, when)."""
    poll_id: str
    """The poll's message id."""
    question: str = ""
    """The poll's question."""
    selected: tuple[str, ...] = ()
    """The options the voter chose now, by name (empty: the vote was taken back)."""


@final
class NewsletterLiveUpdate(MessageEvent):
    """New reaction counts on messages of a newsletter we follow live."""

    type: Literal["newsletter_live_update"] = "newsletter_live_update"
    """Always ``"newsletter_live_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "newsletter_jid"
    newsletter_jid: Jid
    """The newsletter (``from``)."""
    messages: tuple[NewsletterLiveUpdateMessage, ...]
    """The messages whose counts changed."""


# Presence ---------------------------------------------------------------------------------


@final
class ChatPresence(PresenceEvent):
    """Someone started or stopped typing (or recording a voice note) in a chat."""

    type: Literal["chat_presence"] = "chat_presence"
    """Always ``"chat_presence"``, this class's kind (see `BaseEvent.type`)."""
    source_field: ClassVar[str | None] = "source"
    source: MessageSource
    """The chat, and who is typing in it."""
    state: ChatPresenceState
    """Typing (``composing``) or stopped (``paused``)."""
    media: ChatPresenceMedia = ChatPresenceMedia.TEXT
    """What is being composed: text, or a voice note (``audio``)."""


@final
class Presence(PresenceEvent):
    """A contact came online or went offline."""

    type: Literal["presence"] = "presence"
    """Always ``"presence"``, this class's kind (see `BaseEvent.type`)."""
    jid: Jid
    """Whose presence (``from``)."""
    unavailable: bool = False
    """True when they went offline."""
    last_seen: Timestamp | None = None
    """When they were last seen, if they share it."""


# User updates -----------------------------------------------------------------------------


@final
class PictureUpdate(UserUpdateEvent):
    """A user's or group's profile picture changed or was removed."""

    type: Literal["picture_update"] = "picture_update"
    """Always ``"picture_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    jid: Jid
    """Whose picture."""
    author: Jid | None = None
    """Who changed it (for groups, the admin)."""
    timestamp: Timestamp
    """When the server recorded the change (the notification's ``t``)."""
    removed: bool = False
    """True when the picture was removed rather than set."""
    picture_id: str | None = None
    """The new picture's id, to fetch it by (None when removed)."""


@final
class UserAboutUpdate(UserUpdateEvent):
    """A user changed their "about" text."""

    type: Literal["user_about_update"] = "user_about_update"
    """Always ``"user_about_update"``, this class's kind (see `BaseEvent.type`)."""
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    jid: Jid
    """Whose about text (``from``)."""
    status: str
    """The new about text."""
    timestamp: Timestamp
    """When the server recorded the change (the notification's ``t``)."""


@final
class PushNameUpdate(UserUpdateEvent):
    """A contact's push name (the display name they chose) changed."""

    type: Literal["push_name_update"] = "push_name_update"
    """Always ``"push_name_update"``, this class's kind (see `BaseEvent.type`)."""
    jid: Jid
    """The contact whose push name changed (without a device)."""
    info: MessageInfo | None = None
    """The message that carried the new name, when it came with one."""
    old_push_name: str = ""
    """The push name they had in the last message we saw from them."""
    new_push_name: str
    """Their push name now."""


@final
class ContactUpdated(UserUpdateEvent):
    """The server says a contact's profile changed (a ``contacts`` notification); refetch
    what you show of them."""

    type: Literal["contact_updated"] = "contact_updated"
    """Always ``"contact_updated"``, this class's kind (see `BaseEvent.type`)."""
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    jid: Jid
    """The contact."""
    timestamp: Timestamp
    """When the server sent the notification (its ``t``)."""


@final
class ContactNumberChanged(UserUpdateEvent):
    """A contact changed their phone number."""

    type: Literal["contact_number_changed"] = "contact_number_changed"
    """Always ``"contact_number_changed"``, this class's kind (see `BaseEvent.type`)."""
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    old_jid: Jid
    """Their old phone-number JID."""
    new_jid: Jid
    """Their new phone-number JID."""
    old_lid: Jid | None = None
    """The LID of the old number, when the server gave it."""
    new_lid: Jid | None = None
    """The LID of the new number, when the server gave it."""
    timestamp: Timestamp
    """When the server sent the notification (its ``t``)."""


@final
class SelfPushNameUpdated(UserUpdateEvent):
    """Our own push name changed."""

    type: Literal["self_push_name_updated"] = "self_push_name_updated"
    """Always ``"self_push_name_updated"``, this class's kind (see `BaseEvent.type`)."""
    from_server: bool = False
    """True when the change came from the server (another device), not from this client."""
    old_name: str = ""
    """Our push name before (empty when it was not known)."""
    new_name: str
    """Our push name now."""


@final
class ContactUpdate(UserUpdateEvent):
    """A contact in our address book was added or edited (on our phone or another device)."""

    type: Literal["contact_update"] = "contact_update"
    """Always ``"contact_update"``, this class's kind (see `BaseEvent.type`)."""
    jid: Jid
    """The contact."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    full_name: str | None = None
    """The name saved in the address book, when set."""
    first_name: str | None = None
    """The saved first name, when set."""
    lid_jid: Jid | None = None
    """The contact's LID, when given."""
    pn_jid: Jid | None = None
    """The contact's phone-number JID, when given."""
    username: str | None = None
    """The contact's username, when they have one."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


# Groups -----------------------------------------------------------------------------------


@final
class JoinedGroup(GroupEvent):
    """We were added to a group, joined one, or created one."""

    type: Literal["joined_group"] = "joined_group"
    """Always ``"joined_group"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    jid: Jid
    """The group."""
    reason: str | None = None
    """How we joined, when the server says (e.g. ``invite``)."""
    actor: Jid | None = None
    """Who added us."""
    actor_pn: Jid | None = None
    """Who added us, phone-number form, when `actor` is a LID."""
    subject: str | None = None
    """The group's subject, when known."""
    timestamp: Timestamp | None = None
    """When we joined, when the server says."""
    participants: tuple[GroupParticipant, ...] = ()
    """The members the server listed, when it listed them."""


@final
class GroupInfoUpdate(GroupEvent):
    """One change to a group (participants, subject, description, setting, invite link).

    A ``w:gp2`` notification with several actions gives one `GroupInfoUpdate` per action.
    """

    type: Literal["group_info_update"] = "group_info_update"
    """Always ``"group_info_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    jid: Jid
    """The group."""
    actor: Jid | None = None
    """Who made the change (``participant``)."""
    actor_pn: Jid | None = None
    """Who made the change, phone-number form, when `actor` is a LID."""
    timestamp: Timestamp
    """When the server recorded the change (the notification's ``t``)."""
    is_lid_addressing_mode: bool = False
    """True when the group addresses participants by LID."""
    change: GroupChange
    """What changed."""


# Chat state -------------------------------------------------------------------------------


@final
class PinUpdate(ChatStateEvent):
    """A chat was pinned or unpinned."""

    type: Literal["pin_update"] = "pin_update"
    """Always ``"pin_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    jid: Jid
    """The chat."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    pinned: bool
    """True when pinned, False when unpinned."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


@final
class MuteUpdate(ChatStateEvent):
    """A chat was muted or unmuted."""

    type: Literal["mute_update"] = "mute_update"
    """Always ``"mute_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    jid: Jid
    """The chat."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    muted: bool
    """True when muted, False when unmuted."""
    mute_end: Timestamp | None = None
    """When the mute ends (None: until unmuted)."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


@final
class ArchiveUpdate(ChatStateEvent):
    """A chat was archived or unarchived."""

    type: Literal["archive_update"] = "archive_update"
    """Always ``"archive_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    jid: Jid
    """The chat."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    archived: bool
    """True when archived, False when unarchived."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


@final
class StarUpdate(ChatStateEvent):
    """A message was starred or unstarred."""

    type: Literal["star_update"] = "star_update"
    """Always ``"star_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "chat_jid"
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    chat_jid: Jid
    """The chat the message is in."""
    participant_jid: Jid | None = None
    """The sender, in groups."""
    message_id: str
    """The message's id."""
    from_me: bool = False
    """True when the message is one we sent."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    starred: bool
    """True when starred, False when unstarred."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


@final
class MarkChatAsReadUpdate(ChatStateEvent):
    """A chat was marked as read or unread."""

    type: Literal["mark_chat_as_read_update"] = "mark_chat_as_read_update"
    """Always ``"mark_chat_as_read_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    jid: Jid
    """The chat."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    read: bool
    """True when marked as read, False when marked as unread."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


@final
class DeleteChatUpdate(ChatStateEvent):
    """A chat was deleted."""

    type: Literal["delete_chat_update"] = "delete_chat_update"
    """Always ``"delete_chat_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    jid: Jid
    """The chat."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    delete_media: bool = False
    """True when the chat's media files were deleted too."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


@final
class ClearChatUpdate(ChatStateEvent):
    """A chat's messages were cleared (the chat itself stays)."""

    type: Literal["clear_chat_update"] = "clear_chat_update"
    """Always ``"clear_chat_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    jid: Jid
    """The chat."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    delete_starred: bool = False
    """True when starred messages were cleared too."""
    delete_media: bool = False
    """True when the media files of the cleared messages were deleted too."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


@final
class DeleteMessageForMeUpdate(ChatStateEvent):
    """A message was deleted for us only (on another of our devices)."""

    type: Literal["delete_message_for_me_update"] = "delete_message_for_me_update"
    """Always ``"delete_message_for_me_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "chat_jid"
    chat_jid: Jid
    """The chat the message is in."""
    participant_jid: Jid | None = None
    """The sender, in groups."""
    message_id: str
    """The message's id."""
    from_me: bool = False
    """True when the message is one we sent."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    delete_media: bool = False
    """True when the message's media file was deleted too."""
    message_timestamp: Timestamp | None = None
    """When the deleted message was sent, when given."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


@final
class LabelEditUpdate(ChatStateEvent):
    """A label (a business chat label) was created, changed or deleted."""

    type: Literal["label_edit_update"] = "label_edit_update"
    """Always ``"label_edit_update"``, this class's kind (see `BaseEvent.type`)."""
    label_id: str
    """The label's id (the mutation's index), which associations refer to."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    name: str | None = None
    """The label's name, when set."""
    color: int | None = None
    """The label's colour, an index into the app's palette."""
    predefined_id: int | None = None
    """The id of the predefined label it is, when it is one."""
    deleted: bool = False
    """True when the label was deleted."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


@final
class LabelAssociationUpdate(ChatStateEvent):
    """A label was put on or taken off a chat, or a message of a chat."""

    type: Literal["label_association_update"] = "label_association_update"
    """Always ``"label_association_update"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    label_id: str
    """The label (see `LabelEditUpdate.label_id`)."""
    jid: Jid
    """The chat."""
    message_id: str | None = None
    """The message, when the label is on a message rather than the chat."""
    labeled: bool
    """True when the label was put on, False when taken off."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


# History ----------------------------------------------------------------------------------


@final
class HistorySync(HistoryEvent):
    """A chunk of chat history from the phone.

    `sync_type`, `chunk_order` and `progress` come from the notification and are readable
    without touching the blob. `raw` is the decompressed ``HistorySync`` protobuf. `get()`
    parses all of it once (a full parse holds the blob and its objects: about twice the memory);
    `iter_conversations()` and `pushnames()` walk it one entry at a time, so memory stays
    bounded by the largest conversation, whatever the size of the blob.
    """

    type: Literal["history_sync"] = "history_sync"
    """Always ``"history_sync"``, this class's kind (see `BaseEvent.type`)."""
    identified: ClassVar[bool] = True  # by the history-sync blob
    sync_type: HistorySyncType
    """Which part of the history the chunk holds (bootstrap, recent, full, push names, …)."""
    chunk_order: int | None = None
    """The chunk's place in the transfer, from the notification, when given."""
    progress: int | None = None
    """Percent of the whole transfer done, 0-100, when given."""
    raw: Blob = b""
    """The decompressed ``HistorySync`` protobuf."""

    def get(self) -> WAHistorySync:
        """The whole blob, parsed (``wabus.proto.history_pb2.HistorySync``); parsed once.

        Raises `PayloadDecodeError` when it does not parse (every time, without parsing again).
        """
        parsed: WAHistorySync = parsed_once(
            self,
            "_wabus_history",
            "the history-sync blob",
            lambda: payload_codec().parse_history_sync(self.raw),
        )
        return parsed

    def iter_conversations(self) -> Iterator[WAConversation]:
        """Each conversation of the blob, parsed one at a time as it is reached.

        Raises `PayloadDecodeError` (from the iteration) when the blob is corrupt.
        """
        return _checked(payload_codec().iter_conversations(self.raw), "the history conversations")

    def pushnames(self) -> Iterator[WAPushname]:
        """Each push name of the blob, parsed one at a time as it is reached.

        Raises `PayloadDecodeError` (from the iteration) when the blob is corrupt.
        """
        return _checked(payload_codec().iter_pushnames(self.raw), "the history push names")


@final
class OfflineSyncPreview(HistoryEvent):
    """How much the server queued while we were offline, before it sends it."""

    type: Literal["offline_sync_preview"] = "offline_sync_preview"
    """Always ``"offline_sync_preview"``, this class's kind (see `BaseEvent.type`)."""
    total: int = 0
    """How many stanzas are queued in all (``count``)."""
    app_data_changes: int = 0
    """How many of them are app-state changes (``appdata``)."""
    messages: int = 0
    """How many are messages (``message``)."""
    notifications: int = 0
    """How many are notifications (``notification``)."""
    receipts: int = 0
    """How many are receipts (``receipt``)."""


@final
class OfflineSyncCompleted(HistoryEvent):
    """Everything queued while we were offline has been delivered."""

    type: Literal["offline_sync_completed"] = "offline_sync_completed"
    """Always ``"offline_sync_completed"``, this class's kind (see `BaseEvent.type`)."""
    count: int = 0
    """How many stanzas were delivered."""


# Devices and accounts ---------------------------------------------------------------------


@final
class DeviceListUpdate(AccountEvent):
    """A user's list of linked devices changed."""

    type: Literal["device_list_update"] = "device_list_update"
    """Always ``"device_list_update"``, this class's kind (see `BaseEvent.type`)."""
    user: Jid
    """Whose device list (``from``)."""
    lid_user: Jid | None = None
    """The same user's LID, when the server gave it (``lid``)."""
    update_type: DeviceListUpdateType
    """Whether devices were added or removed, or the contact's record changed."""
    devices: tuple[DeviceInfo, ...] = ()
    """The devices added or removed."""
    key_index: KeyIndexInfo | None = None
    """The signed key-index list that came with the change, when there was one."""
    contact_hash: str | None = None
    """The ``hash`` of an ``update`` (the contact to look up)."""
    device_hash: str | None = None
    """The ``device_hash`` of an ``add`` or ``remove``: the hash of the new device list."""


@final
class IdentityChange(AccountEvent):
    """A contact's identity key changed (they reinstalled or changed phones)."""

    type: Literal["identity_change"] = "identity_change"
    """Always ``"identity_change"``, this class's kind (see `BaseEvent.type`)."""
    user: Jid
    """Whose identity key changed."""
    lid_user: Jid | None = None
    """The same user's LID, when known."""
    timestamp: Timestamp | None = None
    """When the change was seen: the notification's time, or that of the message that came with
    the new key (None when unknown)."""


@final
class BusinessStatusUpdate(AccountEvent):
    """Something about a business account changed."""

    type: Literal["business_status_update"] = "business_status_update"
    """Always ``"business_status_update"``, this class's kind (see `BaseEvent.type`)."""
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    jid: Jid
    """The business account (``from``)."""
    update_type: BusinessUpdateType
    """What changed."""
    timestamp: Timestamp
    """When the server sent the notification (its ``t``)."""
    target_jid: Jid | None = None
    """The account the change is about, when the notification names one (``jid``)."""
    hash: str | None = None
    """The change's ``hash`` attribute, when given."""
    verified_name: str | None = None
    """The new verified name, for a verified-name change."""
    product_ids: tuple[str, ...] = ()
    """The products that changed, for a catalogue change."""
    collection_ids: tuple[str, ...] = ()
    """The collections that changed, for a collection change."""
    subscriptions: tuple[BusinessSubscription, ...] = ()
    """The subscriptions listed, for a subscriptions change."""


@final
class DisappearingModeChanged(AccountEvent):
    """A contact's (or our own) default disappearing-messages timer changed."""

    type: Literal["disappearing_mode_changed"] = "disappearing_mode_changed"
    """Always ``"disappearing_mode_changed"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    jid: Jid
    """Whose timer: a contact (a ``disappearing_mode`` notification), or our own user (an
    ``account_sync`` notification: our default for new chats)."""
    duration: int
    """The timer in seconds; 0 turns disappearing messages off."""
    setting_timestamp: Timestamp
    """When the timer was set."""


@final
class BlocklistUpdate(AccountEvent):
    """Our block list changed (here or on another of our devices)."""

    type: Literal["blocklist_update"] = "blocklist_update"
    """Always ``"blocklist_update"``, this class's kind (see `BaseEvent.type`)."""
    changes: tuple[BlocklistChange, ...] = ()
    """Who was blocked or unblocked."""
    action: str | None = None
    """The block list's own ``action``: ``modify`` means the server did not list the changes
    and the whole list should be fetched again."""
    dhash: str | None = None
    """The hash of the block list after the change."""
    prev_dhash: str | None = None
    """The hash of the block list before the change."""
    timestamp: Timestamp | None = None
    """When the server sent the notification, when given (its ``t``)."""


@final
class ContactSyncRequested(AccountEvent):
    """The server asks for the contact list to be synced again."""

    type: Literal["contact_sync_requested"] = "contact_sync_requested"
    """Always ``"contact_sync_requested"``, this class's kind (see `BaseEvent.type`)."""
    identified: ClassVar[bool] = True  # by the server's or the app-state mutation's timestamp
    after: Timestamp | None = None
    """Only contacts changed after this time, when given."""
    timestamp: Timestamp
    """When the server sent the notification (its ``t``)."""


@final
class DirtyNotice(AccountEvent):
    """The server marked some of our state dirty (``<ib><dirty>``): the client fetches it
    again and answers with a ``clean`` request (`wabus.protocol.clean_dirty_bits`)."""

    type: Literal["dirty_notice"] = "dirty_notice"
    """Always ``"dirty_notice"``, this class's kind (see `BaseEvent.type`)."""
    dirty_type: DirtyType
    """What is dirty: e.g. ``account_sync`` or ``groups``."""
    timestamp: Timestamp | None = None
    """The server's time for the mark, echoed back in the clean request."""


@final
class LocaleUpdate(AccountEvent):
    """Our account's language setting changed (an app-state ``setting_locale``)."""

    type: Literal["locale_update"] = "locale_update"
    """Always ``"locale_update"``, this class's kind (see `BaseEvent.type`)."""
    locale: str
    """The locale, e.g. ``en_US``."""
    timestamp: Timestamp
    """When the change was made (the app-state mutation's timestamp)."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""


# Calls ------------------------------------------------------------------------------------


@final
class IncomingCall(CallEvent):
    """A call stanza: an offer, or a later step of a call (accept, reject, terminate, …)."""

    type: Literal["incoming_call"] = "incoming_call"
    """Always ``"incoming_call"``, this class's kind (see `BaseEvent.type`)."""
    chat_field: ClassVar[str | None] = "jid"
    identified: ClassVar[bool] = True  # by the call stanza's id and timestamp
    jid: Jid
    """Who the stanza came from (``from``)."""
    stanza_id: str
    """The call stanza's ``id`` (what its ack names), not the call's own id."""
    notify: str | None = None
    """The caller's push name."""
    platform: str | None = None
    """The caller's platform, when given."""
    version: str | None = None
    """The caller's app version, when given."""
    timestamp: Timestamp
    """When the server sent the stanza (its ``t``)."""
    offline: bool = False
    """True when the call stanza was queued while we were offline."""
    action: CallAction
    """What happened: the offer, or a later step, with its details."""


# Raw --------------------------------------------------------------------------------------


@final
class Notification(RawEvent):
    """A ``<notification>`` (or other stanza) of a kind the catalogue does not model yet."""

    type: Literal["notification"] = "notification"
    """Always ``"notification"``, this class's kind (see `BaseEvent.type`)."""
    identified: ClassVar[bool] = True  # by the raw stanza, with its id attribute
    raw: Node
    """The undecoded stanza."""

    @property
    def notification_type(self) -> str | None:
        """The stanza's ``type`` attribute, e.g. ``mediaretry``."""
        return self.raw.opt_attr("type")


@final
class MalformedStanza(RawEvent):
    """A stanza that could not be turned into events (a required attribute missing, a bad JID,
    a value out of range, a body that does not decode, or any error while handling it). It is
    acknowledged like any other stanza, and the stanzas after it are handled as usual."""

    type: Literal["malformed_stanza"] = "malformed_stanza"
    """Always ``"malformed_stanza"``, this class's kind (see `BaseEvent.type`)."""
    tag: str
    """The stanza's tag, e.g. ``message`` (empty when the bytes did not decode to a node)."""
    reason: str
    """What was wrong with it: the error's message."""
    error: str = ""
    """The type name of the error that stopped its handling, e.g. ``NodeAttributeError``."""
    raw: Node | None = None
    """The stanza itself."""


@final
class RawAppStateAction(RawEvent):
    """An app-state mutation the catalogue does not model (an action it has no kind for, or
    a REMOVE of one it has): verified and decrypted, but not interpreted."""

    type: Literal["raw_app_state_action"] = "raw_app_state_action"
    """Always ``"raw_app_state_action"``, this class's kind (see `BaseEvent.type`)."""
    collection: str
    """The collection it came from, e.g. ``regular_low``."""
    index: tuple[str, ...]
    """The mutation's index, e.g. ``("lock", "123@s.whatsapp.net")``."""
    operation: Literal["set", "remove"]
    """Whether the mutation set the value or removed it."""
    action_version: int | None = None
    """The action's API version."""
    value: Blob = b""
    """The ``SyncActionValue`` protobuf."""
    timestamp: Timestamp | None = None
    """The action's own timestamp, when it had one."""
    from_full_sync: bool = False
    """True when it came from a full app-state sync rather than a live change."""
