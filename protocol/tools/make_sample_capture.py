"""Write the sample capture that ships with wabus (``wabus replay --sample``).

    python protocol/tools/make_sample_capture.py src/wabus/cli/samples/session.wacap

Every stanza is built as a `Node` and encoded with wabus's own encoder, so no byte is written
by hand. The session covers every event kind the router produces from stanzas (the rest come
from the live client or from app-state sync): pairing, login, then the simulator's scenario
(`wabus.simulator`: offline sync, every kind of message, receipt, presence, notification and
call, one malformed stanza), the stanzas of the router's gaps of issue 11 (block list,
contacts, newsletter live counts, dirty bits, a phone without multi-device), then the
connection-ending failures. The output is deterministic,
and a test checks the committed file against it.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from wabus.core import Jid, Node, Server
from wabus.protocol import encode_node
from wabus.protocol.capture import CaptureMeta, CaptureWriter
from wabus.simulator import live_stanzas, offline_stanzas

ME = Jid("15550000001", Server.USER)
ME_LID = Jid("100000000000001", Server.LID)
ALICE = Jid("15550000002", Server.USER)
ALICE_LID = Jid("100000000000002", Server.LID)
CAROL = Jid("15550000004", Server.USER)
CAROL_LID = Jid("100000000000004", Server.LID)
NEWSLETTER = Jid("120363000000000009", Server.NEWSLETTER)
SERVER = Jid("", Server.USER)
T0 = 1_790_000_000


def _t(seconds: int) -> str:
    return str(T0 + seconds)


def _notification(kind: str, origin: Jid, n: int, *children: Node) -> Node:
    return Node(
        "notification", {"from": origin, "type": kind, "id": f"gap-{n}", "t": _t(90 + n)}, children
    )


def gap_stanzas() -> list[Node]:
    """One stanza for each kind the router gained in issue 11 §3, in the real shapes."""
    reactions = Node(
        "reactions", None, [Node("reaction", {"code": "\N{THUMBS UP SIGN}", "count": "3"})]
    )
    live = Node(
        "live_updates",
        None,
        [
            Node(
                "messages",
                {"jid": NEWSLETTER},
                [Node("message", {"server_id": "101"}, [reactions])],
            )
        ],
    )
    return [
        _notification(
            "account_sync",
            ME,
            1,
            Node("blocklist", {"dhash": "2:dh"}, [Node("item", {"jid": ALICE, "action": "block"})]),
        ),
        _notification("contacts", SERVER, 2, Node("update", {"jid": ALICE})),
        _notification(
            "contacts",
            SERVER,
            3,
            Node(
                "modify", {"old": ALICE, "new": CAROL, "old_lid": ALICE_LID, "new_lid": CAROL_LID}
            ),
        ),
        _notification("contacts", SERVER, 4, Node("sync", {"after": _t(0)})),
        _notification("newsletter", NEWSLETTER, 5, live),
        Node(
            "ib",
            None,
            [
                Node("dirty", {"type": "account_sync", "timestamp": _t(96)}),
                Node("downgrade_webclient"),
            ],
        ),
    ]


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

    return [
        pair_device,
        pair_success(b""),  # an empty proof: PairError
        pair_success(b"\x0a\x02\x08\x01"),  # a proof: PairSuccess (replay trusts live checks)
        Node("success", {"t": _t(0), "lid": ME_LID.with_device(7), "props": "27"}),
        *offline_stanzas(ME.with_device(7)),
        Node("ib", None, [Node("offline", {"count": "3"})]),  # the server ends offline delivery
        *live_stanzas(ME.with_device(7)),
        *gap_stanzas(),
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
