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

Each subcommand is a module here with ``NAME``, ``HELP``, ``LOG_STREAM``, ``configure(parser)``
and ``run(args, parser) -> int``; `COMMANDS` lists them.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from typing import Final

from wabus.cli._console import configure_logging

__all__ = ["COMMANDS", "main"]

COMMANDS: Final = (
    "wabus.cli._run",
    "wabus.cli._replay",
    "wabus.cli._gateway",
    "wabus.cli._bridge",
    "wabus.cli._worker",
)
"""The modules that implement the subcommands, in the order ``--help`` lists them."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wabus`` command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="wabus", description="wabus: a typed event core for bots")
    commands = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for module_name in COMMANDS:
        module = importlib.import_module(module_name)
        modules[module.NAME] = module
        module.configure(commands.add_parser(module.NAME, help=module.HELP))
    args = parser.parse_args(argv)
    module = modules[args.command]
    configure_logging(module.LOG_STREAM)
    status: int = module.run(args, parser)
    return status
