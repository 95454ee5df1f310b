from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
import pytest

from tests.core.events_fixtures import ALICE, CONNECTED, GROUP, message, receipt
from wabus.core import (
    HOOKS,
    BaseEvent,
    CallbackHandler,
    CoreEventBus,
    Event,
    EventHandler,
    HookDefinitionError,
    filters,
    hook_name,
)
from wabus.core.events import (
    EVENT_TYPES,
    Connected,
    Message,
    MessageEvent,
    PairingQrCode,
    Receipt,
)

if TYPE_CHECKING:
    from wabus.core.events import GroupInfoUpdate


def test_every_event_kind_has_a_hook() -> None:
    assert set(HOOKS.values()) == set(EVENT_TYPES)
    assert hook_name(PairingQrCode) == "on_pairing_qr_code"
    for name, cls in HOOKS.items():
        method = getattr(EventHandler, name)
        assert method.__doc__, name
        assert method.__annotations__["event"] in (cls.__name__, cls), name


def test_a_misspelt_hook_fails_when_the_class_is_defined() -> None:
    with pytest.raises(HookDefinitionError, match="did you mean 'on_message'") as caught:

        class Typo(EventHandler):
            def on_mesage(self, event: Message) -> None: ...

    assert isinstance(caught.value, TypeError)
    assert "Typo.on_mesage is not an event hook" in str(caught.value)


def test_an_unknown_on_name_fails_without_a_suggestion() -> None:
    with pytest.raises(HookDefinitionError, match="reserved for hooks"):

        class Odd(EventHandler):
            on_startup_flag = True


@pytest.mark.parametrize("annotation", ["Receipt", "Receipt | Connected", "PairingQrCode"])
def test_a_hook_typed_for_the_wrong_event_fails(annotation: str) -> None:
    namespace: dict[str, Any] = {}
    code = f"""
class Wrong(EventHandler):
    def on_message(self, event: {annotation}) -> None: ...
"""
    with pytest.raises(HookDefinitionError, match="receives Message events"):
        exec(code, {**globals(), **namespace})


def test_a_wrongly_typed_forward_reference_fails_by_name() -> None:
    with pytest.raises(HookDefinitionError, match="annotated as Receipt"):

        class Wrong(EventHandler):
            def on_message(self, event: "Receipt") -> None: ...  # type: ignore[override]  # noqa: UP037


def test_acceptable_annotations() -> None:
    class Fine(EventHandler):
        def on_message(self, event: Message) -> None: ...
        def on_receipt(self, event: MessageEvent) -> None: ...
        def on_connected(self, event: BaseEvent) -> None: ...
        def on_disconnected(self, event: Event) -> None: ...
        def on_presence(self, event: Any) -> None: ...
        def on_chat_presence(self, event) -> None: ...  # type: ignore[no-untyped-def]
        def on_group_info_update(self, event: GroupInfoUpdate) -> None: ...  # only for mypy
        def on_event(self, event: BaseEvent) -> None: ...

    assert len(Fine.handled_events()) == len(EVENT_TYPES)  # on_event takes everything


def test_a_catch_all_typed_narrowly_fails() -> None:
    with pytest.raises(HookDefinitionError, match="receives BaseEvent events"):

        class Narrow(EventHandler):
            def on_event(self, event: Message) -> None: ...  # type: ignore[override]


@pytest.mark.parametrize(
    "body",
    [
        "def on_message(self) -> None: ...",
        "def on_message(self, event, extra) -> None: ...",
        "on_message = staticmethod(lambda event: None)",
        "on_message = print",
    ],
)
def test_hooks_must_take_self_and_event(body: str) -> None:
    with pytest.raises(HookDefinitionError):
        exec(f"class Bad(EventHandler):\n    {body}\n", dict(globals()))


def test_optional_extra_parameters_are_allowed() -> None:
    class Extra(EventHandler):
        def on_message(self, event: Message, *args: object, flag: bool = False) -> None: ...

    assert Extra.handled_events() == {Message}


class _Both(EventHandler):
    def __init__(self) -> None:
        self.calls: list[str] = []

    def on_message(self, event: Message) -> None:
        self.calls.append("message")

    def on_event(self, event: BaseEvent) -> None:
        self.calls.append(f"event:{event.type}")


def test_only_overridden_hooks_are_subscribed() -> None:
    class OnlyMessages(EventHandler):
        def on_message(self, event: Message) -> None: ...

    bus = CoreEventBus()
    bus.add_handler(OnlyMessages())
    assert bus.has_handlers(Message)
    assert not bus.has_handlers(Receipt)
    assert OnlyMessages.handled_events() == {Message}
    assert len(bus._snapshot.entries) == 1


def test_specific_hook_runs_before_the_catch_all() -> None:
    bus = CoreEventBus()
    handler = _Both()
    bus.add_handler(handler)
    bus.dispatch(message())
    bus.dispatch(CONNECTED)
    assert handler.calls == ["message", "event:message", "event:connected"]


def test_hooks_are_inherited() -> None:
    class Child(_Both):
        def on_receipt(self, event: Receipt) -> None:
            self.calls.append("receipt")

    handler = Child()
    bus = CoreEventBus()
    bus.add_handler(handler)
    bus.dispatch(receipt())
    bus.dispatch(message())
    assert handler.calls == ["receipt", "event:receipt", "message", "event:message"]


def test_handle_event_routes_by_hand() -> None:
    handler = _Both()
    assert handler.handle_event(message()) is None
    assert handler.handle_event(CONNECTED) is None
    assert handler.calls == ["message", "event:message", "event:connected"]


@pytest.mark.anyio
async def test_handle_event_with_async_hooks_keeps_the_order() -> None:
    class Mixed(EventHandler):
        def __init__(self) -> None:
            self.calls: list[str] = []

        async def on_message(self, event: Message) -> None:
            await anyio.sleep(0)
            self.calls.append("message")

        def on_event(self, event: BaseEvent) -> None:
            self.calls.append("event")

    handler = Mixed()
    pending = handler.handle_event(message())
    assert pending is not None
    assert handler.calls == []
    await pending
    assert handler.calls == ["message", "event"]


class _GroupsOnly(EventHandler):
    event_filter = filters.group_only

    def __init__(self) -> None:
        self.seen: list[str] = []

    def on_message(self, event: Message) -> None:
        self.seen.append(event.info.id)


def test_event_filter_applies_to_every_hook() -> None:
    bus = CoreEventBus()
    handler = _GroupsOnly()
    bus.add_handler(handler)
    bus.dispatch(message(1, chat=ALICE))
    bus.dispatch(message(2, chat=GROUP))
    assert handler.seen == ["M2"]
    assert _GroupsOnly.filters_events
    assert handler.handle_event(message(3, chat=ALICE)) is None
    assert handler.seen == ["M2"]


def test_accepts_can_be_overridden() -> None:
    class EvenOnly(EventHandler):
        def __init__(self) -> None:
            self.seen: list[str] = []

        def accepts(self, event: BaseEvent) -> bool:
            return isinstance(event, Message) and int(event.info.id[1:]) % 2 == 0

        async def on_message(self, event: Message) -> None:
            self.seen.append(event.info.id)

    async def run() -> list[str]:
        bus = CoreEventBus()
        handler = EvenOnly()
        bus.add_handler(handler)
        for i in range(6):
            await bus.publish(message(i))
        async with bus:
            for i in range(6, 10):
                bus.dispatch(message(i))
        return handler.seen

    assert anyio.run(run) == ["M0", "M2", "M4", "M6", "M8"]
    assert EvenOnly.filters_events


def test_plain_handlers_do_not_filter() -> None:
    assert not _Both.filters_events
    assert _Both().accepts(CONNECTED)


def test_hook_signatures_are_typed_for_mypy() -> None:
    # Both a sync and an async override satisfy the base signature (checked by mypy on this
    # file); at run time the bus tells them apart.
    class Typed(EventHandler):
        def on_connected(self, event: Connected) -> None: ...

        async def on_message(self, event: Message) -> None: ...

    assert Typed.handled_events() == {Connected, Message}


class _Kinds(CallbackHandler):
    def __init__(self, *event_types: Any) -> None:
        super().__init__(*event_types)
        self.seen: list[str] = []

    def receive_event(self, event: BaseEvent) -> None:
        self.seen.append(event.type)

    def on_connected(self, event: Connected) -> None:  # not subscribed: one callback only
        self.seen.append("hook")


def test_a_callback_handler_takes_its_kinds_through_one_callback() -> None:
    bus = CoreEventBus()
    every, some = _Kinds(), _Kinds(Message | Receipt)
    assert every.event_types == (BaseEvent,)
    assert some.event_types == (Message, Receipt)
    bus.add_handler(every)
    bus.add_handler(some)
    for event in (message(), CONNECTED, receipt()):
        bus.dispatch(event)
    assert every.seen == ["message", "connected", "receipt"]
    assert some.seen == ["message", "receipt"]


def test_a_callback_handler_must_define_its_callback() -> None:
    class Missing(CallbackHandler):
        pass

    with pytest.raises(TypeError, match="receive_event"):
        Missing()  # type: ignore[abstract]
