"""The ``wabus`` command.

``wabus run --demo`` runs the example bot on a scripted, in-process session and prints each
event as the handler receives it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import anyio
import structlog

from wabus.core import BaseEvent, Bot, EventHandler
from wabus.core.testing import ScriptedSource, sample_session
from wabus.handlers import summarise

__all__ = ["main"]


def _configure_logging() -> None:
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="%H:%M:%S"),
            structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty()),
        ],
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
    )


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
    args = parser.parse_args(argv)
    _configure_logging()
    if args.command == "run":
        if not args.demo:
            parser.error("run needs a source: --demo (the simulator arrives in a later release)")
        return anyio.run(_run_demo, args.interval)
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover - argparse checks
