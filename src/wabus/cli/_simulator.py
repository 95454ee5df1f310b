"""``wabus simulator``: the simulator as a process of its own, for clients in any language.

::

    wabus simulator --port 5222                          # prints its URL and root key
    wabus simulator --port 5222 --root-key sim-root.hex  # the same root key every run
    wabus simulator --json                               # one JSON object per line

It listens on loopback (``--host`` to change that) and prints what a client needs: the
WebSocket URL, the root key its certificate chain is signed with (a client must trust it in
place of WhatsApp's), the media host and the simulated phone's number. Then it reads commands
on its standard input, one per line, and reports what happens on its standard output:

- ``scan CODE [ACCOUNT]``, or the QR code's text alone: the phone scans a pairing QR code (the
  text a client shows, with or without the ``https://wa.me/settings/linked_devices#`` prefix);
  the device becomes a companion of the phone's account, or of ``ACCOUNT`` (``alice``, ``bob``
  or a number the simulator knows);
- ``scenario``: plays the scenario (offline delivery, then live traffic, end-to-end encrypted)
  to the latest companion to log in;
- ``send FROM TEXT``: a text message from a simulated contact (``alice`` or ``bob``) to it;
- ``devices``: the paired companions; ``help``; ``quit``.

Every message a companion sends to a simulated phone or contact is printed, decrypted, as it
arrives. The end of its input does not stop it (it may run with no terminal at all): Ctrl-C,
SIGTERM or ``quit`` does, with exit status 0; a port it cannot listen on gives status 1.

With ``--root-key FILE`` the root's private key is read from ``FILE`` (64 hex digits), or
written there (readable by the owner only) when the file does not exist yet, so that a client
patched once to trust the printed key keeps trusting it.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import signal
import sys
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Final, TextIO

import anyio
import anyio.abc

from wabus.core import Jid, Server
from wabus.protocol import KeyPair
from wabus.simulator import QR_PREFIX, DecryptedMessage, Simulator, SimulatorError
from wabus.simulator._scenario import ALICE, BOB

__all__ = ["HELP", "LOG_STREAM", "NAME", "configure", "load_root_key", "run"]

NAME = "simulator"
HELP = "run the simulator alone, for clients in any language (prints its URL and root key)"
LOG_STREAM = "stderr"  # stdout carries the reports a tool reads

CONTACTS: Final[Mapping[str, Jid]] = {"alice": ALICE, "bob": BOB}
"""The simulated contacts, by the names commands take."""

_COMMANDS: Final = (
    "scan CODE [ACCOUNT]  scan a pairing QR code (the code's text alone works too)",
    "scenario             play the scenario to the latest companion",
    "send FROM TEXT       a text message from alice or bob to the latest companion",
    "devices              list the paired companions",
    "quit                 stop the simulator",
)


class RootKeyError(Exception):
    """A ``--root-key`` file that does not hold a key."""


def load_root_key(path: Path) -> KeyPair:
    """The root key pair kept in `path` (hex of the 32-byte private key), made there if absent."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pair = KeyPair.generate()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(pair.private.hex() + "\n")
        return pair
    except (OSError, UnicodeDecodeError) as err:
        raise RootKeyError(f"cannot read the root key from {path}: {err}") from err
    try:
        private = bytes.fromhex(text)
        return KeyPair(private=private)
    except ValueError as err:
        raise RootKeyError(
            f"{path} does not hold a root key (64 hex digits of a private key): {err}"
        ) from None


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's options."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument(
        "--port", type=_port, default=0, help="port to listen on (default: any free one)"
    )
    parser.add_argument(
        "--root-key",
        type=Path,
        metavar="FILE",
        help="keep the root key in FILE (made there on first use), so it is the same every run",
    )
    parser.add_argument(
        "--history-by-media",
        action="store_true",
        help="serve the scenario's second history chunk from the media host, as big chunks are"
        " (for clients that download media from the host media_conn names)",
    )
    parser.add_argument("--json", action="store_true", help="report as one JSON object per line")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is between 0 and 65535, got {port}")
    return port


class _Reporter:
    """Writes one report per line: ``key: value`` text, or a JSON object."""

    def __init__(self, out: TextIO, *, as_json: bool) -> None:
        self._out = out
        self._json = as_json

    def __call__(self, event: str, line: str, /, **fields: object) -> None:
        """Report `event`: `line` for a person, `fields` for a tool."""
        if self._json:
            line = json.dumps({"event": event, **fields}, default=str)
        else:
            line = f"wabus simulator: {line}"
        print(line, file=self._out, flush=True)


class _Console:
    """The commands read from standard input, carried out on the running simulator."""

    def __init__(self, sim: Simulator, report: _Reporter, history_by_media: bool) -> None:
        self._sim = sim
        self._report = report
        self._history_by_media = history_by_media

    async def serve(self, lines: TextIO, stop: anyio.Event) -> None:
        while True:
            line = await anyio.to_thread.run_sync(lines.readline, abandon_on_cancel=True)
            if not line:
                return  # no more input: the simulator goes on serving
            try:
                if await self.command(line.strip()):
                    stop.set()
                    return
            except (SimulatorError, TimeoutError) as err:
                message = str(err) or "timed out"
                self._report("error", f"error: {message}", message=message)
            except Exception as err:  # a command's failure never stops the simulator
                message = f"{type(err).__name__}: {err}"
                self._report("error", f"error: {message}", message=message)

    async def command(self, line: str) -> bool:
        """Carry out one command; True for ``quit``."""
        if not line:
            return False
        word, _, rest = line.partition(" ")
        if word.startswith(QR_PREFIX) or (word == line and line.count(",") in (3, 4)):
            word, rest = "scan", line
        match word:
            case "quit" | "exit":
                return True
            case "help":
                for usage in _COMMANDS:
                    self._report("help", usage, usage=usage)
            case "scan":
                await self._scan(rest.split())
            case "scenario":
                await self._sim.wait_ready(timeout=30)
                count = await self._sim.run_scenario(history_by_media=self._history_by_media)
                self._report("scenario", f"scenario played: {count} stanzas", stanzas=count)
            case "send":
                await self._send(rest)
            case "devices":
                devices = [str(jid) for jid in self._sim.paired_devices]
                self._report("devices", f"paired: {', '.join(devices) or 'none'}", devices=devices)
            case _:
                self._report(
                    "error", f"unknown command {word!r} (try help)", message=f"unknown: {word}"
                )
        return False

    async def _scan(self, words: list[str]) -> None:
        if not 1 <= len(words) <= 2:
            raise SimulatorError("usage: scan CODE [ACCOUNT]")
        account = _account(words[1]) if len(words) == 2 else None
        device = self._sim.scan(words[0], account=account)
        self._report("scanned", f"QR code scanned: pairing {device}", device=str(device))
        await self._sim.wait_ready(device, timeout=60)
        self._report("ready", f"{device} logged in and ready", device=str(device))

    async def _send(self, rest: str) -> None:
        name, _, text = rest.partition(" ")
        sender = CONTACTS.get(name.lower())
        if sender is None or not text:
            raise SimulatorError(f"usage: send FROM TEXT, FROM one of {', '.join(CONTACTS)}")
        message_id = await self._sim.send_message(sender, text, push_name=name.title())
        self._report("sent", f"sent {message_id} from {name}", id=message_id, sender=str(sender))


def _account(text: str) -> Jid:
    if text.lower() in CONTACTS:
        return CONTACTS[text.lower()]
    try:
        return Jid.parse(text) if "@" in text else Jid(text.removeprefix("+"), Server.USER)
    except ValueError as err:
        raise SimulatorError(f"not an account: {text!r} ({err})") from None


def _beyond(sim: Simulator, count: int) -> Callable[[DecryptedMessage], bool]:
    return lambda _: sim.decrypted_count > count


async def _print_messages(sim: Simulator, report: _Reporter) -> None:
    """Report each message a companion sends to a simulated device, decrypted."""
    seen = sim.decrypted_count
    while True:
        await sim.expect_message(_beyond(sim, seen), timeout=math.inf)
        count = sim.decrypted_count
        for record in sim.decrypted[-min(count - seen, len(sim.decrypted)) :]:
            report(
                "message",
                f"message {record.id} from {record.sender} to {record.recipient}"
                f" in {record.chat}: {record.text!r}",
                id=record.id,
                sender=str(record.sender),
                recipient=str(record.recipient),
                chat=str(record.chat),
                text=record.text,
            )
        seen = count


async def _serve(args: argparse.Namespace, root: KeyPair | None) -> int:
    report = _Reporter(sys.stdout, as_json=args.json)
    sim = Simulator(host=args.host, port=args.port, root=root)
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(sim)
            except OSError as err:
                where = f"{args.host}:{args.port}"
                print(f"wabus simulator: cannot listen on {where}: {err}", file=sys.stderr)
                return 1
            root_key = sim.trusted_root
            report(
                "listening",
                f"listening on {sim.url}\n"
                f"wabus simulator: root key {root_key.key.hex()} (serial {root_key.serial})\n"
                f"wabus simulator: media host http://{sim.media.hostname}\n"
                f"wabus simulator: phone {sim.phone}; type help for commands",
                url=sim.url,
                root_key=root_key.key.hex(),
                root_key_base64=base64.b64encode(root_key.key).decode(),
                root_serial=root_key.serial,
                media_host=sim.media.hostname,
                phone=str(sim.phone),
            )
            stop = anyio.Event()
            async with anyio.create_task_group() as group:
                group.start_soon(_print_messages, sim, report)
                console = _Console(sim, report, args.history_by_media)
                group.start_soon(console.serve, sys.stdin, stop)

                async def on_signal() -> None:
                    async for signum in signals:
                        name = signal.Signals(signum).name
                        print(f"wabus simulator: {name}, stopping", file=sys.stderr, flush=True)
                        stop.set()
                        return

                group.start_soon(on_signal)
                await stop.wait()
                group.cancel_scope.cancel()
    report("stopped", "stopped")
    return 0


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the command; returns the exit status."""
    root = None
    if args.root_key is not None:
        try:
            root = load_root_key(args.root_key)
        except RootKeyError as err:
            parser.error(str(err))
    return anyio.run(_serve, args, root)
