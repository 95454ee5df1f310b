"""`NatsPublisher` against a real NATS server: subjects, JSON, deduplication, outages."""

from __future__ import annotations

import time

import anyio
import pytest
import structlog.testing
from nats.js.api import RetentionPolicy, StreamConfig

from tests.core.events_fixtures import CONNECTED, DISCONNECTED, message
from tests.handlers.nats.conftest import Names, PrivateNats, free_port, jetstream, read_stream
from wabus.core import BaseEvent, Bot, CoreEventBus
from wabus.core.events import HistorySync, HistorySyncType, Message, event_from_json
from wabus.core.testing import ScriptedSource, sample_session
from wabus.handlers.nats import (
    IDENTIFIED_KINDS,
    BridgeConnectError,
    EventTooLarge,
    InvalidSubjectToken,
    NatsPublisher,
    NatsSource,
    NoAccount,
    PublisherClosed,
    PublishIncomplete,
    StreamMismatch,
    StreamSettings,
    UnsupportedEventLoop,
    dedup_id,
)

pytestmark = pytest.mark.anyio


async def test_events_go_to_account_kind_subjects_in_their_json_form(
    names: Names, nats_url: str
) -> None:
    events = sample_session()
    publisher = NatsPublisher(account=names.account, servers=nats_url, stream=names.stream)
    async with publisher:
        bot = Bot.builder().with_handler(publisher).with_source(ScriptedSource(events)).build()
        await bot.run()
    stats = publisher.stats()
    assert (stats.accepted, stats.confirmed, stats.duplicates, stats.pending) == (11, 11, 0, 0)
    async with jetstream(nats_url) as js:
        stored = await read_stream(js, names.stream.name)
    prefix = names.stream.subject_prefix
    assert [m.subject for m in stored] == [f"{prefix}.{names.account}.{e.type}" for e in events]
    assert [m.data for m in stored] == [e.to_json().encode() for e in events]
    assert [event_from_json(m.data) for m in stored] == events
    expected_ids = [
        dedup_id(names.account, e.to_json().encode(), None if e.type in IDENTIFIED_KINDS else 1)
        for e in events
    ]
    assert [(m.headers or {}).get("Nats-Msg-Id") for m in stored] == expected_ids


async def test_events_that_name_their_account_go_under_its_subjects(
    names: Names, nats_url: str
) -> None:
    # One publisher for a bus that several accounts' clients feed (AccountPool): each event
    # goes under the account it names; the publisher's own account serves events naming none.
    alice = message(1).model_copy().stamp_account("alice")
    bob = message(2).model_copy().stamp_account("bob")
    plain = message(3)
    publisher = NatsPublisher(account=names.account, servers=nats_url, stream=names.stream)
    async with publisher:
        for event in (alice, bob, plain):
            await publisher.publish(event)
    async with jetstream(nats_url) as js:
        stored = await read_stream(js, names.stream.name)
    prefix = names.stream.subject_prefix
    assert [m.subject for m in stored] == [
        f"{prefix}.alice.message",
        f"{prefix}.bob.message",
        f"{prefix}.{names.account}.message",
    ]
    assert [event_from_json(m.data).account for m in stored] == ["alice", "bob", None]
    assert (stored[0].headers or {}).get("Nats-Msg-Id") == dedup_id(
        "alice", alice.to_json().encode(), None
    )


async def test_without_an_account_every_event_must_name_one(names: Names, nats_url: str) -> None:
    publisher = NatsPublisher(servers=nats_url, stream=names.stream)
    assert publisher.account is None
    with pytest.raises(NoAccount, match="'message' event names no account"):
        publisher.outgoing(message(1))
    with pytest.raises(InvalidSubjectToken, match="account"):
        publisher.outgoing(message(2).model_copy().stamp_account("not.one.token"))
    bus = CoreEventBus()
    bus.subscribe(Message, publisher.publish)
    async with publisher, bus:
        # A failure of one event is that publish call's, and costs no other event.
        [failure] = await bus.publish(message(3))
        assert isinstance(failure.error, NoAccount)
        assert await bus.publish(message(4).model_copy().stamp_account("carol")) == ()
    async with jetstream(nats_url) as js:
        stored = await read_stream(js, names.stream.name)
    assert [m.subject for m in stored] == [f"{names.stream.subject_prefix}.carol.message"]


async def test_the_stream_is_created_with_the_settings_given(names: Names, nats_url: str) -> None:
    settings = StreamSettings(
        name=names.stream.name,
        subject_prefix=names.stream.subject_prefix,
        retention="interest",
        storage="memory",
        max_age=600,
        max_msgs=1000,
        max_bytes=1 << 20,
        duplicate_window=30,
    )
    async with NatsPublisher(account=names.account, servers=nats_url, stream=settings):
        pass
    async with jetstream(nats_url) as js:
        config = (await js.stream_info(settings.name)).config
    assert config.subjects == [f"{settings.subject_prefix}.>"]
    assert str(config.retention) in ("interest", "RetentionPolicy.INTEREST")
    assert str(config.storage) in ("memory", "StorageType.MEMORY")
    assert (config.max_age, config.max_msgs, config.max_bytes, config.duplicate_window) == (
        600,
        1000,
        1 << 20,
        30,
    )


async def test_a_republished_event_is_stored_once_a_repeated_state_twice(
    names: Names, nats_url: str
) -> None:
    session: list[BaseEvent] = [CONNECTED, message(1), DISCONNECTED, CONNECTED]
    first = NatsPublisher(account=names.account, servers=nats_url, stream=names.stream)
    async with first:
        for event in session:
            await first.publish(event)
        await first.publish(message(1))  # the same message delivered again: one stored
    assert (first.stats().confirmed, first.stats().duplicates) == (5, 1)

    restarted = NatsPublisher(account=names.account, servers=nats_url, stream=names.stream)
    async with restarted:  # a bridge restarted on the same session
        for event in session:
            await restarted.publish(event)
    assert (restarted.stats().confirmed, restarted.stats().duplicates) == (4, 4)

    other_account = NatsPublisher(account="someoneelse", servers=nats_url, stream=names.stream)
    async with other_account:
        await other_account.publish(CONNECTED)
    assert other_account.stats().duplicates == 0

    async with jetstream(nats_url) as js:
        stored = await read_stream(js, names.stream.name)
    kinds = [m.subject.rsplit(".", 1)[1] for m in stored]
    # The second Connected (a reconnection) is a distinct event and is kept.
    assert kinds == ["connected", "message", "disconnected", "connected", "connected"]


async def test_an_existing_stream_that_does_not_fit_is_refused(names: Names, nats_url: str) -> None:
    async with jetstream(nats_url) as js:
        await js.add_stream(
            StreamConfig(
                name=names.stream.name,
                subjects=[f"{names.stream.subject_prefix}.someone.>"],
                retention=RetentionPolicy.WORK_QUEUE,
            )
        )
    with pytest.raises(StreamMismatch) as caught:
        async with NatsPublisher(account=names.account, servers=nats_url, stream=names.stream):
            pass
    problems = " | ".join(caught.value.problems)
    assert f"not '{names.stream.subject_prefix}.{names.account}.message'" in problems
    assert "retention is workqueue, not limits" in problems


async def test_an_unreachable_server_is_a_clear_error_within_the_timeout() -> None:
    address = f"nats://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(BridgeConnectError) as caught:
        async with NatsPublisher(account="a1", servers=address, connect_timeout=0.5):
            pass
    assert time.monotonic() - started < 3
    assert caught.value.servers == (address,)
    assert "ConnectionRefusedError" in str(caught.value)


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_the_bridge_needs_asyncio(anyio_backend: str) -> None:
    with pytest.raises(UnsupportedEventLoop, match="asyncio"):
        async with NatsPublisher(account="a1"):
            pass
    source = NatsSource()
    with pytest.raises(UnsupportedEventLoop):
        await source.run(CoreEventBus())


async def test_refused_events_are_reported_not_lost_silently(names: Names, nats_url: str) -> None:
    publisher = NatsPublisher(account=names.account, servers=nats_url, stream=names.stream)
    with pytest.raises(PublisherClosed) as closed:
        await publisher.publish(CONNECTED)
    assert closed.value.event_json == CONNECTED.to_json().encode()

    huge = HistorySync(sync_type=HistorySyncType.FULL, raw=b"\0" * (1 << 20))
    failures: list[Exception] = []
    async with publisher:
        bot = (
            Bot.builder()
            .with_handler(publisher)
            .with_source(ScriptedSource([huge, CONNECTED]))
            .on_handler_error(lambda error, handler, event: failures.append(error))
            .build()
        )
        await bot.run()
    assert len(failures) == 1
    assert isinstance(failures[0], EventTooLarge)
    assert failures[0].outgoing.subject.endswith(".history_sync")
    assert publisher.stats().confirmed == 1  # the event after it still went


async def _read_ids(url: str, stream: str) -> list[str]:
    async with jetstream(url) as js:
        stored = await read_stream(js, stream)
    ids = []
    for m in stored:
        event = event_from_json(m.data)
        assert isinstance(event, Message)
        ids.append(event.info.id)
    return ids


async def test_events_published_while_nats_is_down_arrive_once_it_is_back(
    private_nats: PrivateNats,
) -> None:
    stream = StreamSettings(name="OUTAGE", subject_prefix="outage")
    publisher = NatsPublisher(
        account="a1", servers=private_nats.url, stream=stream, ack_timeout=0.5, close_timeout=30
    )
    with structlog.testing.capture_logs() as logs:
        async with publisher:
            for n in range(50):
                await publisher.publish(message(n))
            await publisher.flush()
            private_nats.kill()
            with anyio.fail_after(5):  # the bus is not held up while NATS is away
                for n in range(50, 150):
                    await publisher.publish(message(n))
            assert publisher.stats().pending == 100
            await anyio.sleep(1.5)  # several failed rounds
            private_nats.start()  # same store: the first 50 are still there
            with anyio.fail_after(20):
                await publisher.flush()
    stats = publisher.stats()
    assert (stats.confirmed, stats.pending) == (150, 0)
    assert stats.retries > 0
    assert any(e["event"] == "events not confirmed by JetStream; retrying" for e in logs)
    assert any(e["event"] == "JetStream confirms events again" for e in logs)
    ids = await _read_ids(private_nats.url, stream.name)
    assert sorted(ids, key=lambda i: int(i[1:])) == [f"M{n}" for n in range(150)]


async def test_events_never_confirmed_are_handed_back_when_closing(
    private_nats: PrivateNats,
) -> None:
    stream = StreamSettings(name="GONE", subject_prefix="gone")
    publisher = NatsPublisher(
        account="a1", servers=private_nats.url, stream=stream, ack_timeout=0.3, close_timeout=1
    )

    async def publish_then_lose_the_server() -> None:
        async with publisher:
            for n in range(5):
                await publisher.publish(message(n))
            await publisher.flush()
            private_nats.kill()
            for n in range(5, 15):
                await publisher.publish(message(n))

    with pytest.raises(PublishIncomplete) as caught:
        await publish_then_lose_the_server()
    unconfirmed = caught.value.unconfirmed
    assert [event_from_json(o.data).info.id for o in unconfirmed] == [  # type: ignore[union-attr]
        f"M{n}" for n in range(5, 15)
    ]
    assert all(o.msg_id == dedup_id("a1", o.data) for o in unconfirmed)
    assert all(o.subject == "gone.a1.message" for o in unconfirmed)
    with pytest.raises(PublisherClosed):
        await publisher.publish(CONNECTED)
