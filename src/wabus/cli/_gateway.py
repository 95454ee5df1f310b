"""``wabus gateway``: the socket.io event gateway, next to a bot fed by an event source.

::

    WABUS_GATEWAY_TOKEN=s3cret wabus gateway --port 3000           # a simulator session
    WABUS_GATEWAY_TOKEN=s3cret wabus gateway --repeat --interval 2   # …played again and again
    wabus gateway --token s3cret --source sample                   # the scripted sample
    wabus gateway --token s3cret --source none                     # the gateway alone

The gateway listens before the source starts, so the pairing can be watched from its start:
open the page at ``http://127.0.0.1:3000/?token=…`` (it shows the QR code, the connection
state and the events; ``--scan-delay 30`` leaves the simulator's QR code on show for 30 s
before the simulated phone scans it). A client that subscribes later still receives the
current state (`wabus.handlers.gateway.EventGateway.current_state`).

Host, port and token(s) come from ``--host``/``--port``/``--token`` or, when a flag is not
given, from ``WABUS_GATEWAY_HOST``/``_PORT``/``_TOKEN`` (prefer the environment for tokens:
flags are visible to other users of the machine). Clients connect to the printed URL; the
health endpoint answers at ``/health`` while the command runs. It runs until interrupted
(Ctrl-C or SIGTERM), and exits 0 then, or 1 when the gateway cannot start.

Sources are listed in `SOURCES`; `DEFAULT_SOURCE` names the one used when ``--source`` is not
given: the simulator (`wabus.simulator.SimulatedSession`: a client paired with a loopback
simulator, playing its scenario). ``--source sample`` is the scripted, in-process sample
session of `wabus.core.testing.sample_session` (no sockets, no protocol).

With the simulator, clients may also send (``emit('sendMessage', jid, {text}, ack)``): the
gateway sends through the session's client while it runs (`SessionClient`); the simulated
contacts receive what is sent. The other sources have no client, so the gateway only listens
(``no_client``).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final

import anyio

from wabus.cli._options import non_negative_seconds
from wabus.client import Groups, NotConnected, SendResult
from wabus.core import Bot, CoreEventBus, Jid, Source
from wabus.core.testing import ScriptedSource, sample_session
from wabus.handlers.gateway import (
    ENV_HOST,
    ENV_PORT,
    ENV_TOKEN,
    EventGateway,
    GatewayConfig,
    GatewayConfigError,
    GatewayError,
)
from wabus.simulator import SimulatedSession

__all__ = [
    "DEFAULT_SCAN_DELAY",
    "DEFAULT_SOURCE",
    "HELP",
    "LOG_STREAM",
    "NAME",
    "SOURCES",
    "RepeatingSampleSource",
    "SessionClient",
    "configure",
    "run",
]

NAME = "gateway"
HELP = "serve the bus's events to socket.io clients (Baileys event names)"
LOG_STREAM = "stderr"  # standard output carries the address line


class RepeatingSampleSource:
    """The sample session, played again and again (with fresh timestamps) until cancelled."""

    def __init__(self, interval: float) -> None:
        self._interval = interval

    async def run(self, bus: CoreEventBus) -> None:
        """Publish the sample session, over and over."""
        while True:
            await ScriptedSource(sample_session(datetime.now(UTC)), interval=self._interval).run(
                bus
            )
            await anyio.sleep(self._interval)


class SessionClient:
    """The client of a `SimulatedSession`, for the gateway to send through: whichever client
    the session runs right now (`NotConnected` while it runs none)."""

    def __init__(self, session: SimulatedSession) -> None:
        self._session = session

    def _client(self) -> Any:
        client = self._session.client
        if client is None:
            raise NotConnected("the simulated session is not running")
        return client

    async def send_message(self, to: Jid, message: Any) -> SendResult:
        """Send through the session's client (see `wabus.client.Client.send_message`)."""
        result: SendResult = await self._client().send_message(to, message)
        return result

    @property
    def groups(self) -> Groups:
        """The session's client's group management."""
        groups: Groups = self._client().groups
        return groups


def _sample(args: argparse.Namespace) -> Source | None:
    if args.repeat:
        return RepeatingSampleSource(args.interval)
    return ScriptedSource(sample_session(datetime.now(UTC)), interval=args.interval)


def _simulator(args: argparse.Namespace) -> Source | None:
    return SimulatedSession(repeat=args.repeat, interval=args.interval, scan_delay=args.scan_delay)


def _no_source(args: argparse.Namespace) -> Source | None:
    return None


SOURCES: Final[Mapping[str, Callable[[argparse.Namespace], Source | None]]] = MappingProxyType(
    {
        "simulator": _simulator,  # a client and the simulator (wabus.simulator.SimulatedSession)
        "sample": _sample,  # the scripted sample session (wabus.core.testing.sample_session)
        "none": _no_source,  # the gateway alone: nothing publishes
    }
)
"""The event sources ``--source`` accepts, each built from the parsed arguments."""

DEFAULT_SOURCE: Final = "simulator"
"""The source used without ``--source``."""

DEFAULT_SCAN_DELAY: Final = 0.5
"""Seconds the simulator's QR code is on show before its phone scans it, without
``--scan-delay``."""


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's options."""
    parser.add_argument("--host", help=f"address to listen on (env {ENV_HOST}; 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, help=f"port to listen on, 0 for any free one (env {ENV_PORT}; 3000)"
    )
    parser.add_argument(
        "--token",
        action="append",
        help=f"an accepted token; repeatable (env {ENV_TOKEN}, comma-separated)",
    )
    parser.add_argument(
        "--source",
        choices=sorted(SOURCES),
        default=DEFAULT_SOURCE,
        help=f"what feeds the bot (default: {DEFAULT_SOURCE})",
    )
    parser.add_argument(
        "--interval",
        type=non_negative_seconds,
        default=1.0,
        help="seconds between events (default 1)",
    )
    parser.add_argument("--repeat", action="store_true", help="play the session again and again")
    parser.add_argument(
        "--scan-delay",
        type=non_negative_seconds,
        default=DEFAULT_SCAN_DELAY,
        metavar="SECONDS",
        help="with the simulator: how long the pairing QR code is on show (on the page at /)"
        f" before the simulated phone scans it (default {DEFAULT_SCAN_DELAY:g})",
    )
    parser.add_argument(
        "--queue-size", type=int, help="events a client may fall behind before it is dropped"
    )


async def _serve(config: GatewayConfig, source: Source | None) -> int:
    client = SessionClient(source) if isinstance(source, SimulatedSession) else None
    gateway = EventGateway(config, client=client)
    builder = Bot.builder().with_handler(gateway)
    if source is not None:
        builder.with_source(source)
    bot = builder.build()
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with anyio.create_task_group() as group:
            # Listen first, then start the sources: a client (or the page) that connects at
            # once sees the pairing from its start, and a later one gets its current state.
            try:
                await group.start(gateway.serve)
            except GatewayError as err:
                print(f"wabus gateway: {err}", file=sys.stderr)
                return 1
            root = gateway.url.removesuffix(config.namespace)
            print(
                f"wabus gateway: listening on {gateway.url} (page: {root}/,"
                f" health: {root}{config.health_path})",
                flush=True,
            )
            async with bot:
                async for signum in signals:
                    name = signal.Signals(signum).name
                    print(f"wabus gateway: {name}, stopping", file=sys.stderr, flush=True)
                    break
            group.cancel_scope.cancel()
    stats = gateway.stats
    print(
        f"wabus gateway: stopped after {stats.events} events, {stats.deliveries} deliveries,"
        f" {stats.slow_disconnects} slow clients dropped",
        file=sys.stderr,
    )
    return 0


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the command; returns the exit status."""
    if args.interval < 0:
        parser.error("--interval must not be negative")
    try:
        config = GatewayConfig.from_env(
            host=args.host, port=args.port, tokens=args.token, queue_size=args.queue_size
        )
    except GatewayConfigError as err:
        hint = f" (set {ENV_TOKEN} or pass --token)" if "token" in str(err) else ""
        parser.error(f"{err}{hint}")
    source = SOURCES[args.source](args)
    status: int = anyio.run(_serve, config, source)
    return status
