"""``wabus bridge``: a bot's events to NATS JetStream, through a `NatsPublisher`.

Every event the bot's source produces is published to ``<prefix>.<account>.<kind>`` on the
stream (created when missing). The source (`source_for`) is a live session against the
simulator by default (`wabus.simulator.SimulatedSession`), or the scripted in-process sample
session with ``--source sample``; the command ends when the source does, once JetStream has
confirmed every event, or on SIGINT/SIGTERM. It prints how many events were stored and how
many the stream already had (running it twice on the sample session stores nothing new).

The NATS options here (`add_nats_options`, `stream_settings`) are shared with ``wabus worker``.
"""

from __future__ import annotations

import argparse
import signal
import sys

import anyio

from wabus.cli._options import non_negative_seconds, positive_seconds
from wabus.core import BaseEvent, Bot, Source
from wabus.core.testing import ScriptedSource, sample_session
from wabus.handlers.nats import (
    DEFAULT_PREFIX,
    DEFAULT_SERVERS,
    DEFAULT_STREAM,
    BridgeError,
    NatsPublisher,
    PublishIncomplete,
    StreamSettings,
)
from wabus.simulator import SimulatedSession

__all__ = [
    "HELP",
    "LOG_STREAM",
    "NAME",
    "add_nats_options",
    "configure",
    "run",
    "run_until_signalled",
    "servers",
    "source_for",
    "stream_settings",
]

NAME = "bridge"
HELP = "publish a bot's events to NATS JetStream"
LOG_STREAM = "stderr"  # standard output carries the summary


def source_for(args: argparse.Namespace) -> Source:
    """The bot's event source: a simulator session, or the scripted sample session."""
    if args.source == "sample":
        return ScriptedSource(sample_session(), interval=args.interval)
    return SimulatedSession(interval=args.interval)


def add_nats_options(parser: argparse.ArgumentParser) -> None:
    """The connection and stream options both NATS commands take."""
    group = parser.add_argument_group("NATS")
    group.add_argument(
        "--servers",
        default=",".join(DEFAULT_SERVERS),
        help="comma-separated NATS addresses (default: %(default)s)",
    )
    group.add_argument(
        "--connect-timeout",
        type=positive_seconds,
        default=5.0,
        help="seconds to wait for the first connection (default: %(default)s)",
    )
    group.add_argument("--stream", default=DEFAULT_STREAM.name, help="stream name (%(default)s)")
    group.add_argument(
        "--subject-prefix", default=DEFAULT_PREFIX, help="first subject token(s) (%(default)s)"
    )
    limits = parser.add_argument_group("stream settings (used when the stream is created)")
    limits.add_argument(
        "--retention", choices=("limits", "interest", "workqueue"), default="limits"
    )
    limits.add_argument("--storage", choices=("file", "memory"), default="file")
    limits.add_argument(
        "--max-age", type=float, default=DEFAULT_STREAM.max_age, help="seconds (0: unlimited)"
    )
    limits.add_argument("--max-bytes", type=int, default=None)
    limits.add_argument("--max-msgs", type=int, default=None)
    limits.add_argument(
        "--duplicate-window",
        type=float,
        default=DEFAULT_STREAM.duplicate_window,
        help="seconds the stream remembers message ids (%(default)s)",
    )


def servers(args: argparse.Namespace) -> list[str]:
    """The NATS addresses given with ``--servers``."""
    return [s.strip() for s in args.servers.split(",") if s.strip()]


def stream_settings(args: argparse.Namespace) -> StreamSettings:
    """The stream settings the options describe; raises `ValueError` for bad values."""
    return StreamSettings(
        name=args.stream,
        subject_prefix=args.subject_prefix,
        retention=args.retention,
        storage=args.storage,
        max_age=args.max_age or None,
        max_bytes=args.max_bytes,
        max_msgs=args.max_msgs,
        duplicate_window=args.duplicate_window,
    )


async def run_until_signalled(bot: Bot) -> bool:
    """Run `bot` until its sources finish or SIGINT/SIGTERM asks it to stop (True then)."""
    stopped = False

    async def watch() -> None:
        nonlocal stopped
        with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for _ in signals:
                stopped = True
                bot.stop()
                return

    failure: Exception | None = None
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(watch)
        try:
            await bot.run()
        except Exception as err:  # re-raised below, outside the task group (no ExceptionGroup)
            failure = err
        task_group.cancel_scope.cancel()
    if failure is not None:
        raise failure
    return stopped


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's options."""
    parser.add_argument(
        "--account",
        default="demo",
        help="the account token of the subjects, e.g. the bot's phone number (%(default)s)",
    )
    parser.add_argument(
        "--source",
        choices=("simulator", "sample"),
        default="simulator",
        help="a live session against the simulator, or the scripted sample (%(default)s)",
    )
    parser.add_argument(
        "--interval", type=non_negative_seconds, default=0.0, help="seconds between events"
    )
    parser.add_argument(
        "--max-in-flight",
        type=int,
        default=1024,
        help="events awaiting JetStream's acknowledgement at once (%(default)s)",
    )
    add_nats_options(parser)


async def _bridge(args: argparse.Namespace, publisher: NatsPublisher) -> int:
    errors = 0
    stream = publisher.stream

    def on_error(error: Exception, handler: object, event: BaseEvent) -> None:
        nonlocal errors
        errors += 1

    try:
        async with publisher:
            bot = (
                Bot.builder()
                .with_handler(publisher)
                .with_source(source_for(args))
                .on_handler_error(on_error)
                .build()
            )
            await run_until_signalled(bot)
    except PublishIncomplete as err:
        print(f"wabus bridge: {err}", file=sys.stderr)
        return 1
    except BridgeError as err:
        print(f"wabus bridge: {err}", file=sys.stderr)
        return 1
    stats = publisher.stats()
    print(
        f"bridge finished: {stats.confirmed} events published to stream {stream.name} as"
        f" {stream.subject_prefix}.{args.account}.<kind>: {stats.confirmed - stats.duplicates}"
        f" stored, {stats.duplicates} already there; {errors} handler errors"
    )
    return 0 if errors == 0 else 1


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the command; returns the exit status."""
    try:
        publisher = NatsPublisher(
            account=args.account,
            servers=servers(args),
            stream=stream_settings(args),
            max_in_flight=args.max_in_flight,
            connect_timeout=args.connect_timeout,
            name="wabus-bridge",
        )
    except ValueError as err:
        parser.error(str(err))
    return anyio.run(_bridge, args, publisher)
