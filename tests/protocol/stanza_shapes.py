"""Stanzas in the shapes real servers send and real clients parse, for the router's gaps
(issue 11 §3): the router tests check what each one means, the fuzz test mutates them.

Where each shape is read in the clients that parse it (Baileys 7.0.0-rc14 ``lib/Socket``,
whatsmeow, whatsapp-rust):

- account_sync ``<blocklist>``: Baileys ``messages-recv.js`` (``item`` children with ``jid``
  and ``action``), whatsmeow ``handleBlocklist`` (``dhash``, ``prev_dhash``, ``action``);
- account_sync ``<disappearing_mode duration t>``: Baileys ``messages-recv.js``;
- ``<ib><downgrade_webclient/>``: Baileys ``socket.js``, whatsmeow ``handleIB``;
- ``<ib><dirty type timestamp>``: Baileys ``chats.js`` / ``groups.js``, whatsapp-rust
  ``handlers/ib.rs``;
- devices ``<add device_hash>``: Baileys ``handleDevicesNotification``, whatsapp-rust
  ``stanza/devices.rs`` (``hash`` only on ``<update>``);
- w:gp2 ``<remove>`` of the actor, ``<leave>``, participants' ``type``: Baileys
  ``handleGroupNotification``; ``<created_membership_requests>``: Baileys (``participant``)
  and whatsapp-rust ``stanza/groups.rs`` (``requested_user``);
- contacts ``update`` / ``modify`` / ``sync``: whatsapp-rust ``handle_contacts_notification``;
- newsletter ``live_updates``: whatsapp-rust (``messages`` > ``message``) and whatsmeow
  (``message`` directly under ``live_updates``).
"""

from __future__ import annotations

from wabus.core import Jid, Node, Server

ME = Jid("15550000001", Server.USER)
ME_LID = Jid("100000000000001", Server.LID)
ALICE = Jid("15550000002", Server.USER)
ALICE_LID = Jid("100000000000002", Server.LID)
BOB = Jid("15550000003", Server.USER)
BOB_LID = Jid("100000000000003", Server.LID)
CAROL = Jid("15550000004", Server.USER)
GROUP = Jid("120363000000000001", Server.GROUP)
NEWSLETTER = Jid("120363000000000009", Server.NEWSLETTER)
T = "1752021890"
T2 = "1752000000"


def _notification(kind: str, origin: Jid, *children: Node, **attrs: str | Jid) -> Node:
    base: dict[str, str | Jid] = {"from": origin, "type": kind, "id": "2871094523", "t": T}
    base.update(attrs)
    return Node("notification", base, list(children))


BLOCKLIST = _notification(
    "account_sync",
    ME,
    Node(
        "blocklist",
        {"dhash": "2:Lo5kkuGr", "prev_dhash": "2:yG0aS2eH"},
        [
            Node("item", {"jid": ALICE, "action": "block"}),
            Node("item", {"jid": BOB_LID, "action": "unblock"}),
        ],
    ),
)
BLOCKLIST_MODIFIED = _notification(
    "account_sync", ME, Node("blocklist", {"action": "modify", "dhash": "2:Lo5kkuGr"})
)
OWN_DISAPPEARING_MODE = _notification(
    "account_sync", ME, Node("disappearing_mode", {"duration": "604800", "t": T2})
)
DOWNGRADE_WEBCLIENT = Node("ib", {"from": Jid("", Server.USER)}, [Node("downgrade_webclient")])
DIRTY = Node(
    "ib", {"from": Jid("", Server.USER)}, [Node("dirty", {"type": "account_sync", "timestamp": T})]
)
DIRTY_GROUPS = Node("ib", None, [Node("dirty", {"type": "groups"})])
DEVICES_ADD = _notification(
    "devices",
    ALICE,
    Node(
        "add",
        {"device_hash": "2:3EYYzzBr"},
        [
            Node("device", {"jid": ALICE.with_device(5), "key-index": "2"}),
            Node("key-index-list", {"ts": T2}, b"signed"),
        ],
    ),
    lid=ALICE_LID,
)
DEVICES_UPDATE = _notification("devices", ALICE, Node("update", {"hash": "Kq2l"}), lid=ALICE_LID)


def gp2(*actions: Node, actor: Jid = BOB_LID, actor_pn: Jid = BOB) -> Node:
    """A ``w:gp2`` notification of a LID-addressed group, made by `actor`."""
    return _notification(
        "w:gp2",
        GROUP,
        *actions,
        participant=actor,
        participant_pn=actor_pn,
        addressing_mode="lid",
    )


GROUP_SELF_REMOVE = gp2(Node("remove", None, [Node("participant", {"jid": BOB_LID})]))
GROUP_LEAVE = gp2(Node("leave", None, [Node("participant", {"jid": BOB_LID, "phone_number": BOB})]))
GROUP_PROMOTE = gp2(
    Node(
        "promote",
        None,
        [Node("participant", {"jid": ALICE_LID, "phone_number": ALICE, "type": "admin"})],
    )
)
GROUP_CREATE = gp2(
    Node(
        "create",
        None,
        [
            Node(
                "group",
                {"id": "120363000000000001", "subject": "New", "creator": BOB_LID},
                [
                    Node("participant", {"jid": BOB_LID, "type": "superadmin"}),
                    Node("participant", {"jid": ME_LID}),
                ],
            )
        ],
    )
)
GROUP_MEMBERSHIP_REQUESTS = gp2(
    Node(
        "created_membership_requests",
        {"request_method": "invite_link"},
        [Node("requested_user", {"jid": ALICE_LID, "phone_number": ALICE})],
    ),
    actor=ALICE_LID,
    actor_pn=ALICE,
)
GROUP_MEMBERSHIP_REQUESTS_BAILEYS = gp2(
    Node(
        "created_membership_requests",
        {"request_method": "non_admin_add", "parent_group_jid": GROUP},
        [Node("participant", {"jid": CAROL})],
    ),
)
OWN_OTHER_DEVICE_MESSAGE = Node(
    "message",
    {"from": ME.with_device(2), "recipient": ALICE, "id": "3EB0A1", "t": T, "type": "text"},
    [Node("plaintext", None, b"\n\x02hi")],
)
OWN_OTHER_DEVICE_LID_MESSAGE = Node(
    "message",
    {"from": ME_LID.with_device(3), "recipient": ALICE_LID, "id": "3EB0A2", "t": T},
    [Node("plaintext", None, b"\n\x02hi")],
)
CONTACT_UPDATE = _notification("contacts", ME, Node("update", {"jid": ALICE}))
CONTACT_UPDATE_HASH_ONLY = _notification("contacts", ME, Node("update", {"hash": "AbCd"}))
CONTACT_MODIFY = _notification(
    "contacts",
    ME,
    Node("modify", {"old": ALICE, "new": CAROL, "old_lid": ALICE_LID, "new_lid": BOB_LID}),
)
CONTACT_SYNC = _notification("contacts", ME, Node("sync", {"after": T2}))
CONTACT_ADD = _notification("contacts", ME, Node("add", {"jid": ALICE}))
NEWSLETTER_LIVE = _notification(
    "newsletter",
    NEWSLETTER,
    Node(
        "live_updates",
        None,
        [
            Node(
                "messages",
                {"jid": NEWSLETTER, "t": T},
                [
                    Node(
                        "message",
                        {"server_id": "123"},
                        [
                            Node(
                                "reactions",
                                None,
                                [
                                    Node("reaction", {"code": "👍", "count": "3"}),
                                    Node("reaction", {"code": "❤", "count": "1"}),
                                ],
                            )
                        ],
                    ),
                    Node("message", {"server_id": "124"}),
                ],
            )
        ],
    ),
)
NEWSLETTER_LIVE_FLAT = _notification(  # whatsmeow reads <message> right under <live_updates>
    "newsletter",
    NEWSLETTER,
    Node(
        "live_updates",
        None,
        [
            Node(
                "message",
                {"server_id": "125", "id": "XY", "t": T},
                [Node("reactions", None, [Node("reaction", {"code": "🔥", "count": "7"})])],
            )
        ],
    ),
)
NEWSLETTER_REACTION = _notification(  # Baileys' reaction notice: no live counts
    "newsletter",
    NEWSLETTER,
    Node("reaction", {"message_id": "123"}, [Node("reaction", None, "👍")]),
)
PRIVACY_TOKEN = _notification(
    "privacy_token",
    ALICE,
    Node("tokens", None, [Node("token", {"type": "trusted_contact", "t": T}, b"\x01\x02")]),
    sender_lid=ALICE_LID,
)
SERVER_SYNC = _notification(
    "server_sync",
    ME,
    Node("collection", {"name": "regular_high", "version": "12"}),
    Node("collection", {"name": "critical_block", "version": "3"}),
)
MEDIA_RETRY = _notification(
    "mediaretry",
    ALICE,
    Node("encrypt", None, [Node("enc_p", None, b"\x00" * 16), Node("enc_iv", None, b"\x01" * 12)]),
    Node("rmr", {"jid": ALICE, "from_me": "true", "participant": ALICE}),
    id="3EB0A3",
)

SHAPES: tuple[Node, ...] = (
    BLOCKLIST,
    BLOCKLIST_MODIFIED,
    OWN_DISAPPEARING_MODE,
    DOWNGRADE_WEBCLIENT,
    DIRTY,
    DIRTY_GROUPS,
    DEVICES_ADD,
    DEVICES_UPDATE,
    GROUP_SELF_REMOVE,
    GROUP_LEAVE,
    GROUP_PROMOTE,
    GROUP_CREATE,
    GROUP_MEMBERSHIP_REQUESTS,
    GROUP_MEMBERSHIP_REQUESTS_BAILEYS,
    OWN_OTHER_DEVICE_MESSAGE,
    OWN_OTHER_DEVICE_LID_MESSAGE,
    CONTACT_UPDATE,
    CONTACT_UPDATE_HASH_ONLY,
    CONTACT_MODIFY,
    CONTACT_SYNC,
    CONTACT_ADD,
    NEWSLETTER_LIVE,
    NEWSLETTER_LIVE_FLAT,
    NEWSLETTER_REACTION,
    PRIVACY_TOKEN,
    SERVER_SYNC,
    MEDIA_RETRY,
)
"""Every shape above: seeds for the router's fuzz test."""
