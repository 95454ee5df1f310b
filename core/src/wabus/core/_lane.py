"""`_Lane`: the bounded queue and worker task that serve one subscriber's async callbacks.

Theory of operation
-------------------

A lane is a FIFO (a `collections.deque`, whose ``append`` and ``popleft`` are atomic) plus one
worker task on the event loop the bus runs on.

- Producers (``dispatch``, any thread) append and, if the lane is not already scheduled, ask
  the bus to wake it. The bus batches wake requests (see `CoreEventBus._request_wake`).
- ``await publish`` (on the loop) runs the callback itself instead of queueing. The lane is a
  small FIFO lock: the worker and publishers take turns (`acquire`/`release`), so one handler
  never runs two events at once, and a waiting publisher goes before the queued backlog.
- A full lane applies its `Overflow` policy: wait (block the producer on a condition until
  the worker has drained to half), drop the oldest, or raise `QueueFull`.
- `close` (any thread) drops what is queued and wakes blocked producers and the worker.

All lane state except the deque and the ``closed`` flag is touched only on the loop thread, so
it needs no lock. Because other threads may empty the deque at any moment (``close``, a
DROP_OLDEST producer), the worker never checks-then-pops: it pops and treats `IndexError` as
"empty". The worker yields to the loop after `_SLICE` seconds of back-to-back work, so a busy
lane cannot starve other tasks.

Why not an anyio memory object stream
-------------------------------------

Where one task on the loop feeds another, wabus uses anyio's streams: `wabus.handlers.channel`
hands events to an ``async for`` over one, and the live client's reader feeds its dispatcher
through one. A lane needs three things a memory object stream does not give:

- producers on any thread: ``send_nowait`` from another thread is not safe, and going through
  ``anyio.from_thread`` costs a round trip to the loop per event, where a lane costs an
  ``append`` and, once per batch, one wake-up;
- ``Overflow.DROP_OLDEST``: a stream can refuse the newest item, never evict the oldest;
- ``await publish`` running the callback in the publisher's own task, ahead of the backlog,
  with the worker and publishers taking turns, so the publisher sees its handlers' failures.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final, TypeAlias, final

import anyio
import anyio.lowlevel
import structlog

from wabus.core._errors import QueueFull
from wabus.core._policy import Overflow
from wabus.core.events import BaseEvent

if TYPE_CHECKING:
    from wabus.core._bus import CoreEventBus

__all__ = ["AsyncCallback", "SyncCallback"]

_log = structlog.get_logger("wabus.core.bus")

SyncCallback: TypeAlias = Callable[[Any], object]
AsyncCallback: TypeAlias = Callable[[Any], Awaitable[object]]

# A lane's worker that runs events back to back yields to the event loop once it has held it
# this long (seconds), so a handler that never suspends cannot starve other tasks. The clock
# is read every _CLOCK_EVERY events, which keeps the check off the per-event cost.
_SLICE: Final = 0.002
_CLOCK_EVERY: Final = 64
# A producer blocked by Overflow.WAIT re-checks at least this often (seconds), so that it
# notices a bus that stopped while it waited.
_WAIT_RECHECK: Final = 0.25


@final
class _Lane:
    """Bounded queue and worker for the async callbacks of one subscriber (see module doc)."""

    __slots__ = (
        "bus",
        "busy",
        "callback",
        "check_every",
        "closed",
        "dropped",
        "label",
        "low_water",
        "maxsize",
        "overflow",
        "pending",
        "room",
        "room_signalled",
        "room_waiting",
        "scheduled",
        "shared",
        "started",
        "waiters",
        "wake_event",
    )

    def __init__(
        self,
        bus: CoreEventBus,
        maxsize: int,
        overflow: Overflow,
        label: str,
        callback: AsyncCallback | None,
    ) -> None:
        if not isinstance(maxsize, int) or maxsize < 1:
            raise ValueError(f"maxsize must be a positive int, got {maxsize!r}")
        self.bus = bus
        self.maxsize = maxsize
        self.low_water = maxsize // 2
        # How many events the worker runs between looks at the clock and at waiting producers:
        # rarely enough to stay off the per-event cost, often enough for a small queue.
        self.check_every = max(1, min(_CLOCK_EVERY, maxsize // 4))
        self.overflow = Overflow(overflow)
        self.label = label
        # A lane serves one callback (`subscribe`) and queues bare events, or is shared by
        # the async hooks of one EventHandler and queues (callback, event) pairs.
        self.callback = callback
        self.shared = callback is None
        self.pending: deque[Any] = deque()
        self.scheduled = False  # a wake-up for this lane is already requested
        self.started = False  # a worker task is running (loop thread only)
        self.closed = False
        self.busy = False  # the worker or a publisher is running a callback (loop thread only)
        self.waiters: deque[anyio.Event] = deque()  # publishers waiting for their turn
        self.wake_event: anyio.Event | None = None
        self.room = threading.Condition(threading.Lock())
        self.room_waiting = 0  # producers blocked on a full lane (changed under `room`)
        # Whether those producers have been told there is room since the last one began to
        # wait, so the worker signals once per wait rather than once per event it takes.
        self.room_signalled = False
        self.dropped = 0

    # Producer side (any thread) -----------------------------------------------------------

    def make_put(self) -> SyncCallback:
        """The function that queues an event for the lane's single callback.

        This is what `dispatch` calls for an async handler, once per event from any thread, so
        it is a closure over the lane's fixed parts rather than a method that reloads them.
        """
        lane = self
        pending = self.pending
        append = pending.append
        maxsize = self.maxsize
        callback = self.callback
        size = len  # a closure cell is cheaper to load than the builtin

        def put(event: BaseEvent) -> None:
            if size(pending) >= maxsize and not lane._make_room(callback, event):
                return
            append(event)
            if not lane.scheduled:
                lane.scheduled = True
                lane.bus._request_wake(lane)

        put.lane = lane  # type: ignore[attr-defined]  # for error reports (_origin)
        return put

    def put_pair(self, callback: AsyncCallback, event: BaseEvent) -> None:
        """Queue an event for one of a shared lane's callbacks."""
        pending = self.pending
        if len(pending) >= self.maxsize and not self._make_room(callback, event):
            return
        pending.append((callback, event))
        if not self.scheduled:
            self.scheduled = True
            self.bus._request_wake(self)

    def _make_room(self, callback: AsyncCallback | None, event: BaseEvent) -> bool:
        """Apply the overflow policy to a full lane; True when the event may be appended."""
        policy = self.overflow
        if policy is Overflow.DROP_OLDEST:
            with contextlib.suppress(IndexError):  # the worker may have emptied it meanwhile
                self.pending.popleft()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                _log.warning(
                    "async handler queue full; dropped oldest events",
                    handler=self.label,
                    dropped=self.dropped,
                    maxsize=self.maxsize,
                )
            return True
        if policy is Overflow.RAISE:
            raise QueueFull(callback, event)
        loop = self.bus._loop
        if loop is None:
            raise QueueFull(callback, event, "queue is full and the bus is not running")
        if loop.in_loop_thread():
            raise QueueFull(
                callback,
                event,
                "queue is full and the event-loop thread cannot wait (use await publish)",
            )
        with self.room:
            self.room_waiting += 1
            try:
                while len(self.pending) >= self.maxsize:
                    if self.closed:
                        return False
                    if self.bus._loop is None:
                        raise QueueFull(callback, event, "the bus stopped while waiting for room")
                    self.room_signalled = False
                    self.room.wait(_WAIT_RECHECK)
            finally:
                self.room_waiting -= 1
        return True

    def notify_room(self) -> None:
        """Wake every producer waiting for room (any thread)."""
        with self.room:
            self.room_signalled = True
            self.room.notify_all()

    def close(self) -> None:
        """Stop the lane, from any thread.

        What the lane still holds is dropped (an event being handled runs to its end), every
        producer blocked on the full lane is woken and returns without queueing, and the
        worker ends. An event a racing producer appends after this is never delivered either.
        """
        self.closed = True
        self.pending.clear()
        self.notify_room()
        # Only a running bus has a worker to wake. On an idle bus the request would wait in
        # its wake-up list, keeping this lane and its callback alive, until the bus ran: for
        # a bus that never runs (a dialect's own), forever.
        if self.bus._loop is not None:
            self.bus._request_wake(self)

    # Loop side ----------------------------------------------------------------------------

    def wake(self) -> None:
        """Wake the worker if it sleeps. Loop thread only."""
        event = self.wake_event
        if event is not None:
            event.set()

    async def acquire(self) -> None:
        """Wait for this publisher's turn on a busy lane (ownership is handed over)."""
        turn = anyio.Event()
        self.waiters.append(turn)
        try:
            await turn.wait()
        except BaseException:
            if turn.is_set():
                self.release()  # we were handed the lane just as we were cancelled
            else:
                self.waiters.remove(turn)
            raise

    def release(self) -> None:
        """Give the lane to the next waiting publisher, or back to the worker."""
        if self.waiters:
            self.waiters.popleft().set()  # busy stays True: ownership passes on
        else:
            self.busy = False
            if self.pending:
                self.wake()

    async def run(self) -> None:
        """The worker: deliver queued events in order until closed or the bus stops.

        It holds the lane for a batch of events at a time (`_serve`), handing it over between
        events to a publisher that is waiting, and yields to the loop after `_SLICE` seconds
        of work.
        """
        bus = self.bus
        pending = self.pending
        waiters = self.waiters
        checkpoint = anyio.lowlevel.checkpoint
        try:
            while True:
                if pending and not self.busy and not waiters and not self.closed:
                    self.busy = True
                    try:
                        must_yield = await self._serve()
                    finally:
                        self.release()
                    if must_yield:
                        await checkpoint()
                    continue
                if self.closed or (bus._stopping and not pending):
                    return
                self.wake_event = anyio.Event()
                if pending and not self.busy and not waiters:
                    continue
                await self.wake_event.wait()
        finally:
            self.started = False
            self.wake_event = None

    async def _serve(self) -> bool:
        """Run queued events back to back while holding the lane.

        Returns True when the batch ended because its time slice is used up (the caller then
        yields to the loop), False when the queue ran dry, a publisher is waiting or the lane
        closed. Every `check_every` events it reads the clock and tells producers waiting for room
        that the queue is down to its low-water mark; the per-event path is only the pop, the
        call and one check for a waiting publisher or a close.
        """
        pending = self.pending
        popleft = pending.popleft
        report = self.bus._report
        waiters = self.waiters
        low_water = self.low_water
        every = self.check_every
        clock = time.monotonic
        began = clock()
        single = self.callback
        # Two copies of one loop, for a lane of one callback (queues bare events) and a shared
        # one (queues pairs): the per-event path then has no branch on which it is.
        while True:
            if single is not None:
                for _ in range(every):
                    # No `while pending:` check before the pop: another thread may empty the
                    # deque in between (close(), or a DROP_OLDEST producer making room).
                    try:
                        event = popleft()
                    except IndexError:
                        self._tell_room()
                        return False
                    try:
                        await single(event)
                    except Exception as exc:
                        report(exc, single, event)
                    if waiters or self.closed:
                        self._tell_room()
                        return False
            else:
                for _ in range(every):
                    try:
                        callback, event = popleft()
                    except IndexError:
                        self._tell_room()
                        return False
                    try:
                        await callback(event)
                    except Exception as exc:
                        report(exc, callback, event)
                    if waiters or self.closed:
                        self._tell_room()
                        return False
            if self.room_waiting and not self.room_signalled and len(pending) <= low_water:
                self.notify_room()
            if clock() - began >= _SLICE:
                return True

    def _tell_room(self) -> None:
        if self.room_waiting and not self.room_signalled and len(self.pending) <= self.low_water:
            self.notify_room()
