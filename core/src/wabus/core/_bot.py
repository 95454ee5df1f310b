"""`Bot` and its builder: a bus, its handlers and the sources that feed it, run together.

::

    bot = (
        Bot.builder()
        .on(Message, reply)                      # sync or async, repeatable
        .with_handler(MyHandler())
        .with_plugin("logging", level="debug")   # from the "wabus.handlers" entry points
        .with_source(client)                     # anything with `async def run(bus)`
        .build()                                 # validates everything at once
    )
    await bot.run()

`build()` checks every part together and raises one `BotConfigError` listing every problem,
rather than stopping at the first. The `Bot` it returns is immutable.

A bot runs while its sources run: `run()` returns when every source has finished (or at once
if `stop()` is called, or never if it has no sources and nothing stops it). A source that
raises stops the others, and `run()` re-raises its error.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from importlib.metadata import EntryPoint, entry_points
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    NamedTuple,
    Protocol,
    Self,
    TypeVar,
    final,
    overload,
    runtime_checkable,
)

import anyio
import structlog

from wabus.core._bus import CoreEventBus, ErrorHook
from wabus.core._errors import BotConfigError, BusError, WabusError
from wabus.core._handler import EventHandler
from wabus.core._loop import LoopHandle
from wabus.core._policy import DEFAULT_QUEUE_SIZE, DEFAULT_SLOW_HANDLER_THRESHOLD, Overflow
from wabus.core._subscribing import EventFilter, event_classes
from wabus.core.events import BaseEvent

if TYPE_CHECKING:
    from anyio.abc import TaskGroup

    from wabus.handlers.dialects import BaileysDialect, Dialect, LiveChatDialect, WechatyDialect

__all__ = [
    "DIALECT_GROUP",
    "PLUGIN_GROUP",
    "Bot",
    "BotBuilder",
    "Source",
    "available_dialects",
    "available_plugins",
]

PLUGIN_GROUP = "wabus.handlers"
"""The entry-point group where handler plugins are registered."""

DIALECT_GROUP = "wabus.dialects"
"""The entry-point group of dialects, the one registry of them: each name maps to a dialect
class (an `EventHandler` built as ``cls(**options)``).

`Bot.dialect`, `available_dialects`, ``BotBuilder.with_plugin`` and the handlers' typed
``dialect()`` and ``DIALECTS`` all read this group. Entry points are the source, rather than
a table in ``wabus-handlers``, because the core finds dialects without importing that
package, and because a third-party package adds a dialect with one line of its metadata."""

_log = structlog.get_logger("wabus.core.bot")


@runtime_checkable
class Source(Protocol):
    """Anything that produces events: the live client, the simulator, a replay, a test script.

    `run` publishes events into the bus (``await bus.publish(event)``) until it is done or
    cancelled. It is started when the bot starts and cancelled when the bot stops.
    """

    async def run(self, bus: CoreEventBus) -> None:
        """Produce events into `bus` until done."""


def _plugin_entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=PLUGIN_GROUP)}


def _dialect_entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=DIALECT_GROUP)}


def _plugin_factories() -> dict[str, EntryPoint]:
    """What `with_plugin` takes: the `PLUGIN_GROUP` names, and every dialect (a dialect is a
    handler plugin too; a name in both groups is the plugin's)."""
    return _dialect_entry_points() | _plugin_entry_points()


def available_plugins() -> list[str]:
    """The names `BotBuilder.with_plugin` accepts (plugins and dialects), as installed now."""
    return sorted(_plugin_factories())


def available_dialects() -> list[str]:
    """The names `Bot.dialect` accepts, as installed right now."""
    return sorted(_dialect_entry_points())


E = TypeVar("E", bound=BaseEvent)
E2 = TypeVar("E2", bound=BaseEvent)
E3 = TypeVar("E3", bound=BaseEvent)


class _On(NamedTuple):
    """One ``BotBuilder.on`` call, as recorded.

    `on()`'s overloads type what a checked caller passes; the record holds what any caller
    passed (``Any``), because ``build()`` is what checks it, for untyped callers too.
    """

    event_type: Any
    callback: Any
    accepts: Any
    queue_size: Any
    overflow: Any


class BotBuilder:
    """Collects a bot's parts; `build()` validates them all and returns a `Bot`.

    Each method records one part and returns the builder, so calls chain. Nothing is checked
    until `build()`.
    """

    def __init__(self) -> None:
        self._callbacks: list[_On] = []
        self._handlers: list[Any] = []
        self._sources: list[Any] = []
        self._plugins: list[tuple[Any, dict[str, Any]]] = []
        # Typed loosely on purpose: build() checks what untyped callers actually passed.
        self._error_hook: Any = None
        self._queue_size: Any = None
        self._slow_threshold: Any = DEFAULT_SLOW_HANDLER_THRESHOLD
        self._overflow: Any = None

    # The same overloads as CoreEventBus.subscribe: the callback must take what it is given.
    @overload
    def on(
        self,
        event_type: type[E],
        callback: Callable[[E], object],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
    ) -> Self: ...
    @overload
    def on(
        self,
        event_type: tuple[type[E], type[E2]],
        callback: Callable[[E | E2], object],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
    ) -> Self: ...
    @overload
    def on(
        self,
        event_type: tuple[type[E], type[E2], type[E3]],
        callback: Callable[[E | E2 | E3], object],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
    ) -> Self: ...
    @overload
    def on(
        self,
        event_type: tuple[type[E], ...],
        callback: Callable[[E], object],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
    ) -> Self: ...
    @overload
    def on(
        self,
        event_type: types.UnionType,
        callback: Callable[[Any], object],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
    ) -> Self: ...

    def on(
        self,
        event_type: Any,
        callback: Callable[[Any], object],
        *,
        accepts: EventFilter | None = None,
        queue_size: int | None = None,
        overflow: Overflow | None = None,
    ) -> Self:
        """Call `callback(event)` for events of `event_type` (see `CoreEventBus.subscribe`).

        May be called any number of times, also for the same event type: every callback runs.
        """
        self._callbacks.append(_On(event_type, callback, accepts, queue_size, overflow))
        return self

    def with_handler(self, handler: EventHandler) -> Self:
        """Add an `EventHandler`."""
        self._handlers.append(handler)
        return self

    def with_source(self, source: Source) -> Self:
        """Add an event source (anything with ``async def run(bus)``)."""
        self._sources.append(source)
        return self

    def with_plugin(self, name: str, /, **options: Any) -> Self:
        """Add a handler plugin by entry-point name, built as ``factory(**options)``."""
        self._plugins.append((name, options))
        return self

    def on_handler_error(self, hook: ErrorHook) -> Self:
        """Call ``hook(error, handler, event)`` whenever a handler raises."""
        self._error_hook = hook
        return self

    def with_queue(self, size: int | None = None, overflow: Overflow | None = None) -> Self:
        """Default queue size and overflow policy for async handlers (see `Overflow`)."""
        self._queue_size = size
        self._overflow = overflow
        return self

    def with_slow_handler_threshold(self, seconds: float | None) -> Self:
        """Warn when a sync handler holds the event loop longer than `seconds` (None: never).

        The default is `DEFAULT_SLOW_HANDLER_THRESHOLD`; see `wabus.core.in_thread`.
        """
        self._slow_threshold = seconds
        return self

    def build(self) -> Bot:
        """Validate every part and return the `Bot`; raises `BotConfigError` listing problems."""
        problems: list[str] = []
        if self._error_hook is not None and not callable(self._error_hook):
            problems.append(f"on_handler_error: {self._error_hook!r} is not callable")
        if self._queue_size is not None and (
            not isinstance(self._queue_size, int) or self._queue_size < 1
        ):
            problems.append(f"with_queue: size must be a positive int, got {self._queue_size!r}")
        slow = self._slow_threshold
        if slow is not None and (
            isinstance(slow, bool) or not isinstance(slow, int | float) or not slow > 0
        ):
            problems.append(
                f"with_slow_handler_threshold: seconds must be positive or None, got {slow!r}"
            )
        overflow = self._overflow
        if overflow is not None:
            try:
                overflow = Overflow(overflow)
            except ValueError:
                problems.append(f"with_queue: unknown overflow policy {overflow!r}")

        for index, (event_type, callback, accepts, queue_size, cb_overflow) in enumerate(
            self._callbacks
        ):
            where = f"on() #{index + 1}"
            try:
                event_classes(event_type)
            except TypeError as err:
                problems.append(f"{where}: {err}")
            if not callable(callback):
                problems.append(f"{where}: callback {callback!r} is not callable")
            if accepts is not None and not callable(accepts):
                problems.append(f"{where}: accepts {accepts!r} is not callable")
            if queue_size is not None and (not isinstance(queue_size, int) or queue_size < 1):
                problems.append(f"{where}: queue_size must be a positive int, got {queue_size!r}")
            if cb_overflow is not None and cb_overflow not in tuple(Overflow):
                problems.append(f"{where}: unknown overflow policy {cb_overflow!r}")

        handlers: list[EventHandler] = []
        for handler in self._handlers:
            if not isinstance(handler, EventHandler):
                problems.append(f"with_handler: {handler!r} is not an EventHandler")
            elif any(handler is seen for seen in handlers):
                problems.append(f"with_handler: {handler!r} was given twice")
            else:
                handlers.append(handler)

        for source in self._sources:
            run = getattr(source, "run", None)
            if run is None or not inspect.iscoroutinefunction(run):
                problems.append(
                    f"with_source: {source!r} is not a Source (it needs `async def run(bus)`)"
                )

        plugins: dict[str, EventHandler] = {}
        installed = _plugin_factories()
        for name, options in self._plugins:
            where = f"with_plugin({name!r})"
            if not isinstance(name, str) or name not in installed:
                known = ", ".join(sorted(installed)) or "none installed"
                problems.append(f"{where}: no such plugin (available: {known})")
                continue
            if name in plugins:
                problems.append(f"{where}: added twice")
                continue
            try:
                factory = installed[name].load()
            except Exception as err:
                problems.append(f"{where}: could not load {installed[name].value}: {err!r}")
                continue
            try:
                plugin = factory(**options)
            except Exception as err:
                problems.append(f"{where}: could not build it with {options!r}: {err!r}")
                continue
            if not isinstance(plugin, EventHandler):
                problems.append(f"{where}: the factory returned {plugin!r}, not an EventHandler")
                continue
            plugins[name] = plugin

        if problems:
            raise BotConfigError(problems)

        bus = CoreEventBus(
            on_handler_error=self._error_hook,
            queue_size=self._queue_size or DEFAULT_QUEUE_SIZE,
            overflow=overflow or Overflow.WAIT,
            slow_handler_threshold=self._slow_threshold,
        )
        for event_type, callback, accepts, queue_size, cb_overflow in self._callbacks:
            bus.subscribe(
                event_type, callback, accepts=accepts, queue_size=queue_size, overflow=cb_overflow
            )
        for handler in handlers:
            bus.add_handler(handler)
        for plugin in plugins.values():
            bus._adopt(plugin)  # attached for its class: Bot.dialect finds a dialect plugin
        return Bot(bus, tuple(handlers), tuple(self._sources), MappingProxyType(plugins))


@final
class Bot:
    """A built bot: its bus, handlers, plugins and sources. Build one with `Bot.builder()`.

    Run it with ``await bot.run()``, or ``async with bot:`` to run it alongside other code
    (the bus runs and the sources start on entry; on exit the sources are cancelled and the
    async handlers finish what they have queued).
    """

    __slots__ = (
        "_bus",
        "_failure",
        "_finished",
        "_handlers",
        "_loop",
        "_plugins",
        "_remaining",
        "_sources",
        "_stack",
        "_task_group",
    )

    def __init__(
        self,
        bus: CoreEventBus,
        handlers: tuple[EventHandler, ...],
        sources: tuple[Source, ...],
        plugins: Mapping[str, EventHandler],
    ) -> None:
        self._bus = bus
        self._handlers = handlers
        self._sources = sources
        self._plugins = plugins
        self._stack: AsyncExitStack | None = None
        self._task_group: TaskGroup | None = None
        self._finished: anyio.Event | None = None
        self._loop: LoopHandle | None = None
        self._failure: BaseException | None = None
        self._remaining = 0

    @staticmethod
    def builder() -> BotBuilder:
        """A new, empty `BotBuilder`."""
        return BotBuilder()

    @property
    def bus(self) -> CoreEventBus:
        """The bot's event bus; subscribe to it or dispatch into it directly if you like."""
        return self._bus

    @property
    def handlers(self) -> tuple[EventHandler, ...]:
        """The handlers given with `with_handler`, in order."""
        return self._handlers

    @property
    def plugins(self) -> Mapping[str, EventHandler]:
        """The plugin handlers, by name."""
        return self._plugins

    @property
    def sources(self) -> tuple[Source, ...]:
        """The event sources, in order."""
        return self._sources

    async def __aenter__(self) -> Self:
        if self._stack is not None:
            raise BusError("the bot is already running")
        stack = AsyncExitStack()
        await stack.__aenter__()
        try:
            await stack.enter_async_context(self._bus)
            self._task_group = await stack.enter_async_context(anyio.create_task_group())
        except BaseException:
            await stack.__aexit__(None, None, None)
            raise
        self._stack = stack
        self._loop = LoopHandle()
        self._finished = anyio.Event()
        self._failure = None
        self._remaining = len(self._sources)
        for source in self._sources:
            self._task_group.start_soon(self._run_source, source, name=f"wabus source {source!r}")
        return self

    async def __aexit__(self, *exc_info: Any) -> bool | None:
        stack, task_group = self._stack, self._task_group
        assert stack is not None
        assert task_group is not None
        task_group.cancel_scope.cancel()
        try:
            return await stack.__aexit__(*exc_info)
        finally:
            self._stack = self._task_group = self._loop = None

    async def _run_source(self, source: Source) -> None:
        try:
            await source.run(self._bus)
        except Exception as err:
            if isinstance(err, WabusError):  # a typed failure says what went wrong
                _log.error("event source failed", source=repr(source), error=str(err))
            else:  # anything else is a bug somewhere: keep its traceback
                _log.error("event source failed", source=repr(source), exc_info=err)
            if self._failure is None:
                self._failure = err
            self._finish()
        finally:
            self._remaining -= 1
            if self._remaining == 0:
                self._finish()

    def _finish(self) -> None:
        if self._finished is not None:
            self._finished.set()

    # Typed by name when wabus-handlers is installed (type checkers only: core never imports
    # it at run time); any other name gives the handlers' generic Dialect.
    @overload
    def dialect(self, name: Literal["wechaty"], /, **options: Any) -> WechatyDialect: ...
    @overload
    def dialect(self, name: Literal["baileys"], /, **options: Any) -> BaileysDialect: ...
    @overload
    def dialect(self, name: Literal["livechat"], /, **options: Any) -> LiveChatDialect: ...
    @overload
    def dialect(self, name: str, /, **options: Any) -> Dialect[Any]: ...

    def dialect(self, name: str, /, **options: Any) -> Any:
        """This bot's events under another ecosystem's names: ``bot.dialect("wechaty")``.

        Dialects are found through the `DIALECT_GROUP` entry points (``wabus-handlers``
        provides ``wechaty``, ``baileys`` and ``livechat``). The first call attaches the dialect
        to the bot's bus, built with `options` (see `CoreEventBus.attach`); later calls return
        the same one, so its state is shared, and a dialect added with ``with_plugin`` is that
        one. Attach it before the bot runs, or it misses the events before. Raises
        `BotConfigError` for a name no installed package provides, listing those that are,
        and `ValueError` for options given when the dialect is attached already.
        """
        found = _dialect_entry_points().get(name)
        if found is None:
            known = ", ".join(available_dialects()) or "none are installed"
            raise BotConfigError([f"dialect {name!r} is not installed (available: {known})"])
        cls = found.load()
        if not (isinstance(cls, type) and issubclass(cls, EventHandler)):
            raise BotConfigError([f"dialect {name!r}: {found.value} is not an EventHandler class"])
        return self._bus.attach(cls, **options)

    def stop(self) -> None:
        """Make `run()` return soon. Safe from any thread and from handlers."""
        loop = self._loop
        if loop is None:
            return
        if loop.in_loop_thread():
            self._finish()
        else:
            loop.call_soon(self._finish)

    async def wait(self) -> None:
        """Inside ``async with bot:``, wait until every source finished or `stop()` was called."""
        if self._finished is None:
            raise BusError("the bot is not running (use `async with bot:` or `run()`)")
        if self._sources and self._remaining == 0:
            return
        await self._finished.wait()

    async def run(self) -> None:
        """Run until every source has finished or `stop()` is called.

        Re-raises the error of the first source that failed.
        """
        async with self:
            await self.wait()
        if self._failure is not None:
            raise self._failure
