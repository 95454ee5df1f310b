"""Value types shared by events: enums of wire values, message metadata, group changes, calls."""

from __future__ import annotations

from typing import Annotated, Any, Literal, final

from pydantic import Field

from wabus.core._jid import Jid
from wabus.core._node import Node
from wabus.core.events._base import Blob, OpenIntEnum, OpenStrEnum, Timestamp, Value

__all__ = [
    "AddressingMode",
    "BlocklistAction",
    "BlocklistChange",
    "BusinessSubscription",
    "BusinessUpdateType",
    "CallAccept",
    "CallAction",
    "CallAudio",
    "CallOffer",
    "CallOfferNotice",
    "CallPreAccept",
    "CallReject",
    "CallTerminate",
    "ChatPresenceMedia",
    "ChatPresenceState",
    "ConnectFailureReason",
    "DecryptFailMode",
    "DescriptionChanged",
    "DeviceInfo",
    "DeviceListUpdateType",
    "DirtyType",
    "EditAttribute",
    "GroupChange",
    "GroupParticipant",
    "GroupSetting",
    "HistorySyncType",
    "InviteLinkChanged",
    "KeyIndexInfo",
    "MembershipRequestsCreated",
    "MessageInfo",
    "MessageSource",
    "NewsletterLiveUpdateMessage",
    "NewsletterLiveUpdateReaction",
    "OtherGroupChange",
    "ParticipantAction",
    "ParticipantType",
    "ParticipantsChanged",
    "ReceiptType",
    "SettingChanged",
    "SubjectChanged",
    "TempBanReason",
    "UnavailableType",
]


# Enums of wire values ---------------------------------------------------------------------


class ConnectFailureReason(OpenIntEnum):
    """Why the server refused or ended a session (the ``<failure>`` and logout codes)."""

    GENERIC = 400
    LOGGED_OUT = 401
    TEMP_BANNED = 402
    MAIN_DEVICE_GONE = 403
    CLIENT_OUTDATED = 405
    UNKNOWN_LOGOUT = 406
    BAD_USER_AGENT = 409
    CAT_EXPIRED = 413
    CAT_INVALID = 414
    NOT_FOUND = 415
    CLIENT_UNKNOWN = 418
    INTERNAL_SERVER_ERROR = 500
    EXPERIMENTAL = 501
    SERVICE_UNAVAILABLE = 503

    @property
    def is_logged_out(self) -> bool:
        """True when the session is gone and the device must pair again (401, 403, 406)."""
        return self.value in (401, 403, 406)

    @property
    def should_reconnect(self) -> bool:
        """True for server-side trouble worth retrying (500, 503)."""
        return self.value in (500, 503)


class TempBanReason(OpenIntEnum):
    """Why an account is temporarily banned (``<failure reason="402" code=…>``)."""

    SENT_TO_TOO_MANY_PEOPLE = 101
    BLOCKED_BY_USERS = 102
    CREATED_TOO_MANY_GROUPS = 103
    SENT_TOO_MANY_SAME_MESSAGE = 104
    BROADCAST_LIST = 106


class ReceiptType(OpenStrEnum):
    """The ``type`` attribute of a ``<receipt>``; an absent or empty type means delivered."""

    DELIVERED = "delivery"
    SENDER = "sender"
    RETRY = "retry"
    ENC_REKEY_RETRY = "enc_rekey_retry"
    READ = "read"
    READ_SELF = "read-self"
    PLAYED = "played"
    PLAYED_SELF = "played-self"
    SERVER_ERROR = "server-error"
    INACTIVE = "inactive"
    PEER_MSG = "peer_msg"
    HISTORY_SYNC = "hist_sync"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if value == "":
            return cls.DELIVERED
        return super()._missing_(value)


class UnavailableType(OpenStrEnum):
    """Why a message body is unavailable (``<unavailable type=…>``)."""

    UNKNOWN = "unknown"
    VIEW_ONCE = "view_once"


class DecryptFailMode(OpenStrEnum):
    """Whether the sender asked to show or hide a message that failed to decrypt."""

    SHOW = "show"
    HIDE = "hide"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if value == "":
            return cls.SHOW
        return super()._missing_(value)


class ChatPresenceState(OpenStrEnum):
    """Typing state in a chat."""

    COMPOSING = "composing"
    PAUSED = "paused"


class ChatPresenceMedia(OpenStrEnum):
    """What is being composed: text (empty) or a voice note (``audio``)."""

    TEXT = ""
    AUDIO = "audio"


class AddressingMode(OpenStrEnum):
    """Whether a chat addresses participants by phone number or by LID."""

    PN = "pn"
    LID = "lid"


class EditAttribute(OpenStrEnum):
    """The ``edit`` attribute of a ``<message>``: what kind of edit or revoke it is."""

    NONE = ""
    MESSAGE_EDIT = "1"
    PIN_IN_CHAT = "2"
    ADMIN_EDIT = "3"
    SENDER_REVOKE = "7"
    ADMIN_REVOKE = "8"


class HistorySyncType(OpenIntEnum):
    """Which part of the history a history-sync blob holds."""

    INITIAL_BOOTSTRAP = 0
    INITIAL_STATUS_V3 = 1
    FULL = 2
    RECENT = 3
    PUSH_NAME = 4
    NON_BLOCKING_DATA = 5
    ON_DEMAND = 6
    NO_HISTORY = 7


class DeviceListUpdateType(OpenStrEnum):
    """What happened to a user's device list."""

    ADD = "add"
    REMOVE = "remove"
    UPDATE = "update"


class BusinessUpdateType(OpenStrEnum):
    """What changed about a business account."""

    REMOVED_AS_BUSINESS = "removed_as_business"
    VERIFIED_NAME_CHANGED = "verified_name_changed"
    PROFILE_UPDATED = "profile_updated"
    PRODUCTS_UPDATED = "products_updated"
    COLLECTIONS_UPDATED = "collections_updated"
    SUBSCRIPTIONS_UPDATED = "subscriptions_updated"


class ParticipantAction(OpenStrEnum):
    """What happened to group participants."""

    ADD = "add"
    REMOVE = "remove"
    PROMOTE = "promote"
    DEMOTE = "demote"
    MODIFY = "modify"
    LEAVE = "leave"
    """They left: a ``<leave>`` action, or a ``<remove>`` of the participant who made it."""


class ParticipantType(OpenStrEnum):
    """A group participant's rank: the ``type`` attribute of a ``<participant>``."""

    ADMIN = "admin"
    SUPERADMIN = "superadmin"
    """The group's creator (an admin that cannot be demoted)."""


class DirtyType(OpenStrEnum):
    """What the server marked dirty in an ``<ib><dirty type=…>`` (the client refetches it,
    then says it is clean)."""

    ACCOUNT_SYNC = "account_sync"
    GROUPS = "groups"
    SYNCD_APP_STATE = "syncd_app_state"
    NEWSLETTER_METADATA = "newsletter_metadata"


class BlocklistAction(OpenStrEnum):
    """What happened to one contact in a block-list change."""

    BLOCK = "block"
    UNBLOCK = "unblock"


class GroupSetting(OpenStrEnum):
    """A group setting that can be switched on or off."""

    ANNOUNCE = "announce"
    """Only admins can send messages."""
    LOCKED = "locked"
    """Only admins can edit the group info."""
    EPHEMERAL = "ephemeral"
    """Disappearing messages; `SettingChanged.value` is the expiration in seconds."""
    MEMBERSHIP_APPROVAL = "membership_approval"
    """Admins approve new members."""
    MEMBER_ADD_MODE = "member_add_mode"
    """Who can add members; `SettingChanged.value` is the wire mode, e.g. ``all_member_add``."""
    FREQUENTLY_FORWARDED = "frequently_forwarded"
    """Whether frequently forwarded messages are allowed."""
    GROWTH_LOCKED = "growth_locked"
    """Joining is locked; `SettingChanged.value` is the expiration as Unix seconds."""


# Message metadata -------------------------------------------------------------------------


@final
class MessageSource(Value):
    """Where a message (or receipt, or typing notice) came from and where it belongs."""

    chat: Jid
    """The chat: the other user in a 1:1 chat, the group, or the broadcast list."""
    sender: Jid
    """Who sent it (in a group: the participant; for our own messages: us)."""
    is_from_me: bool = False
    """True when we sent it (from another of our devices)."""
    is_group: bool = False
    """True when the chat is a group."""
    addressing_mode: AddressingMode | None = None
    """How the chat addresses participants (phone number or LID), when the stanza says."""
    sender_alt: Jid | None = None
    """The sender's other identity: their phone-number JID when `sender` is a LID, and v.v."""
    recipient_alt: Jid | None = None
    """The recipient's other identity, for messages we sent."""
    broadcast_list_owner: Jid | None = None
    """For broadcast-list messages (not status), the list's owner."""
    recipient: Jid | None = None
    """For messages we sent from another device, the chat they were sent to."""


@final
class MessageInfo(Value):
    """Metadata of a message, decoded from the ``<message>`` stanza's attributes (always cheap)."""

    source: MessageSource
    """Chat and sender."""
    id: str
    """The message id, unique per sender."""
    timestamp: Timestamp
    """When the server received it."""
    server_id: int = 0
    """The server-assigned id (newsletters), or 0."""
    type: str = ""
    """The stanza's message type, e.g. ``text`` or ``media``."""
    push_name: str = ""
    """The display name the sender chose (``notify``)."""
    category: str = ""
    """The stanza category, e.g. ``peer`` for messages between our own devices."""
    multicast: bool = False
    """True for a message sent to many chats at once."""
    media_type: str = ""
    """The media type hint, e.g. ``image``, when the stanza gives one."""
    edit: EditAttribute = EditAttribute.NONE
    """Whether this message edits or revokes an earlier one."""
    is_offline: bool = False
    """True when it was queued on the server while we were offline."""
    ephemeral_expiration: int | None = None
    """The disappearing-message timer of the chat in seconds, when known."""
    unavailable_request_id: str | None = None
    """Set when the body was recovered from our phone after it was unavailable."""

    @property
    def chat(self) -> Jid:
        """Shortcut for ``source.chat``."""
        return self.source.chat

    @property
    def sender(self) -> Jid:
        """Shortcut for ``source.sender``."""
        return self.source.sender


# Groups -----------------------------------------------------------------------------------


@final
class GroupParticipant(Value):
    """A participant named in a group change."""

    jid: Jid
    """The participant (a phone-number or LID JID, depending on the group's addressing)."""
    phone_number: Jid | None = None
    """The participant's phone-number JID when `jid` is a LID and the server revealed it."""
    type: ParticipantType | None = None
    """The participant's rank (``admin``, ``superadmin``) when the server gave one; None for
    a plain member or when not said."""


@final
class ParticipantsChanged(Value):
    """Participants were added, removed, promoted, demoted or modified."""

    kind: Literal["participants"] = "participants"
    action: ParticipantAction
    """What happened to them."""
    participants: tuple[GroupParticipant, ...] = ()
    """Who it happened to."""
    reason: str | None = None
    """The server's reason, when given (e.g. ``invite`` for a join through a link)."""


@final
class SubjectChanged(Value):
    """The group's subject (name) changed."""

    kind: Literal["subject"] = "subject"
    subject: str
    """The new subject."""
    subject_owner: Jid | None = None
    """Who set it."""
    subject_time: Timestamp | None = None
    """When it was set."""


@final
class DescriptionChanged(Value):
    """The group's description changed or was deleted."""

    kind: Literal["description"] = "description"
    id: str
    """The description's revision id."""
    description: str | None = None
    """The new description, or None when it was deleted."""


@final
class SettingChanged(Value):
    """A group setting was switched on or off (see `GroupSetting` for what `value` means)."""

    kind: Literal["setting"] = "setting"
    setting: GroupSetting
    """Which setting."""
    enabled: bool
    """Whether it is now on."""
    value: int | str | None = None
    """A setting-specific value (an expiration, a mode), when there is one."""


@final
class InviteLinkChanged(Value):
    """The group's invite link was reset or revoked."""

    kind: Literal["invite_link"] = "invite_link"
    code: str | None = None
    """The new invite code, or None when the link was revoked."""


@final
class MembershipRequestsCreated(Value):
    """People asked to join the group (what admins see when membership approval is on)."""

    kind: Literal["membership_requests_created"] = "membership_requests_created"
    requests: tuple[GroupParticipant, ...] = ()
    """Who asked (the ``<requested_user>`` or ``<participant>`` children); when the server
    lists nobody, the requester is the update's `actor`."""
    request_method: str | None = None
    """How they asked, e.g. ``invite_link``, ``non_admin_add`` or ``linked_group_join``."""
    parent_group_jid: Jid | None = None
    """The community the request came through, when it did."""


@final
class OtherGroupChange(Value):
    """A group change the catalogue does not model yet, kept as its raw node."""

    kind: Literal["other"] = "other"
    tag: str
    """The tag of the action element, e.g. ``link``."""
    raw: Node | None = None
    """The action element itself."""


GroupChange = Annotated[
    ParticipantsChanged
    | SubjectChanged
    | DescriptionChanged
    | SettingChanged
    | InviteLinkChanged
    | MembershipRequestsCreated
    | OtherGroupChange,
    Field(discriminator="kind"),
]
"""One typed change to a group, discriminated by ``kind``."""


# Calls ------------------------------------------------------------------------------------


@final
class CallAudio(Value):
    """An audio codec offered in a call."""

    enc: str
    """Codec name, e.g. ``opus``."""
    rate: int
    """Sample rate in Hz."""


@final
class CallOffer(Value):
    """Someone is calling."""

    action: Literal["offer"] = "offer"
    call_id: str
    call_creator: Jid
    caller_pn: Jid | None = None
    """The caller's phone-number JID when `call_creator` is a LID."""
    caller_country_code: str | None = None
    device_class: str | None = None
    joinable: bool = False
    is_video: bool = False
    audio: tuple[CallAudio, ...] = ()
    group_jid: Jid | None = None
    """The group, for a group call."""


@final
class CallOfferNotice(Value):
    """A call offer delivered as a notice (e.g. while we were offline)."""

    action: Literal["offer_notice"] = "offer_notice"
    call_id: str
    call_creator: Jid
    is_video: bool = False
    is_group: bool = False


@final
class CallPreAccept(Value):
    """The callee's device is ringing."""

    action: Literal["preaccept"] = "preaccept"
    call_id: str
    call_creator: Jid


@final
class CallAccept(Value):
    """The call was answered (possibly on another of our devices)."""

    action: Literal["accept"] = "accept"
    call_id: str
    call_creator: Jid


@final
class CallReject(Value):
    """The call was rejected."""

    action: Literal["reject"] = "reject"
    call_id: str
    call_creator: Jid


@final
class CallTerminate(Value):
    """The call ended."""

    action: Literal["terminate"] = "terminate"
    call_id: str
    call_creator: Jid
    duration: int | None = None
    """Call length in seconds, when given."""
    audio_duration: int | None = None
    """Seconds with audio, when given."""
    reason: str | None = None
    """Why it ended (e.g. ``timeout``), when given."""


CallAction = Annotated[
    CallOffer | CallOfferNotice | CallPreAccept | CallAccept | CallReject | CallTerminate,
    Field(discriminator="action"),
]
"""What happened in a call, discriminated by ``action``."""


# Devices and business ---------------------------------------------------------------------


@final
class DeviceInfo(Value):
    """One device in a device-list update."""

    device_id: int
    """The device number (0 is the primary phone)."""
    key_index: int | None = None
    """The device's key index, when given."""


@final
class KeyIndexInfo(Value):
    """The signed key-index list that came with a device-list update."""

    timestamp: int
    """Unix seconds of the list."""
    signed_bytes: Blob | None = None
    """The signed ``ADVSignedKeyIndexList`` bytes, when given."""


@final
class BlocklistChange(Value):
    """One contact blocked or unblocked."""

    jid: Jid
    """The contact."""
    action: BlocklistAction
    """Whether they were blocked or unblocked."""


@final
class NewsletterLiveUpdateReaction(Value):
    """The count of one reaction on a newsletter message."""

    code: str
    """The reaction (an emoji)."""
    count: int
    """How many people reacted with it."""


@final
class NewsletterLiveUpdateMessage(Value):
    """The live counts of one newsletter message."""

    server_id: int
    """The message's server id in the newsletter."""
    reactions: tuple[NewsletterLiveUpdateReaction, ...] = ()
    """Its reaction counts."""


@final
class BusinessSubscription(Value):
    """A business subscription named in a business status update."""

    id: str
    status: str
    expiration_date: int | None = None
    creation_time: int | None = None
