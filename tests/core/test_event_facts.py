"""Every event kind's own facts (`BaseEvent.source_field`, `chat_field`, `identified`) hold.

The facts live on the event classes, nowhere else: these tests read each class's fields to
check that what it declares is true of it (the named field exists, is required and has the
right type), that a kind which carries a sender's source or a message id declares so, and
that the filters that read them (`filters.source_of`, `filters.chat_of`) give what the
declaration says for any event of the kind. The NATS bridge's use of `identified` is checked
in ``tests/handlers/nats/test_names.py``.
"""

from __future__ import annotations

import types
import typing
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings

from tests.strategies import models
from wabus.core import Jid, Node, filters
from wabus.core.events import (
    EVENT_TYPES,
    BaseEvent,
    ChatPresence,
    Connected,
    Message,
    MessageEvent,
    MessageInfo,
    MessageSource,
    PinUpdate,
    Presence,
    Receipt,
    StarUpdate,
)

# BaseEvent and the abstract category bases (MessageEvent, ...) between it and the kinds.
BASES = frozenset(
    base
    for cls in EVENT_TYPES
    for base in cls.__mro__[1:]
    if isinstance(base, type) and issubclass(base, BaseEvent)
)


def _required_type(cls: type[Any], name: str) -> Any:
    """The annotation of `cls`'s required, non-optional field `name` (fails otherwise)."""
    fields = cls.model_fields
    assert name in fields, f"{cls.__name__} has no field {name!r}"
    field = fields[name]
    annotation = field.annotation
    assert field.is_required(), f"{cls.__name__}.{name} is not required"
    assert type(None) not in typing.get_args(annotation), f"{cls.__name__}.{name} is optional"
    assert not isinstance(annotation, types.UnionType), f"{cls.__name__}.{name} is a union"
    return annotation


def _resolve(cls: type[Any], path: str) -> Any:
    """The type at the dotted field `path` of model `cls`, every step required."""
    current = cls
    for name in path.split("."):
        current = _required_type(current, name)
    return current


def _required_fields_of(cls: type[BaseEvent], wanted: type) -> list[str]:
    return [
        name
        for name, field in cls.model_fields.items()
        if field.is_required() and field.annotation is wanted
    ]


def _identifying_fields(cls: type[BaseEvent]) -> list[str]:
    """Fields that can tell one occurrence from another: a required timestamp, message info,
    a stanza id, or the raw stanza or blob itself."""
    found = []
    for name, field in cls.model_fields.items():
        annotation = field.annotation
        required = field.is_required() and annotation in (datetime, MessageInfo)
        if required or name == "stanza_id" or (name == "raw" and annotation in (bytes, Node)):
            found.append(name)
    return found


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_every_kinds_declared_facts_are_true_of_its_fields(cls: type[BaseEvent]) -> None:
    if cls.source_field is not None:
        assert _resolve(cls, cls.source_field) is MessageSource
        assert cls.chat_field is None, "a kind with a source has its source's chat"
    if cls.chat_field is not None:
        assert "." not in cls.chat_field
        assert _resolve(cls, cls.chat_field) is Jid
    if cls.identified:
        assert _identifying_fields(cls), f"{cls.__name__} is identified by nothing it carries"


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_a_kind_that_carries_a_source_or_message_info_declares_it(cls: type[BaseEvent]) -> None:
    # The converse: nothing a kind carries is left undeclared.
    sources = _required_fields_of(cls, MessageSource)
    infos = _required_fields_of(cls, MessageInfo)
    expected = [f"{name}.source" for name in infos] + sources
    assert len(expected) <= 1, f"{cls.__name__} has two sources: {expected}"
    assert cls.source_field == (expected[0] if expected else None)
    if infos:
        assert cls.identified, f"{cls.__name__} carries a message id and is not identified"


def test_category_bases_and_the_root_declare_no_facts() -> None:
    assert {BaseEvent, MessageEvent} <= BASES
    for base in BASES:
        assert (base.source_field, base.chat_field, base.identified) == (None, None, False), base


def test_the_facts_of_some_well_known_kinds() -> None:
    # What the bridge and the filters were built on; a change here changes their behaviour.
    assert (Message.source_field, Message.identified) == ("info.source", True)
    assert (Receipt.source_field, Receipt.identified) == ("source", True)
    assert (ChatPresence.source_field, ChatPresence.identified) == ("source", False)
    assert (PinUpdate.chat_field, StarUpdate.chat_field) == ("jid", "chat_jid")
    assert Presence.chat_field is None  # a contact's presence is not about a chat
    assert not Connected.identified  # every reconnection has the same JSON


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_source_of_and_chat_of_read_what_the_kind_declares(cls: type[BaseEvent]) -> None:
    @settings(max_examples=10)
    @given(models(cls))
    def check(event: BaseEvent) -> None:
        source = filters.source_of(event)
        chat = filters.chat_of(event)
        if cls.source_field is not None:
            expected: Any = event
            for name in cls.source_field.split("."):
                expected = getattr(expected, name)
            assert isinstance(expected, MessageSource)
            assert source is expected
            assert chat == expected.chat
        else:
            assert source is None
            if cls.chat_field is not None:
                assert chat is not None and chat is getattr(event, cls.chat_field)
            else:
                assert chat is None

    check()
