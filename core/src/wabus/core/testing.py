"""Test helpers shipped to users: record events and wait for them; feed a bot scripted events.

::

    recorder = EventRecorder()
    bot = Bot.builder().with_handler(recorder).with_source(ScriptedSource(events)).build()
    async with bot:
        message = await recorder.wait_for(Message, timeout=5)

`EventRecorder` is also installed as the handler plugin ``recorder``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, final, overload

import anyio

from wabus.core._bus import CoreEventBus
from wabus.core._handler import CallbackHandler
from wabus.core._jid import Jid, Server
from wabus.core._loop import LoopHandle
from wabus.core._subscribing import event_classes
from wabus.core.events import (
    BaseEvent,
    ChatPresence,
    ChatPresenceState,
    Connected,
    GroupInfoUpdate,
    GroupParticipant,
    Message,
    MessageInfo,
    MessageSource,
    OfflineSyncCompleted,
    OfflineSyncPreview,
    PairingQrCode,
    PairSuccess,
    ParticipantAction,
    ParticipantsChanged,
    Presence,
    Receipt,
    ReceiptType,
)

__all__ = ["EventRecorder", "ScriptedSource", "sample_session"]

E = TypeVar("E", bound=BaseEvent)

Match = type[BaseEvent] | tuple[type[BaseEvent], ...] | Callable[[BaseEvent], bool]


def _predicate(match: Any) -> tuple[Callable[[BaseEvent], bool], str]:
    if match is None:
        return (lambda _event: True), "any event"
    if isinstance(match, type | tuple):
        classes = event_classes(match)
        names = " or ".join(c.__name__ for c in classes)
        return (lambda event: isinstance(event, classes)), names
    if callable(match):
        return match, getattr(match, "__name__", repr(match))
    raise TypeError(f"expected an event class, a tuple of them or a predicate, got {match!r}")


@final
class _Waiter:
    """One pending wait: woken on its event loop (async) or through a threading.Event."""

    __slots__ = ("async_done", "label", "loop", "predicate", "result", "start", "thread_done")

    def __init__(
        self, predicate: Callable[[BaseEvent], bool], start: int, label: str, *, threaded: bool
    ) -> None:
        self.predicate = predicate
        self.start = start
        self.label = label
        self.result: BaseEvent | None = None
        self.thread_done: threading.Event | None = threading.Event() if threaded else None
        self.loop: LoopHandle | None = None if threaded else LoopHandle()
        self.async_done: anyio.Event | None = None if threaded else anyio.Event()

    def wake(self) -> None:
        if self.thread_done is not None:
            self.thread_done.set()
        elif self.loop is not None and self.async_done is not None:
            self.loop.call_soon(self.async_done.set)


class EventRecorder(CallbackHandler):
    """Records every event it receives, thread-safely, and lets tests wait for one.

    Give event classes to record only those (default: every event).
    """

    def __init__(self, *event_types: Any) -> None:
        super().__init__(*event_types)
        self._lock = threading.Lock()
        self._events: list[BaseEvent] = []
        self._waiters: list[_Waiter] = []

    def record(self, event: BaseEvent) -> None:
        """Record one event (the bus calls this; tests may too)."""
        woken: list[_Waiter] = []
        with self._lock:
            index = len(self._events)
            self._events.append(event)
            for waiter in self._waiters:
                if index >= waiter.start and waiter.predicate(event):
                    waiter.result = event
                    woken.append(waiter)
            for waiter in woken:
                self._waiters.remove(waiter)
        for waiter in woken:
            waiter.wake()

    receive_event = record

    @property
    def events(self) -> tuple[BaseEvent, ...]:
        """Everything recorded so far, in order."""
        with self._lock:
            return tuple(self._events)

    def __len__(self) -> int:
        with self._lock:
            return len(self._events)

    def of_type(self, event_type: type[E]) -> list[E]:
        """The recorded events of one class (or of a category base)."""
        with self._lock:
            return [e for e in self._events if isinstance(e, event_type)]

    def kinds(self) -> list[str]:
        """The kinds of the recorded events, in order (handy in assertion messages)."""
        with self._lock:
            return [e.type for e in self._events]

    def clear(self) -> None:
        """Forget everything recorded so far."""
        with self._lock:
            self._events.clear()

    def _find(self, predicate: Callable[[BaseEvent], bool], start: int) -> BaseEvent | None:
        for event in self._events[start:]:
            if predicate(event):
                return event
        return None

    @contextmanager
    def _waiting(self, match: Match | None, start: int, *, threaded: bool) -> Iterator[_Waiter]:
        """The matching, shared by `wait_for` and `wait_for_sync`: a waiter whose `result` is
        the event already recorded, or None until `record` fills it in (and wakes it)."""
        predicate, label = _predicate(match)
        waiter = _Waiter(predicate, start, label, threaded=threaded)
        with self._lock:
            waiter.result = self._find(predicate, start)
            if waiter.result is None:
                self._waiters.append(waiter)
        try:
            yield waiter
        finally:
            with self._lock:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    @overload
    async def wait_for(self, match: type[E], *, timeout: float = 5.0, start: int = 0) -> E: ...
    @overload
    async def wait_for(
        self, match: Match | None = None, *, timeout: float = 5.0, start: int = 0
    ) -> BaseEvent: ...

    async def wait_for(
        self, match: Match | None = None, *, timeout: float = 5.0, start: int = 0
    ) -> BaseEvent:
        """The first recorded event (from index `start` on) that matches, waiting if needed.

        `match` is an event class, a tuple of classes, a predicate, or None for any event.
        Raises `TimeoutError`, listing what was recorded, when none arrives within `timeout`
        seconds. Works whichever thread the events are dispatched from.
        """
        with self._waiting(match, start, threaded=False) as waiter:
            if waiter.result is None:
                assert waiter.async_done is not None
                try:
                    with anyio.fail_after(timeout):
                        await waiter.async_done.wait()
                except TimeoutError:
                    raise TimeoutError(self._timeout_message(waiter.label, timeout)) from None
        assert waiter.result is not None
        return waiter.result

    @overload
    def wait_for_sync(self, match: type[E], *, timeout: float = 5.0, start: int = 0) -> E: ...
    @overload
    def wait_for_sync(
        self, match: Match | None = None, *, timeout: float = 5.0, start: int = 0
    ) -> BaseEvent: ...

    def wait_for_sync(
        self, match: Match | None = None, *, timeout: float = 5.0, start: int = 0
    ) -> BaseEvent:
        """Like `wait_for`, blocking the calling thread (for threaded tests)."""
        with self._waiting(match, start, threaded=True) as waiter:
            if waiter.result is None:
                assert waiter.thread_done is not None
                if not waiter.thread_done.wait(timeout):
                    raise TimeoutError(self._timeout_message(waiter.label, timeout))
        assert waiter.result is not None
        return waiter.result

    def _timeout_message(self, label: str, timeout: float) -> str:
        kinds = self.kinds()
        shown = ", ".join(kinds[-20:]) if kinds else "nothing"
        more = f" (last 20 of {len(kinds)})" if len(kinds) > 20 else ""
        return f"no event matching {label} within {timeout}s; recorded{more}: {shown}"


@final
class ScriptedSource:
    """A `Source` that publishes a fixed sequence of events, then finishes.

    `interval` seconds pass between events (0: none, but the loop still gets a turn).
    """

    def __init__(self, events: Iterable[BaseEvent], *, interval: float = 0.0) -> None:
        self._events = tuple(events)
        for event in self._events:
            if not isinstance(event, BaseEvent):
                raise TypeError(f"ScriptedSource takes events, got {event!r}")
        self._interval = interval

    async def run(self, bus: CoreEventBus) -> None:
        """Publish every event in order."""
        for event in self._events:
            await bus.publish(event)
            await anyio.sleep(self._interval)

    def __repr__(self) -> str:
        return f"<ScriptedSource of {len(self._events)} events>"


def _text_body(text: str) -> bytes:
    """A ``wa.Message`` with only ``conversation`` (field 1) set, in protobuf wire form."""
    data = text.encode()
    if len(data) > 127:
        raise ValueError("demo texts are short")
    return bytes([0x0A, len(data)]) + data


def sample_session(start: datetime | None = None) -> list[BaseEvent]:
    """A short, plausible session, as the live client would emit it.

    Pairing, login, an offline-sync window with a message and a receipt, presence, typing, a
    group message and a participant joining. Handy to drive a bot in tests (with
    `ScriptedSource`) and what ``wabus run --demo`` plays.
    """
    t0 = start or datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    me = Jid("15550000001", Server.USER, device=7)
    alice = Jid("15550000002", Server.USER)
    group = Jid("120363000000000001", Server.GROUP)
    bob = Jid("15550000003", Server.USER)

    def at(seconds: float) -> datetime:
        return t0 + timedelta(seconds=seconds)

    direct = MessageSource(chat=alice, sender=alice)
    in_group = MessageSource(chat=group, sender=bob, is_group=True)
    return [
        PairingQrCode(
            code="2@demo-ref,demo-noise-key,demo-identity-key,demo-adv",
            timeout=timedelta(seconds=60),
        ),
        PairSuccess(id=me, lid=Jid("100000000000001", Server.LID, device=7), platform="android"),
        Connected(),
        OfflineSyncPreview(total=2, messages=1, receipts=1),
        Message(
            info=MessageInfo(source=direct, id="3EB0DEMO0001", timestamp=at(1), push_name="Alice"),
            raw=_text_body("ping"),
        ),
        Receipt(
            source=direct,
            message_ids=("3EB0MINE0001",),
            timestamp=at(2),
            receipt_type=ReceiptType.READ,
        ),
        OfflineSyncCompleted(count=2),
        Presence(jid=alice, unavailable=False),
        ChatPresence(source=in_group, state=ChatPresenceState.COMPOSING),
        Message(
            info=MessageInfo(source=in_group, id="3EB0DEMO0002", timestamp=at(5), push_name="Bob"),
            raw=_text_body("hello, group"),
        ),
        GroupInfoUpdate(
            jid=group,
            actor=bob,
            timestamp=at(6),
            change=ParticipantsChanged(
                action=ParticipantAction.ADD, participants=(GroupParticipant(jid=alice),)
            ),
        ),
    ]
