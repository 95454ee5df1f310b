"""Thread-safety under load: producers and subscription churn at the same time."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator

import anyio
import anyio.lowlevel
import pytest

from tests.core.events_fixtures import message
from wabus.core import BaseEvent, CoreEventBus
from wabus.core.events import Message

PRODUCERS = 4
PER_PRODUCER = 50_000
CHURNERS = 2


async def dispatch_while_churning(
    bus: CoreEventBus, events: list[list[Message]], churn: Callable[[int], object]
) -> tuple[list[BaseException], list[int]]:
    """Dispatch each batch of `events` from a thread of its own while `CHURNERS` threads call
    ``churn(n)`` in a loop; returns once every thread has ended: (errors, rounds per churner).
    Every thread is joined even when this is cancelled."""
    errors: list[BaseException] = []
    rounds = [0] * CHURNERS
    stop = threading.Event()

    def churner(n: int) -> None:
        try:
            while not stop.is_set():
                churn(n)
                rounds[n] += 1
        except BaseException as exc:  # pragma: no cover - reported to the caller
            errors.append(exc)

    def producer(batch: list[Message]) -> None:
        try:
            for event in batch:
                bus.dispatch(event)
        except BaseException as exc:  # pragma: no cover - reported to the caller
            errors.append(exc)

    churners = [threading.Thread(target=churner, args=(n,)) for n in range(CHURNERS)]
    producers = [threading.Thread(target=producer, args=(batch,)) for batch in events]
    try:
        for thread in churners + producers:
            thread.start()
        for thread in producers:
            await anyio.to_thread.run_sync(thread.join)
    finally:
        stop.set()
        for thread in churners + producers:
            if thread.ident is not None:  # started
                await anyio.to_thread.run_sync(thread.join, abandon_on_cancel=False)
    return errors, rounds


@pytest.mark.anyio
async def test_every_steady_handler_gets_every_event_exactly_once_under_churn() -> None:
    bus = CoreEventBus()
    # One pre-built event per (producer, index), so identity tells exactly-once apart.
    events = [
        [message(p * PER_PRODUCER + i) for i in range(PER_PRODUCER)] for p in range(PRODUCERS)
    ]
    total = PRODUCERS * PER_PRODUCER

    steady_sync: list[Counter[int]] = [Counter(), Counter()]
    locks = [threading.Lock(), threading.Lock()]
    async_seen: Counter[int] = Counter()
    async_order: list[int] = []
    position = {id(e): (p, i) for p, batch in enumerate(events) for i, e in enumerate(batch)}

    def make_sync(slot: int) -> Callable[[BaseEvent], None]:
        counter, lock = steady_sync[slot], locks[slot]

        def handler(event: BaseEvent) -> None:
            with lock:
                counter[id(event)] += 1

        return handler

    async def async_handler(event: BaseEvent) -> None:
        async_seen[id(event)] += 1
        async_order.append(id(event))

    bus.subscribe(Message, make_sync(0))
    bus.subscribe(BaseEvent, make_sync(1))
    bus.subscribe(Message, async_handler, queue_size=10_000)

    def churn(n: int) -> None:
        sub = bus.subscribe(Message, lambda e: None)
        other = bus.subscribe(BaseEvent, lambda e: None)
        sub.close()
        other.close()

    async with bus:
        errors, churn_rounds = await dispatch_while_churning(bus, events, churn)
        with anyio.fail_after(60):
            while sum(async_seen.values()) < total:
                await anyio.sleep(0.01)

    assert errors == []
    assert all(rounds > 0 for rounds in churn_rounds)
    expected = {id(e) for batch in events for e in batch}
    for counter in (*steady_sync, async_seen):
        assert len(counter) == total
        assert set(counter) == expected
        assert set(counter.values()) == {1}
    assert len(bus._snapshot.entries) == 3  # every churned subscription is gone
    # Each producer's events reached the async handler in the order it dispatched them.
    last = [-1] * PRODUCERS
    for key in async_order:
        producer, index = position[key]
        assert index > last[producer]
        last[producer] = index


@pytest.fixture
def tiny_switch_interval() -> Iterator[None]:
    """Make the interpreter switch threads as often as it can, to expose check-then-act races."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.mark.anyio
@pytest.mark.parametrize("run", range(3))
@pytest.mark.usefixtures("tiny_switch_interval")
async def test_async_subscriptions_closed_from_other_threads_never_break_the_bus(run: int) -> None:
    """Regression: `close()` from a churn thread emptied a lane between its worker's check and
    its `popleft()` (IndexError in the worker, which took the bus's task group down)."""
    bus = CoreEventBus()  # the default lane: 4096 events, Overflow.WAIT
    events = [
        [message(p * PER_PRODUCER + i) for i in range(PER_PRODUCER)] for p in range(PRODUCERS)
    ]
    position = {id(e): (p, i) for p, batch in enumerate(events) for i, e in enumerate(batch)}
    total = PRODUCERS * PER_PRODUCER
    order: list[int] = []
    all_seen = anyio.Event()

    async def steady(event: BaseEvent) -> None:
        order.append(id(event))
        if len(order) == total:
            all_seen.set()

    async def churned(event: BaseEvent) -> None:
        await anyio.lowlevel.checkpoint()  # suspend mid-event, so close() lands while it waits

    bus.subscribe(Message, steady)

    def churn(n: int) -> None:
        subs = [
            bus.subscribe(Message, churned, queue_size=1 + n),  # tiny: producers wait
            bus.subscribe(BaseEvent, churned),
            bus.subscribe(Message, lambda e: None),
        ]
        for sub in subs:
            sub.close()

    async with bus:
        errors, churn_rounds = await dispatch_while_churning(bus, events, churn)
        await all_seen.wait()

    assert errors == []
    assert all(rounds > 0 for rounds in churn_rounds)
    assert len(order) == total
    assert len(set(order)) == total
    last = [-1] * PRODUCERS
    for key in order:
        producer, index = position[key]
        assert index > last[producer]
        last[producer] = index
    assert len(bus._snapshot.entries) == 1
