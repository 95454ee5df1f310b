"""The stanzas of the simulator's scenario (also the body of the sample capture).

`offline_stanzas` is what the server queued while the device was away (a preview, the edge
routing token, a history sync, a message and a receipt; the server itself ends offline delivery
at login with ``<ib><offline count=…/>``); `live_stanzas` is ordinary
traffic afterwards, one stanza for every kind of event the router makes from it. Everything is
built as nodes, with fixed ids and times, so the scenario is the same on every run.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from wabus.core import Jid, Node, Server
from wabus.proto import e2e_pb2, history_pb2
from wabus.protocol import (
    AppStateAction,
    MediaType,
    archive_chat,
    encrypt_media,
    mark_chat_read,
    mute_chat,
    pin_chat,
)

__all__ = [
    "ALICE",
    "ALICE_LID",
    "BOB",
    "BOB_LID",
    "CONTACTS",
    "GROUP",
    "T0",
    "app_state_actions",
    "live_stanzas",
    "offline_stanzas",
    "text_message",
]

WA = e2e_pb2.Message
ALICE: Final = Jid("15550000002", Server.USER)
ALICE_LID: Final = Jid("100000000000002", Server.LID)
BOB: Final = Jid("15550000003", Server.USER)
BOB_LID: Final = Jid("100000000000003", Server.LID)
CONTACTS: Final = ((ALICE, ALICE_LID, "Alice"), (BOB, BOB_LID, "Bob"))
"""The scenario's people: (phone-number JID, LID, push name). The simulator knows them."""
GROUP: Final = Jid("120363000000000001", Server.GROUP)
GROUP_SUBJECT: Final = "Book club"
T0: Final = 1_790_000_000


def _t(seconds: int) -> str:
    return str(T0 + seconds)


def _body(message: WA) -> Node:
    return Node("plaintext", None, message.SerializeToString())


def text_message(
    sender: Jid,
    text: str,
    message_id: str,
    *,
    chat: Jid | None = None,
    push_name: str = "",
    t: int = 0,
) -> Node:
    """A ``<message>`` with a plaintext text body (in a group when `chat` is a group)."""
    attrs: dict[str, str | Jid] = {
        "from": chat or sender,
        "id": message_id,
        "t": _t(t),
        "type": "text",
    }
    if chat is not None and chat.is_group:
        attrs["participant"] = sender
    if push_name:
        attrs["notify"] = push_name
    return Node("message", attrs, [_body(WA(conversation=text))])


def _history(me: Jid) -> Node:
    blob = history_pb2.HistorySync(
        syncType=history_pb2.HistorySync.INITIAL_BOOTSTRAP,
        conversations=[
            history_pb2.Conversation(id=str(ALICE), name="Alice", unreadCount=1),
            history_pb2.Conversation(id=str(GROUP), name="Book club"),
        ],
        pushnames=[history_pb2.Pushname(id=str(ALICE), pushname="Alice")],
    ).SerializeToString()
    body = WA(
        protocolMessage=WA.ProtocolMessage(
            type=WA.ProtocolMessage.HISTORY_SYNC_NOTIFICATION,
            historySyncNotification=WA.HistorySyncNotification(
                syncType=WA.HistorySyncType.INITIAL_BOOTSTRAP,
                chunkOrder=1,
                progress=100,
                initialHistBootstrapInlinePayload=zlib.compress(blob, 9),
            ),
        )
    )
    return Node(
        "message",
        {"from": me.with_device(0), "id": "HIST1", "t": _t(1), "category": "peer"},
        [_body(body)],
    )


Store = Callable[[bytes, MediaType], str]
"""Keeps an encrypted file on the media host; returns its direct path."""


def _history_by_media(me: Jid, store: Store) -> Node:
    """The second history chunk, as the phone sends the bigger ones: the blob encrypted on the
    media host, the notification naming it (direct path, media key, hashes)."""
    blob = history_pb2.HistorySync(
        syncType=history_pb2.HistorySync.RECENT,
        conversations=[history_pb2.Conversation(id=str(BOB), name="Bob")],
        pushnames=[history_pb2.Pushname(id=str(BOB), pushname="Bob")],
    ).SerializeToString()
    encrypted = encrypt_media(zlib.compress(blob, 9), MediaType.HISTORY)
    body = WA(
        protocolMessage=WA.ProtocolMessage(
            type=WA.ProtocolMessage.HISTORY_SYNC_NOTIFICATION,
            historySyncNotification=WA.HistorySyncNotification(
                syncType=WA.HistorySyncType.RECENT,
                chunkOrder=2,
                progress=100,
                directPath=store(encrypted.data, MediaType.HISTORY),
                mediaKey=encrypted.media_key,
                fileSha256=encrypted.file_sha256,
                fileEncSha256=encrypted.file_enc_sha256,
                fileLength=encrypted.file_length,
            ),
        )
    )
    return Node(
        "message",
        {"from": me.with_device(0), "id": "HIST2", "t": _t(1), "category": "peer"},
        [_body(body)],
    )


def offline_stanzas(me: Jid, media: Store | None = None) -> list[Node]:
    """What arrives after login as offline delivery: the preview … a receipt. With a `media`
    host to keep files on, a second history chunk comes from there (the blob by reference)."""
    history = [_history(me)] if media is None else [_history(me), _history_by_media(me, media)]
    return [
        Node("ib", None, [Node("offline_preview", {"count": "3", "message": "2", "receipt": "1"})]),
        Node("ib", None, [Node("edge_routing", None, [Node("routing_info", None, b"\x08\x02")])]),
        *history,
        Node(
            "message",
            {
                "from": ALICE.with_device(2),
                "id": "MSG1",
                "t": _t(2),
                "notify": "Alice",
                "type": "text",
                "offline": "1",
            },
            [_body(WA(conversation="ping"))],
        ),
        Node(
            "receipt",
            {"from": ALICE, "id": "OUT1", "type": "read", "t": _t(3)},
            [Node("list", None, [Node("item", {"id": "OUT2"})])],
        ),
    ]


def live_stanzas(me: Jid) -> list[Node]:
    """Live traffic: one stanza (at least) per kind of event the router makes from traffic."""

    def notification(kind: str, *children: Node, **attrs: str | Jid) -> Node:
        base: dict[str, str | Jid] = {"from": ALICE, "type": kind, "id": f"n-{kind}", "t": _t(70)}
        base.update(attrs)
        return Node("notification", base, list(children))

    return [
        text_message(BOB, "hello, group", "MSG2", chat=GROUP, push_name="Bob", t=10),
        Node(
            "message",
            {"from": ALICE, "id": "MSG3", "t": _t(11), "notify": "Alice B."},
            [_body(WA(imageMessage=WA.ImageMessage(caption="a picture")))],
        ),
        Node(
            "message",
            {"from": ALICE, "id": "MSG4", "t": _t(12)},
            [Node("enc", {"v": "2", "type": "msg"}, bytes(48))],
        ),
        Node("presence", {"from": ALICE, "type": "unavailable", "last": _t(20)}),
        Node("chatstate", {"from": GROUP, "participant": BOB}, [Node("composing")]),
        Node(
            "notification",
            {
                "from": GROUP,
                "type": "w:gp2",
                "id": "gp2",
                "t": _t(60),
                "participant": BOB,
                "addressing_mode": "pn",
            },
            [
                Node(
                    "add", {"reason": "invite"}, [Node("participant", {"jid": me.with_device(0)})]
                ),
                Node("subject", {"subject": "Book club", "s_o": BOB, "s_t": _t(60)}),
            ],
        ),
        notification("picture", Node("set", {"jid": ALICE, "author": ALICE, "id": "1"})),
        notification("status", Node("set", None, "Reading")),
        notification(
            "account_sync",
            Node("disappearing_mode", {"duration": "604800", "t": _t(70)}),
            **{"from": me.to_non_ad()},
        ),
        notification(
            "devices",
            Node("add", None, [Node("device", {"jid": ALICE.with_device(3)})]),
            lid=ALICE_LID,
        ),
        notification("encrypt", Node("identity")),
        notification("business", Node("profile", {"jid": ALICE, "hash": "h"})),
        notification(
            "disappearing_mode", Node("disappearing_mode", {"duration": "86400", "t": _t(70)})
        ),
        notification("mediaretry", Node("rmr", {"jid": ALICE})),
        Node(
            "call",
            {"from": ALICE.with_device(2), "id": "CALL", "t": _t(80), "notify": "Alice"},
            [
                Node(
                    "offer",
                    {"call-id": "C1", "call-creator": ALICE.with_device(2)},
                    [Node("audio", {"enc": "opus", "rate": "16000"})],
                )
            ],
        ),
        Node("receipt", {"from": ALICE, "type": "read"}),  # no id: a malformed stanza
    ]


def app_state_actions() -> list[AppStateAction]:
    """What the phone does on its screen during the scenario (app-state mutations, which its
    companions learn by syncing): pins Alice, mutes the group for eight hours, archives Bob's
    chat and marks Alice's as unread."""
    at = datetime.fromtimestamp(T0 + 90, UTC)
    until = datetime.fromtimestamp(T0 + 90 + 8 * 3600, UTC)
    return [
        pin_chat(ALICE, True, at),
        mute_chat(GROUP, until, at),
        archive_chat(BOB, True, at),
        mark_chat_read(ALICE, False, at),
    ]
