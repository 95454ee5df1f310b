"""The dialect engine: listening, argument shapes, errors, laziness, attaching, definitions."""

from __future__ import annotations

import gc
import json
import threading
import weakref
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint, entry_points
from typing import Any, ClassVar

import anyio
import pytest
import structlog
from pydantic import ValidationError

from tests.handlers.dialects import sessions as s
from wabus.core import (
    DIALECT_GROUP,
    BaseEvent,
    Bot,
    BotConfigError,
    CoreEventBus,
    Subscription,
    available_dialects,
    available_plugins,
)
from wabus.core import events as ev
from wabus.core.testing import ScriptedSource
from wabus.handlers.dialects import (
    DIALECTS,
    Args,
    BaileysDialect,
    CoreDict,
    CoreList,
    CoreStr,
    DeliveryError,
    Dialect,
    DialectDefinitionError,
    DialectEvent,
    EventSpec,
    InvalidListener,
    ListenerError,
    LiveChatDialect,
    ProjectionError,
    Rule,
    SessionState,
    UnknownDialect,
    UnknownEventName,
    WechatyDialect,
    WechatyListener,
    current_event,
    dialect,
    hook_for,
    rule,
)
from wabus.handlers.dialects.wechaty import ScanStatus

pytestmark = pytest.mark.anyio


async def _publish(bus: CoreEventBus, *events: BaseEvent) -> list[Exception]:
    """Publish `events` in turn; what their handlers raised."""
    return [failure.error for event in events for failure in await bus.publish(event)]


def _bus(d: Dialect[Any]) -> CoreEventBus:
    bus = CoreEventBus()
    bus.add_handler(d)
    return bus


# Names ------------------------------------------------------------------------------------


def test_an_unknown_name_lists_the_valid_ones() -> None:
    wechaty = WechatyDialect()
    with pytest.raises(UnknownEventName) as caught:
        wechaty.on("scna", print)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.dialect == "wechaty" and error.name == "scna"
    assert "did you mean 'scan'" in str(error)
    assert "room-join" in str(error) and "friendship" in str(error)
    assert set(error.valid) == set(WechatyDialect.events)
    for method in (wechaty.off, wechaty.once):
        with pytest.raises(UnknownEventName):
            method("nope", print)
    with pytest.raises(UnknownEventName):
        wechaty.on("nope")  # the decorator form checks at once
    with pytest.raises(UnknownEventName, match=r"valid names: .*messages\.upsert"):
        BaileysDialect().on("message.upsert", print)


def test_names_without_a_whatsapp_source_are_documented_not_errors() -> None:
    for cls in DIALECTS.values():
        silent = [spec for spec in cls.events.values() if not spec.fires]
        assert silent, cls.name
        for spec in silent:
            assert spec.unmapped and len(spec.unmapped) > 10, spec
            cls().on(spec.name, print)  # allowed
    assert not WechatyDialect.spec("friendship").fires
    assert "friend requests" in (WechatyDialect.spec("friendship").unmapped or "")


def test_every_mapped_name_has_a_rule_and_every_rule_a_name() -> None:
    for cls in DIALECTS.values():
        produced = {row.name for row in cls.rules}
        fires = {spec.name for spec in cls.events.values() if spec.fires}
        assert produced == fires, cls.name
        assert len(cls.names()) == len(cls.events)


# Listening and argument shapes ------------------------------------------------------------


async def test_listeners_get_the_leading_arguments_they_accept() -> None:
    wechaty = WechatyDialect()
    two: list[tuple[Any, ...]] = []
    three: list[tuple[Any, ...]] = []
    star: list[tuple[Any, ...]] = []
    none: list[bool] = []
    wechaty.on("scan", lambda qrcode, status: two.append((qrcode, status)))
    wechaty.on("scan", lambda *args: three.append(args))
    wechaty.on("scan", lambda: none.append(True))
    wechaty.on("*", lambda name, *args: star.append((name, *args)))
    await _publish(_bus(wechaty), s.QR_1)
    assert two == [(s.QR_1.code, ScanStatus.Waiting)]
    assert three == [(s.QR_1.code, ScanStatus.Waiting, None)]
    assert none == [True]
    assert star == [("scan", s.QR_1.code, ScanStatus.Waiting, None)]


def test_a_listener_needing_more_arguments_than_the_event_passes_is_refused() -> None:
    wechaty = WechatyDialect()
    with pytest.raises(InvalidListener, match=r"scan\(qrcode: str, status: ScanStatus"):
        wechaty.on("scan", lambda a, b, c, d: None)
    with pytest.raises(InvalidListener, match="must be callable"):
        wechaty.on("scan", "not a function")  # type: ignore[call-overload]
    with pytest.raises(InvalidListener):
        BaileysDialect().on("messages.upsert", lambda data, extra: None)
    with pytest.raises(InvalidListener):
        WechatyDialect().on("core", lambda a, b: None)
    assert isinstance(InvalidListener("x"), TypeError)


async def test_decorator_once_off_and_chaining() -> None:
    baileys = BaileysDialect()
    calls: list[str] = []

    @baileys.on("connection.update")
    def always(update: dict[str, Any]) -> None:
        calls.append("always")

    def first(update: dict[str, Any]) -> None:
        calls.append("once")

    def removed(update: dict[str, Any]) -> None:
        calls.append("removed")

    assert baileys.once("connection.update", first).on("connection.update", removed) is baileys
    assert baileys.listener_count("connection.update") == 3
    baileys.off("connection.update", removed).off("connection.update", removed)  # twice: no-op
    bus = _bus(baileys)
    await _publish(bus, s.CONNECTED)  # connecting + open: two connection.update events
    assert calls == ["always", "once", "always"]
    assert baileys.listener_count("connection.update") == 1


async def test_off_and_once_during_a_delivery_follow_javascript() -> None:
    # As in Node's emit, which copies the listener array first: a listener removed while an
    # event is delivered still gets that event, and none after it; a once-listener is
    # removed before it runs, so it sees itself gone.
    baileys = BaileysDialect()
    calls: list[str] = []

    def remover(update: dict[str, Any]) -> None:
        calls.append("remover")
        baileys.off("connection.update", removed)

    def removed(update: dict[str, Any]) -> None:
        calls.append("removed")

    def once(update: dict[str, Any]) -> None:
        calls.append(f"once, left {baileys.listener_count('connection.update')}")

    baileys.on("connection.update", remover).on("connection.update", removed)
    baileys.once("connection.update", once)
    await _publish(_bus(baileys), s.CONNECTED)  # connecting + open
    assert calls == ["remover", "removed", "once, left 1", "remover"]


async def test_listeners_are_subscriptions_on_the_dialects_own_bus() -> None:
    wechaty = WechatyDialect()
    seen: list[str] = []
    wechaty.on("scan", lambda qrcode: seen.append("on")).once("scan", lambda: seen.append("once"))

    def star(name: str) -> None:
        seen.append(f"* {name}")

    wechaty.on("*", star)
    handles = wechaty.listeners("scan")
    assert [h.once for h in handles] == [False, True]
    assert all(isinstance(h, Subscription) and h.active for h in handles)
    assert wechaty.listeners("login") == () and wechaty.listener_count("*") == 1
    assert "3 listener(s)" in repr(wechaty)
    handles[0].close()  # a handle removes its listener, as off() does
    bus = _bus(wechaty)
    await _publish(bus, s.QR_1, s.QR_2)
    assert seen == ["once", "* scan", "* scan"]
    assert wechaty.wants("login")  # through '*'
    wechaty.off("*", star)
    assert not wechaty.wants("login") and wechaty.wants("scan") is False
    with pytest.raises(UnknownEventName):
        wechaty.listeners("scna")


async def test_spent_and_removed_listeners_are_released() -> None:
    class Listener:
        def __call__(self, update: dict[str, Any]) -> None: ...

    baileys = BaileysDialect()
    listeners = [Listener(), Listener(), Listener()]
    refs = [weakref.ref(listener) for listener in listeners]
    baileys.once("connection.update", listeners[0]).on("connection.update", listeners[1])
    baileys.on("connection.update", listeners[2]).off("connection.update", listeners[1])
    del listeners
    await _publish(_bus(baileys), s.CONNECTED)  # spends the once-listener
    gc.collect()
    assert [ref() is None for ref in refs] == [True, True, False]


def test_each_event_name_has_a_core_event_class() -> None:
    upsert = BaileysDialect.event_class("messages.upsert")
    assert issubclass(upsert, DialectEvent) and issubclass(upsert, BaseEvent)
    assert BaileysDialect.event_class("messages.upsert") is upsert  # made once
    assert upsert.kind == "baileys:messages.upsert"
    assert BaileysDialect.event_class("*") is not WechatyDialect.event_class("*")
    with pytest.raises(UnknownEventName):
        BaileysDialect.event_class("message.upsert")
    with pytest.raises(TypeError, match="abstract"):
        Dialect.event_class("*")


def test_a_projected_event_is_what_pydantic_would_build() -> None:
    baileys = BaileysDialect()
    [built] = baileys.project(s.PAIRED, lambda name: name == "creds.update")
    cls = type(built)
    assert cls is BaileysDialect.event_class("creds.update")
    fields: dict[str, Any] = {
        "dialect": built.dialect,
        "name": built.name,
        "args": built.args,
        "core": built.core,
    }
    constructed = cls.model_construct(**fields)
    assert built == constructed and constructed == built
    assert built.model_fields_set == constructed.model_fields_set == set(fields)
    assert repr(built) == repr(constructed) and "core=" not in repr(built)
    assert built.type == cls.kind == "baileys:creds.update"
    assert built.model_dump(exclude={"core"}) == constructed.model_dump(exclude={"core"})
    with pytest.raises(ValidationError):  # frozen, like every event
        built.name = "other"  # type: ignore[misc]


def test_a_projected_event_names_the_account_of_its_core_event() -> None:
    baileys = BaileysDialect()
    stamped = s.PAIRED.model_copy().stamp_account("15550000001")
    [built] = baileys.project(stamped, lambda name: name == "creds.update")
    assert built.account == "15550000001" and built.core is stamped
    [unstamped] = baileys.project(s.PAIRED, lambda name: name == "creds.update")
    assert unstamped.account is None


async def test_a_dialect_event_made_elsewhere_is_delivered_by_its_name() -> None:
    livechat = LiveChatDialect()
    got: list[tuple[Any, DialectEvent | None]] = []
    livechat.on("customer_id", lambda value: got.append((value, current_event())))
    foreign = DialectEvent(dialect="livechat", name="customer_id", args=("x",), core=s.CONNECTED)
    assert await livechat.deliver(foreign) == []
    [(value, current)] = got
    assert value == "x" and current is not None and current.name == "customer_id"
    assert type(current) is LiveChatDialect.event_class("customer_id")
    assert livechat.emission("customer_id", ("y",), s.CONNECTED).args == ("y",)


async def test_star_and_core_listener_failures_are_named_after_what_they_listen_to() -> None:
    baileys = BaileysDialect()

    def broken(*args: Any) -> None:
        raise RuntimeError("listener bug")

    baileys.on("*", broken).on("core", broken)
    with structlog.testing.capture_logs() as logs:
        [error] = await _publish(_bus(baileys), s.PAIRED)
    assert isinstance(error, DeliveryError)
    emitted = len(baileys.project(s.PAIRED, lambda name: True))
    assert emitted >= 1
    assert [(f.name, f.listener) for f in error.failures if isinstance(f, ListenerError)] == [
        ("core", broken),
        *[("*", broken)] * emitted,
    ]
    # Logged once, as the DeliveryError the bus was given, not once per listener as well.
    assert [entry["event"] for entry in logs] == ["event handler failed"]


async def test_async_listeners_are_awaited_in_order() -> None:
    livechat = LiveChatDialect()
    seen: list[str] = []

    async def slow(payload: dict[str, Any]) -> None:
        await anyio.sleep(0.01)
        seen.append(f"slow {payload['code'][:5]}")

    livechat.on("pairing_qr_code", slow)
    livechat.on("pairing_qr_code", lambda payload: seen.append(f"fast {payload['code'][:5]}"))
    await _publish(_bus(livechat), s.QR_1, s.QR_2)
    assert seen == ["slow 2@ref", "fast 2@ref", "slow 2@ref", "fast 2@ref"]


async def test_dispatch_from_a_thread_delivers_on_the_loop_in_order() -> None:
    baileys = BaileysDialect()
    loop_thread = threading.get_ident()
    seen: list[tuple[str, int]] = []
    baileys.on(
        "messages.upsert",
        lambda data: seen.append((data["messages"][0]["key"]["id"], threading.get_ident())),
    )
    bus = _bus(baileys)
    events = [s.OFFLINE_TEXT, s.IMAGE, s.LATE_TEXT]
    async with bus:

        def produce() -> None:
            for event in events:
                bus.dispatch(event)

        await anyio.to_thread.run_sync(produce)
        with anyio.fail_after(5):
            while len(seen) < 3:
                await anyio.sleep(0.001)
    assert [item[0] for item in seen] == ["OFF1", "IMG1", "L1"]
    assert {item[1] for item in seen} == {loop_thread}


# Reaching the core event ------------------------------------------------------------------


async def test_every_payload_reaches_its_core_event() -> None:
    seen: list[tuple[str, DialectEvent | None, tuple[Any, ...]]] = []
    attached = []
    for cls in DIALECTS.values():
        d = cls()
        d.on("*", lambda name, *args, _d=d: seen.append((name, current_event(), args)))
        attached.append(d)
    bus = CoreEventBus()
    for d in attached:
        bus.add_handler(d)
    await _publish(bus, *s.session())
    assert len(seen) > 120
    without_payload = set()
    for name, current, args in seen:
        assert current is not None and current.name == name
        assert current.core in s.session()
        if not args:
            without_payload.add(name)
            continue
        assert args[0].core is current.core, (name, args[0])  # the payload (first argument)
        for arg in args[1:]:  # and any other argument that is an object
            assert getattr(arg, "core", current.core) is current.core, (name, arg)
    assert without_payload == {"connection_unstable", "connection_recovered", "connection_lost"}
    assert current_event() is None  # outside listeners


async def test_the_core_escape_hatch_sees_every_core_event() -> None:
    wechaty = WechatyDialect()
    seen: list[BaseEvent] = []
    wechaty.on("core", seen.append)
    await _publish(_bus(wechaty), *s.session())
    assert seen == s.session()


# Failures ---------------------------------------------------------------------------------


async def test_a_failing_listener_is_reported_and_the_rest_still_runs() -> None:
    bus = CoreEventBus()
    baileys = BaileysDialect()
    bus.add_handler(baileys)
    seen: list[str] = []

    def broken(update: dict[str, Any]) -> None:
        raise RuntimeError("listener bug")

    baileys.on("connection.update", broken)
    baileys.on("connection.update", lambda update: seen.append(update.get("connection", "")))
    baileys.on("creds.update", lambda update: seen.append("creds"))
    reported = await _publish(bus, s.PAIRED, s.CONNECTED)
    assert seen == ["creds", "", "connecting", "creds", "open"]
    assert len(reported) == 2
    error = reported[1]
    assert isinstance(error, DeliveryError) and len(error.failures) == 2
    failure = error.failures[0]
    assert isinstance(failure, ListenerError)
    assert failure.name == "connection.update" and failure.listener is broken
    assert isinstance(failure.__cause__, RuntimeError)


class _Fragile(Dialect[SessionState]):
    """A dialect whose first rule always fails."""

    name: ClassVar[str] = "fragile"
    events: ClassVar[dict[str, EventSpec]] = {
        "a": EventSpec(name="a", params=("x",), doc="a"),
        "b": EventSpec(name="b", params=("x",), doc="b"),
    }

    @staticmethod
    def _fail(state: SessionState, event: ev.Connected) -> Iterator[Args]:
        if state.me is None:
            raise ValueError("rule bug")
        yield ()

    @staticmethod
    def _ok(state: SessionState, event: ev.Connected) -> Iterator[Args]:
        yield ("fine",)

    rules: ClassVar[tuple[Rule, ...]] = (
        rule(ev.Connected, "a", _fail),
        rule(ev.Connected, "b", _ok),
    )


async def test_a_failing_rule_is_a_typed_error_and_the_other_rules_run() -> None:
    fragile = _Fragile()
    bus = CoreEventBus()
    bus.add_handler(fragile)
    got: list[str] = []
    fragile.on("*", lambda name, value: got.append(f"{name}={value}"))
    reported = await _publish(bus, s.CONNECTED)
    assert got == ["b=fine"]
    assert fragile.projection_errors == 1
    [error] = reported
    assert isinstance(error, DeliveryError)
    [failure] = error.failures
    assert isinstance(failure, ProjectionError)
    assert failure.name == "a" and failure.core is s.CONNECTED
    assert isinstance(failure.__cause__, ValueError)
    errors: list[ProjectionError] = []
    assert [e.name for e in fragile.project(s.CONNECTED, lambda _: True, errors)] == ["b"]
    assert len(errors) == 1


def test_a_badly_defined_dialect_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(DialectDefinitionError) as caught:

        class _Bad(Dialect[SessionState]):
            name: ClassVar[str] = "bad"
            events: ClassVar[dict[str, EventSpec]] = {
                "a": EventSpec(name="a", params=(), doc=""),
                "silent": EventSpec(name="silent", params=(), doc="", unmapped="no source"),
                "*": EventSpec(name="*", params=(), doc=""),
            }
            rules: ClassVar[tuple[Rule, ...]] = (
                Rule(ev.Connected, "nope", lambda state, event: ()),
                Rule(ev.Connected, "silent", lambda state, event: ()),
                Rule(BaseEvent, "*", lambda state, event: ()),
            )

    text = str(caught.value)
    assert "names unknown 'nope'" in text
    assert "names unmapped 'silent'" in text
    assert "'a' has no rule" in text
    assert "'*' is reserved" in text
    assert "not a concrete core event class" in text
    assert isinstance(caught.value, TypeError)


def test_abstract_bases_cannot_be_used() -> None:
    with pytest.raises(TypeError, match="abstract"):
        Dialect()


# Laziness ---------------------------------------------------------------------------------


async def test_bodies_are_parsed_only_for_events_someone_listens_to() -> None:
    wechaty = WechatyDialect()
    baileys = BaileysDialect()
    bus = CoreEventBus()
    bus.add_handler(wechaty)
    bus.add_handler(baileys)
    messages: list[Any] = []
    wechaty.on("message", messages.append)  # a Wechaty Message parses only when asked
    baileys.on("connection.update", lambda update: None)  # nothing that needs a body
    event = ev.Message(info=s.OFFLINE_TEXT.info, raw=s.OFFLINE_TEXT.raw)
    await bus.publish(event)
    assert len(messages) == 1
    assert "_wabus_message" not in event.__dict__  # not parsed by any dialect
    assert messages[0].text() == "ping"
    assert "_wabus_message" in event.__dict__


# Override-style listeners -----------------------------------------------------------------


async def test_override_style_hooks() -> None:
    class Bot(WechatyListener):
        def __init__(self) -> None:
            self.seen: list[str] = []

        def on_scan(self, qrcode: str, status: ScanStatus) -> None:
            self.seen.append(f"scan {status.name}")

        async def on_room_topic(self, room: Any, new: str, old: str) -> None:
            self.seen.append(f"topic {old!r} -> {new!r}")

    assert hook_for("room-join") == "on_room_join"
    assert hook_for("messages.upsert") == "on_messages_upsert"
    listener = Bot()
    wechaty = WechatyDialect().add_listener(listener)
    await _publish(_bus(wechaty), s.QR_1, s.SUBJECT_1, s.SUBJECT_2)
    assert listener.seen == [
        "scan Waiting",
        "topic '' -> 'Book club'",
        "topic 'Book club' -> 'Poetry club'",
    ]
    with pytest.raises(InvalidListener):
        BaileysDialect().add_listener(listener)


def test_a_misspelt_hook_fails_when_the_class_is_made() -> None:
    with pytest.raises(DialectDefinitionError, match="did you mean 'on_room_join'"):

        class _Typo(WechatyListener):
            def on_room_joins(self, room: Any) -> None: ...


# Attaching --------------------------------------------------------------------------------


async def test_dialect_attaches_once_per_bus_and_finds_plugins() -> None:
    bus = CoreEventBus()
    first = dialect(bus, "baileys")
    assert dialect(bus, "baileys") is first
    assert isinstance(first, BaileysDialect)
    with pytest.raises(ValueError, match="attached to this bus already"):
        dialect(bus, "baileys", me="15550000001@s.whatsapp.net")
    with pytest.raises(UnknownDialect, match="did you mean 'wechaty'") as caught:
        dialect(bus, "wechat")
    assert caught.value.valid == ("baileys", "livechat", "wechaty")
    with pytest.raises(TypeError):
        dialect(object(), "baileys")  # type: ignore[call-overload]

    bot = (
        Bot.builder()
        .with_plugin("wechaty", me="15550000001@s.whatsapp.net", push_name="Me")
        .with_source(ScriptedSource([s.CONNECTED]))
        .build()
    )
    plugin = dialect(bot, "wechaty")
    assert plugin is bot.plugins["wechaty"]
    logins: list[Any] = []
    plugin.on("login", logins.append)
    livechat = dialect(bot, "livechat", me="15550000001:7@s.whatsapp.net")
    assert dialect(bot, "livechat") is livechat
    ids: list[str] = []
    livechat.on("customer_id", ids.append)
    await bot.run()
    assert [(c.id, c.name()) for c in logins] == [("15550000001@s.whatsapp.net", "Me")]
    assert ids == ["15550000001@s.whatsapp.net"]


async def test_bot_dialect_is_the_same_attachment() -> None:
    bot = Bot.builder().with_source(ScriptedSource([s.CONNECTED])).build()
    wechaty = bot.dialect("wechaty", me="15550000001@s.whatsapp.net", push_name="Me")
    assert isinstance(wechaty, WechatyDialect)
    assert bot.dialect("wechaty") is wechaty is dialect(bot, "wechaty")
    assert available_dialects() == ["baileys", "livechat", "wechaty"]
    with pytest.raises(BotConfigError, match="dialect 'wechat' is not installed") as caught:
        bot.dialect("wechat")
    assert "baileys, livechat, wechaty" in str(caught.value)
    logins: list[Any] = []
    wechaty.on("login", logins.append)
    await bot.run()
    assert [c.id for c in logins] == ["15550000001@s.whatsapp.net"]


def test_the_dialects_are_plugins() -> None:
    assert set(DIALECTS) <= set(available_plugins())
    for name, cls in DIALECTS.items():
        bot = Bot.builder().with_plugin(name).build()
        assert type(bot.plugins[name]) is cls
        assert bot.bus.attach(cls) is bot.plugins[name] is bot.dialect(name)


def test_the_dialect_table_is_a_view_of_the_entry_points() -> None:
    points = {point.name: point for point in entry_points(group=DIALECT_GROUP)}
    assert list(DIALECTS) == sorted(points) == available_dialects()
    assert {"baileys", "livechat", "wechaty"} <= DIALECTS.keys()
    for name, cls in DIALECTS.items():
        assert points[name].load() is cls
        assert cls.name == name
    assert repr(DIALECTS) == f"DIALECTS({', '.join(sorted(points))})"


def test_payload_containers_behave_like_their_values() -> None:
    payload = CoreDict(s.CONNECTED, {"a": 1}, b=2)
    assert payload == {"a": 1, "b": 2} and payload.core is s.CONNECTED
    assert repr(payload) == "{'a': 1, 'b': 2}"
    assert json.dumps(CoreList(s.CONNECTED, [payload])) == '[{"a": 1, "b": 2}]'
    text = CoreStr("qr", s.CONNECTED)
    assert text == "qr" and repr(text) == "'qr'" and text.core is s.CONNECTED


def test_an_entry_point_that_is_not_a_dialect_is_a_definition_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import wabus.handlers.dialects._registry as registry

    def points(value: str) -> Callable[..., list[EntryPoint]]:
        """An entry-point lookup that finds one ``wechaty`` dialect: `value`."""
        return lambda group: [EntryPoint("wechaty", value, group)]

    try:
        monkeypatch.setattr(
            registry, "entry_points", points("wabus.handlers.logging:LoggingHandler")
        )
        registry._installed.cache_clear()
        with pytest.raises(DialectDefinitionError, match="not a Dialect class"):
            list(DIALECTS)
        monkeypatch.setattr(
            registry, "entry_points", points("wabus.handlers.dialects:BaileysDialect")
        )
        registry._installed.cache_clear()
        with pytest.raises(DialectDefinitionError, match="whose name is 'baileys'"):
            DIALECTS["wechaty"]
    finally:
        monkeypatch.undo()
        registry._installed.cache_clear()
    assert "wechaty" in DIALECTS


def test_bot_dialect_refuses_an_entry_point_that_is_not_a_handler_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import wabus.core._bot as bot_module

    point = EntryPoint("odd", "wabus.core:available_dialects", DIALECT_GROUP)
    monkeypatch.setattr(bot_module, "entry_points", lambda group: [point])
    bot = Bot.builder().build()
    with pytest.raises(BotConfigError, match="is not an EventHandler class"):
        bot.dialect("odd")
