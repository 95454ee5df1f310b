"""``wabus run``: the example bot, fed by a scripted in-process session (``--demo``)."""

from __future__ import annotations

import argparse

import anyio
import structlog

from wabus.core import BaseEvent, Bot, EventHandler
from wabus.core.testing import ScriptedSource, sample_session
from wabus.handlers import summarise

__all__ = ["HELP", "LOG_STREAM", "NAME", "PrintingBot", "configure", "run"]

NAME = "run"
HELP = "run the example bot"
LOG_STREAM = "stdout"


class PrintingBot(EventHandler):
    """The example bot: prints every event it receives, as it receives it."""

    def __init__(self) -> None:
        self.count = 0
        self.errors = 0
        self._log = structlog.get_logger("wabus.bot")

    def on_event(self, event: BaseEvent) -> None:
        self.count += 1
        self._log.info(event.type, **summarise(event))


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's options."""
    parser.add_argument(
        "--demo",
        action="store_true",
        help="feed the bot a scripted in-process session (the only source for now)",
    )
    parser.add_argument(
        "--interval", type=float, default=0.05, help="seconds between scripted events"
    )


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


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the command; returns the exit status."""
    if not args.demo:
        parser.error("run needs a source: --demo (the simulator arrives in a later release)")
    return anyio.run(_run_demo, args.interval)
