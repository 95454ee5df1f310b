"""Run core events through a dialect on a bus, recording what it emits (and failing on errors)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wabus.core import BaseEvent, CoreEventBus
from wabus.handlers.dialects import Dialect


@dataclass(frozen=True)
class Emitted:
    """One dialect event, with the core event it came from."""

    core: BaseEvent
    name: str
    args: tuple[Any, ...]


async def record(dialect: Dialect[Any], events: Iterable[BaseEvent]) -> list[Emitted]:
    """Every dialect event `events` produce, in order; raises if a rule or listener failed."""
    errors: list[Exception] = []
    bus = CoreEventBus()
    bus.add_handler(dialect)
    current: list[BaseEvent] = []
    out: list[Emitted] = []
    dialect.on("*", lambda name, *args: out.append(Emitted(current[-1], name, args)))
    for event in events:
        current.append(event)
        errors.extend(failure.error for failure in await bus.publish(event))
    if errors:
        raise errors[0]
    return out


def named(emitted: list[Emitted], name: str) -> list[tuple[Any, ...]]:
    """The arguments of every `name` event."""
    return [item.args for item in emitted if item.name == name]


def of(emitted: list[Emitted], core: BaseEvent) -> list[str]:
    """The names `core` produced, in order."""
    return [item.name for item in emitted if item.core is core]
