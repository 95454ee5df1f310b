"""Stanza parsers: pure functions from one decoded stanza to the events it means.

Each parser reads a stanza through `Node`'s typed getters, so a missing attribute or a bad JID
surfaces as a `NodeError` (or pydantic's `ValidationError`, for a value of the wrong form),
which the router turns into a `MalformedStanza` event. Parsers never look at the clock or at
any state; what they need of the session (our own JIDs, the time now) is passed in as
`Context`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from wabus.core import Jid, Node, NodeError, Server
from wabus.core.events import (
    AddressingMode,
    BaseEvent,
    BlocklistAction,
    BlocklistChange,
    BlocklistUpdate,
    BusinessStatusUpdate,
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
    ChatPresence,
    ChatPresenceMedia,
    ChatPresenceState,
    ContactNumberChanged,
    ContactSyncRequested,
    ContactUpdated,
    DescriptionChanged,
    DeviceInfo,
    DeviceListUpdate,
    DeviceListUpdateType,
    DirtyNotice,
    DirtyType,
    DisappearingModeChanged,
    EditAttribute,
    GroupChange,
    GroupInfoUpdate,
    GroupParticipant,
    GroupSetting,
    IdentityChange,
    IncomingCall,
    InviteLinkChanged,
    JoinedGroup,
    KeyIndexInfo,
    MembershipRequestsCreated,
    MessageInfo,
    MessageSource,
    NewsletterLiveUpdate,
    NewsletterLiveUpdateMessage,
    NewsletterLiveUpdateReaction,
    Notification,
    OfflineSyncCompleted,
    OfflineSyncPreview,
    OtherGroupChange,
    ParticipantAction,
    ParticipantsChanged,
    ParticipantType,
    PictureUpdate,
    Presence,
    Receipt,
    ReceiptType,
    SettingChanged,
    SubjectChanged,
    UserAboutUpdate,
)

__all__ = ["Context", "message_info", "timestamp"]

_NO_TIME: Final = timedelta(0)
# Server ids outside this range are not real server ids (whatsapp-rust keeps 0 instead).
_SERVER_ID_MIN: Final = 100
_SERVER_ID_MAX: Final = 2_147_476_647


@dataclass(frozen=True, slots=True)
class Context:
    """What parsers need to know about the session: our own JIDs and the time now."""

    own_pn: Jid | None
    """Our phone-number JID (any device), once known."""
    own_lid: Jid | None
    """Our LID (any device), once known."""
    now: Callable[[], datetime]
    """The clock, for stanzas that carry no time of their own."""

    def is_own(self, jid: Jid | None) -> bool:
        """Whether `jid` is one of our own user's JIDs (any device)."""
        if jid is None:
            return False
        user = jid.to_non_ad()
        return user in (
            self.own_pn and self.own_pn.to_non_ad(),
            self.own_lid and self.own_lid.to_non_ad(),
        )

    def own_alternate(self, jid: Jid) -> Jid | None:
        """Our other identity for the same device as `jid`: our LID for a phone-number JID,
        and the other way round (None until we know it)."""
        alternate = self.own_lid if jid.server is Server.USER else self.own_pn
        if alternate is None:
            return None
        return alternate.to_non_ad().with_device(jid.device)


def timestamp(node: Node, key: str = "t") -> datetime | None:
    """A Unix-seconds attribute as a UTC datetime (None when absent); out of range is a
    `NodeAttributeError` (see `Node.opt_time_attr`)."""
    return node.opt_time_attr(key)


def _time(node: Node, ctx: Context, key: str = "t") -> datetime:
    return timestamp(node, key) or ctx.now()


def _addressing(node: Node) -> AddressingMode | None:
    mode = node.opt_attr("addressing_mode")
    return AddressingMode(mode) if mode else None


# Messages ----------------------------------------------------------------------------------


def message_source(node: Node, ctx: Context) -> MessageSource:
    """Chat and sender of a ``<message>`` (or ``<receipt>``), by the brief's §6.1 rules."""
    sender = origin = node.jid("from")
    participant = node.opt_jid("participant")
    addressing = _addressing(node)
    if origin.is_broadcast:
        sender = participant or origin
        sender_alt = node.opt_jid("participant_lid" if sender.is_user else "participant_pn")
        return MessageSource(
            chat=origin,
            sender=sender,
            is_from_me=ctx.is_own(sender),
            addressing_mode=addressing,
            sender_alt=sender_alt,
            broadcast_list_owner=None if origin.is_status_broadcast else sender.to_non_ad(),
        )
    if origin.is_group:
        if participant is None:
            raise NodeError(f"<{node.tag}> from a group has no participant")
        alt_key = "participant_pn" if addressing is AddressingMode.LID else "participant_lid"
        return MessageSource(
            chat=origin,
            sender=participant,
            is_from_me=ctx.is_own(participant),
            is_group=True,
            addressing_mode=addressing,
            sender_alt=node.opt_jid(alt_key),
        )
    if ctx.is_own(origin):
        recipient = node.opt_jid("recipient")
        return MessageSource(
            chat=(recipient or origin).to_non_ad(),
            sender=origin,
            is_from_me=True,
            addressing_mode=addressing,
            sender_alt=ctx.own_alternate(origin),
            recipient=recipient,
            recipient_alt=node.opt_jid(
                "peer_recipient_lid" if recipient and recipient.is_user else "peer_recipient_pn"
            ),
        )
    chat = origin.to_non_ad()
    if origin.is_newsletter:
        sender = chat
    return MessageSource(
        chat=chat,
        sender=sender,
        addressing_mode=addressing,
        sender_alt=node.opt_jid("sender_pn" if origin.is_lid else "sender_lid"),
    )


def message_info(node: Node, ctx: Context) -> MessageInfo:
    """The `MessageInfo` of a ``<message>`` stanza."""
    server_id = node.opt_int_attr("server_id", 0) or 0  # a 64-bit value, else malformed
    if not _SERVER_ID_MIN <= server_id <= _SERVER_ID_MAX:
        server_id = 0
    return MessageInfo(
        source=message_source(node, ctx),
        id=node.attr("id"),
        timestamp=_time(node, ctx),
        server_id=server_id,
        type=node.opt_attr("type", "") or "",
        push_name=node.opt_attr("notify", "") or "",
        category=node.opt_attr("category", "") or "",
        multicast=node.bool_attr("multicast"),
        media_type=node.opt_attr("mediatype", "") or "",
        edit=EditAttribute(node.opt_attr("edit", "") or ""),
        is_offline=node.has_attr("offline"),
    )


def receipt(node: Node, ctx: Context) -> list[BaseEvent]:
    """``<receipt>``: every id it covers (the top one and any ``<list><item>``)."""
    ids = [node.attr("id")]
    listed = node.child("list")
    if listed is not None:
        ids.extend(item.attr("id") for item in listed.children("item"))
    return [
        Receipt(
            source=message_source(node, ctx),
            message_ids=tuple(dict.fromkeys(ids)),
            timestamp=_time(node, ctx),
            receipt_type=ReceiptType(node.opt_attr("type", "") or ""),
        )
    ]


# Presence ----------------------------------------------------------------------------------


def presence(node: Node, ctx: Context) -> list[BaseEvent]:
    """``<presence>``: online, or offline with an optional last-seen time."""
    last = node.opt_attr("last")  # a Unix time, or a word ("deny", "error") that means unknown
    last_seen = timestamp(node, "last") if last and last.isascii() and last.isdigit() else None
    return [
        Presence(
            jid=node.jid("from"),
            unavailable=node.opt_attr("type") == "unavailable",
            last_seen=last_seen,
        )
    ]


def chatstate(node: Node, ctx: Context) -> list[BaseEvent]:
    """``<chatstate>``: composing (text or audio) or paused; a stanza with only ``to`` is our
    own echo and means nothing."""
    if not node.has_attr("from"):
        return []
    state_node = node.nodes[0] if node.nodes else None
    if state_node is None:
        raise NodeError("<chatstate> has no state child")
    origin = node.jid("from")
    participant = node.opt_jid("participant")
    source = MessageSource(
        chat=origin.to_non_ad(),
        sender=participant or origin,
        is_from_me=ctx.is_own(participant or origin),
        is_group=origin.is_group,
    )
    media = state_node.opt_attr("media", "") or ""
    return [
        ChatPresence(
            source=source,
            state=ChatPresenceState(state_node.tag),
            media=ChatPresenceMedia(media),
        )
    ]


# Calls -------------------------------------------------------------------------------------


_CALL_STEPS: Final = frozenset(
    {"offer", "offer_notice", "preaccept", "accept", "reject", "terminate"}
)


def _call_action(child: Node) -> CallAction | None:
    tag = child.tag
    if tag not in _CALL_STEPS:
        return None  # relay latency, transport, … : steps the catalogue does not model
    call_id = child.attr("call-id")
    creator = child.jid("call-creator")
    if tag == "offer":
        return CallOffer(
            call_id=call_id,
            call_creator=creator,
            caller_pn=child.opt_jid("caller_pn"),
            caller_country_code=child.opt_attr("caller_country_code"),
            device_class=child.opt_attr("device_class"),
            joinable=child.bool_attr("joinable"),
            is_video=child.child("video") is not None,
            audio=tuple(
                CallAudio(enc=a.attr("enc"), rate=a.int_attr("rate", minimum=0))
                for a in child.children("audio")
            ),
            group_jid=child.opt_jid("group-jid"),
        )
    if tag == "offer_notice":
        return CallOfferNotice(
            call_id=call_id,
            call_creator=creator,
            is_video=child.opt_attr("media") == "video",
            is_group=child.opt_attr("type") == "group",
        )
    if tag == "preaccept":
        return CallPreAccept(call_id=call_id, call_creator=creator)
    if tag == "accept":
        return CallAccept(call_id=call_id, call_creator=creator)
    if tag == "reject":
        return CallReject(call_id=call_id, call_creator=creator)
    return CallTerminate(
        call_id=call_id,
        call_creator=creator,
        duration=child.opt_int_attr("duration", minimum=0),
        audio_duration=child.opt_int_attr("audio_duration", minimum=0),
        reason=child.opt_attr("reason"),
    )


def call(node: Node, ctx: Context) -> list[BaseEvent]:
    """``<call>``: an offer, or a later step of a call; unknown steps mean nothing."""
    if not node.nodes:
        raise NodeError("<call> has no action child")
    action = _call_action(node.nodes[0])
    if action is None:
        return []
    return [
        IncomingCall(
            jid=node.jid("from"),
            stanza_id=node.attr("id"),
            notify=node.opt_attr("notify"),
            platform=node.opt_attr("platform"),
            version=node.opt_attr("version"),
            timestamp=_time(node, ctx),
            offline=node.has_attr("offline") or node.opt_attr("e") == "1",
            action=action,
        )
    ]


# Group notifications (w:gp2) ---------------------------------------------------------------

_PARTICIPANT_ACTIONS: Final = {
    "add": ParticipantAction.ADD,
    "remove": ParticipantAction.REMOVE,
    "promote": ParticipantAction.PROMOTE,
    "demote": ParticipantAction.DEMOTE,
    "modify": ParticipantAction.MODIFY,
    "leave": ParticipantAction.LEAVE,
}
_SWITCHES: Final = {
    "announcement": (GroupSetting.ANNOUNCE, True),
    "not_announcement": (GroupSetting.ANNOUNCE, False),
    "locked": (GroupSetting.LOCKED, True),
    "unlocked": (GroupSetting.LOCKED, False),
    "no_frequently_forwarded": (GroupSetting.FREQUENTLY_FORWARDED, False),
    "frequently_forwarded_ok": (GroupSetting.FREQUENTLY_FORWARDED, True),
    "growth_unlocked": (GroupSetting.GROWTH_LOCKED, False),
}


def _participant(p: Node) -> GroupParticipant:
    rank = p.opt_attr("type")
    return GroupParticipant(
        jid=p.jid("jid"),
        phone_number=p.opt_jid("phone_number"),
        type=ParticipantType(rank) if rank else None,
    )


def _participants(action: Node, tag: str = "participant") -> tuple[GroupParticipant, ...]:
    return tuple(_participant(p) for p in action.children(tag))


def _is_actor(participants: tuple[GroupParticipant, ...], actors: tuple[Jid | None, ...]) -> bool:
    """Whether the one participant named is the one who made the change (Baileys' rule for
    telling a leave from a removal)."""
    if len(participants) != 1:
        return False
    known = {a.to_non_ad() for a in actors if a is not None}
    p = participants[0]
    return p.jid.to_non_ad() in known or (
        p.phone_number is not None and p.phone_number.to_non_ad() in known
    )


def _group_change(action: Node, actors: tuple[Jid | None, ...]) -> GroupChange:
    tag = action.tag
    if tag in _PARTICIPANT_ACTIONS:
        participants = _participants(action)
        kind = _PARTICIPANT_ACTIONS[tag]
        if kind is ParticipantAction.REMOVE and _is_actor(participants, actors):
            kind = ParticipantAction.LEAVE
        return ParticipantsChanged(
            action=kind, participants=participants, reason=action.opt_attr("reason")
        )
    if tag == "created_membership_requests":
        return MembershipRequestsCreated(
            # whatsapp-rust reads <requested_user>, Baileys <participant>: take either
            requests=_participants(action, "requested_user") + _participants(action),
            request_method=action.opt_attr("request_method"),
            parent_group_jid=action.opt_jid("parent_group_jid"),
        )
    if tag == "subject":
        return SubjectChanged(
            subject=action.attr("subject"),
            subject_owner=action.opt_jid("s_o"),
            subject_time=timestamp(action, "s_t"),
        )
    if tag == "description":
        body = action.child("body")
        deleted = action.child("delete") is not None
        return DescriptionChanged(
            id=action.opt_attr("id", "") or "",
            description=None if deleted or body is None else body.text,
        )
    if tag in _SWITCHES:
        setting, enabled = _SWITCHES[tag]
        threshold = action.opt_int_attr("threshold")
        return SettingChanged(setting=setting, enabled=enabled, value=threshold)
    if tag in ("ephemeral", "not_ephemeral"):
        expiration = action.opt_int_attr("expiration", 0, minimum=0) or 0
        return SettingChanged(
            setting=GroupSetting.EPHEMERAL,
            enabled=tag == "ephemeral" and expiration > 0,
            value=expiration,
        )
    if tag == "membership_approval_mode":
        join = action.child("group_join")
        enabled = join is not None and join.opt_attr("state") == "on"
        return SettingChanged(setting=GroupSetting.MEMBERSHIP_APPROVAL, enabled=enabled)
    if tag == "member_add_mode":
        mode = action.text or ""
        return SettingChanged(
            setting=GroupSetting.MEMBER_ADD_MODE, enabled=mode == "all_member_add", value=mode
        )
    if tag == "growth_locked":
        return SettingChanged(
            setting=GroupSetting.GROWTH_LOCKED,
            enabled=True,
            value=action.opt_int_attr("expiration"),
        )
    if tag == "invite":
        return InviteLinkChanged(code=action.attr("code"))
    if tag == "revoke":
        return InviteLinkChanged(code=None)
    return OtherGroupChange(tag=tag, raw=action)


def group_notification(node: Node, ctx: Context) -> list[BaseEvent]:
    """``w:gp2``: one `GroupInfoUpdate` per action, and `JoinedGroup` when we were added (or
    created the group)."""
    group = node.jid("from")
    actor = node.opt_jid("participant")
    actor_pn = node.opt_jid("participant_pn")
    when = _time(node, ctx)
    lid_mode = node.opt_attr("addressing_mode") == "lid"
    events: list[BaseEvent] = []
    for action in node.nodes:
        if action.tag == "missing_participant_identification":
            continue
        if action.tag == "create":
            created = action.child("group")
            events.append(
                JoinedGroup(
                    jid=group,
                    reason="create",
                    actor=actor,
                    actor_pn=actor_pn,
                    subject=created.opt_attr("subject") if created is not None else None,
                    timestamp=when,
                    participants=_participants(created) if created is not None else (),
                )
            )
            continue
        change = _group_change(action, (actor, actor_pn))
        events.append(
            GroupInfoUpdate(
                jid=group,
                actor=actor,
                actor_pn=actor_pn,
                timestamp=when,
                is_lid_addressing_mode=lid_mode,
                change=change,
            )
        )
        if (
            isinstance(change, ParticipantsChanged)
            and change.action is ParticipantAction.ADD
            and any(ctx.is_own(p.jid) or ctx.is_own(p.phone_number) for p in change.participants)
        ):
            events.append(
                JoinedGroup(
                    jid=group,
                    reason=change.reason or "add",
                    actor=actor,
                    actor_pn=actor_pn,
                    timestamp=when,
                    participants=change.participants,
                )
            )
    return events


# Other notifications -----------------------------------------------------------------------


def picture_notification(node: Node, ctx: Context) -> list[BaseEvent]:
    """``picture``: set, delete, or an empty notice (removed)."""
    child = node.nodes[0] if node.nodes else None
    owner = node.jid("from")
    if child is None:
        return [PictureUpdate(jid=owner, timestamp=_time(node, ctx), removed=True)]
    return [
        PictureUpdate(
            jid=child.opt_jid("jid") or owner,
            author=child.opt_jid("author"),
            timestamp=_time(node, ctx),
            removed=child.tag == "delete",
            picture_id=child.opt_attr("id"),
        )
    ]


def status_notification(node: Node, ctx: Context) -> list[BaseEvent]:
    """``status``: a new "about" text."""
    child = node.require_child("set")
    return [
        UserAboutUpdate(jid=node.jid("from"), status=child.text or "", timestamp=_time(node, ctx))
    ]


def devices_notification(node: Node, ctx: Context) -> list[BaseEvent]:
    """``devices``: one change to a user's device list (remove, then add, then update)."""
    for kind in ("remove", "add", "update"):
        change = node.child(kind)
        if change is not None:
            break
    else:
        raise NodeError("<notification type=devices> has no remove, add or update child")
    devices = tuple(
        DeviceInfo(device_id=d.jid("jid").device, key_index=d.opt_int_attr("key-index"))
        for d in change.children("device")
    )
    key_list = change.child("key-index-list")
    key_index = None
    if key_list is not None:
        key_index = KeyIndexInfo(
            timestamp=key_list.int_attr("ts", minimum=0), signed_bytes=key_list.bytes_content
        )
    return [
        DeviceListUpdate(
            user=node.jid("from"),
            lid_user=node.opt_jid("lid"),
            update_type=DeviceListUpdateType(kind),
            devices=devices,
            key_index=key_index,
            contact_hash=change.opt_attr("hash"),  # on <update>
            device_hash=change.opt_attr("device_hash"),  # on <add> and <remove>
        )
    ]


_BUSINESS_KINDS: Final = {
    "remove": BusinessUpdateType.REMOVED_AS_BUSINESS,
    "verified_name": BusinessUpdateType.VERIFIED_NAME_CHANGED,
    "profile": BusinessUpdateType.PROFILE_UPDATED,
    "product_catalog": BusinessUpdateType.PRODUCTS_UPDATED,
    "collection": BusinessUpdateType.COLLECTIONS_UPDATED,
    "subscriptions": BusinessUpdateType.SUBSCRIPTIONS_UPDATED,
}


def business_notification(node: Node, ctx: Context) -> list[BaseEvent]:
    """``business``: what changed about a business account."""
    events: list[BaseEvent] = []
    for child in node.nodes:
        kind = _BUSINESS_KINDS.get(child.tag)
        if kind is None:
            continue
        events.append(
            BusinessStatusUpdate(
                jid=node.jid("from"),
                update_type=kind,
                timestamp=_time(node, ctx),
                target_jid=child.opt_jid("jid"),
                hash=child.opt_attr("hash"),
                verified_name=child.opt_attr("verified_name") or child.opt_attr("name"),
                product_ids=tuple(p.attr("id") for p in child.children("product")),
                collection_ids=tuple(c.attr("id") for c in child.children("collection")),
                subscriptions=tuple(
                    BusinessSubscription(
                        id=s.attr("id"),
                        status=s.opt_attr("status", "") or "",
                        expiration_date=s.opt_int_attr("expiration_date"),
                        creation_time=s.opt_int_attr("creation_time"),
                    )
                    for s in child.children("subscription")
                ),
            )
        )
    return events


def encrypt_notification(node: Node, ctx: Context) -> list[BaseEvent]:
    """``encrypt``: an identity change from a user; prekey counts and digests mean nothing here."""
    if node.child("identity") is None:
        return []
    origin = node.jid("from")
    if origin.device:  # only the primary device's identity matters
        return []
    return [IdentityChange(user=origin, lid_user=node.opt_jid("lid"), timestamp=timestamp(node))]


def disappearing_notification(node: Node, ctx: Context) -> list[BaseEvent]:
    """``disappearing_mode``: a contact's default timer changed."""
    child = node.require_child("disappearing_mode")
    return [
        DisappearingModeChanged(
            jid=node.jid("from"),
            duration=child.int_attr("duration", minimum=0),
            setting_timestamp=_time(child, ctx),
        )
    ]


def contacts_notification(node: Node, ctx: Context) -> list[BaseEvent]:
    """``contacts``: a contact's profile changed (``update``), their number changed
    (``modify``), or the server asks for a contact sync (``sync``). What no kind models (an
    ``update`` with only a hash, ``add``, ``remove``) stays the raw notification."""
    child = node.nodes[0] if node.nodes else None
    when = _time(node, ctx)
    if child is not None and child.tag == "update" and child.has_attr("jid"):
        return [ContactUpdated(jid=child.jid("jid"), timestamp=when)]
    if child is not None and child.tag == "modify":
        return [
            ContactNumberChanged(
                old_jid=child.jid("old"),
                new_jid=child.jid("new"),
                old_lid=child.opt_jid("old_lid"),
                new_lid=child.opt_jid("new_lid"),
                timestamp=when,
            )
        ]
    if child is not None and child.tag == "sync":
        return [ContactSyncRequested(after=timestamp(child, "after"), timestamp=when)]
    return [Notification(raw=node)]


def _live_message(message: Node) -> NewsletterLiveUpdateMessage:
    reactions = message.child("reactions")
    return NewsletterLiveUpdateMessage(
        server_id=message.int_attr("server_id", minimum=0),
        reactions=tuple(
            NewsletterLiveUpdateReaction(code=r.attr("code"), count=r.int_attr("count", minimum=0))
            for r in (reactions.children("reaction") if reactions is not None else ())
        ),
    )


def newsletter_notification(node: Node, ctx: Context) -> list[BaseEvent]:
    """``newsletter``: `NewsletterLiveUpdate` for live reaction counts (if there are any),
    then the raw notification, which keeps what the catalogue does not model (reaction,
    view, participant and settings notices), as whatsapp-rust does."""
    events: list[BaseEvent] = []
    live = node.child("live_updates")
    if live is not None:
        # whatsapp-rust reads live_updates/messages/message, whatsmeow live_updates/message.
        listed = [m for group in live.children("messages") for m in group.children("message")]
        messages = tuple(_live_message(m) for m in listed + live.children("message"))
        if messages:
            events.append(NewsletterLiveUpdate(newsletter_jid=node.jid("from"), messages=messages))
    events.append(Notification(raw=node))
    return events


def blocklist_update(child: Node, node: Node) -> BlocklistUpdate:
    """``account_sync`` > ``<blocklist>``: who we blocked or unblocked (on any device)."""
    return BlocklistUpdate(
        changes=tuple(
            BlocklistChange(jid=item.jid("jid"), action=BlocklistAction(item.attr("action")))
            for item in child.children("item")
        ),
        action=child.opt_attr("action") or None,
        dhash=child.opt_attr("dhash") or None,
        prev_dhash=child.opt_attr("prev_dhash") or None,
        timestamp=timestamp(node),
    )


def own_disappearing_mode(child: Node, node: Node, ctx: Context) -> DisappearingModeChanged:
    """``account_sync`` > ``<disappearing_mode>``: our own default timer for new chats."""
    origin = node.opt_jid("from")
    own = origin if ctx.is_own(origin) else ctx.own_pn or ctx.own_lid or origin
    if own is None:
        raise NodeError("<notification type=account_sync> from nobody we know")
    return DisappearingModeChanged(
        jid=own.to_non_ad(),
        duration=child.int_attr("duration", minimum=0),
        setting_timestamp=_time(child, ctx),
    )


# ib ----------------------------------------------------------------------------------------


def dirty(child: Node) -> DirtyNotice:
    """``<ib><dirty type=… timestamp=…/>``."""
    return DirtyNotice(
        dirty_type=DirtyType(child.attr("type")), timestamp=child.opt_time_attr("timestamp")
    )


def offline_preview(child: Node) -> OfflineSyncPreview:
    """``<ib><offline_preview …/>``."""
    return OfflineSyncPreview(
        total=child.opt_int_attr("count", 0, minimum=0) or 0,
        app_data_changes=child.opt_int_attr("appdata", 0, minimum=0) or 0,
        messages=child.opt_int_attr("message", 0, minimum=0) or 0,
        notifications=child.opt_int_attr("notification", 0, minimum=0) or 0,
        receipts=child.opt_int_attr("receipt", 0, minimum=0) or 0,
    )


def offline_completed(child: Node) -> OfflineSyncCompleted:
    """``<ib><offline count=…/>``."""
    return OfflineSyncCompleted(count=child.opt_int_attr("count", 0, minimum=0) or 0)


def ensure_server(jid: Jid) -> None:
    """Refuse a pairing stanza that does not come from the server itself."""
    if jid.user or jid.server is not Server.USER:
        raise NodeError(f"pairing stanza from {jid}, not from the server")
