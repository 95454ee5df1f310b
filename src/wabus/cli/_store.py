"""``wabus store migrate``: move a device from one store to another, losing nothing.

::

    wabus store migrate --from sqlite:device.db --to postgresql://bots@db/wabus --account support
    wabus store migrate --from postgresql://bots@db/wabus --account support --to sqlite:back.db

A store is ``sqlite:PATH`` (or a bare path) or a ``postgresql://`` DSN; ``--account`` names the
device among the others in a PostgreSQL database (default ``default``; with two PostgreSQL
stores, ``--to-account`` renames it on the way). The copy is everything the store holds: the
device (keys, JIDs, account identity, edge routing) and its Signal state (sessions,
identities, prekeys, signed prekeys, sender keys, counters, the inbox of unacknowledged
plaintexts), read in one transaction and written in one, then read back and compared: any
difference is an error (exit status 1).

Both stores are taken for the time of the copy, so a live client on either is `StoreLocked`
rather than a copy that misses its latest writes: stop the bot first. The destination must
hold no device (``--replace`` to overwrite one). The source is left as it was unless
``--clear-source``: then, once the copy is verified, it forgets the device, so that the two
stores are never started as two clients of one device (they would replace each other at the
server).
"""

from __future__ import annotations

import argparse
import sys

from wabus.client import PortableStore, StoreError, StoreSnapshot, open_store

__all__ = ["HELP", "LOG_STREAM", "NAME", "configure", "migrate", "run"]

NAME = "store"
HELP = "move a device between stores (SQLite and PostgreSQL), losing nothing"
LOG_STREAM = "stderr"  # standard output carries the report


def configure(parser: argparse.ArgumentParser) -> None:
    """Add this command's options."""
    actions = parser.add_subparsers(dest="action", required=True)
    migrate_parser = actions.add_parser(
        "migrate", help="copy a device from one store to another, verified"
    )
    migrate_parser.add_argument(
        "--from", dest="source", required=True, help="sqlite:PATH or postgresql://..."
    )
    migrate_parser.add_argument(
        "--to", dest="destination", required=True, help="sqlite:PATH or postgresql://..."
    )
    migrate_parser.add_argument(
        "--account", help="the device's account in a PostgreSQL store (default: default)"
    )
    migrate_parser.add_argument(
        "--to-account", help="its account in the destination, when both are PostgreSQL"
    )
    migrate_parser.add_argument(
        "--replace", action="store_true", help="overwrite a device the destination holds"
    )
    migrate_parser.add_argument(
        "--clear-source", action="store_true", help="forget the device in the source once copied"
    )


def _is_postgres(address: str) -> bool:
    return address.startswith(("postgresql:", "postgres:"))


def _summary(snapshot: StoreSnapshot) -> str:
    device = snapshot.device
    who = "an unpaired device" if device is None or device.pn is None else f"device {device.pn}"
    counts = ", ".join(
        f"{count} {table.removeprefix('signal_').replace('_', ' ')}"
        for table, count in snapshot.counts().items()
    )
    return f"{who} ({counts})"


def migrate(
    source: PortableStore,
    destination: PortableStore,
    *,
    replace: bool = False,
    clear_source: bool = False,
) -> StoreSnapshot:
    """Copy the device of `source` into `destination` and check the copy; the copied snapshot.
    `StoreError` when the source holds no device, the destination holds one (unless
    `replace`), or the copy reads back different."""
    snapshot = source.snapshot()
    if snapshot.device is None:
        raise StoreError(f"{source.target} holds no device to migrate")
    existing = destination.snapshot()
    if not replace and (existing.device is not None or any(existing.tables.values())):
        raise StoreError(
            f"{destination.target} already holds a device ({_summary(existing)}):"
            " --replace to overwrite it"
        )
    destination.restore(snapshot)
    copied = destination.snapshot()
    if copied != snapshot:
        differ = [t for t in snapshot.tables if snapshot.tables[t] != copied.tables.get(t)]
        if copied.device != snapshot.device:
            differ.insert(0, "device")
        raise StoreError(
            f"{destination.target} reads back different from {source.target}: {', '.join(differ)}"
        )
    if clear_source:
        source.clear()
    return snapshot


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Run the command; returns the exit status."""
    source_pg, destination_pg = _is_postgres(args.source), _is_postgres(args.destination)
    if args.account is not None and not (source_pg or destination_pg):
        parser.error("--account names a device in a PostgreSQL store; neither store is one")
    if args.to_account is not None and not (source_pg and destination_pg):
        parser.error("--to-account is for a copy between two PostgreSQL stores")
    to_account = args.to_account if args.to_account is not None else args.account
    try:
        with (
            open_store(args.source, account=args.account if source_pg else None) as source,
            open_store(
                args.destination, account=to_account if destination_pg else None
            ) as destination,
        ):
            snapshot = migrate(
                source, destination, replace=args.replace, clear_source=args.clear_source
            )
            print(f"copied {_summary(snapshot)}")
            print(f"  from {source.target}")
            print(f"  to   {destination.target}")
            if args.clear_source:
                print("the source no longer holds it")
            else:
                print("the source still holds it: start a client on one of the two, never both")
    except StoreError as err:
        print(f"wabus store migrate: {err}", file=sys.stderr)
        return 1
    return 0
