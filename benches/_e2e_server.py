"""The far end of ``bench_e2e`` and ``bench_e2e_signal``, in its own process: the simulator,
and a bare WebSocket floor.

Run as ``python -m benches._e2e_server``. It prints one line,
``ready <simulator url> <root key hex> <floor port>``, then obeys lines on stdin:

- ``scan <code>``: the simulated phone scans a pairing QR code;
- ``send <count>``: once a client is logged in, send it `count` group text messages with a
  plaintext body (one pre-encoded stanza, encrypted and framed for each send, written `BATCH`
  at a time), then print ``sent``;
- ``seal msg <count>``: once the client has published its keys and written to Alice (so that
  her session with it is established), Alice encrypts `count` text messages for it, ahead of
  time, then ``sealed msg <n>`` says how many came out as ``msg`` (all of them, or the
  benchmark is not measuring what it says);
- ``seal skmsg <count>``: Bob sends one group message (it gives the client his sender key,
  pairwise), then seals `count` group messages, ``sealed skmsg <n>`` as above;
- ``stream``: send the sealed messages (queued and written `BATCH` at a time: the transport's
  encryption only), then print ``sent``;
- ``quit`` (or the end of stdin): stop.

The sealed messages' texts are ``bench <n>`` (see `BENCH_PREFIX`); the warm-up group message's
is `WARM_UP`.

The floor port accepts a WebSocket whose first message is ``b"<count> <size>"`` and answers with
`count` frames of `size` zero bytes, written `BATCH` at a time: the same sockets and WebSocket
code, with no protocol.
"""

from __future__ import annotations

import itertools
import sys

import anyio
import anyio.abc
import structlog

from benches._support import obey
from wabus.client import ConnectionClosed, accept_websocket
from wabus.core import Jid, Node, Server
from wabus.protocol import encode_frame, encode_node
from wabus.simulator import Simulator, text_message

GROUP = Jid("120363000000000001", Server.GROUP)
BATCH = 64  # frames written per flush, by the simulator and the floor alike
BOB = Jid("15550000003", Server.USER)
ALICE = Jid("15550000002", Server.USER)
ALICE_LID = Jid("100000000000002", Server.LID)
BENCH_PREFIX = "bench "
WARM_UP = "warm up the group"
_serials = itertools.count()  # message ids, unique across rounds


def stanza() -> bytes:
    """The stanza the benchmark sends: a group text message with a plaintext body."""
    return encode_node(text_message(BOB, "hello, group", "3EB0BENCH0001", chat=GROUP))


async def _floor(stream: anyio.abc.SocketStream) -> None:
    try:
        ws = await accept_websocket(stream)
    except ConnectionClosed:
        return
    try:
        count, size = (int(part) for part in (await ws.receive()).split())
        frame = encode_frame(bytes(size))
        for n in range(1, count + 1):
            ws.send_nowait(frame)
            if n % BATCH == 0 or n == count:
                await ws.flush()
        await ws.receive()  # until the client closes
    except ConnectionClosed:
        pass
    finally:
        await ws.abort()


async def _send(sim: Simulator, payload: bytes, count: int) -> None:
    await sim.wait_connected(timeout=60)
    for n in range(1, count + 1):
        await sim.send_raw_frame(payload, encrypt=True, flush=n % BATCH == 0 or n == count)
    print("sent", flush=True)


async def _seal(sim: Simulator, kind: str, count: int, sealed: list[Node]) -> None:
    """Seal `count` messages of `kind` for the latest client into `sealed`."""
    await sim.wait_ready(timeout=120)
    if kind == "msg":  # Alice writes msg, not pkmsg, once the client has written to her
        await sim.expect_message(
            lambda m: m.recipient.to_non_ad() in (ALICE, ALICE_LID), timeout=120
        )
        sender, chat = ALICE, None
    else:
        await sim.send_message(BOB, WARM_UP, chat=GROUP)
        sender, chat = BOB, GROUP
    now = str(sim.now())
    sealed.clear()
    for n in range(count):
        message_id = f"3EB0BENCH{next(_serials):08d}"
        node = text_message(sender, f"{BENCH_PREFIX}{n}", message_id, chat=chat)
        sealed.append(sim.seal(Node(node.tag, {**node.attrs, "t": now}, node.content)))
    types = [[enc.opt_attr("type") for enc in node.children("enc")] for node in sealed]
    print(f"sealed {kind} {sum(t == [kind] for t in types)}", flush=True)


async def _stream(sim: Simulator, sealed: list[Node]) -> None:
    for start in range(0, len(sealed), BATCH):
        sim.queue_nodes(sealed[start : start + BATCH])
        await sim.flush()
    sealed.clear()
    print("sent", flush=True)


async def main() -> None:
    payload = stanza()
    sealed: list[Node] = []
    floor = await anyio.create_tcp_listener(local_host="127.0.0.1")
    floor_port = floor.extra(anyio.abc.SocketAttribute.local_port)
    async with Simulator() as sim, floor, anyio.create_task_group() as tasks:
        tasks.start_soon(floor.serve, _floor)
        print(f"ready {sim.url} {sim.trusted_root.key.hex()} {floor_port}", flush=True)

        def seal(argument: str) -> None:
            kind, count = argument.split()
            tasks.start_soon(_seal, sim, kind, int(count), sealed)

        await obey(
            {
                "scan": sim.scan,
                # in a task: the scan may come while it waits to log in
                "send": lambda count: tasks.start_soon(_send, sim, payload, int(count)),
                "seal": seal,
                "stream": lambda _: tasks.start_soon(_stream, sim, sealed),
            }
        )
        tasks.cancel_scope.cancel()


if __name__ == "__main__":
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # stdout: replies
    anyio.run(main)
