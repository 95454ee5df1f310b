"""A long-running fuzz target for the wire decoders (`decode_node` and `FrameDecoder`).

    make fuzz                                   # 5 minutes, coverage-guided if atheris is there
    python protocol/tools/fuzz_decode.py --seconds 3600
    python protocol/tools/fuzz_decode.py --atheris -- -max_total_time=3600 corpus/

The only acceptable outcome for any input is a decoded node or a `RemoteWireError`; anything
else (an `IndexError`, a `UnicodeDecodeError`, a hang, a crash) is a bug, and the input that
caused it is written to ``fuzz-crash-<n>.bin`` before the exception is re-raised.

With atheris installed (``make fuzz`` installs it), the run is coverage-guided through libFuzzer;
without it, a seeded mutation loop over a corpus of realistic payloads runs instead.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import time
import zlib
from pathlib import Path

from wabus.core import Jid, Node, Server
from wabus.protocol import (
    FrameDecoder,
    RemoteWireError,
    decode_node,
    encode_node,
)


def corpus() -> list[bytes]:
    """Realistic payloads to mutate: stanzas of the common kinds, plain and compressed."""
    me = Jid("15550000001", Server.USER, device=7)
    group = Jid("120363000000000001", Server.GROUP)
    nodes = [
        Node(
            "message",
            {
                "id": "3EB0C0FFEE",
                "from": group,
                "participant": me,
                "t": "1752021890",
                "type": "text",
                "notify": "Alice",
            },
            [Node("enc", {"v": "2", "type": "skmsg"}, bytes(range(180)))],
        ),
        Node(
            "receipt",
            {"id": "3EB0", "from": me, "type": "read", "t": "1752021890"},
            [Node("list", None, [Node("item", {"id": f"ID{i}"}) for i in range(4)])],
        ),
        Node(
            "notification",
            {"from": group, "type": "w:gp2", "id": "77", "t": "1"},
            [Node("add", {"reason": "invite"}, [Node("participant", {"jid": me})])],
        ),
        Node(
            "iq",
            {"id": "1", "type": "result", "from": Jid("", Server.USER)},
            [
                Node(
                    "usync",
                    None,
                    [Node("user", {"jid": Jid(str(n), Server.LID, device=1)}) for n in range(20)],
                )
            ],
        ),
        Node("presence", {"from": Jid("1", Server.INTEROP, device=3, integrator=5)}),
        Node("call", {"from": Jid("1", Server.MESSENGER, device=300)}, "ABCDEF"),
    ]
    payloads = [encode_node(n) for n in nodes]
    return payloads + [bytes([2]) + zlib.compress(p[1:]) for p in payloads]


def check(data: bytes) -> None:
    """Run both decoders on `data`; let only the expected outcomes through."""
    with contextlib.suppress(RemoteWireError):
        decode_node(data, max_inflated=1 << 20)
    frames = FrameDecoder(max_frame_size=4096, expect_intro=data[:1] in (b"W", b"E"))
    with contextlib.suppress(RemoteWireError):
        frames.receive_data(data)
        frames.frames()


def _mutate(rng: random.Random, seeds: list[bytes]) -> bytes:
    data = bytearray(rng.choice(seeds))
    for _ in range(rng.randint(1, 6)):
        kind = rng.randrange(6)
        where = rng.randrange(len(data) + 1)
        if kind == 0 and data:
            data[min(where, len(data) - 1)] = rng.randrange(256)
        elif kind == 1:
            del data[where:]
        elif kind == 2:
            data[where:where] = rng.randbytes(rng.randint(1, 16))
        elif kind == 3:
            data[where:where] = rng.choice(seeds)[: rng.randint(1, 40)]
        elif kind == 4 and data:
            data[min(where, len(data) - 1)] ^= 1 << rng.randrange(8)
        else:
            del data[where : where + rng.randint(1, 8)]
    return bytes(data)


def run_mutations(seconds: float, seed: int) -> int:
    """The fallback: mutate the corpus until time is up; returns how many inputs ran."""
    rng = random.Random(seed)
    seeds = corpus()
    deadline = time.monotonic() + seconds
    runs = 0
    while time.monotonic() < deadline:
        for _ in range(1000):
            data = _mutate(rng, seeds)
            try:
                check(data)
            except Exception:
                path = Path(f"fuzz-crash-{runs}.bin")
                path.write_bytes(data)
                print(f"crash: input written to {path}", file=sys.stderr)
                raise
            runs += 1
    return runs


def run_atheris(args: list[str]) -> None:  # pragma: no cover - needs atheris
    import atheris

    atheris.instrument_all()  # the decoders were imported before atheris: instrument them now
    seed_dir = Path("fuzz-corpus")
    seed_dir.mkdir(exist_ok=True)
    for n, payload in enumerate(corpus()):
        (seed_dir / f"seed-{n}.bin").write_bytes(payload)
    atheris.Setup([sys.argv[0], *args, str(seed_dir)], check)
    atheris.Fuzz()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mutation loop")
    parser.add_argument("--atheris", action="store_true", help="coverage-guided, via atheris")
    parser.add_argument("libfuzzer_args", nargs="*", help="passed to libFuzzer (after --)")
    args = parser.parse_args()
    if args.atheris:
        run_atheris([f"-max_total_time={int(args.seconds)}", *args.libfuzzer_args])
        return 0
    runs = run_mutations(args.seconds, args.seed)
    print(f"{runs} inputs in {args.seconds:.0f}s: every one decoded or raised a RemoteWireError")
    return 0


if __name__ == "__main__":
    sys.exit(main())
