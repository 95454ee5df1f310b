"""Many gateway clients in one process, checking that each receives every event in order.

Run by the load test and the gateway benchmark, in a process of their own (so that the clients
and the gateway use different cores)::

    python -m tests.handlers.gateway.fanout_clients URL TOKEN CLIENTS EVENTS

Each client connects, authenticates and subscribes to ``messages.upsert``; when all have, the
process prints ``ready``. Each then reads EVENTS events whose message ids must be
``F0000000``, ``F0000001``, … in that order. Finally it prints one JSON line: how many events
each client received, how many came out of order, and the seconds from the first event to the
last one received by any client.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass

from wabus.handlers.gateway.testing import GatewayTestClient

MARKER = '"id":"F'


def message_id(seq: int) -> str:
    """The id of the `seq`-th event of a run."""
    return f"F{seq:07d}"


@dataclass
class Result:
    """What one client saw."""

    received: int = 0
    disorder: int = 0
    first: float = 0.0
    last: float = 0.0


async def _client(url: str, token: str, events: int, ready: asyncio.Event, out: Result) -> None:
    client = GatewayTestClient(url, token)
    await client.connect(timeout=1800)  # guards against a hang; a loaded machine is slow
    await client.subscribe("messages.upsert", timeout=1800)
    ready.set()
    try:
        while out.received < events:
            _name, text = await client.receive_text()
            start = text.find(MARKER) + len(MARKER)
            if int(text[start : start + 7]) != out.received:
                out.disorder += 1
            if out.received == 0:
                out.first = time.perf_counter()
            out.received += 1
        out.last = time.perf_counter()
    finally:
        await client.close()


async def main(url: str, token: str, clients: int, events: int) -> None:
    async with asyncio.timeout(3600):  # never outlive a test that went wrong (see the tests'
        # process groups too: they are killed when the test ends)
        await _run(url, token, clients, events)


async def _run(url: str, token: str, clients: int, events: int) -> None:
    results = [Result() for _ in range(clients)]
    readies = [asyncio.Event() for _ in range(clients)]
    tasks = [
        asyncio.create_task(_client(url, token, events, readies[n], results[n]))
        for n in range(clients)
    ]
    for ready in readies:
        await ready.wait()
    print("ready", flush=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    firsts = [r.first for r in results if r.first]
    lasts = [r.last for r in results if r.last]
    summary = {
        "received": [r.received for r in results],
        "disorder": sum(r.disorder for r in results),
        "seconds": (max(lasts) - min(firsts)) if firsts and lasts else None,
    }
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    url, token, clients, events = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    asyncio.run(main(url, token, clients, events))
