"""The far end of ``bench_media``, in its own process: the simulator and its media host.

Run as ``python -m benches._media_server``. It prints one line,
``ready <simulator url> <root key hex> <media host> <upload auth>``, then obeys lines on stdin:

- ``scan <code>``: the simulated phone scans a pairing QR code;
- ``quit`` (or the end of stdin): stop.

A `Client` finds the media host through ``media_conn`` once logged in; a peer that does not log
in (Baileys' media functions, driven on their own) is given the host and token directly.
"""

from __future__ import annotations

import sys

import anyio
import structlog

from benches._support import obey
from wabus.simulator import Simulator


async def main() -> None:
    async with Simulator() as sim:
        root = sim.trusted_root.key.hex()
        print(f"ready {sim.url} {root} {sim.media.hostname} {sim.media.auth}", flush=True)
        await obey({"scan": sim.scan})


if __name__ == "__main__":
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # stdout: replies
    anyio.run(main)
