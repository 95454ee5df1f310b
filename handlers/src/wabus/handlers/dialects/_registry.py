"""Finding dialects by name, and attaching one to a bot or a bus."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final, Literal, overload

from wabus.core import Bot, CoreEventBus
from wabus.handlers.dialects._base import Dialect
from wabus.handlers.dialects._errors import UnknownDialect
from wabus.handlers.dialects.baileys import BaileysDialect
from wabus.handlers.dialects.livechat import LiveChatDialect
from wabus.handlers.dialects.wechaty import WechatyDialect

__all__ = ["DIALECTS", "dialect"]


class _DialectTable(Mapping[str, type[Dialect[Any]]]):
    """Every dialect class by name: ``wechaty``, ``baileys``, ``livechat`` (read-only)."""

    def __init__(self, *classes: type[Dialect[Any]]) -> None:
        self._by_name = MappingProxyType({cls.name: cls for cls in classes})

    def __getitem__(self, name: str) -> type[Dialect[Any]]:
        return self._by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __repr__(self) -> str:
        return f"DIALECTS({', '.join(self._by_name)})"


DIALECTS: Final[Mapping[str, type[Dialect[Any]]]] = _DialectTable(
    WechatyDialect, BaileysDialect, LiveChatDialect
)
"""Every dialect class by name: ``wechaty``, ``baileys``, ``livechat``."""

_attached: weakref.WeakKeyDictionary[CoreEventBus, dict[str, Dialect[Any]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


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
        for plugin in target.plugins.values():
            if type(plugin) is cls:
                if options:
                    raise ValueError(f"the {name} dialect is a plugin of this bot already")
                return plugin
        bus = target.bus
    elif isinstance(target, CoreEventBus):
        bus = target
    else:
        raise TypeError(f"dialect() takes a Bot or a CoreEventBus, got {target!r}")
    with _lock:
        attached = _attached.setdefault(bus, {})
        found = attached.get(name)
        if found is not None:
            if options:
                raise ValueError(f"the {name} dialect is attached to this bus already")
            return found
        made = cls(**options)
        bus.add_handler(made)
        attached[name] = made
        return made
