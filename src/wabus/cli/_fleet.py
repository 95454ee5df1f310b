"""``wabus fleet``: one member of a fleet of processes that share a set of accounts.

::

    wabus fleet --accounts accounts.txt --store postgresql://bots@db/wabus
    wabus fleet --accounts accounts.txt --store postgresql://… --url ws://127.0.0.1:5222/ws/chat \\
        --trust-root 5f1c…  # the simulator's root key, as `wabus simulator` prints it

Start the same command on as many machines as you like: each account of the accounts file is
connected by exactly one member at a time, the members balance the accounts between them when
one joins or leaves, and when one dies the others take its accounts over (see
`wabus.client.FleetMember`: the lease is the account's PostgreSQL advisory lock).

The accounts file lists one account name per line: the name of the account's device in the
PostgreSQL store (``PostgresStore(..., account=NAME)``, ``wabus store migrate --account
NAME``). Blank lines and lines starting with ``#`` are skipped; a name holds no spaces and is
listed once. Every member must be given the same list. Each account must be paired already
(its device in the store): the command says which are not, and skips them until they are.

Events are logged on standard error; with ``--json`` each event is also printed on standard
output as one JSON line (with its ``account``), and so is each change of the member's view, as
``{"fleet": {...}}``. SIGINT or SIGTERM makes the member leave: its clients stop, delivering
and acknowledging what they read, and its accounts go to the others.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

import anyio
import structlog

from wabus.cli._options import positive_seconds
from wabus.client import (
    WHATSAPP_URL,
    AccountState,
    Client,
    FleetError,
    FleetMember,
    FleetStatus,
    PostgresDatabase,
    PostgresStore,
    StoreError,
    read_accounts,
)
from wabus.core import BaseEvent, CoreEventBus
from wabus.protocol import WHATSAPP_ROOT, TrustedRoot

__all__ = ["HELP", "LOG_STREAM", "NAME", "configure", "run", "unpaired"]

NAME = "fleet"
HELP = "run one member of a fleet sharing accounts over PostgreSQL"
LOG_STREAM = "stderr"  # standard output carries the --json lines


def _root(text: str) -> TrustedRoot:
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 64 hex digits, got {text!r}") from None
    if len(key) != 32:
        raise argparse.ArgumentTypeError(f"expected 64 hex digits (32 bytes), got {len(key)} bytes")
    return TrustedRoot(serial=0, key=key)


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's options."""
    parser.description = (
        "Run one member of a fleet: processes sharing the accounts of FILE, each account"
        " connected by exactly one member at a time (PostgreSQL advisory locks)."
    )
    parser.epilog = (
        "The accounts file: one account name per line (its device's name in the store);"
        " blank lines and lines starting with # are skipped. Every member gets the same file,"
        " and every account must be paired already (its device in the store)."
    )
    parser.add_argument(
        "--accounts", type=Path, required=True, metavar="FILE", help="the accounts file"
    )
    parser.add_argument(
        "--store", required=True, metavar="DSN", help="the PostgreSQL store (postgresql://...)"
    )
    parser.add_argument(
        "--url", default=WHATSAPP_URL, help="the server's WebSocket URL (a simulator's, for tests)"
    )
    parser.add_argument(
        "--trust-root",
        type=_root,
        metavar="HEX",
        help="trust this certificate root instead of WhatsApp's (the simulator's root key)",
    )
    parser.add_argument("--fleet", default="default", help="the fleet's name (default: default)")
    parser.add_argument(
        "--interval",
        type=positive_seconds,
        default=1.0,
        metavar="SECONDS",
        help="how often the member looks at the others (default 1)",
    )
    parser.add_argument(
        "--lease-timeout",
        type=positive_seconds,
        default=3.0,
        metavar="SECONDS",
        help="stop every client when the leases cannot be proven for this long (default 3)",
    )
    parser.add_argument(
        "--takeover-delay",
        type=positive_seconds,
        metavar="SECONDS",
        help="wait this long after a member vanished before taking its accounts"
        " (default: lease timeout + 2)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print each event and view change as a JSON line"
    )


def unpaired(database: PostgresDatabase, accounts: list[str]) -> list[str]:
    """The accounts of `accounts` that have no paired device in the store."""
    rows = database.run(
        lambda db: db.execute(
            "SELECT account FROM wabus_device WHERE account = ANY(%s) AND pn IS NOT NULL",
            (accounts,),
        ).fetchall()
    )
    paired = {str(row[0]) for row in rows}
    return [account for account in accounts if account not in paired]


def _line(data: str) -> None:
    sys.stdout.write(data + "\n")
    sys.stdout.flush()  # before the handler returns, so before the stanza is acknowledged


def _status_json(status: FleetStatus) -> str:
    body: dict[str, Any] = {
        "member": status.member,
        "members": list(status.members),
        "assigned": len(status.assigned),
        "accounts": {a: info.state.value for a, info in sorted(status.accounts.items())},
        "skipped": dict(sorted(status.skipped.items())),
    }
    return json.dumps({"fleet": body})


async def _serve(args: argparse.Namespace, accounts: list[str], database: PostgresDatabase) -> int:
    log = structlog.get_logger("wabus.fleet")
    roots = [args.trust_root] if args.trust_root is not None else [WHATSAPP_ROOT]

    def make_client(account: str, store: PostgresStore) -> Client:
        return Client(store, url=args.url, trusted_roots=roots, account=account)

    bus = CoreEventBus()

    def on_event(event: BaseEvent) -> None:
        if args.json:
            _line(event.to_json())
        else:
            log.info(event.type, account=event.account)

    def on_change(status: FleetStatus) -> None:
        states = [info.state for info in status.accounts.values()]
        connected = states.count(AccountState.CONNECTED)
        log.info(
            "member view",
            member=status.member,
            members=len(status.members),
            assigned=len(status.assigned),
            running=len(status.accounts),
            connected=connected,
            skipped=len(status.skipped),
        )
        if args.json:
            _line(_status_json(status))

    bus.subscribe(BaseEvent, on_event)
    member = FleetMember(
        database,
        accounts,
        make_client,
        bus,
        fleet=args.fleet,
        interval=args.interval,
        lease_timeout=args.lease_timeout,
        takeover_delay=args.takeover_delay,
        on_change=on_change,
    )
    async with bus, anyio.create_task_group() as tasks:

        async def on_signal() -> None:
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async for _ in signals:
                    log.info("leaving the fleet")
                    tasks.cancel_scope.cancel()
                    return

        tasks.start_soon(on_signal)
        tasks.start_soon(member.run)
    return 0


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the command; returns the exit status."""
    try:
        accounts = read_accounts(
            args.accounts.read_text(encoding="utf-8"), source=str(args.accounts)
        )
    except OSError as err:
        parser.exit(2, f"wabus fleet: cannot read the accounts file: {err}\n")
    except (FleetError, UnicodeDecodeError) as err:
        parser.exit(2, f"wabus fleet: {err}\n")
    try:
        database = PostgresDatabase(args.store)
    except StoreError as err:
        print(f"wabus fleet: {err}", file=sys.stderr)
        return 1
    try:
        missing = unpaired(database, accounts)
        if len(missing) == len(accounts):
            print(
                f"wabus fleet: none of the {len(accounts)} accounts is paired in"
                f" {database.target}: pair them first (their devices must be in the store)",
                file=sys.stderr,
            )
            return 1
        if missing:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            print(
                f"wabus fleet: {len(missing)} of {len(accounts)} accounts are not paired in"
                f" {database.target} and are skipped until they are: {shown}",
                file=sys.stderr,
            )
        return anyio.run(_serve, args, accounts, database)
    except (FleetError, StoreError) as err:
        print(f"wabus fleet: {err}", file=sys.stderr)
        return 1
    finally:
        database.close()
