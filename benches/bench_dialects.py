"""Dialect throughput: core events through the Baileys and Wechaty dialects, against the core bus.

Every case delivers the same pre-built `Message` events (a one-word text) and its listeners do
the same trivial work (count). The cases run in interleaved rounds and each keeps its best
round, because these machines are noisy; the ratios are what to read, not the absolute numbers.

- *through the dialect*: ``await bus.publish(message)`` on a bus with the dialect attached and
  1 or 10 listeners on the dialect event a text produces (Baileys ``messages.upsert``, whose
  payload is built eagerly; Wechaty ``message``, whose `Message` object parses lazily). This
  is what a bot pays per event: the core bus, the projection and the listeners.
- *the core bus itself*: ``await bus.publish(message)`` to 1 or 10 sync handlers subscribed to
  `Message` directly: the same delivery without a dialect. The ratio to it is the price of
  speaking a dialect.
- *delivery only*: ``await dialect.deliver(emission)`` of dialect events projected beforehand,
  to 1 or 10 listeners: the listener registry and delivery loop alone (what the dialect
  engine adds over a plain emitter), next to pyee's ``emit`` of the same arguments to the
  same number of listeners, the Python port of Node's EventEmitter.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pyee

from benches._support import best_of_rounds, rate_table
from wabus.core import CoreEventBus, Jid, Server
from wabus.core.events import Message, MessageInfo, MessageSource
from wabus.handlers.dialects import BaileysDialect, Dialect, DialectEvent, WechatyDialect

ALICE = Jid("15550000002", Server.USER)
ME = "15550000001@s.whatsapp.net"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
LISTENERS = (1, 10)
DIALECTS: dict[str, tuple[type[Dialect[Any]], str]] = {
    "baileys": (BaileysDialect, "messages.upsert"),
    "wechaty": (WechatyDialect, "message"),
}


def make_message(n: int) -> Message:
    source = MessageSource(chat=ALICE, sender=ALICE)
    return Message(
        info=MessageInfo(source=source, id=f"3EB0{n:08X}", timestamp=NOW), raw=b"\n\x02hi"
    )


class Counter:
    """The listener every case uses: counts what it receives."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *args: Any) -> None:
        self.n += 1


async def _timed_awaits(send: Callable[[Any], Awaitable[object]], items: list[Any]) -> float:
    """Seconds to ``await send(item)`` for every item, with the collector off."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for item in items:
            await send(item)
        return time.perf_counter() - start
    finally:
        gc.enable()


def _check(counters: list[Counter], expected: int, case: str) -> None:
    """Every listener saw every event: a bench that delivers nothing measures nothing."""
    for counter in counters:
        if counter.n != expected:
            raise AssertionError(f"{case}: a listener saw {counter.n} events, not {expected}")


Timer = Callable[[list[Message]], float]


def through_dialect(name: str, listeners: int) -> Timer:
    cls, event_name = DIALECTS[name]

    def timer(events: list[Message]) -> float:
        async def main() -> float:
            bus = CoreEventBus(slow_handler_threshold=None)  # no warnings mid-table
            dialect = cls(me=ME)
            bus.add_handler(dialect)
            counters = [Counter() for _ in range(listeners)]
            for counter in counters:
                dialect.on(event_name, counter)
            elapsed = await _timed_awaits(bus.publish, events)
            _check(counters, len(events), f"{name} through the dialect")
            return elapsed

        return asyncio.run(main())

    return timer


def core_bus(listeners: int) -> Timer:
    def timer(events: list[Message]) -> float:
        async def main() -> float:
            bus = CoreEventBus(slow_handler_threshold=None)  # no warnings mid-table
            counters = [Counter() for _ in range(listeners)]
            for counter in counters:
                bus.subscribe(Message, counter)
            elapsed = await _timed_awaits(bus.publish, events)
            _check(counters, len(events), "core bus")
            return elapsed

        return asyncio.run(main())

    return timer


def _emissions(name: str, events: list[Message]) -> list[DialectEvent]:
    cls, event_name = DIALECTS[name]
    dialect = cls(me=ME)
    wanted = event_name.__eq__
    return [emission for event in events for emission in dialect.project(event, wanted)]


def delivery_only(name: str, listeners: int) -> Timer:
    cls, event_name = DIALECTS[name]

    def timer(events: list[Message]) -> float:
        emissions = _emissions(name, events)

        async def main() -> float:
            dialect = cls(me=ME)
            counters = [Counter() for _ in range(listeners)]
            for counter in counters:
                dialect.on(event_name, counter)
            elapsed = await _timed_awaits(dialect.deliver, emissions)
            _check(counters, len(emissions), f"{name} delivery")
            return elapsed

        return asyncio.run(main())

    return timer


def pyee_emit(name: str, listeners: int) -> Timer:
    _, event_name = DIALECTS[name]

    def timer(events: list[Message]) -> float:
        arguments = [emission.args for emission in _emissions(name, events)]
        emitter = pyee.EventEmitter()
        counters = [Counter() for _ in range(listeners)]
        for counter in counters:
            emitter.on(event_name, counter)
        emit = emitter.emit
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            for args in arguments:
                emit(event_name, *args)
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        _check(counters, len(arguments), "pyee emit")
        return elapsed

    return timer


def _cases() -> dict[str, Timer]:
    cases: dict[str, Timer] = {}
    for listeners in LISTENERS:
        cases[f"core bus publish, {listeners} handler(s)"] = core_bus(listeners)
        for name in DIALECTS:
            cases[f"{name} through the dialect, {listeners} listener(s)"] = through_dialect(
                name, listeners
            )
    for listeners in LISTENERS:
        for name in DIALECTS:
            cases[f"{name} delivery only, {listeners} listener(s)"] = delivery_only(name, listeners)
            cases[f"pyee emit ({name} arguments), {listeners} listener(s)"] = pyee_emit(
                name, listeners
            )
    return cases


CASES = _cases()


def measure(n: int, rounds: int) -> dict[str, float]:
    """Best elapsed seconds per case over `rounds` interleaved rounds of `n` events."""
    return best_of_rounds(CASES, [make_message(i) for i in range(n)], rounds)


def report(n: int, best: dict[str, float]) -> list[str]:
    """The printed table: events/s per case, and each dialect's ratio to its peer."""
    lines = [f"dialect throughput: {n} events per round, best round of each case", ""]
    lines.extend(rate_table(n, best, CASES))
    lines.append("")
    for listeners in LISTENERS:
        core = best[f"core bus publish, {listeners} handler(s)"]
        for name in DIALECTS:
            through = best[f"{name} through the dialect, {listeners} listener(s)"]
            lines.append(
                f"  {name}, {listeners} listener(s): {core / through:.2f}x the core bus's"
                " own publish"
            )
    for listeners in LISTENERS:
        for name in DIALECTS:
            delivery = best[f"{name} delivery only, {listeners} listener(s)"]
            peer = best[f"pyee emit ({name} arguments), {listeners} listener(s)"]
            lines.append(
                f"  {name} delivery, {listeners} listener(s): {peer / delivery:.2f}x pyee emit"
            )
    return lines


def main(quick: bool = False) -> None:
    n, rounds = (200, 1) if quick else (2_000, 25)
    for line in report(n, measure(n, rounds)):
        print(line)


if __name__ == "__main__":
    main()
