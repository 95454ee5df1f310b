"""The dialect engine: a declarative table of rules from core events to dialect events.

Theory of operation
-------------------

A dialect is an `EventHandler` that re-emits core events under another ecosystem's names and
argument shapes. Each dialect class declares two tables and a state:

- `Dialect.events`: its vocabulary, one `EventSpec` per event name with the positional
  parameters a listener receives. A name with no WhatsApp equivalent carries an `unmapped`
  reason: listening to it is allowed and documented, and it never fires.
- `Dialect.rules`: one `Rule` per (core event class, dialect event name) pair, in emission
  order. A rule's projector takes the dialect's state and the core event and yields zero or
  more argument tuples, so one core event may fan out into several dialect events (a group
  change becomes a stub message and a participants update) and a rule may stay silent (a
  second ``Connected`` is no new ``login``).
- a state object (a `SessionState` subclass) holding what the projections need to remember:
  our own JID, login and ready latches, previous group subjects, the reconnect state.

`Dialect.project(event)` runs the rules for the event's class, reading the state, and then
lets the state `observe` the event. Projectors never change the state; `observe` is the only
writer, after every rule has seen the state as it was before the event. Rules whose name
nobody listens to are skipped, so a `Message` body is parsed only when someone listens to an
event that needs it (the laziness contract of the core).

The class statement checks both tables against each other (`DialectDefinitionError`): every
rule names a known, mapped event, and every mapped event has a rule.

Listening is the core bus's job. Each dialect instance has a `CoreEventBus` of its own, and
each name of the vocabulary (and ``'*'`` and ``'core'``) has a `DialectEvent` subclass, made
by `Dialect.event_class` the first time it is needed and shared by every instance of the
dialect class. A listener is a subscription to its name's class on that private bus:

- `on` subscribes it, `once` subscribes it with ``once=True`` (the bus removes it just before
  it runs), `off` closes the most recent subscription of that function, and `listeners`
  returns the `Subscription` handles themselves. Registration order is the bus's, and so is
  its copy-on-write table: a listener added or removed during a delivery takes effect from
  the next event, as in Node's ``emit``.
- Delivering a dialect event is ``await private_bus.publish(event)``: the bus runs every
  listener in turn, isolates their failures and returns them; the dialect turns each into a
  `ListenerError`. ``'*'`` listeners get a second publish of the ``'*'`` class with
  ``(name, *args)``, after the named ones (mitt's order); ``'core'`` listeners get one of the
  ``'core'`` class with the core event, before the projected events. Those publishes happen
  only when the bus `has_handlers` for them, and so do the rules (the laziness contract):
  `wants` asks the private bus, whose answers are cached until the next (un)subscribe.
- Every listener is held as a small async callable (`_Listener`) that passes it the leading
  arguments it accepts and awaits what it returns when that is awaitable, so plain and
  ``async def`` listeners alike finish before the next one starts.

The private bus never runs on a loop of its own and logs nothing (``log_failures=False``):
``publish`` is awaited from the dialect's delivery, on the main bus's loop, and the dialect
reports the failures. Projected events are built without pydantic's validation (`_build`, the
same four assignments as ``model_construct``), since every projection makes one.

As a handler of the main bus, a dialect subscribes to every core event through one async
callback, so that bus gives it a queue on its event loop: projections and listeners run
there, in event order, never two at once, whichever thread dispatched. A dialect event that a
timer produces instead of a core event (Wechaty's periodic ``heartbeat``) goes through
`Dialect.deliver_timed`, which waits its turn behind the core event being delivered (the
dialect's turn, a FIFO of waiters): while a listener awaits, nothing else of the dialect runs.

Listeners are called the way the dialect's ecosystem calls them: Wechaty's with positional
arguments (``scan(qrcode, status, data)``), Baileys' and LiveChat's with one payload. As in
JavaScript, a listener that takes fewer positional parameters gets the leading arguments only,
so both ``def on_scan(qrcode, status)`` and ``def on_ready()`` work. Two names are reserved:
``'*'`` receives every dialect event as ``(name, *args)`` (LiveChat's mitt passes
``(type, payload)``), and ``'core'`` receives every core event the dialect sees, the escape
hatch for whatever the vocabulary lacks.

Every payload keeps the core event it came from: payload objects have a ``core`` attribute
(`CoreDict`, `CoreList` and `CoreStr` for the JSON-shaped ones), and while a listener runs,
`current_event()` returns the `DialectEvent` being delivered, whose ``core`` is the core event
(the way to reach it for events without a payload, such as LiveChat's ``connection_lost``).

A failing rule or listener never stops the others: the rest of the event is delivered, then a
`DeliveryError` listing each failure is raised to the main bus, which logs it and passes it to
its ``on_handler_error`` hook.

A listener that awaits ``bus.publish`` of a core event this dialect handles, while it runs for
a core event, waits for itself (the main bus's queue for the dialect is busy with the event
being delivered); use ``bus.dispatch``, which queues it. From a timer's event the nested
event is delivered at once, inside the turn, except to a listener still running itself (a
``'*'`` or ``'core'`` listener that published it), whose subscription would wait for it.
"""

from __future__ import annotations

import difflib
import inspect
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType
from typing import (
    Any,
    ClassVar,
    Final,
    Generic,
    Self,
    TypeAlias,
    TypeVar,
    cast,
    final,
    overload,
)

import anyio
import structlog
from pydantic import Field

from wabus.core import BaseEvent, CallbackHandler, CoreEventBus, HandlerFailure, Jid, Subscription
from wabus.core.events import EVENT_TYPES, Message, PairSuccess, SelfPushNameUpdated
from wabus.handlers.dialects._errors import (
    DeliveryError,
    DialectDefinitionError,
    InvalidListener,
    ListenerError,
    ProjectionError,
    UnknownEventName,
)

__all__ = [
    "ALL",
    "CORE",
    "Args",
    "Dialect",
    "DialectEvent",
    "DialectListener",
    "EventSpec",
    "Rule",
    "SessionState",
    "current_event",
    "hook_for",
    "rule",
]

_log = structlog.get_logger("wabus.handlers.dialects")

Args: TypeAlias = tuple[Any, ...]
"""The positional arguments of one dialect event."""

ALL: Final = "*"
"""The listener name that receives every dialect event, as ``(name, *args)``."""

CORE: Final = "core"
"""The listener name that receives every core event the dialect sees (the escape hatch)."""

E = TypeVar("E", bound=BaseEvent)
S = TypeVar("S", bound="SessionState")
Fn = TypeVar("Fn", bound=Callable[..., Any])


@final
@dataclass(frozen=True, slots=True)
class EventSpec:
    """One event of a dialect's vocabulary."""

    name: str
    """The event name, exactly as the dialect's ecosystem spells it."""
    params: tuple[str, ...]
    """The positional parameters listeners receive, with their shapes (documentation)."""
    doc: str
    """What the event means and which core events produce it."""
    unmapped: str | None = None
    """Why the event never fires on WhatsApp (None: it fires)."""
    legacy_of: str | None = None
    """For an older name kept as an alias, the current name it corresponds to."""

    @property
    def arity(self) -> int:
        """How many positional arguments the event passes."""
        return len(self.params)

    @property
    def signature(self) -> str:
        """``name(param, …)``, for documentation and error messages."""
        return f"{self.name}({', '.join(self.params)})"

    @property
    def fires(self) -> bool:
        """Whether any core event produces this event."""
        return self.unmapped is None


@final
@dataclass(frozen=True, slots=True)
class Rule:
    """One row of a dialect's table: core events of class `core` may produce event `name`."""

    core: type[BaseEvent]
    """The core event class the rule applies to."""
    name: str
    """The dialect event it produces."""
    project: Callable[[Any, Any], Iterable[Args]]
    """``project(state, event)``: the argument tuples to emit (none, one or several)."""


def rule(core: type[E], name: str, project: Callable[[S, E], Iterable[Args]]) -> Rule:
    """A typed `Rule`: `project` must take the dialect's state and a `core` event."""
    return Rule(core, name, project)


class DialectEvent(BaseEvent):
    """One dialect event, as projected from one core event.

    An event of the core bus: each dialect class has one subclass per event name (made on
    first use, `Dialect.event_class`), which its listeners subscribe to on the dialect's own
    bus. Build one with `Dialect.emission`. It lives in the process (its arguments are Python
    objects) and is not meant for `to_json`.
    """

    type: str = "dialect_event"
    dialect: str
    """The dialect's name, e.g. ``"baileys"``."""
    name: str
    """The dialect event name, e.g. ``"messages.upsert"``."""
    args: Args
    """The positional arguments its listeners receive."""
    core: BaseEvent = Field(repr=False)
    """The core event it was projected from."""


_FIELDS_SET: Final = frozenset(("dialect", "name", "args", "core"))
_new = object.__new__
_set_attribute = object.__setattr__


def _build(cls: type[DialectEvent], dialect: str, name: str, args: Args, core: BaseEvent) -> Any:
    """A `cls` instance without validation: what ``model_construct`` makes, minus its loops.

    Every projected event is built here, so it is kept to the four assignments pydantic's own
    unvalidated construction does for a model without private attributes (a test compares
    the two).
    """
    event = _new(cls)
    _set_attribute(
        event,
        "__dict__",
        {
            "type": cls.kind,
            "account": core.account,  # the account the core event came from
            "dialect": dialect,
            "name": name,
            "args": args,
            "core": core,
        },
    )
    _set_attribute(event, "__pydantic_fields_set__", _FIELDS_SET)
    _set_attribute(event, "__pydantic_extra__", None)
    _set_attribute(event, "__pydantic_private__", None)
    return event


# Making an event class (a pydantic model) takes a fraction of a millisecond: classes are made
# when first needed, once per dialect class and name, under this lock.
_CLASSES_LOCK = threading.Lock()


_CURRENT: ContextVar[DialectEvent | None] = ContextVar("wabus_dialect_event", default=None)
# The dialect whose turn the running code holds (see Dialect.handle_core_event).
_TURN: ContextVar[object] = ContextVar("wabus_dialect_turn", default=None)


def current_event() -> DialectEvent | None:
    """The dialect event being delivered to the running listener (None outside listeners).

    Its ``core`` is the core event the listener's arguments came from: the way to reach it for
    events whose arguments are not payload objects.
    """
    return _CURRENT.get()


_HOOK_CHARS = re.compile(r"[^0-9a-zA-Z]+")


def hook_for(name: str) -> str:
    """The override-style hook method for a dialect event: ``room-join`` → ``on_room_join``,
    ``messages.upsert`` → ``on_messages_upsert``."""
    return "on_" + _HOOK_CHARS.sub("_", name).strip("_")


@dataclass
class SessionState:
    """What every dialect remembers about the session: who we are.

    `me` is learnt from `PairSuccess` (or from our own messages, or given to the dialect for a
    session that was paired earlier: the core's `Connected` carries no JID); `push_name` from
    `SelfPushNameUpdated`. Dialects extend this class with their own latches and caches.
    """

    me: Jid | None = None
    """Our own JID (phone-number form, with the device), when known."""
    lid: Jid | None = None
    """Our own LID, when known."""
    push_name: str = ""
    """Our own display name, when known."""

    def observe(self, event: BaseEvent) -> None:
        """Update the state after the rules have projected `event`."""
        if isinstance(event, PairSuccess):
            self.me = event.id
            self.lid = event.lid
            if event.business_name and not self.push_name:
                self.push_name = event.business_name
        elif isinstance(event, SelfPushNameUpdated):
            self.push_name = event.new_name
        elif isinstance(event, Message) and self.me is None:
            source = event.info.source
            if source.is_from_me and source.sender.is_user:
                self.me = source.sender

    @property
    def my_id(self) -> str:
        """Our user JID as a string (no device), or ``""`` while unknown."""
        return str(self.me.to_non_ad()) if self.me is not None else ""

    def is_me(self, jid: Jid | None) -> bool:
        """Whether `jid` is one of our own identities (any device)."""
        if jid is None:
            return False
        user = jid.to_non_ad()
        return any(own is not None and own.to_non_ad() == user for own in (self.me, self.lid))


@final
class _Listener:
    """A listener as the dialect's bus holds it: calls `fn` the JavaScript way.

    It passes the leading `arity` arguments of the event (all of them when None) and awaits
    what `fn` returns when that is awaitable, so ``async def`` listeners, and plain ones that
    return a coroutine (``lambda message: message.say("pong")``), finish before the next
    listener runs.
    """

    __slots__ = ("arity", "fn")

    def __init__(self, fn: Callable[..., Any], arity: int | None) -> None:
        self.fn = fn
        self.arity = arity

    async def __call__(self, event: DialectEvent) -> None:
        arity = self.arity
        result = self.fn(*event.args) if arity is None else self.fn(*event.args[:arity])
        if result is not None and inspect.isawaitable(result):  # None: the common case, cheap
            await result

    def __repr__(self) -> str:
        return f"<listener {self.fn!r}>"


def _everything(name: str) -> bool:
    return True


def _arities(fn: Callable[..., Any]) -> tuple[int | None, int]:
    """(positional parameters taken, None for *args; positional parameters required)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature: pass everything
        return None, 0
    taken: int | None = 0
    required = 0
    for param in signature.parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            taken = None
        elif param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
            if taken is not None:
                taken += 1
            if param.default is param.empty:
                required += 1
    return taken, required


class Dialect(CallbackHandler, Generic[S]):
    """Base of the dialects: re-emits core events under another vocabulary (see the module doc).

    Listen with `on` (or `once`), stop with `off`; each listener is a subscription on the
    dialect's own `CoreEventBus` (`listeners` gives the handles). `project` gives the dialect
    events of one core event without delivering them. Options common to every dialect:

    - `me`: our own JID, for a session paired before this process started (the dialects learn
      it from `PairSuccess` otherwise);
    - `push_name`: our own display name, likewise.

    Thread-safety: `on`, `once`, `off` and `add_listener` may be called from any thread; the
    listeners run on the bus's event loop. `project` and `state` belong to that loop.
    """

    name: ClassVar[str] = ""
    """The dialect's name (``"wechaty"``, ``"baileys"``, ``"livechat"``)."""
    events: ClassVar[Mapping[str, EventSpec]] = MappingProxyType({})
    """The vocabulary: every event name the dialect knows, with its parameters."""
    rules: ClassVar[tuple[Rule, ...]] = ()
    """The projection table, in emission order."""
    state_class: ClassVar[type[SessionState]] = SessionState
    """What the dialect remembers: a `SessionState` subclass, made fresh for each instance."""

    _routes: ClassVar[Mapping[type[BaseEvent], tuple[Rule, ...]]] = MappingProxyType({})
    _hooks: ClassVar[Mapping[str, str]] = MappingProxyType({})
    # The event classes made so far, by name (see event_class): written under _CLASSES_LOCK,
    # read without it. Each concrete dialect class has its own; subclasses of it share it.
    _event_classes: ClassVar[dict[str, type[DialectEvent]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "rules" not in vars(cls):
            return  # an intermediate base: nothing to check yet
        problems: list[str] = []
        if not cls.name:
            problems.append("it has no name")
        problems.extend(
            f"{reserved!r} is reserved and cannot be an event name"
            for reserved in (ALL, CORE)
            if reserved in cls.events
        )
        for key, spec in cls.events.items():
            if key != spec.name:
                problems.append(f"events[{key!r}] is the spec of {spec.name!r}")
            if spec.legacy_of is not None and spec.legacy_of not in cls.events:
                problems.append(f"{spec.name!r} is a legacy name of unknown {spec.legacy_of!r}")
        routes: dict[type[BaseEvent], list[Rule]] = {}
        produced: set[str] = set()
        for row in cls.rules:
            target = cls.events.get(row.name)
            if target is None:
                problems.append(f"a rule for {row.core.__name__} names unknown {row.name!r}")
            elif not target.fires:
                problems.append(f"a rule for {row.core.__name__} names unmapped {row.name!r}")
            if row.core not in EVENT_TYPES:
                problems.append(f"{row.core!r} is not a concrete core event class")
            routes.setdefault(row.core, []).append(row)
            produced.add(row.name)
        problems.extend(
            f"{spec.name!r} has no rule and no reason to stay silent"
            for spec in cls.events.values()
            if spec.fires and spec.name not in produced
        )
        hooks: dict[str, str] = {}
        for event_name in cls.events:
            hook = hook_for(event_name)
            if hook in hooks:
                problems.append(f"{event_name!r} and {hooks[hook]!r} share the hook {hook!r}")
            hooks[hook] = event_name
        if problems:
            raise DialectDefinitionError(
                f"dialect {cls.__qualname__} is defined wrongly: " + "; ".join(problems)
            )
        cls._routes = MappingProxyType({core: tuple(rows) for core, rows in routes.items()})
        cls._hooks = MappingProxyType(hooks)
        cls._event_classes = {}

    def __init__(
        self,
        *,
        me: Jid | str | None = None,
        push_name: str = "",
    ) -> None:
        if not type(self).rules:
            raise TypeError(f"{type(self).__name__} is an abstract dialect base")
        # The listeners: subscriptions to this dialect's event classes on a bus of its own,
        # which reports failures to us (publish's return value) rather than logging them.
        self._listeners = CoreEventBus(log_failures=False)
        made, has_handlers = self._event_classes, self._listeners.has_handlers

        def listened(name: str) -> bool:  # whether `name` has listeners of its own
            named = made.get(name)
            return named is not None and has_handlers(named)

        self._listened = listened
        self._state = self.new_state()
        self._state.me = Jid.parse(me) if isinstance(me, str) else me
        self._state.push_name = push_name
        # The turn: one delivery at a time, core events and timers alike (loop thread only).
        self._turn_held = False
        self._turn_waiters: deque[anyio.Event] = deque()
        self.projection_errors = 0
        """How many times a rule of the table has failed so far."""

    # Subclass hooks ------------------------------------------------------------------------

    def new_state(self) -> S:
        """A fresh state for this dialect: an instance of `state_class`."""
        return cast(S, type(self).state_class())

    @property
    def state(self) -> S:
        """What the dialect remembers about the session (read it; the dialect writes it)."""
        return self._state

    # The vocabulary ------------------------------------------------------------------------

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Every event name of the vocabulary, sorted (including the ones that never fire)."""
        return tuple(sorted(cls.events))

    @classmethod
    def spec(cls, name: object) -> EventSpec:
        """The `EventSpec` of `name`; raises `UnknownEventName` listing the valid names."""
        spec = cls.events.get(name) if isinstance(name, str) else None
        if spec is None:
            raise UnknownEventName(cls.name, name, cls.events)
        return spec

    @classmethod
    def check_names(cls, names: Iterable[object]) -> tuple[str, ...]:
        """The names, validated; raises `UnknownEventName` for the first unknown one."""
        return tuple(cls.spec(name).name for name in names)

    @classmethod
    def event_class(cls, name: str) -> type[DialectEvent]:
        """The `DialectEvent` subclass of `name` (an event of the vocabulary, ``'*'`` or
        ``'core'``), made on first use; its listeners subscribe to it on the dialect's bus.
        Raises `UnknownEventName` for a name the dialect does not know. Thread-safe."""
        found = cls._event_classes.get(name)
        if found is not None:
            return found
        if name not in (ALL, CORE):
            cls.spec(name)
        if not cls.rules:
            raise TypeError(f"{cls.__name__} is an abstract dialect base")
        with _CLASSES_LOCK:
            found = cls._event_classes.get(name)
            if found is None:
                owner: type[Dialect[Any]] = next(
                    c for c in cls.__mro__ if issubclass(c, Dialect) and "rules" in vars(c)
                )
                tag = f"{owner.name}:{name}"
                made = type(
                    f"{owner.__name__}.Event[{name!r}]",
                    (DialectEvent,),
                    {
                        "__module__": owner.__module__,
                        "__qualname__": f"{owner.__qualname__}.Event[{name!r}]",
                        "__annotations__": {"type": str},
                        "__doc__": f"The {owner.name} {name!r} event.",
                        "type": tag,
                    },
                )
                found = owner._event_classes.setdefault(name, made)
        return found

    def emission(self, name: str, args: Args, core: BaseEvent) -> DialectEvent:
        """The dialect event `name` with the positional `args`, projected from `core`, ready
        for `deliver` (a timer's event, for instance). Raises `UnknownEventName`."""
        event: DialectEvent = _build(self.event_class(name), self.name, name, tuple(args), core)
        return event

    # Listening -----------------------------------------------------------------------------

    def _arity_limit(self, name: str) -> int | None:
        if name == ALL:
            return None
        if name == CORE:
            return 1
        return self.spec(name).arity

    def _add(self, name: str, fn: Any, once: bool) -> None:
        limit = self._arity_limit(name)
        if not callable(fn):
            raise InvalidListener(f"a {self.name} listener must be callable, got {fn!r}")
        taken, required = _arities(fn)
        if limit is not None and required > limit:
            shown = self.spec(name).signature if name != CORE else "core(event)"
            raise InvalidListener(
                f"{fn!r} needs {required} positional arguments, but {self.name} calls {shown}"
            )
        self._listeners.subscribe(self.event_class(name), _Listener(fn, taken), once=once)

    @overload
    def on(self, name: str) -> Callable[[Fn], Fn]: ...
    @overload
    def on(self, name: str, listener: Callable[..., Any]) -> Self: ...

    def on(self, name: str, listener: Callable[..., Any] | None = None) -> Any:
        """Call `listener` for every `name` event; returns the dialect, so calls chain.

        Without `listener`, returns a decorator that registers the function it decorates.
        `name` is an event of the vocabulary (else `UnknownEventName`), ``'*'`` or ``'core'``.
        Raises `InvalidListener` when the listener needs more positional arguments than the
        event passes. Thread-safe.
        """
        if listener is None:

            def decorate(fn: Fn) -> Fn:
                self._add(name, fn, once=False)
                return fn

            self._arity_limit(name)  # check the name now, not when decorating
            return decorate
        self._add(name, listener, once=False)
        return self

    def once(self, name: str, listener: Callable[..., Any]) -> Self:
        """Like `on`, for the next `name` event only: the listener is removed just before it
        runs. Thread-safe."""
        self._add(name, listener, once=True)
        return self

    def listeners(self, name: str) -> tuple[Subscription, ...]:
        """The listeners of `name` as core-bus `Subscription` handles, in the order they run
        (``'*'`` and ``'core'`` included); `Subscription.close` one to remove it."""
        self._arity_limit(name)
        made = self._event_classes.get(name)
        return () if made is None else self._listeners.subscriptions(made)

    def off(self, name: str, listener: Callable[..., Any]) -> Self:
        """Stop calling `listener` for `name` (its most recent registration). A listener that
        is not registered is ignored; an unknown name is `UnknownEventName`. Thread-safe."""
        for subscription in reversed(self.listeners(name)):
            held = subscription.callback
            if isinstance(held, _Listener) and held.fn == listener:
                subscription.close()
                break
        return self

    def add_listener(self, listener: DialectListener) -> Self:
        """Register each ``on_<event>`` hook that `listener` (a `DialectListener` of this
        dialect) overrides. Thread-safe."""
        if not isinstance(listener, DialectListener) or not isinstance(
            self, type(listener).dialect
        ):
            raise InvalidListener(f"{listener!r} is not a DialectListener for {self.name}")
        for hook, event_name in type(listener).hooks().items():
            self.on(event_name, getattr(listener, hook))
        return self

    def listener_count(self, name: str) -> int:
        """How many listeners `name` has (``'*'`` and ``'core'`` included)."""
        return len(self.listeners(name))

    def wants(self, name: str) -> bool:
        """Whether anything listens to `name` (directly or through ``'*'``)."""
        return self._listened(ALL) or self._listened(name)

    # Projecting ----------------------------------------------------------------------------

    def project(
        self,
        event: BaseEvent,
        wanted: Callable[[str], bool] | None = None,
        errors: list[ProjectionError] | None = None,
    ) -> list[DialectEvent]:
        """The dialect events `event` produces, in order, and the state updated after it.

        Only rules whose name `wanted` accepts run (default: the names something listens to),
        so nobody pays for projections nobody reads. A rule that raises is skipped: the error
        goes to `errors` when given, else to the log; the other rules still run.
        """
        rules = self._routes.get(type(event), ())
        out: list[DialectEvent] = []
        if rules:
            made = self._event_classes
            if wanted is not None:
                want = wanted
            elif self._listened(ALL):
                want = _everything  # a '*' listener wants every name
            else:
                want = self._listened
            for row in rules:
                if not want(row.name):
                    continue
                try:
                    cls = made.get(row.name) or self.event_class(row.name)
                    out.extend(
                        _build(cls, self.name, row.name, args, event)
                        for args in row.project(self._state, event)
                    )
                except Exception as err:
                    self.projection_errors += 1
                    failure = ProjectionError(self.name, row.name, event, err)
                    failure.__cause__ = err
                    if errors is not None:
                        errors.append(failure)
                    else:
                        _log.error("dialect rule failed", error=str(failure), exc_info=err)
        self._state.observe(event)
        return out

    # Delivering ----------------------------------------------------------------------------

    async def handle_core_event(self, event: BaseEvent) -> None:
        """Project one core event and deliver the results (the bus calls this).

        Waits while a timer's event (`deliver_timed`) is being delivered, so that listeners
        never run two at once. Raises `DeliveryError` after delivering everything else when a
        rule or listener failed.
        """
        if _TURN.get() is self:  # a listener of ours published into the bus: no waiting
            await self._handle_core_event(event)
            return
        await self._take_turn()
        token = _TURN.set(self)
        try:
            await self._handle_core_event(event)
        finally:
            _TURN.reset(token)
            self._end_turn()

    receive_event = handle_core_event

    async def deliver_timed(
        self, emission: DialectEvent, still: Callable[[], bool] | None = None
    ) -> list[ListenerError]:
        """Deliver a dialect event that a timer produced rather than a core event (Wechaty's
        periodic ``heartbeat``), in turn with the core events: never while one is being
        projected or delivered. `still`, checked once the turn is ours, may call it off (a
        core event that came first changed what the timer was about). Returns the failures,
        like `deliver`. On the bus's loop only.
        """
        if _TURN.get() is self:
            return await self.deliver(emission) if still is None or still() else []
        await self._take_turn()
        token = _TURN.set(self)
        try:
            return await self.deliver(emission) if still is None or still() else []
        finally:
            _TURN.reset(token)
            self._end_turn()

    async def _take_turn(self) -> None:
        """Wait until no other delivery of this dialect is under way, then hold the turn."""
        if not self._turn_held:
            self._turn_held = True
            return
        turn = anyio.Event()
        self._turn_waiters.append(turn)
        try:
            await turn.wait()
        except BaseException:
            if turn.is_set():
                self._end_turn()  # handed the turn just as we were cancelled: pass it on
            else:
                self._turn_waiters.remove(turn)
            raise

    def _end_turn(self) -> None:
        """Hand the turn to the next waiting delivery (it stays held), or free it."""
        if self._turn_waiters:
            self._turn_waiters.popleft().set()
        else:
            self._turn_held = False

    async def _handle_core_event(self, event: BaseEvent) -> None:
        failures: list[ProjectionError | ListenerError] = []
        projection_errors: list[ProjectionError] = []
        emissions = self.project(event, errors=projection_errors)
        failures.extend(projection_errors)
        if self._listened(CORE):
            seen = self._event_classes[CORE]
            failures.extend(await self._publish(_build(seen, self.name, CORE, (event,), event)))
        for emission in emissions:
            failures.extend(await self.deliver(emission))
        if failures:
            error = DeliveryError(self.name, failures)
            raise error from failures[0]

    async def deliver(self, emission: DialectEvent) -> list[ListenerError]:
        """Call the listeners of `emission.name`, then the ``'*'`` listeners; returns the
        failures (each listener runs whatever the others do).

        `emission` is best made by `project` or `emission`; any other `DialectEvent` is
        delivered by its name. On the bus's loop only.
        """
        made = self._event_classes
        if type(emission) is not made.get(emission.name):
            emission = self.emission(emission.name, emission.args, emission.core)
        failed = await self._publish(emission)
        if self._listened(ALL):
            every = made[ALL]
            star = _build(every, self.name, ALL, (emission.name, *emission.args), emission.core)
            failed += await self._publish(star, shown=emission)  # '*' sees the named emission
        return failed

    async def _publish(
        self, event: DialectEvent, shown: DialectEvent | None = None
    ) -> list[ListenerError]:
        """Publish `event` on the dialect's bus, `current_event()` returning `shown` (default:
        `event`) meanwhile; the failures, as the dialect reports them."""
        token = _CURRENT.set(event if shown is None else shown)
        try:
            failed = await self._listeners.publish(event)
        finally:
            _CURRENT.reset(token)
        if not failed:
            return []
        return [self._listener_error(failure) for failure in failed]

    def _listener_error(self, failure: HandlerFailure) -> ListenerError:
        """A failure the dialect's bus returned, as the dialect reports it."""
        held = failure.handler
        listener = held.fn if isinstance(held, _Listener) else held
        name = failure.event.name if isinstance(failure.event, DialectEvent) else ""
        error = ListenerError(self.name, name, listener, failure.error)
        error.__cause__ = failure.error
        return error

    def __repr__(self) -> str:
        count = len(self._listeners.subscriptions())
        return f"<{type(self).__name__} {self.name}, {count} listener(s)>"


class DialectListener:
    """Override-style listeners: subclass a dialect's listener base and define hooks.

    A hook is ``on_`` plus the event name with every run of non-alphanumeric characters as
    ``_`` (`hook_for`): ``on_scan``, ``on_room_join`` (Wechaty), ``on_messages_upsert``
    (Baileys), ``on_incoming_event`` (LiveChat). A method starting with ``on_`` that is no hook
    of the dialect is a `DialectDefinitionError` when the class statement runs. Register an
    instance with `Dialect.add_listener`::

        class MyBot(WechatyListener):
            def on_scan(self, qrcode: str, status: ScanStatus) -> None: ...
            async def on_message(self, message: wechaty.Message) -> None: ...

        dialect(bot, "wechaty").add_listener(MyBot())
    """

    dialect: ClassVar[type[Dialect[Any]]]
    """The dialect class whose vocabulary the hooks follow."""

    def __init_subclass__(cls, dialect: type[Dialect[Any]] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if dialect is not None:
            cls.dialect = dialect
        if getattr(cls, "dialect", None) is None:
            raise DialectDefinitionError(
                f"{cls.__qualname__} must name its dialect: class {cls.__name__}"
                "(DialectListener, dialect=WechatyDialect)"
            )
        known = cls.dialect._hooks
        for attr in vars(cls):
            if attr.startswith("on_") and attr not in known:
                close = difflib.get_close_matches(attr, list(known), n=3, cutoff=0.7)
                hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
                raise DialectDefinitionError(
                    f"{cls.__qualname__}.{attr} is not a {cls.dialect.name} hook{hint} (hooks:"
                    f" {', '.join(sorted(known))})"
                )

    @classmethod
    def hooks(cls) -> Mapping[str, str]:
        """The hooks this class defines, each with the event it listens to."""
        known = cls.dialect._hooks
        return MappingProxyType(
            {
                attr: known[attr]
                for attr in dir(cls)
                if attr in known and callable(getattr(cls, attr))
            }
        )
