"""A bot process for the crash test: ``python -m tests.client.crash_child STORE URL ROOT OUT``.

Runs a `Client` on the device store `STORE` (``sqlite:PATH``, or a PostgreSQL DSN whose account
``bot`` it takes, waiting for a killed predecessor's connection to go), against the simulator at
`URL` whose root key is `ROOT` (hex), and writes one line per message event to `OUT`:
``ok <id> <text>`` for a `Message`, ``undecryptable <id> <reason>`` for an
`UndecryptableMessage`, flushed and synced to disk before the handler returns, so a line on
disk means "handled". The test kills it with SIGKILL at arbitrary points.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

import anyio

from wabus.client import Client, PortableStore, PostgresStore, open_store
from wabus.core import Bot, EventHandler
from wabus.core.events import Message, UndecryptableMessage
from wabus.protocol import TrustedRoot


class Journal(EventHandler):
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def _write(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()
        os.fsync(self.out.fileno())

    async def on_message(self, event: Message) -> None:
        # Handling takes a moment, as real handling does: the ratchet is committed meanwhile,
        # so many kills land between that commit and the stanza's acknowledgement.
        await anyio.sleep(0.002)
        self._write(f"ok {event.info.id} {event.text}")

    def on_undecryptable_message(self, event: UndecryptableMessage) -> None:
        self._write(f"undecryptable {event.info.id} {event.reason}")


def open_device(address: str) -> PortableStore:
    """The store at `address` (see the module doc)."""
    if address.startswith("postgresql:"):
        return PostgresStore(address, account="bot", lock_wait=60)
    return open_store(address)


async def main(store_address: str, url: str, root: str, out_path: str) -> None:
    with open_device(store_address) as store, open(out_path, "a", encoding="utf-8") as out:
        client = Client(
            store,
            url=url,
            trusted_roots=[TrustedRoot(serial=0, key=bytes.fromhex(root))],
            reconnect_delays=(0.05,),
        )
        bot = Bot.builder().with_source(client).with_handler(Journal(out)).build()
        await bot.run()


if __name__ == "__main__":
    store_address, url, root, out_path = sys.argv[1:5]
    anyio.run(main, store_address, url, root, out_path)
