"""``wabus worker``: handlers fed from NATS JetStream, through a `NatsSource`.

The handlers come from entry points (``--plugin NAME``, optionally ``NAME:{json options}``,
as `BotBuilder.with_plugin` takes them) and from import paths (``--handler module:attribute``,
where the attribute is an `EventHandler`, an `EventHandler` class taking no arguments, or a
function returning one). Every worker started with the same ``--durable`` shares one
consumer and so splits the load. The worker runs until SIGINT/SIGTERM (or, with
``--exit-when-idle``, until no message came for that long), then prints its counters.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import Any

import anyio

from wabus.cli._bridge import add_nats_options, run_until_signalled, servers, stream_settings
from wabus.cli._options import positive_seconds
from wabus.core import Bot, BotBuilder, BotConfigError, EventHandler
from wabus.handlers.nats import (
    DEFAULT_DEAD_LETTER_STREAM,
    BridgeError,
    ConsumerSettings,
    NatsSource,
    StreamSettings,
)

__all__ = [
    "HELP",
    "LOG_STREAM",
    "NAME",
    "HandlerLoadError",
    "configure",
    "load_handler",
    "parse_plugin",
    "run",
]

NAME = "worker"
HELP = "run handlers on events from NATS JetStream"
LOG_STREAM = "stderr"  # standard output carries the summary


class HandlerLoadError(ValueError):
    """A ``--handler`` or ``--plugin`` argument does not name something usable."""


def load_handler(spec: str) -> EventHandler:
    """The handler ``module:attribute`` names (see the module doc); `HandlerLoadError` if none."""
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise HandlerLoadError(f"--handler {spec!r}: expected module:attribute")
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as err:
        raise HandlerLoadError(f"--handler {spec!r}: cannot import {module_name}: {err!r}") from err
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise HandlerLoadError(f"--handler {spec!r}: no {attribute} in {module_name}") from None
    if isinstance(target, EventHandler):
        return target
    if callable(target):
        try:
            made = target()
        except Exception as err:
            raise HandlerLoadError(f"--handler {spec!r}: calling it failed: {err!r}") from err
        if isinstance(made, EventHandler):
            return made
        raise HandlerLoadError(f"--handler {spec!r}: it returned {made!r}, not an EventHandler")
    raise HandlerLoadError(f"--handler {spec!r}: {target!r} is not an EventHandler")


def parse_plugin(spec: str) -> tuple[str, dict[str, Any]]:
    """``NAME`` or ``NAME:{"option": value}`` -> (name, options)."""
    name, sep, options_text = spec.partition(":")
    if not name:
        raise HandlerLoadError(f"--plugin {spec!r}: no plugin name")
    if not sep:
        return name, {}
    try:
        options = json.loads(options_text)
    except ValueError as err:
        raise HandlerLoadError(f"--plugin {spec!r}: options are not JSON: {err}") from err
    if not isinstance(options, dict):
        raise HandlerLoadError(f"--plugin {spec!r}: options must be a JSON object")
    return name, options


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's options."""
    handlers = parser.add_argument_group("handlers (at least one)")
    handlers.add_argument(
        "--handler",
        action="append",
        default=[],
        metavar="MODULE:ATTRIBUTE",
        help="an EventHandler (or a class or factory of one) by import path; repeatable",
    )
    handlers.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="NAME[:JSON]",
        help="a handler plugin by entry-point name, with JSON options; repeatable",
    )
    consumer = parser.add_argument_group("consumer")
    defaults = ConsumerSettings()
    consumer.add_argument("--durable", default=defaults.durable, help="consumer name (%(default)s)")
    consumer.add_argument("--account", default=None, help="only this account (default: all)")
    consumer.add_argument("--kinds", default=None, help="comma-separated kinds (default: all)")
    consumer.add_argument("--deliver", choices=("all", "new"), default=defaults.deliver)
    consumer.add_argument(
        "--max-deliver",
        type=int,
        default=defaults.max_deliver,
        help="attempts per message before it becomes a dead letter (%(default)s)",
    )
    consumer.add_argument(
        "--ack-wait",
        type=positive_seconds,
        default=defaults.ack_wait,
        help="seconds before an unsettled message is delivered again (%(default)s)",
    )
    consumer.add_argument("--max-ack-pending", type=int, default=defaults.max_ack_pending)
    consumer.add_argument("--batch", type=int, default=defaults.batch)
    consumer.add_argument(
        "--retry-delays",
        default=",".join(f"{d:g}" for d in defaults.retry_delays),
        help="seconds before retrying a failed message, per attempt (%(default)s)",
    )
    consumer.add_argument(
        "--dead-letter-stream",
        default=DEFAULT_DEAD_LETTER_STREAM.name,
        help="dead-letter stream (%(default)s)",
    )
    consumer.add_argument(
        "--dead-letter-prefix",
        default=DEFAULT_DEAD_LETTER_STREAM.subject_prefix,
        help="dead-letter subject prefix (%(default)s)",
    )
    consumer.add_argument(
        "--exit-when-idle",
        type=positive_seconds,
        default=None,
        metavar="SECONDS",
        help="stop once no message arrived for this long (default: run until signalled)",
    )
    add_nats_options(parser)


def _source(args: argparse.Namespace) -> NatsSource:
    kinds = frozenset(k.strip() for k in args.kinds.split(",") if k.strip()) if args.kinds else None
    try:
        delays = tuple(float(d) for d in args.retry_delays.split(","))
    except ValueError:
        raise ValueError(f"--retry-delays {args.retry_delays!r}: expected numbers") from None
    consumer = ConsumerSettings(
        durable=args.durable,
        account=args.account,
        kinds=kinds,
        deliver=args.deliver,
        max_deliver=args.max_deliver,
        ack_wait=args.ack_wait,
        max_ack_pending=args.max_ack_pending,
        batch=args.batch,
        retry_delays=delays,
    )
    dead_letters = StreamSettings(
        name=args.dead_letter_stream,
        subject_prefix=args.dead_letter_prefix,
        max_age=DEFAULT_DEAD_LETTER_STREAM.max_age,
    )
    return NatsSource(
        servers=servers(args),
        stream=stream_settings(args),
        consumer=consumer,
        dead_letters=dead_letters,
        idle_timeout=args.exit_when_idle,
        connect_timeout=args.connect_timeout,
        name=f"wabus-worker-{args.durable}",
    )


def _bot(args: argparse.Namespace, source: NatsSource) -> Bot:
    builder = BotBuilder()
    for spec in args.handler:
        builder.with_handler(load_handler(spec))
    for spec in args.plugin:
        name, options = parse_plugin(spec)
        builder.with_plugin(name, **options)
    return builder.with_source(source).build()


async def _work(bot: Bot, source: NatsSource) -> int:
    try:
        await run_until_signalled(bot)
    except BridgeError as err:
        print(f"wabus worker: {err}", file=sys.stderr)
        return 1
    stats = source.stats()
    reasons = ", ".join(f"{k}: {v}" for k, v in sorted(stats.by_reason.items()))
    print(
        f"worker stopped: {stats.handled} handled, {stats.retried} retried,"
        f" {stats.dead_lettered} dead letters{f' ({reasons})' if reasons else ''},"
        f" {stats.skipped} skipped"
    )
    return 0


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the command; returns the exit status."""
    if not args.handler and not args.plugin:
        parser.error("worker needs handlers: --handler MODULE:ATTRIBUTE or --plugin NAME")
    try:
        source = _source(args)
        bot = _bot(args, source)
    except BotConfigError as err:
        print(f"wabus worker: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        parser.error(str(err))
    return anyio.run(_work, bot, source)
