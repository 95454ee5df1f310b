"""The far end of ``bench_e2e``, in its own process: the simulator, and a bare WebSocket floor.

Run as ``python -m benches._e2e_server``. It prints one line,
``ready <simulator url> <root key hex> <floor port>``, then obeys lines on stdin:

- ``scan <code>``: the simulated phone scans a pairing QR code;
- ``send <count>``: once a client is logged in, send it `count` group text messages (one
  pre-encoded stanza, encrypted and framed for each send, written `BATCH` at a time), then
  print ``sent``;
- ``quit`` (or the end of stdin): stop.

The floor port accepts a WebSocket whose first message is ``b"<count> <size>"`` and answers with
`count` frames of `size` zero bytes, written `BATCH` at a time: the same sockets and WebSocket
code, with no protocol.
"""

from __future__ import annotations

import sys

import anyio
import anyio.abc
import structlog

from wabus.client import ConnectionClosed, accept_websocket
from wabus.core import Jid, Server
from wabus.protocol import encode_frame, encode_node
from wabus.simulator import Simulator, text_message

GROUP = Jid("120363000000000001", Server.GROUP)
BATCH = 64  # frames written per flush, by the simulator and the floor alike
BOB = Jid("15550000003", Server.USER)


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


async def main() -> None:
    payload = stanza()
    floor = await anyio.create_tcp_listener(local_host="127.0.0.1")
    floor_port = floor.extra(anyio.abc.SocketAttribute.local_port)
    async with Simulator() as sim, floor, anyio.create_task_group() as tasks:
        tasks.start_soon(floor.serve, _floor)
        print(f"ready {sim.url} {sim.trusted_root.key.hex()} {floor_port}", flush=True)
        stdin = anyio.wrap_file(sys.stdin.buffer)
        while line := (await stdin.readline()).decode().strip():
            command, _, argument = line.partition(" ")
            if command == "scan":
                sim.scan(argument)
            elif command == "send":  # in a task: the scan may come while it waits to log in
                tasks.start_soon(_send, sim, payload, int(argument))
            elif command == "quit":
                break
        tasks.cancel_scope.cancel()


if __name__ == "__main__":
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))  # stdout: replies
    anyio.run(main)
