"""WhatsApp's framing around Signal: plaintext padding, ``<enc>`` nodes, key bundles in nodes.

Theory of operation
-------------------

- Padding. Before encryption a ``Message`` protobuf gets 1 to 16 bytes of padding, each equal
  to the count (Baileys: n = (random byte & 0x0F) + 1). `unpad` is strict: it checks that all n
  bytes equal n (Baileys checks only that n fits), and refuses n = 0 and empty input, with
  `InvalidPadding`. ``<enc v="3">`` carries unpadded plaintext (`unpad_for_version`).
- ``<enc v="2" type="pkmsg|msg|skmsg" [mediatype=...]>ciphertext</enc>``: `enc_node` builds one
  and `read_enc` reads one back into an `EncPayload`, raising `InvalidMessage` for another tag,
  an unknown type or version, or a missing body.
- Key bundles: `bundle_from_node` reads a ``<user>`` of a prekey fetch reply (``registration``
  4 bytes, ``type`` 0x05, ``identity`` 32 bytes, optional ``key`` and the ``skey`` with its
  ``signature``; the keys may sit under a ``keys`` wrapper, as whatsmeow accepts); it does not
  check the signature (starting a session from the bundle does). `prekeys_node` writes the
  ``<registration>…<skey>`` children of a prekey upload.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal, cast, final

from wabus.core import AttrValue, Jid, Node, Server
from wabus.protocol._errors import InvalidMessage, InvalidPadding
from wabus.protocol._keys import KEY_SIZE, SIGNATURE_SIZE
from wabus.protocol._signal_keys import (
    LocalIdentity,
    PreKeyBundle,
    PreKeyRecord,
    SignedPreKeyRecord,
)

__all__ = [
    "EncPayload",
    "bundle_from_node",
    "enc_node",
    "pad",
    "prekeys_nodes",
    "read_enc",
    "rotate_signed_prekey_node",
    "unpad",
    "unpad_for_version",
]

_KINDS: Final = frozenset({"pkmsg", "msg", "skmsg"})
_VERSIONS: Final = frozenset({"2", "3"})
_DJB: Final = b"\x05"
_NO_ATTRS: Final[Mapping[str, AttrValue]] = MappingProxyType({})


def pad(plaintext: bytes, count: int | None = None) -> bytes:
    """`plaintext` with 1..16 padding bytes each equal to the count (random unless given)."""
    if count is None:
        count = (os.urandom(1)[0] & 0x0F) + 1
    if not 1 <= count <= 255:
        raise ValueError(f"a padding count is 1..255, got {count}")
    return plaintext + bytes([count]) * count


def unpad(padded: bytes) -> bytes:
    """The plaintext without its padding; `InvalidPadding` unless all n last bytes equal n."""
    if not padded:
        raise InvalidPadding("an empty plaintext has no padding")
    count = padded[-1]
    if count == 0 or count > len(padded):
        raise InvalidPadding(f"a padding count of {count} in {len(padded)} bytes")
    if padded[-count:] != bytes([count]) * count:
        raise InvalidPadding("the padding bytes are not all equal to the count")
    return padded[:-count]


def unpad_for_version(padded: bytes, version: str) -> bytes:
    """`unpad` for ``<enc v="2">``; ``v="3"`` plaintext has no padding and is returned as is."""
    return padded if version == "3" else unpad(padded)


@final
@dataclass(frozen=True, slots=True)
class EncPayload:
    """What an ``<enc>`` node carries."""

    kind: Literal["pkmsg", "msg", "skmsg"]
    """Its ``type``."""
    version: str
    """Its ``v`` (``"2"``: padded plaintext; ``"3"``: unpadded)."""
    body: bytes
    """The ciphertext."""
    media_type: str | None = None
    """Its ``mediatype``, if any."""


def enc_node(
    kind: Literal["pkmsg", "msg", "skmsg"],
    body: bytes,
    *,
    media_type: str | None = None,
    extra: dict[str, str] | None = None,
) -> Node:
    """``<enc v="2" type=kind [mediatype] [extra...]>body</enc>``."""
    if kind not in _KINDS:
        raise ValueError(f"an <enc> type is one of {sorted(_KINDS)}, got {kind!r}")
    attrs = {"v": "2", "type": kind}
    if media_type is not None:
        attrs["mediatype"] = media_type
    attrs.update(extra or {})
    return Node("enc", attrs, body)


def read_enc(node: Node) -> EncPayload:
    """The payload of an ``<enc>`` node; `InvalidMessage` if it is not a usable one."""
    if node.tag != "enc":
        raise InvalidMessage(f"expected <enc>, got <{node.tag}>")
    kind = node.opt_attr("type")
    if kind not in _KINDS:
        raise InvalidMessage(f"an <enc> of type {kind!r}")
    version = node.opt_attr("v", "2") or "2"
    if version not in _VERSIONS:
        raise InvalidMessage(f"an <enc> of version {version!r}")
    body = node.content
    if type(body) is not bytes or not body:
        raise InvalidMessage("an <enc> without a ciphertext")
    return EncPayload(
        cast(Literal["pkmsg", "msg", "skmsg"], kind), version, body, node.opt_attr("mediatype")
    )


def _content(parent: Node, tag: str, size: int | None) -> bytes:
    child = parent.child(tag)
    content = None if child is None else child.content
    if type(content) is not bytes:
        raise InvalidMessage(f"the bundle has no <{tag}> bytes")
    if size is not None and len(content) != size:
        raise InvalidMessage(f"the bundle's <{tag}> has {len(content)} bytes, not {size}")
    return content


def _key_id(parent: Node) -> int:
    return int.from_bytes(_content(parent, "id", 3), "big")


def bundle_from_node(user: Node) -> PreKeyBundle:
    """The `PreKeyBundle` in one ``<user>`` of a prekey fetch reply; `InvalidMessage` if bad.

    A ``<user>`` carrying an ``<error>`` instead raises too, with the error's code and text.
    """
    error = user.child("error")
    if error is not None:
        raise InvalidMessage(
            f"the server has no keys: {error.opt_attr('code')} {error.opt_attr('text')}"
        )
    keys = user.child("keys") or user
    if _content(keys, "type", 1) != _DJB:
        raise InvalidMessage("the bundle's key type is not 0x05")
    signed = keys.child("skey")
    if signed is None:
        raise InvalidMessage("the bundle has no <skey>")
    one_time = keys.child("key")
    return PreKeyBundle(
        registration_id=int.from_bytes(_content(user, "registration", 4), "big")
        if user.child("registration") is not None
        else int.from_bytes(_content(keys, "registration", 4), "big"),
        identity_key=_content(keys, "identity", KEY_SIZE),
        signed_prekey_id=_key_id(signed),
        signed_prekey=_content(signed, "value", KEY_SIZE),
        signed_prekey_signature=_content(signed, "signature", SIGNATURE_SIZE),
        prekey_id=None if one_time is None else _key_id(one_time),
        prekey=None if one_time is None else _content(one_time, "value", KEY_SIZE),
    )


def prekeys_nodes(
    identity: LocalIdentity, signed: SignedPreKeyRecord, prekeys: Iterable[PreKeyRecord]
) -> list[Node]:
    """The children of a prekey upload: ``registration``, ``type``, ``identity``, ``list``,
    ``skey`` (the caller wraps them in ``<iq xmlns=encrypt type=set>``)."""
    return [
        Node("registration", None, identity.registration_id.to_bytes(4, "big")),
        Node("type", None, _DJB),
        Node("identity", None, identity.identity.public),
        # Hundreds of keys at a first login (812): built from parts known to be right, without
        # each Node's checks and copies (a quarter of the time a checked build takes).
        Node.trusted(
            "list",
            _NO_ATTRS,
            tuple(
                Node.trusted(
                    "key",
                    _NO_ATTRS,
                    (
                        Node.trusted("id", _NO_ATTRS, record.key_id.to_bytes(3, "big")),
                        Node.trusted("value", _NO_ATTRS, record.key_pair.public),
                    ),
                )
                for record in prekeys
            ),
        ),
        _skey(signed),
    ]


def _skey(signed: SignedPreKeyRecord) -> Node:
    return Node(
        "skey",
        None,
        [
            Node("id", None, signed.key_id.to_bytes(3, "big")),
            Node("value", None, signed.key_pair.public),
            Node("signature", None, signed.signature),
        ],
    )


def rotate_signed_prekey_node(signed: SignedPreKeyRecord) -> Node:
    """The ``<iq xmlns=encrypt type=set><rotate><skey>…`` that publishes a new signed prekey."""
    return Node(
        "iq",
        {"to": Jid("", Server.USER), "xmlns": "encrypt", "type": "set"},
        [Node("rotate", None, [_skey(signed)])],
    )
