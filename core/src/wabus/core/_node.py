"""`Node`: one element of the protocol's binary XML, as a plain value.

A stanza on the wire is a tree of nodes. Each node has a tag, ordered attributes whose values
are strings or JIDs, and content that is nothing, raw bytes, a string, or a sequence of child
nodes. The wire codec (`wabus.protocol`) turns bytes into nodes and back; the router reads them
through the typed getters here; and raw events (`Notification`, `StreamError`, …) carry them so
that nothing the router did not model is lost.

Nodes are values: they compare by tag, attributes in order, and content, and they are
hashable. Treat them as immutable (the type annotations say so; mypy enforces it).

In a pydantic model a `Node` field accepts a `Node` or its JSON form, and serialises to JSON as
``{"tag": ..., "attrs": {name: "text" | {"jid": "..."}}, "content": null | "text" |
{"bytes": "<base64>"} | [node, ...]}``, which reads back into an equal node.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final, TypeAlias, final

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from wabus.core._errors import InvalidJid, NodeAttributeError, NodeError
from wabus.core._jid import Jid

__all__ = [
    "INT_ATTR_MAX",
    "INT_ATTR_MIN",
    "MAX_DURATION_SECONDS",
    "MAX_UNIX_TIME",
    "AttrValue",
    "Content",
    "Node",
]

AttrValue: TypeAlias = str | Jid
"""The type of a node attribute value."""

Content: TypeAlias = "tuple[Node, ...] | bytes | str | None"
"""The type of a node's content."""

_EMPTY_ATTRS: Mapping[str, AttrValue] = MappingProxyType({})
_NO_CHILDREN: tuple[Node, ...] = ()
_object_new = object.__new__

# How much binary content `str()` shows before eliding the rest.
_SHOW_BYTES = 24

INT_ATTR_MIN: Final = -(2**63)
"""The smallest integer an attribute may carry (the protocol's integers are 64-bit)."""
INT_ATTR_MAX: Final = 2**63 - 1
"""The largest integer an attribute may carry."""
MAX_UNIX_TIME: Final = 253_402_300_799
"""The last second `datetime` can represent (9999-12-31T23:59:59Z): the bound of time attributes."""
MAX_DURATION_SECONDS: Final = 100 * 366 * 86_400
"""The longest duration (a century) a seconds attribute may carry."""
_MAX_DIGITS: Final = len(str(INT_ATTR_MAX))  # longer is out of range without converting it


@final
class Node:
    """One binary-XML element: `tag`, ordered `attrs`, and `content`.

    `content` is None, `bytes`, `str`, or a tuple of child `Node`s (a list given to the
    constructor is stored as a tuple).
    """

    __slots__ = ("attrs", "content", "tag")

    tag: Final[str]  # type: ignore[misc]
    """The element name, e.g. ``message``."""
    attrs: Final[Mapping[str, AttrValue]]  # type: ignore[misc]
    """Attributes in wire order."""
    content: Final[Content]  # type: ignore[misc]
    """None, raw bytes, a string, or the child nodes."""

    def __init__(
        self,
        tag: str,
        attrs: Mapping[str, AttrValue] | None = None,
        content: Content | list[Node] = None,
    ) -> None:
        if not isinstance(tag, str):
            raise NodeError(f"a node tag must be a str, got {type(tag).__name__}")
        if attrs:
            for key, value in attrs.items():
                _check_attr(tag, key, value)
            attrs = MappingProxyType(dict(attrs))
        else:
            attrs = _EMPTY_ATTRS
        object.__setattr__(self, "tag", tag)
        object.__setattr__(self, "attrs", attrs)
        object.__setattr__(self, "content", _check_content(tag, content))

    @classmethod
    def trusted(cls, tag: str, attrs: Mapping[str, AttrValue], content: Content) -> Node:
        """Build a node from parts the caller has already checked, without copying.

        For decoders on a hot path: `attrs` is kept as given (do not mutate it afterwards)
        and `content` must already be None, bytes, str or a tuple of nodes.
        """
        node = _object_new(cls)
        object.__setattr__(node, "tag", tag)
        object.__setattr__(node, "attrs", attrs)
        object.__setattr__(node, "content", content)
        return node

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Node is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Node is immutable; cannot delete {name!r}")

    # Attribute getters --------------------------------------------------------------------

    def has_attr(self, key: str) -> bool:
        """Whether the attribute is present."""
        return key in self.attrs

    def attr(self, key: str) -> str:
        """A required attribute as a string (a JID value gives its string form).

        Raises `NodeAttributeError` when it is missing.
        """
        try:
            value = self.attrs[key]
        except KeyError:
            raise NodeAttributeError(self.tag, key, None, "is missing") from None
        return value if type(value) is str else str(value)

    def opt_attr(self, key: str, default: str | None = None) -> str | None:
        """An optional attribute as a string, or `default` when it is missing."""
        value = self.attrs.get(key)
        if value is None:
            return default
        return value if type(value) is str else str(value)

    def jid(self, key: str) -> Jid:
        """A required attribute as a `Jid`; a string value is parsed.

        Raises `NodeAttributeError` when it is missing or not a JID.
        """
        try:
            value = self.attrs[key]
        except KeyError:
            raise NodeAttributeError(self.tag, key, None, "is missing") from None
        return self._as_jid(key, value)

    def opt_jid(self, key: str) -> Jid | None:
        """An optional attribute as a `Jid`, or None when it is missing or empty.

        Raises `NodeAttributeError` when it is present but not a JID.
        """
        value = self.attrs.get(key)
        if value is None or value == "":
            return None
        return self._as_jid(key, value)

    def _as_jid(self, key: str, value: AttrValue) -> Jid:
        if type(value) is Jid:
            return value
        try:
            return Jid.parse(value)
        except InvalidJid as err:
            raise NodeAttributeError(self.tag, key, value, f"is not a JID ({err.reason})") from err

    # Every numeric getter goes through `_as_int`: the one place where attribute integers are
    # parsed and range-checked, so no caller ever sees an OverflowError from a value the
    # peer chose (a time in the year 10^12, a duration of 2^70 seconds).

    def int_attr(
        self, key: str, *, minimum: int = INT_ATTR_MIN, maximum: int = INT_ATTR_MAX
    ) -> int:
        """A required attribute as a decimal integer in ``[minimum, maximum]``.

        Raises `NodeAttributeError` when it is missing, not a decimal integer, or out of range
        (by default, the signed 64-bit range the protocol's integers use).
        """
        return self._as_int(key, self.attr(key), minimum, maximum)

    def opt_int_attr(
        self,
        key: str,
        default: int | None = None,
        *,
        minimum: int = INT_ATTR_MIN,
        maximum: int = INT_ATTR_MAX,
    ) -> int | None:
        """An optional attribute as a decimal integer in range, or `default` when missing or
        empty. Raises `NodeAttributeError` when present but not an integer in range."""
        value = self.opt_attr(key)
        if value is None or value == "":
            return default
        return self._as_int(key, value, minimum, maximum)

    def _as_int(self, key: str, value: str, minimum: int, maximum: int) -> int:
        digits = value[1:] if value[:1] == "-" else value
        if not digits.isascii() or not digits.isdigit():
            raise NodeAttributeError(self.tag, key, value, "is not a decimal integer")
        if len(digits.lstrip("0")) > _MAX_DIGITS:
            raise NodeAttributeError(self.tag, key, value, "is out of range")
        number = int(value)
        if not minimum <= number <= maximum:
            raise NodeAttributeError(
                self.tag, key, value, f"is out of range (not in {minimum}..{maximum})"
            )
        return number

    def time_attr(self, key: str) -> datetime:
        """A required attribute as a Unix time (seconds), as an aware UTC `datetime`.

        Raises `NodeAttributeError` when it is missing, not an integer, or outside
        ``0..MAX_UNIX_TIME``.
        """
        return datetime.fromtimestamp(self.int_attr(key, minimum=0, maximum=MAX_UNIX_TIME), UTC)

    def opt_time_attr(self, key: str) -> datetime | None:
        """An optional Unix-time attribute as a UTC `datetime`, or None when missing or empty.

        Raises `NodeAttributeError` when present but not a Unix time in range.
        """
        seconds = self.opt_int_attr(key, minimum=0, maximum=MAX_UNIX_TIME)
        return None if seconds is None else datetime.fromtimestamp(seconds, UTC)

    def opt_seconds_attr(self, key: str, default: timedelta | None = None) -> timedelta | None:
        """An optional duration in whole seconds (``0..MAX_DURATION_SECONDS``), or `default`.

        Raises `NodeAttributeError` when present but negative, too long or not an integer.
        """
        seconds = self.opt_int_attr(key, minimum=0, maximum=MAX_DURATION_SECONDS)
        return default if seconds is None else timedelta(seconds=seconds)

    def bool_attr(self, key: str, default: bool = False) -> bool:
        """An attribute as a boolean: ``true``/``1`` or ``false``/``0``; `default` if missing.

        Raises `NodeAttributeError` for any other value.
        """
        value = self.opt_attr(key)
        if value is None or value == "":
            return default
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise NodeAttributeError(self.tag, key, value, "is not a boolean")

    # Children and content -----------------------------------------------------------------

    @property
    def nodes(self) -> tuple[Node, ...]:
        """The child nodes (empty when the content is not a list of nodes)."""
        content = self.content
        return content if type(content) is tuple else _NO_CHILDREN

    def child(self, tag: str) -> Node | None:
        """The first child with this tag, or None."""
        content = self.content
        if type(content) is tuple:
            for node in content:
                if node.tag == tag:
                    return node
        return None

    def require_child(self, tag: str) -> Node:
        """The first child with this tag; raises `NodeError` when there is none."""
        node = self.child(tag)
        if node is None:
            raise NodeError(f"<{self.tag}> has no <{tag}> child")
        return node

    def children(self, tag: str | None = None) -> list[Node]:
        """Every child with this tag, in order (every child when `tag` is None)."""
        content = self.content
        if type(content) is not tuple:
            return []
        if tag is None:
            return list(content)
        return [node for node in content if node.tag == tag]

    @property
    def bytes_content(self) -> bytes | None:
        """The content when it is bytes (a string content is given UTF-8 encoded), else None."""
        content = self.content
        if type(content) is bytes:
            return content
        if type(content) is str:
            return content.encode()
        return None

    @property
    def text(self) -> str | None:
        """The content when it is a string (bytes are decoded as UTF-8, invalid bytes replaced)."""
        content = self.content
        if type(content) is str:
            return content
        if type(content) is bytes:
            return content.decode(errors="replace")
        return None

    def walk(self) -> Iterator[Node]:
        """This node and every descendant, depth first, in document order."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            content = node.content
            if type(content) is tuple:
                stack.extend(reversed(content))

    # Values -------------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if type(other) is not Node:
            return NotImplemented
        return (
            self.tag == other.tag
            and list(self.attrs.items()) == list(other.attrs.items())
            and type(self.content) is type(other.content)
            and self.content == other.content
        )

    def __hash__(self) -> int:
        return hash((self.tag, tuple(self.attrs.items()), self.content))

    def __reduce__(self) -> tuple[Any, ...]:
        return (Node, (self.tag, dict(self.attrs), self.content))

    def __repr__(self) -> str:
        return f"Node({self.to_xml()})"

    def __str__(self) -> str:
        return self.to_xml(indent=2)

    def to_xml(self, indent: int | None = None, *, max_bytes: int = _SHOW_BYTES) -> str:
        """An XML-like rendering for logs and debugging (not a wire format).

        Binary content shows as hex, elided after `max_bytes` bytes with the full length.
        With `indent`, children go on their own lines.
        """
        out: list[str] = []
        _render(self, out, indent, 0, max_bytes)
        return "".join(out)

    # pydantic integration -----------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_plain_validator_function(node_from_json),
            python_schema=core_schema.no_info_plain_validator_function(_coerce_node),
            serialization=core_schema.plain_serializer_function_ser_schema(
                node_to_json, when_used="json"
            ),
        )


def _check_attr(tag: str, key: object, value: object) -> None:
    if not isinstance(key, str) or not isinstance(value, str | Jid):
        raise NodeError(
            f"<{tag}> attribute {key!r}: keys must be str and values str or Jid,"
            f" got {type(value).__name__}"
        )


def _check_content(tag: str, content: object) -> Content:
    if content is None or type(content) is bytes or type(content) is str:
        return content
    if isinstance(content, list | tuple):
        children = tuple(content)
        for child in children:
            if type(child) is not Node:
                raise NodeError(f"<{tag}> children must be Nodes, got {type(child).__name__}")
        return children
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content)
    if isinstance(content, str):
        return str(content)
    raise NodeError(f"<{tag}> content must be None, bytes, str or nodes")


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _render(node: Node, out: list[str], indent: int | None, depth: int, max_bytes: int) -> None:
    pad = " " * (indent * depth) if indent is not None else ""
    out.append(f"{pad}<{node.tag}")
    for key, value in node.attrs.items():
        out.append(f' {key}="{_escape(str(value))}"')
    content = node.content
    if content is None or content == () or content == b"":
        out.append("/>")
        return
    out.append(">")
    if type(content) is tuple:
        for child in content:
            if indent is not None:
                out.append("\n")
            _render(child, out, indent, depth + 1, max_bytes)
        if indent is not None:
            out.append(f"\n{pad}")
    elif type(content) is bytes:
        shown = content[:max_bytes].hex()
        if len(content) > max_bytes:
            out.append(f"{shown}…({len(content)} bytes)")
        else:
            out.append(f"{shown}")
    else:
        out.append(_escape(str(content)))
    out.append(f"</{node.tag}>")


def _coerce_node(value: object) -> Node:
    if type(value) is Node:
        return value
    if isinstance(value, dict):
        return node_from_json(value)
    raise NodeError(f"expected a Node or its JSON form, got {type(value).__name__}")


def node_to_json(node: Node) -> dict[str, Any]:
    """The JSON-ready form of a node (see the module docstring)."""
    attrs: dict[str, Any] = {
        key: value if type(value) is str else {"jid": str(value)}
        for key, value in node.attrs.items()
    }
    content = node.content
    body: Any
    if content is None or type(content) is str:
        body = content
    elif type(content) is bytes:
        body = {"bytes": base64.b64encode(content).decode("ascii")}
    elif isinstance(content, tuple):
        body = [node_to_json(child) for child in content]
    return {"tag": node.tag, "attrs": attrs, "content": body}


def node_from_json(data: Any) -> Node:
    """Rebuild a node from `node_to_json` output; raises `NodeError` on anything else."""
    return _from_json(data, "$")


def _from_json(data: Any, path: str) -> Node:
    if not isinstance(data, dict) or not isinstance(data.get("tag"), str):
        raise NodeError(f"{path}: a node must be an object with a string 'tag'")
    extra = set(data) - {"tag", "attrs", "content"}
    if extra:
        raise NodeError(f"{path}: unexpected keys {sorted(extra)}")
    raw_attrs = data.get("attrs")
    if raw_attrs is None:
        raw_attrs = {}
    if not isinstance(raw_attrs, dict):
        raise NodeError(f"{path}.attrs: must be an object")
    attrs: dict[str, AttrValue] = {}
    for key, value in raw_attrs.items():
        if isinstance(value, str):
            attrs[key] = value
        elif isinstance(value, dict) and set(value) == {"jid"} and isinstance(value["jid"], str):
            try:
                attrs[key] = Jid.parse(value["jid"])
            except InvalidJid as err:
                raise NodeError(f"{path}.attrs.{key}: {err}") from err
        else:
            raise NodeError(f"{path}.attrs.{key}: must be a string or {{'jid': string}}")
    raw = data.get("content")
    content: Content
    if raw is None or isinstance(raw, str):
        content = raw
    elif isinstance(raw, dict) and set(raw) == {"bytes"} and isinstance(raw["bytes"], str):
        try:
            content = base64.b64decode(raw["bytes"], validate=True)
        except binascii.Error as err:
            raise NodeError(f"{path}.content: invalid base64 ({err})") from err
    elif isinstance(raw, list):
        content = tuple(_from_json(child, f"{path}.content[{i}]") for i, child in enumerate(raw))
    else:
        raise NodeError(f"{path}.content: must be null, a string, {{'bytes': ...}} or a list")
    return Node.trusted(data["tag"], MappingProxyType(attrs) if attrs else _EMPTY_ATTRS, content)
