"""The server's answers to the IQs a companion sends, in the shapes real servers reply with.

One table maps an IQ's namespace (``xmlns``), type and first child to a handler; each handler
reads the request and the server's state (`Directory`) and returns the reply. An IQ nothing
in the table answers gets the error a server sends for an unknown request (``501
feature-not-implemented``), never silence: a client that waits for an answer is told at once.

The shapes follow what WhatsApp's servers send as the public clients read them (Baileys
``lib/Socket/*.js`` and ``lib/WAUSync``, whatsmeow, whatsapp-rust) and the facts collected in
``reference/e2e-brief.md`` §1, §2.3, §2.7, §4.3, §7.5.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Final

from wabus.core import Jid, Node, Server
from wabus.protocol import xeddsa_verify
from wabus.simulator._accounts import Account, Device, PublishedKeys
from wabus.simulator._appstate import server_sync_notice
from wabus.simulator._groups import GROUP_HANDLERS
from wabus.simulator._replies import IqContext, IqError, result, server_error

__all__ = ["IqContext", "IqError", "answer_iq", "result", "server_error"]

SERVER: Final = Jid("", Server.USER)
_DJB: Final = b"\x05"
_MEDIA_CONN_TTL: Final = 21_600  # seconds, as the real servers answer
# A few server props clients read (config codes as Baileys names them), with a stable hash.
_PROPS: Final = {"10518": "false", "9666": "false", "14303": "false"}
_PROPS_HASH: Final = hashlib.sha1(repr(sorted(_PROPS.items())).encode()).hexdigest()[:8]  # noqa: S324


_Handler = Callable[[IqContext, Node], Node]


# encrypt -----------------------------------------------------------------------------------


def _bytes_child(parent: Node, tag: str, size: int | None = None) -> bytes:
    child = parent.child(tag)
    content = child.bytes_content if child is not None else None
    if content is None or (size is not None and len(content) != size):
        raise IqError(400, "bad-request")
    return content


def _key_id(parent: Node) -> int:
    return int.from_bytes(_bytes_child(parent, "id", 3), "big")


def _own_device(ctx: IqContext) -> Device:
    if ctx.device is None:
        raise IqError(401, "not-authorized")
    return ctx.device


def _prekey_count(ctx: IqContext, request: Node) -> Node:
    keys = _own_device(ctx).keys
    count = len(keys.prekeys) if keys is not None else 0
    return result(request, Node("count", {"value": str(count)}))


def _upload_prekeys(ctx: IqContext, request: Node) -> Node:
    device = _own_device(ctx)
    if _bytes_child(request, "type", 1) != _DJB:
        raise IqError(400, "bad-request")
    signed = request.child("skey")
    if signed is None:
        raise IqError(400, "bad-request")
    keys = PublishedKeys(
        registration_id=int.from_bytes(_bytes_child(request, "registration", 4), "big"),
        identity=_bytes_child(request, "identity", 32),
        signed_prekey_id=_key_id(signed),
        signed_prekey=_bytes_child(signed, "value", 32),
        signed_prekey_signature=_bytes_child(signed, "signature", 64),
    )
    _check_signed(keys.identity, keys.signed_prekey, keys.signed_prekey_signature)
    if device.keys is not None and device.keys.identity == keys.identity:
        keys.prekeys.update(device.keys.prekeys)  # an upload adds to what is there
    listed = request.child("list")
    for key in listed.children("key") if listed is not None else ():
        keys.prekeys[_key_id(key)] = _bytes_child(key, "value", 32)
    device.keys = keys
    if device.number != 0 and device.simulated is None and not device.app_state_keys_shared:
        # The phone can now write to its new companion: it shares its app-state key.
        device.app_state_keys_shared = True
        share = device.account.app_state.key_share_stanza(device.jid, ctx.now())
        ctx.notices.append((device, share))
    return result(request)


def _rotate(ctx: IqContext, request: Node) -> Node:
    device = _own_device(ctx)
    rotate = request.require_child("rotate")
    signed = rotate.child("skey")
    if device.keys is None or signed is None:
        raise IqError(406, "not-acceptable")
    value = _bytes_child(signed, "value", 32)
    signature = _bytes_child(signed, "signature", 64)
    _check_signed(device.keys.identity, value, signature)
    device.keys.signed_prekey_id = _key_id(signed)
    device.keys.signed_prekey, device.keys.signed_prekey_signature = value, signature
    return result(request)


def _check_signed(identity: bytes, signed_prekey: bytes, signature: bytes) -> None:
    """A signed prekey's signature must verify under the identity it is published with
    (peers that skip the check, as libsignal-node does, would otherwise trust it blindly)."""
    if not xeddsa_verify(identity, _DJB + signed_prekey, signature):
        raise IqError(406, "not-acceptable")


def _digest(ctx: IqContext, request: Node) -> Node:
    keys = _own_device(ctx).keys
    if keys is None:
        raise IqError(404, "item-not-found")
    ids = list(keys.prekeys)
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(keys.identity + keys.signed_prekey + keys.signed_prekey_signature)
    for key_id in ids:
        digest.update(keys.prekeys[key_id])
    return result(
        request,
        Node(
            "digest",
            None,
            [
                Node("registration", None, keys.registration_id.to_bytes(4, "big")),
                Node("type", None, _DJB),
                Node("identity", None, keys.identity),
                Node("skey", None, _signed_key_nodes(keys)),
                Node("list", None, [Node("id", None, i.to_bytes(3, "big")) for i in ids]),
                Node("hash", None, digest.digest()),
            ],
        ),
    )


def _signed_key_nodes(keys: PublishedKeys) -> list[Node]:
    return [
        Node("id", None, keys.signed_prekey_id.to_bytes(3, "big")),
        Node("value", None, keys.signed_prekey),
        Node("signature", None, keys.signed_prekey_signature),
    ]


def _bundles(ctx: IqContext, request: Node) -> Node:
    users: list[Node] = []
    for user in request.require_child("key").children("user"):
        jid = user.jid("jid")
        device = ctx.directory.device(jid)
        keys = device.bundle_keys if device is not None else None
        if keys is None:
            users.append(
                Node(
                    "user", {"jid": jid}, [Node("error", {"code": "404", "text": "item-not-found"})]
                )
            )
            continue
        children = [
            Node("registration", None, keys.registration_id.to_bytes(4, "big")),
            Node("type", None, _DJB),
            Node("identity", None, keys.identity),
        ]
        one_time = keys.take_prekey()
        if one_time is not None:
            key_id, public = one_time
            children.append(
                Node(
                    "key",
                    None,
                    [Node("id", None, key_id.to_bytes(3, "big")), Node("value", None, public)],
                )
            )
        children.append(Node("skey", None, _signed_key_nodes(keys)))
        users.append(Node("user", {"jid": jid}, children))
    return result(request, Node("list", None, users))


# Session bookkeeping -----------------------------------------------------------------------


def _empty(ctx: IqContext, request: Node) -> Node:
    return result(request)


def _media_conn(ctx: IqContext, request: Node) -> Node:
    ctx.account  # noqa: B018 - only a logged-in device may ask (401 otherwise)
    if not ctx.media_host:
        raise IqError(503, "service-unavailable")
    return result(
        request,
        Node(
            "media_conn",
            {
                "auth": ctx.media_auth,
                "ttl": str(_MEDIA_CONN_TTL),
                "auth_ttl": str(_MEDIA_CONN_TTL),
                "max_buckets": "12",
            },
            [Node("host", {"hostname": ctx.media_host}, [Node("download"), Node("upload")])],
        ),
    )


def _props(ctx: IqContext, request: Node) -> Node:
    props = [
        Node("prop", {"config_code": code, "config_value": value}) for code, value in _PROPS.items()
    ]
    return result(request, Node("props", {"protocol": "1", "hash": _PROPS_HASH}, props))


def _blocklist(ctx: IqContext, request: Node) -> Node:
    account = ctx.account
    items = [Node("item", {"jid": jid}) for jid in account.blocklist]
    return result(request, Node("list", None, items))


def _block(ctx: IqContext, request: Node) -> Node:
    account = ctx.account
    item = request.require_child("item")
    jid = item.jid("jid").to_non_ad()
    action = item.attr("action")
    if action == "block":
        if jid not in account.blocklist:
            account.blocklist.append(jid)
    elif action == "unblock":
        if jid in account.blocklist:
            account.blocklist.remove(jid)
    else:
        raise IqError(400, "bad-request")
    return result(request)


def _privacy_categories(account: Account) -> Node:
    return Node(
        "privacy",
        None,
        [
            Node("category", {"name": name, "value": value})
            for name, value in account.privacy.items()
        ],
    )


def _privacy(ctx: IqContext, request: Node) -> Node:
    return result(request, _privacy_categories(ctx.account))


def _set_privacy(ctx: IqContext, request: Node) -> Node:
    account = ctx.account
    privacy = request.child("privacy")
    if privacy is None:  # e.g. <tokens>: privacy tokens are accepted and not kept
        return result(request)
    for category in privacy.children("category"):
        account.privacy[category.attr("name")] = category.attr("value")
    return result(request, _privacy_categories(account))


def _app_state(ctx: IqContext, request: Node) -> Node:
    account = ctx.account  # only a logged-in device may sync
    before = {name: c.version for name, c in account.app_state.collections.items()}
    answer = account.app_state.answer(request, ctx.store_media)
    changed = [
        (name, c.version)
        for name, c in account.app_state.collections.items()
        if c.version != before.get(name, 0)
    ]
    if changed:  # a companion's patch: its other devices are told to fetch
        for device in account.devices.values():
            if device.number != 0 and device is not ctx.device:
                stanza_id = f"sync-{device.number}-{ctx.now()}-{changed[0][1]}"
                ctx.notices.append((device, server_sync_notice(changed, stanza_id, ctx.now())))
    return result(request, answer)


def _picture(ctx: IqContext, request: Node) -> Node:
    ctx.account  # noqa: B018 - only a logged-in device may ask
    target = request.jid("target")
    owner = ctx.directory.account(target)
    picture = owner.picture if owner is not None else None
    if owner is None or picture is None:
        raise IqError(404, "item-not-found")
    if any(ctx.account.is_user(blocked) for blocked in owner.blocklist):
        raise IqError(401, "not-authorized")  # who is blocked sees no picture
    picture_id, url = picture
    kind = request.require_child("picture").opt_attr("type") or "preview"
    return result(
        request,
        Node(
            "picture",
            {"id": picture_id, "type": kind, "url": url, "direct_path": url.partition("//")[2]},
        ),
        **{"from": target.to_non_ad()},
    )


def _business(ctx: IqContext, request: Node) -> Node:
    ctx.account  # noqa: B018 - only a logged-in device may ask
    profiles = []
    for asked in request.require_child("business_profile").children("profile"):
        owner = ctx.directory.account(asked.jid("jid"))
        if owner is None or owner.business is None:
            continue  # not a business: the server leaves it out
        fields = owner.business
        children = [
            Node(tag, None, fields[tag])
            for tag in ("address", "description", "website", "email")
            if fields.get(tag)
        ]
        if fields.get("category"):
            children.append(
                Node("categories", None, [Node("category", {"id": "1"}, fields["category"])])
            )
        if fields.get("timezone"):
            children.append(Node("business_hours", {"timezone": fields["timezone"]}))
        profiles.append(Node("profile", {"jid": owner.pn, "tag": "1"}, children))
    return result(request, Node("business_profile", None, profiles))


# usync -------------------------------------------------------------------------------------


def _usync(ctx: IqContext, request: Node) -> Node:
    usync = request.require_child("usync")
    query = usync.require_child("query")
    protocols = [child.tag for child in query.nodes]
    listed = usync.require_child("list")
    users = [_usync_user(ctx, user, protocols) for user in listed.children("user")]
    attrs: dict[str, str | Jid] = {"sid": usync.opt_attr("sid") or "", "index": "0", "last": "true"}
    return result(request, Node("usync", attrs, [Node("list", None, users)]))


def _usync_user(ctx: IqContext, user: Node, protocols: list[str]) -> Node:
    account: Account | None = None
    jid = user.opt_jid("jid")
    contact = user.child("contact")
    phone = contact.text if contact is not None else None
    if jid is not None:
        account = ctx.directory.account(jid)
    elif phone:
        digits = phone.lstrip("+")
        jid = Jid(digits, Server.USER) if digits.isdigit() else None
        account = ctx.directory.account(jid) if jid is not None else None
    if jid is None:
        raise IqError(400, "bad-request")
    children: list[Node] = []
    for protocol in protocols:
        if protocol == "devices":
            if account is None:
                children.append(
                    Node(
                        "devices", None, [Node("device-list", None, [Node("device", {"id": "0"})])]
                    )
                )
                continue
            devices = [
                Node(
                    "device",
                    {"id": str(n)} if n == 0 else {"id": str(n), "key-index": str(d.key_index)},
                )
                for n, d in sorted(account.devices.items())
                if n == 0 or d.keys is not None
            ]
            children.append(Node("devices", None, [Node("device-list", None, devices)]))
        elif protocol == "contact":
            kind = "in" if account is not None else "out"
            children.append(Node("contact", {"type": kind}, phone if phone else None))
        elif protocol == "lid":
            if account is not None:
                children.append(Node("lid", {"val": account.lid}))
            else:
                children.append(Node("lid"))
        elif protocol == "status":
            if account is None:
                children.append(Node("status", {"code": "404"}))
            else:
                children.append(Node("status", {"t": str(ctx.now())}, account.status or None))
        elif protocol == "disappearing_mode":
            children.append(Node("disappearing_mode", {"duration": "0", "t": "0"}))
        # Protocols the simulator does not model are left out of the user's answer, as a
        # server leaves out what it has nothing for.
    out_jid: Jid = account.pn if account is not None and not jid.is_lid else jid.to_non_ad()
    if account is not None and jid.is_lid:
        out_jid = account.lid
    return Node("user", {"jid": out_jid}, children)


# The table ---------------------------------------------------------------------------------

# (xmlns, type, first child's tag or None for "any") → handler; the first match wins.
_TABLE: Final[list[tuple[str, str, str | None, _Handler]]] = [
    ("encrypt", "get", "count", _prekey_count),
    ("encrypt", "get", "digest", _digest),
    ("encrypt", "get", "key", _bundles),
    ("encrypt", "set", "rotate", _rotate),
    ("encrypt", "set", "registration", _upload_prekeys),
    ("encrypt", "set", "list", _upload_prekeys),
    ("passive", "set", None, _empty),
    ("w:m", "set", "media_conn", _media_conn),
    ("abt", "get", "props", _props),
    ("w", "get", "props", _props),
    ("blocklist", "get", None, _blocklist),
    ("blocklist", "set", "item", _block),
    ("privacy", "get", "privacy", _privacy),
    ("privacy", "set", None, _set_privacy),
    ("usync", "get", "usync", _usync),
    ("w:profile:picture", "get", "picture", _picture),
    ("w:biz", "get", "business_profile", _business),
    ("w:sync:app:state", "set", "sync", _app_state),
    ("urn:xmpp:whatsapp:dirty", "set", "clean", _empty),
    *GROUP_HANDLERS,
]


def answer_iq(ctx: IqContext, request: Node) -> Node:
    """The reply to one ``<iq type=get|set>`` from a client (see the module doc)."""
    xmlns = request.opt_attr("xmlns") or ""
    kind = request.opt_attr("type") or ""
    first = request.nodes[0].tag if request.nodes else None
    for want_xmlns, want_type, want_child, handler in _TABLE:
        if want_xmlns == xmlns and want_type == kind and want_child in (None, first):
            try:
                return handler(ctx, request)
            except IqError as err:
                return server_error(request, err.code, err.text)
            except ValueError:  # a malformed request: a NodeError, a bad JID, …
                return server_error(request, 400, "bad-request")
    return server_error(request, 501, "feature-not-implemented")
