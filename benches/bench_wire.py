"""Binary node decode and encode throughput, against Baileys (Node.js) and yowsup (Python).

The corpus is five realistic stanzas, built with our encoder: a group ``<message>`` with a
180-byte ``<enc>``, a ``<receipt>`` listing items, a ``<presence>``, a ``w:gp2``
notification adding participants, and an ``<iq>`` result listing 50 items. Every decoder gets
identical bytes.

- Baileys 7.0.0-rc14, fetched with ``npm pack`` into ``.bench-cache/`` on first use: its
  synchronous ``decodeDecompressedBinaryNode`` (from ``lib/WABinary/decode.js``) on the payload
  after the flags byte, driven by ``benches/peers/baileys_decode.mjs``. The decoded trees are
  compared with ours: the benchmark doubles as a conformance check against an independent
  decoder.
- yowsup 3.3.0 (``make bench`` installs it without its dependencies): the one pure-Python
  WhatsApp decoder on PyPI. It implements the older, pre-multi-device format (another token
  table, no AD_JID), so it is timed only on items it can walk, and its strings differ.

Ratios are ours / peer throughput: above 1 means faster than the peer.
"""

from __future__ import annotations

import functools
import gc
import json
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wabus.core import Jid, Node, Server
from wabus.protocol import decode_node, encode_node

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench-cache"
BAILEYS = "baileys@7.0.0-rc14"
TARGET = 0.25  # message stanza: at least this fraction of Baileys' decode throughput


def corpus() -> dict[str, bytes]:
    """The five stanzas, encoded."""
    group = Jid("120363025246125888", Server.GROUP)
    alice_lid = Jid("236395184570386", Server.LID, device=42)
    alice_pn = Jid("15550000002", Server.USER)
    message = Node(
        "message",
        {
            "from": group,
            "type": "text",
            "id": "3EB0A9D28F6C1E2B4A57",
            "participant": alice_lid,
            "addressing_mode": "lid",
            "participant_pn": alice_pn,
            "notify": "Alice",
            "t": "1752021890",
        },
        [Node("enc", {"v": "2", "type": "skmsg"}, bytes((i * 37) & 0xFF for i in range(180)))],
    )
    receipt = Node(
        "receipt",
        {"from": alice_pn, "id": "3EB0A9D28F6C1E2B4A57", "type": "read", "t": "1752021895"},
        [
            Node(
                "list", None, [Node("item", {"id": f"3EB0A9D28F6C1E2B4A{n:02d}"}) for n in range(3)]
            )
        ],
    )
    presence = Node("presence", {"from": alice_pn, "type": "unavailable", "last": "1752021800"})
    notification = Node(
        "notification",
        {
            "from": group,
            "id": "2197452137",
            "t": "1752021900",
            "type": "w:gp2",
            "participant": Jid("100000000000001", Server.LID),
            "addressing_mode": "lid",
        },
        [
            Node(
                "add",
                {"reason": "invite"},
                [
                    Node(
                        "participant",
                        {
                            "jid": Jid(str(100000000000010 + n), Server.LID),
                            "phone_number": Jid(str(15550000100 + n), Server.USER),
                        },
                    )
                    for n in range(4)
                ],
            )
        ],
    )
    iq = Node(
        "iq",
        {"from": Jid("", Server.USER), "id": "27043.13145-52", "type": "result"},
        [
            Node(
                "list",
                None,
                [
                    Node("item", {"jid": Jid(str(15550001000 + n), Server.USER), "t": "1752000000"})
                    for n in range(50)
                ],
            )
        ],
    )
    return {
        "group message": encode_node(message),
        "receipt": encode_node(receipt),
        "presence": encode_node(presence),
        "w:gp2 notification": encode_node(notification),
        "iq result, 50 items": encode_node(iq),
    }


def best_ns(run: Callable[[], object], iterations: int, rounds: int) -> float:
    """Nanoseconds per call of `run`: the best of `rounds` rounds, after a warm-up."""
    for _ in range(min(iterations, 200)):
        run()
    best = float("inf")
    gc.disable()
    try:
        for _ in range(rounds):
            start = time.perf_counter_ns()
            for _ in range(iterations):
                run()
            best = min(best, (time.perf_counter_ns() - start) / iterations)
    finally:
        gc.enable()
    return best


def _baileys_lib() -> Path | None:
    lib = CACHE / "baileys-7.0.0-rc14" / "package" / "lib" / "WABinary"
    if lib.exists():
        return lib
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return None
    target = CACHE / "baileys-7.0.0-rc14"
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "pack", BAILEYS, "--silent"], cwd=target, check=True, capture_output=True, timeout=300
    )
    archive = next(target.glob("*.tgz"))
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return lib if lib.exists() else None


def baileys(payloads: dict[str, bytes], iterations: int, rounds: int) -> dict[str, Any] | None:
    lib = _baileys_lib()
    if lib is None:
        return None
    items = [{"name": name, "hex": payload[1:].hex()} for name, payload in payloads.items()]
    result = subprocess.run(
        [
            "node",
            str(ROOT / "benches/peers/baileys_decode.mjs"),
            str(lib),
            str(iterations),
            str(rounds),
        ],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _baileys_text(value: str | Jid) -> str:
    # Baileys spells a bare server JID "@s.whatsapp.net"; we (like whatsmeow) "s.whatsapp.net".
    if isinstance(value, Jid) and value.is_server:
        return f"@{value}"
    return str(value)


def _as_baileys(node: Node) -> dict[str, Any]:
    """Our node in Baileys' shape: attributes as strings, bytes as hex."""
    content: Any = node.content
    if isinstance(content, tuple):
        content = [_as_baileys(child) for child in content]
    elif isinstance(content, bytes):
        content = {"bytes": content.hex()}
    attrs = {key: _baileys_text(value) for key, value in node.attrs.items()}
    return {"tag": node.tag, "attrs": attrs, "content": content}


def yowsup_decoder() -> Callable[[bytes], object] | None:
    try:
        from yowsup.layers.coder.decoder import ReadDecoder
        from yowsup.layers.coder.tokendictionary import TokenDictionary
    except ImportError:
        return None
    decoder = ReadDecoder(TokenDictionary())

    def decode(payload: bytes) -> object:
        return decoder.getProtocolTreeNode(bytearray(payload))

    return decode


def _rate(ns: float) -> str:
    per_second = 1e9 / ns
    return f"{per_second / 1e3:8.1f} k/s" if per_second < 1e6 else f"{per_second / 1e6:8.2f} M/s"


def main(quick: bool = False) -> None:
    payloads = corpus()
    iterations, rounds = (200, 1) if quick else (20_000, 7)
    decoded = {name: decode_node(payload) for name, payload in payloads.items()}
    ours = {
        name: best_ns(functools.partial(decode_node, payload), iterations, rounds)
        for name, payload in payloads.items()
    }
    encode = {
        name: best_ns(functools.partial(encode_node, decoded[name]), iterations, rounds)
        for name in payloads
    }
    peer = baileys(payloads, iterations, rounds)
    yowsup = yowsup_decoder()
    yowsup_ns: dict[str, float | str] = {}
    for name, payload in payloads.items():
        if yowsup is None:
            yowsup_ns[name] = "not installed"
            continue
        try:
            yowsup(payload)
        except Exception as err:  # it does not know this format's newer parts
            yowsup_ns[name] = f"cannot decode ({type(err).__name__})"
            continue
        yowsup_ns[name] = best_ns(
            functools.partial(yowsup, payload), max(iterations // 10, 20), rounds
        )

    print(f"binary node codec: best of {rounds} rounds of {iterations} decodes per item")
    if peer is None:
        print("  Baileys: skipped (node and npm are needed)")
    else:
        print(f"  Baileys 7.0.0-rc14 on node {peer['node']}")
    print()
    header = (
        f"  {'item':<22}{'bytes':>6}  {'decode':>11} {'MB/s':>6}  {'encode':>11}"
        f"  {'Baileys':>11} {'ours/B':>7}  {'yowsup':>11}"
    )
    print(header)
    agree = 0
    for name, payload in payloads.items():
        ns = ours[name]
        line = (
            f"  {name:<22}{len(payload):>6}  {_rate(ns)} {len(payload) / ns * 1e3:6.1f}"
            f"  {_rate(encode[name])}"
        )
        if peer is not None:
            peer_ns = peer["results"][name]["ns"]
            line += f"  {_rate(peer_ns)} {peer_ns / ns:6.2f}x"
            if peer["results"][name]["node"] == _as_baileys(decoded[name]):
                agree += 1
        else:
            line += f"  {'-':>11} {'-':>7}"
        y = yowsup_ns[name]
        line += f"  {_rate(y) if isinstance(y, float) else y}"
        print(line)
    print()
    if peer is not None:
        print(f"  Baileys and wabus decode {agree} of {len(payloads)} items to the same tree")
        ratio = peer["results"]["group message"]["ns"] / ours["group message"]
        verdict = "met" if ratio >= TARGET else "MISSED"
        print(f"  group message decode: {ratio:.2f}x Baileys  target >= {TARGET:.2f}x: {verdict}")


if __name__ == "__main__":
    main()
