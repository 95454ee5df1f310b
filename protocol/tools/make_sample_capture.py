"""Write the sample capture that ships with wabus (``wabus replay --sample``).

    python protocol/tools/make_sample_capture.py src/wabus/cli/samples/session.wacap

Every stanza is built as a `Node` and encoded with wabus's own encoder, so no byte is written
by hand. The session covers every event kind the router produces from stanzas (the rest come
from the live client or from app-state sync): pairing, login, offline sync, every kind of
message, receipt, presence, notification and call, the connection-ending failures, and one
malformed stanza. The output is deterministic, and a test checks the committed file against it.
"""

from __future__ import annotations

import io
import sys
import zlib
from pathlib import Path

from wabus.core import Jid, Node, Server
from wabus.proto import e2e_pb2, history_pb2
from wabus.protocol import encode_node
from wabus.protocol.capture import CaptureMeta, CaptureWriter

WA = e2e_pb2.Message
ME = Jid("15550000001", Server.USER)
ME_LID = Jid("100000000000001", Server.LID)
ALICE = Jid("15550000002", Server.USER)
ALICE_LID = Jid("100000000000002", Server.LID)
BOB = Jid("15550000003", Server.USER)
GROUP = Jid("120363000000000001", Server.GROUP)
SERVER = Jid("", Server.USER)
T0 = 1_790_000_000


def _t(seconds: int) -> str:
    return str(T0 + seconds)


def _body(message: WA) -> Node:
    return Node("plaintext", None, message.SerializeToString())


def _history_notification() -> WA:
    blob = history_pb2.HistorySync(
        syncType=history_pb2.HistorySync.INITIAL_BOOTSTRAP,
        conversations=[
            history_pb2.Conversation(id=str(ALICE), name="Alice", unreadCount=1),
            history_pb2.Conversation(id=str(GROUP), name="Book club"),
        ],
        pushnames=[history_pb2.Pushname(id=str(ALICE), pushname="Alice")],
    ).SerializeToString()
    return WA(
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


def stanzas() -> list[Node]:
    """The session, in order."""
    pair_device = Node(
        "iq",
        {"from": SERVER, "type": "set", "id": "pair-1", "xmlns": "md"},
        [Node("pair-device", None, [Node("ref", None, f"2@sample-ref-{n}") for n in range(3)])],
    )

    def pair_success(identity: bytes) -> Node:
        return Node(
            "iq",
            {"from": SERVER, "type": "set", "id": "pair-2", "xmlns": "md"},
            [
                Node(
                    "pair-success",
                    None,
                    [
                        Node("device-identity", None, identity),
                        Node("platform", {"name": "android"}),
                        Node("device", {"jid": ME.with_device(7), "lid": ME_LID.with_device(7)}),
                    ],
                )
            ],
        )

    def gp2(*actions: Node) -> Node:
        return Node(
            "notification",
            {
                "from": GROUP,
                "type": "w:gp2",
                "id": "gp2",
                "t": _t(60),
                "participant": BOB,
                "addressing_mode": "pn",
            },
            list(actions),
        )

    def notification(kind: str, *children: Node, **attrs: str | Jid) -> Node:
        base: dict[str, str | Jid] = {"from": ALICE, "type": kind, "id": f"n-{kind}", "t": _t(70)}
        base.update(attrs)
        return Node("notification", base, list(children))

    return [
        pair_device,
        pair_success(b""),  # an empty proof: PairError
        pair_success(b"\x0a\x02\x08\x01"),  # a proof: PairSuccess (replay trusts live checks)
        Node("success", {"t": _t(0), "lid": ME_LID.with_device(7), "props": "27"}),
        Node(
            "ib",
            None,
            [
                Node("offline_preview", {"count": "3", "message": "2", "receipt": "1"}),
                Node("edge_routing", None, [Node("routing_info", None, b"\x08\x02")]),
            ],
        ),
        Node(
            "message",
            {"from": ME.with_device(0), "id": "HIST1", "t": _t(1), "category": "peer"},
            [_body(_history_notification())],
        ),
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
        Node("ib", None, [Node("offline", {"count": "3"})]),
        Node(
            "message",
            {
                "from": GROUP,
                "participant": BOB,
                "id": "MSG2",
                "t": _t(10),
                "notify": "Bob",
                "type": "text",
            },
            [_body(WA(extendedTextMessage=WA.ExtendedTextMessage(text="hello, group")))],
        ),
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
        gp2(
            Node("add", {"reason": "invite"}, [Node("participant", {"jid": ME})]),
            Node("subject", {"subject": "Book club", "s_o": BOB, "s_t": _t(60)}),
        ),
        notification("picture", Node("set", {"jid": ALICE, "author": ALICE, "id": "1"})),
        notification("status", Node("set", None, "Reading")),
        notification("account_sync", pushname="Sample Bot", **{"from": ME}),
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
        Node("failure", {"reason": "500", "message": "internal error"}),
        Node("success", {"t": _t(100)}),
        Node("stream:error", {"code": "500"}, [Node("xml-not-well-formed")]),
        Node("success", {"t": _t(110)}),
        Node("stream:error", None, [Node("conflict", {"type": "replaced"})]),
        Node("failure", {"reason": "402", "code": "101", "expire": "3600"}),
        Node("failure", {"reason": "405"}),
        Node("failure", {"reason": "401"}),
    ]


def render() -> bytes:
    """The capture file's bytes."""
    out = io.BytesIO()
    writer = CaptureWriter(
        out,
        CaptureMeta(
            own_pn=ME.with_device(7),
            own_lid=ME_LID.with_device(7),
            push_name="Bot",
            description="wabus sample session: every event kind the router produces",
        ),
    )
    for node in stanzas():
        writer.write(encode_node(node))
    return out.getvalue()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    Path(argv[1]).write_bytes(render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
