"""`NatsSource`: a `Source` that feeds a bus from a durable JetStream consumer.

::

    source = NatsSource(consumer=ConsumerSettings(durable="workers", kinds=frozenset({"message"})))
    bot = Bot.builder().with_source(source).with_handler(MyHandler()).build()
    await bot.run()

Theory of operation
-------------------

The source binds to a durable *pull* consumer (created when missing), so any number of
worker processes running the same settings share it: each fetches batches of messages and
JetStream hands every message to one of them. A worker handles a batch in order, one
message at a time: it publishes the event into its bus with ``await bus.publish(event)``,
which returns once every handler has run (async ones included), and only then settles the
message:

- every handler succeeded: **ack**; the message is done.
- a handler raised: **nak** with a delay (`ConsumerSettings.retry_delays`), so JetStream
  delivers it again, to this worker or another; on the last allowed attempt
  (`ConsumerSettings.max_deliver`) it becomes a dead letter instead.
- the worker died, or held the message longer than ``ack_wait``: JetStream delivers it again
  by itself. A message delivered more than ``max_deliver`` times becomes a dead letter as
  soon as it arrives, without running the handlers again (it may be what kills workers).
- the message is not an event (not JSON, not valid for its subject's kind, an unknown kind,
  a payload whose ``type`` contradicts its subject): a dead letter at once; retrying cannot
  help. The consumer goes on with the next message.

How does the source know a handler raised? ``bus.publish`` returns the failures of the
handlers it ran (`wabus.core.HandlerFailure`), so the source settles each message from what
its own publish call returned; the bus needs no hook for it. Around each ``bus.publish`` the
source sets a context variable holding the message's `Delivery`, which handlers read with
`current_delivery()` (stream sequence, delivery count, ``Nats-Msg-Id``) to make them
idempotent: delivery is at least once, and a message handled by a worker that died before
acknowledging it is handled again. (Acks leave in batches, whenever the worker
gives the event loop a turn: between batches and after every 2 ms of work. A worker killed
mid-batch takes the acks of up to that much finished work with it; those are handled again.)

A dead letter is the original payload, published to ``<dead-letter prefix>.<consumer>.<original
subject>`` on its own stream (`DEFAULT_DEAD_LETTER_STREAM`) with headers saying why
(`DeadLetter`); the original is then terminated. If the dead letter cannot be stored, the
original is nak'd and tried again later, so nothing is lost. The bound on attempts is kept by
the workers from the delivery count JetStream keeps for each message (the consumer itself is
created with no server-side limit, so a message whose dead letter could not be stored yet is
never stranded).

Order: within one worker, messages arrive and are handled in stream order, so events of one
subject are handled in the order they were published, except for messages that are
redelivered. Across workers there is no order.

Filters: one account (or all) and a set of kinds. One kind (or all) is filtered by the server;
several kinds are filtered by the worker, which acknowledges the others unseen (a consumer
takes a single filter subject on NATS servers before 2.10).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Literal

import anyio
import anyio.lowlevel
import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy, Header
from pydantic import ValidationError

from wabus.core import BaseEvent, CoreEventBus
from wabus.core.events import EVENTS_BY_KIND
from wabus.handlers.nats._errors import BridgeError, ConsumerMismatch, ConsumerRefused
from wabus.handlers.nats._streams import (
    DEFAULT_DEAD_LETTER_STREAM,
    DEFAULT_SERVERS,
    DEFAULT_STREAM,
    StreamSettings,
    connect,
    ensure_stream,
    require_asyncio,
)
from wabus.handlers.nats._subjects import (
    EventSubject,
    check_name,
    dead_letter_subject,
    filter_subject,
    parse_subject,
)

__all__ = [
    "DEAD_LETTER_HEADERS",
    "ConsumerSettings",
    "DeadLetter",
    "DeadLetterReason",
    "Delivery",
    "NatsSource",
    "SourceStats",
    "current_delivery",
]

_log = structlog.get_logger("wabus.nats.source")

# How long one fetch waits for messages, in seconds (also how often an idle source checks
# its idle timeout).
_FETCH_WAIT: Final = 1.0
# Dead-letter details longer than this are cut (they travel in a header).
_DETAIL_MAX: Final = 1000
_WARN_PERIOD: Final = 10.0
# A worker busy with a batch yields to the event loop once it has held it this long (seconds).
_SLICE: Final = 0.002


class DeadLetterReason(StrEnum):
    """Why a message became a dead letter (the ``Wabus-Dead-Reason`` header)."""

    NOT_JSON = "not-json"
    """The payload is not JSON."""
    NOT_AN_EVENT = "not-an-event"
    """JSON, but not a valid event of the kind its subject names."""
    UNKNOWN_KIND = "unknown-kind"
    """The subject or the payload names a kind the catalogue does not have."""
    KIND_MISMATCH = "kind-mismatch"
    """The payload's ``type`` is another kind than its subject's."""
    BAD_SUBJECT = "bad-subject"
    """The subject is not ``<prefix>.<account>.<kind>``."""
    HANDLER_FAILED = "handler-failed"
    """A handler raised on the last allowed attempt."""
    ATTEMPTS_EXHAUSTED = "attempts-exhausted"
    """Delivered more than ``max_deliver`` times without being settled (workers died on it or
    overran ``ack_wait``)."""


DEAD_LETTER_HEADERS: Final = {
    "reason": "Wabus-Dead-Reason",
    "detail": "Wabus-Dead-Detail",
    "subject": "Wabus-Subject",
    "stream": "Wabus-Stream",
    "stream_seq": "Wabus-Stream-Seq",
    "deliveries": "Wabus-Deliveries",
    "consumer": "Wabus-Consumer",
    "msg_id": "Wabus-Msg-Id",
}
"""The headers of a dead letter, by `DeadLetter` field."""


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A dead letter as stored: the original payload and why it was given up on."""

    reason: DeadLetterReason
    """Why (machine-readable)."""
    detail: str
    """Why (for people): the parse error, or each failing handler and its error."""
    subject: str
    """The original subject."""
    stream: str
    """The stream the original is in."""
    stream_seq: int
    """Its sequence number there."""
    deliveries: int
    """How many times it had been delivered."""
    consumer: str
    """The consumer that gave up on it."""
    msg_id: str | None
    """Its ``Nats-Msg-Id``, if it had one."""
    data: bytes
    """The original payload, unchanged."""

    def headers(self) -> dict[str, str]:
        """The dead letter's headers (`DEAD_LETTER_HEADERS`)."""
        values = {
            "reason": self.reason.value,
            "detail": self.detail,
            "subject": self.subject,
            "stream": self.stream,
            "stream_seq": str(self.stream_seq),
            "deliveries": str(self.deliveries),
            "consumer": self.consumer,
            "msg_id": self.msg_id or "",
        }
        headers = {DEAD_LETTER_HEADERS[name]: value for name, value in values.items()}
        headers[Header.MSG_ID] = f"{self.consumer}:{self.stream}:{self.stream_seq}"
        return headers

    @classmethod
    def from_msg(cls, msg: Msg) -> DeadLetter:
        """Read a dead letter back from a message of the dead-letter stream.

        Raises `ValueError` if the message lacks the dead-letter headers.
        """
        headers = msg.headers or {}
        try:
            values = {name: headers[key] for name, key in DEAD_LETTER_HEADERS.items()}
            return cls(
                reason=DeadLetterReason(values["reason"]),
                detail=values["detail"],
                subject=values["subject"],
                stream=values["stream"],
                stream_seq=int(values["stream_seq"]),
                deliveries=int(values["deliveries"]),
                consumer=values["consumer"],
                msg_id=values["msg_id"] or None,
                data=msg.data,
            )
        except (KeyError, ValueError) as err:
            raise ValueError(f"not a dead letter: {err!r} in headers {headers!r}") from err


@dataclass(frozen=True, slots=True)
class Delivery:
    """The JetStream message behind the event being handled (see `current_delivery`)."""

    subject: str
    """The message's subject."""
    account: str
    """The subject's account token."""
    kind: str
    """The event's kind."""
    stream: str
    """The stream's name."""
    consumer: str
    """The consumer's name."""
    stream_seq: int
    """The message's sequence number in the stream: unique and stable, an idempotency key."""
    num_delivered: int
    """How many times JetStream has delivered it, this time included."""
    msg_id: str | None
    """The ``Nats-Msg-Id`` the publisher gave it."""

    @property
    def redelivered(self) -> bool:
        """Whether it was delivered before (to this worker or another)."""
        return self.num_delivered > 1


_DELIVERY: contextvars.ContextVar[Delivery | None] = contextvars.ContextVar(
    "wabus_nats_delivery", default=None
)


def current_delivery() -> Delivery | None:
    """The message behind the event being handled, inside a handler a `NatsSource` called.

    None elsewhere (for events from other sources, or in a task the handler spawned).
    """
    return _DELIVERY.get()


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsumerSettings:
    """A durable pull consumer and how workers on it behave.

    Workers that share the durable must use the same `durable`, `account`, `kinds` and
    `deliver`; `ack_wait` and `max_ack_pending` are updated on the server by whichever
    worker starts last.
    """

    durable: str = "wabus-workers"
    """The consumer's name; workers with the same name share its messages."""
    account: str | None = None
    """Only this account's events (None: every account)."""
    kinds: frozenset[str] | None = None
    """Only these kinds (None: every kind)."""
    deliver: Literal["all", "new"] = "all"
    """Where a new consumer starts: the stream's first message, or the next one published."""
    max_deliver: int = 5
    """How many times a message's handlers run at most before it becomes a dead letter."""
    ack_wait: float = 30.0
    """Seconds JetStream waits for a worker to settle a message before delivering it again."""
    max_ack_pending: int = 1000
    """How many messages may be delivered and not yet settled, across all workers."""
    batch: int = 128
    """How many messages a worker fetches at once."""
    retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0)
    """Seconds before a message whose handler failed is delivered again, after the 1st,
    2nd, … failure (the last value repeats)."""

    def __post_init__(self) -> None:
        check_name("consumer name", self.durable)
        if self.account is not None:
            check_name("account", self.account)
        if self.kinds is not None:
            kinds = frozenset(self.kinds)
            unknown = sorted(kinds - EVENTS_BY_KIND.keys())
            if unknown or not kinds:
                raise ValueError(f"kinds must be known event kinds; unknown: {unknown or 'none'}")
            object.__setattr__(self, "kinds", kinds)
        problems: list[str] = []
        if self.deliver not in ("all", "new"):
            problems.append(f"deliver must be all or new, got {self.deliver!r}")
        for name in ("max_deliver", "max_ack_pending", "batch"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(f"{name} must be a positive int, got {value!r}")
        if not isinstance(self.ack_wait, int | float) or self.ack_wait <= 0:
            problems.append(f"ack_wait must be a positive number, got {self.ack_wait!r}")
        delays = tuple(self.retry_delays)
        if not delays or any(not isinstance(d, int | float) or d < 0 for d in delays):
            problems.append(f"retry_delays must be non-negative numbers, got {delays!r}")
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "retry_delays", delays)

    def filters(self, prefix: str) -> tuple[str, frozenset[str] | None]:
        """The server's filter subject, and the kinds the worker still has to filter (or None)."""
        kinds = self.kinds
        if kinds is not None and len(kinds) == 1:
            return filter_subject(self.account, next(iter(kinds)), prefix), None
        return filter_subject(self.account, None, prefix), kinds

    def retry_delay(self, deliveries: int) -> float:
        """Seconds before redelivering a message whose handlers failed on delivery `deliveries`."""
        delays = self.retry_delays
        return float(delays[min(deliveries, len(delays)) - 1])


@dataclass(slots=True)
class SourceStats:
    """A `NatsSource`'s counters (see `NatsSource.stats`)."""

    handled: int = 0
    """Messages whose handlers all succeeded (acknowledged)."""
    retried: int = 0
    """Messages sent back for redelivery after a handler failed."""
    dead_lettered: int = 0
    """Messages given up on and stored as dead letters."""
    skipped: int = 0
    """Messages of kinds this source does not take (acknowledged unseen)."""
    by_reason: dict[str, int] = field(default_factory=dict)
    """Dead letters by `DeadLetterReason`."""


class NatsSource:
    """A `Source` that feeds a bus from a durable JetStream pull consumer (see the module doc).

    - `servers`: NATS addresses; `connect_timeout`: seconds to wait for the first connection.
    - `stream`: the events stream (created when missing); `dead_letters`: the dead-letter
      stream (likewise).
    - `consumer`: the durable consumer, its filters and retry policy.
    - `idle_timeout`: return from `run` once no message arrived for this many seconds (None:
      run until cancelled).
    """

    def __init__(
        self,
        *,
        servers: str | Sequence[str] = DEFAULT_SERVERS,
        stream: StreamSettings = DEFAULT_STREAM,
        consumer: ConsumerSettings | None = None,
        dead_letters: StreamSettings = DEFAULT_DEAD_LETTER_STREAM,
        idle_timeout: float | None = None,
        connect_timeout: float | None = 5.0,
        name: str = "wabus-worker",
    ) -> None:
        consumer = ConsumerSettings() if consumer is None else consumer
        for label, value, kind in (
            ("stream", stream, StreamSettings),
            ("dead_letters", dead_letters, StreamSettings),
            ("consumer", consumer, ConsumerSettings),
        ):
            if not isinstance(value, kind):
                raise TypeError(f"{label} must be a {kind.__name__}, got {value!r}")
        if stream.name == dead_letters.name or stream.subject_prefix == dead_letters.subject_prefix:
            raise ValueError("the dead-letter stream needs its own name and subject prefix")
        if idle_timeout is not None and (
            not isinstance(idle_timeout, int | float) or idle_timeout <= 0
        ):
            raise ValueError(f"idle_timeout must be positive or None, got {idle_timeout!r}")
        self._servers: tuple[str, ...] = (servers,) if isinstance(servers, str) else tuple(servers)
        self.stream = stream
        """The events stream."""
        self.consumer = consumer
        """The consumer settings."""
        self.dead_letters = dead_letters
        """The dead-letter stream."""
        self._idle_timeout = idle_timeout
        self._connect_timeout = connect_timeout
        self._name = name
        self._stats = SourceStats()
        self._last_warning = -_WARN_PERIOD

    # Counters ------------------------------------------------------------------------------

    def stats(self) -> SourceStats:
        """A copy of the source's counters."""
        stats = self._stats
        return SourceStats(
            handled=stats.handled,
            retried=stats.retried,
            dead_lettered=stats.dead_lettered,
            skipped=stats.skipped,
            by_reason=dict(stats.by_reason),
        )

    # Running -------------------------------------------------------------------------------

    async def run(self, bus: CoreEventBus) -> None:
        """Consume until cancelled (or idle for `idle_timeout`), publishing into `bus`."""
        require_asyncio("NatsSource")
        nc = await connect(self._servers, name=self._name, connect_timeout=self._connect_timeout)
        subscription: JetStreamContext.PullSubscription | None = None
        try:
            js = nc.jetstream()
            server_filter, kinds = self.consumer.filters(self.stream.subject_prefix)
            # An existing stream must capture what the consumer filters (another subject
            # prefix is a StreamMismatch that says so, not a refused consumer).
            await ensure_stream(js, self.stream, captures=[server_filter])
            await ensure_stream(js, self.dead_letters)
            await self._ensure_consumer(js, server_filter)
            subscription = await js.pull_subscribe_bind(
                durable=self.consumer.durable, stream=self.stream.name
            )
            _log.info(
                "consuming",
                stream=self.stream.name,
                consumer=self.consumer.durable,
                filter=server_filter,
                kinds=sorted(kinds) if kinds is not None else "all",
            )
            await self._consume(nc, subscription, js, bus, kinds, server_filter)
        finally:
            # Send the last acks and naks before leaving; messages fetched for a pull request
            # still open on the server come back after ack_wait.
            with anyio.CancelScope(shield=True), anyio.move_on_after(5):
                with contextlib.suppress(Exception):
                    if subscription is not None:
                        await subscription.unsubscribe()
                with contextlib.suppress(Exception):
                    await nc.flush(timeout=2)
                with contextlib.suppress(Exception):
                    await nc.close()

    async def _ensure_consumer(self, js: JetStreamContext, server_filter: str) -> None:
        settings = self.consumer
        config = ConsumerConfig(
            durable_name=settings.durable,
            description="wabus workers",
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy(settings.deliver),
            ack_wait=settings.ack_wait,
            max_deliver=-1,  # the workers keep the bound (module doc)
            max_ack_pending=settings.max_ack_pending,
            filter_subject=server_filter,
        )
        stream, durable = self.stream.name, settings.durable
        try:
            info = await js.consumer_info(stream, durable)
        except nats.js.errors.NotFoundError:
            try:
                await js.add_consumer(stream, config)
            except nats.js.errors.APIError as err:
                try:  # another worker created it meanwhile: check it below
                    info = await js.consumer_info(stream, durable)
                except nats.js.errors.NotFoundError:
                    raise ConsumerRefused(durable, stream, server_filter, str(err)) from err
            else:
                _log.info("created consumer", stream=stream, consumer=durable, filter=server_filter)
                return
        await self._reconcile(js, info, config)

    async def _reconcile(
        self, js: JetStreamContext, info: ConsumerInfo, config: ConsumerConfig
    ) -> None:
        have = info.config
        durable = self.consumer.durable
        problems: list[str] = []
        if (have.filter_subject or "") != config.filter_subject:
            problems.append(f"filter {have.filter_subject!r}, not {config.filter_subject!r}")
        if have.ack_policy != AckPolicy.EXPLICIT:
            problems.append(f"ack policy {have.ack_policy}, not explicit")
        if have.deliver_policy != config.deliver_policy:
            problems.append(f"deliver policy {have.deliver_policy}, not {config.deliver_policy}")
        if problems:
            raise ConsumerMismatch(durable, problems)
        changed = {
            name: (getattr(have, name), getattr(config, name))
            for name in ("ack_wait", "max_ack_pending", "max_deliver")
            if getattr(have, name) != getattr(config, name)
        }
        if not changed:
            return
        try:
            await js.add_consumer(self.stream.name, config)
        except nats.js.errors.APIError as err:
            raise ConsumerMismatch(durable, [f"could not update {sorted(changed)}: {err}"]) from err
        _log.info("updated consumer", consumer=durable, **{k: v[1] for k, v in changed.items()})

    async def _consume(
        self,
        nc: Client,
        subscription: JetStreamContext.PullSubscription,
        js: JetStreamContext,
        bus: CoreEventBus,
        kinds: frozenset[str] | None,
        server_filter: str,
    ) -> None:
        batch = self.consumer.batch
        last_message = time.monotonic()
        failures = 0
        while True:
            try:
                messages = await subscription.fetch(batch, timeout=_FETCH_WAIT)
            except TimeoutError:  # nats-py raises its own and asyncio's, depending on the path
                idle = self._idle_timeout
                if not nc.is_connected:
                    last_message = time.monotonic()  # an outage is not idleness
                elif idle is not None and time.monotonic() - last_message >= idle:
                    _log.info("idle: stopping", consumer=self.consumer.durable, seconds=idle)
                    return
                continue
            except nats.errors.ConnectionClosedError as err:
                raise BridgeError("the NATS connection closed") from err
            except nats.errors.Error as err:
                # JetStream unavailable for a moment, the consumer deleted, a reconnection...
                self._warn("fetch failed; retrying", err)
                await anyio.sleep(min(0.1 * 2**failures, 5.0))
                failures += 1
                if isinstance(err, nats.js.errors.APIError):
                    with contextlib.suppress(nats.errors.Error, BridgeError):
                        await self._ensure_consumer(js, server_filter)
                continue
            failures = 0
            await self._handle_batch(messages, js, bus, kinds)
            last_message = time.monotonic()

    async def _handle_batch(
        self,
        messages: list[Msg],
        js: JetStreamContext,
        bus: CoreEventBus,
        kinds: frozenset[str] | None,
    ) -> None:
        done = 0
        slice_start = time.monotonic()
        try:
            for message in messages:
                # Handlers that never suspend would otherwise hold the loop for a whole batch:
                # give it a turn once per _SLICE (a stop or a cancellation takes effect there;
                # the client's flusher sends the acks so far in one write).
                if time.monotonic() - slice_start >= _SLICE:
                    await anyio.lowlevel.checkpoint()
                    slice_start = time.monotonic()
                await self._handle(message, js, bus, kinds)
                done += 1
        finally:
            if done < len(messages):  # cancelled: give the rest back now, not after ack_wait
                with anyio.CancelScope(shield=True), anyio.move_on_after(2):
                    await _nak_all(messages[done:])

    async def _handle(
        self,
        message: Msg,
        js: JetStreamContext,
        bus: CoreEventBus,
        kinds: frozenset[str] | None,
    ) -> None:
        metadata = message.metadata
        deliveries = metadata.num_delivered
        settings = self.consumer
        parsed = parse_subject(message.subject, self.stream.subject_prefix)
        if isinstance(parsed, str):
            reason = (
                DeadLetterReason.UNKNOWN_KIND
                if parsed.startswith("unknown event kind")
                else DeadLetterReason.BAD_SUBJECT
            )
            await self._dead_letter(js, message, reason, parsed)
            return
        if kinds is not None and parsed.kind not in kinds:
            await self._settle(message, "ack")
            self._stats.skipped += 1
            return
        if deliveries > settings.max_deliver:
            await self._dead_letter(
                js,
                message,
                DeadLetterReason.ATTEMPTS_EXHAUSTED,
                f"delivered {deliveries} times; max_deliver is {settings.max_deliver} and no"
                " worker settled it (they stopped while handling it, or overran ack_wait)",
            )
            return
        decoded = _decode(message.data, parsed)
        if isinstance(decoded, tuple):
            await self._dead_letter(js, message, *decoded)
            return
        headers = message.headers
        delivery = Delivery(
            subject=message.subject,
            account=parsed.account,
            kind=parsed.kind,
            stream=metadata.stream,
            consumer=metadata.consumer,
            stream_seq=metadata.sequence.stream,
            num_delivered=deliveries,
            msg_id=headers.get(Header.MSG_ID) if headers else None,
        )
        token = _DELIVERY.set(delivery)
        try:
            failures = await bus.publish(decoded)
        finally:
            _DELIVERY.reset(token)
        if not failures:
            await self._settle(message, "ack")
            self._stats.handled += 1
            return
        detail = "; ".join(
            f"{_describe(f.handler)} raised {type(f.error).__name__}: {f.error}" for f in failures
        )
        if deliveries >= settings.max_deliver:
            await self._dead_letter(
                js,
                message,
                DeadLetterReason.HANDLER_FAILED,
                f"attempt {deliveries} of {settings.max_deliver}: {detail}",
            )
            return
        await self._settle(message, "nak", settings.retry_delay(deliveries))
        self._stats.retried += 1

    async def _dead_letter(
        self, js: JetStreamContext, message: Msg, reason: DeadLetterReason, detail: str
    ) -> None:
        metadata = message.metadata
        headers = message.headers
        letter = DeadLetter(
            reason=reason,
            detail=_header_text(detail),
            subject=message.subject,
            stream=metadata.stream,
            stream_seq=metadata.sequence.stream,
            deliveries=metadata.num_delivered,
            consumer=self.consumer.durable,
            msg_id=headers.get(Header.MSG_ID) if headers else None,
            data=message.data,
        )
        subject = dead_letter_subject(
            self.dead_letters.subject_prefix, self.consumer.durable, message.subject
        )
        try:
            await js.publish(subject, message.data, headers=letter.headers())
        except (nats.errors.Error, TimeoutError) as err:
            self._warn("could not store a dead letter; the message will come back", err)
            await self._settle(message, "nak", self.consumer.retry_delay(metadata.num_delivered))
            return
        await self._settle(message, "term")
        self._stats.dead_lettered += 1
        self._stats.by_reason[reason.value] = self._stats.by_reason.get(reason.value, 0) + 1
        with contextlib.suppress(Exception):
            _log.warning(
                "dead letter",
                reason=reason.value,
                subject=message.subject,
                stream_seq=letter.stream_seq,
                deliveries=letter.deliveries,
                detail=letter.detail,
            )

    async def _settle(
        self, message: Msg, how: Literal["ack", "nak", "term"], delay: float | None = None
    ) -> None:
        """Ack, nak or term `message`; if that fails, JetStream redelivers it after ack_wait."""
        try:
            if how == "ack":
                await message.ack()
            elif how == "nak":
                await message.nak(delay=delay)
            else:
                await message.term()
        except nats.errors.Error as err:
            self._warn(f"could not {how} a message; it will be delivered again", err)

    def _warn(self, text: str, error: BaseException) -> None:
        now = time.monotonic()
        if now - self._last_warning < _WARN_PERIOD:
            return
        self._last_warning = now
        with contextlib.suppress(Exception):
            _log.warning(text, consumer=self.consumer.durable, error=repr(error))

    def __repr__(self) -> str:
        return f"<NatsSource stream={self.stream.name!r} consumer={self.consumer.durable!r}>"


def _decode(data: bytes, subject: EventSubject) -> BaseEvent | tuple[DeadLetterReason, str]:
    """The event in `data`, or why it is not one of the subject's kind."""
    cls = EVENTS_BY_KIND[subject.kind]
    try:
        return cls.model_validate_json(data)
    except ValidationError as err:
        errors = err.errors(include_url=False, include_input=False)
        first = errors[0] if errors else {"type": "", "loc": ()}
        if first["type"] == "json_invalid":
            return DeadLetterReason.NOT_JSON, f"not JSON: {first.get('msg', err)}"
        if first["type"] == "literal_error" and tuple(first["loc"]) == ("type",):
            claimed = _claimed_kind(data)
            if claimed is not None and claimed not in EVENTS_BY_KIND:
                return DeadLetterReason.UNKNOWN_KIND, f"unknown event kind {claimed!r}"
            return (
                DeadLetterReason.KIND_MISMATCH,
                f"the subject says {subject.kind!r}, the payload says {claimed!r}",
            )
        summary = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in errors[:5]
        )
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        return DeadLetterReason.NOT_AN_EVENT, f"not a valid {subject.kind} event: {summary}{more}"


def _claimed_kind(data: bytes) -> str | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    claimed = value.get("type") if isinstance(value, dict) else None
    return claimed if isinstance(claimed, str) else None


def _header_text(text: str) -> str:
    """`text` made safe for a header value: one line, ASCII, at most `_DETAIL_MAX` chars."""
    flat = " ".join(text.split())
    safe = flat.encode("ascii", "backslashreplace").decode("ascii")
    return safe if len(safe) <= _DETAIL_MAX else safe[: _DETAIL_MAX - 3] + "..."


def _describe(handler: object) -> str:
    name = getattr(handler, "__qualname__", None) or type(handler).__qualname__
    module = getattr(handler, "__module__", None)
    return f"{module}.{name}" if module else str(name)


async def _nak_all(messages: Iterable[Msg]) -> None:
    for message in messages:
        with contextlib.suppress(nats.errors.Error):
            await message.nak()
