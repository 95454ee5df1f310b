"""Dispatch throughput of CoreEventBus against a plain loop and against pyee and blinker.

Every case delivers the same pre-built `Message` events to handlers that do the same trivial
work (count). The cases run in interleaved rounds and each keeps its best round, because these
machines are noisy; the ratios are what to read, not the absolute numbers.

- *plain loop*: ``for e in events: method(e)`` with the bound method looked up once: the
  ceiling for delivering an event to one handler in Python. With 10 handlers, the plain loop
  is ``for e in events: for m in methods: m(e)``; for async handlers it awaits each call.
- *cross-thread*: a producer thread dispatches every event while an async handler consumes on
  the event loop; timed until the handler has seen the last one. Its plain baseline is the
  async plain loop (the ceiling for an async handler), and its peer is the usual hand-written
  bridge: ``loop.call_soon_threadsafe(queue.put_nowait, e)`` per event into an asyncio.Queue.
  The first case uses the bus's defaults (a 4096-event queue that makes the producer wait for
  room), the second a queue as large as the run, which never fills.
- *build+dispatch*: constructing a validated `Message` (with its `MessageInfo` and
  `MessageSource`) and dispatching it to one handler, against constructing it alone.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import blinker
import pyee

from benches._support import best_of_rounds, rate_table
from wabus.core import CoreEventBus, Jid, Server
from wabus.core.events import Message, MessageInfo, MessageSource

ALICE = Jid("15550000002", Server.USER)
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def make_message(n: int) -> Message:
    source = MessageSource(chat=ALICE, sender=ALICE)
    return Message(
        info=MessageInfo(source=source, id=f"3EB0{n:08X}", timestamp=NOW), raw=b"\n\x02hi"
    )


class Counter:
    """The handler every case uses: counts what it receives.

    The async hook also signals when it has seen `target` events, so that the cross-thread
    cases know when to stop the clock; every async case runs this same code, so the check
    costs them all the same.
    """

    def __init__(self, target: int = -1, finished: Callable[[], object] = lambda: None) -> None:
        self.n = 0
        self.target = target
        self.finished = finished

    def on_message(self, event: Any) -> None:
        self.n += 1

    def on_sender(self, sender: Any) -> None:  # blinker passes the event as the sender
        self.n += 1

    async def on_message_async(self, event: Any) -> None:
        self.n += 1
        if self.n == self.target:
            self.finished()


Timer = Callable[[list[Message]], float]  # returns elapsed seconds


def _timed(run: Callable[[], object]) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start
    finally:
        gc.enable()


# Sync cases -------------------------------------------------------------------------------


def plain_sync(handlers: int) -> Timer:
    def timer(events: list[Message]) -> float:
        methods = [Counter().on_message for _ in range(handlers)]
        if handlers == 1:
            method = methods[0]

            def run() -> None:
                for event in events:
                    method(event)
        else:

            def run() -> None:
                for event in events:
                    for m in methods:
                        m(event)

        return _timed(run)

    return timer


def wabus_sync(handlers: int) -> Timer:
    def timer(events: list[Message]) -> float:
        bus = CoreEventBus()
        for _ in range(handlers):
            bus.subscribe(Message, Counter().on_message)
        dispatch = bus.dispatch

        def run() -> None:
            for event in events:
                dispatch(event)

        return _timed(run)

    return timer


def pyee_sync(handlers: int) -> Timer:
    def timer(events: list[Message]) -> float:
        emitter = pyee.EventEmitter()
        for _ in range(handlers):
            emitter.add_listener("message", Counter().on_message)
        emit = emitter.emit

        def run() -> None:
            for event in events:
                emit("message", event)

        return _timed(run)

    return timer


def blinker_sync(handlers: int) -> Timer:
    def timer(events: list[Message]) -> float:
        signal = blinker.Signal()
        counters = [Counter() for _ in range(handlers)]
        for counter in counters:
            signal.connect(counter.on_sender, weak=False)
        send = signal.send

        def run() -> None:
            for event in events:
                send(event)

        return _timed(run)

    return timer


# Async cases ------------------------------------------------------------------------------


def _run_async(make: Callable[[], Awaitable[float]]) -> float:
    return asyncio.run(make())  # type: ignore[arg-type]


async def _timed_awaits(
    send: Callable[[Message], Awaitable[object]], events: list[Message]
) -> float:
    """Seconds to ``await send(event)`` for every event, with the collector off."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for event in events:
            await send(event)
        return time.perf_counter() - start
    finally:
        gc.enable()


def plain_async(events: list[Message]) -> float:
    async def main() -> float:
        return await _timed_awaits(Counter().on_message_async, events)

    return _run_async(main)


def wabus_async(events: list[Message]) -> float:
    async def main() -> float:
        bus = CoreEventBus()
        bus.subscribe(Message, Counter().on_message_async)
        return await _timed_awaits(bus.publish, events)

    return _run_async(main)


def blinker_async(events: list[Message]) -> float:
    async def main() -> float:
        signal = blinker.Signal()
        counter = Counter()

        async def receiver(sender: Any) -> None:
            await counter.on_message_async(sender)

        signal.connect(receiver, weak=False)
        return await _timed_awaits(signal.send_async, events)

    return _run_async(main)


def wabus_cross_thread(events: list[Message], *, queue_size: int | None = None) -> float:
    """A producer thread dispatches every event to one async handler on the loop.

    With `queue_size` None the bus's defaults apply (a 4096-event lane, Overflow.WAIT), so the
    producer outruns the handler and waits for room: the configuration a user gets.
    """

    async def main() -> float:
        bus = CoreEventBus() if queue_size is None else CoreEventBus(queue_size=queue_size)
        done = asyncio.Event()
        counter = Counter(len(events), done.set)
        bus.subscribe(Message, counter.on_message_async)
        async with bus:
            dispatch = bus.dispatch

            def produce() -> None:
                for event in events:
                    dispatch(event)

            thread = threading.Thread(target=produce)
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                thread.start()
                await done.wait()
                elapsed = time.perf_counter() - start
            finally:
                gc.enable()
            thread.join()
        return elapsed

    return _run_async(main)


def asyncio_queue_cross_thread(events: list[Message]) -> float:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Message] = asyncio.Queue()
        done = asyncio.Event()
        counter = Counter(len(events), done.set)
        handler = counter.on_message_async

        async def consume() -> None:
            while not done.is_set():
                await handler(await queue.get())

        consumer = asyncio.create_task(consume())
        put = queue.put_nowait
        call = loop.call_soon_threadsafe

        def produce() -> None:
            for event in events:
                call(put, event)

        thread = threading.Thread(target=produce)
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            thread.start()
            await consumer
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        thread.join()
        return elapsed

    return _run_async(main)


# Build + dispatch -------------------------------------------------------------------------


def build_only(events: list[Message]) -> float:
    ids = [f"3EB0{n:08X}" for n in range(len(events))]

    def run() -> None:
        for message_id in ids:
            Message(
                info=MessageInfo(
                    source=MessageSource(chat=ALICE, sender=ALICE), id=message_id, timestamp=NOW
                ),
                raw=b"\n\x02hi",
            )

    return _timed(run)


def build_and_dispatch(events: list[Message]) -> float:
    ids = [f"3EB0{n:08X}" for n in range(len(events))]
    bus = CoreEventBus()
    bus.subscribe(Message, Counter().on_message)
    dispatch = bus.dispatch

    def run() -> None:
        for message_id in ids:
            dispatch(
                Message(
                    info=MessageInfo(
                        source=MessageSource(chat=ALICE, sender=ALICE),
                        id=message_id,
                        timestamp=NOW,
                    ),
                    raw=b"\n\x02hi",
                )
            )

    return _timed(run)


# Runner -----------------------------------------------------------------------------------

CASES: dict[str, Timer] = {
    "plain loop, 1 handler": plain_sync(1),
    "wabus dispatch, 1 sync handler": wabus_sync(1),
    "pyee emit, 1 handler": pyee_sync(1),
    "blinker send, 1 handler": blinker_sync(1),
    "plain loop, 10 handlers": plain_sync(10),
    "wabus dispatch, 10 sync handlers": wabus_sync(10),
    "pyee emit, 10 handlers": pyee_sync(10),
    "blinker send, 10 handlers": blinker_sync(10),
    "plain async loop, 1 handler": plain_async,
    "wabus publish, 1 async handler": wabus_async,
    "blinker send_async, 1 handler": blinker_async,
    "wabus dispatch from a thread, 1 async handler": wabus_cross_thread,
    "wabus dispatch from a thread, queue sized to the run": lambda events: wabus_cross_thread(
        events, queue_size=len(events)
    ),
    "asyncio call_soon_threadsafe + Queue": asyncio_queue_cross_thread,
    "build Message": build_only,
    "build Message + dispatch to 1 handler": build_and_dispatch,
}

# (case, baseline, target ratio or None, peers) — the ratio is baseline_time / case_time, so
# higher is faster, except for build+dispatch where lower cost is the point (see report()).
COMPARISONS: list[tuple[str, str, float | None, list[str]]] = [
    (
        "wabus dispatch, 1 sync handler",
        "plain loop, 1 handler",
        0.30,
        ["pyee emit, 1 handler", "blinker send, 1 handler"],
    ),
    (
        "wabus dispatch, 10 sync handlers",
        "plain loop, 10 handlers",
        0.75,
        ["pyee emit, 10 handlers", "blinker send, 10 handlers"],
    ),
    (
        "wabus publish, 1 async handler",
        "plain async loop, 1 handler",
        0.35,
        ["blinker send_async, 1 handler"],
    ),
    (
        "wabus dispatch from a thread, 1 async handler",
        "plain async loop, 1 handler",
        0.30,
        ["asyncio call_soon_threadsafe + Queue"],
    ),
    (
        "wabus dispatch from a thread, queue sized to the run",
        "plain async loop, 1 handler",
        None,
        ["asyncio call_soon_threadsafe + Queue"],
    ),
]


def measure(n: int, rounds: int) -> dict[str, float]:
    """Best elapsed seconds per case over `rounds` interleaved rounds of `n` events."""
    return best_of_rounds(CASES, [make_message(i) for i in range(n)], rounds)


def report(n: int, best: dict[str, float]) -> list[str]:
    """The printed table: throughput per case, ratios to the plain loop and to each peer."""
    lines = [f"dispatch throughput: {n} events per round, best round of each case", ""]
    lines.extend(rate_table(n, best, CASES))
    lines.append("")
    for case, baseline, target, peers in COMPARISONS:
        ratio = best[baseline] / best[case]
        verdict = ""
        if target is not None:
            verdict = f"  target >= {target:.2f}x: {'met' if ratio >= target else 'MISSED'}"
        lines.append(f"  {case}: {ratio:.2f}x {baseline}{verdict}")
        if baseline != "plain loop, 1 handler" and "1 async handler" in case:
            sync_ratio = best["plain loop, 1 handler"] / best[case]
            lines.append(f"      ({sync_ratio:.2f}x the sync plain loop, 1 handler)")
        for peer in peers:
            lines.append(f"      {best[peer] / best[case]:6.2f}x faster than {peer}")
    pyee_ratio = best["pyee emit, 1 handler"] / best["wabus dispatch, 1 sync handler"]
    lines.append(
        f"  wabus 1 handler vs pyee: {pyee_ratio:.2f}x  target >= 4.00x:"
        f" {'met' if pyee_ratio >= 4 else 'MISSED'}"
    )
    cost = best["build Message + dispatch to 1 handler"] / best["build Message"]
    lines.append(
        f"  build+dispatch costs {cost:.2f}x build alone  target <= 1.25x:"
        f" {'met' if cost <= 1.25 else 'MISSED'}"
    )
    return lines


def main(quick: bool = False) -> None:
    n, rounds = (2_000, 1) if quick else (200_000, 5)
    best = measure(n, rounds)
    print("\n".join(report(n, best)))


if __name__ == "__main__":
    main()
