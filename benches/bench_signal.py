"""Signal throughput: 1:1 and group encrypt/decrypt, against libsignal-node and Baileys.

The work, the same on both sides: on an established session, N encryptions of a 100-byte
plaintext, then N decryptions of them in order (each one a chain step, an HKDF, AES-256-CBC
and a MAC); then the same with a sender key (each group message also signed and verified by
XEdDSA). wabus runs its pure transitions (`encrypt_message`, `decrypt_message`,
`group_encrypt`, `group_decrypt`), which is what `SignalCipher` does minus the store.

The peers run in the same run: libsignal-node 6.0.0 for 1:1 and Baileys 7.0.0-rc14's group
cipher, driven by ``benches/peers/signal_bench.mjs`` with their sessions kept as live objects
(their best case: Baileys itself serialises each record to JSON). They are installed by npm
into ``tests/interop/js/node_modules`` on first use, as the interop tests do.

Ratios are ours / peer throughput: above 1 means faster than the peer.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from wabus.protocol import (
    LocalIdentity,
    PreKeyBundle,
    PreKeySignalMessage,
    ProtocolAddress,
    SenderKeyDistributionMessage,
    SenderKeyMessage,
    SenderKeyName,
    SessionRecord,
    SignalMessage,
    SignedPreKeyRecord,
    create_sender_key,
    decrypt_message,
    decrypt_prekey_message,
    encrypt_message,
    group_decrypt,
    group_encrypt,
    initiate_session,
    process_sender_key_distribution,
)

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "tests/interop/js"
PLAINTEXT = bytes([7]) * 100


def _session() -> tuple[LocalIdentity, SessionRecord, LocalIdentity, SessionRecord]:
    alice, bob = LocalIdentity.generate(), LocalIdentity.generate()
    signed = SignedPreKeyRecord.generate(bob.identity, 1)
    sender = initiate_session(None, PreKeyBundle.of(bob, signed), alice)
    first, sender = encrypt_message(sender, b"hello", alice)
    _, receiver, _ = decrypt_prekey_message(
        None, PreKeySignalMessage.parse(first.body), bob, signed, None
    )
    back, receiver = encrypt_message(receiver, b"hi", bob)
    _, sender = decrypt_message(sender, SignalMessage.parse(back.body), alice)
    return alice, sender, bob, receiver


def ours(count: int, group_count: int, rounds: int) -> dict[str, float]:
    """Best nanoseconds per operation, over `rounds` rounds."""
    alice, sender, bob, receiver = _session()
    best = {name: float("inf") for name in ("encrypt msg", "decrypt msg")}
    for _ in range(rounds):
        start = time.perf_counter_ns()
        bodies = []
        for _ in range(count):
            message, sender = encrypt_message(sender, PLAINTEXT, alice)
            bodies.append(message.body)
        best["encrypt msg"] = min(best["encrypt msg"], (time.perf_counter_ns() - start) / count)
        start = time.perf_counter_ns()
        for body in bodies:
            _, receiver = decrypt_message(receiver, SignalMessage.parse(body), bob)
        best["decrypt msg"] = min(best["decrypt msg"], (time.perf_counter_ns() - start) / count)
    name = SenderKeyName("1-2@g.us", ProtocolAddress("1", 0))
    distribution, own = create_sender_key(None)
    member = process_sender_key_distribution(
        None, SenderKeyDistributionMessage.parse(distribution.serialized)
    )
    best["encrypt skmsg"] = best["decrypt skmsg"] = float("inf")
    for _ in range(rounds):
        start = time.perf_counter_ns()
        sent = []
        for _ in range(group_count):
            skmsg, own = group_encrypt(own, PLAINTEXT, name)
            sent.append(skmsg.serialized)
        elapsed = (time.perf_counter_ns() - start) / group_count
        best["encrypt skmsg"] = min(best["encrypt skmsg"], elapsed)
        start = time.perf_counter_ns()
        for body in sent:
            _, member = group_decrypt(member, SenderKeyMessage.parse(body), name)
        elapsed = (time.perf_counter_ns() - start) / group_count
        best["decrypt skmsg"] = min(best["decrypt skmsg"], elapsed)
    return best


def peer(count: int, group_count: int, rounds: int) -> dict[str, Any] | None:
    """The peers' numbers, or None without node, npm or the registry."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return None
    modules = JS / "node_modules"
    if not all((modules / name / "package.json").exists() for name in ("libsignal", "baileys")):
        installed = subprocess.run(
            [npm, "install", "--no-package-lock", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=JS,
            check=False,
            capture_output=True,
            timeout=300,
        )
        if installed.returncode != 0:
            return None
    result = subprocess.run(
        [
            node,
            str(ROOT / "benches/peers/signal_bench.mjs"),
            str(modules),
            str(count),
            str(group_count),
            str(rounds),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _rate(ns: float) -> str:
    return f"{1e9 / ns / 1e3:8.2f} k/s"


def main(quick: bool = False) -> None:
    count, group_count, rounds = (20, 3, 1) if quick else (2000, 100, 5)
    mine = ours(count, group_count, rounds)
    theirs = peer(count, group_count, rounds)
    print(
        f"Signal: best of {rounds} rounds; {count} 1:1 and {group_count} group messages"
        " of 100 bytes per round"
    )
    if theirs is None:
        print("  libsignal-node / Baileys: skipped (node, npm and the npm registry are needed)")
    else:
        print(f"  libsignal-node 6.0.0 (1:1), Baileys 7.0.0-rc14 (groups) on node {theirs['node']}")
    print()
    print(f"  {'operation':<16}{'wabus':>12}  {'peer':>12} {'ours/peer':>10}")
    for name, ns in mine.items():
        line = f"  {name:<16}{_rate(ns)}"
        if theirs is not None:
            peer_ns = theirs["results"][name]
            line += f"  {_rate(peer_ns)} {peer_ns / ns:9.2f}x"
        print(line)


if __name__ == "__main__":
    main()
