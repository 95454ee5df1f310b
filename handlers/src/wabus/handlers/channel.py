"""`ChannelEventHandler`: receive events with ``async for`` instead of callbacks.

::

    channel = ChannelEventHandler(Message, Receipt)
    bus.add_handler(channel)
    async with bus:
        async for event in channel:
            ...

The channel is a bounded anyio memory stream. Events enter it from the bus's event loop (the
channel's hook is async, so the bus queues events dispatched from other threads and hands them
over on the loop), and leave it through `receive()` or iteration. When it is full, `overflow`
decides: wait for the consumer (the default), drop the oldest buffered event, or raise
`QueueFull` (reported like any handler failure; the event is lost for this channel only).
"""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import Any, Generic, TypeVar

import anyio

from wabus.core import BaseEvent, CallbackHandler, Overflow, QueueFull

__all__ = ["ChannelEventHandler"]

E = TypeVar("E", bound=BaseEvent)


class ChannelEventHandler(CallbackHandler, Generic[E]):
    """An event handler you iterate over: ``async for event in channel``.

    Give the event classes to receive (default: every event). `capacity` bounds the buffer;
    `overflow` says what happens when it is full (see the module doc). Iteration ends after
    `close()` once the buffered events are consumed.
    """

    def __init__(
        self,
        *event_types: type[E] | Any,
        capacity: int = 1024,
        overflow: Overflow = Overflow.WAIT,
    ) -> None:
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        super().__init__(*event_types)
        self.overflow = Overflow(overflow)
        self.queue_size = capacity
        self._send, self._receive = anyio.create_memory_object_stream[E](capacity)

    async def receive_event(self, event: E) -> None:
        """Buffer one event for the iterator (the bus calls this)."""
        if self.overflow is Overflow.WAIT:
            with contextlib.suppress(anyio.ClosedResourceError):  # closed: nobody listens
                await self._send.send(event)
            return
        try:
            self._send.send_nowait(event)
        except anyio.WouldBlock:
            if self.overflow is Overflow.RAISE:
                raise QueueFull(self, event, "channel is full") from None
            with contextlib.suppress(anyio.WouldBlock):
                self._receive.receive_nowait()  # drop the oldest
            self._send.send_nowait(event)
        except anyio.ClosedResourceError:
            pass

    async def receive(self) -> E:
        """The next event; raises `anyio.EndOfStream` once closed and drained."""
        try:
            return await self._receive.receive()
        except anyio.EndOfStream:
            self._receive.close()
            raise

    def receive_nowait(self) -> E:
        """The next buffered event; raises `anyio.WouldBlock` when there is none."""
        return self._receive.receive_nowait()

    def close(self) -> None:
        """Stop accepting events; iteration ends once the buffer is drained."""
        self._send.close()

    def __del__(self) -> None:
        # The channel owns both ends of its stream: release them with it, quietly.
        for stream in (getattr(self, "_send", None), getattr(self, "_receive", None)):
            if stream is not None:
                stream.close()

    @property
    def buffered(self) -> int:
        """How many events wait in the buffer."""
        return self._receive.statistics().current_buffer_used

    def __aiter__(self) -> ChannelEventHandler[E]:
        return self

    async def __anext__(self) -> E:
        try:
            return await self.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            raise StopAsyncIteration from None

    async def __aenter__(self) -> ChannelEventHandler[E]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
