"""CoreEventBus: synchronous delivery, ordering, error isolation, subscription management."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import structlog

from tests.core.events_fixtures import CONNECTED, DISCONNECTED, message, receipt
from wabus.core import (
    BaseEvent,
    BusError,
    CoreEventBus,
    Event,
    EventHandler,
    HandlerFailure,
    HandlersFailed,
    Subscription,
    WabusError,
    event_classes,
)
from wabus.core.events import (
    Connected,
    ConnectionEvent,
    Disconnected,
    Message,
    MessageEvent,
    Receipt,
)


def test_handlers_run_in_registration_order() -> None:
    bus = CoreEventBus()
    calls: list[str] = []
    bus.subscribe(Message, lambda e: calls.append("a"))
    bus.subscribe(BaseEvent, lambda e: calls.append("all"))
    bus.subscribe(MessageEvent, lambda e: calls.append("category"))
    bus.subscribe(Message, lambda e: calls.append("b"))
    bus.dispatch(message())
    assert calls == ["a", "all", "category", "b"]
    calls.clear()
    bus.dispatch(CONNECTED)
    assert calls == ["all"]


def test_subscribing_to_bases_unions_and_event() -> None:
    bus = CoreEventBus()
    seen: dict[str, list[str]] = {"event": [], "union": [], "conn": [], "typing_union": []}
    bus.subscribe(Event, lambda e: seen["event"].append(e.type))
    bus.subscribe(Message | Receipt, lambda e: seen["union"].append(e.type))
    bus.subscribe(ConnectionEvent, lambda e: seen["conn"].append(e.type))
    bus.subscribe(Connected | Disconnected, lambda e: seen["typing_union"].append(e.type))
    for event in (message(), receipt(), CONNECTED, DISCONNECTED):
        bus.dispatch(event)
    assert seen["event"] == ["message", "receipt", "connected", "disconnected"]
    assert seen["union"] == ["message", "receipt"]
    assert seen["conn"] == ["connected", "disconnected"]
    assert seen["typing_union"] == ["connected", "disconnected"]


def test_event_classes_normalises_what_a_subscription_takes() -> None:
    assert event_classes(Event) == (BaseEvent,)
    assert event_classes(Message) == (Message,)
    assert event_classes(Message | Receipt) == (Message, Receipt)
    assert event_classes((Message, (Receipt, Message), ConnectionEvent)) == (
        Message,
        Receipt,
        ConnectionEvent,
    )
    with pytest.raises(TypeError, match="expected an event class"):
        event_classes(())


@pytest.mark.parametrize("bad", [int, "message", None, Message | int])
def test_subscribe_rejects_non_events(bad: Any) -> None:
    with pytest.raises(TypeError, match="expected an event class"):
        CoreEventBus().subscribe(bad, print)


def test_subscribe_rejects_non_callables() -> None:
    with pytest.raises(TypeError, match="callback must be callable"):
        CoreEventBus().subscribe(Message, "print")  # type: ignore[call-overload]


def test_dispatch_rejects_non_events() -> None:
    with pytest.raises(TypeError, match="can only dispatch events"):
        CoreEventBus().dispatch("hello")  # type: ignore[arg-type]


def test_dispatch_with_no_handlers_is_a_no_op() -> None:
    bus = CoreEventBus()
    bus.dispatch(message())
    assert not bus.has_handlers()


def test_a_failing_handler_does_not_stop_the_others() -> None:
    bus = CoreEventBus()
    calls: list[str] = []

    def broken(event: BaseEvent) -> None:
        raise RuntimeError("boom")

    bus.subscribe(Message, lambda e: calls.append("first"))
    bus.subscribe(Message, broken)
    bus.subscribe(Message, lambda e: calls.append("third"))
    event = message()
    with structlog.testing.capture_logs() as logs:
        failures = bus.dispatch(event)
    assert calls == ["first", "third"]
    (failure,) = failures
    assert isinstance(failure, HandlerFailure)
    assert str(failure.error) == "boom"
    assert failure.handler is broken
    assert failure.event is event
    assert logs[0]["event"] == "event handler failed"
    assert logs[0]["log_level"] == "error"
    assert logs[0]["event_type"] == "message"
    assert logs[0]["handler"].endswith("broken")
    assert isinstance(logs[0]["exc_info"], RuntimeError)


def test_dispatch_returns_every_failure_of_its_own_handlers_in_order() -> None:
    bus = CoreEventBus()

    def first(event: BaseEvent) -> None:
        raise ValueError("first")

    def second(event: BaseEvent) -> None:
        raise KeyError("second")

    bus.subscribe(Message, first)
    bus.subscribe(Message, lambda e: None)
    bus.subscribe(Message, second)
    one, two = message(1), message(2)
    failed = bus.dispatch(one)
    assert [(f.handler, type(f.error), f.event) for f in failed] == [
        (first, ValueError, one),
        (second, KeyError, one),
    ]
    assert [f.event for f in bus.dispatch(two)] == [two, two]  # nothing carried over


def test_a_call_without_failures_returns_one_shared_empty_tuple() -> None:
    bus = CoreEventBus()
    bus.subscribe(Message, lambda e: None)
    bus.subscribe(Receipt, lambda e: None)
    bus.subscribe(Receipt, lambda e: None)
    results = [bus.dispatch(message()), bus.dispatch(receipt()), bus.dispatch(CONNECTED)]
    assert results == [(), (), ()]
    assert results[0] is results[1] is results[2]


def test_raise_errors_raises_the_failures_as_one_group_after_every_handler_ran() -> None:
    bus = CoreEventBus()
    calls: list[str] = []

    def broken(event: BaseEvent) -> None:
        raise ValueError("broken")

    def also_broken(event: BaseEvent) -> None:
        raise LookupError("also broken")

    bus.subscribe(Message, broken)
    bus.subscribe(Message, lambda e: calls.append("after"))
    bus.subscribe(Message, also_broken)
    event = message()
    with pytest.raises(HandlersFailed) as caught:
        bus.dispatch(event, raise_errors=True)
    group = caught.value
    assert calls == ["after"]
    assert isinstance(group, ExceptionGroup)
    assert isinstance(group, BusError)
    assert isinstance(group, WabusError)
    assert [type(e) for e in group.exceptions] == [ValueError, LookupError]
    assert [f.handler for f in group.failures] == [broken, also_broken]
    assert group.event is event
    assert str(group) == "2 handler(s) failed on a message event (2 sub-exceptions)"
    picked: list[BaseException] = []
    try:
        bus.dispatch(event, raise_errors=True)
    except* LookupError as only:
        picked.extend(only.exceptions)
    except* ValueError:
        pass
    assert [type(e) for e in picked] == [LookupError]
    assert bus.dispatch(receipt(), raise_errors=True) == ()  # nothing failed, nothing raised


def test_the_error_hook_hears_what_dispatch_returns() -> None:
    heard: list[tuple[Exception, Any, BaseEvent]] = []
    bus = CoreEventBus(on_handler_error=lambda exc, h, e: heard.append((exc, h, e)))

    def broken(event: BaseEvent) -> None:
        raise RuntimeError("boom")

    bus.subscribe(Message, broken)
    (failure,) = bus.dispatch(message())
    assert heard == [(failure.error, failure.handler, failure.event)]
    with pytest.raises(HandlersFailed):
        bus.dispatch(message(), raise_errors=True)
    assert len(heard) == 2  # raising does not skip the hook


def test_a_failing_error_hook_is_logged_and_swallowed() -> None:
    def hook(exc: Exception, handler: Any, event: BaseEvent) -> None:
        raise ValueError("hook broke")

    bus = CoreEventBus(on_handler_error=hook)
    bus.subscribe(Message, lambda e: 1 / 0)
    after: list[BaseEvent] = []
    bus.subscribe(Message, after.append)
    with structlog.testing.capture_logs() as logs:
        bus.dispatch(message())
    assert len(after) == 1
    assert [entry["event"] for entry in logs] == [
        "event handler failed",
        "on_handler_error hook failed",
    ]


def test_failure_reporting_survives_a_failing_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    import wabus.core._bus as bus_module

    class BrokenLogger:
        def error(self, *args: object, **kwargs: object) -> None:
            raise BrokenPipeError("stdout is gone")

    monkeypatch.setattr(bus_module, "_log", BrokenLogger())
    bus = CoreEventBus()
    after: list[BaseEvent] = []
    bus.subscribe(Message, lambda e: 1 / 0)
    bus.subscribe(Message, after.append)
    failures = bus.dispatch(message())
    assert len(after) == 1
    assert [type(f.error) for f in failures] == [ZeroDivisionError]


def test_base_exceptions_propagate() -> None:
    bus = CoreEventBus()

    def interrupt(event: BaseEvent) -> None:
        raise KeyboardInterrupt

    bus.subscribe(Message, interrupt)
    with pytest.raises(KeyboardInterrupt):
        bus.dispatch(message())


def test_subscription_close_and_context_manager() -> None:
    bus = CoreEventBus()
    seen: list[BaseEvent] = []
    sub = bus.subscribe(Message, seen.append)
    assert isinstance(sub, Subscription)
    assert bool(sub.active)  # bool(): keep mypy from narrowing the property for good
    assert sub.callback == seen.append
    assert sub.event_types == (Message,)
    assert "Subscription" in repr(sub)
    bus.dispatch(message(1))
    sub.close()
    sub.close()  # idempotent
    assert not sub.active
    bus.dispatch(message(2))
    assert [e.info.id for e in seen if isinstance(e, Message)] == ["M1"]
    with bus.subscribe(Message, seen.append):
        bus.dispatch(message(3))
    bus.dispatch(message(4))
    assert [e.info.id for e in seen if isinstance(e, Message)] == ["M1", "M3"]


def test_subscribing_during_dispatch_takes_effect_next_time() -> None:
    bus = CoreEventBus()
    late: list[BaseEvent] = []
    subs: list[Subscription] = []

    def adder(event: BaseEvent) -> None:
        if not subs:
            subs.append(bus.subscribe(Message, late.append))

    bus.subscribe(Message, adder)
    bus.dispatch(message(1))
    assert late == []
    bus.dispatch(message(2))
    assert len(late) == 1


def test_unsubscribing_during_dispatch_does_not_corrupt_it() -> None:
    bus = CoreEventBus()
    calls: list[str] = []
    subs: dict[str, Subscription] = {}

    def first(event: BaseEvent) -> None:
        calls.append("first")
        subs["first"].close()
        subs["third"].close()

    subs["first"] = bus.subscribe(Message, first)
    subs["second"] = bus.subscribe(Message, lambda e: calls.append("second"))
    subs["third"] = bus.subscribe(Message, lambda e: calls.append("third"))
    bus.dispatch(message(1))
    # The dispatch under way keeps the snapshot it started with.
    assert calls == ["first", "second", "third"]
    calls.clear()
    bus.dispatch(message(2))
    assert calls == ["second"]


def test_has_handlers() -> None:
    bus = CoreEventBus()
    assert not bus.has_handlers()
    assert not bus.has_handlers(Message)
    with bus.subscribe(Message, print):
        assert bus.has_handlers()
        assert bus.has_handlers(Message)
        assert bus.has_handlers(MessageEvent)  # a category with a subscribed member
        assert bus.has_handlers(Event)
        assert not bus.has_handlers(Receipt)
        assert not bus.has_handlers(ConnectionEvent)
    with bus.subscribe(BaseEvent, print):
        assert bus.has_handlers(Receipt)
        assert bus.has_handlers(Connected | Disconnected)
    assert not bus.has_handlers()


def test_has_handlers_answers_follow_every_change() -> None:
    bus = CoreEventBus()
    assert not bus.has_handlers(Message)  # asked (and cached) before anything subscribes
    subscription = bus.subscribe(Message, print)
    assert bus.has_handlers(Message) and bus.has_handlers(Message)
    assert bus.has_handlers((Receipt, Message))  # a tuple is asked about as a whole
    assert not bus.has_handlers(Receipt)
    subscription.close()
    assert not bus.has_handlers(Message)
    assert not bus.has_handlers((Receipt, Message))


def test_a_once_subscription_takes_one_event_and_closes_before_it_runs() -> None:
    bus = CoreEventBus()
    seen: list[tuple[str, bool]] = []
    holder: list[Subscription] = []

    def first(event: BaseEvent) -> None:
        seen.append((event.type, holder[0].active))

    holder.append(bus.subscribe(BaseEvent, first, once=True))
    assert holder[0].once and holder[0].callback is first
    assert "once" in repr(holder[0])
    bus.dispatch(CONNECTED)
    bus.dispatch(message())
    assert seen == [("connected", False)]  # closed already while it ran
    assert not bus.has_handlers()


def test_a_once_subscription_is_spent_by_an_accepted_event_only() -> None:
    bus = CoreEventBus()
    ids: list[str] = []
    bus.subscribe(
        Message, lambda e: ids.append(e.info.id), accepts=lambda e: e.info.id == "M2", once=True
    )
    for n in (1, 2, 2):
        bus.dispatch(message(n))
    assert ids == ["M2"]


def test_a_failing_once_callback_is_reported_and_still_spent() -> None:
    bus = CoreEventBus()

    def broken(event: BaseEvent) -> None:
        raise RuntimeError("once and broken")

    bus.subscribe(Message, broken, once=True)
    (failure,) = bus.dispatch(message())
    assert failure.handler is broken  # the user's callback, not the wrapper
    assert bus.dispatch(message()) == ()


def _race_once() -> list[int]:
    """Four threads dispatch to one once-subscription at the same moment; its calls."""
    bus = CoreEventBus()
    calls: list[int] = []
    bus.subscribe(Message, lambda e: calls.append(1), once=True)
    start = threading.Barrier(4)

    def race() -> None:
        start.wait()
        for _ in range(50):
            bus.dispatch(message())

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return calls


def test_racing_dispatches_deliver_a_once_subscription_exactly_once() -> None:
    for _ in range(20):
        assert _race_once() == [1]


def test_subscriptions_lists_live_handles_in_registration_order() -> None:
    bus = CoreEventBus()
    a = bus.subscribe(Message, print)
    b = bus.subscribe(BaseEvent, repr)
    c = bus.subscribe(Receipt, str)
    assert bus.subscriptions() == (a, b, c)
    assert bus.subscriptions(Message) == (a, b)  # what a Message reaches
    assert bus.subscriptions(Receipt | Message) == (a, b, c)
    assert [s.callback for s in bus.subscriptions(Connected)] == [repr]
    assert len({a, bus.subscriptions(Message)[0]}) == 1  # handles of one subscription are equal
    bus.subscriptions(Message)[1].close()
    assert bus.subscriptions() == (a, c) and not b.active


def test_log_failures_off_keeps_the_return_value_and_the_hook() -> None:
    heard: list[Exception] = []
    bus = CoreEventBus(log_failures=False, on_handler_error=lambda exc, h, e: heard.append(exc))
    bus.subscribe(Message, lambda e: 1 / 0)
    with structlog.testing.capture_logs() as logs:
        (failure,) = bus.dispatch(message())
    assert logs == []
    assert heard == [failure.error]


def test_routes_are_recomputed_after_changes() -> None:
    bus = CoreEventBus()
    seen: list[str] = []
    bus.subscribe(Message, lambda e: seen.append("a"))
    bus.dispatch(message())  # fills the route cache for Message
    bus.subscribe(BaseEvent, lambda e: seen.append("b"))
    bus.dispatch(message())
    assert seen == ["a", "a", "b"]


class _Counter(EventHandler):
    def __init__(self) -> None:
        self.messages = 0
        self.all = 0

    def on_message(self, event: Message) -> None:
        self.messages += 1

    def on_event(self, event: BaseEvent) -> None:
        self.all += 1


def test_add_and_remove_handler() -> None:
    bus = CoreEventBus()
    handler = _Counter()
    bus.add_handler(handler)
    with pytest.raises(ValueError, match="already added"):
        bus.add_handler(handler)
    bus.dispatch(message())
    bus.dispatch(CONNECTED)
    assert (handler.messages, handler.all) == (1, 2)
    bus.remove_handler(handler)
    bus.dispatch(message())
    assert (handler.messages, handler.all) == (1, 2)
    with pytest.raises(ValueError, match="not added"):
        bus.remove_handler(handler)
    with pytest.raises(TypeError, match="takes an EventHandler"):
        bus.add_handler(object())  # type: ignore[arg-type]


def _produce(bus: CoreEventBus, count: int) -> None:
    for i in range(count):
        bus.dispatch(message(i))


def test_dispatch_from_many_threads_reaches_sync_handlers() -> None:
    bus = CoreEventBus()
    lock = threading.Lock()
    counts: dict[str, int] = {}

    def count(event: BaseEvent) -> None:
        name = threading.current_thread().name
        with lock:
            counts[name] = counts.get(name, 0) + 1

    bus.subscribe(Message, count)
    threads = [
        threading.Thread(target=_produce, args=(bus, 1000), name=f"producer-{n}") for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts.values()) == 4000
    assert counts == {f"producer-{n}": 1000 for n in range(4)}  # run on the producer's thread


def test_repr() -> None:
    bus = CoreEventBus()
    bus.subscribe(Message, print)
    assert repr(bus) == "<CoreEventBus idle, 1 subscription(s)>"


class _Counted(EventHandler):
    """A handler that counts how many were built, and keeps its options."""

    built = 0

    def __init__(self, label: str = "default") -> None:
        type(self).built += 1
        self.label = label
        self.seen: list[BaseEvent] = []

    def on_message(self, event: Message) -> None:
        self.seen.append(event)


def test_attach_builds_one_handler_per_class_and_bus() -> None:
    bus, other = CoreEventBus(), CoreEventBus()
    first = bus.attach(_Counted, label="mine")
    assert bus.attach(_Counted) is first
    assert first.label == "mine"
    with pytest.raises(ValueError, match="attached to this bus already"):
        bus.attach(_Counted, label="another")
    assert other.attach(_Counted) is not first  # one per bus
    bus.dispatch(message())
    assert len(first.seen) == 1  # attached means added: it receives events
    with pytest.raises(TypeError, match="EventHandler subclass"):
        bus.attach(object)  # type: ignore[type-var]


def test_a_removed_attachment_is_built_again_on_the_next_attach() -> None:
    bus = CoreEventBus()
    first = bus.attach(_Counted)
    bus.remove_handler(first)
    second = bus.attach(_Counted)
    assert second is not first
    bus.dispatch(message())
    assert (len(first.seen), len(second.seen)) == (0, 1)


def test_racing_first_attaches_build_one_handler() -> None:
    bus = CoreEventBus()
    before = _Counted.built
    barrier = threading.Barrier(8)
    got: list[_Counted] = []

    def attach() -> None:
        barrier.wait()
        got.append(bus.attach(_Counted))

    threads = [threading.Thread(target=attach) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 8 and all(handler is got[0] for handler in got)
    assert _Counted.built == before + 1
