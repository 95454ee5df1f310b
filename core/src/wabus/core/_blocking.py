"""Blocking handlers, off the event loop: `in_thread`, and the bus's slow-handler report.

A sync handler runs inline where the event is delivered. When that is the event loop (the
live client delivers with ``await bus.publish``), a handler that blocks (a database call, an
HTTP request with a sync library, ``time.sleep``) stops everything else on the loop for as long
as it blocks: other handlers, the gateway, the bridge. The connection itself does not suffer
(the client reads, answers pings and keeps alive regardless), but events wait.

`in_thread(fn)` turns such a handler into an async one that runs `fn` in a worker thread
(``anyio.to_thread.run_sync``). Being async, it is served through its own queue like any async
handler: it gets its events in order, one at a time, the queue bounds the backlog, and the
loop stays free while it blocks. The bus reports a sync handler that held the loop longer
than its ``slow_handler_threshold`` with a structlog warning naming the handler, the event and
the time, and pointing here.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

__all__ = ["in_thread"]

P = ParamSpec("P")
R = TypeVar("R")


def in_thread(
    fn: Callable[P, R], *, limiter: CapacityLimiter | None = None
) -> Callable[P, Awaitable[R]]:
    """Wrap a blocking handler so that it runs in a worker thread, off the event loop.

    Use it on a callback (``bus.subscribe(Message, in_thread(save_to_db))``,
    ``Bot.builder().on(Message, in_thread(fn))``) or as a decorator on an `EventHandler` hook::

        class Archive(EventHandler):
            @in_thread
            def on_message(self, event: Message) -> None:
                database.insert(event)  # blocks: runs in a thread, the loop goes on

    The result is an ``async def`` callable, so the bus queues events for it (see `Overflow`)
    and awaits each call in turn: the handler still sees events in order and never two at
    once. `limiter` caps how many threads all handlers sharing it may use at once (anyio's
    default limiter, 40 threads, when None). If the awaiting task is cancelled (the bus
    stops), the thread runs to its end and its result is discarded.
    """
    if not callable(fn):
        raise TypeError(f"in_thread takes a callable, got {fn!r}")

    @functools.wraps(fn)
    async def run_in_thread(*args: P.args, **kwargs: P.kwargs) -> R:
        call: Callable[[], R] = functools.partial(fn, *args, **kwargs)
        return await anyio.to_thread.run_sync(call, limiter=limiter)

    return run_in_thread
