"""Events through NATS JetStream (the bridge) against in-process dispatch and plain nats-py.

Every case carries the same pre-built `Message` events, on the asyncio event loop:

- *in-process*: ``await bus.publish(event)`` to one async handler that counts: what a bot
  does without the bridge, the ceiling.
- *publish*: `NatsPublisher` (JSON, dedup id, pipelined ``publish_async``) until JetStream has
  confirmed every event; its peer is the hand-written equivalent with nats-py alone
  (``publish_async`` of each event's JSON, then gather the acknowledgements).
- *consume*: `NatsSource` feeding a bus with one async handler (parse, dispatch, ack each)
  from a stream the publish case filled; its peer is nats-py alone (``fetch`` batches, parse
  each with pydantic, ack each). Both include connecting and binding the consumer.

Each round uses its own streams, deleted afterwards. Needs NATS with JetStream on
127.0.0.1:4222 (``$WABUS_NATS_URL`` for another); without one it says so and skips.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

import anyio
import nats
import nats.errors
import nats.js.errors
from nats.js.api import AckPolicy, ConsumerConfig, Header

from benches._support import rate_table
from benches.bench_dispatch import make_message
from wabus.core import Bot, CoreEventBus
from wabus.core.events import Message
from wabus.handlers.nats import ConsumerSettings, NatsPublisher, NatsSource, StreamSettings

URL = os.environ.get("WABUS_NATS_URL", "nats://127.0.0.1:4222")
BATCH = 128


def nats_version(url: str = URL) -> str | None:
    """The server's version if NATS with JetStream answers at `url`, else None."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 4222), 1.0) as sock:
            sock.settimeout(1.0)
            greeting = sock.recv(4096)
    except OSError:
        return None
    if not greeting.startswith(b"INFO") or b'"jetstream":true' not in greeting:
        return None
    text = greeting.decode(errors="replace")
    start = text.find('"version":"')
    return text[start + 11 : text.find('"', start + 11)] if start >= 0 else "?"


class _Streams:
    """Fresh stream settings per case, and their deletion."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def make(self, label: str) -> StreamSettings:
        tag = secrets.token_hex(4)
        settings = StreamSettings(name=f"BENCH_{label}_{tag}", subject_prefix=f"bench{tag}")
        self.names.append(settings.name)
        return settings

    async def delete_all(self) -> None:
        nc = await nats.connect(URL)
        js = nc.jetstream()
        for name in self.names:
            with suppress(nats.js.errors.NotFoundError):
                await js.delete_stream(name)
        await nc.close()


async def in_process(events: list[Message]) -> float:
    bus = CoreEventBus()
    count = 0

    async def handler(event: Message) -> None:
        nonlocal count
        count += 1

    bus.subscribe(Message, handler)
    async with bus:
        start = time.perf_counter()
        for event in events:
            await bus.publish(event)
        elapsed = time.perf_counter() - start
    assert count == len(events)
    return elapsed


async def wabus_publish(events: list[Message], stream: StreamSettings) -> float:
    publisher = NatsPublisher(account="bench", servers=URL, stream=stream, max_in_flight=4096)
    async with publisher:
        start = time.perf_counter()
        for event in events:
            await publisher.publish(event)
        await publisher.flush()
        elapsed = time.perf_counter() - start
    assert publisher.stats().confirmed == len(events)
    return elapsed


async def nats_py_publish(events: list[Message], stream: StreamSettings) -> float:
    nc = await nats.connect(URL)
    js = nc.jetstream(publish_async_max_pending=4096)
    await js.add_stream(name=stream.name, subjects=list(stream.subjects))
    subject = f"{stream.subject_prefix}.bench.message"
    start = time.perf_counter()
    futures = [
        await js.publish_async(
            subject, event.to_json().encode(), headers={Header.MSG_ID: event.info.id}
        )
        for event in events
    ]
    await asyncio.gather(*futures)
    elapsed = time.perf_counter() - start
    await nc.close()
    return elapsed


async def wabus_consume(n: int, stream: StreamSettings, dead: StreamSettings) -> float:
    source = NatsSource(
        servers=URL,
        stream=stream,
        dead_letters=dead,
        consumer=ConsumerSettings(durable="bench", batch=BATCH),
    )
    count = 0
    bots: list[Bot] = []

    async def handler(event: Message) -> None:
        nonlocal count
        count += 1
        if count == n:
            bots[0].stop()

    bot = Bot.builder().with_source(source).on(Message, handler).build()
    bots.append(bot)
    start = time.perf_counter()
    with anyio.fail_after(120):
        await bot.run()
    elapsed = time.perf_counter() - start
    assert count == n, count
    return elapsed


async def nats_py_consume(n: int, stream: StreamSettings) -> float:
    start = time.perf_counter()
    nc = await nats.connect(URL)
    js = nc.jetstream()
    await js.add_consumer(
        stream.name, ConsumerConfig(durable_name="peer", ack_policy=AckPolicy.EXPLICIT)
    )
    subscription = await js.pull_subscribe_bind("peer", stream=stream.name)
    count = 0
    while count < n:
        try:
            messages = await subscription.fetch(BATCH, timeout=1)
        except TimeoutError:  # nats-py raises its own and asyncio's
            continue
        for message in messages:
            Message.model_validate_json(message.data)
            await message.ack()
            count += 1
    await nc.flush()
    elapsed = time.perf_counter() - start
    await nc.close()
    return elapsed


CASES = [
    "in-process: await bus.publish, 1 async handler",
    "publish: NatsPublisher, until confirmed",
    "publish: nats-py publish_async, until confirmed",
    "consume: NatsSource -> bus, 1 async handler, ack each",
    "consume: nats-py fetch + parse + ack each",
]


async def one_round(events: list[Message]) -> dict[str, float]:
    """One timing of every case, with fresh streams."""
    streams = _Streams()
    n = len(events)
    try:
        ours, peer, dead = streams.make("W"), streams.make("P"), streams.make("D")
        timings: dict[str, Callable[[], Awaitable[float]]] = {
            CASES[0]: lambda: in_process(events),
            CASES[1]: lambda: wabus_publish(events, ours),
            CASES[2]: lambda: nats_py_publish(events, peer),
            CASES[3]: lambda: wabus_consume(n, ours, dead),
            CASES[4]: lambda: nats_py_consume(n, peer),
        }
        return {name: await timing() for name, timing in timings.items()}
    finally:
        await streams.delete_all()


def report(n: int, rounds: int, version: str, best: dict[str, float]) -> list[str]:
    """The printed table: events/s per case, and the ratios worth reading."""
    lines = [
        f"NATS JetStream: {n} Message events, best of {rounds} round(s), nats-server {version}",
        "",
    ]
    lines.extend(rate_table(n, best, CASES))
    lines.append("")
    publish = best[CASES[2]] / best[CASES[1]]
    consume = best[CASES[4]] / best[CASES[3]]
    lines.append(f"  NatsPublisher: {publish:.2f}x the throughput of bare nats-py publish_async")
    lines.append(f"  NatsSource: {consume:.2f}x the throughput of a bare nats-py fetch loop")
    lines.append(
        f"  in-process dispatch is {best[CASES[1]] / best[CASES[0]]:.0f}x faster than publishing"
        f" through JetStream and {best[CASES[3]] / best[CASES[0]]:.0f}x faster than consuming"
    )
    return lines


async def _measure(n: int, rounds: int) -> dict[str, float]:
    events = [make_message(i) for i in range(n)]
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, elapsed in (await one_round(events)).items():
            best[name] = min(best.get(name, elapsed), elapsed)
    return best


def main(quick: bool = False) -> None:
    version = nats_version()
    if version is None:
        print(f"skipped: no NATS server with JetStream at {URL} (.ci/run starts one)")
        return
    n, rounds = (2_000, 1) if quick else (100_000, 3)
    best: Any = anyio.run(_measure, n, rounds, backend="asyncio")
    print("\n".join(report(n, rounds, version, best)))


if __name__ == "__main__":
    main()
