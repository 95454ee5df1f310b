"""The ``wabus`` command.

- ``wabus run --demo``: the example bot on a scripted, in-process session, printing each event
  as the handler receives it.
- ``wabus replay FILE`` (or ``--sample``): a capture through the decoder and the router,
  printing each event as a JSON line (``--kinds message,receipt`` to keep only some).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

import anyio
import structlog

from wabus.core import BaseEvent, Bot, EventHandler
from wabus.core.testing import ScriptedSource, sample_session
from wabus.handlers import summarise

__all__ = ["main"]


class _CurrentStream:
    """Writes to whatever ``sys.stdout`` or ``sys.stderr`` is at the time of writing."""

    def __init__(self, name: str) -> None:
        self._name = name

    def write(self, text: str) -> int:
        stream: TextIO = getattr(sys, self._name)
        return stream.write(text)

    def flush(self) -> None:
        stream: TextIO = getattr(sys, self._name)
        stream.flush()


def _configure_logging(name: str) -> None:
    """Readable console logs on standard output or error (looked up at each write)."""
    stream: TextIO = getattr(sys, name)
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="%H:%M:%S"),
            structlog.dev.ConsoleRenderer(colors=stream.isatty()),
        ],
        logger_factory=structlog.PrintLoggerFactory(_CurrentStream(name)),  # type: ignore[arg-type]
    )


def _run_replay(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from wabus.cli._replay import parse_kinds, replay, sample_capture
    from wabus.protocol import RemoteWireError

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


class PrintingBot(EventHandler):
    """The example bot: prints every event it receives, as it receives it."""

    def __init__(self) -> None:
        self.count = 0
        self.errors = 0
        self._log = structlog.get_logger("wabus.bot")

    def on_event(self, event: BaseEvent) -> None:
        self.count += 1
        self._log.info(event.type, **summarise(event))


async def _run_demo(interval: float) -> int:
    bot_handler = PrintingBot()

    def on_error(error: Exception, handler: object, event: BaseEvent) -> None:
        bot_handler.errors += 1

    bot = (
        Bot.builder()
        .with_handler(bot_handler)
        .with_source(ScriptedSource(sample_session(), interval=interval))
        .on_handler_error(on_error)
        .build()
    )
    await bot.run()
    print(f"demo finished: {bot_handler.count} events handled, {bot_handler.errors} handler errors")
    return 0 if bot_handler.errors == 0 else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wabus`` command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="wabus", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the example bot")
    run.add_argument(
        "--demo",
        action="store_true",
        help="feed the bot a scripted in-process session (the only source for now)",
    )
    run.add_argument("--interval", type=float, default=0.05, help="seconds between scripted events")
    replay = commands.add_parser("replay", help="replay a capture as JSON lines")
    replay.add_argument("file", nargs="?", help="a capture file (see wabus.protocol.capture)")
    replay.add_argument("--sample", action="store_true", help="replay the bundled sample capture")
    replay.add_argument("--kinds", help="comma-separated event kinds to print (default: all)")
    args = parser.parse_args(argv)
    _configure_logging("stderr" if args.command == "replay" else "stdout")
    if args.command == "replay":
        return _run_replay(parser, args)
    if args.command == "run":
        if not args.demo:
            parser.error("run needs a source: --demo (the simulator arrives in a later release)")
        return anyio.run(_run_demo, args.interval)
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover - argparse checks
