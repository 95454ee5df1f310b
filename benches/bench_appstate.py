"""App-state sync: applying a snapshot of 10k mutations, against Baileys on the same bytes.

The snapshot: one ``regular_low`` collection of N records (pins, archives and mark-as-read
over N/3 chats), sealed with one app-state key by `wabus.protocol.encode_mutation` and
`encode_snapshot`, as a phone's collection reaches a newly linked device.

The work, the same on both sides: verify every record's value MAC, decrypt it, verify its index
MAC, check the snapshot MAC against the LTHash, and turn each mutation into what an app
consumes. wabus: `decode_snapshot` (the verifying pass) then `SnapshotDecode.mutations` (the
lazy second pass over the same bytes) and `mutation_event` per mutation. Baileys 7.0.0-rc14:
``proto.SyncdSnapshot.decode``, ``decodeSyncdSnapshot`` with MAC verification on, then
``processSyncAction`` per mutation (``tests/interop/js/appstate_peer.mjs``, op
``benchSnapshot``).

Each side runs in a fresh process that reads the snapshot from a file. Time: the best of R
rounds. Memory: for wabus the ``tracemalloc`` peak of one round above what was allocated
before it (the snapshot's bytes already in memory), measured in a round of its own since
tracing slows Python down (it does not see the protobuf runtime's own C allocations, which
hold one record at a time); for Baileys the peak of ``heapUsed + arrayBuffers`` above the same
baseline, sampled every 256 records; and each process's peak RSS.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from base64 import b64encode
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wabus.core import Jid, Server
from wabus.protocol import (
    archive_chat,
    decode_snapshot,
    encode_mutation,
    mark_chat_read,
    mutation_event,
    pin_chat,
)
from wabus.protocol.server import encode_snapshot

ROOT = Path(__file__).resolve().parent.parent
JS = ROOT / "tests/interop/js"
NAME = "regular_low"
KEY_ID = bytes.fromhex("0000000013ab")
KEY_DATA = bytes(range(64, 96))
AT = datetime(2026, 12, 1, tzinfo=UTC)


def snapshot(count: int) -> bytes:
    """A serialised snapshot of `count` records."""
    records = []
    for n in range(count):
        chat = Jid(f"1555{n // 3:07d}", Server.USER)
        action = (pin_chat, archive_chat, mark_chat_read)[n % 3](chat, True, AT)
        records.append(
            encode_mutation(
                action.index, action.value, action.action_version, key_id=KEY_ID, key_data=KEY_DATA
            ).record
        )
    return encode_snapshot(NAME, count, records, key_id=KEY_ID, key_data=KEY_DATA)


def _apply(data: bytes) -> int:
    decoded = decode_snapshot(NAME, data, {KEY_ID: KEY_DATA}.get)
    events = 0
    for mutation in decoded.mutations():
        mutation_event(mutation)
        events += 1
    return events


def ours(data: bytes, rounds: int) -> dict[str, float]:
    """Best seconds of `rounds` rounds, and the tracemalloc peak of one more (in this process)."""
    best = float("inf")
    count = 0
    for _ in range(rounds):
        start = time.perf_counter()
        count = _apply(data)
        best = min(best, time.perf_counter() - start)
    max_rss = _max_rss()  # before tracing, which takes memory of its own
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    _apply(data)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {"seconds": best, "peak_bytes": peak, "max_rss_bytes": max_rss, "count": count}


def _max_rss() -> int:
    """This process's peak RSS: VmHWM where /proc has it (getrusage's figure survives exec, so
    a child would report its parent's peak), else getrusage."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def ours_fresh(path: Path, rounds: int) -> dict[str, float]:
    """`ours` in a fresh Python process that only reads the snapshot file, so that its peak
    RSS compares with the Node.js process's."""
    result = subprocess.run(
        [sys.executable, "-m", "benches.bench_appstate", "--measure", str(path), str(rounds)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    data: dict[str, float] = json.loads(result.stdout)
    return data


def peer(path: Path, rounds: int) -> dict[str, Any] | None:
    """Baileys' numbers, or None without node and the installed interop packages."""
    node = shutil.which("node")
    if node is None or not (JS / "node_modules/baileys/package.json").exists():
        return None
    request = {
        "op": "benchSnapshot",
        "name": NAME,
        "path": str(path),
        "keys": {b64encode(KEY_ID).decode(): b64encode(KEY_DATA).decode()},
        "rounds": rounds,
    }
    result = subprocess.run(
        [node, "--expose-gc", "appstate_peer.mjs"],
        cwd=JS,
        input=json.dumps(request) + "\n",
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    reply: dict[str, Any] = json.loads(result.stdout.splitlines()[0])
    if not reply.get("ok"):
        raise RuntimeError(f"the Baileys peer failed: {reply.get('error')}")
    return reply


def _mib(value: float) -> str:
    return f"{value / 2**20:8.1f} MiB"


def main(quick: bool = False) -> None:
    count, rounds = (60, 1) if quick else (10_000, 5)
    data = snapshot(count)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snapshot.bin"
        path.write_bytes(data)
        mine = ours_fresh(path, rounds)
        theirs = peer(path, rounds)
    print(
        f"App-state snapshot: {count} records ({len(data) / 2**20:.1f} MiB),"
        f" best of {rounds} rounds"
    )
    print("  verify every MAC, decrypt, and turn each mutation into an event\n")
    print(f"  {'':<22}{'wabus':>12}  {'Baileys':>12}")
    line = f"  {'time':<22}{mine['seconds'] * 1000:9.0f} ms"
    if theirs is not None:
        ratio = theirs["seconds"] / mine["seconds"]
        line += f"  {theirs['seconds'] * 1000:9.0f} ms  (wabus {ratio:.2f}x as fast)"
    print(line)
    line = f"  {'peak memory (heap)':<22}{_mib(mine['peak_bytes'])}"
    if theirs is not None:
        line += f"  {_mib(theirs['peakBytes'])}"
    print(line)
    line = f"  {'peak RSS (process)':<22}{_mib(mine['max_rss_bytes'])}"
    if theirs is not None:
        line += f"  {_mib(theirs['maxRssBytes'])}"
    print(line)
    if theirs is None:
        print("  Baileys: skipped (node and tests/interop/js/node_modules are needed)")
    else:
        assert theirs["count"] == mine["count"] == count, (theirs["count"], mine["count"])
        print(f"  Baileys 7.0.0-rc14 on node {theirs['node']}; {theirs['count']} mutations each")


def _measure(path: Path, rounds: int) -> None:
    print(json.dumps(ours(path.read_bytes(), rounds)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--measure"]:
        _measure(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main()
