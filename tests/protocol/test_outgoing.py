"""`stanza_shape` (what a body's stanza says about it) and the poll vote cipher."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wabus.core import Jid, Node, Server
from wabus.proto.common_pb2 import MessageKey
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import (
    PollVoteError,
    decrypt_poll_vote,
    encrypt_poll_vote,
    option_names,
    poll_option_hash,
    stanza_shape,
)

USER = Jid("15550002", Server.USER)
GROUP = Jid("120363000000000001", Server.GROUP)
CREATOR = Jid("15550001", Server.USER)
SECRET = bytes(range(32))


def _revoke(from_me: bool) -> WAMessage:
    key = MessageKey(remoteJid=str(GROUP), fromMe=from_me, id="X")
    return WAMessage(
        protocolMessage=WAMessage.ProtocolMessage(key=key, type=WAMessage.ProtocolMessage.REVOKE)
    )


@pytest.mark.parametrize(
    ("body", "to", "kind", "media", "attrs", "enc_attrs"),
    [
        (WAMessage(conversation="hi"), USER, "text", None, {}, {}),
        (
            WAMessage(reactionMessage=WAMessage.ReactionMessage(text="x")),
            USER,
            "reaction",
            None,
            {},
            {"decrypt-fail": "hide"},
        ),
        (
            WAMessage(audioMessage=WAMessage.AudioMessage(ptt=True)),
            USER,
            "media",
            "ptt",
            {},
            {},
        ),
        (WAMessage(audioMessage=WAMessage.AudioMessage()), USER, "media", "audio", {}, {}),
        (
            WAMessage(videoMessage=WAMessage.VideoMessage(gifPlayback=True)),
            USER,
            "media",
            "gif",
            {},
            {},
        ),
        (WAMessage(contactMessage=WAMessage.ContactMessage()), USER, "media", "vcard", {}, {}),
        (WAMessage(locationMessage=WAMessage.LocationMessage()), USER, "text", None, {}, {}),
        (_revoke(from_me=True), GROUP, "text", None, {"edit": "7"}, {}),
        (_revoke(from_me=False), GROUP, "text", None, {"edit": "8"}, {}),
        (_revoke(from_me=False), USER, "text", None, {"edit": "7"}, {}),
        (
            WAMessage(
                protocolMessage=WAMessage.ProtocolMessage(
                    type=WAMessage.ProtocolMessage.MESSAGE_EDIT
                )
            ),
            USER,
            "text",
            None,
            {"edit": "1"},
            {},
        ),
        (
            WAMessage(pollUpdateMessage=WAMessage.PollUpdateMessage()),
            USER,
            "poll",
            None,
            {},
            {},
        ),
        (
            WAMessage(
                ephemeralMessage=WAMessage.FutureProofMessage(
                    message=WAMessage(imageMessage=WAMessage.ImageMessage())
                )
            ),
            USER,
            "media",
            "image",
            {},
            {},
        ),
    ],
)
def test_stanza_shape(
    body: WAMessage,
    to: Jid,
    kind: str,
    media: str | None,
    attrs: dict[str, str],
    enc_attrs: dict[str, str],
) -> None:
    shape = stanza_shape(body, to)
    assert (shape.type, shape.media_type, shape.attrs, shape.enc_attrs) == (
        kind,
        media,
        attrs,
        enc_attrs,
    )
    assert shape.nodes == ()


def test_a_new_poll_carries_its_meta_node() -> None:
    body = WAMessage(pollCreationMessageV3=WAMessage.PollCreationMessage(name="q"))
    shape = stanza_shape(body, USER)
    assert shape.type == "poll"
    assert shape.nodes == (Node("meta", {"polltype": "creation"}),)


def _vote(selected: list[str], iv: bytes = bytes(12)) -> WAMessage.PollEncValue:
    return encrypt_poll_vote(
        selected, secret=SECRET, poll_id="POLL1", creator=CREATOR, voter=USER, iv=iv
    )


def test_a_vote_opens_with_the_poll_secret_and_names_its_options() -> None:
    vote = _vote(["b", "a"])
    hashes = decrypt_poll_vote(
        vote, secret=SECRET, poll_id="POLL1", creator=CREATOR, voter=USER.with_device(4)
    )
    assert hashes == (poll_option_hash("b"), poll_option_hash("a"))
    assert option_names(hashes, ["a", "b", "c"]) == ("b", "a")


@pytest.mark.parametrize(
    "change",
    [
        {"secret": bytes(32)},
        {"poll_id": "POLL2"},
        {"creator": USER},
        {"voter": CREATOR},
    ],
)
def test_a_vote_does_not_open_under_any_other_context(change: dict[str, object]) -> None:
    context: dict[str, object] = {
        "secret": SECRET,
        "poll_id": "POLL1",
        "creator": CREATOR,
        "voter": USER,
    }
    context.update(change)
    with pytest.raises(PollVoteError, match="encPayload"):
        decrypt_poll_vote(_vote(["a"]), **context)  # type: ignore[arg-type]


def test_bad_sizes_are_named() -> None:
    with pytest.raises(PollVoteError, match="encIv"):
        decrypt_poll_vote(
            WAMessage.PollEncValue(encPayload=b"x", encIv=b"short"),
            secret=SECRET,
            poll_id="P",
            creator=CREATOR,
            voter=USER,
        )
    with pytest.raises(PollVoteError, match="secret"):
        encrypt_poll_vote(["a"], secret=b"x", poll_id="P", creator=CREATOR, voter=USER)
    with pytest.raises(PollVoteError, match="IV"):
        _vote(["a"], iv=b"123")


@given(payload=st.binary(max_size=200), iv=st.binary(max_size=20))
def test_any_bytes_as_a_vote_give_a_poll_vote_error_or_hashes(payload: bytes, iv: bytes) -> None:
    vote = WAMessage.PollEncValue(encPayload=payload, encIv=iv)
    try:
        hashes = decrypt_poll_vote(
            vote, secret=SECRET, poll_id="POLL1", creator=CREATOR, voter=USER
        )
    except PollVoteError:
        return
    assert all(isinstance(h, bytes) for h in hashes)


@given(tamper=st.integers(min_value=0, max_value=10_000))
def test_a_tampered_vote_is_refused(tamper: int) -> None:
    vote = _vote(["a", "b"])
    body = bytearray(vote.encPayload)
    body[tamper % len(body)] ^= 1 << (tamper % 8)
    with pytest.raises(PollVoteError):
        decrypt_poll_vote(
            WAMessage.PollEncValue(encPayload=bytes(body), encIv=vote.encIv),
            secret=SECRET,
            poll_id="POLL1",
            creator=CREATOR,
            voter=USER,
        )


@given(data=st.binary(max_size=300), group=st.booleans())
def test_any_body_has_a_stanza_shape(data: bytes, group: bool) -> None:
    try:
        body = WAMessage.FromString(data)
    except Exception:  # protobuf's DecodeError: not a body at all
        return
    shape = stanza_shape(body, GROUP if group else USER)
    assert shape.type in ("text", "reaction", "poll", "media")
    assert set(shape.attrs) <= {"edit"}
    assert set(shape.enc_attrs) <= {"decrypt-fail"}
