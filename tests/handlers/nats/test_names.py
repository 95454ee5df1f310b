"""Subjects, names, deduplication ids and settings: the parts that need no server."""

from __future__ import annotations

import pytest

from wabus.core.events import EVENTS_BY_KIND
from wabus.handlers.nats import (
    DEFAULT_DEAD_LETTER_STREAM,
    DEFAULT_STREAM,
    IDENTIFIED_KINDS,
    ConsumerSettings,
    EventSubject,
    InvalidSubjectToken,
    NatsPublisher,
    NatsSource,
    OccurrenceCounter,
    StreamSettings,
    dead_letter_subject,
    dedup_id,
    filter_subject,
    parse_subject,
    subject_for,
)
from wabus.handlers.nats._streams import server_subjects_match


def test_subjects_name_account_and_kind() -> None:
    assert subject_for("15550000001", "message") == "wabus.15550000001.message"
    assert subject_for("a", "receipt", "acme.wabus") == "acme.wabus.a.receipt"
    assert filter_subject() == "wabus.*.*"
    assert filter_subject("a") == "wabus.a.*"
    assert filter_subject(None, "message", "p") == "p.*.message"
    assert dead_letter_subject("wabus-dead", "workers", "wabus.a.message") == (
        "wabus-dead.workers.wabus.a.message"
    )


def test_parse_subject_takes_subjects_apart_or_says_why_not() -> None:
    assert parse_subject("wabus.a1.message") == EventSubject("a1", "message")
    assert parse_subject("acme.wabus.a1.receipt", "acme.wabus") == EventSubject("a1", "receipt")
    assert "does not start with" in str(parse_subject("other.a1.message"))
    assert "is not wabus.<account>.<kind>" in str(parse_subject("wabus.a1.message.x"))
    assert "is not wabus.<account>.<kind>" in str(parse_subject("wabus.a1"))
    assert "unknown event kind 'bogus'" in str(parse_subject("wabus.a1.bogus"))


@pytest.mark.parametrize("bad", ["", "a.b", "a b", "*", ">", "ü", "x" * 129, 7])
def test_names_that_would_break_subjects_are_refused(bad: object) -> None:
    with pytest.raises(InvalidSubjectToken) as caught:
        NatsPublisher(account=bad)  # type: ignore[arg-type]
    assert caught.value.what == "account"
    assert isinstance(caught.value, ValueError)


def test_stream_settings_are_checked_when_made() -> None:
    assert DEFAULT_STREAM.subjects == ("wabus.>",)
    assert DEFAULT_DEAD_LETTER_STREAM.subjects == ("wabus-dead.>",)
    with pytest.raises(InvalidSubjectToken):
        StreamSettings(name="has.dot")
    with pytest.raises(InvalidSubjectToken):
        StreamSettings(subject_prefix="a..b")
    with pytest.raises(ValueError, match="retention must be") as caught:
        StreamSettings(retention="forever", max_age=-1, replicas=9)  # type: ignore[arg-type]
    assert "max_age must be a positive number" in str(caught.value)
    assert "replicas must be 1 to 5" in str(caught.value)
    config = StreamSettings(name="S", max_age=None, max_msgs=10).to_config()
    assert (config.name, config.subjects, config.max_msgs, config.max_bytes) == (
        "S",
        ["wabus.>"],
        10,
        -1,
    )


def test_consumer_settings_choose_server_and_worker_filters() -> None:
    assert ConsumerSettings().filters("wabus") == ("wabus.*.*", None)
    one = ConsumerSettings(account="a1", kinds=frozenset({"message"}))
    assert one.filters("wabus") == ("wabus.a1.message", None)
    two = ConsumerSettings(kinds=frozenset({"message", "receipt"}))
    assert two.filters("p") == ("p.*.*", frozenset({"message", "receipt"}))
    with pytest.raises(ValueError, match="unknown: \\['bogus'\\]"):
        ConsumerSettings(kinds=frozenset({"bogus"}))
    with pytest.raises(ValueError, match="max_deliver must be a positive int"):
        ConsumerSettings(max_deliver=0)
    with pytest.raises(ValueError, match="retry_delays"):
        ConsumerSettings(retry_delays=())
    with pytest.raises(InvalidSubjectToken):
        ConsumerSettings(durable="a.b")


def test_retry_delays_follow_the_attempts_then_repeat() -> None:
    settings = ConsumerSettings(retry_delays=(0.5, 2.0))
    assert [settings.retry_delay(n) for n in (1, 2, 3, 9)] == [0.5, 2.0, 2.0, 2.0]


def test_the_dead_letter_stream_must_not_overlap_the_events_stream() -> None:
    with pytest.raises(ValueError, match="own name and subject prefix"):
        NatsSource(dead_letters=StreamSettings(name="OTHER"))


def test_wildcard_matching_follows_nats() -> None:
    assert server_subjects_match("wabus.>", "wabus.a.message")
    assert not server_subjects_match("wabus.>", "wabus")
    assert server_subjects_match("wabus.*.message", "wabus.a.message")
    assert not server_subjects_match("wabus.*.message", "wabus.a.receipt")
    assert not server_subjects_match("wabus.*", "wabus.a.message")
    assert server_subjects_match(">", "anything.at.all")


def test_dedup_ids_depend_on_account_payload_and_occurrence() -> None:
    data = b'{"type":"connected"}'
    first = dedup_id("a1", data)
    assert first == dedup_id("a1", data)  # stable: a republish maps to the same id
    assert len(first) == 32
    assert dedup_id("a2", data) != first
    assert dedup_id("a1", b'{"type":"stream_replaced"}') != first
    assert dedup_id("a1", data, 1) == first + "-1"
    assert dedup_id("a1", data, 2) == first + "-2"


def test_identified_kinds_are_real_kinds_and_state_changes_are_counted() -> None:
    # Derived from the classes (BaseEvent.identified), which tests/core/test_event_facts.py checks.
    assert {kind for kind, cls in EVENTS_BY_KIND.items() if cls.identified} == IDENTIFIED_KINDS
    assert {"message", "receipt", "pin_update"} <= IDENTIFIED_KINDS
    # Kinds that repeat with the same JSON as distinct occurrences must be counted.
    for kind in ("connected", "disconnected", "presence", "chat_presence", "stream_replaced"):
        assert kind not in IDENTIFIED_KINDS


def test_occurrences_are_counted_within_the_window() -> None:
    now = [0.0]
    counter = OccurrenceCounter(10.0, clock=lambda: now[0])
    assert [counter.count(b"a"), counter.count(b"a"), counter.count(b"b")] == [1, 2, 1]
    now[0] = 9.0
    assert counter.count(b"a") == 3  # 9 s after the last one: still in the window
    now[0] = 15.0
    assert counter.count(b"b") == 1  # 15 s after its last one: forgotten
    assert len(counter) == 2
    now[0] = 30.0
    assert counter.count(b"c") == 1
    assert len(counter) == 1  # everything older than the window is gone
