"""Queueing policy for async handlers, shared by the bus and `EventHandler`."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = ["DEFAULT_QUEUE_SIZE", "DEFAULT_SLOW_HANDLER_THRESHOLD", "Overflow"]

DEFAULT_QUEUE_SIZE: Final = 4096
"""How many events an async handler's queue holds unless told otherwise."""

DEFAULT_SLOW_HANDLER_THRESHOLD: Final = 0.1
"""Seconds a sync handler may hold the event loop (in ``await publish``) before the bus warns."""


class Overflow(StrEnum):
    """What `CoreEventBus.dispatch` does when an async handler's queue is full.

    Only events queued by `dispatch` count: `await publish(...)` awaits the handler instead of
    queueing, so it is held back by the handler's own speed.
    """

    WAIT = "wait"
    """Block the producing thread until the handler makes room (lossless; the default).

    A producer that cannot block (the event loop's own thread, or any thread while the bus is
    not running, when nothing would ever make room) gets `QueueFull` instead.
    """
    DROP_OLDEST = "drop_oldest"
    """Discard the oldest queued event to make room, and count it (lossy, never blocks)."""
    RAISE = "raise"
    """Raise `QueueFull` to the producer, after every other handler has had the event."""
