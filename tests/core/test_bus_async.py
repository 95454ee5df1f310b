"""CoreEventBus with async handlers, on asyncio and trio."""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

import anyio
import pytest
import structlog

from tests.core.events_fixtures import CONNECTED, message, receipt
from wabus.core import (
    BaseEvent,
    BusError,
    CoreEventBus,
    EventHandler,
    HandlersFailed,
    Overflow,
    QueueFull,
)
from wabus.core.events import Message, Receipt

pytestmark = pytest.mark.anyio


def _ids(events: list[BaseEvent]) -> list[str]:
    return [e.info.id for e in events if isinstance(e, Message)]


async def _settle(predicate: Any, timeout: float = 5.0) -> None:
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.001)


async def test_publish_awaits_async_handlers_in_order() -> None:
    bus = CoreEventBus()
    calls: list[str] = []

    async def slow(event: BaseEvent) -> None:
        await anyio.sleep(0.01)
        calls.append("slow")

    async def fast(event: BaseEvent) -> None:
        calls.append("fast")

    bus.subscribe(Message, slow)
    bus.subscribe(Message, lambda e: calls.append("sync"))
    bus.subscribe(Message, fast)
    await bus.publish(message())
    assert calls == ["slow", "sync", "fast"]


async def test_publish_isolates_failures_and_returns_them() -> None:
    bus = CoreEventBus()
    seen: list[BaseEvent] = []

    async def broken(event: BaseEvent) -> None:
        raise ValueError("async boom")

    def refuses(event: BaseEvent) -> bool:
        raise LookupError("filter boom")

    async def filtered(event: BaseEvent) -> None:
        seen.append(event)

    bus.subscribe(Message, broken)
    bus.subscribe(Message, lambda e: 1 / 0)
    bus.subscribe(Message, filtered, accepts=refuses)
    bus.subscribe(Message, seen.append)
    event = message()
    failures = await bus.publish(event)
    assert seen == [event]
    assert [type(f.error) for f in failures] == [ValueError, ZeroDivisionError, LookupError]
    assert failures[0].handler is broken
    assert failures[2].handler is filtered
    assert all(f.event is event for f in failures)
    with pytest.raises(HandlersFailed) as caught:
        await bus.publish(event, raise_errors=True)
    assert [type(e) for e in caught.value.exceptions] == [
        ValueError,
        ZeroDivisionError,
        LookupError,
    ]
    assert len(seen) == 2  # every handler had its turn before the group was raised


async def test_publish_without_failures_returns_the_shared_empty_tuple() -> None:
    bus = CoreEventBus()

    async def fine(event: BaseEvent) -> None:
        pass

    bus.subscribe(Message, fine)
    bus.subscribe(Receipt, lambda e: None)
    assert await bus.publish(message()) == ()
    assert await bus.publish(message(), raise_errors=True) is await bus.publish(receipt())


async def test_dispatch_on_the_loop_queues_for_async_handlers() -> None:
    bus = CoreEventBus()
    seen: list[BaseEvent] = []

    async def handler(event: BaseEvent) -> None:
        seen.append(event)

    bus.subscribe(Message, handler)
    async with bus:
        assert bool(bus.running)  # bool(): keep mypy from narrowing the property for good
        for i in range(100):
            bus.dispatch(message(i))
        assert seen == []  # dispatch never waits for async handlers
        await _settle(lambda: len(seen) == 100)
    assert not bus.running
    assert _ids(seen) == [f"M{i}" for i in range(100)]


async def test_events_dispatched_before_the_bus_runs_are_kept() -> None:
    bus = CoreEventBus()
    seen: list[BaseEvent] = []

    async def handler(event: BaseEvent) -> None:
        seen.append(event)

    bus.subscribe(Message, handler)
    for i in range(5):
        bus.dispatch(message(i))
    assert bus.queued() == 5
    async with bus:
        await _settle(lambda: len(seen) == 5)
    assert _ids(seen) == [f"M{i}" for i in range(5)]
    assert bus.queued() == 0


async def test_leaving_the_bus_delivers_the_backlog() -> None:
    bus = CoreEventBus()
    seen: list[BaseEvent] = []

    async def handler(event: BaseEvent) -> None:
        await anyio.sleep(0)
        seen.append(event)

    bus.subscribe(Message, handler)
    async with bus:
        for i in range(50):
            bus.dispatch(message(i))
    assert len(seen) == 50


async def test_cross_thread_dispatch_is_batched_and_ordered() -> None:
    bus = CoreEventBus()
    seen: list[BaseEvent] = []
    total = 20_000

    async def handler(event: BaseEvent) -> None:
        seen.append(event)

    bus.subscribe(Message, handler)
    wakeups = 0
    drain = bus._drain_wake_requests

    def counting_drain() -> None:
        nonlocal wakeups
        wakeups += 1
        drain()

    bus._drain_wake_requests = counting_drain  # type: ignore[method-assign]
    events = [message(i) for i in range(total)]

    def produce() -> None:
        for event in events:
            bus.dispatch(event)

    async with bus:
        await anyio.to_thread.run_sync(produce)
        await _settle(lambda: len(seen) == total, timeout=30)
    assert seen == events
    assert 1 <= wakeups < total // 4, wakeups


async def test_drop_oldest_policy() -> None:
    bus = CoreEventBus()
    gate = anyio.Event()
    started = anyio.Event()
    seen: list[BaseEvent] = []

    async def blocked(event: BaseEvent) -> None:
        started.set()
        await gate.wait()
        seen.append(event)

    bus.subscribe(Message, blocked, queue_size=3, overflow=Overflow.DROP_OLDEST)
    async with bus:
        bus.dispatch(message(0))
        await started.wait()  # M0 is being handled; the queue is empty
        for i in range(1, 6):
            bus.dispatch(message(i))
        assert bus.queued() == 3
        assert bus.dropped() == 2
        gate.set()
        await _settle(lambda: len(seen) == 4)
    assert _ids(seen) == ["M0", "M3", "M4", "M5"]


async def test_raise_policy_raises_after_the_other_handlers() -> None:
    bus = CoreEventBus()
    gate = anyio.Event()
    started = anyio.Event()
    sync_seen: list[BaseEvent] = []

    async def blocked(event: BaseEvent) -> None:
        started.set()
        await gate.wait()

    bus.subscribe(Message, blocked, queue_size=1, overflow=Overflow.RAISE)
    bus.subscribe(Message, sync_seen.append)
    async with bus:
        bus.dispatch(message(0))
        await started.wait()
        bus.dispatch(message(1))  # fills the queue
        with pytest.raises(QueueFull) as caught:
            bus.dispatch(message(2))
        assert caught.value.handler is blocked
        assert isinstance(caught.value.event, Message)
        assert caught.value.event.info.id == "M2"
        assert _ids(sync_seen) == ["M0", "M1", "M2"]  # the sync handler still got M2
        gate.set()


async def test_wait_policy_cannot_block_the_loop_thread() -> None:
    bus = CoreEventBus()
    gate = anyio.Event()
    started = anyio.Event()

    async def blocked(event: BaseEvent) -> None:
        started.set()
        await gate.wait()

    bus.subscribe(Message, blocked, queue_size=1)  # Overflow.WAIT is the default
    async with bus:
        bus.dispatch(message(0))
        await started.wait()
        bus.dispatch(message(1))
        with pytest.raises(QueueFull, match="event-loop thread cannot wait"):
            bus.dispatch(message(2))
        gate.set()


async def test_wait_policy_blocks_a_producer_thread_until_there_is_room() -> None:
    bus = CoreEventBus()
    gate = threading.Event()
    seen: list[BaseEvent] = []

    async def gated(event: BaseEvent) -> None:
        while not gate.is_set():
            await anyio.sleep(0.001)
        seen.append(event)

    bus.subscribe(Message, gated, queue_size=2)
    produced = threading.Event()

    def produce() -> None:
        for i in range(10):
            bus.dispatch(message(i))
        produced.set()

    async with bus:
        async with anyio.create_task_group() as tg:
            tg.start_soon(anyio.to_thread.run_sync, produce)
            await anyio.sleep(0.1)
            assert not produced.is_set()  # blocked: the queue is full
            assert bus.queued() <= 2
            gate.set()
        await _settle(lambda: len(seen) == 10)
    assert _ids(seen) == [f"M{i}" for i in range(10)]


async def test_a_waiting_producer_gives_up_when_the_bus_stops() -> None:
    bus = CoreEventBus()
    release = anyio.Event()

    async def blocked(event: BaseEvent) -> None:
        await release.wait()

    bus.subscribe(Message, blocked, queue_size=1)
    outcome: list[BaseException] = []

    def produce() -> None:
        try:
            for i in range(5):
                bus.dispatch(message(i))
        except QueueFull as exc:
            outcome.append(exc)

    producer = threading.Thread(target=produce)
    with anyio.move_on_after(0.3):  # cancel the bus (and its stuck handler) after a while
        async with bus:
            producer.start()
            await anyio.sleep(5)
    await anyio.to_thread.run_sync(producer.join, 5)
    await _settle(lambda: bool(outcome))
    assert "stopped" in str(outcome[0])


async def test_a_lane_never_runs_two_events_at_once() -> None:
    bus = CoreEventBus()
    active = 0
    peak = 0
    seen: list[str] = []

    async def handler(event: BaseEvent) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await anyio.sleep(0)
        await anyio.sleep(0)
        seen.append(event.type)
        active -= 1

    bus.subscribe(Message | Receipt, handler)

    def produce() -> None:
        for i in range(300):
            bus.dispatch(message(i))

    async with bus:
        async with anyio.create_task_group() as tg:
            tg.start_soon(anyio.to_thread.run_sync, produce)
            for task in range(3):

                async def publisher(n: int = task) -> None:
                    for i in range(50):
                        await bus.publish(receipt(n * 100 + i))

                tg.start_soon(publisher)
        await _settle(lambda: len(seen) == 450)
    assert peak == 1
    assert seen.count("message") == 300 and seen.count("receipt") == 150


async def test_cancelled_publisher_releases_the_lane() -> None:
    bus = CoreEventBus()
    gate = anyio.Event()
    seen: list[str] = []

    async def handler(event: BaseEvent) -> None:
        if isinstance(event, Message) and event.info.id == "M0":
            await gate.wait()
        seen.append(event.type)

    bus.subscribe(Message | Receipt, handler)
    async with bus, anyio.create_task_group() as tg:
        tg.start_soon(bus.publish, message(0))  # holds the lane until the gate opens
        await anyio.sleep(0.01)
        with anyio.move_on_after(0.05):
            await bus.publish(receipt(1))  # waits for its turn, then is cancelled
        gate.set()
        await bus.publish(message(2))
    assert seen == ["message", "message"]


async def test_closing_an_async_subscription_stops_its_worker() -> None:
    bus = CoreEventBus()
    seen: list[BaseEvent] = []

    async def handler(event: BaseEvent) -> None:
        seen.append(event)

    async with bus:
        sub = bus.subscribe(Message, handler)
        bus.dispatch(message(0))
        await _settle(lambda: len(seen) == 1)
        sub.close()
        bus.dispatch(message(1))
        await anyio.sleep(0.02)
    assert _ids(seen) == ["M0"]


async def test_subscribing_from_another_thread_while_running() -> None:
    bus = CoreEventBus()
    seen: list[BaseEvent] = []

    async def handler(event: BaseEvent) -> None:
        seen.append(event)

    def subscribe_and_dispatch() -> None:
        bus.subscribe(Message, handler)
        for i in range(10):
            bus.dispatch(message(i))

    async with bus:
        await anyio.to_thread.run_sync(subscribe_and_dispatch)
        await _settle(lambda: len(seen) == 10)


async def test_async_failures_in_the_worker_are_reported() -> None:
    errors: list[tuple[Exception, Any]] = []
    bus = CoreEventBus(on_handler_error=lambda exc, h, e: errors.append((exc, h)))
    ok: list[BaseEvent] = []

    async def broken(event: BaseEvent) -> None:
        raise RuntimeError("worker boom")

    async def fine(event: BaseEvent) -> None:
        ok.append(event)

    bus.subscribe(Message, broken)
    bus.subscribe(Message, fine)
    async with bus:
        assert bus.dispatch(message()) == ()  # queued: the failure comes later, to the hook
        await _settle(lambda: len(ok) == 1 and len(errors) == 1)
    assert errors[0][1] is broken


async def test_the_bus_runs_once_at_a_time() -> None:
    bus = CoreEventBus()
    async with bus:
        with pytest.raises(BusError, match="already running"):
            async with bus:
                pass  # pragma: no cover


class _Ordered(EventHandler):
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def on_message(self, event: Message) -> None:
        await anyio.sleep(0.001)
        self.seen.append(event.info.id)

    async def on_receipt(self, event: Receipt) -> None:
        self.seen.append(event.message_ids[0])

    def on_connected(self, event: BaseEvent) -> None:
        self.seen.append("connected")


async def test_a_handlers_async_hooks_share_one_ordered_queue() -> None:
    bus = CoreEventBus()
    handler = _Ordered()
    bus.add_handler(handler)
    async with bus:
        for i in range(10):
            bus.dispatch(message(i) if i % 2 == 0 else receipt(i))
        bus.dispatch(CONNECTED)  # sync hook: runs inline, at once
        await _settle(lambda: len(handler.seen) == 11)
    assert handler.seen[0] == "connected"
    assert handler.seen[1:] == [f"M{i}" for i in range(10)]


async def test_an_async_once_subscription_takes_one_event_published_or_dispatched() -> None:
    bus = CoreEventBus()
    published: list[str] = []
    dispatched: list[str] = []

    async def on_published(event: Message) -> None:
        published.append(event.info.id)

    async def on_dispatched(event: Message) -> None:
        dispatched.append(event.info.id)

    subscription = bus.subscribe(Message, on_published, once=True)
    assert subscription.once and subscription.callback is on_published
    await bus.publish(message(1))
    await bus.publish(message(2))
    assert published == ["M1"] and not subscription.active
    async with bus:
        bus.subscribe(Message, on_dispatched, once=True)
        for n in (3, 4, 5):
            bus.dispatch(message(n))  # queued before the callback first runs
        await _settle(lambda: not bus.has_handlers(Message))
    assert dispatched == ["M3"]


async def test_an_async_once_subscriptions_queue_is_named_after_its_callback() -> None:
    bus = CoreEventBus()
    seen: list[str] = []

    async def first_message(event: Message) -> None:
        seen.append(event.info.id)

    bus.subscribe(Message, first_message, once=True, queue_size=1, overflow=Overflow.DROP_OLDEST)
    with structlog.testing.capture_logs() as logs:
        for n in (1, 2):
            bus.dispatch(message(n))  # the bus is not running yet: the second drops the first
    [dropped] = [entry for entry in logs if "dropped" in entry["event"]]
    assert dropped["handler"].endswith("first_message")
    async with bus:
        await _settle(lambda: bool(seen))
    assert seen == ["M2"]


def test_a_closed_async_subscription_is_released_by_a_bus_that_never_ran() -> None:
    class Callback:
        async def __call__(self, event: BaseEvent) -> None: ...

    bus = CoreEventBus()
    callbacks = [Callback() for _ in range(3)]
    refs = [weakref.ref(callback) for callback in callbacks]
    bus.subscribe(Message, callbacks[0]).close()
    bus.subscribe(Message, callbacks[1], once=True).close()
    bus.subscribe(Receipt, callbacks[2])  # still subscribed: kept
    del callbacks
    gc.collect()
    assert [ref() is None for ref in refs] == [True, True, False]
