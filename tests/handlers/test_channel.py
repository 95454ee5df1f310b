from __future__ import annotations

import anyio
import pytest

from tests.core.events_fixtures import CONNECTED, message, receipt
from wabus.core import BaseEvent, CoreEventBus, Overflow, QueueFull
from wabus.core.events import Message
from wabus.handlers import ChannelEventHandler

pytestmark = pytest.mark.anyio


async def test_async_for_receives_events_in_order() -> None:
    bus = CoreEventBus()
    channel: ChannelEventHandler[Message] = ChannelEventHandler(Message)
    bus.add_handler(channel)
    received: list[str] = []
    async with bus:
        for i in range(5):
            await bus.publish(message(i))
        await bus.publish(CONNECTED)  # not subscribed
        channel.close()
        async for event in channel:
            received.append(event.info.id)
    assert received == ["M0", "M1", "M2", "M3", "M4"]


async def test_events_from_another_thread_arrive() -> None:
    bus = CoreEventBus()
    channel: ChannelEventHandler[BaseEvent] = ChannelEventHandler()
    bus.add_handler(channel)

    def produce() -> None:
        for i in range(200):
            bus.dispatch(message(i))

    async with bus, channel:
        await anyio.to_thread.run_sync(produce)
        got = [await channel.receive() for _ in range(200)]
    assert [e.type for e in got] == ["message"] * 200


async def test_wait_policy_applies_backpressure_to_publish() -> None:
    bus = CoreEventBus()
    channel: ChannelEventHandler[BaseEvent] = ChannelEventHandler(capacity=2)
    bus.add_handler(channel)
    async with bus:
        await bus.publish(message(0))
        await bus.publish(message(1))
        assert channel.buffered == 2
        with anyio.move_on_after(0.05) as scope:
            await bus.publish(message(2))  # full: waits for the consumer
        assert scope.cancelled_caught
        assert channel.receive_nowait() == message(0)


async def test_drop_oldest_policy() -> None:
    bus = CoreEventBus()
    channel: ChannelEventHandler[BaseEvent] = ChannelEventHandler(
        capacity=2, overflow=Overflow.DROP_OLDEST
    )
    bus.add_handler(channel)
    for i in range(5):
        await bus.publish(message(i))
    assert [channel.receive_nowait() for _ in range(2)] == [message(3), message(4)]
    with pytest.raises(anyio.WouldBlock):
        channel.receive_nowait()


async def test_raise_policy_reports_and_loses_only_for_this_channel() -> None:
    bus = CoreEventBus()
    channel: ChannelEventHandler[BaseEvent] = ChannelEventHandler(
        capacity=1, overflow=Overflow.RAISE
    )
    others: list[BaseEvent] = []
    bus.add_handler(channel)
    bus.subscribe(BaseEvent, others.append)
    assert await bus.publish(message(0)) == ()
    failures = await bus.publish(receipt(1))
    assert len(others) == 2
    assert len(failures) == 1 and isinstance(failures[0].error, QueueFull)
    assert channel.receive_nowait() == message(0)


async def test_a_closed_channel_drops_quietly() -> None:
    bus = CoreEventBus()
    channel: ChannelEventHandler[BaseEvent] = ChannelEventHandler()
    bus.add_handler(channel)
    channel.close()
    await bus.publish(message(0))
    with pytest.raises(anyio.EndOfStream):
        await channel.receive()


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        ChannelEventHandler(capacity=0)
