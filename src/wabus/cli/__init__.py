"""The ``wabus`` command.

- ``wabus run --demo``: the example bot on a scripted, in-process session, printing each event
  as the handler receives it.
- ``wabus replay FILE`` (or ``--sample``): a capture through the decoder and the router,
  printing each event as a JSON line (``--kinds message,receipt`` to keep only some).
- ``wabus gateway``: the socket.io event gateway next to a bot (by default fed by the scripted
  sample session), until interrupted; host, port and token from flags or the environment.
- ``wabus bridge``: a bot's events published to NATS JetStream (``wabus.<account>.<kind>``).
- ``wabus worker``: handlers (``--plugin NAME``, ``--handler module:attribute``) on events
  consumed from NATS JetStream; workers with the same ``--durable`` share the load.
- ``wabus simulator``: the simulator alone on a loopback port, printing its URL and root key,
  driven by commands on standard input (scan a QR code, play the scenario, send a message).
- ``wabus store migrate --from sqlite:PATH --to postgresql://… [--account NAME]``: a device moved
  between a SQLite file and PostgreSQL (either way), read back and compared.
- ``wabus fleet --accounts FILE --store postgresql://…``: one member of a fleet of processes
  sharing the accounts of FILE (one account name per line), each account connected by exactly
  one member at a time.

Each subcommand is a module here with ``NAME``, ``HELP``, ``LOG_STREAM``, ``configure(parser)``
and ``run(args, parser) -> int``; `COMMANDS` lists them, and `SUMMARIES` repeats their names
and one-line help so that ``wabus --help`` imports none of them. Only the subcommand being run
(or asked for help) is imported, with what it needs (the simulator, socket.io, NATS): the
command starts quickly, and a subcommand whose extra is not installed says which one to
install instead of breaking the others.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

__all__ = ["COMMANDS", "EXTRAS", "SUMMARIES", "main"]

COMMANDS: Final = (
    "wabus.cli._run",
    "wabus.cli._replay",
    "wabus.cli._gateway",
    "wabus.cli._bridge",
    "wabus.cli._worker",
    "wabus.cli._simulator",
    "wabus.cli._store",
    "wabus.cli._fleet",
)
"""The modules that implement the subcommands, in the order ``--help`` lists them."""

SUMMARIES: Final[Mapping[str, tuple[str, str]]] = MappingProxyType(
    {
        "run": ("wabus.cli._run", "run the example bot against the simulator (or a scripted demo)"),
        "replay": ("wabus.cli._replay", "replay a capture as JSON lines"),
        "gateway": (
            "wabus.cli._gateway",
            "serve the bus's events to socket.io clients (Baileys event names)",
        ),
        "bridge": ("wabus.cli._bridge", "publish a bot's events to NATS JetStream"),
        "worker": ("wabus.cli._worker", "run handlers on events from NATS JetStream"),
        "simulator": (
            "wabus.cli._simulator",
            "run the simulator alone, for clients in any language (prints its URL and root key)",
        ),
        "store": (
            "wabus.cli._store",
            "move a device between stores (SQLite and PostgreSQL), losing nothing",
        ),
        "fleet": (
            "wabus.cli._fleet",
            "run one member of a fleet sharing accounts over PostgreSQL",
        ),
    }
)
"""Each subcommand's name -> (module, one-line help); a test keeps it equal to the modules'."""

EXTRAS: Final[Mapping[str, str]] = MappingProxyType(
    {"gateway": "gateway", "bridge": "nats", "worker": "nats"}
)
"""The ``wabus-handlers`` extra each subcommand needs beyond the umbrella's own dependencies."""


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first argument that is not an option)."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in SUMMARIES else None
    return None


def _load(name: str, parser: argparse.ArgumentParser) -> Any:
    try:
        return importlib.import_module(SUMMARIES[name][0])
    except ImportError as err:
        extra = EXTRAS.get(name)
        hint = f"; install it with: pip install 'wabus-handlers[{extra}]'" if extra else ""
        parser.exit(2, f"wabus {name}: a dependency is missing ({err}){hint}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wabus`` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="wabus", description="wabus: a typed event core for bots")
    commands = parser.add_subparsers(dest="command", required=True)
    chosen = _chosen(argv)
    module: Any = None
    for name, (_, summary) in SUMMARIES.items():
        subparser = commands.add_parser(name, help=summary)
        if name == chosen:
            module = _load(name, parser)
            module.configure(subparser)
    args = parser.parse_args(argv)
    assert module is not None  # parse_args checked the name

    from wabus.cli._console import configure_logging  # structlog: only for a command that runs

    configure_logging(module.LOG_STREAM)
    status: int = module.run(args, parser)
    return status
