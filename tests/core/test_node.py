from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given
from pydantic import BaseModel, ValidationError

from tests.strategies import nodes
from wabus.core import Jid, Node, NodeAttributeError, NodeError, Server
from wabus.core._node import node_from_json, node_to_json

ALICE = Jid("15550000002", Server.USER)


def _message() -> Node:
    return Node(
        "message",
        {"id": "ABC", "from": ALICE, "t": "1752021890", "offline": "1", "bad_t": "12x"},
        [
            Node("enc", {"type": "msg", "v": "2"}, b"\x01\x02" * 100),
            Node("enc", {"type": "skmsg"}, b"\x03"),
            Node("participants", None, [Node("to", {"jid": "1@s.whatsapp.net"})]),
        ],
    )


def test_typed_getters() -> None:
    node = _message()
    assert node.attr("id") == "ABC"
    assert node.attr("from") == "15550000002@s.whatsapp.net"
    assert node.jid("from") is ALICE
    assert node.int_attr("t") == 1752021890
    assert node.bool_attr("offline") is True
    assert node.bool_attr("absent", default=True) is True
    assert node.opt_attr("absent") is None
    assert node.opt_attr("absent", "x") == "x"
    assert node.opt_jid("absent") is None
    assert node.opt_int_attr("absent") is None
    assert node.opt_int_attr("absent", 7) == 7
    assert node.has_attr("id") and not node.has_attr("absent")
    to = node.require_child("participants").require_child("to")
    assert to.jid("jid") == Jid("1", Server.USER)


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda n: n.attr("absent"), "is missing"),
        (lambda n: n.jid("absent"), "is missing"),
        (lambda n: n.int_attr("absent"), "is missing"),
        (lambda n: n.int_attr("bad_t"), "is not a decimal integer"),
        (lambda n: n.opt_int_attr("bad_t"), "is not a decimal integer"),
        (lambda n: n.jid("id"), "is not a JID"),
        (lambda n: n.opt_jid("id"), "is not a JID"),
        (lambda n: n.bool_attr("id"), "is not a boolean"),
    ],
)
def test_getters_raise_typed_errors(call: object, reason: str) -> None:
    with pytest.raises(NodeAttributeError) as caught:
        call(_message())  # type: ignore[operator]
    assert caught.value.tag == "message"
    assert reason in caught.value.reason
    assert reason in str(caught.value)
    assert isinstance(caught.value, NodeError)


def test_children() -> None:
    node = _message()
    assert [c.attr("type") for c in node.children("enc")] == ["msg", "skmsg"]
    assert len(node.children()) == 3
    assert node.child("enc") is node.nodes[0]
    assert node.child("nope") is None
    assert node.children("nope") == []
    assert Node("x", None, b"abc").children() == []
    assert Node("x", None, b"abc").nodes == ()
    with pytest.raises(NodeError, match="has no <nope> child"):
        node.require_child("nope")
    assert [n.tag for n in node.walk()] == [
        "message",
        "enc",
        "enc",
        "participants",
        "to",
    ]


def test_content_accessors() -> None:
    assert Node("x", None, b"hi").bytes_content == b"hi"
    assert Node("x", None, "hi").bytes_content == b"hi"
    assert Node("x", None, "hi").text == "hi"
    assert Node("x", None, b"\xffhi").text == "\ufffdhi"
    assert Node("x").text is None and Node("x").bytes_content is None


def test_constructor_validates_and_normalises() -> None:
    assert Node("x", None, [Node("y")]).content == (Node("y"),)
    assert Node("x", None, bytearray(b"ab")).content == b"ab"  # type: ignore[arg-type]
    with pytest.raises(NodeError, match="tag must be a str"):
        Node(1)  # type: ignore[arg-type]
    with pytest.raises(NodeError, match="values str or Jid"):
        Node("x", {"a": 1})  # type: ignore[dict-item]
    with pytest.raises(NodeError, match="children must be Nodes"):
        Node("x", None, ["y"])  # type: ignore[list-item]
    with pytest.raises(NodeError, match="content must be"):
        Node("x", None, 5)  # type: ignore[arg-type]


def test_nodes_are_immutable() -> None:
    node = Node("x", {"a": "b"})
    with pytest.raises(AttributeError, match="immutable"):
        node.tag = "y"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del node.attrs
    with pytest.raises(TypeError):
        node.attrs["a"] = "c"  # type: ignore[index]


def test_given_attrs_are_copied() -> None:
    attrs = {"a": "b"}
    node = Node("x", attrs)
    attrs["a"] = "changed"
    assert node.attr("a") == "b"


def test_equality_respects_attribute_order() -> None:
    assert Node("x", {"a": "1", "b": "2"}) != Node("x", {"b": "2", "a": "1"})
    assert Node("x", None, b"a") != Node("x", None, "a")
    assert Node("x") == Node("x", {}, None)
    assert Node("x") != "x"


def test_rendering() -> None:
    node = Node("message", {"id": "A<B", "from": ALICE}, [Node("enc", {"v": "2"}, b"\x01" * 40)])
    assert repr(node) == (
        'Node(<message id="A&lt;B" from="15550000002@s.whatsapp.net">'
        '<enc v="2">' + "01" * 24 + "…(40 bytes)</enc></message>)"
    )
    assert str(node).splitlines() == [
        '<message id="A&lt;B" from="15550000002@s.whatsapp.net">',
        '  <enc v="2">' + "01" * 24 + "…(40 bytes)</enc>",
        "</message>",
    ]
    assert Node("a", None, "x & y").to_xml() == "<a>x &amp; y</a>"
    assert Node("a").to_xml() == "<a/>"
    assert Node("a", None, b"\x00\x01").to_xml() == "<a>0001</a>"


@given(nodes())
def test_json_form_round_trips(node: Node) -> None:
    assert node_from_json(node_to_json(node)) == node


@given(nodes())
def test_nodes_are_values(node: Node) -> None:
    assert pickle.loads(pickle.dumps(node)) == node
    assert copy.deepcopy(node) == node
    assert hash(copy.deepcopy(node)) == hash(node)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be an object"),
        ({"tag": 1}, "must be an object with a string 'tag'"),
        ({"tag": "x", "extra": 1}, "unexpected keys"),
        ({"tag": "x", "attrs": []}, "must be an object"),
        ({"tag": "x", "attrs": {"a": 1}}, "must be a string or"),
        ({"tag": "x", "attrs": {"a": {"jid": "1@nowhere"}}}, "unknown server"),
        ({"tag": "x", "content": {"bytes": "%%"}}, "invalid base64"),
        ({"tag": "x", "content": 5}, "must be null, a string"),
        ({"tag": "x", "content": [{"tag": 5}]}, "$.content[0]"),
    ],
)
def test_json_form_rejects_garbage(data: object, message: str) -> None:
    with pytest.raises(NodeError) as caught:
        node_from_json(data)
    assert message in str(caught.value)


class _Holder(BaseModel):
    node: Node


def test_pydantic_field() -> None:
    holder = _Holder(node=_message())
    data = holder.model_dump_json()
    assert '"from":{"jid":"15550000002@s.whatsapp.net"}' in data
    assert _Holder.model_validate_json(data) == holder
    assert holder.model_dump()["node"] is holder.node
    with pytest.raises(ValidationError):
        _Holder.model_validate_json('{"node": {"tag": 1}}')
    with pytest.raises(ValidationError):
        _Holder(node="<message/>")  # type: ignore[arg-type]
    assert _Holder(node={"tag": "x"}).node == Node("x")  # type: ignore[arg-type]
