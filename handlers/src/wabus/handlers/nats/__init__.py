"""The NATS JetStream bridge: events across processes and machines (extra ``wabus-handlers[nats]``).

Two halves carry the events' JSON form through a durable JetStream stream:

- `NatsPublisher`, an event handler: every event it receives goes to subject
  ``wabus.<account>.<kind>`` on the stream ``WABUS`` (created when missing; see
  `StreamSettings`), with a ``Nats-Msg-Id`` (`dedup_id`) so that a republished event is stored
  once. Publishing is pipelined and never loses an event while NATS is away.
- `NatsSource`, an event `Source`: a durable pull consumer (`ConsumerSettings`) that any
  number of worker processes share, dispatching each message into the worker's bus and
  acknowledging it only after every handler ran. Failed handlers and dead workers lead to
  redelivery, a bounded number of times, then to a dead letter (`DeadLetter`) on
  ``wabus-dead.<consumer>.<subject>``, as do messages that are not events.

::

    # The bridge: a bot's events to JetStream.
    async with NatsPublisher(account="15550000001") as publisher:
        await Bot.builder().with_handler(publisher).with_source(client).build().run()

    # A worker: JetStream to this process's handlers.
    source = NatsSource(consumer=ConsumerSettings(durable="replies", kinds=frozenset({"message"})))
    await Bot.builder().with_source(source).with_handler(Replier()).build().run()

The ``wabus bridge`` and ``wabus worker`` commands run both from the command line. nats-py is
asyncio-only, so both halves need the asyncio event loop (anyio's default); on another they
raise `UnsupportedEventLoop`. Names live here only, not in `wabus.handlers`, so that
``import wabus.handlers`` works without the extra installed.
"""

try:
    import nats as _nats  # noqa: F401 - only checking that the extra is installed
except ImportError as _err:  # pragma: no cover - the test environment has the extra
    raise ImportError(
        "wabus.handlers.nats needs nats-py: pip install 'wabus-handlers[nats]'"
    ) from _err

from wabus.core import publicize
from wabus.handlers.nats._dedup import IDENTIFIED_KINDS, OccurrenceCounter, dedup_id
from wabus.handlers.nats._errors import (
    BridgeConnectError,
    BridgeError,
    ConsumerMismatch,
    ConsumerRefused,
    EventTooLarge,
    InvalidSubjectToken,
    NoAccount,
    OutgoingEvent,
    PublisherClosed,
    PublishIncomplete,
    StreamMismatch,
    UnsupportedEventLoop,
)
from wabus.handlers.nats._publisher import NatsPublisher, PublisherStats
from wabus.handlers.nats._source import (
    DEAD_LETTER_HEADERS,
    ConsumerSettings,
    DeadLetter,
    DeadLetterReason,
    Delivery,
    NatsSource,
    SourceStats,
    current_delivery,
)
from wabus.handlers.nats._streams import (
    DEFAULT_DEAD_LETTER_STREAM,
    DEFAULT_SERVERS,
    DEFAULT_STREAM,
    StreamSettings,
)
from wabus.handlers.nats._subjects import (
    DEFAULT_DEAD_LETTER_PREFIX,
    DEFAULT_PREFIX,
    EventSubject,
    dead_letter_subject,
    filter_subject,
    parse_subject,
    subject_for,
)

__all__ = [
    "DEAD_LETTER_HEADERS",
    "DEFAULT_DEAD_LETTER_PREFIX",
    "DEFAULT_DEAD_LETTER_STREAM",
    "DEFAULT_PREFIX",
    "DEFAULT_SERVERS",
    "DEFAULT_STREAM",
    "IDENTIFIED_KINDS",
    "BridgeConnectError",
    "BridgeError",
    "ConsumerMismatch",
    "ConsumerRefused",
    "ConsumerSettings",
    "DeadLetter",
    "DeadLetterReason",
    "Delivery",
    "EventSubject",
    "EventTooLarge",
    "InvalidSubjectToken",
    "NatsPublisher",
    "NatsSource",
    "NoAccount",
    "OccurrenceCounter",
    "OutgoingEvent",
    "PublishIncomplete",
    "PublisherClosed",
    "PublisherStats",
    "SourceStats",
    "StreamMismatch",
    "StreamSettings",
    "UnsupportedEventLoop",
    "current_delivery",
    "dead_letter_subject",
    "dedup_id",
    "filter_subject",
    "parse_subject",
    "subject_for",
]

publicize(globals())
