"""Hypothesis strategies for the wire codec: nodes that survive an exact round trip, and
hostile variants of real stanzas (for the router's and the live client's fuzz tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from wabus.core import Jid, Node, Server
from wabus.protocol._tokens import DOUBLE_BYTE, SINGLE_BYTE

TOKENS = list(SINGLE_BYTE[1:]) + [t for d in DOUBLE_BYTE for t in d]
_digits = st.from_regex(r"[0-9]{1,20}", fullmatch=True)
_AD_SERVERS = (Server.USER, Server.LID, Server.HOSTED, Server.HOSTED_LID)
_OTHER_SERVERS = tuple(
    s for s in Server if s not in _AD_SERVERS and s not in (Server.MESSENGER, Server.INTEROP)
)
# PN agent bytes that read back as agents (not as LID/hosted domain types).
_AGENTS = st.integers(0, 255).filter(
    lambda a: a not in (1, 128, 129) and not (a & 0x80 and not a & 1)
)


@st.composite
def wire_jids(draw: st.DrawFn) -> Jid:
    """JIDs of every wire form: JID_PAIR, AD_JID (all four domains), FB_JID, INTEROP_JID."""
    form = draw(st.sampled_from(["pair", "server", "ad", "agent", "fb", "interop"]))
    if form == "server":
        return Jid("", draw(st.sampled_from(tuple(Server))))
    if form == "pair":
        server = draw(st.sampled_from(_OTHER_SERVERS + _AD_SERVERS))
        user = draw(
            st.one_of(
                _digits, st.just("status"), st.from_regex(r"[0-9]{6}-[0-9]{6}", fullmatch=True)
            )
        )
        return Jid(user, server)
    if form == "ad":
        return Jid(
            draw(_digits), draw(st.sampled_from(_AD_SERVERS)), device=draw(st.integers(1, 255))
        )
    if form == "agent":
        return Jid(
            draw(_digits),
            Server.USER,
            agent=draw(_AGENTS.filter(bool)),
            device=draw(st.integers(0, 255)),
        )
    if form == "fb":
        return Jid(draw(_digits), Server.MESSENGER, device=draw(st.integers(0, 0xFFFF)))
    return Jid(
        draw(_digits),
        Server.INTEROP,
        device=draw(st.integers(0, 0xFFFF)),
        integrator=draw(st.integers(0, 0xFFFF)),
    )


# Text that is not a JID string (those come back as Jid values, which is tested separately).
_text = st.text(max_size=60).filter(lambda s: "@" not in s)
_long_text = st.text(min_size=100, max_size=400).filter(lambda s: "@" not in s)
_nibbles = st.from_regex(r"[0-9.\-]{1,127}", fullmatch=True)
_hexes = st.from_regex(r"[0-9A-F]{1,127}", fullmatch=True)
_names = st.one_of(
    st.sampled_from(TOKENS), st.text(min_size=1, max_size=20).filter(lambda s: "@" not in s)
)

attr_values: st.SearchStrategy[str | Jid] = st.one_of(
    st.sampled_from(TOKENS), _nibbles, _hexes, _text, _long_text, wire_jids()
)
# String content that comes back as a string (raw text comes back as bytes, by design).
string_content = st.one_of(
    st.sampled_from(TOKENS), _nibbles, _hexes, wire_jids().map(str).filter(lambda s: "@" in s)
)


def wire_nodes(max_leaves: int = 10) -> st.SearchStrategy[Node]:
    attrs = st.dictionaries(_names, attr_values, max_size=6)
    leaf_content = st.one_of(
        st.none(), st.binary(max_size=300), st.binary(min_size=256, max_size=2000), string_content
    )
    leaves = st.builds(Node, _names, attrs, leaf_content)
    return st.recursive(
        leaves,
        lambda children: st.builds(Node, _names, attrs, st.lists(children, min_size=1, max_size=5)),
        max_leaves=max_leaves,
    )


# Hostile stanzas ------------------------------------------------------------------------

HOSTILE_VALUES = st.one_of(
    st.sampled_from(
        [
            "99999999999999999999",
            "-99999999999999999999",
            "18446744073709551616",
            "9223372036854775808",
            "-1",
            "0",
            "",
            "1e5",
            "0x10",
            " 12",
            "٣",  # a digit, but not an ASCII one
            "9" * 5000,  # beyond Python's int-from-str limit
            "123@s.whatsapp.net",
            "1:99999@s.whatsapp.net",
            "deny",
        ]
    ),
    st.integers(-(2**80), 2**80).map(str),
    st.text(max_size=12),
)


@st.composite
def hostile(draw: st.DrawFn, node: Node, depth: int = 0) -> Node:
    """`node` with some of its attributes, children and content replaced."""
    attrs = dict(node.attrs)
    for key in list(attrs):
        if draw(st.integers(0, 3)) == 0:
            attrs[key] = draw(HOSTILE_VALUES)
    if draw(st.integers(0, 5)) == 0:
        attrs[draw(st.sampled_from(["t", "last", "expire", "count", "id", "from"]))] = draw(
            HOSTILE_VALUES
        )
    content = node.content
    if isinstance(content, tuple) and depth < 4:
        children = [draw(hostile(child, depth + 1)) for child in content]
        if children and draw(st.integers(0, 4)) == 0:
            del children[draw(st.integers(0, len(children) - 1))]
        if children and draw(st.integers(0, 4)) == 0:
            children.append(children[draw(st.integers(0, len(children) - 1))])
        content = tuple(children)
    elif isinstance(content, bytes) and content and draw(st.booleans()):
        flipped = bytearray(content)
        flipped[draw(st.integers(0, len(flipped) - 1))] ^= draw(st.integers(1, 255))
        content = bytes(flipped[: draw(st.integers(0, len(flipped)))])
    return Node(node.tag, attrs, content)
