"""``wabus run``: the example bot, against the built-in simulator (default) or a scripted demo.

With ``--simulator`` (the default) the command starts the simulator on a loopback port and an
example bot with a live `Client` pointed at it: the bot shows the pairing QR code in the
terminal (or, with ``--phone``, a pairing code), the simulated phone scans it (or types the
code), the client pairs, reconnects and logs in, and the
simulator plays its scenario. The bot prints every event as it arrives and answers "ping"
with "pong" through the live connection, end-to-end encrypted: the simulated contact
encrypts the ping with Signal and decrypts the pong. At the end of the scenario (or on
Ctrl-C) it prints a one-line summary and exits: 0 if the session went as it should, 1 if not.

With ``--demo`` it runs the same printing bot on a scripted, in-process session instead (no
sockets, no protocol).
"""

from __future__ import annotations

import argparse
import io
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass

import anyio
import qrcode
import structlog

from wabus.cli._options import non_negative_seconds, positive_seconds
from wabus.client import Client, MemoryStore
from wabus.core import BaseEvent, Bot, EventHandler
from wabus.core.events import Message, PairingCode, PairingQrCode
from wabus.core.testing import ScriptedSource, sample_session
from wabus.handlers import summarise
from wabus.simulator import AutoScanner, DecryptedMessage, Simulator

__all__ = [
    "HELP",
    "LOG_STREAM",
    "NAME",
    "PairCodeTerminal",
    "PingPong",
    "PrintingBot",
    "QrTerminal",
    "configure",
    "run",
]

NAME = "run"
HELP = "run the example bot against the simulator (or a scripted demo)"
LOG_STREAM = "stdout"
APP_STATE_KINDS = frozenset(
    {"pin_update", "mute_update", "archive_update", "mark_chat_as_read_update"}
)
"""The chat-state events the scenario's app-state sync brings (the session waits for them)."""


class PrintingBot(EventHandler):
    """The example bot: prints every event it receives, as it receives it."""

    def __init__(self) -> None:
        self.count = 0
        self.kinds: set[str] = set()
        self.errors = 0
        self._log = structlog.get_logger("wabus.bot")

    def on_event(self, event: BaseEvent) -> None:
        self.count += 1
        self.kinds.add(event.type)
        fields = summarise(event)
        if isinstance(event, Message):
            fields["text"] = event.text  # parses the body: only a bot that reads it pays
        self._log.info(event.type, **fields)


class PingPong(EventHandler):
    """Answers a text message saying "ping" with "pong", through `client`."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self.answered = 0
        self._log = structlog.get_logger("wabus.bot")

    async def on_message(self, event: Message) -> None:
        if (event.text or "").strip().lower() != "ping":
            return
        chat = event.info.source.chat
        message_id = await self._client.send_text(chat, "pong")
        self.answered += 1
        self._log.info("answered ping with pong", chat=str(chat), id=message_id)


class PairCodeTerminal(EventHandler):
    """Shows each pairing code, to type on the phone (Linked devices, Link with phone number)."""

    def __init__(self, write: Callable[[str], object] = sys.stdout.write) -> None:
        self._write = write

    def on_pairing_code(self, event: PairingCode) -> None:
        code = f"{event.code[:4]}-{event.code[4:]}"
        minutes = event.timeout.total_seconds() / 60
        self._write(f"Pairing code: {code} (type it on the phone within {minutes:g} minutes)\n")


class QrTerminal(EventHandler):
    """Draws each pairing QR code in the terminal, for a phone (or the simulator) to scan."""

    def __init__(self, write: Callable[[str], object] = sys.stdout.write) -> None:
        self._write = write

    def on_pairing_qr_code(self, event: PairingQrCode) -> None:
        code = qrcode.QRCode(border=1)
        code.add_data(event.code)
        drawing = io.StringIO()
        code.print_ascii(out=drawing, invert=True)
        self._write(drawing.getvalue())


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's options."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--simulator",
        action="store_true",
        help="pair with and connect to the built-in simulator (the default)",
    )
    source.add_argument(
        "--demo", action="store_true", help="feed the bot a scripted in-process session instead"
    )
    parser.add_argument(
        "--scan-delay",
        type=non_negative_seconds,
        default=1.0,
        metavar="SECONDS",
        help="how long the QR code is shown before the simulated phone scans it (default 1)",
    )
    parser.add_argument("--no-qr", action="store_true", help="do not draw the QR code")
    parser.add_argument(
        "--phone",
        nargs="?",
        const="",
        metavar="NUMBER",
        help="link by pairing code instead of QR code: the code is shown, and the simulated"
        " phone types it (NUMBER defaults to the simulator's phone)",
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=60.0,
        metavar="SECONDS",
        help="give up on a simulator session that has not finished by then (default 60)",
    )
    parser.add_argument(
        "--interval",
        type=non_negative_seconds,
        default=0.05,
        help="seconds between scripted events (--demo)",
    )


async def _run_demo(interval: float) -> int:
    printer = PrintingBot()

    def on_error(error: Exception, handler: object, event: BaseEvent) -> None:
        printer.errors += 1

    bot = (
        Bot.builder()
        .with_handler(printer)
        .with_source(ScriptedSource(sample_session(), interval=interval))
        .on_handler_error(on_error)
        .build()
    )
    await bot.run()
    print(f"demo finished: {printer.count} events handled, {printer.errors} handler errors")
    return 0 if printer.errors == 0 else 1


@dataclass
class _Outcome:
    stanzas: int = 0
    pong: bool = False
    finished: bool = False
    interrupted: bool = False
    failure: str = ""


def _is_pong(message: DecryptedMessage) -> bool:
    """The bot's answer, as the simulated contact decrypted it (the server sees ciphertext)."""
    return message.text == "pong"


async def _session(args: argparse.Namespace, printer: PrintingBot, outcome: _Outcome) -> None:
    log = structlog.get_logger("wabus.run")
    async with Simulator() as sim:
        log.info("simulator listening", url=sim.url)
        phone = None if args.phone is None else args.phone or sim.phone.user
        client = Client(
            MemoryStore(),
            url=sim.url,
            trusted_roots=[sim.trusted_root],
            push_name="wabus example",
            phone_number=phone,
        )

        def on_error(error: Exception, handler: object, event: BaseEvent) -> None:
            printer.errors += 1

        builder = (
            Bot.builder()
            .with_source(client)
            .with_handler(printer)
            .with_handler(PingPong(client))
            .with_handler(AutoScanner(sim, delay=args.scan_delay))
            .on_handler_error(on_error)
        )
        if phone is not None:
            builder.with_handler(PairCodeTerminal())
        elif not args.no_qr:
            builder.with_handler(QrTerminal())
        async with builder.build():
            await sim.wait_connected(timeout=args.timeout)
            outcome.stanzas = await sim.run_scenario()
            await sim.expect_message(_is_pong, timeout=10)
            outcome.pong = True
            with anyio.fail_after(10):  # the phone's pin, mute, archive and unread, synced
                while not printer.kinds >= APP_STATE_KINDS:
                    await anyio.sleep(0.01)
            await client.stop()
        outcome.finished = True


async def _run_simulator(args: argparse.Namespace) -> int:
    printer = PrintingBot()
    outcome = _Outcome()
    async with anyio.create_task_group() as tasks:

        async def on_signal() -> None:
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for _ in signals:
                    outcome.interrupted = True
                    tasks.cancel_scope.cancel()
                    return

        async def main() -> None:
            try:
                with anyio.fail_after(args.timeout):
                    await _session(args, printer, outcome)
            except TimeoutError:
                outcome.failure = f"the session did not finish within {args.timeout:g}s"
            except Exception as err:  # reported in the summary line, with the exit status
                outcome.failure = f"{type(err).__name__}: {err}"
            tasks.cancel_scope.cancel()

        tasks.start_soon(on_signal)
        tasks.start_soon(main)

    ping = "answered with pong" if outcome.pong else "not answered"
    counts = (
        f"{printer.count} events of {len(printer.kinds)} kinds handled, "
        f"{outcome.stanzas} stanzas, ping {ping}, {printer.errors} handler errors"
    )
    if outcome.interrupted:
        print(f"simulator session interrupted: {counts}")
        return 0
    if outcome.failure:
        print(f"simulator session failed: {outcome.failure}; {counts}")
        return 1
    print(f"simulator session finished: {counts}")
    return 0 if outcome.finished and outcome.pong and printer.errors == 0 else 1


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the command; returns the exit status."""
    if args.demo:
        return anyio.run(_run_demo, args.interval)
    return anyio.run(_run_simulator, args)
