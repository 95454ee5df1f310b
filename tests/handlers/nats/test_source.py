"""`NatsSource` against a real NATS server: delivery, retries, dead letters, filters."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import anyio
import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from tests.core.events_fixtures import CONNECTED, message, receipt
from tests.handlers.nats.conftest import Names, PrivateNats, jetstream, read_stream
from wabus.core import BaseEvent, Bot, EventHandler
from wabus.core.events import Message
from wabus.core.testing import EventRecorder, sample_session
from wabus.handlers.nats import (
    ConsumerMismatch,
    ConsumerSettings,
    DeadLetter,
    DeadLetterReason,
    Delivery,
    NatsPublisher,
    NatsSource,
    StreamSettings,
    current_delivery,
    dedup_id,
    subject_for,
)

pytestmark = pytest.mark.anyio


async def _publish(names: Names, url: str, events: Sequence[BaseEvent], account: str = "") -> None:
    publisher = NatsPublisher(account=account or names.account, servers=url, stream=names.stream)
    async with publisher:
        for event in events:
            await publisher.publish(event)


def _source(names: Names, url: str, idle: float | None = 1.0, **consumer: Any) -> NatsSource:
    consumer.setdefault("durable", "workers")
    consumer.setdefault("retry_delays", (0.05,))
    return NatsSource(
        servers=url,
        stream=names.stream,
        dead_letters=names.dead,
        consumer=ConsumerSettings(**consumer),
        idle_timeout=idle,
    )


async def _run(source: NatsSource, *handlers: EventHandler) -> None:
    builder = Bot.builder()
    for handler in handlers:
        builder.with_handler(handler)
    with anyio.fail_after(30):
        await builder.with_source(source).build().run()


async def _dead_letters(names: Names, url: str) -> list[DeadLetter]:
    async with jetstream(url) as js:
        return [DeadLetter.from_msg(m) for m in await read_stream(js, names.dead.name)]


class _Deliveries(EventHandler):
    """Records each event with the delivery behind it."""

    def __init__(self) -> None:
        self.seen: list[tuple[BaseEvent, Delivery | None]] = []

    async def on_event(self, event: BaseEvent) -> None:
        self.seen.append((event, current_delivery()))


async def test_events_reach_the_bus_in_order_with_their_delivery(
    names: Names, nats_url: str
) -> None:
    events = sample_session()
    await _publish(names, nats_url, events)
    handler = _Deliveries()
    source = _source(names, nats_url)
    await _run(source, handler)
    assert [event for event, _ in handler.seen] == events
    deliveries = [d for _, d in handler.seen]
    assert all(d is not None for d in deliveries)
    first = deliveries[0]
    assert first is not None
    assert first.subject == subject_for(
        names.account, "pairing_qr_code", names.stream.subject_prefix
    )
    assert (first.account, first.kind, first.stream, first.consumer) == (
        names.account,
        "pairing_qr_code",
        names.stream.name,
        "workers",
    )
    assert [d.stream_seq for d in deliveries if d] == list(range(1, 12))
    assert not any(d.redelivered for d in deliveries if d)
    assert first.msg_id == dedup_id(names.account, events[0].to_json().encode(), 1)
    assert current_delivery() is None
    assert source.stats().handled == 11
    async with jetstream(nats_url) as js:
        info = await js.consumer_info(names.stream.name, "workers")
    assert (info.num_pending, info.num_ack_pending) == (0, 0)


class _FailsFirst(EventHandler):
    """Raises the first `times` times it sees each message id."""

    def __init__(self, times: int, only: str | None = None) -> None:
        self.times = times
        self.only = only
        self.calls: dict[str, int] = {}
        self.handled: list[str] = []

    def on_message(self, event: Message) -> None:
        key = event.info.id
        self.calls[key] = self.calls.get(key, 0) + 1
        if (self.only is None or key == self.only) and self.calls[key] <= self.times:
            raise RuntimeError(f"handler broke on {key}")
        self.handled.append(key)


async def test_a_failed_handler_leads_to_redelivery_then_an_ack(
    names: Names, nats_url: str
) -> None:
    await _publish(names, nats_url, [message(1), message(2)])
    flaky = _FailsFirst(times=2, only="M1")
    recorder = EventRecorder()
    source = _source(names, nats_url, max_deliver=3)
    # No error hook: the source settles each message from what its bus.publish returned.
    await _run(source, flaky, recorder)
    assert flaky.calls == {"M1": 3, "M2": 1}
    assert flaky.handled == ["M2", "M1"]  # M1 came back after its retries
    stats = source.stats()
    assert (stats.handled, stats.retried, stats.dead_lettered) == (2, 2, 0)
    assert await _dead_letters(names, nats_url) == []


async def test_a_handler_that_keeps_failing_sends_the_message_to_the_dead_letters(
    names: Names, nats_url: str
) -> None:
    await _publish(names, nats_url, [message(1), message(2), message(3)])
    broken = _FailsFirst(times=100, only="M2")
    source = _source(names, nats_url, max_deliver=3)
    await _run(source, broken)
    assert broken.calls["M2"] == 3  # exactly max_deliver attempts
    assert broken.handled == ["M1", "M3"]  # the consumer went on
    (letter,) = await _dead_letters(names, nats_url)
    assert letter.reason is DeadLetterReason.HANDLER_FAILED
    assert "attempt 3 of 3" in letter.detail
    assert "_FailsFirst.on_message raised RuntimeError: handler broke on M2" in letter.detail
    assert letter.subject == subject_for(names.account, "message", names.stream.subject_prefix)
    assert (letter.stream, letter.stream_seq, letter.deliveries, letter.consumer) == (
        names.stream.name,
        2,
        3,
        "workers",
    )
    assert letter.data == message(2).to_json().encode()
    assert letter.msg_id == dedup_id(names.account, letter.data)
    async with jetstream(nats_url) as js:
        info = await js.consumer_info(names.stream.name, "workers")
        (raw,) = await read_stream(js, names.dead.name)
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    assert raw.subject == f"{names.dead.subject_prefix}.workers.{letter.subject}"


async def test_poison_messages_become_dead_letters_and_never_stop_the_consumer(
    names: Names, nats_url: str
) -> None:
    await _publish(names, nats_url, [message(1)])  # creates the stream
    prefix, account = names.stream.subject_prefix, names.account
    poison = [
        (f"{prefix}.{account}.message", b"not json at all", DeadLetterReason.NOT_JSON),
        (f"{prefix}.{account}.bogus", b'{"type": "bogus"}', DeadLetterReason.UNKNOWN_KIND),
        (
            f"{prefix}.{account}.message",
            receipt(1).to_json().encode(),
            DeadLetterReason.KIND_MISMATCH,
        ),
        (f"{prefix}.{account}.message", b'{"type": "zzz"}', DeadLetterReason.UNKNOWN_KIND),
        (f"{prefix}.{account}.message", b'{"type": "message"}', DeadLetterReason.NOT_AN_EVENT),
        (f"{prefix}.{account}.message", b"[1, 2]", DeadLetterReason.NOT_AN_EVENT),
    ]
    async with jetstream(nats_url) as js:
        for subject, data, _ in poison:
            await js.publish(subject, data)
    await _publish(names, nats_url, [message(2)])
    recorder = EventRecorder()
    source = _source(names, nats_url)
    await _run(source, recorder)
    assert [e.info.id for e in recorder.of_type(Message)] == ["M1", "M2"]
    letters = await _dead_letters(names, nats_url)
    assert [(letter.subject, letter.data, letter.reason) for letter in letters] == poison
    assert all(letter.deliveries == 1 for letter in letters)  # no retries for bad input
    details = [letter.detail for letter in letters]
    assert details[0].startswith("not JSON")
    assert "unknown event kind 'bogus'" in details[1]
    assert "the subject says 'message', the payload says 'receipt'" in details[2]
    assert "unknown event kind 'zzz'" in details[3]
    assert details[4].startswith("not a valid message event: info: Field required")
    assert source.stats().by_reason == {
        "not-json": 1,
        "unknown-kind": 2,
        "kind-mismatch": 1,
        "not-an-event": 2,
    }


async def test_a_message_that_kills_its_workers_is_given_up_without_running_handlers(
    names: Names, nats_url: str
) -> None:
    await _publish(names, nats_url, [message(1)])
    source = _source(names, nats_url, durable="crashy", max_deliver=2, ack_wait=0.5)
    # A worker that takes the message and dies, twice: fetch without settling.
    async with jetstream(nats_url) as js:
        await js.add_consumer(
            names.stream.name,
            ConsumerConfig(
                durable_name="crashy",
                description="wabus workers",
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=0.5,
                max_deliver=-1,
                max_ack_pending=1000,
                filter_subject=f"{names.stream.subject_prefix}.*.*",
            ),
        )
        dead_worker = await js.pull_subscribe_bind("crashy", stream=names.stream.name)
        for attempt in (1, 2):
            with anyio.fail_after(20):
                while True:  # JetStream gives it out again once ack_wait has passed
                    try:
                        (taken,) = await dead_worker.fetch(1, timeout=1)
                    except TimeoutError:
                        continue
                    break
            assert taken.metadata.num_delivered == attempt
        await anyio.sleep(0.6)  # past ack_wait for the second one too
        await dead_worker.unsubscribe()
    recorder = EventRecorder()
    await _run(source, recorder)
    assert recorder.events == ()
    (letter,) = await _dead_letters(names, nats_url)
    assert letter.reason is DeadLetterReason.ATTEMPTS_EXHAUSTED
    assert letter.deliveries == 3
    assert "max_deliver is 2" in letter.detail


async def test_kinds_and_accounts_filter_what_reaches_the_handlers(
    names: Names, nats_url: str
) -> None:
    await _publish(names, nats_url, [message(1), receipt(1), CONNECTED, message(2)])
    await _publish(names, nats_url, [message(3)], account="other")

    only_messages = EventRecorder()
    one_kind = _source(names, nats_url, durable="messages", kinds=frozenset({"message"}))
    await _run(one_kind, only_messages)
    assert [e.info.id for e in only_messages.of_type(Message)] == ["M1", "M2", "M3"]
    assert len(only_messages) == 3
    assert one_kind.stats().skipped == 0  # filtered by the server

    two = EventRecorder()
    two_kinds = _source(
        names,
        nats_url,
        durable="two",
        account=names.account,
        kinds=frozenset({"message", "receipt"}),
    )
    await _run(two_kinds, two)
    assert two.kinds() == ["message", "receipt", "message"]
    assert two_kinds.stats().skipped == 1  # the Connected, acknowledged unseen

    async with jetstream(nats_url) as js:
        one_info = await js.consumer_info(names.stream.name, "messages")
        two_info = await js.consumer_info(names.stream.name, "two")
    prefix = names.stream.subject_prefix
    assert one_info.config.filter_subject == f"{prefix}.*.message"
    assert two_info.config.filter_subject == f"{prefix}.{names.account}.*"
    assert two_info.num_ack_pending == two_info.num_pending == 0


async def test_workers_sharing_a_consumer_must_agree_on_its_filter(
    names: Names, nats_url: str
) -> None:
    await _publish(names, nats_url, [message(1)])
    await _run(_source(names, nats_url, durable="shared", kinds=frozenset({"message"})))
    other = _source(names, nats_url, durable="shared", kinds=frozenset({"receipt"}))
    with pytest.raises(ConsumerMismatch, match="filter"):
        await _run(other)
    # Settings the server can change are updated instead.
    longer = _source(names, nats_url, durable="shared", kinds=frozenset({"message"}), ack_wait=9)
    await _run(longer)
    async with jetstream(nats_url) as js:
        info = await js.consumer_info(names.stream.name, "shared")
    assert info.config.ack_wait == 9


async def test_stopping_a_worker_gives_back_what_it_fetched_at_once(
    names: Names, nats_url: str
) -> None:
    await _publish(names, nats_url, [message(n) for n in range(10)])
    bot_box: list[Bot] = []
    started: list[str] = []

    class StopsDuringTheFirst(EventHandler):
        async def on_message(self, event: Message) -> None:
            started.append(event.info.id)
            bot_box[0].stop()
            await anyio.sleep(10)  # cancelled: this message was not handled

    # ack_wait is long: without naks on the way out, everything would wait 60 s.
    first = _source(names, nats_url, batch=10, ack_wait=60, idle=None)
    bot = Bot.builder().with_source(first).with_handler(StopsDuringTheFirst()).build()
    bot_box.append(bot)
    with anyio.fail_after(30):
        await bot.run()
    assert started == ["M0"]
    assert first.stats().handled == 0

    # Within a second, not after ack_wait: the next worker gets all ten, M0 again.
    rest = _Deliveries()
    second = _source(names, nats_url, batch=10, ack_wait=60, idle=1.0)
    await _run(second, rest)
    handled = {e.info.id: d for e, d in rest.seen if isinstance(e, Message)}
    assert sorted(handled, key=lambda i: int(i[1:])) == [f"M{n}" for n in range(10)]
    assert len(rest.seen) == 10
    m0 = handled["M0"]
    assert m0 is not None and m0.redelivered


async def test_dead_letters_read_back_their_headers(names: Names, nats_url: str) -> None:
    async with jetstream(nats_url) as js:
        await js.add_stream(name=names.dead.name, subjects=[f"{names.dead.subject_prefix}.>"])
        await js.publish(f"{names.dead.subject_prefix}.x", b"{}", headers={"Other": "1"})
        (message_without_headers,) = await read_stream(js, names.dead.name)
    with pytest.raises(ValueError, match="not a dead letter"):
        DeadLetter.from_msg(message_without_headers)
    assert json.loads(message_without_headers.data) == {}


async def test_a_worker_rides_out_a_nats_restart(private_nats: PrivateNats) -> None:
    stream = StreamSettings(name="RIDE", subject_prefix="ride")
    dead = StreamSettings(name="RIDE_DEAD", subject_prefix="ride-dead")

    async def publish(numbers: range) -> None:
        async with NatsPublisher(account="a1", servers=private_nats.url, stream=stream) as pub:
            for n in numbers:
                await pub.publish(message(n))

    await publish(range(5))
    recorder = EventRecorder()
    source = NatsSource(
        servers=private_nats.url,
        stream=stream,
        dead_letters=dead,
        consumer=ConsumerSettings(durable="riders"),
    )
    bot = Bot.builder().with_source(source).with_handler(recorder).build()
    async with bot:
        await recorder.wait_for(lambda e: isinstance(e, Message) and e.info.id == "M4", timeout=10)
        private_nats.kill()
        await anyio.sleep(1.5)  # the worker keeps fetching into a dead connection meanwhile
        private_nats.start()
        await publish(range(5, 10))
        await recorder.wait_for(lambda e: isinstance(e, Message) and e.info.id == "M9", timeout=20)
        bot.stop()
    ids = [e.info.id for e in recorder.of_type(Message)]
    assert sorted(set(ids), key=lambda i: int(i[1:])) == [f"M{n}" for n in range(10)]
