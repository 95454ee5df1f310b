"""A handle on a running event loop that any thread can schedule a callback onto.

anyio's `from_thread` helpers wait for the callback's result, which a producer that must
never block cannot afford. This handle wraps the two backends' non-blocking primitives:
asyncio's ``loop.call_soon_threadsafe`` and trio's ``TrioToken.run_sync_soon``. On the loop's
own thread it uses the cheaper same-thread call (asyncio) or the same primitive (trio).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import final

import sniffio

from wabus.core._errors import BusNotRunning

__all__ = ["LoopHandle"]


@final
class LoopHandle:
    """Schedules callbacks onto one running event loop, from any thread, without blocking."""

    __slots__ = ("_call_soon", "_call_soon_threadsafe", "backend", "thread_id")

    def __init__(self) -> None:
        """Capture the event loop the caller is running in (asyncio or trio)."""
        try:
            backend = sniffio.current_async_library()
        except sniffio.AsyncLibraryNotFoundError:
            raise BusNotRunning("no event loop is running in this thread") from None
        self.backend = backend
        self.thread_id = threading.get_ident()
        if backend == "asyncio":
            import asyncio

            loop = asyncio.get_running_loop()
            self._call_soon: Callable[[Callable[[], object]], object] = loop.call_soon
            self._call_soon_threadsafe: Callable[[Callable[[], object]], object] = (
                loop.call_soon_threadsafe
            )
        elif backend == "trio":
            import trio

            token = trio.lowlevel.current_trio_token()
            self._call_soon = token.run_sync_soon
            self._call_soon_threadsafe = token.run_sync_soon
        else:  # pragma: no cover - anyio supports exactly these two
            raise BusNotRunning(f"unsupported async library {backend!r}")

    def in_loop_thread(self) -> bool:
        """Whether the calling thread is the loop's thread."""
        return threading.get_ident() == self.thread_id

    def call_soon(self, callback: Callable[[], object]) -> bool:
        """Run `callback` on the loop as soon as possible; returns False if the loop is gone.

        Never blocks. The callback runs on the loop thread, outside any task, so it must be
        quick and must not await.
        """
        try:
            if threading.get_ident() == self.thread_id:
                self._call_soon(callback)
            else:
                self._call_soon_threadsafe(callback)
        except RuntimeError:
            # asyncio: "Event loop is closed"; trio: RunFinishedError (a RuntimeError).
            return False
        return True
