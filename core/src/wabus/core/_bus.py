"""`CoreEventBus`: thread-safe, in-order delivery of events to sync and async handlers.

Theory of operation
-------------------

Subscriptions live in an immutable `_Snapshot`. Subscribing or unsubscribing builds a new
snapshot under a lock and swaps it in with one assignment; dispatch reads the current snapshot
once and never takes a lock. A dispatch therefore delivers to exactly the handlers that were
subscribed when it started: a handler added meanwhile waits for the next event, and one
removed meanwhile may still get this one. Nothing is ever called while the lock is held.

Each snapshot caches, per event class, the tuple of callables that receive it (handlers of the
class itself, of its bases and of `BaseEvent`, in registration order). The first event of a
class fills the cache; the next (un)subscribe starts a fresh snapshot with an empty one.

Sync handlers are called inline, on the dispatching thread, each inside its own ``try`` so
that one failure never stops the others. Failures are logged with structlog, passed to the
optional ``on_handler_error`` hook, and returned by the call that ran the handler (``dispatch``
for sync handlers, ``publish`` for every handler) as `HandlerFailure` records; a call that ran
no failing handler returns one shared empty tuple, so the common case allocates nothing.

Async handlers are served through a `_Lane` (see `wabus.core._lane`): a bounded FIFO plus one
worker task on the event loop the bus runs on. ``dispatch`` (any thread) queues; ``await
publish`` (on the loop) runs the handler itself, taking turns with the worker. Wake requests
from producer threads are batched: the first lane to need one schedules a single callback on
the loop, which wakes every lane that asked since, so a producer thread that dispatches many
events in a row costs one loop wake-up per batch, not per event.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import itertools
import threading
import types
from collections import deque
from collections.abc import Callable, Iterable
from time import perf_counter
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar, final, overload

import anyio
import anyio.lowlevel
import structlog

from wabus.core._errors import BusError, HandlerFailure, HandlersFailed, QueueFull
from wabus.core._handler import EventHandler
from wabus.core._lane import SyncCallback, _Lane
from wabus.core._loop import LoopHandle
from wabus.core._policy import DEFAULT_QUEUE_SIZE, DEFAULT_SLOW_HANDLER_THRESHOLD, Overflow
from wabus.core._subscribing import EventFilter, event_classes
from wabus.core.events import BaseEvent

if TYPE_CHECKING:
    from anyio.abc import TaskGroup


__all__ = ["CoreEventBus", "ErrorHook", "EventFilter", "Subscription", "event_classes"]

_log = structlog.get_logger("wabus.core.bus")

E = TypeVar("E", bound=BaseEvent)
E2 = TypeVar("E2", bound=BaseEvent)
E3 = TypeVar("E3", bound=BaseEvent)
H = TypeVar("H", bound=EventHandler)

ErrorHook: TypeAlias = Callable[[Exception, Callable[..., Any], BaseEvent], object]
"""``on_handler_error(error, handler, event)``: called after a handler raised."""

_NO_FAILURES: Final[tuple[HandlerFailure, ...]] = ()


# Per subscription, what publish() needs: (dispatch_fn, callback, lane or None, filter or None).
_Plan: TypeAlias = "tuple[SyncCallback, Callable[[Any], Any], _Lane | None, EventFilter | None]"


def is_async_callable(fn: object) -> bool:
    """Whether calling `fn` returns an awaitable (an ``async def`` function or method)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(type(fn), "__call__", None)  # noqa: B004 - we want the class attribute
    return call is not None and inspect.iscoroutinefunction(call)


def _describe(callback: object) -> str:
    name = getattr(callback, "__qualname__", None) or type(callback).__qualname__
    module = getattr(callback, "__module__", None)
    return f"{module}.{name}" if module else str(name)


@final
class _Filtered:
    """A sync callback behind a filter; only on the (rare) filtered path."""

    __slots__ = ("accepts", "callback")

    def __init__(self, callback: SyncCallback, accepts: EventFilter) -> None:
        self.callback = callback
        self.accepts = accepts

    def __call__(self, event: BaseEvent) -> None:
        if self.accepts(event):
            self.callback(event)


class _Once:
    """A sync callback subscribed with ``once=True``: the first call closes the subscription.

    The claim is made under the bus's lock, so of racing dispatches exactly one calls the
    callback; the subscription is gone before the callback runs.
    """

    __slots__ = ("bus", "callback", "claimed", "entry")

    def __init__(self, bus: CoreEventBus, callback: Callable[[Any], Any]) -> None:
        self.bus = bus
        self.callback = callback
        self.claimed = False
        self.entry: _Entry | None = None  # set once the entry exists

    def claim(self) -> bool:
        """Take the one delivery: True for the first caller only, which also unsubscribes."""
        with self.bus._lock:
            if self.claimed:
                return False
            self.claimed = True
        if self.entry is not None:
            self.bus._remove_entries((self.entry,))
        return True

    def __call__(self, event: BaseEvent) -> object:
        if self.claim():
            return self.callback(event)
        return None


@final
class _AsyncOnce(_Once):
    """An ``async def`` callback subscribed with ``once=True`` (see `_Once`)."""

    __slots__ = ()

    async def __call__(self, event: BaseEvent) -> None:
        if self.claim():
            await self.callback(event)


def _kept(failures: list[HandlerFailure] | None, failure: HandlerFailure) -> list[HandlerFailure]:
    """`failures` with `failure` added (a list made on the first: none is made while handlers
    succeed, which is the hot path)."""
    if failures is None:
        return [failure]
    failures.append(failure)
    return failures


def _user_callback(fn: object) -> Callable[..., Any]:
    """The callback as the user subscribed it (behind a ``once=True`` wrapper)."""
    return fn.callback if isinstance(fn, _Once) else fn  # type: ignore[return-value]


def _origin(fn: object) -> Callable[..., Any]:
    """The user's callback behind a dispatch callable (for error reports)."""
    if isinstance(fn, _Filtered):
        fn = fn.callback
    if isinstance(fn, _Once):
        return _user_callback(fn)
    if isinstance(fn, functools.partial) and fn.args:  # a shared lane's put_pair
        return _user_callback(fn.args[0])
    lane = getattr(fn, "lane", None)
    if isinstance(lane, _Lane) and lane.callback is not None:  # a single lane's put
        return _user_callback(lane.callback)
    return fn  # type: ignore[return-value]


@final
class _Entry:
    """One subscription, as the snapshot stores it."""

    __slots__ = (
        "accepts",
        "callback",
        "dispatch_fn",
        "event_types",
        "lane",
        "owner",
        "plan",
        "seq",
    )

    def __init__(
        self,
        seq: int,
        event_types: tuple[type[BaseEvent], ...],
        callback: Callable[[Any], Any],
        accepts: EventFilter | None,
        lane: _Lane | None,
        owner: EventHandler | None,
    ) -> None:
        self.seq = seq
        self.event_types = event_types
        self.callback = callback
        self.accepts = accepts
        self.lane = lane
        self.owner = owner
        # What dispatch() calls: the callback itself when it can, so the hot loop is one call.
        deliver: SyncCallback
        if lane is None:
            deliver = callback
        elif lane.shared:
            deliver = functools.partial(lane.put_pair, callback)
        else:
            deliver = lane.make_put()
        self.dispatch_fn: SyncCallback = deliver if accepts is None else _Filtered(deliver, accepts)
        # What publish() unpacks per entry.
        self.plan = (self.dispatch_fn, callback, lane, accepts)


@final
class _Snapshot:
    """An immutable set of subscriptions plus the per-class routes computed from it."""

    __slots__ = ("dispatch_routes", "entries", "lanes", "publish_routes", "wanted")

    def __init__(self, entries: tuple[_Entry, ...]) -> None:
        self.entries = entries
        self.lanes = tuple(dict.fromkeys(e.lane for e in entries if e.lane is not None))
        self.dispatch_routes: dict[type, tuple[SyncCallback, ...]] = {}
        self.publish_routes: dict[type, tuple[_Plan, ...]] = {}
        self.wanted: dict[object, bool] = {}  # has_handlers() answers, per thing asked about

    def route(self, cls: type) -> tuple[_Plan, ...]:
        """Compute and cache the entries that receive events of class `cls`."""
        if not (isinstance(cls, type) and issubclass(cls, BaseEvent)):
            raise TypeError(f"can only dispatch events (BaseEvent instances), got {cls!r}")
        matched = tuple(e for e in self.entries if issubclass(cls, e.event_types))
        plans = tuple(e.plan for e in matched)
        self.publish_routes[cls] = plans
        self.dispatch_routes[cls] = tuple(e.dispatch_fn for e in matched)
        return plans


_EMPTY: Final = _Snapshot(())


@final
class Subscription:
    """A handle on one subscription: `close()` it, or use it as a context manager.

    Thread-safe. Closing is idempotent. After `close()` returns, new dispatches no longer
    reach the callback; a dispatch already under way on another thread may still deliver it
    one last event, and events queued for an async callback are discarded.
    """

    __slots__ = ("_bus", "_entry")

    def __init__(self, bus: CoreEventBus, entry: _Entry) -> None:
        self._bus = bus
        self._entry = entry

    @property
    def callback(self) -> Callable[[Any], Any]:
        """The subscribed callback."""
        return _user_callback(self._entry.callback)

    @property
    def once(self) -> bool:
        """Whether the subscription ends after one event (``subscribe(..., once=True)``)."""
        return isinstance(self._entry.callback, _Once)

    @property
    def event_types(self) -> tuple[type[BaseEvent], ...]:
        """The event classes subscribed to."""
        return self._entry.event_types

    @property
    def active(self) -> bool:
        """Whether the subscription is still in place."""
        return self._entry in self._bus._snapshot.entries

    def close(self) -> None:
        """Unsubscribe."""
        self._bus._remove_entries((self._entry,))

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Subscription):
            return NotImplemented
        return self._entry is other._entry

    def __hash__(self) -> int:
        return hash(self._entry)

    def __repr__(self) -> str:
        kinds = ", ".join(t.__name__ for t in self._entry.event_types)
        once = ", once" if self.once else ""
        return f"<Subscription {_describe(self.callback)} to {kinds}{once}>"


class CoreEventBus:
    """Delivers events to handlers, from any thread, in registration order.

    ``dispatch(event)`` is the synchronous entry point, safe from any thread;
    ``await publish(event)`` is the async one, for code running on the bus's event loop.
    Sync handlers run inline on the caller's thread. Async handlers (``async def``) need the
    bus to be running on an event loop (``async with bus:``); events dispatched to them before
    that are queued, up to each handler's queue size, and delivered once it runs.

    A handler that raises never stops the others. Its failure is logged, returned by the
    ``publish`` or ``dispatch`` call that ran it (as a `HandlerFailure`; or raised as a
    `HandlersFailed` group with ``raise_errors=True``), and passed to `on_handler_error`, called
    as ``hook(error, handler, event)``. The hook also sees the failures of async handlers fed
    by ``dispatch``, which run later, on the bus's worker tasks; it is never given
    `BaseException`s such as cancellation. A bus whose caller handles the failures ``publish``
    returns may turn the logging off with ``log_failures=False`` (the dialects' private buses
    do, and report the failures themselves); the hook and the return value are unchanged.

    A sync handler that ``await publish`` runs holds the event loop while it runs; one that
    takes longer than `slow_handler_threshold` seconds is reported with a structlog warning
    naming it and the time (None turns the report off). Run blocking handlers off the loop
    with `wabus.core.in_thread`.
    """

    def __init__(
        self,
        *,
        on_handler_error: ErrorHook | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        overflow: Overflow = Overflow.WAIT,
        slow_handler_threshold: float | None = DEFAULT_SLOW_HANDLER_THRESHOLD,
        log_failures: bool = True,
    ) -> None:
        if slow_handler_threshold is not None and not slow_handler_threshold > 0:
            raise ValueError(
                f"slow_handler_threshold must be positive seconds or None, "
                f"got {slow_handler_threshold!r}"
            )
        self._slow_threshold = slow_handler_threshold
        self._snapshot: _Snapshot = _EMPTY
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._by_owner: dict[int, tuple[EventHandler, tuple[_Entry, ...]]] = {}
        # attach(): the one handler of each class attached to this bus. Its own lock, which
        # may be held while a handler is built (never the snapshot's), reentrant in case a
        # handler's constructor attaches another.
        self._attached: dict[type[EventHandler], EventHandler] = {}
        self._attach_lock = threading.RLock()
        self._on_handler_error = on_handler_error
        self._log_failures = log_failures
        self._default_queue_size = queue_size
        self._default_overflow = Overflow(overflow)
        self._loop: LoopHandle | None = None
        self._task_group: TaskGroup | None = None
        self._stopping = False
        self._wake_scheduled = False
        self._dirty: deque[_Lane] = deque()
        self._to_start: deque[_Lane] = deque()
        self._supervisor_wake: anyio.Event | None = None

    # Subscribing ---------------------------------------------------------------------------

    # The overloads tie the callback's parameter to what it subscribes to, so a type checker
    # rejects ``subscribe(Message, on_receipt)``: one class (or category base), a tuple of two
    # or three (the callback takes their union), a longer tuple (it takes their common base),
    # or a union object (``Message | Receipt``, `Event`), which types cannot see into.
    @overload
    def subscribe(
        self,
        event_type: type[E],
        callback: Callable[[E], object],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
        once: bool = False,
    ) -> Subscription: ...
    @overload
    def subscribe(
        self,
        event_type: tuple[type[E], type[E2]],
        callback: Callable[[E | E2], object],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
        once: bool = False,
    ) -> Subscription: ...
    @overload
    def subscribe(
        self,
        event_type: tuple[type[E], type[E2], type[E3]],
        callback: Callable[[E | E2 | E3], object],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
        once: bool = False,
    ) -> Subscription: ...
    @overload
    def subscribe(
        self,
        event_type: tuple[type[E], ...],
        callback: Callable[[E], object],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
        once: bool = False,
    ) -> Subscription: ...
    @overload
    def subscribe(
        self,
        event_type: types.UnionType,
        callback: Callable[[Any], object],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
        once: bool = False,
    ) -> Subscription: ...

    def subscribe(
        self,
        event_type: Any,
        callback: Callable[[Any], Any],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
        once: bool = False,
    ) -> Subscription:
        """Call `callback(event)` for every event of `event_type` (and its subclasses).

        `event_type` is an event class, a category base (`MessageEvent`, …), `BaseEvent` or
        `Event` for everything, or a union such as ``Message | Receipt``. `callback` may be a
        plain or an ``async def`` callable. `accepts` filters events before they are delivered
        (or queued). `queue_size` and `overflow` set an async callback's queue (see
        `Overflow`); they default to the bus's settings.

        With `once`, the callback receives one event only (the first that `accepts` lets
        through): the subscription is closed just before the callback runs, so it is closed
        whether the callback returns or raises, and of racing dispatches exactly one delivers.
        Thread-safe.
        """
        types_ = event_classes(event_type)
        if not callable(callback):
            raise TypeError(f"callback must be callable, got {callback!r}")
        wrapper: _Once | None = None
        if once:
            wrapper = (_AsyncOnce if is_async_callable(callback) else _Once)(self, callback)
            callback = wrapper
        entry = self._make_entry(types_, callback, accepts, None, None, queue_size, overflow)
        if wrapper is not None:
            wrapper.entry = entry
        self._add_entries((entry,), owner=None)
        return Subscription(self, entry)

    def add_handler(self, handler: EventHandler) -> None:
        """Subscribe every hook `handler` overrides (see `EventHandler`). Thread-safe.

        The handler's async hooks share one queue, so they receive events in order and never
        run two at once. Adding the same handler twice is a `ValueError`.
        """
        if not isinstance(handler, EventHandler):
            raise TypeError(f"add_handler takes an EventHandler, got {handler!r}")
        accepts = handler.accepts if handler.filters_events else None
        lane: _Lane | None = None
        entries: list[_Entry] = []
        for types_, callback in handler.subscriptions():
            if is_async_callable(callback) and lane is None:
                lane = _Lane(
                    self,
                    handler.queue_size or self._default_queue_size,
                    handler.overflow or self._default_overflow,
                    _describe(type(handler)),
                    None,
                )
            entries.append(
                self._make_entry(
                    event_classes(types_), callback, accepts, lane, handler, None, None
                )
            )
        self._add_entries(tuple(entries), owner=handler)

    def remove_handler(self, handler: EventHandler) -> None:
        """Unsubscribe everything `add_handler` subscribed for `handler`. Thread-safe.

        Raises `ValueError` if the handler was not added.
        """
        with self._lock:
            found = self._by_owner.get(id(handler))
        if found is None or found[0] is not handler:
            raise ValueError(f"{handler!r} is not added to this bus")
        self._remove_entries(found[1])
        with self._attach_lock:
            if self._attached.get(type(handler)) is handler:
                del self._attached[type(handler)]

    def attach(self, handler_class: type[H], /, **options: Any) -> H:
        """This bus's one handler of class `handler_class`, built and added on first use.

        The first call builds ``handler_class(**options)`` and adds it (`add_handler`); later
        calls return that same instance, so its state is shared by whoever asks for it. This
        is how dialects attach (``Bot.dialect("wechaty")``); a `Bot`'s plugins count as
        attached for their class. Options given when one is attached already are a
        `ValueError`, as they would be ignored. Thread-safe: racing first calls build one.
        """
        if not (isinstance(handler_class, type) and issubclass(handler_class, EventHandler)):
            raise TypeError(f"attach takes an EventHandler subclass, got {handler_class!r}")
        with self._attach_lock:
            found = self._attached.get(handler_class)
            if found is None:
                made = handler_class(**options)
                self.add_handler(made)
                self._attached[handler_class] = made
                return made
        if options:
            raise ValueError(
                f"a {handler_class.__name__} is attached to this bus already;"
                " options apply only when it is first attached"
            )
        return found  # type: ignore[return-value]  # stored under its own class

    def _adopt(self, handler: EventHandler) -> None:
        """Add `handler` and count it as attached for its class (a `Bot`'s plugins)."""
        with self._attach_lock:
            self.add_handler(handler)
            self._attached.setdefault(type(handler), handler)

    def _make_entry(
        self,
        types_: tuple[type[BaseEvent], ...],
        callback: Callable[[Any], Any],
        accepts: EventFilter | None,
        lane: _Lane | None,
        owner: EventHandler | None,
        queue_size: int | None,
        overflow: Overflow | None,
    ) -> _Entry:
        if accepts is not None and not callable(accepts):
            raise TypeError(f"accepts must be callable, got {accepts!r}")
        if is_async_callable(callback):
            if lane is None:
                lane = _Lane(
                    self,
                    queue_size or self._default_queue_size,
                    overflow or self._default_overflow,
                    _describe(_user_callback(callback)),
                    callback,
                )
        else:
            lane = None
        return _Entry(next(self._seq), types_, callback, accepts, lane, owner)

    def _add_entries(self, entries: tuple[_Entry, ...], owner: EventHandler | None) -> None:
        with self._lock:
            if owner is not None:
                if id(owner) in self._by_owner:
                    raise ValueError(f"{owner!r} is already added to this bus")
                self._by_owner[id(owner)] = (owner, entries)
            self._snapshot = _Snapshot(self._snapshot.entries + entries)
            loop = self._loop
        if loop is not None:
            new_lanes = tuple(dict.fromkeys(e.lane for e in entries if e.lane is not None))
            if new_lanes:
                loop.call_soon(functools.partial(self._request_start, new_lanes))

    def _remove_entries(self, entries: Iterable[_Entry]) -> None:
        gone = set(entries)
        with self._lock:
            current = self._snapshot.entries
            kept = tuple(e for e in current if e not in gone)
            if len(kept) == len(current):
                return
            self._snapshot = _Snapshot(kept)
            for entry in gone:
                if entry.owner is not None:
                    self._by_owner.pop(id(entry.owner), None)
            still_used = set(self._snapshot.lanes)
        for lane in dict.fromkeys(e.lane for e in gone if e.lane is not None):
            if lane not in still_used:
                lane.close()

    # Asking --------------------------------------------------------------------------------

    def has_handlers(self, event_type: Any = None) -> bool:
        """Whether anything would receive events of `event_type` (anything at all if None).

        Producers use this to skip building events nobody listens to. For a category base it
        is True when any handler takes some kind in the category. Filters are not consulted.
        """
        snapshot = self._snapshot
        if event_type is None:
            return bool(snapshot.entries)
        try:
            return snapshot.wanted[event_type]  # the answer holds until the next (un)subscribe
        except (KeyError, TypeError):  # not asked yet, or not hashable
            pass
        wanted = event_classes(event_type)
        answer = any(
            issubclass(want, entry.event_types)
            or any(issubclass(t, want) for t in entry.event_types)
            for entry in snapshot.entries
            for want in wanted
        )
        with contextlib.suppress(TypeError):
            snapshot.wanted[event_type] = answer
        return answer

    def subscriptions(self, event_type: Any = None) -> tuple[Subscription, ...]:
        """The subscriptions that receive events of `event_type`, in registration order.

        `event_type` is what `subscribe` takes; None gives every subscription. Those made by
        `add_handler` are included (closing one of them removes that hook only). Each is a
        live handle: `Subscription.close` it to unsubscribe. Filters are not consulted.
        """
        entries = self._snapshot.entries
        if event_type is not None:
            wanted = event_classes(event_type)
            entries = tuple(
                entry
                for entry in entries
                if any(issubclass(want, entry.event_types) for want in wanted)
            )
        return tuple(Subscription(self, entry) for entry in entries)

    @property
    def running(self) -> bool:
        """Whether the bus is running on an event loop (inside ``async with bus:``)."""
        return self._loop is not None

    # Delivering ----------------------------------------------------------------------------

    # `raise_errors` is not keyword-only here nor in publish (pass it by keyword all the same):
    # CPython looks a keyword-only default up in a dict on every call, which cost dispatch
    # about 10% and publish about 5%.
    def dispatch(self, event: BaseEvent, raise_errors: bool = False) -> tuple[HandlerFailure, ...]:
        """Deliver `event` to every handler subscribed to its class, from any thread.

        Sync handlers run now, on this thread, in registration order; a handler that raises is
        logged and passed to the ``on_handler_error`` hook, and the others still run. Async
        handlers get the event queued (see `Overflow` for a full queue); they run later, so
        their failures reach only the log and the hook.

        Returns the failures of the sync handlers this call ran, in the order they ran (an
        empty tuple when none raised). With `raise_errors`, raises them instead, as one
        `HandlersFailed` group, after every handler has had its turn. Raises `QueueFull` for
        a queue whose policy is to raise, after every handler has had its turn (the failures
        of that call are then in the log and the hook only).
        """
        cls = type(event)
        try:
            callbacks = self._snapshot.dispatch_routes[cls]
        except KeyError:
            snapshot = self._snapshot
            snapshot.route(cls)
            callbacks = snapshot.dispatch_routes[cls]
        if len(callbacks) == 1:  # the common case, without the loop's iterator
            callback = callbacks[0]
            try:
                callback(event)
            except QueueFull:
                raise
            except Exception as exc:
                return self._failed(event, [self._report(exc, callback, event)], raise_errors)
            return _NO_FAILURES
        overflow: QueueFull | None = None
        failures: list[HandlerFailure] | None = None
        for callback in callbacks:
            try:
                callback(event)
            except QueueFull as exc:
                overflow = exc
            except Exception as exc:
                failures = _kept(failures, self._report(exc, callback, event))
        if overflow is not None:
            raise overflow
        if failures is None:
            return _NO_FAILURES
        return self._failed(event, failures, raise_errors)

    async def publish(
        self, event: BaseEvent, raise_errors: bool = False
    ) -> tuple[HandlerFailure, ...]:
        """Deliver `event` and await every async handler, in registration order.

        Call it from the event loop the bus runs on (or from any one loop while the bus is not
        running). Sync handlers run inline; each async handler is awaited in turn. A handler
        that raises is logged and passed to the ``on_handler_error`` hook, and the others still
        run.

        Returns the failures of every handler this call ran (sync and async, a filter that
        raised included), in the order they ran: an empty tuple when none raised. With
        `raise_errors`, raises them instead, as one `HandlersFailed` group, once every handler
        has had its turn.
        """
        try:
            plans = self._snapshot.publish_routes[event.__class__]
        except KeyError:
            plans = self._snapshot.route(event.__class__)
        threshold = self._slow_threshold
        failures: list[HandlerFailure] | None = None
        for dispatch_fn, callback, lane, accepts in plans:
            if lane is None:
                # A sync handler run here holds the event loop: time it (see _blocking).
                began = perf_counter()
                try:
                    dispatch_fn(event)
                except Exception as exc:
                    failures = _kept(failures, self._report(exc, callback, event))
                held = perf_counter() - began
                if threshold is not None and held > threshold:
                    self._report_slow(callback, event, held)
                continue
            if accepts is not None:
                try:
                    if not accepts(event):
                        continue
                except Exception as exc:
                    failures = _kept(failures, self._report(exc, callback, event))
                    continue
            if lane.busy or lane.waiters:
                self._check_loop_thread()
                await lane.acquire()
            else:
                lane.busy = True
            try:
                await callback(event)
            except Exception as exc:
                failures = _kept(failures, self._report(exc, callback, event))
            finally:
                # lane.release(), inlined: this is the hot path of `await publish`.
                if lane.waiters:
                    lane.waiters.popleft().set()
                else:
                    lane.busy = False
                    if lane.pending:
                        lane.wake()
        if failures is None:
            return _NO_FAILURES
        return self._failed(event, failures, raise_errors)

    @staticmethod
    def _failed(
        event: BaseEvent, failures: list[HandlerFailure], raise_errors: bool
    ) -> tuple[HandlerFailure, ...]:
        """What a call whose handlers raised returns, or raises when asked to."""
        if raise_errors:
            raise HandlersFailed.of(event, failures)
        return tuple(failures)

    def _check_loop_thread(self) -> None:
        loop = self._loop
        if loop is not None and not loop.in_loop_thread():
            raise BusError("publish() must run on the event loop the bus runs on")

    def _report_slow(self, callback: object, event: BaseEvent, held: float) -> None:
        """Warn that a sync handler held the event loop for `held` seconds."""
        with contextlib.suppress(Exception):
            _log.warning(
                "sync handler blocked the event loop",
                handler=_describe(_origin(callback)),
                event_type=getattr(event, "type", type(event).__name__),
                seconds=round(held, 3),
                threshold=self._slow_threshold,
                remedy="make it async, or wrap it with wabus.core.in_thread to run it in a thread",
            )

    def _report(self, error: Exception, callback: object, event: BaseEvent) -> HandlerFailure:
        """Log a handler failure and pass it to the hook. Never raises: the show goes on."""
        handler = _origin(callback)
        if self._log_failures:
            with contextlib.suppress(Exception):  # e.g. a broken pipe under the log output
                _log.error(
                    "event handler failed",
                    handler=_describe(handler),
                    event_type=getattr(event, "type", type(event).__name__),
                    exc_info=error,
                )
        hook = self._on_handler_error
        if hook is not None:
            try:
                hook(error, handler, event)
            except Exception as hook_error:
                with contextlib.suppress(Exception):
                    _log.error("on_handler_error hook failed", exc_info=hook_error)
        return HandlerFailure(handler, event, error)

    # Running -------------------------------------------------------------------------------

    async def __aenter__(self) -> CoreEventBus:
        """Run the bus on the current event loop: start the async handlers' workers."""
        with self._lock:
            if self._loop is not None:
                raise BusError("the bus is already running")
            self._loop = LoopHandle()
        self._stopping = False
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group = task_group
        self._to_start.extend(self._snapshot.lanes)
        task_group.start_soon(self._supervise, name="wabus bus supervisor")
        return self

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        """Deliver what async handlers still have queued, stop their workers, unbind."""
        task_group = self._task_group
        assert task_group is not None
        self._stopping = True
        for lane in self._snapshot.lanes:
            lane.wake()
        if self._supervisor_wake is not None:
            self._supervisor_wake.set()
        try:
            return await task_group.__aexit__(*exc_info)
        finally:
            self._task_group = None
            with self._lock:
                self._loop = None
            for lane in self._snapshot.lanes:
                lane.notify_room()

    async def _supervise(self) -> None:
        """Start lane workers from task context (a loop callback cannot spawn tasks)."""
        task_group = self._task_group
        assert task_group is not None
        try:
            while True:
                self._supervisor_wake = anyio.Event()
                while self._to_start:
                    lane = self._to_start.popleft()
                    if not lane.started and not lane.closed:
                        lane.started = True
                        task_group.start_soon(lane.run, name=f"wabus lane {lane.label}")
                self._drain_wake_requests()
                if self._stopping:
                    return
                await self._supervisor_wake.wait()
        finally:
            self._supervisor_wake = None

    def _request_start(self, lanes: Iterable[_Lane]) -> None:
        """Loop thread: have the supervisor start these lanes' workers."""
        self._to_start.extend(lanes)
        if self._supervisor_wake is not None:
            self._supervisor_wake.set()

    def _request_wake(self, lane: _Lane) -> None:
        """Ask the loop to wake `lane`'s worker. Any thread; batched (see module doc)."""
        self._dirty.append(lane)
        if self._wake_scheduled:
            return
        loop = self._loop
        if loop is None:
            return  # woken when the bus starts
        self._wake_scheduled = True
        if not loop.call_soon(self._drain_wake_requests):
            self._wake_scheduled = False

    def _drain_wake_requests(self) -> None:
        self._wake_scheduled = False
        dirty = self._dirty
        while dirty:
            lane = dirty.popleft()
            lane.scheduled = False
            lane.wake()

    def queued(self) -> int:
        """How many dispatched events wait in async handlers' queues right now."""
        return sum(len(lane.pending) for lane in self._snapshot.lanes)

    def dropped(self) -> int:
        """How many events `Overflow.DROP_OLDEST` queues have discarded so far."""
        return sum(lane.dropped for lane in self._snapshot.lanes)

    def __repr__(self) -> str:
        state = "running" if self._loop is not None else "idle"
        return f"<CoreEventBus {state}, {len(self._snapshot.entries)} subscription(s)>"
