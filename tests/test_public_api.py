"""Every public package keeps `__all__` honest: each name exists and is documented."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest

PUBLIC_MODULES = [
    "wabus.core",
    "wabus.core.events",
    "wabus.core.filters",
    "wabus.core.testing",
    "wabus.proto",
    "wabus.protocol",
    "wabus.protocol.server",
    "wabus.handlers",
    "wabus.handlers.channel",
    "wabus.handlers.logging",
    "wabus.handlers.nats",
    "wabus.handlers.dialects",
    "wabus.handlers.dialects.wechaty",
    "wabus.handlers.dialects.baileys",
    "wabus.handlers.dialects.livechat",
    "wabus.handlers.gateway",
    "wabus.handlers.gateway.testing",
    "wabus.client",
    "wabus.simulator",
]

# Names whose documentation lives on the module (type aliases and constants have no __doc__
# of their own that Python keeps).
_DATA_DOC = {
    "Event",
    "EVENT_ADAPTER",
    "EVENT_TYPES",
    "EVENTS_BY_KIND",
    "GroupChange",
    "CallAction",
    "Timestamp",
    "Blob",
    "AttrValue",
    "Content",
    "ErrorHook",
    "EventFilter",
    "HOOKS",
    "PLUGIN_GROUP",
    "DIALECT_GROUP",
    "SERVERS",
    "DEFAULT_QUEUE_SIZE",
    "DEFAULT_HEARTBEAT_INTERVAL",
    "Shape",
    "group_only",
    "direct_only",
    "from_me",
    "not_from_me",
    "has_chat",
}


def _documented(name: str, value: Any) -> bool:
    if name in _DATA_DOC:
        return True
    doc = inspect.getdoc(value)
    return bool(doc and doc.strip())


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_is_honest_and_documented(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert module.__doc__, module_name
    names = getattr(module, "__all__", None)
    assert names is not None, f"{module_name} has no __all__"
    assert len(names) == len(set(names)), "duplicates in __all__"
    for name in names:
        assert hasattr(module, name), f"{module_name}.{name} is in __all__ but missing"
        assert _documented(name, getattr(module, name)), f"{module_name}.{name} has no docstring"


def test_public_classes_document_their_public_methods() -> None:
    import wabus.core as core

    for name in core.__all__:
        value = getattr(core, name)
        if not inspect.isclass(value) or issubclass(value, BaseException):
            continue
        for attr, member in vars(value).items():
            if attr.startswith("_") or not callable(member):
                continue
            assert inspect.getdoc(member), f"wabus.core.{name}.{attr} has no docstring"


def test_the_server_side_of_the_protocol_is_not_in_the_main_namespace() -> None:
    """`wabus.protocol` is the client's; the other end's helpers live in `wabus.protocol.server`
    only, so a name is public in one of the two places."""
    import wabus.protocol as protocol
    import wabus.protocol.server as server

    assert server.__all__
    both = set(server.__all__) & set(protocol.__all__)
    assert not both, f"in both wabus.protocol and wabus.protocol.server: {sorted(both)}"
    for name in server.__all__:
        assert not hasattr(protocol, name), f"wabus.protocol.{name} is still reachable"
