"""Plumbing the benchmarks share: interleaved best-of rounds, rate formatting, and the
line-by-line protocol the benchmarks speak with the processes they start.

Benchmarks that start a far end of their own (a simulator process, a Node.js peer) speak to it
in lines: commands on its stdin, replies on its stdout. `LineProcess` is the bench's side of
that (plain words, or one JSON object per line); `obey` is the far end's command loop, for the
Python ones.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import anyio
import anyio.abc
from anyio.streams.buffered import BufferedByteReceiveStream

LINE_LIMIT = 1 << 20
"""The longest line, in bytes, `LineProcess` reads before it gives up on a reply."""

E = TypeVar("E")


def best_of_rounds(
    cases: Mapping[str, Callable[[E], float]], events: E, rounds: int
) -> dict[str, float]:
    """Best elapsed seconds per case over `rounds` interleaved rounds.

    Each round runs every case once, in order, on the same `events`; a case's figure is its
    fastest round. Interleaving spreads a noisy neighbour's bursts over every case alike.
    """
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, timer in cases.items():
            elapsed = timer(events)
            best[name] = min(best.get(name, elapsed), elapsed)
    return best


def format_rate(per_second: float) -> str:
    """A rate in a fixed width: ``M/s`` from a million up, ``k/s`` below."""
    if per_second >= 1e6:
        return f"{per_second / 1e6:6.2f} M/s"
    return f"{per_second / 1e3:6.1f} k/s"


def rate(n: int, seconds: float) -> str:
    """`n` items in `seconds`, as `format_rate` prints it."""
    return format_rate(n / seconds)


def rate_table(n: int, best: Mapping[str, float], names: Iterable[str]) -> list[str]:
    """One line per case, its name padded to the longest: ``  <name>  <rate of n items>``."""
    ordered: Sequence[str] = list(names)
    width = max(map(len, ordered))
    return [f"  {name:<{width}}  {rate(n, best[name])}" for name in ordered]


class PeerError(RuntimeError):
    """The far end reported an error (a JSON record of kind ``"error"``)."""


class LineProcess:
    """A child process spoken to in lines: commands on its stdin, replies on its stdout.

    Replies are plain lines (`line`) or JSON objects, one per line (`record`), each with a
    ``kind``; a record of kind ``"error"`` raises `PeerError`, named after the process.
    """

    def __init__(self, process: anyio.abc.Process, name: str = "peer") -> None:
        if process.stdout is None or process.stdin is None:
            raise ValueError("a LineProcess needs the process's stdin and stdout as pipes")
        self.process = process
        self.name = name
        self._out = BufferedByteReceiveStream(process.stdout)
        self._in = process.stdin

    async def line(self) -> str:
        """The next line of output, without its newline."""
        return (await self._out.receive_until(b"\n", LINE_LIMIT)).decode()

    async def command(self, text: str) -> None:
        """Send one line of text."""
        await self._in.send(f"{text}\n".encode())

    async def record(self) -> dict[str, Any]:
        """The next line of output as a JSON object; raises `PeerError` on an error record."""
        found: dict[str, Any] = json.loads(await self._out.receive_until(b"\n", LINE_LIMIT))
        if found.get("kind") == "error":
            raise PeerError(f"{self.name}: {found.get('error')}")
        return found

    async def until(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Skip records until one of `kind` whose `fields` have the values given."""
        while True:
            found = await self.record()
            if found["kind"] == kind and all(found.get(k) == v for k, v in fields.items()):
                return found

    async def send(self, **command: Any) -> None:
        """Send one JSON object, on a line of its own."""
        await self._in.send((json.dumps(command) + "\n").encode())


async def obey(commands: Mapping[str, Callable[[str], object]]) -> None:
    """The far end's loop: obey ``<command> <argument>`` lines on stdin until ``quit``.

    Each line's first word picks its handler, which is given the rest of the line. The loop
    ends on ``quit``, an empty line or the end of stdin; a command it does not know is
    reported on stderr (stdout carries the replies) and otherwise ignored.
    """
    stdin = anyio.wrap_file(sys.stdin.buffer)
    while line := (await stdin.readline()).decode().strip():
        command, _, argument = line.partition(" ")
        if command == "quit":
            return
        handler = commands.get(command)
        if handler is None:
            print(f"unknown command {command!r}", file=sys.stderr, flush=True)
        else:
            handler(argument)
