"""`EventHandler`: a base class whose ``on_<kind>`` hooks receive events.

Subclass it and override the hooks you want, sync or ``async def``::

    class Greeter(EventHandler):
        def on_connected(self, event: Connected) -> None:
            print("online")

        async def on_message(self, event: Message) -> None:
            await reply(event)

Every hook is checked when the class statement runs: a name starting with ``on_`` that is not a
hook (``on_mesage``), a hook with the wrong signature, or a hook whose parameter is annotated
with the wrong event class raises `HookDefinitionError` (a `TypeError`) at import time, not a
handler that silently never fires. Only the hooks a class overrides are subscribed, so an
unused hook costs nothing. ``on_event`` is a catch-all that receives every event the handler
accepts, after the specific hook.

Filtering: set `event_filter` to a `Filter` (see `wabus.core.filters`) or override `accepts`;
the handler then only receives events it accepts, and none of its hooks needs to check.

Async hooks of one handler share a single queue on the bus (`queue_size`, `overflow`), so they
see events in order and never run concurrently.
"""

from __future__ import annotations

import abc
import difflib
import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from wabus.core._errors import HookDefinitionError
from wabus.core._policy import Overflow
from wabus.core._subscribing import EventFilter, event_classes
from wabus.core.events import (
    EVENT_TYPES,
    ArchiveUpdate,
    BaseEvent,
    BlocklistUpdate,
    BusinessStatusUpdate,
    ChatPresence,
    ClearChatUpdate,
    ClientOutdated,
    Connected,
    ConnectFailure,
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
    Event,
    GroupInfoUpdate,
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
    MuteUpdate,
    NewsletterLiveUpdate,
    Notification,
    OfflineSyncCompleted,
    OfflineSyncPreview,
    PairError,
    PairingCode,
    PairingQrCode,
    PairSuccess,
    PictureUpdate,
    PinUpdate,
    PollVote,
    Presence,
    PushNameUpdate,
    QrScannedWithoutMultidevice,
    RawAppStateAction,
    Receipt,
    SelfPushNameUpdated,
    StarUpdate,
    StreamError,
    StreamReplaced,
    TemporaryBan,
    UndecryptableMessage,
    UserAboutUpdate,
)

__all__ = ["HOOKS", "EventHandler", "hook_name"]


def hook_name(event_type: type[BaseEvent]) -> str:
    """The hook method for an event class: `Message` → ``on_message``."""
    return f"on_{event_type.kind}"


HOOKS: Mapping[str, type[BaseEvent]] = MappingProxyType(
    {hook_name(cls): cls for cls in EVENT_TYPES}
)
"""Every ``on_<kind>`` hook name and the event class it receives."""

_CATCH_ALL = "on_event"


def _accepted_types(annotation: Any) -> tuple[Any, ...] | None:
    """The classes an annotation admits, or None when it admits anything."""
    if annotation is Any or annotation is object or annotation is Event:
        return None
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _accepted_types(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            sub = _accepted_types(arg)
            if sub is None:
                return None
            found.extend(sub)
        return tuple(found)
    if isinstance(annotation, type):
        return (annotation,)
    return None  # a TypeVar, a Protocol alias, ...: we cannot judge it, so accept it


def _check_annotation(cls: type, name: str, fn: Callable[..., Any], expected: type) -> None:
    params = list(inspect.signature(fn).parameters.values())
    param = params[1]
    raw = param.annotation
    if raw is inspect.Parameter.empty:
        return
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # a name only imported under TYPE_CHECKING, say: judge by name
        hints = {}
    if param.name in hints:
        admitted = _accepted_types(hints[param.name])
        if admitted is None or any(
            isinstance(t, type) and issubclass(expected, t) for t in admitted
        ):
            return
        shown = ", ".join(getattr(t, "__name__", repr(t)) for t in admitted)
    else:
        text = str(raw).replace(" ", "")
        names = {part.rsplit(".", 1)[-1] for part in text.split("|")}
        bases = {base.__name__ for base in expected.__mro__} | {"Event", "Any", "object"}
        known_events = set(HOOKS.values()) | {BaseEvent}
        known_names = {c.__name__ for c in known_events}
        if names & bases or not names <= known_names:
            return
        shown = text
    raise HookDefinitionError(
        f"{cls.__qualname__}.{name} receives {expected.__name__} events, but its parameter"
        f" {param.name!r} is annotated as {shown}"
    )


def _check_hook(cls: type, name: str, value: object) -> None:
    if name == _CATCH_ALL:
        expected: type = BaseEvent
    elif name in HOOKS:
        expected = HOOKS[name]
    else:
        close = difflib.get_close_matches(name, [*HOOKS, _CATCH_ALL], n=3, cutoff=0.75)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise HookDefinitionError(
            f"{cls.__qualname__}.{name} is not an event hook{hint} (names starting with 'on_'"
            f" are reserved for hooks; see wabus.core.HOOKS for the list)"
        )
    if not inspect.isfunction(value):
        raise HookDefinitionError(
            f"{cls.__qualname__}.{name} must be a plain method (def or async def), got"
            f" {type(value).__name__}"
        )
    params = list(inspect.signature(value).parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required_extra = [
        p
        for p in params[2:]
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    if len(positional) < 2 or required_extra:
        raise HookDefinitionError(
            f"{cls.__qualname__}.{name} must take exactly (self, event), got"
            f" {inspect.signature(value)}"
        )
    _check_annotation(cls, name, value, expected)


class EventHandler:
    """Base class for event handlers: override ``on_<kind>`` hooks (see the module doc).

    Class attributes a subclass may set:

    - `event_filter`: a predicate; only events it accepts reach the hooks.
    - `queue_size`, `overflow`: the queue of the handler's async hooks on the bus (see
      `Overflow`); None means the bus's default.
    """

    event_filter: ClassVar[EventFilter | None] = None
    """Only events this predicate accepts reach the hooks (None: every event)."""
    queue_size: int | None = None
    """Capacity of the queue serving the async hooks (None: the bus's default)."""
    overflow: Overflow | None = None
    """What to do when that queue is full (None: the bus's default)."""

    _hook_table: ClassVar[Mapping[type[BaseEvent], str]] = MappingProxyType({})
    _has_catch_all: ClassVar[bool] = False
    filters_events: ClassVar[bool] = False
    """Whether the class filters events (sets `event_filter` or overrides `accepts`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in vars(cls).items():
            if name.startswith("on_"):
                _check_hook(cls, name, value)
        cls._hook_table = MappingProxyType(
            {
                event_type: name
                for name, event_type in HOOKS.items()
                if getattr(cls, name) is not getattr(EventHandler, name)
            }
        )
        cls._has_catch_all = cls.on_event is not EventHandler.on_event
        cls.filters_events = cls.event_filter is not None or cls.accepts is not EventHandler.accepts

    @classmethod
    def handled_events(cls) -> frozenset[type[BaseEvent]]:
        """The event classes this class has hooks for (every class if it has ``on_event``)."""
        if cls._has_catch_all:
            return frozenset(HOOKS.values())
        return frozenset(cls._hook_table)

    def accepts(self, event: BaseEvent) -> bool:
        """Whether this handler wants `event`; by default, what `event_filter` says."""
        event_filter = type(self).event_filter
        return event_filter is None or bool(event_filter(event))

    def subscriptions(self) -> Iterator[tuple[Any, Callable[[Any], Any]]]:
        """The ``(event types, callback)`` pairs `CoreEventBus.add_handler` subscribes.

        By default: each overridden hook for its event class, then ``on_event`` for every
        event. Override it for handlers whose interests are decided at run time.
        """
        for event_type, name in self._hook_table.items():
            yield event_type, getattr(self, name)
        if self._has_catch_all:
            yield BaseEvent, self.on_event

    def handle_event(self, event: BaseEvent) -> Awaitable[None] | None:
        """Route one event to its hook and to ``on_event``, as the bus would.

        Returns None when the hooks that ran were sync, else an awaitable that runs the rest
        in order (the specific hook first, then ``on_event``).
        """
        if not self.accepts(event):
            return None
        name = self._hook_table.get(type(event))
        first = getattr(self, name)(event) if name is not None else None
        if not self._has_catch_all:
            return first
        if first is None:
            return self.on_event(event)
        return self._then_catch_all(first, event)

    async def _then_catch_all(self, first: Awaitable[None], event: BaseEvent) -> None:
        await first
        result = self.on_event(event)
        if result is not None:
            await result

    def on_event(self, event: BaseEvent) -> Awaitable[None] | None:
        """Catch-all: every event the handler accepts, after its specific hook."""
        return None

    def on_connected(self, event: Connected) -> Awaitable[None] | None:
        """The session is connected and logged in; the client can send and receive."""
        return None

    def on_disconnected(self, event: Disconnected) -> Awaitable[None] | None:
        """The connection was lost. The client reconnects by itself unless it was told to stop."""
        return None

    def on_connect_failure(self, event: ConnectFailure) -> Awaitable[None] | None:
        """The server refused the login with a reason that is neither a logout nor a ban."""
        return None

    def on_temporary_ban(self, event: TemporaryBan) -> Awaitable[None] | None:
        """The account is temporarily banned."""
        return None

    def on_stream_replaced(self, event: StreamReplaced) -> Awaitable[None] | None:
        """Another client connected with the same credentials, and this stream was closed."""
        return None

    def on_stream_error(self, event: StreamError) -> Awaitable[None] | None:
        """The server ended the stream with an error code the client does not handle itself."""
        return None

    def on_logged_out(self, event: LoggedOut) -> Awaitable[None] | None:
        """The device was logged out (unlinked from the phone, or the session became invalid)."""
        return None

    def on_client_outdated(self, event: ClientOutdated) -> Awaitable[None] | None:
        """The server rejected the client version; update wabus."""
        return None

    def on_keep_alive_timeout(self, event: KeepAliveTimeout) -> Awaitable[None] | None:
        """A keepalive ping went unanswered."""
        return None

    def on_keep_alive_restored(self, event: KeepAliveRestored) -> Awaitable[None] | None:
        """A keepalive ping succeeded again after one or more timeouts."""
        return None

    def on_pairing_qr_code(self, event: PairingQrCode) -> Awaitable[None] | None:
        """A QR code to show for pairing; a new one replaces it when `timeout` runs out."""
        return None

    def on_pairing_code(self, event: PairingCode) -> Awaitable[None] | None:
        """A pairing code to type on the phone, as an alternative to scanning a QR code."""
        return None

    def on_pair_success(self, event: PairSuccess) -> Awaitable[None] | None:
        """Pairing succeeded; the device is now linked."""
        return None

    def on_pair_error(self, event: PairError) -> Awaitable[None] | None:
        """The phone said pairing succeeded but its proof did not verify."""
        return None

    def on_qr_scanned_without_multidevice(
        self, event: QrScannedWithoutMultidevice
    ) -> Awaitable[None] | None:
        """The QR code was scanned by a phone that has multi-device turned off."""
        return None

    def on_message(self, event: Message) -> Awaitable[None] | None:
        """A message arrived (text, media, reaction, protocol message, …)."""
        return None

    def on_receipt(self, event: Receipt) -> Awaitable[None] | None:
        """Messages were delivered, read or played (or a sender/retry/other receipt)."""
        return None

    def on_undecryptable_message(self, event: UndecryptableMessage) -> Awaitable[None] | None:
        """A message arrived but could not be decrypted (or its body was unavailable)."""
        return None

    def on_poll_vote(self, event: PollVote) -> Awaitable[None] | None:
        """Someone voted in a poll (or changed or took back their vote)."""
        return None

    def on_newsletter_live_update(self, event: NewsletterLiveUpdate) -> Awaitable[None] | None:
        """New reaction counts on messages of a newsletter we follow live."""
        return None

    def on_chat_presence(self, event: ChatPresence) -> Awaitable[None] | None:
        """Someone started or stopped typing (or recording a voice note) in a chat."""
        return None

    def on_presence(self, event: Presence) -> Awaitable[None] | None:
        """A contact came online or went offline."""
        return None

    def on_picture_update(self, event: PictureUpdate) -> Awaitable[None] | None:
        """A user's or group's profile picture changed or was removed."""
        return None

    def on_user_about_update(self, event: UserAboutUpdate) -> Awaitable[None] | None:
        """A user changed their "about" text."""
        return None

    def on_push_name_update(self, event: PushNameUpdate) -> Awaitable[None] | None:
        """A contact's push name (the display name they chose) changed."""
        return None

    def on_contact_updated(self, event: ContactUpdated) -> Awaitable[None] | None:
        """The server says a contact's profile changed; refetch what you show of them."""
        return None

    def on_contact_number_changed(self, event: ContactNumberChanged) -> Awaitable[None] | None:
        """A contact changed their phone number."""
        return None

    def on_self_push_name_updated(self, event: SelfPushNameUpdated) -> Awaitable[None] | None:
        """Our own push name changed."""
        return None

    def on_contact_update(self, event: ContactUpdate) -> Awaitable[None] | None:
        """A contact in our address book was added or edited."""
        return None

    def on_joined_group(self, event: JoinedGroup) -> Awaitable[None] | None:
        """We were added to a group, joined one, or created one."""
        return None

    def on_group_info_update(self, event: GroupInfoUpdate) -> Awaitable[None] | None:
        """One change to a group (participants, subject, description, setting, invite link)."""
        return None

    def on_pin_update(self, event: PinUpdate) -> Awaitable[None] | None:
        """A chat was pinned or unpinned."""
        return None

    def on_mute_update(self, event: MuteUpdate) -> Awaitable[None] | None:
        """A chat was muted or unmuted."""
        return None

    def on_archive_update(self, event: ArchiveUpdate) -> Awaitable[None] | None:
        """A chat was archived or unarchived."""
        return None

    def on_star_update(self, event: StarUpdate) -> Awaitable[None] | None:
        """A message was starred or unstarred."""
        return None

    def on_mark_chat_as_read_update(self, event: MarkChatAsReadUpdate) -> Awaitable[None] | None:
        """A chat was marked as read or unread."""
        return None

    def on_delete_chat_update(self, event: DeleteChatUpdate) -> Awaitable[None] | None:
        """A chat was deleted."""
        return None

    def on_clear_chat_update(self, event: ClearChatUpdate) -> Awaitable[None] | None:
        """A chat's messages were cleared."""
        return None

    def on_delete_message_for_me_update(
        self, event: DeleteMessageForMeUpdate
    ) -> Awaitable[None] | None:
        """A message was deleted for us only."""
        return None

    def on_label_edit_update(self, event: LabelEditUpdate) -> Awaitable[None] | None:
        """A label was created, changed or deleted."""
        return None

    def on_label_association_update(self, event: LabelAssociationUpdate) -> Awaitable[None] | None:
        """A label was put on or taken off a chat or message."""
        return None

    def on_history_sync(self, event: HistorySync) -> Awaitable[None] | None:
        """A chunk of chat history from the phone."""
        return None

    def on_offline_sync_preview(self, event: OfflineSyncPreview) -> Awaitable[None] | None:
        """How much the server queued while we were offline, before it sends it."""
        return None

    def on_offline_sync_completed(self, event: OfflineSyncCompleted) -> Awaitable[None] | None:
        """Everything queued while we were offline has been delivered."""
        return None

    def on_device_list_update(self, event: DeviceListUpdate) -> Awaitable[None] | None:
        """A user's list of linked devices changed."""
        return None

    def on_identity_change(self, event: IdentityChange) -> Awaitable[None] | None:
        """A contact's identity key changed (they reinstalled or changed phones)."""
        return None

    def on_business_status_update(self, event: BusinessStatusUpdate) -> Awaitable[None] | None:
        """Something about a business account changed."""
        return None

    def on_disappearing_mode_changed(
        self, event: DisappearingModeChanged
    ) -> Awaitable[None] | None:
        """A contact's (or our own) default disappearing-messages timer changed."""
        return None

    def on_blocklist_update(self, event: BlocklistUpdate) -> Awaitable[None] | None:
        """Our block list changed (here or on another of our devices)."""
        return None

    def on_contact_sync_requested(self, event: ContactSyncRequested) -> Awaitable[None] | None:
        """The server asks for the contact list to be synced again."""
        return None

    def on_dirty_notice(self, event: DirtyNotice) -> Awaitable[None] | None:
        """The server marked some of our state dirty; the client refetches and cleans it."""
        return None

    def on_locale_update(self, event: LocaleUpdate) -> Awaitable[None] | None:
        """Our account's language setting changed."""
        return None

    def on_incoming_call(self, event: IncomingCall) -> Awaitable[None] | None:
        """A call stanza: an offer, or a later step of a call (accept, reject, terminate, …)."""
        return None

    def on_malformed_stanza(self, event: MalformedStanza) -> Awaitable[None] | None:
        """A stanza the router could not turn into events; the ones after it are routed."""
        return None

    def on_notification(self, event: Notification) -> Awaitable[None] | None:
        """A ``<notification>`` (or other stanza) of a kind the catalogue does not model yet."""
        return None

    def on_raw_app_state_action(self, event: RawAppStateAction) -> Awaitable[None] | None:
        """An app-state mutation the catalogue does not model."""
        return None


class CallbackHandler(EventHandler, abc.ABC):
    """An `EventHandler` with one callback, `receive_event`, for one set of event kinds.

    For handlers whose interests are set when they are made, not by hooks: recorders,
    channels, loggers, bridges, dialects. `subscriptions` yields `event_types` with `receive_event`;
    ``on_<kind>`` hooks are not subscribed. Subclasses define `receive_event` (sync or async: the
    bus serves it accordingly) and pass the event classes to ``super().__init__``.
    """

    event_types: tuple[type[BaseEvent], ...] = (BaseEvent,)
    """The event classes `receive_event` receives (every event unless `__init__` was given some)."""

    def __init__(self, *event_types: Any) -> None:
        """Take the event classes to receive, in any form `CoreEventBus.subscribe` takes
        (none: every event)."""
        if event_types:
            self.event_types = event_classes(event_types)

    @abc.abstractmethod
    def receive_event(self, event: Any) -> Awaitable[None] | None:
        """Receive one event of `event_types`."""

    def subscriptions(self) -> Iterator[tuple[Any, Callable[[Any], Any]]]:
        """`event_types`, through `receive_event`."""
        yield self.event_types, self.receive_event
