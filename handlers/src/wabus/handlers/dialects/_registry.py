"""Finding dialects by name, and attaching one to a bot or a bus.

There is one registry of dialects: the ``wabus.dialects`` entry points
(`wabus.core.DIALECT_GROUP`), each name mapping to its dialect class. `DIALECTS` is a read-only
view of that group, and `dialect()` is `wabus.core.Bot.dialect` with precise return types
that also takes a bare bus. The entry points, not a table here, are the source because the
core must find dialects without importing this package, and because another package adds a
dialect with one line of its metadata. An attached dialect lives on its bus
(`wabus.core.CoreEventBus.attach`), one per class, for as long as the bus does.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points
from typing import Any, Final, Literal, overload

from wabus.core import DIALECT_GROUP, Bot, CoreEventBus
from wabus.handlers.dialects._base import Dialect
from wabus.handlers.dialects._errors import DialectDefinitionError, UnknownDialect
from wabus.handlers.dialects.baileys import BaileysDialect
from wabus.handlers.dialects.livechat import LiveChatDialect
from wabus.handlers.dialects.wechaty import WechatyDialect

__all__ = ["DIALECTS", "dialect"]


@functools.cache
def _installed() -> dict[str, type[Dialect[Any]]]:
    """Every installed dialect class by entry-point name, loaded once (sorted by name)."""
    found: dict[str, type[Dialect[Any]]] = {}
    for point in sorted(entry_points(group=DIALECT_GROUP), key=lambda p: p.name):
        cls = point.load()
        if not (isinstance(cls, type) and issubclass(cls, Dialect)):
            raise DialectDefinitionError(
                f"the {DIALECT_GROUP} entry point {point.name!r} names {point.value},"
                " which is not a Dialect class"
            )
        if cls.name != point.name:
            raise DialectDefinitionError(
                f"the {DIALECT_GROUP} entry point {point.name!r} names {cls.__qualname__},"
                f" whose name is {cls.name!r}"
            )
        found[point.name] = cls
    return found


class _DialectTable(Mapping[str, type[Dialect[Any]]]):
    """Every installed dialect class by name, read from the entry points (read-only)."""

    def __getitem__(self, name: str) -> type[Dialect[Any]]:
        return _installed()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_installed())

    def __len__(self) -> int:
        return len(_installed())

    def __repr__(self) -> str:
        return f"DIALECTS({', '.join(self)})"


DIALECTS: Final[Mapping[str, type[Dialect[Any]]]] = _DialectTable()
"""Every installed dialect class by name (``wabus-handlers`` has ``baileys``, ``livechat`` and
``wechaty``): a view of the `wabus.core.DIALECT_GROUP` entry points."""


@overload
def dialect(
    target: Bot | CoreEventBus, name: Literal["wechaty"], /, **options: Any
) -> WechatyDialect: ...
@overload
def dialect(
    target: Bot | CoreEventBus, name: Literal["baileys"], /, **options: Any
) -> BaileysDialect: ...
@overload
def dialect(
    target: Bot | CoreEventBus, name: Literal["livechat"], /, **options: Any
) -> LiveChatDialect: ...
@overload
def dialect(target: Bot | CoreEventBus, name: str, /, **options: Any) -> Dialect[Any]: ...


def dialect(target: Bot | CoreEventBus, name: str, /, **options: Any) -> Dialect[Any]:
    """The dialect `name` of a bot (or bus), attached on first use; the same one afterwards.

    For a `Bot` built with ``with_plugin(name, …)``, that plugin is returned. Otherwise the
    dialect is built with `options` and added to the bus, once per bus: later calls return the
    same instance, so its state (logins, subjects seen, …) is shared. Attach dialects before
    the bot runs, or they miss the events before. Raises `UnknownDialect` listing the names,
    and `ValueError` when options are given for a dialect that is already attached.
    Thread-safe.
    """
    cls = DIALECTS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise UnknownDialect(name, DIALECTS)
    if isinstance(target, Bot):
        bus = target.bus
    elif isinstance(target, CoreEventBus):
        bus = target
    else:
        raise TypeError(f"dialect() takes a Bot or a CoreEventBus, got {target!r}")
    return bus.attach(cls, **options)
