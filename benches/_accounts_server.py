"""The far end of ``bench_accounts``, in its own process: one simulator for many accounts.

Run as ``python -m benches._accounts_server``. It prints one line,
``ready <simulator url> <root key hex>``, then obeys lines on stdin:

- ``scan <code>``: the phone of a new account (`Simulator.add_account`) scans a pairing QR
  code, so that every client becomes an account of its own;
- ``wait <n>``: once `n` companions are logged in and have published their Signal keys,
  print ``logged-in <n>``;
- ``seal <k>``: Alice encrypts `k` text messages for each logged-in companion, ahead of time,
  then prints ``sealed <total>``;
- ``stream``: send the sealed messages, spread over the companions (a round of one message to
  each in turn, `BATCH` frames per flush on each connection), then print ``sent``;
- ``quit`` (or the end of stdin): stop.

The sealed messages' texts start with `BENCH_PREFIX`.
"""

from __future__ import annotations

import itertools
import sys

import anyio
import structlog

from benches._support import obey
from wabus.core import Jid, Node, Server
from wabus.simulator import Simulator, SimulatorError, text_message

ALICE = Jid("15550000002", Server.USER)
BENCH_PREFIX = "bench "
BATCH = 64
_serials = itertools.count()


def _ready(sim: Simulator) -> list[Jid]:
    """The companions that are logged in and have published their keys (can be written to)."""
    ready = []
    for jid in sim.connected_devices:
        device = sim.directory.device(jid)
        if device is not None and device.keys is not None:
            ready.append(jid)
    return ready


async def _wait(sim: Simulator, count: int) -> None:
    while len(ready := _ready(sim)) < count:
        await anyio.sleep(0.1)
    print(f"logged-in {len(ready)}", flush=True)


def _seal(sim: Simulator, per_account: int, sealed: list[tuple[Jid, Node]]) -> None:
    now = str(sim.now())
    sealed.clear()
    targets = _ready(sim)
    for n in range(per_account):
        for jid in targets:
            message_id = f"3EB0ACCT{next(_serials):08d}"
            node = text_message(ALICE, f"{BENCH_PREFIX}{n}", message_id)
            sealed.append(
                (jid, sim.seal(Node(node.tag, {**node.attrs, "t": now}, node.content), to=jid))
            )
    print(f"sealed {len(sealed)}", flush=True)


async def _stream(sim: Simulator, sealed: list[tuple[Jid, Node]]) -> None:
    pending: dict[Jid, int] = {}
    for jid, node in sealed:
        sim.queue_nodes([node], to=jid)
        pending[jid] = pending.get(jid, 0) + 1
        if pending[jid] % BATCH == 0:
            await sim.flush(to=jid)
    for jid in pending:
        await sim.flush(to=jid)
    sealed.clear()
    print("sent", flush=True)


async def main() -> None:
    sealed: list[tuple[Jid, Node]] = []
    async with Simulator(keep_sent=1000) as sim, anyio.create_task_group() as tasks:

        def scan(code: str) -> None:
            try:
                sim.scan(code, account=sim.add_account())
            except SimulatorError as err:  # a rotated code of a client paired already
                print(f"scan refused: {err}", file=sys.stderr, flush=True)

        print(f"ready {sim.url} {sim.trusted_root.key.hex()}", flush=True)
        await obey(
            {
                "scan": scan,
                "wait": lambda count: tasks.start_soon(_wait, sim, int(count)),
                "seal": lambda count: _seal(sim, int(count), sealed),
                "stream": lambda _: tasks.start_soon(_stream, sim, sealed),
            }
        )
        tasks.cancel_scope.cancel()


if __name__ == "__main__":
    structlog.configure(
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        wrapper_class=structlog.make_filtering_bound_logger(30),
    )
    anyio.run(main)
