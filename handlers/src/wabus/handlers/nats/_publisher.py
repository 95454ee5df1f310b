"""`NatsPublisher`: an event handler that publishes every event it receives to JetStream.

::

    async with NatsPublisher(account="15550000001") as publisher:
        bot = Bot.builder().with_handler(publisher).with_source(client).build()
        await bot.run()
    # leaving the block waits until JetStream has confirmed every event

Theory of operation
-------------------

Each event becomes one message: its JSON form (`BaseEvent.to_json`) on subject
``<prefix>.<account>.<kind>``, with a ``Nats-Msg-Id`` header from `dedup_id` so that the
stream stores a republished event once. The account is the event's own when it names one
(`BaseEvent.account`, stamped by ``Client(account=...)`` and so by every client of an
`AccountPool` or a fleet), else the publisher's `account`: one publisher serves a bus that many
accounts feed, each account's events under its own subjects. The stream is created when the
publisher starts if it does not exist (`StreamSettings`).

Publishing never waits for the server on the bus's time. The handler's hook hands the
message to the client with ``publish_async`` (which writes it to the connection's buffer and
returns a future for JetStream's acknowledgement) and remembers it in a FIFO of pending
messages; the client batches buffered writes onto the socket. A confirmer task takes
acknowledgements from the head of that FIFO in order and forgets each message once the
stream has stored it. So messages are pipelined: up to `max_in_flight` are on their way at
once, and the hook only waits when that many are unconfirmed (back-pressure, which the bus
turns into its own queueing policy, see `EventHandler.overflow`).

When NATS is unreachable nothing is dropped. The client reconnects by itself; messages
stay in the FIFO; while disconnected new ones are not even handed to the client. The
confirmer notices a missing or late acknowledgement (`ack_timeout`), logs a warning (once
every few seconds, with the number pending), waits with a growing back-off and publishes
every unconfirmed message again, in order and with the same ``Nats-Msg-Id`` (so one that did
arrive is not stored twice). Once the FIFO is full the hook waits, so the bus holds further
events in its queue. Leaving ``async with`` waits up to `close_timeout` for the rest, then
raises `PublishIncomplete` listing every event not confirmed (they can be republished as
they are). Order: messages are stored in the order they were received, except that after a
failure the retried ones may land after later ones that did get through.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self, final

import anyio
import nats.errors
import nats.js.errors
import structlog
from anyio.abc import TaskGroup
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import Header, PubAck

from wabus.core import BaseEvent, CallbackHandler
from wabus.handlers.nats._dedup import OccurrenceCounter, dedup_id
from wabus.handlers.nats._errors import (
    BridgeError,
    EventTooLarge,
    NoAccount,
    OutgoingEvent,
    PublisherClosed,
    PublishIncomplete,
)
from wabus.handlers.nats._streams import (
    DEFAULT_SERVERS,
    DEFAULT_STREAM,
    StreamSettings,
    connect,
    ensure_stream,
)
from wabus.handlers.nats._subjects import check_name, subject_for

__all__ = ["NatsPublisher", "PublisherStats"]

_log = structlog.get_logger("wabus.nats.publisher")

# Retry back-off after a failed or unconfirmed publish: doubles from the first value up to
# the last; a warning is logged at most once per _WARN_PERIOD seconds while failures last.
_BACKOFF_FIRST: Final = 0.05
_BACKOFF_MAX: Final = 2.0
_WARN_PERIOD: Final = 10.0
# publish_async's own limit on pending acknowledgements; the publisher bounds them itself
# (max_in_flight), so this only has to stay out of the way.
_CLIENT_PENDING_LIMIT: Final = 1 << 30
# Room left in the server's maximum payload for the headers (Nats-Msg-Id and framing).
_HEADER_ALLOWANCE: Final = 128


@dataclass(frozen=True, slots=True)
class PublisherStats:
    """A snapshot of a publisher's counters (see `NatsPublisher.stats`)."""

    accepted: int
    """Events taken for publishing."""
    confirmed: int
    """Events the stream confirmed (stored now or earlier)."""
    duplicates: int
    """Of those, events the stream already had (same ``Nats-Msg-Id`` in its window)."""
    retries: int
    """Publish attempts repeated after a failure or a missing acknowledgement."""
    pending: int
    """Events not confirmed yet."""


@final
class _Pending:
    """One message on its way: what to send, and the acknowledgement we wait for."""

    __slots__ = ("deadline", "future", "last_error", "outgoing", "sending")

    def __init__(self, outgoing: OutgoingEvent) -> None:
        self.outgoing = outgoing
        self.future: asyncio.Future[PubAck] | None = None
        self.deadline = 0.0
        self.last_error: BaseException | None = None
        # True while being handed to the client (the confirmer leaves it alone meanwhile).
        self.sending = False


class NatsPublisher(CallbackHandler):
    """Publishes each event it receives to JetStream (see the module doc).

    Give event classes to publish only those (default: every event). `account` is the
    subject token naming whose events these are (e.g. the bot's phone number) when an event
    does not name its own (`BaseEvent.account`, which wins); with None, every event must name
    one (`NoAccount` otherwise), as the events of an `AccountPool`'s clients do. Use it as
    ``async with publisher:`` around the bot that feeds it: entering connects to `servers`
    and creates the stream if needed; leaving waits until every event is confirmed.

    - `stream`: the stream's name, subject prefix, retention and limits.
    - `max_in_flight`: how many events may await JetStream's acknowledgement at once.
    - `ack_timeout`: seconds without an acknowledgement before an event is published again.
    - `close_timeout`: seconds leaving ``async with`` waits for the last acknowledgements.
    - `connect_timeout`: seconds to wait for the first connection (None: for ever).
    """

    def __init__(
        self,
        *event_types: Any,
        account: str | None = None,
        servers: str | Sequence[str] = DEFAULT_SERVERS,
        stream: StreamSettings = DEFAULT_STREAM,
        max_in_flight: int = 1024,
        ack_timeout: float = 5.0,
        close_timeout: float = 10.0,
        connect_timeout: float | None = 5.0,
        name: str = "wabus-publisher",
    ) -> None:
        if account is not None:
            check_name("account", account)
        if not isinstance(stream, StreamSettings):
            raise TypeError(f"stream must be a StreamSettings, got {stream!r}")
        if not isinstance(max_in_flight, int) or max_in_flight < 1:
            raise ValueError(f"max_in_flight must be a positive int, got {max_in_flight!r}")
        for label, value in (("ack_timeout", ack_timeout), ("close_timeout", close_timeout)):
            if not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"{label} must be a positive number, got {value!r}")
        super().__init__(*event_types)
        self.account = account
        """The account token of the subjects of events that name no account of their own."""
        self.stream = stream
        """The stream settings."""
        self._servers: tuple[str, ...] = (servers,) if isinstance(servers, str) else tuple(servers)
        self._max_in_flight = max_in_flight
        self._ack_timeout = float(ack_timeout)
        self._close_timeout = float(close_timeout)
        self._connect_timeout = connect_timeout
        self._name = name
        self._counter = OccurrenceCounter(stream.duplicate_window)
        self._subjects: dict[tuple[str, str], str] = {}  # (account, kind) → checked subject
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._task_group: TaskGroup | None = None
        self._accepting = False
        self._pending: deque[_Pending] = deque()
        self._wake: anyio.Event | None = None
        self._room: anyio.Event | None = None
        self._drained: anyio.Event | None = None
        self._accepted = 0
        self._confirmed = 0
        self._duplicates = 0
        self._retries = 0
        self._failing_since: float | None = None
        self._last_warning = -_WARN_PERIOD

    # Running -------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        """Connect, make sure the stream exists and start confirming acknowledgements."""
        if self._nc is not None:
            raise BridgeError("the publisher is already running")
        nc = await connect(self._servers, name=self._name, connect_timeout=self._connect_timeout)
        try:
            js = nc.jetstream(publish_async_max_pending=_CLIENT_PENDING_LIMIT)
            await ensure_stream(
                js,
                self.stream,
                captures=[
                    subject_for(self.account or "any", "message", self.stream.subject_prefix)
                ],
            )
            task_group = anyio.create_task_group()
            await task_group.__aenter__()
        except BaseException:
            with anyio.CancelScope(shield=True):
                await nc.close()
            raise
        self._nc, self._js, self._task_group = nc, js, task_group
        self._wake = anyio.Event()
        self._accepting = True
        task_group.start_soon(self._confirm, name="wabus nats publisher confirmer")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop taking events, wait up to `close_timeout` for confirmations, disconnect.

        Raises `PublishIncomplete` if some events were not confirmed in time.
        """
        task_group, nc = self._task_group, self._nc
        if task_group is None or nc is None:
            return
        self._accepting = False
        with anyio.CancelScope(shield=True), anyio.move_on_after(self._close_timeout):
            await self.flush()
        unconfirmed = [item.outgoing for item in self._pending]
        # The task group's scope encloses ours: it is left outside any shield (LIFO).
        task_group.cancel_scope.cancel()
        try:
            await task_group.__aexit__(None, None, None)
        finally:
            await self._disconnect(nc)
        if unconfirmed:
            raise PublishIncomplete(
                unconfirmed, f"JetStream did not confirm them within {self._close_timeout:g}s"
            )

    async def _disconnect(self, nc: Client) -> None:
        with anyio.CancelScope(shield=True):
            for item in self._pending:
                if item.future is not None and not item.future.done():
                    item.future.cancel()
            self._pending.clear()
            if self._room is not None:
                self._room.set()
            with contextlib.suppress(Exception):
                await nc.close()
        self._nc = self._js = self._task_group = None

    # Publishing ----------------------------------------------------------------------------

    def outgoing(self, event: BaseEvent) -> OutgoingEvent:
        """The message `event` becomes: subject, JSON and deduplication id.

        Counts the event for deduplication (see `dedup_id`), so call it once per event
        occurrence; `publish` calls it for you.
        """
        kind = event.type
        account = event.account or self.account
        if account is None:
            raise NoAccount(kind)
        subject = self._subjects.get((account, kind))
        if subject is None:
            check_name("account", account)  # an event's own account is checked once, here
            subject = self._subjects[account, kind] = subject_for(
                account, kind, self.stream.subject_prefix
            )
        data = event.to_json().encode()
        occurrence = None if event.identified else self._counter.count(data)
        return OutgoingEvent(subject, data, dedup_id(account, data, occurrence))

    async def publish(self, event: BaseEvent) -> None:
        """Publish one event (the bus calls this for every event the publisher receives).

        Returns once the message is handed to the client, or waits while `max_in_flight`
        events are unconfirmed. Raises `PublisherClosed` when not running and `EventTooLarge`
        when the event exceeds the server's maximum payload; the bus reports both as handler
        failures.
        """
        if not self._accepting:
            raise PublisherClosed(event.to_json().encode())
        await self.send(self.outgoing(event))

    receive_event = publish

    async def send(self, outgoing: OutgoingEvent) -> None:
        """Publish a prepared message, e.g. one from `PublishIncomplete.unconfirmed`."""
        nc, js = self._nc, self._js
        if not self._accepting or nc is None or js is None:
            raise PublisherClosed(outgoing.data)
        if len(outgoing.data) + _HEADER_ALLOWANCE > nc.max_payload:
            raise EventTooLarge(outgoing, nc.max_payload)
        while len(self._pending) >= self._max_in_flight:
            if self._room is None:
                self._room = anyio.Event()
            await self._room.wait()
            if not self._accepting:
                raise PublisherClosed(outgoing.data, "the publisher closed while this waited")
        # Into the FIFO first: if the hand-over is cancelled half-way, the confirmer still
        # publishes it (again, harmlessly: same Nats-Msg-Id).
        item = _Pending(outgoing)
        self._pending.append(item)
        self._accepted += 1
        item.sending = True
        try:
            await self._hand_over(item, nc, js)
        finally:
            item.sending = False
            if self._wake is not None:
                self._wake.set()

    async def _hand_over(self, item: _Pending, nc: Client, js: JetStreamContext) -> None:
        """Give `item` to the client, or note why not (the confirmer retries it later)."""
        if not nc.is_connected:
            item.last_error = nats.errors.ConnectionReconnectingError()
            return
        outgoing = item.outgoing
        try:
            item.future = await js.publish_async(
                outgoing.subject, outgoing.data, headers={Header.MSG_ID: outgoing.msg_id}
            )
        except nats.errors.Error as err:
            item.future = None
            item.last_error = err
        else:
            item.deadline = time.monotonic() + self._ack_timeout

    async def flush(self) -> None:
        """Wait until JetStream has confirmed every event published so far."""
        while self._pending:
            if self._drained is None:
                self._drained = anyio.Event()
            await self._drained.wait()

    # Confirming ----------------------------------------------------------------------------

    async def _confirm(self) -> None:
        """Settle the FIFO's head, in order, for ever (see the module doc)."""
        pending = self._pending
        failures = 0
        while True:
            if not pending:
                if self._drained is not None:
                    self._drained.set()
                    self._drained = None
                wake = self._wake = anyio.Event()
                if not pending:
                    await wake.wait()
                continue
            head = pending[0]
            future = head.future
            if head.sending:
                wake = self._wake = anyio.Event()
                await wake.wait()
                continue
            if future is not None and not future.done():
                await asyncio.wait((future,), timeout=max(0.0, head.deadline - time.monotonic()))
            if future is not None and future.done() and not future.cancelled():
                error = future.exception()
                if error is None:
                    self._settled(future.result())
                    pending.popleft()
                    if self._room is not None:
                        self._room.set()
                        self._room = None
                    failures = 0
                    continue
            else:
                error = head.last_error if future is None else None
            self._report(error or TimeoutError(f"no acknowledgement within {self._ack_timeout:g}s"))
            await anyio.sleep(min(_BACKOFF_FIRST * 2**failures, _BACKOFF_MAX))
            failures += 1
            if isinstance(error, nats.js.errors.NoStreamResponseError) and self._js is not None:
                with contextlib.suppress(Exception):  # deleted under us: make it again
                    await ensure_stream(self._js, self.stream)
            await self._resend()

    def _settled(self, ack: PubAck) -> None:
        self._confirmed += 1
        if ack.duplicate:
            self._duplicates += 1
        if self._failing_since is not None:
            with contextlib.suppress(Exception):
                _log.info(
                    "JetStream confirms events again",
                    after_seconds=round(time.monotonic() - self._failing_since, 1),
                    pending=len(self._pending) - 1,
                )
            self._failing_since = None

    def _report(self, error: BaseException) -> None:
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        if now - self._last_warning < _WARN_PERIOD:
            return
        self._last_warning = now
        with contextlib.suppress(Exception):
            _log.warning(
                "events not confirmed by JetStream; retrying",
                error=repr(error),
                pending=len(self._pending),
                stream=self.stream.name,
            )

    async def _resend(self) -> None:
        """Publish again, in order, every pending message that failed or is overdue."""
        nc, js = self._nc, self._js
        if nc is None or js is None:
            return
        now = time.monotonic()
        for item in tuple(self._pending):
            if item.sending:
                continue
            future = item.future
            if future is not None:
                if future.done() and not future.cancelled() and future.exception() is None:
                    continue  # confirmed; the loop will settle it
                if not future.done() and item.deadline > now:
                    continue  # still within its time
                future.cancel()
                item.future = None
            await self._hand_over(item, nc, js)
            self._retries += 1
            if item.future is None:
                return  # the connection is down again: wait for the next round

    # Asking --------------------------------------------------------------------------------

    def stats(self) -> PublisherStats:
        """The publisher's counters right now."""
        return PublisherStats(
            accepted=self._accepted,
            confirmed=self._confirmed,
            duplicates=self._duplicates,
            retries=self._retries,
            pending=len(self._pending),
        )

    @property
    def running(self) -> bool:
        """Whether the publisher takes events (inside ``async with``)."""
        return self._accepting

    def __repr__(self) -> str:
        state = "running" if self._accepting else "stopped"
        return (
            f"<NatsPublisher {state} account={self.account!r} stream={self.stream.name!r},"
            f" {len(self._pending)} pending>"
        )
