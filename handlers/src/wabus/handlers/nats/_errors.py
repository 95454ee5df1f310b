"""The NATS bridge's errors: one root, `BridgeError`, under `WabusError`.

Errors about our own configuration or misuse (`InvalidSubjectToken`, `StreamMismatch`,
`ConsumerMismatch`, `ConsumerRefused`, `UnsupportedEventLoop`) are raised
before anything is published or consumed. Errors about the engine (`BridgeConnectError`,
`PublishIncomplete`) carry what a caller needs to act: the servers tried, the events not
confirmed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from wabus.core import WabusError

__all__ = [
    "BridgeConnectError",
    "BridgeError",
    "ConsumerMismatch",
    "ConsumerRefused",
    "EventTooLarge",
    "InvalidSubjectToken",
    "NoAccount",
    "OutgoingEvent",
    "PublishIncomplete",
    "PublisherClosed",
    "StreamMismatch",
    "UnsupportedEventLoop",
]


class OutgoingEvent(NamedTuple):
    """One event as the publisher sends it: subject, JSON payload and deduplication id."""

    subject: str
    """``<prefix>.<account>.<kind>``."""
    data: bytes
    """The event's JSON form."""
    msg_id: str
    """The ``Nats-Msg-Id`` header: the stream stores an event once per id (see `dedup_id`)."""


class BridgeError(WabusError):
    """Root of every error raised by the NATS bridge (`wabus.handlers.nats`)."""


class InvalidSubjectToken(BridgeError, ValueError):
    """A name used as one token of a NATS subject (an account, a prefix, a consumer) is not valid.

    `value` is what was given, `what` says which name it was and `reason` what is wrong.
    """

    def __init__(self, what: str, value: object, reason: str) -> None:
        super().__init__(f"invalid {what} {value!r}: {reason}")
        self.what = what
        self.value = value
        self.reason = reason


class UnsupportedEventLoop(BridgeError, RuntimeError):
    """The bridge runs on asyncio only (nats-py is asyncio-only), and was started on another loop.

    Run the bot with ``anyio.run(main, backend="asyncio")`` (anyio's default).
    """


class BridgeConnectError(BridgeError, ConnectionError):
    """No NATS server answered within the connect timeout.

    `servers` lists the addresses tried; `last_error` is the last error the client saw, if any.
    """

    def __init__(self, servers: Sequence[str], timeout: float, last_error: BaseException | None):
        detail = f": {last_error!r}" if last_error is not None else ""
        super().__init__(
            f"no NATS server answered at {', '.join(servers)} within {timeout:g}s{detail}"
        )
        self.servers = tuple(servers)
        self.timeout = timeout
        self.last_error = last_error


class StreamMismatch(BridgeError):
    """A JetStream stream of the configured name exists, but cannot serve as configured.

    It does not capture the subjects the bridge publishes to, or its retention or storage
    differs (those cannot be changed on a live stream). `problems` lists every difference.
    """

    def __init__(self, stream: str, problems: Sequence[str]) -> None:
        super().__init__(f"stream {stream!r} does not match its settings: " + "; ".join(problems))
        self.stream = stream
        self.problems = tuple(problems)


class ConsumerMismatch(BridgeError):
    """A durable consumer of the configured name exists with a configuration that cannot be
    updated to the one asked for (another filter, ack or deliver policy).

    Workers that share a durable consumer must agree on these. `problems` lists the differences.
    """

    def __init__(self, consumer: str, problems: Sequence[str]) -> None:
        super().__init__(
            f"consumer {consumer!r} exists with another configuration: " + "; ".join(problems)
        )
        self.consumer = consumer
        self.problems = tuple(problems)


class ConsumerRefused(BridgeError):
    """The server refused to create the durable consumer (none of that name existed).

    `consumer`, `stream` and `filter_subject` say what was asked for; `reason` is the server's
    answer.
    """

    def __init__(self, consumer: str, stream: str, filter_subject: str, reason: str) -> None:
        super().__init__(
            f"the server refused to create consumer {consumer!r} on stream {stream!r}"
            f" with filter {filter_subject!r}: {reason}"
        )
        self.consumer = consumer
        self.stream = stream
        self.filter_subject = filter_subject
        self.reason = reason


class PublisherClosed(BridgeError, RuntimeError):
    """An event reached a `NatsPublisher` that is not running (outside ``async with``).

    `event_json` is the event's JSON form, so that the caller can still keep it.
    """

    def __init__(self, event_json: bytes, reason: str = "the publisher is not running") -> None:
        super().__init__(f"{reason}; the event was not published")
        self.event_json = event_json
        self.reason = reason


class NoAccount(BridgeError, ValueError):
    """An event reached a `NatsPublisher` without an account: the event names none
    (`BaseEvent.account` is None) and the publisher was given none either.

    Give the publisher ``account=...`` (a one-account bot), or feed it from clients that stamp
    their events (``Client(account=...)``, `AccountPool`). `kind` is the event's kind.
    """

    def __init__(self, kind: str) -> None:
        super().__init__(
            f"a {kind!r} event names no account and the publisher has none: give"
            " NatsPublisher(account=...) or publish events stamped by Client(account=...)"
        )
        self.kind = kind


class EventTooLarge(BridgeError, ValueError):
    """An event's JSON form is larger than the NATS server accepts in one message.

    `outgoing` is the message that was not published; `limit` the server's maximum payload in
    bytes (``max_payload``, 1 MiB unless the server is configured otherwise).
    """

    def __init__(self, outgoing: OutgoingEvent, limit: int) -> None:
        super().__init__(
            f"the event on {outgoing.subject} is {len(outgoing.data)} bytes as JSON; the server"
            f" takes at most {limit} bytes per message"
        )
        self.outgoing = outgoing
        self.limit = limit


class PublishIncomplete(BridgeError):
    """The publisher closed while JetStream had not confirmed some events.

    `unconfirmed` holds an `OutgoingEvent` for each of them, in the order they were published.
    They may or may not be stored: republishing them with their ``msg_id`` is safe, as the
    stream drops duplicates by ``Nats-Msg-Id`` within its duplicate window.
    """

    def __init__(self, unconfirmed: Sequence[OutgoingEvent], reason: str) -> None:
        super().__init__(f"{len(unconfirmed)} event(s) not confirmed by JetStream: {reason}")
        self.unconfirmed = tuple(unconfirmed)
        self.reason = reason
