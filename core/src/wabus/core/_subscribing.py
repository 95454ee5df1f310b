"""What a subscription is made of: the event classes it takes, and the filter it may have.

Its own module so that the bus (`wabus.core._bus`) and `EventHandler` (`wabus.core._handler`)
both build on it without importing each other in a cycle: the bus imports the handler, never
the other way round.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Protocol

from wabus.core.events import BaseEvent, Event

__all__ = ["EventFilter", "event_classes"]


class EventFilter(Protocol):
    """A predicate over events; a handler only receives the events it returns True for.

    Any callable taking one event and returning a bool fits (a function, a lambda, a `Filter`).
    It is a Protocol rather than a `Callable` alias so that storing one as a class attribute
    (`EventHandler.event_filter`) does not make type checkers treat it as a method.
    """

    def __call__(self, event: Any, /) -> bool: ...


def event_classes(event_type: object) -> tuple[type[BaseEvent], ...]:
    """Normalise what a caller may subscribe to into a tuple of event classes.

    Accepts an event class (concrete or a base such as `BaseEvent` or `MessageEvent`), the
    `Event` union, a union of event classes (``Message | Receipt``), or a non-empty tuple of
    any of these (as `isinstance` does).
    """
    if event_type is Event:
        return (BaseEvent,)
    if isinstance(event_type, type) and issubclass(event_type, BaseEvent):
        return (event_type,)
    if isinstance(event_type, tuple) and event_type:
        return tuple(dict.fromkeys(c for item in event_type for c in event_classes(item)))
    origin = typing.get_origin(event_type)
    if origin is typing.Annotated:
        return event_classes(typing.get_args(event_type)[0])
    if origin is typing.Union or origin is types.UnionType:
        found: list[type[BaseEvent]] = []
        for arg in typing.get_args(event_type):
            found.extend(event_classes(arg))
        return tuple(dict.fromkeys(found))
    raise TypeError(
        f"expected an event class, a union or tuple of event classes, or Event; got {event_type!r}"
    )
