"""What an outgoing message's stanza says about its body, and the poll vote cipher.

Theory of operation
-------------------

The server never reads a message's body, so the ``<message>`` stanza says what kind it is in
its attributes, and receivers (and the server's push notifications) rely on them:

- ``type``: ``reaction`` for a reaction, ``poll`` for a poll or a vote, ``media`` for any media
  or card kind, and ``text`` for the rest;
- ``mediatype`` on each ``<enc>``: the media kind (``image``, ``ptt``, ``vcard``, ...);
- ``edit``: ``1`` for an edit, ``7`` for a revoke of one's own message, ``8`` for an admin's
  revoke of someone else's message in a group, ``2`` for a pin;
- ``decrypt-fail="hide"`` on each ``<enc>`` of a reaction or pin: a receiver that cannot
  decrypt it shows nothing;
- a ``<meta polltype="creation"/>`` child for a new poll.

`stanza_shape` reads all of it from the body, as Baileys' ``relayMessage`` and
``sendMessage`` do (``getMessageType``, ``getMediaType`` and the ``edit`` attribute logic in
``lib/Socket/messages-send.js``).

Poll votes travel encrypted with a key only the poll's participants know: the poll's
``messageContextInfo.messageSecret``. The vote key is HMAC-SHA256 based (an HKDF-Extract with
a zero salt, then one Expand block whose info is the poll id, the poll creator's JID, the
voter's JID and ``"Poll Vote"``); the ``PollVoteMessage`` (the SHA-256 of each chosen option's
name) is sealed with AES-256-GCM under a 12-byte IV, authenticating ``poll id NUL voter``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from wabus.core import Jid, Node
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol._errors import PollVoteError

__all__ = [
    "StanzaShape",
    "decrypt_poll_vote",
    "encrypt_poll_vote",
    "option_names",
    "poll_option_hash",
    "stanza_shape",
]

_EDIT: Final = 14  # ProtocolMessage.Type.MESSAGE_EDIT
_REVOKE: Final = 0  # ProtocolMessage.Type.REVOKE
_POLL_IV_SIZE: Final = 12
_POLL_KEY_SIZE: Final = 32


@dataclass(frozen=True, slots=True)
class StanzaShape:
    """What the ``<message>`` stanza of a body says about it (see the module doc)."""

    type: str = "text"
    """The stanza's ``type``."""
    media_type: str | None = None
    """Each ``<enc>``'s ``mediatype``, for media and card kinds."""
    attrs: dict[str, str] = field(default_factory=dict)
    """More attributes of the ``<message>`` (``edit``)."""
    enc_attrs: dict[str, str] = field(default_factory=dict)
    """More attributes of each ``<enc>`` (``decrypt-fail``)."""
    nodes: tuple[Node, ...] = ()
    """More children of the ``<message>`` (``<meta polltype>``)."""


_POLL_CREATIONS: Final = (
    "pollCreationMessage",
    "pollCreationMessageV2",
    "pollCreationMessageV3",
)


def _has(message: WAMessage, name: str) -> bool:
    """Whether the body has the field `name` (False for a field this schema does not know:
    a kind wabus's protobufs leave out, such as ``pinInChatMessage``, cannot be set)."""
    return name in message.DESCRIPTOR.fields_by_name and message.HasField(name)


def _inner(message: WAMessage) -> WAMessage:
    """The body inside the wrappers that do not change its kind (as Baileys normalises)."""
    for _ in range(4):
        for wrapper in (
            "ephemeralMessage",
            "viewOnceMessage",
            "viewOnceMessageV2",
            "viewOnceMessageV2Extension",
            "documentWithCaptionMessage",
            "editedMessage",
        ):
            if _has(message, wrapper):
                message = getattr(message, wrapper).message
                break
        else:
            return message
    return message


def _media_type(message: WAMessage) -> str | None:
    if message.HasField("imageMessage"):
        return "image"
    if message.HasField("videoMessage"):
        return "gif" if message.videoMessage.gifPlayback else "video"
    if message.HasField("audioMessage"):
        return "ptt" if message.audioMessage.ptt else "audio"
    if message.HasField("contactMessage"):
        return "vcard"
    if message.HasField("documentMessage"):
        return "document"
    if message.HasField("contactsArrayMessage"):
        return "contact_array"
    if message.HasField("liveLocationMessage"):
        return "livelocation"
    if message.HasField("stickerMessage"):
        return "sticker"
    return None


def stanza_shape(message: WAMessage, to: Jid) -> StanzaShape:
    """The stanza attributes and children that sending `message` to `to` needs."""
    inner = _inner(message)
    attrs: dict[str, str] = {}
    enc_attrs: dict[str, str] = {}
    nodes: list[Node] = []
    media = _media_type(inner)
    is_poll = any(inner.HasField(f) for f in _POLL_CREATIONS)
    if inner.HasField("reactionMessage"):
        kind = "reaction"
    elif is_poll or inner.HasField("pollUpdateMessage"):
        kind = "poll"
    elif media is not None:
        kind = "media"
    else:
        kind = "text"
    if inner.HasField("reactionMessage") or _has(inner, "pinInChatMessage"):
        enc_attrs["decrypt-fail"] = "hide"
    if inner.HasField("protocolMessage"):
        protocol = inner.protocolMessage
        if protocol.type == _REVOKE and protocol.HasField("key"):
            key = protocol.key
            admin = to.is_group and not key.fromMe
            attrs["edit"] = "8" if admin else "7"
        elif protocol.type == _EDIT:
            attrs["edit"] = "1"
    elif _has(inner, "pinInChatMessage"):
        attrs["edit"] = "2"
    elif is_poll:
        nodes.append(Node("meta", {"polltype": "creation"}))
    return StanzaShape(kind, media, attrs, enc_attrs, tuple(nodes))


def poll_option_hash(name: str) -> bytes:
    """How a vote names an option: the SHA-256 of its name."""
    return hashlib.sha256(name.encode()).digest()


def _vote_key(secret: bytes, poll_id: str, creator: Jid, voter: Jid) -> bytes:
    if len(secret) != _POLL_KEY_SIZE:
        raise PollVoteError(f"a poll secret is {_POLL_KEY_SIZE} bytes, got {len(secret)}")
    info = f"{poll_id}{creator.to_non_ad()}{voter.to_non_ad()}Poll Vote".encode()
    extracted = hmac.digest(bytes(32), secret, "sha256")
    return hmac.digest(extracted, info + b"\x01", "sha256")


def _aad(poll_id: str, voter: Jid) -> bytes:
    return f"{poll_id}\x00{voter.to_non_ad()}".encode()


def encrypt_poll_vote(
    selected: Iterable[str],
    *,
    secret: bytes,
    poll_id: str,
    creator: Jid,
    voter: Jid,
    iv: bytes | None = None,
) -> WAMessage.PollEncValue:
    """The encrypted vote of `voter` for the options named `selected` (see the module doc)."""
    vote = WAMessage.PollVoteMessage(selectedOptions=[poll_option_hash(s) for s in selected])
    nonce = iv if iv is not None else secrets.token_bytes(_POLL_IV_SIZE)
    if len(nonce) != _POLL_IV_SIZE:
        raise PollVoteError(f"a poll vote IV is {_POLL_IV_SIZE} bytes, got {len(nonce)}")
    key = _vote_key(secret, poll_id, creator, voter)
    sealed = AESGCM(key).encrypt(nonce, vote.SerializeToString(), _aad(poll_id, voter))
    return WAMessage.PollEncValue(encPayload=sealed, encIv=nonce)


def decrypt_poll_vote(
    vote: WAMessage.PollEncValue,
    *,
    secret: bytes,
    poll_id: str,
    creator: Jid,
    voter: Jid,
) -> tuple[bytes, ...]:
    """The option hashes `voter` chose (see `poll_option_hash`); raises `PollVoteError` when
    the vote does not open with this secret or does not parse."""
    if len(vote.encIv) != _POLL_IV_SIZE:
        size = len(vote.encIv)
        raise PollVoteError(f"encIv: a poll vote IV is {_POLL_IV_SIZE} bytes, got {size}")
    key = _vote_key(secret, poll_id, creator, voter)
    try:
        plain = AESGCM(key).decrypt(vote.encIv, vote.encPayload, _aad(poll_id, voter))
    except InvalidTag:
        raise PollVoteError("encPayload: the vote does not open with this poll's secret") from None
    try:
        parsed = WAMessage.PollVoteMessage.FromString(plain)
    except Exception as err:  # protobuf's DecodeError
        raise PollVoteError(f"the vote does not parse: {err}") from err
    return tuple(parsed.selectedOptions)


def option_names(hashes: Sequence[bytes], options: Iterable[str]) -> tuple[str, ...]:
    """The names among `options` whose hashes are in `hashes`, in the vote's order."""
    by_hash = {poll_option_hash(name): name for name in options}
    return tuple(by_hash[h] for h in hashes if h in by_hash)
