"""The root of every exception wabus raises, and the core area's own errors.

Each area (core, protocol, handlers) has one root under `WabusError`, so a caller can catch
everything from wabus, or only one area, or one precise condition. Errors that are also a
standard kind of mistake (a bad value, a bad class definition) subclass the matching built-in
too, so `except ValueError` keeps working for people who do not know our names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wabus.core.events import BaseEvent

__all__ = [
    "BotConfigError",
    "BusError",
    "BusNotRunning",
    "HandlerFailure",
    "HandlersFailed",
    "HookDefinitionError",
    "InvalidJid",
    "NodeAttributeError",
    "NodeError",
    "QueueFull",
    "WabusError",
]


class WabusError(Exception):
    """Root of every error raised by wabus."""


class InvalidJid(WabusError, ValueError):
    """A JID string or JID part is not valid.

    `value` is what was given and `reason` says what is wrong with it.
    """

    def __init__(self, value: object, reason: str) -> None:
        super().__init__(f"invalid JID {value!r}: {reason}")
        self.value = value
        self.reason = reason


class NodeError(WabusError, ValueError):
    """Root of errors about a decoded `Node`'s shape (as opposed to its wire bytes)."""


class NodeAttributeError(NodeError, KeyError):
    """A node lacks a required attribute, or the attribute's value has the wrong form.

    `tag` is the node's tag, `key` the attribute, `value` what was found (None when missing) and
    `reason` a short description.
    """

    def __init__(self, tag: str, key: str, value: Any, reason: str) -> None:
        super().__init__(f"<{tag}> attribute {key!r}: {reason}")
        self.tag = tag
        self.key = key
        self.value = value
        self.reason = reason

    def __str__(self) -> str:  # KeyError would quote the message again
        return str(self.args[0])


class BusError(WabusError):
    """Root of errors raised by the `CoreEventBus`."""


class BusNotRunning(BusError, RuntimeError):
    """An operation needs the bus to be running on an event loop (`async with bus:`)."""


class QueueFull(BusError):
    """An async handler's queue is full and its overflow policy says to raise.

    Raised to the producer of the event, after every other handler has received it. `handler`
    is the callback whose queue was full and `event` the event that could not be queued.
    """

    def __init__(self, handler: object, event: object, reason: str = "queue is full") -> None:
        super().__init__(f"{reason}: handler {handler!r} did not take {type(event).__name__}")
        self.handler = handler
        self.event = event
        self.reason = reason


@dataclass(frozen=True, slots=True)
class HandlerFailure:
    """One handler that raised on one event: what `CoreEventBus.publish` and ``dispatch`` return.

    `handler` is the callback as it was subscribed (the bound hook method for an
    `EventHandler`), `event` the event it was given and `error` what it raised.
    """

    handler: Callable[..., Any]
    """The callback that raised."""
    event: BaseEvent
    """The event it was handling."""
    error: Exception
    """The exception it raised."""


class HandlersFailed(BusError, ExceptionGroup[Exception]):
    """Raised by ``publish(event, raise_errors=True)`` (or ``dispatch``) when handlers raised.

    An `ExceptionGroup` of the handlers' exceptions, in the order the handlers ran, so
    ``except* SomeError`` picks out one kind. `failures` has the same failures with the
    handler and event of each (`HandlerFailure`); `event` is the event that was delivered.
    Every handler still had its turn before this was raised.
    """

    event: BaseEvent
    failures: tuple[HandlerFailure, ...]

    @classmethod
    def of(cls, event: BaseEvent, failures: Sequence[HandlerFailure]) -> HandlersFailed:
        """The group for `failures` (at least one) of handlers of `event`."""
        kind = getattr(event, "type", type(event).__name__)
        group = cls(
            f"{len(failures)} handler(s) failed on a {kind} event", [f.error for f in failures]
        )
        group.event = event
        group.failures = tuple(failures)
        return group


class HookDefinitionError(WabusError, TypeError):
    """An `EventHandler` subclass defines a hook wrongly (misspelt, wrong signature or type).

    Raised when the class statement runs, so the mistake shows at import time.
    """


class BotConfigError(WabusError, ValueError):
    """`BotBuilder.build()` found one or more problems; `problems` lists every one of them."""

    def __init__(self, problems: list[str]) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the bot configuration has {len(problems)} problem(s):\n{lines}")
        self.problems = tuple(problems)
