"""Payload containers that remember the core event they were projected from.

Baileys and LiveChat payloads are plain JSON-shaped data (dicts, lists, strings), so that a
Python listener sees exactly what a JavaScript one does and the gateway can send them as they
are. `CoreDict`, `CoreList` and `CoreStr` are the `dict`, `list` and `str` subclasses the
dialects hand out instead: equal to the plain value, shown (``repr``) and serialised by
`json` like it, and carrying the originating event in their `core` attribute.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Self

from wabus.core import BaseEvent

__all__ = ["CoreDict", "CoreList", "CoreStr"]


class CoreDict(dict[str, Any]):
    """A `dict` payload; `core` is the core event it was projected from."""

    __slots__ = ("core",)

    core: BaseEvent
    """The core event this payload was projected from."""

    def __init__(self, core: BaseEvent, data: Mapping[str, Any] = {}, /, **fields: Any) -> None:
        super().__init__(data, **fields)
        self.core = core


class CoreList(list[Any]):
    """A `list` payload; `core` is the core event it was projected from."""

    __slots__ = ("core",)

    core: BaseEvent
    """The core event this payload was projected from."""

    def __init__(self, core: BaseEvent, items: Iterable[Any] = (), /) -> None:
        super().__init__(items)
        self.core = core


class CoreStr(str):
    """A `str` payload (or argument); `core` is the core event it was projected from."""

    core: BaseEvent
    """The core event this string was projected from."""

    def __new__(cls, value: str, core: BaseEvent) -> Self:
        made = super().__new__(cls, value)
        made.core = core
        return made
