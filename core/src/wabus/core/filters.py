"""Composable event filters.

A `Filter` is a predicate over events that combines with ``&``, ``|`` and ``~``::

    from wabus.core import filters

    class SupportDesk(EventHandler):
        event_filter = filters.in_chat("120363000000000001@g.us") & filters.not_from_me

Use one as an `EventHandler.event_filter`, as ``accepts=`` of `CoreEventBus.subscribe`, or
call it yourself. Chat and sender filters reject events that have no chat or no sender (a
`Connected`, say); combine with `has_chat` (``filters.in_chat(x) | ~filters.has_chat``) to let
those through.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, final

from wabus.core._jid import Jid
from wabus.core._subscribing import event_classes
from wabus.core.events import BaseEvent, MessageSource

__all__ = [
    "Filter",
    "chat_of",
    "direct_only",
    "from_me",
    "from_sender",
    "group_only",
    "has_chat",
    "in_chat",
    "kinds",
    "not_from_me",
    "source_of",
]


@final
class Filter:
    """A named event predicate that composes with ``&``, ``|`` and ``~``."""

    __slots__ = ("_label", "_predicate")

    def __init__(self, predicate: Callable[[Any], bool], label: str) -> None:
        self._predicate = predicate
        self._label = label

    def __call__(self, event: BaseEvent) -> bool:
        return bool(self._predicate(event))

    def __and__(self, other: Filter) -> Filter:
        left, right = self._predicate, other._predicate
        return Filter(lambda e: left(e) and right(e), f"({self._label} & {other._label})")

    def __or__(self, other: Filter) -> Filter:
        left, right = self._predicate, other._predicate
        return Filter(lambda e: left(e) or right(e), f"({self._label} | {other._label})")

    def __invert__(self) -> Filter:
        inner = self._predicate
        return Filter(lambda e: not inner(e), f"~{self._label}")

    def __repr__(self) -> str:
        return f"<Filter {self._label}>"


@functools.cache
def _getter(path: str) -> Callable[[Any], object]:
    """A reader of the dotted attribute `path` (one per path, kept)."""
    return operator.attrgetter(path)


def source_of(event: BaseEvent) -> MessageSource | None:
    """The `MessageSource` of a message, receipt or typing event, else None.

    Read from where the event's class says it is (`BaseEvent.source_field`).
    """
    path = type(event).source_field
    if path is None:
        return None
    source = _getter(path)(event)
    return source if isinstance(source, MessageSource) else None


def chat_of(event: BaseEvent) -> Jid | None:
    """The chat an event belongs to (a user, group or broadcast JID), or None.

    The chat of its source (`source_of`), or the field its class names as its chat
    (`BaseEvent.chat_field`).
    """
    source = source_of(event)
    if source is not None:
        return source.chat
    field = type(event).chat_field
    if field is None:
        return None
    value = getattr(event, field)
    return value if isinstance(value, Jid) else None


def _jids(values: tuple[Jid | str, ...]) -> frozenset[Jid]:
    if not values:
        raise ValueError("give at least one JID")
    return frozenset((v if isinstance(v, Jid) else Jid.parse(v)).to_non_ad() for v in values)


def in_chat(*chats: Jid | str) -> Filter:
    """Events that belong to one of these chats."""
    wanted = _jids(chats)

    def predicate(event: BaseEvent) -> bool:
        chat = chat_of(event)
        return chat is not None and chat.to_non_ad() in wanted

    return Filter(predicate, f"in_chat({', '.join(sorted(map(str, wanted)))})")


def from_sender(*senders: Jid | str) -> Filter:
    """Messages, receipts and typing events from one of these users (any of their devices)."""
    wanted = _jids(senders)

    def predicate(event: BaseEvent) -> bool:
        source = source_of(event)
        return source is not None and source.sender.to_non_ad() in wanted

    return Filter(predicate, f"from_sender({', '.join(sorted(map(str, wanted)))})")


def kinds(*event_types: Any) -> Filter:
    """Events of these classes (or categories, or unions of them)."""
    classes: list[type[BaseEvent]] = []
    for event_type in event_types:
        classes.extend(event_classes(event_type))
    wanted = tuple(classes)
    return Filter(
        lambda e: isinstance(e, wanted), f"kinds({', '.join(c.__name__ for c in wanted)})"
    )


def _group(event: BaseEvent) -> bool:
    chat = chat_of(event)
    return chat is not None and chat.is_group


def _direct(event: BaseEvent) -> bool:
    chat = chat_of(event)
    return chat is not None and (chat.is_user or chat.is_lid)


def _from_me(event: BaseEvent) -> bool:
    source = source_of(event)
    return source is not None and source.is_from_me


def _not_from_me(event: BaseEvent) -> bool:
    source = source_of(event)
    return source is not None and not source.is_from_me


has_chat = Filter(lambda e: chat_of(e) is not None, "has_chat")
"""Events that belong to a chat."""
group_only = Filter(_group, "group_only")
"""Events in group chats."""
direct_only = Filter(_direct, "direct_only")
"""Events in one-to-one chats."""
from_me = Filter(_from_me, "from_me")
"""Messages, receipts and typing events that we sent (from any of our devices)."""
not_from_me = Filter(_not_from_me, "not_from_me")
"""Messages, receipts and typing events from someone else."""
