"""Blocking handlers: the bus names a sync handler that holds the loop; `in_thread` moves it."""

from __future__ import annotations

import threading
import time
from collections.abc import MutableMapping
from typing import Any

import anyio
import pytest
import structlog

from tests.core.events_fixtures import message
from wabus.core import Bot, BotConfigError, CoreEventBus, EventHandler, in_thread
from wabus.core.events import Message

pytestmark = pytest.mark.anyio


def _slow_reports(logs: list[MutableMapping[str, Any]]) -> list[MutableMapping[str, Any]]:
    return [entry for entry in logs if entry["event"] == "sync handler blocked the event loop"]


def sleepy(event: Message) -> None:
    time.sleep(0.03)  # holds the loop at least this long, however loaded the machine


async def test_a_sync_handler_that_holds_the_loop_is_named_with_its_time() -> None:
    bus = CoreEventBus(slow_handler_threshold=0.01)
    bus.subscribe(Message, sleepy)
    with structlog.testing.capture_logs() as logs:
        await bus.publish(message(1))
    [report] = _slow_reports(logs)
    assert report["log_level"] == "warning"
    assert report["handler"] == f"{__name__}.sleepy"
    assert report["event_type"] == "message"
    assert isinstance(report["seconds"], float) and report["seconds"] >= 0.03
    assert "in_thread" in str(report["remedy"])


async def test_no_report_below_the_threshold_or_when_turned_off() -> None:
    quick = CoreEventBus(slow_handler_threshold=60.0)
    quick.subscribe(Message, sleepy)
    silent = CoreEventBus(slow_handler_threshold=None)
    silent.subscribe(Message, sleepy)
    with structlog.testing.capture_logs() as logs:
        await quick.publish(message(1))
        await silent.publish(message(2))
    assert _slow_reports(logs) == []


def test_the_threshold_is_checked() -> None:
    with pytest.raises(ValueError, match="slow_handler_threshold"):
        CoreEventBus(slow_handler_threshold=0)
    with pytest.raises(BotConfigError, match="with_slow_handler_threshold"):
        Bot.builder().with_slow_handler_threshold(-1).build()


async def test_in_thread_runs_a_blocking_handler_while_the_loop_goes_on() -> None:
    """The handler waits for something only the event loop can do; on the loop it would
    deadlock, in a thread it finishes. Events arrive in order, one at a time."""
    bus = CoreEventBus()
    release = threading.Event()
    loop_thread = threading.get_ident()
    seen: list[tuple[str, int]] = []
    running = 0
    overlap = False
    lock = threading.Lock()

    def blocking(event: Message) -> None:
        nonlocal running, overlap
        with lock:
            running += 1
            overlap = overlap or running > 1
        release.wait()  # blocks its thread until the loop sets it
        seen.append((event.info.id, threading.get_ident()))
        with lock:
            running -= 1

    bus.subscribe(Message, in_thread(blocking))
    async with bus:
        for n in range(5):
            bus.dispatch(message(n))
        await anyio.sleep(0)  # the loop is free: this task runs while the handler blocks
        release.set()
        with anyio.fail_after(30):  # a guard against a hang, not a speed claim
            while len(seen) < 5:
                await anyio.sleep(0.01)
    assert [event_id for event_id, _ in seen] == [f"M{n}" for n in range(5)]
    assert all(thread != loop_thread for _, thread in seen)
    assert not overlap


async def test_in_thread_decorates_an_event_handler_hook() -> None:
    threads: list[int] = []

    class Archive(EventHandler):
        @in_thread
        def on_message(self, event: Message) -> None:
            threads.append(threading.get_ident())

    bus = CoreEventBus(slow_handler_threshold=1e-9)  # would report it if it ran on the loop
    bus.add_handler(Archive())
    with structlog.testing.capture_logs() as logs:
        await bus.publish(message(1))
    assert threads and threads[0] != threading.get_ident()
    assert _slow_reports(logs) == []
    with pytest.raises(TypeError, match="in_thread takes a callable"):
        in_thread(42)  # type: ignore[arg-type]
