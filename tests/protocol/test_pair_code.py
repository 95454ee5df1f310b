"""Pair-code login, sans-IO: the code, the key wrapping, and the exchange between our side
(`PairCodeCompanion`) and the phone's (`PairCodePrimary`), well-formed and hostile."""

from __future__ import annotations

import contextlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wabus.core import Jid, Node, Server
from wabus.protocol import (
    PAIR_CODE_ALPHABET,
    KeyPair,
    PairCodeCompanion,
    PairCodeError,
    new_pair_code,
    phone_number_jid,
    unwrap_key,
    wrap_key,
)
from wabus.protocol.server import PairCodeHello, PairCodePrimary

PHONE = Jid("15550000001", Server.USER)


def test_a_new_code_is_eight_characters_of_the_alphabet() -> None:
    codes = {new_pair_code() for _ in range(200)}
    assert len(codes) == 200  # 40 random bits each
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(PAIR_CODE_ALPHABET)
    assert not set("0IOU") & set(PAIR_CODE_ALPHABET)
    assert len(PAIR_CODE_ALPHABET) == 32


@pytest.mark.parametrize(
    ("number", "user"),
    [
        ("15550000001", "15550000001"),
        ("+1 555-000-0001", "15550000001"),
        ("+44 (20) 7946 0958", "442079460958"),
    ],
)
def test_a_phone_number_in_international_form_names_an_account(number: str, user: str) -> None:
    assert phone_number_jid(number) == Jid(user, Server.USER)


@pytest.mark.parametrize(
    "number",
    [
        "",
        "123456",
        "0044207946",
        "1555abc0001",
        "\u0661\u0665\u0665\u0665\u0660\u0660\u0660\u0660\u0660\u0660\u0661",
    ],
)
def test_a_phone_number_that_is_not_one_is_refused(number: str) -> None:
    with pytest.raises(PairCodeError, match="phone number"):
        phone_number_jid(number)


@pytest.mark.parametrize("code", ["ABCD0FGH", "ABCDEFG", "ABCDEFGHJ", "ABCD EFG", "abcdefgu"])
def test_a_code_outside_the_alphabet_is_refused(code: str) -> None:
    with pytest.raises(PairCodeError, match="pairing code is 8 characters"):
        wrap_key(code, bytes(32))


def test_a_wrapped_key_unwraps_with_its_code_only() -> None:
    public = KeyPair.generate().public
    wrapped = wrap_key("ABCD-EFGH", public)
    assert len(wrapped) == 80
    assert unwrap_key("abcdefgh", wrapped) == public  # case and the dash do not matter
    assert unwrap_key("ABCDEFGJ", wrapped) != public
    assert wrap_key("ABCDEFGH", public) != wrapped  # fresh salt and IV each time
    with pytest.raises(PairCodeError, match="wrapped key has 80 bytes"):
        unwrap_key("ABCDEFGH", wrapped[:-1])


class Devices:
    """A companion and a phone that run the exchange between them."""

    def __init__(self, code: str | None = None) -> None:
        self.noise = KeyPair.generate()
        self.identity = KeyPair.generate()
        self.account = KeyPair.generate()
        self.companion = PairCodeCompanion(
            PHONE, noise_public=self.noise.public, identity=self.identity, code=code
        )

    def hello(self) -> tuple[Node, PairCodePrimary]:
        hello = self.companion.hello()
        primary = PairCodePrimary(PairCodeHello.parse(hello), b"2@ref", self.account)
        reply = Node(
            "iq",
            {"type": "result"},
            [
                Node(
                    "link_code_companion_reg", None, [Node("link_code_pairing_ref", None, b"2@ref")]
                )
            ],
        )
        assert self.companion.accept_hello_reply(reply) == b"2@ref"
        return hello, primary


def test_both_sides_derive_the_same_adv_secret() -> None:
    devices = Devices()
    hello, primary = devices.hello()
    parsed = PairCodeHello.parse(hello)
    assert parsed.phone == PHONE
    assert parsed.noise_public == devices.noise.public
    assert parsed.platform_id == "1"
    finish, ours = devices.companion.finish(primary.enter(devices.companion.code))
    identity, theirs = primary.finish(finish)
    assert identity == devices.identity.public
    assert ours == theirs and len(ours) == 32


def test_a_code_typed_wrong_is_found_out_by_the_phone() -> None:
    devices = Devices(code="ABCDEFGH")
    _, primary = devices.hello()
    finish, _ = devices.companion.finish(primary.enter("ABCDEFGJ"))
    with pytest.raises(PairCodeError, match="code was wrong"):
        primary.finish(finish)


def test_a_notification_for_another_ref_is_refused() -> None:
    devices = Devices()
    _, primary = devices.hello()
    other = PairCodePrimary(primary.hello, b"2@other", devices.account)
    with pytest.raises(PairCodeError, match="ref"):
        devices.companion.finish(other.enter(devices.companion.code))


def test_a_refused_hello_says_what_the_server_said() -> None:
    devices = Devices()
    error = Node(
        "iq", {"type": "error"}, [Node("error", {"code": "404", "text": "item-not-found"})]
    )
    with pytest.raises(PairCodeError, match="404 item-not-found"):
        devices.companion.accept_hello_reply(error)


def test_a_finish_before_a_code_is_entered_is_refused() -> None:
    devices = Devices()
    _, primary = devices.hello()
    helper = PairCodePrimary(primary.hello, b"2@ref", devices.account)
    finish, _ = devices.companion.finish(helper.enter(devices.companion.code))
    with pytest.raises(PairCodeError, match="no code was entered"):
        primary.finish(finish)


# Hostile stanzas: each part of each stanza replaced, dropped or resized gives a
# PairCodeError (never an IndexError, a KeyError, a ValueError of another kind, or a success
# with other keys). PBKDF2 makes each example cost a tenth of a second: few examples.


def _mutations(node: Node) -> st.SearchStrategy[Node]:
    reg = node.nodes[0]
    index = st.integers(0, len(reg.nodes) - 1)
    content = st.one_of(st.binary(max_size=100), st.text(max_size=10), st.none())

    def replace(i: int, value: bytes | str | None) -> Node:
        children = list(reg.nodes)
        children[i] = Node(children[i].tag, children[i].attrs, value)
        return Node(node.tag, node.attrs, [Node(reg.tag, reg.attrs, children)])

    def drop(i: int) -> Node:
        children = [c for j, c in enumerate(reg.nodes) if j != i]
        return Node(node.tag, node.attrs, [Node(reg.tag, reg.attrs, children)])

    return st.one_of(
        st.builds(replace, index, content),
        st.builds(drop, index),
        st.just(Node(node.tag, node.attrs, None)),
        st.just(
            Node(node.tag, node.attrs, [Node(reg.tag, {**reg.attrs, "stage": "other"}, reg.nodes)])
        ),
    )


_DEVICES = Devices(code="ABCDEFGH")
_HELLO, _PRIMARY = _DEVICES.hello()
_NOTIFICATION = _PRIMARY.enter("ABCDEFGH")
_FINISH, _ = _DEVICES.companion.finish(_NOTIFICATION)


@settings(max_examples=25, deadline=None)
@given(_mutations(_HELLO))
def test_a_hostile_hello_gives_a_pair_code_error(node: Node) -> None:
    try:
        hello = PairCodeHello.parse(node)
    except PairCodeError:
        return
    primary = PairCodePrimary(hello, b"2@ref", KeyPair.generate())
    primary.enter("ABCDEFGH")  # whatever it unwraps, it is 32 bytes


@settings(max_examples=25, deadline=None)
@given(_mutations(_NOTIFICATION))
def test_a_hostile_notification_gives_a_pair_code_error(node: Node) -> None:
    companion = PairCodeCompanion(
        PHONE, noise_public=os.urandom(32), identity=KeyPair.generate(), code="ABCDEFGH"
    )
    with contextlib.suppress(PairCodeError):  # or it finishes: both are fine
        companion.finish(node)


@settings(max_examples=40, deadline=None)
@given(_mutations(_FINISH))
def test_a_hostile_finish_never_pairs(node: Node) -> None:
    try:
        identity, _ = _PRIMARY.finish(node)  # finish changes nothing: one phone serves all
    except PairCodeError:
        return
    # Only a change that leaves the bundle, the identity and the ref intact may succeed.
    assert identity == _DEVICES.identity.public
