from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest

from tests.core.events_fixtures import CONNECTED, message, receipt
from wabus.core import (
    BaseEvent,
    Bot,
    BotConfigError,
    BusError,
    CoreEventBus,
    EventHandler,
    Overflow,
    available_plugins,
)
from wabus.core.events import Connected, Message, Receipt
from wabus.core.testing import EventRecorder, ScriptedSource
from wabus.handlers import LoggingHandler

pytestmark = pytest.mark.anyio


class _Greeter(EventHandler):
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def on_message(self, event: Message) -> None:
        self.seen.append(event.info.id)

    def on_connected(self, event: Connected) -> None:
        self.seen.append("connected")


async def test_a_bot_runs_its_sources_through_its_handlers() -> None:
    greeter = _Greeter()
    callbacks: list[str] = []

    async def async_cb(event: BaseEvent) -> None:
        callbacks.append(f"async:{event.type}")

    bot = (
        Bot.builder()
        .on(Message, lambda e: callbacks.append("first"))
        .on(Message, lambda e: callbacks.append("second"))  # several callbacks coexist
        .on(Message | Receipt, async_cb)
        .with_handler(greeter)
        .with_source(ScriptedSource([CONNECTED, message(1), receipt(2), message(3)]))
        .build()
    )
    await bot.run()
    assert greeter.seen == ["connected", "M1", "M3"]
    assert callbacks == [
        "first",
        "second",
        "async:message",
        "async:receipt",
        "first",
        "second",
        "async:message",
    ]
    assert bot.handlers == (greeter,)
    assert isinstance(bot.bus, CoreEventBus)
    assert not bot.bus.running


async def test_several_sources_run_together() -> None:
    recorder = EventRecorder()
    bot = (
        Bot.builder()
        .with_handler(recorder)
        .with_source(ScriptedSource([message(1), message(2)], interval=0.01))
        .with_source(ScriptedSource([receipt(1), receipt(2)], interval=0.01))
        .build()
    )
    await bot.run()
    assert sorted(recorder.kinds()) == ["message", "message", "receipt", "receipt"]


async def test_build_reports_every_problem_at_once() -> None:
    class NotASource:
        def run(self, bus: CoreEventBus) -> None: ...

    builder = Bot.builder()
    builder.on(int, print)  # type: ignore[type-var]
    builder.on(Message, "not callable")  # type: ignore[call-overload]
    builder.on(Message, print, queue_size=0, overflow="sideways")  # type: ignore[call-overload]
    builder.with_handler("not a handler")  # type: ignore[arg-type]
    builder.with_source(NotASource())  # type: ignore[arg-type]
    builder.with_plugin("no-such-plugin")
    builder.with_plugin("logging", level="loud")
    builder.with_queue(size=-1, overflow="nope")  # type: ignore[arg-type]
    with pytest.raises(BotConfigError) as caught:
        builder.build()
    problems = caught.value.problems
    assert len(problems) == 10, problems
    text = str(caught.value)
    assert "on() #1: expected an event class" in text
    assert "on() #2: callback 'not callable' is not callable" in text
    assert "queue_size must be a positive int" in text
    assert "unknown overflow policy 'sideways'" in text
    assert "is not an EventHandler" in text
    assert "is not a Source" in text
    assert "with_plugin('no-such-plugin'): no such plugin (available: " in text
    assert "logging" in text and "recorder" in text
    assert "with_plugin('logging'): could not build it" in text
    assert "with_queue: size must be a positive int" in text
    assert "with_queue: unknown overflow policy 'nope'" in text


async def test_the_same_handler_twice_is_a_problem() -> None:
    handler = _Greeter()
    with pytest.raises(BotConfigError, match="was given twice"):
        Bot.builder().with_handler(handler).with_handler(handler).build()


async def test_plugins_are_discovered_by_entry_point() -> None:
    assert {"logging", "recorder"} <= set(available_plugins())
    bot = (
        Bot.builder()
        .with_plugin("recorder")
        .with_plugin("logging", level="debug")
        .with_source(ScriptedSource([CONNECTED]))
        .build()
    )
    assert isinstance(bot.plugins["logging"], LoggingHandler)
    recorder = bot.plugins["recorder"]
    assert isinstance(recorder, EventRecorder)
    await bot.run()
    assert recorder.kinds() == ["connected"]
    with pytest.raises(BotConfigError, match="added twice"):
        Bot.builder().with_plugin("recorder").with_plugin("recorder").build()


async def test_a_failing_source_stops_the_bot_and_is_reraised() -> None:
    class Broken:
        async def run(self, bus: CoreEventBus) -> None:
            await bus.publish(CONNECTED)
            raise ConnectionError("lost it")

    class Forever:
        cancelled = False

        async def run(self, bus: CoreEventBus) -> None:
            try:
                await anyio.sleep_forever()
            finally:
                Forever.cancelled = True

    bot = Bot.builder().with_source(Broken()).with_source(Forever()).build()
    with pytest.raises(ConnectionError, match="lost it"):
        await bot.run()
    assert Forever.cancelled


async def test_stop_ends_a_bot_without_sources() -> None:
    bot = Bot.builder().build()
    async with anyio.create_task_group() as tg:
        tg.start_soon(bot.run)
        await anyio.sleep(0.02)
        bot.stop()  # from the loop thread
    async with anyio.create_task_group() as tg:
        tg.start_soon(bot.run)
        await anyio.sleep(0.02)
        await anyio.to_thread.run_sync(bot.stop)  # from another thread
    bot.stop()  # not running: a no-op


async def test_stop_from_a_handler() -> None:
    bot_ref: list[Bot] = []

    def stopper(event: BaseEvent) -> None:
        bot_ref[0].stop()

    class Forever:
        async def run(self, bus: CoreEventBus) -> None:
            await bus.publish(CONNECTED)
            await anyio.sleep_forever()

    bot = Bot.builder().on(Connected, stopper).with_source(Forever()).build()
    bot_ref.append(bot)
    with anyio.fail_after(5):
        await bot.run()


async def test_async_with_bot_and_wait() -> None:
    recorder = EventRecorder()
    bot = Bot.builder().with_handler(recorder).with_source(ScriptedSource([CONNECTED])).build()
    with pytest.raises(BusError, match="not running"):
        await bot.wait()
    async with bot:
        with pytest.raises(BusError, match="already running"):
            await bot.__aenter__()
        event = await recorder.wait_for(Connected)
        assert event == CONNECTED
        await bot.wait()


async def test_bus_defaults_come_from_the_builder() -> None:
    bot = Bot.builder().with_queue(size=7, overflow=Overflow.DROP_OLDEST).build()
    assert bot.bus._default_queue_size == 7
    assert bot.bus._default_overflow is Overflow.DROP_OLDEST


async def test_error_hook() -> None:
    errors: list[Any] = []
    bot = (
        Bot.builder()
        .on(Connected, lambda e: 1 / 0)
        .on_handler_error(lambda exc, handler, event: errors.append(type(exc)))
        .with_source(ScriptedSource([CONNECTED]))
        .build()
    )
    await bot.run()
    assert errors == [ZeroDivisionError]


async def test_recorder_wait_for_events_from_another_thread() -> None:
    recorder = EventRecorder(Message)
    bus = CoreEventBus()
    bus.add_handler(recorder)

    def later() -> None:
        import time

        time.sleep(0.05)
        bus.dispatch(CONNECTED)  # not recorded: the recorder only takes messages
        bus.dispatch(message(7))

    threading.Thread(target=later).start()
    found = await recorder.wait_for(lambda e: isinstance(e, Message) and e.info.id == "M7")
    assert isinstance(found, Message)
    assert recorder.kinds() == ["message"]
    assert len(recorder) == 1
    assert recorder.of_type(Message) == [found]
    # Already recorded: found without waiting; `start` skips earlier events.
    assert await recorder.wait_for(Message) is found
    with pytest.raises(
        TimeoutError, match=r"no event matching Message within 0\.05s; recorded: message"
    ):
        await recorder.wait_for(Message, start=1, timeout=0.05)
    recorder.clear()
    assert recorder.events == ()


def test_recorder_wait_for_sync() -> None:
    recorder = EventRecorder()
    bus = CoreEventBus()
    bus.add_handler(recorder)
    threading.Timer(0.05, bus.dispatch, args=(receipt(1),)).start()
    assert isinstance(recorder.wait_for_sync(Receipt, timeout=5), Receipt)
    with pytest.raises(TimeoutError, match="recorded: receipt"):
        recorder.wait_for_sync((Message, Connected), timeout=0.05)


def test_scripted_source_takes_events_only() -> None:
    with pytest.raises(TypeError, match="takes events"):
        ScriptedSource(["connected"])  # type: ignore[list-item]
    assert repr(ScriptedSource([CONNECTED])) == "<ScriptedSource of 1 events>"
