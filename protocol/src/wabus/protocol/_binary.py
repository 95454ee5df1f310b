"""The binary node format: `encode_node` and `decode_node`.

Theory of operation
-------------------

A payload is one flags byte followed by one node. Flags bit 2 (value 2) means the rest is a
zlib stream; `decode_node` inflates it under a size cap. The encoder never compresses.

A node is a list: a LIST_8 or LIST_16 header whose size is 1 + 2 x attributes + (1 if it has
content), then the tag string, the attribute key/value strings, and the content. Content is a
list of child nodes, raw bytes (BINARY_8/20/32), a string (any string encoding), or absent.

Strings travel in the cheapest form that fits, tried in this order: the empty string as
BINARY_8 0; anything over 127 UTF-8 bytes raw; a single- or double-byte dictionary token;
NIBBLE_8 (digits, '-' and '.') or HEX_8 (digits and 'A'-'F') packing; a JID (strings of at most
48 characters containing '@' that parse as a JID whose canonical form they are); else raw bytes.
JIDs use JID_PAIR (user and server), AD_JID (domain byte, device byte, user: for devices and
agents of PN, LID and hosted users), FB_JID (msgr) and INTEROP_JID (interop).

What decoding gives back, so round trips are predictable: attribute values that were JIDs come
back as `Jid` (whether they were sent as a `Jid` or as the JID's canonical string: the bytes are
the same); a string content that had to travel as raw bytes comes back as `bytes` (the format
cannot tell raw text from binary); an empty child list comes back as no content.

The decoder is one recursive function over a `bytes` object with local variables and the common
tags tested first. It detects truncation by catching the `IndexError` of reading past the end
(offset: the end of the input), checks every length before slicing, caps nesting depth, and turns
every other problem into a typed `RemoteWireError` carrying the offset.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from wabus.core import SERVERS, AttrValue, InvalidJid, Jid, Node, Server
from wabus.protocol._errors import (
    DecompressionLimit,
    InvalidCompression,
    InvalidPackedString,
    InvalidToken,
    LeftoverData,
    MalformedNode,
    TruncatedInput,
    UnencodableNode,
)
from wabus.protocol._tokens import DOUBLE_BYTE, SINGLE_BYTE

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_INFLATED",
    "FLAG_COMPRESSED",
    "Tag",
    "decode_node",
    "encode_node",
    "unpack",
]

FLAG_COMPRESSED: Final = 2
"""Flags-byte bit meaning the rest of the payload is a zlib stream."""

DEFAULT_MAX_INFLATED: Final = 16 * 1024 * 1024
"""How far `decode_node` and `unpack` let a compressed payload inflate by default."""

DEFAULT_MAX_DEPTH: Final = 64
"""How deeply nodes may nest before the decoder refuses (real stanzas use a handful)."""


class Tag:
    """The tag bytes of the binary format (1..235 are single-byte tokens)."""

    LIST_EMPTY: Final = 0
    DICTIONARY_0: Final = 236
    DICTIONARY_3: Final = 239
    INTEROP_JID: Final = 245
    FB_JID: Final = 246
    AD_JID: Final = 247
    LIST_8: Final = 248
    LIST_16: Final = 249
    JID_PAIR: Final = 250
    HEX_8: Final = 251
    BINARY_8: Final = 252
    BINARY_20: Final = 253
    BINARY_32: Final = 254
    NIBBLE_8: Final = 255


# Tables ------------------------------------------------------------------------------------

_SINGLE: Final = SINGLE_BYTE
_DOUBLE: Final = DOUBLE_BYTE

# Each token's encoded bytes, so the encoder writes a token with one `+=`.
_TOKEN_BYTES: Final[dict[str, bytes]] = {
    token: bytes((index,)) for index, token in enumerate(SINGLE_BYTE) if index
}
for _dictionary, _tokens in enumerate(DOUBLE_BYTE):
    for _index, _token in enumerate(_tokens):
        _TOKEN_BYTES.setdefault(_token, bytes((Tag.DICTIONARY_0 + _dictionary, _index)))
del _dictionary, _tokens, _index, _token


def _encoded_strings(*texts: str) -> bytes:
    out = bytearray()
    for text in texts:
        _write_string(out, text)
    return bytes(out)


# Jid is a tuple subclass (user, server, agent, device, integrator); building one straight
# from parts the decoder has checked is what `Jid.trusted` does, minus a Python call.
_new_tuple: Final = tuple.__new__
# Likewise for Node (what `Node.trusted` does): its slots are set through their descriptors,
# which works despite Node refusing ordinary attribute assignment, and costs no Python call.
_object_new: Final = object.__new__
_set_tag: Final = Node.__dict__["tag"].__set__
_set_attrs: Final = Node.__dict__["attrs"].__set__
_set_content: Final = Node.__dict__["content"].__set__
_EMPTY_ATTRS: Final[Mapping[str, str | Jid]] = MappingProxyType({})

# Packed strings decode through bytes.hex(): a nibble value 0..15 becomes one hex digit, which
# these tables map to its character. "\0" marks values outside the alphabet.
_NIBBLE_FROM_HEX: Final = str.maketrans(
    {"a": "-", "b": ".", "c": "\0", "d": "\0", "e": "\0", "f": "\0"}
)
_NIBBLE_TO_HEX: Final = str.maketrans({"-": "a", ".": "b"})
_NIBBLE_CHARS: Final = "0123456789-."
_HEX_CHARS: Final = "0123456789ABCDEF"
_PACKED_MAX: Final = 127  # packed bytes in one NIBBLE_8 / HEX_8 string
_RAW_MIN: Final = 128  # strings of this many UTF-8 bytes or more are always raw
_JID_MAX: Final = 48  # longest string the encoder tries to read as a JID

# AD_JID domain bytes.
_DOMAIN_SERVER: Final = {0: Server.USER, 1: Server.LID, 128: Server.HOSTED, 129: Server.HOSTED_LID}
_SERVER_DOMAIN: Final = {server: domain for domain, server in _DOMAIN_SERVER.items()}


# Unpacking ---------------------------------------------------------------------------------


def _inflate(data: bytes | memoryview, limit: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as err:
        raise InvalidCompression(str(err)) from err
    if len(out) > limit:
        raise DecompressionLimit(limit)
    if not inflater.eof:
        raise InvalidCompression("the zlib stream ends early")
    return out


def unpack(payload: bytes, *, max_inflated: int = DEFAULT_MAX_INFLATED) -> bytes:
    """The node bytes of a payload: the flags byte removed, a compressed body inflated.

    Raises `TruncatedInput` for an empty payload, `InvalidCompression` for a bad zlib stream
    and `DecompressionLimit` when it would inflate beyond `max_inflated` bytes.
    """
    if not payload:
        raise TruncatedInput(0)
    if payload[0] & FLAG_COMPRESSED:
        return _inflate(memoryview(payload)[1:], max_inflated)
    return bytes(payload[1:])


# Decoding ----------------------------------------------------------------------------------


def decode_node(
    payload: bytes | bytearray | memoryview,
    *,
    max_inflated: int = DEFAULT_MAX_INFLATED,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Node:
    """Decode a payload as received after Noise (flags byte first) into a `Node`.

    Raises a `RemoteWireError` subclass for anything malformed: `TruncatedInput`,
    `InvalidToken`, `InvalidPackedString`, `MalformedNode`, `LeftoverData`,
    `InvalidCompression` or `DecompressionLimit`; never another exception type.
    """
    data = payload if type(payload) is bytes else bytes(payload)
    if not data:
        raise TruncatedInput(0)
    if data[0] & FLAG_COMPRESSED:
        data = _inflate(memoryview(data)[1:], max_inflated)
        pos = 0
    else:
        pos = 1
    try:
        node, pos = _read_node(data, pos, max_depth)
    except IndexError:
        raise TruncatedInput(len(data)) from None
    except RecursionError:  # only when the caller's own stack is nearly full already
        raise MalformedNode(pos, "nesting too deep for the remaining stack") from None
    if pos != len(data):
        raise LeftoverData(len(data) - pos, pos)
    return node


def _read_node(data: bytes, pos: int, depth: int) -> tuple[Node, int]:
    start = pos
    tag = data[pos]
    if tag == 248:
        size = data[pos + 1]
        pos += 2
    elif tag == 249:
        size = (data[pos + 1] << 8) | data[pos + 2]
        pos += 3
    else:
        raise MalformedNode(start, f"a node must start with a list header, found tag {tag}")
    if not size:
        raise MalformedNode(start, "a node cannot be an empty list")
    if depth <= 0:
        raise MalformedNode(start, "nodes nest deeper than the decoder allows")

    # The tag.
    tag = data[pos]
    pos += 1
    if 0 < tag < 236:
        name = _SINGLE[tag]
    else:
        name, pos = _read_text(data, pos, tag)
        if not name:
            raise MalformedNode(start, "a node tag cannot be empty")

    # The attributes.
    count = (size - 1) >> 1
    if count:
        attrs: dict[str, str | Jid] = {}
        for _ in range(count):
            tag = data[pos]
            pos += 1
            if 0 < tag < 236:
                key = _SINGLE[tag]
            elif 236 <= tag <= 239:
                key = _DOUBLE[tag - 236][data[pos]]
                pos += 1
            else:
                key_at = pos - 1
                key, pos = _read_text(data, pos, tag)
                if not key:
                    raise MalformedNode(key_at, "an attribute key cannot be empty")
            tag = data[pos]
            pos += 1
            # The common forms inline (tokens, digits, JIDs, short text); the rest below.
            if 0 < tag < 236:
                attrs[key] = _SINGLE[tag]
            elif tag == 255:
                header = data[pos]
                end = pos + 1 + (header & 0x7F)
                if end > len(data):
                    raise TruncatedInput(len(data))
                text = data[pos + 1 : end].hex()
                if header & 0x80:
                    text = text[:-1]
                attrs[key] = text if text.isdigit() else _nibble_text(data, pos, text)
                pos = end
            elif tag == 250:
                attrs[key], pos = _read_jid_pair(data, pos)
            elif tag == 247:
                attrs[key], pos = _read_ad_jid(data, pos)
            elif tag == 252:
                end = pos + 1 + data[pos]
                if end > len(data):
                    raise TruncatedInput(len(data))
                try:
                    attrs[key] = data[pos + 1 : end].decode()
                except UnicodeDecodeError as err:
                    raise MalformedNode(pos + 1 + err.start, "text is not valid UTF-8") from None
                pos = end
            elif 236 <= tag <= 239:
                attrs[key] = _DOUBLE[tag - 236][data[pos]]
                pos += 1
            elif tag == 0:
                attrs[key] = ""
            else:
                attrs[key], pos = _read_value(data, pos, tag)
        if len(attrs) != count:
            raise MalformedNode(start, f"<{name}> repeats an attribute")
        node_attrs: Mapping[str, str | Jid] = attrs
    else:
        node_attrs = _EMPTY_ATTRS

    # The content.
    node = _object_new(Node)
    _set_tag(node, name)
    _set_attrs(node, node_attrs)
    if size & 1:
        _set_content(node, None)
        return node, pos
    tag = data[pos]
    pos += 1
    content: tuple[Node, ...] | bytes | str | None
    if tag == 248 or tag == 249:
        if tag == 248:
            length = data[pos]
            pos += 1
        else:
            length = (data[pos] << 8) | data[pos + 1]
            pos += 2
        children = []
        depth -= 1
        for _ in range(length):
            child, pos = _read_node(data, pos, depth)
            children.append(child)
        content = tuple(children) if children else None
    elif tag == 252:
        length = data[pos]
        pos += 1
        end = pos + length
        if end > len(data):
            raise TruncatedInput(len(data))
        content = data[pos:end]
        pos = end
    elif tag == 253 or tag == 254:
        length, pos = _read_binary_length(data, pos, tag)
        end = pos + length
        if end > len(data):
            raise TruncatedInput(len(data))
        content = data[pos:end]
        pos = end
    elif tag == 0:
        content = None
    elif tag < 236:
        content = _SINGLE[tag]
    else:
        content, pos = _read_text(data, pos, tag)
    _set_content(node, content)
    return node, pos


def _read_binary_length(data: bytes, pos: int, tag: int) -> tuple[int, int]:
    """The length after a BINARY_20 (low 20 bits of 3 bytes) or BINARY_32 (4 bytes) tag."""
    if tag == 253:
        return ((data[pos] & 0x0F) << 16) | (data[pos + 1] << 8) | data[pos + 2], pos + 3
    if pos + 4 > len(data):
        raise TruncatedInput(len(data))
    return int.from_bytes(data[pos : pos + 4], "big"), pos + 4


def _read_text(data: bytes, pos: int, tag: int) -> tuple[str, int]:
    """A string where only text makes sense (tags, keys, content): JIDs as their string form."""
    value, pos = _read_value(data, pos, tag)
    return (value if type(value) is str else str(value)), pos


def _read_value(data: bytes, pos: int, tag: int) -> tuple[str | Jid, int]:
    """Any string-like item after its tag byte (at pos - 1): text, or a JID as a `Jid`."""
    if 0 < tag < 236:
        return _SINGLE[tag], pos
    if tag == 255 or tag == 251:
        return _read_packed(data, pos, tag)
    if 236 <= tag <= 239:
        return _DOUBLE[tag - 236][data[pos]], pos + 1
    if tag == 252 or tag == 253 or tag == 254:
        if tag == 252:
            length = data[pos]
            pos += 1
        else:
            length, pos = _read_binary_length(data, pos, tag)
        end = pos + length
        if end > len(data):
            raise TruncatedInput(len(data))
        try:
            return data[pos:end].decode(), end
        except UnicodeDecodeError as err:
            raise MalformedNode(pos + err.start, "text is not valid UTF-8") from None
    if tag == 250:
        return _read_jid_pair(data, pos)
    if tag == 247:
        return _read_ad_jid(data, pos)
    if tag == 246 or tag == 245:
        return _read_long_jid(data, pos, tag)
    if tag == 0:
        return "", pos
    if tag == 248 or tag == 249:
        raise MalformedNode(pos - 1, "expected a string, found a list")
    raise InvalidToken(pos - 1, tag)


def _read_packed(data: bytes, pos: int, tag: int) -> tuple[str, int]:
    """A NIBBLE_8 (tag 255) or HEX_8 string: a header byte (bit 7: odd length, low 7 bits:
    packed byte count), then two characters per byte, high nibble first."""
    header = data[pos]
    pos += 1
    length = header & 0x7F
    end = pos + length
    if end > len(data):
        raise TruncatedInput(len(data))
    text = data[pos:end].hex()
    if header & 0x80:
        text = text[:-1]
    if tag == 255:
        return (text if text.isdigit() else _nibble_text(data, pos - 1, text)), end
    return text.upper(), end


def _nibble_text(data: bytes, header_at: int, digits: str) -> str:
    """A NIBBLE_8 string that is not all digits: map 'a'/'b' to '-'/'.', reject the rest.

    `digits` is the packed bytes' hex, already trimmed of an odd length's padding nibble;
    `header_at` is the offset of the length byte (for the error's offset).
    """
    text = digits.translate(_NIBBLE_FROM_HEX)
    if "\0" in text:
        bad = text.index("\0")
        raise InvalidPackedString(
            header_at + 1 + bad // 2, f"nibble {int(digits[bad], 16)} is not a digit, '-' or '.'"
        )
    return text


def _read_user(data: bytes, pos: int) -> tuple[str, int]:
    tag = data[pos]
    pos += 1
    if tag == 0:
        return "", pos
    user, pos = _read_value(data, pos, tag)
    if type(user) is not str:
        raise MalformedNode(pos, "a JID's user cannot be a JID")
    return user, pos


def _make_jid(at: int, user: str, server: Server, agent: int, device: int, integrator: int) -> Jid:
    if user.isdigit():  # the usual case; digits can break no rule
        return Jid.trusted(user, server, agent, device, integrator)
    try:
        return Jid(user, server, agent=agent, device=device, integrator=integrator)
    except InvalidJid as err:
        raise MalformedNode(at, f"invalid JID: {err.reason}") from None


def _read_server(data: bytes, pos: int) -> tuple[Server, int]:
    at = pos
    tag = data[pos]
    name, pos = _read_value(data, pos + 1, tag)
    server = SERVERS.get(name) if type(name) is str else None
    if server is None:
        raise MalformedNode(at, f"unknown JID server {name!r}")
    return server, pos


def _read_nibble_user(data: bytes, pos: int) -> tuple[str, int] | None:
    """A JID user packed as NIBBLE_8 digits (the usual case), or None to take the slow path."""
    if data[pos] != 255:
        return None
    header = data[pos + 1]
    end = pos + 2 + (header & 0x7F)
    if end > len(data):
        raise TruncatedInput(len(data))
    user = data[pos + 2 : end].hex()
    if header & 0x80:
        user = user[:-1]
    return (user, end) if user.isdigit() else None


def _read_jid_pair(data: bytes, pos: int) -> tuple[Jid, int]:
    at = pos - 1
    fast = _read_nibble_user(data, pos)
    user, pos = fast if fast is not None else _read_user(data, pos)
    tag = data[pos]
    if 0 < tag < 236:  # the server is nearly always a token
        server = SERVERS.get(_SINGLE[tag])
        if server is None:
            raise MalformedNode(pos, f"unknown JID server {_SINGLE[tag]!r}")
        pos += 1
    else:
        server, pos = _read_server(data, pos)
    if fast is not None:  # digits: nothing to validate (Jid is a tuple; see Jid.trusted)
        return _new_tuple(Jid, (user, server, 0, 0, 0)), pos
    return _make_jid(at, user, server, 0, 0, 0), pos


def _read_ad_jid(data: bytes, pos: int) -> tuple[Jid, int]:
    at = pos - 1
    domain = data[pos]
    device = data[pos + 1]
    fast = _read_nibble_user(data, pos + 2)
    if fast is not None and domain in _DOMAIN_SERVER:
        user, pos = fast
        return _new_tuple(Jid, (user, _DOMAIN_SERVER[domain], 0, device, 0)), pos
    user, pos = fast if fast is not None else _read_user(data, pos + 2)
    server = _DOMAIN_SERVER.get(domain)
    agent = 0
    if server is None:
        if domain & 0x80 and not domain & 1:
            server = Server.HOSTED
        else:
            server = Server.USER
            agent = domain
    if not user:
        raise MalformedNode(at, "an AD_JID needs a user")
    return _make_jid(at, user, server, agent, device, 0), pos


def _read_long_jid(data: bytes, pos: int, tag: int) -> tuple[Jid, int]:
    at = pos - 1
    user, pos = _read_user(data, pos)
    device = (data[pos] << 8) | data[pos + 1]
    pos += 2
    integrator = 0
    if tag == 245:
        integrator = (data[pos] << 8) | data[pos + 1]
        pos += 2
    server, pos = _read_server(data, pos)
    expected = Server.INTEROP if tag == 245 else Server.MESSENGER
    if server is not expected:
        raise MalformedNode(
            at, f"a {'INTEROP' if tag == 245 else 'FB'}_JID must be on {expected.value!r}"
        )
    if not user:
        raise MalformedNode(at, "this JID form needs a user")
    return _make_jid(at, user, server, 0, device, integrator), pos


# Encoding ----------------------------------------------------------------------------------

# Binary content at least this large is handed to the output as its own part rather than copied
# into the growing buffer, so it is copied once (into the final bytes), not twice.
_LARGE: Final = 4096


def encode_node(node: Node) -> bytes:
    """The payload for `node`: the flags byte 0, then the node (never compressed).

    Raises `UnencodableNode` for what the format cannot carry: an empty tag or attribute key,
    more than 65535 attributes or children, or a `Jid` no JID encoding can represent.
    """
    if type(node) is not Node:
        raise UnencodableNode(f"encode_node takes a Node, got {type(node).__name__}")
    out = bytearray(b"\x00")
    parts: list[bytes | bytearray] = []
    _write_node(out, parts, node)
    if not parts:
        return bytes(out)
    parts.append(out)
    return b"".join(parts)


_ACK_TEMPLATES: dict[tuple[str, tuple[tuple[str, AttrValue], ...]], tuple[bytes, bytes]] = {}
_ACK_TEMPLATES_KEPT: Final = 4096


def encode_ack(stanza_class: str, stanza_id: str, rest: tuple[tuple[str, AttrValue], ...]) -> bytes:
    """``encode_node(Node("ack", {"class": stanza_class, "id": stanza_id, **dict(rest)}))``,
    without building the node: the hot path of every received stanza.

    Everything but the id (the class, then ``to``, ``participant``, ``type``, …) repeats from
    stanza to stanza of one chat, so the ack's encoding is kept as a template around the id:
    the bytes before it and after it (for the last few thousand shapes seen).
    """
    template = _ACK_TEMPLATES.get((stanza_class, rest))
    if template is None:
        template = _ack_template(stanza_class, rest)
        if len(_ACK_TEMPLATES) >= _ACK_TEMPLATES_KEPT:
            _ACK_TEMPLATES.clear()
        _ACK_TEMPLATES[stanza_class, rest] = template
    head, tail = template
    out = bytearray(head)
    _write_string(out, stanza_id)
    out += tail
    return bytes(out)


def _ack_template(
    stanza_class: str, rest: tuple[tuple[str, AttrValue], ...]
) -> tuple[bytes, bytes]:
    """The encoding of an ack of this shape before its id's value, and after it."""
    head = bytearray(b"\x00")
    _write_list_header(head, 5 + 2 * len(rest), "<ack>")
    head += _ACK_HEAD
    _write_string(head, stanza_class)
    head += _ID_KEY
    tail = bytearray()
    for key, value in rest:
        if not key:
            raise UnencodableNode("<ack> has an empty attribute key")
        _write_string(tail, key)
        if type(value) is str:
            _write_string(tail, value)
        else:
            _write_jid(tail, value)
    return bytes(head), bytes(tail)


def _write_list_header(out: bytearray, size: int, what: str) -> None:
    if size < 256:
        out += bytes((Tag.LIST_8, size))
    elif size < 65536:
        out += bytes((Tag.LIST_16, size >> 8, size & 0xFF))
    else:
        raise UnencodableNode(f"{what} has {size} items; the format allows 65535")


def _write_node(out: bytearray, parts: list[bytes | bytearray], node: Node) -> None:
    tag = node.tag
    if not tag:
        raise UnencodableNode("a node tag cannot be empty")
    attrs = node.attrs
    content = node.content
    if type(content) is tuple and not content:
        content = None
    _write_list_header(out, 1 + 2 * len(attrs) + (content is not None), f"<{tag}>")
    _write_string(out, tag)
    for key, value in attrs.items():
        if not key:
            raise UnencodableNode(f"<{tag}> has an empty attribute key")
        _write_string(out, key)
        if type(value) is str:
            _write_string(out, value)
        else:
            _write_jid(out, value)
    if content is None:
        return
    if type(content) is bytes:
        _write_binary(out, parts, content)
    elif type(content) is str:
        _write_string(out, content)
    else:
        children: tuple[Node, ...] = content  # type: ignore[assignment]
        _write_list_header(out, len(children), f"<{tag}>'s children")
        for child in children:
            _write_node(out, parts, child)


def _write_binary(out: bytearray, parts: list[bytes | bytearray], data: bytes) -> None:
    size = len(data)
    if size < 256:
        out += bytes((Tag.BINARY_8, size))
    elif size < (1 << 20):
        out += bytes((Tag.BINARY_20, size >> 16, (size >> 8) & 0xFF, size & 0xFF))
    else:
        out.append(Tag.BINARY_32)
        out += size.to_bytes(4, "big")
    if size >= _LARGE:
        parts.append(bytes(out))
        out.clear()
        parts.append(data)
    else:
        out += data


def _write_string(out: bytearray, text: str) -> None:
    if not text:
        out += b"\xfc\x00"  # BINARY_8, length 0: never LIST_EMPTY
        return
    if len(text) < _RAW_MIN and (text.isascii() or len(text.encode()) < _RAW_MIN):
        token = _TOKEN_BYTES.get(text)
        if token is not None:
            out += token
            return
        if not text.strip(_NIBBLE_CHARS):
            _write_packed(out, Tag.NIBBLE_8, text.translate(_NIBBLE_TO_HEX))
            return
        if not text.strip(_HEX_CHARS):
            _write_packed(out, Tag.HEX_8, text)
            return
        if len(text) <= _JID_MAX and "@" in text:
            jid = _canonical_jid(text)
            if jid is not None:
                _write_jid(out, jid)
                return
    raw = text.encode()
    size = len(raw)
    if size < 256:
        out += bytes((Tag.BINARY_8, size))
    elif size < (1 << 20):
        out += bytes((Tag.BINARY_20, size >> 16, (size >> 8) & 0xFF, size & 0xFF))
    else:
        out.append(Tag.BINARY_32)
        out += size.to_bytes(4, "big")
    out += raw


def _write_packed(out: bytearray, tag: int, hex_digits: str) -> None:
    odd = len(hex_digits) & 1
    if odd:
        hex_digits += "f"
    packed = bytes.fromhex(hex_digits)
    out += bytes((tag, (odd << 7) | len(packed)))
    out += packed


def _canonical_jid(text: str) -> Jid | None:
    """The JID `text` spells, if it is one the JID encodings carry back to this exact text."""
    try:
        jid = Jid.parse(text)
    except InvalidJid:
        return None
    if str(jid) != text or _jid_problem(jid) is not None:
        return None
    return jid


def _jid_problem(jid: Jid) -> str | None:
    """Why `jid` cannot be encoded, or None when it can."""
    user, server, agent, device, _ = jid
    if not user or server is Server.MESSENGER or server is Server.INTEROP:
        return None  # a bare server is a JID_PAIR; msgr and interop have their own forms
    if not device and not agent:
        return None
    domain = _SERVER_DOMAIN.get(server)
    if domain is None:
        return f"a {server.value} JID cannot carry a device or agent"
    if device > 0xFF:
        return f"device {device} does not fit the AD_JID device byte"
    if agent:
        if server is not Server.USER:
            return f"a {server.value} JID cannot carry an agent"
        if agent in _DOMAIN_SERVER or (agent & 0x80 and not agent & 1):
            return f"agent {agent} would read back as a domain type"
    return None


def _write_jid(out: bytearray, jid: object) -> None:
    if type(jid) is not Jid:
        raise UnencodableNode(f"attribute values must be str or Jid, got {type(jid).__name__}")
    problem = _jid_problem(jid)
    if problem is not None:
        raise UnencodableNode(f"cannot encode {jid}: {problem}")
    user, server, agent, device, integrator = jid
    if user and (server is Server.MESSENGER or server is Server.INTEROP):
        out.append(Tag.FB_JID if server is Server.MESSENGER else Tag.INTEROP_JID)
        _write_string(out, user)
        out += device.to_bytes(2, "big")
        if server is Server.INTEROP:
            out += integrator.to_bytes(2, "big")
        _write_string(out, server.value)
    elif device or agent:
        domain = agent if server is Server.USER else _SERVER_DOMAIN[server]
        out += bytes((Tag.AD_JID, domain, device))
        _write_string(out, user)
    else:
        out.append(Tag.JID_PAIR)
        if user:
            _write_string(out, user)
        else:
            out.append(Tag.LIST_EMPTY)
        _write_string(out, server.value)


# The fixed parts of an ack, encoded once (the encoder above is defined by now).
_ACK_HEAD: Final = _encoded_strings("ack", "class")
_ID_KEY: Final = _encoded_strings("id")
