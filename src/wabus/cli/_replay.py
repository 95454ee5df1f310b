"""``wabus replay``: a capture through the decoder and the router into a bus, as JSON lines.

Each event goes to standard output as one line of its JSON form (the same form the gateway and
the bridge carry). ``--kinds`` keeps only some kinds. A payload that does not decode is
reported on standard error and skipped; the replay goes on.

Replays are deterministic: for stanzas without a time of their own the router's clock reads
the latest time seen in the capture, and recorded pair-success proofs are trusted (they were
verified when they were live; an empty proof is still refused).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import TextIO

from wabus.core import BaseEvent, CoreEventBus, Jid
from wabus.core.events import EVENTS_BY_KIND
from wabus.protocol import (
    PairingVerificationFailed,
    RemoteWireError,
    Router,
    decode_node,
)
from wabus.protocol.capture import read_capture

__all__ = [
    "HELP",
    "LOG_STREAM",
    "NAME",
    "ReplayVerifier",
    "configure",
    "parse_kinds",
    "replay",
    "run",
    "sample_capture",
]

NAME = "replay"
HELP = "replay a capture as JSON lines"
LOG_STREAM = "stderr"  # standard output carries the events


def sample_capture() -> Path:
    """The sample capture shipped with wabus (every kind the router produces)."""
    return Path(str(files("wabus.cli") / "samples" / "session.wacap"))


class ReplayVerifier:
    """Trusts a recorded pair-success proof (it was checked live), but refuses an empty one."""

    def verify(self, device_identity: bytes, device: Jid, lid: Jid | None) -> None:
        if not device_identity:
            raise PairingVerificationFailed("the pair-success carries no device identity")


def parse_kinds(text: str | None) -> frozenset[str] | None:
    """``message,receipt`` -> those kinds; None for all. Raises ValueError naming bad ones."""
    if not text:
        return None
    kinds = frozenset(k.strip() for k in text.split(",") if k.strip())
    unknown = sorted(kinds - EVENTS_BY_KIND.keys())
    if unknown:
        known = ", ".join(sorted(EVENTS_BY_KIND))
        raise ValueError(f"unknown event kind(s) {', '.join(unknown)}; known: {known}")
    return kinds


class _CaptureClock:
    """The latest ``t`` seen in the capture, as the router's clock."""

    def __init__(self) -> None:
        self.latest = datetime.fromtimestamp(0, UTC)

    def see(self, seconds: int | None) -> None:
        if seconds is not None:
            self.latest = max(self.latest, datetime.fromtimestamp(seconds, UTC))

    def __call__(self) -> datetime:
        return self.latest


def replay(
    path: str | Path,
    *,
    kinds: Iterable[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> tuple[int, int]:
    """Replay one capture; returns (stanzas read, events written).

    Events go to `out` and diagnostics to `err` (standard output and error by default).
    """
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    meta, payloads = read_capture(path)
    clock = _CaptureClock()
    router = Router(
        own_pn=meta.own_pn,
        own_lid=meta.own_lid,
        push_name=meta.push_name,
        pairing_verifier=ReplayVerifier(),
        clock=clock,
    )
    wanted = frozenset(kinds) if kinds is not None else None
    written = 0

    def write(event: BaseEvent) -> None:
        nonlocal written
        out.write(event.model_dump_json())
        out.write("\n")
        written += 1

    bus = CoreEventBus()
    bus.subscribe(BaseEvent, write, accepts=(lambda e: e.type in wanted) if wanted else None)
    stanzas = 0
    for number, payload in enumerate(payloads, 1):
        stanzas += 1
        try:
            node = decode_node(payload)
        except RemoteWireError as error:
            err.write(f"stanza {number}: {error}\n")
            continue
        with contextlib.suppress(ValueError):  # a bad `t` is the router's to report
            clock.see(node.opt_int_attr("t"))
        for event in router.route(node):
            bus.dispatch(event)
    return stanzas, written


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's options."""
    parser.add_argument("file", nargs="?", help="a capture file (see wabus.protocol.capture)")
    parser.add_argument("--sample", action="store_true", help="replay the bundled sample capture")
    parser.add_argument("--kinds", help="comma-separated event kinds to print (default: all)")


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the command; returns the exit status."""
    if bool(args.file) == bool(args.sample):
        parser.error("replay needs either a capture FILE or --sample")
    try:
        kinds = parse_kinds(args.kinds)
    except ValueError as err:
        parser.error(str(err))
    path = sample_capture() if args.sample else args.file
    try:
        stanzas, events = replay(path, kinds=kinds)
    except (OSError, RemoteWireError) as err:
        print(f"wabus replay: {err}", file=sys.stderr)
        return 1
    print(f"replayed {stanzas} stanzas: {events} events", file=sys.stderr)
    return 0
