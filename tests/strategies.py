"""Hypothesis strategies for wabus values: JIDs, nodes, and every event kind."""

from __future__ import annotations

import enum
import types
import typing
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from wabus.core import Jid, Node, Server
from wabus.core.events import EVENT_TYPES, BaseEvent, OpenIntEnum, OpenStrEnum, Value

_digits = st.from_regex(r"[0-9]{1,20}", fullmatch=True)


@st.composite
def jids(draw: st.DrawFn, servers: tuple[Server, ...] = tuple(Server)) -> Jid:
    """Any valid JID, including server-only, agent, device and interop forms."""
    server = draw(st.sampled_from(servers))
    if draw(st.integers(0, 9)) == 0:
        return Jid("", server)
    user = (
        draw(
            st.one_of(
                _digits,
                st.sampled_from(["status", "0"]),
                st.from_regex(r"[0-9]{5,12}-[0-9]{5,10}", fullmatch=True),
            )
        )
        if server is not Server.INTEROP
        else draw(_digits)
    )
    agent = draw(st.one_of(st.just(0), st.integers(0, 255)))
    device = draw(st.one_of(st.just(0), st.integers(0, 99), st.integers(0, 0xFFFF)))
    integrator = draw(st.integers(0, 0xFFFF)) if server is Server.INTEROP else 0
    return Jid(user, server, agent=agent, device=device, integrator=integrator)


_tags = st.one_of(
    st.sampled_from(["message", "iq", "receipt", "notification", "enc", "item", "participant"]),
    st.text(min_size=1, max_size=12),
)
_attr_values: st.SearchStrategy[str | Jid] = st.one_of(st.text(max_size=40), jids())


def nodes(max_leaves: int = 12) -> st.SearchStrategy[Node]:
    """Any node tree (attrs of str or Jid; content None, bytes, str or children)."""
    attrs = st.dictionaries(st.text(min_size=1, max_size=10), _attr_values, max_size=5)
    leaf_content = st.one_of(st.none(), st.binary(max_size=300), st.text(max_size=60))
    leaves = st.builds(Node, _tags, attrs, leaf_content)
    return st.recursive(
        leaves,
        lambda children: st.builds(Node, _tags, attrs, st.lists(children, max_size=4)),
        max_leaves=max_leaves,
    )


def _enum_values(cls: type[enum.Enum]) -> st.SearchStrategy[Any]:
    members = st.sampled_from(list(cls))
    if issubclass(cls, OpenIntEnum):
        return st.one_of(members, st.integers(-(2**31), 2**31).map(cls))
    if issubclass(cls, OpenStrEnum):
        return st.one_of(members, st.text(max_size=12).map(cls))
    return members


def strategy_for(annotation: Any) -> st.SearchStrategy[Any]:
    """A strategy for one field annotation of an event or value model."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return strategy_for(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(strategy_for(arg) for arg in typing.get_args(annotation)))
    if origin is tuple:
        item = typing.get_args(annotation)[0]
        return st.lists(strategy_for(item), max_size=3).map(tuple)
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(annotation))
    if annotation is type(None):
        return st.none()
    if annotation is Jid:
        return jids()
    if annotation is Node:
        return nodes(max_leaves=4)
    if annotation is datetime:
        return st.datetimes(timezones=st.just(UTC))
    if annotation is timedelta:
        return st.timedeltas()
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _enum_values(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Value):
        return models(annotation)
    if annotation is bytes:
        return st.binary(max_size=200)
    if annotation is str:
        return st.text(max_size=40)
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(-(2**63), 2**63)
    raise NotImplementedError(f"no strategy for {annotation!r}")  # a new field type: add it here


def models(cls: type[Value]) -> st.SearchStrategy[Any]:
    """Instances of an event or value model with every field drawn (optional ones too)."""
    fields = {
        name: strategy_for(field.annotation)
        for name, field in cls.model_fields.items()
        if name != "type"
    }
    return st.builds(cls, **fields)


def events() -> st.SearchStrategy[BaseEvent]:
    """Any event of any kind."""
    return st.one_of(*(models(cls) for cls in EVENT_TYPES))
