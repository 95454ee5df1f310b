"""Public names show their public module: in ``__module__``, in tracebacks and in pickles.

Each package's ``__init__`` ends with ``wabus.core.publicize(globals())`` (see
``wabus.core._public``); these tests check that it covers every public class and function,
that what people see (a traceback's last line, a pickle) names the import path they use, and
that pydantic, pickling and the JSON form are unaffected.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pickle
import re
import sys
import traceback
import types

import pytest
from pydantic import BaseModel

from tests import processes
from tests.core.events_fixtures import CONNECTED, message, receipt
from wabus.core import (
    Bot,
    BotConfigError,
    BusNotRunning,
    CoreEventBus,
    HandlerFailure,
    HandlersFailed,
    Jid,
    Overflow,
    publicize,
)
from wabus.core.events import EVENT_ADAPTER, Message, ReceiptType
from wabus.handlers.dialects import UnknownDialect, dialect

# Every package whose public names live in private modules.
PACKAGES = [
    "wabus.core",
    "wabus.core.events",
    "wabus.protocol",
    "wabus.client",
    "wabus.handlers",
    "wabus.handlers.dialects",
    "wabus.handlers.nats",
    "wabus.handlers.gateway",
    "wabus.simulator",
    "wabus.protocol.server",
]


def _exported(package: str) -> list[tuple[str, object]]:
    module = importlib.import_module(package)
    return [
        (name, getattr(module, name))
        for name in module.__all__
        if inspect.isclass(getattr(module, name)) or inspect.isfunction(getattr(module, name))
    ]


def _is_private(module: str) -> bool:
    return any(part.startswith("_") for part in module.split("."))


@pytest.mark.parametrize("package", PACKAGES)
def test_every_public_class_and_function_names_a_public_module(package: str) -> None:
    exported = _exported(package)
    assert exported
    private = [
        f"{name} ({value.__module__})" for name, value in exported if _is_private(value.__module__)
    ]
    assert private == []
    for name, value in exported:
        where = importlib.import_module(value.__module__)
        # What pickle and documentation tools do: find it again by module and qualname.
        assert getattr(where, value.__qualname__) is value, name  # type: ignore[attr-defined]


def test_a_name_belongs_to_the_deepest_public_package_that_exports_it() -> None:
    assert Message.__module__ == "wabus.core.events"
    assert HandlersFailed.__module__ == "wabus.core"
    assert BotConfigError.__module__ == "wabus.core"
    assert UnknownDialect.__module__ == "wabus.handlers.dialects"  # wabus.handlers re-exports it
    assert dialect.__module__ == "wabus.handlers.dialects"


def test_the_last_line_of_a_traceback_names_the_public_class() -> None:
    with pytest.raises(BotConfigError) as caught:
        Bot.builder().with_plugin("no-such-plugin").build()
    last = traceback.format_exception(caught.value)[-1]
    assert last.startswith("wabus.core.BotConfigError: the bot configuration has 1 problem")
    with pytest.raises(UnknownDialect) as unknown:
        dialect(CoreEventBus(), "wechat")
    last = traceback.format_exception(unknown.value)[-1]
    assert last.startswith("wabus.handlers.dialects.UnknownDialect: no dialect named 'wechat'")


def test_an_uncaught_error_names_the_public_class_on_stderr() -> None:
    code = "from wabus.core import Jid; Jid.parse('not a jid@@')"
    result = processes.run([sys.executable, "-c", code], timeout=60)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("wabus.core.InvalidJid: invalid JID"), result.stderr


def _store(event: Message) -> None:
    raise ValueError("disk full")


@pytest.mark.parametrize(
    "value",
    [message(1), receipt(2), CONNECTED, ReceiptType.READ, Overflow.DROP_OLDEST],
    ids=lambda v: type(v).__name__,
)
def test_events_and_enums_pickle_by_their_public_path(value: object) -> None:
    data = pickle.dumps(value)
    assert b"wabus.core.events._" not in data and b"wabus.core._" not in data
    assert pickle.loads(data) == value


def test_errors_pickle_by_their_public_path() -> None:
    error = BusNotRunning("start the bus first")
    data = pickle.dumps(error)
    assert b"wabus.core\x94" in data and b"_errors" not in data
    again = pickle.loads(data)
    assert type(again) is BusNotRunning and again.args == error.args

    bus = CoreEventBus()
    bus.subscribe(Message, _store)
    event = message(1)
    with pytest.raises(HandlersFailed) as caught:
        bus.dispatch(event, raise_errors=True)
    group = pickle.loads(pickle.dumps(caught.value))
    assert type(group) is HandlersFailed
    assert [str(e) for e in group.exceptions] == ["disk full"]
    assert group.failures == (HandlerFailure(_store, event, group.failures[0].error),)


def test_pydantic_models_are_complete_and_their_schema_names_no_module() -> None:
    for package in PACKAGES:
        for name, value in _exported(package):
            if isinstance(value, type) and issubclass(value, BaseModel):
                assert value.__pydantic_complete__, f"{package}.{name}"
    schema = EVENT_ADAPTER.json_schema()
    # Definitions are named by class name alone, as before; no module path leaks in.
    assert all(name.isidentifier() for name in schema["$defs"])
    assert "Message" in schema["$defs"]
    assert not re.search(r"wabus(\.\w+)*\._", json.dumps(schema))
    assert json.loads(message(3).to_json())["type"] == "message"


def test_publicize_changes_only_its_own_private_classes_and_functions() -> None:
    def make(name: str, module: str) -> type:
        cls = types.new_class(name)
        cls.__module__ = module
        return cls

    mine, other, alias = (
        make("Mine", "pkg._impl"),
        make("Other", "elsewhere._impl"),
        make("Real", "pkg._impl"),
    )
    public = make("Public", "pkg.sub")
    namespace: dict[str, object] = {
        "__name__": "pkg",
        "__all__": ["Mine", "Other", "Alias", "Public", "CONSTANT"],
        "Mine": mine,
        "Other": other,
        "Alias": alias,
        "Public": public,
        "CONSTANT": Jid.parse("15550000001@s.whatsapp.net"),
    }
    publicize(namespace)
    assert mine.__module__ == "pkg"
    assert other.__module__ == "elsewhere._impl"  # another package's
    assert alias.__module__ == "pkg._impl"  # exported under another name: pickle could not find it
    assert public.__module__ == "pkg.sub"  # already public
    with pytest.raises(TypeError, match="__all__"):
        publicize({"__name__": "pkg", "__all__": "Mine"})


def test_publicize_from_a_parent_package_claims_its_private_names() -> None:
    # A public module that gathers names from its parent's private modules (wabus.protocol.server).
    mine = type("Mine", (), {"__module__": "pkg._impl"})
    sibling = type("Sibling", (), {"__module__": "pkg.sub._impl"})
    namespace: dict[str, object] = {
        "__name__": "pkg.server",
        "__all__": ["Mine", "Sibling"],
        "Mine": mine,
        "Sibling": sibling,
    }
    publicize(namespace, source="pkg")
    assert mine.__module__ == "pkg.server"
    assert sibling.__module__ == "pkg.server"  # a private module anywhere under pkg
    publicize(namespace, source="other")
    assert mine.__module__ == "pkg.server"  # unchanged: not from other's private modules
