"""A client that subscribes late receives the current state first: the connection state, the
QR code or pairing code on show, and the credentials (real python-socketio clients)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import anyio
import pytest
import socketio  # type: ignore[import-untyped]  # python-socketio ships no types

from tests.handlers.dialects import sessions as s
from tests.handlers.gateway.conftest import TOKEN
from wabus.core import BaseEvent, CoreEventBus
from wabus.core import events as ev
from wabus.handlers.dialects import BaileysDialect
from wabus.handlers.gateway import NAMESPACE, EventGateway
from wabus.handlers.gateway._replay import REPLAYED_EVENTS, ReplayState

pytestmark = pytest.mark.anyio

Served = tuple[CoreEventBus, EventGateway]
STATE = ["connection.update", "creds.update", "auth.qr", "auth.pairing-code"]


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _fed(events: list[BaseEvent], clock: _Clock | None = None) -> ReplayState:
    """A `ReplayState` fed with the Baileys projections of `events`, as the gateway feeds it."""
    dialect = BaileysDialect()
    state = ReplayState(clock or _Clock())
    for event in events:
        for emission in dialect.project(event, wanted=lambda _: True):
            state.observe(emission.name, emission.args[0])
    return state


def test_the_qr_code_on_show_is_the_latest_with_what_is_left_of_its_timeout() -> None:
    clock = _Clock()
    state = _fed([s.QR_1, s.QR_2], clock)
    clock.now += 1.5
    assert state.current("auth.qr") == {"qr": s.QR_2.code, "qrCode": s.QR_2.code, "timeout": 18500}
    assert state.current("connection.update") == {
        "connection": "connecting",
        "receivedPendingNotifications": False,
        "qr": s.QR_2.code,
    }
    assert state.current("creds.update") is None
    clock.now += 60
    assert state.current("auth.qr") == {"qr": s.QR_2.code, "qrCode": s.QR_2.code, "timeout": 0}


def test_pairing_ends_the_qr_code_and_brings_the_credentials() -> None:
    state = _fed([s.QR_1, s.PAIRED, s.CONNECTED])
    assert state.current("auth.qr") is None
    connection = state.current("connection.update")
    assert connection is not None
    assert connection["connection"] == "open" and connection["isNewLogin"] is True
    assert connection["qr"] is None
    creds = state.current("creds.update")
    assert creds is not None
    assert creds["me"]["id"] == str(s.ME) and creds["platform"] == "android"
    assert list(state.snapshot()) == ["connection.update", "creds.update"]


def test_a_pairing_code_is_kept_until_the_pairing_ends() -> None:
    code = ev.PairingCode(code="ABCD1234", timeout=timedelta(minutes=3))
    state = _fed([code])
    shown = state.current("auth.pairing-code")
    assert shown is not None and shown["code"] == "ABCD1234"
    assert [name for name, _ in state.replay(lambda _: True)] == [
        "connection.update",
        "auth.pairing-code",
    ]
    state = _fed([code, s.PAIRED])
    assert state.current("auth.pairing-code") is None


def test_a_dropped_connection_keeps_the_credentials_and_a_logout_forgets_them() -> None:
    state = _fed([s.QR_1, s.PAIRED, s.CONNECTED, s.DROPPED])
    connection = state.current("connection.update")
    assert connection is not None and connection["connection"] == "close"
    assert connection["lastDisconnect"]["error"]["output"]["statusCode"] == 428
    assert state.current("creds.update") is not None
    state = _fed([s.QR_1, s.PAIRED, s.CONNECTED, s.DROPPED, s.RECONNECTED])
    connection = state.current("connection.update")
    assert connection == {
        "connection": "open",
        "receivedPendingNotifications": False,
        "qr": None,
    }
    state = _fed([s.QR_1, s.PAIRED, s.CONNECTED, s.LOGGED_OUT])
    connection = state.current("connection.update")
    assert connection is not None and connection["connection"] == "close"
    assert state.current("creds.update") is None
    # A QR code shown when the connection closed is dead.
    state = _fed([s.QR_1, ev.Disconnected(reason="gone")])
    assert state.current("auth.qr") is None
    closed = state.current("connection.update")
    assert closed is not None and closed["qr"] is None


class _Late:
    """A python-socketio client on `namespace` that records what it receives."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: list[tuple[str, Any]] = []
        for name in [*STATE, "messages.upsert"]:
            self.client.on(name, self._recorder(name), namespace=namespace)

    def _recorder(self, name: str) -> Callable[[Any], None]:
        return lambda data: self.received.append((name, data))

    async def connect(self, port: int) -> None:
        await self.client.connect(
            f"http://127.0.0.1:{port}",
            namespaces=[self.namespace],
            auth={"token": TOKEN},
            transports=["websocket"],
        )

    async def subscribe(self, names: list[str]) -> Any:
        return await self.client.call("subscribe", names, namespace=self.namespace, timeout=60)

    async def wait_for(self, count: int) -> list[tuple[str, Any]]:
        with anyio.fail_after(60):
            while len(self.received) < count:
                await anyio.sleep(0.01)
        return self.received


async def _publish(bus: CoreEventBus, gateway: EventGateway, events: list[BaseEvent]) -> None:
    seen = gateway.stats.events
    for event in events:
        await bus.publish(event)
    with anyio.fail_after(60):
        while gateway.stats.events < seen + len(events):
            await anyio.sleep(0.01)


@pytest.mark.parametrize("namespace", [NAMESPACE, "/"])
async def test_a_late_subscriber_receives_the_qr_code_on_show(
    served: Served, namespace: str
) -> None:
    bus, gateway = served
    await _publish(bus, gateway, [s.QR_1, s.QR_2])
    late = _Late(namespace)
    await late.connect(gateway.port)
    try:
        ack = await late.subscribe([*STATE, "messages.upsert"])
        assert ack["ok"] is True
        got = await late.wait_for(2)
        assert [name for name, _ in got] == ["connection.update", "auth.qr"]
        assert got[0][1]["connection"] == "connecting" and got[0][1]["qr"] == s.QR_2.code
        assert got[1][1]["qr"] == s.QR_2.code and 0 <= got[1][1]["timeout"] <= 20000
        # Then the live events, in order after the replay.
        await _publish(bus, gateway, [s.PAIRED, s.CONNECTED])
        got = await late.wait_for(6)
        assert [name for name, _ in got[2:]] == [
            "creds.update",
            "connection.update",  # isNewLogin
            "creds.update",
            "connection.update",  # open
        ]
        # Subscribing again to what it has replays nothing more.
        await late.subscribe(["connection.update"])
        await _publish(bus, gateway, [s.OFFLINE_TEXT])
        got = await late.wait_for(7)
        assert got[6][0] == "messages.upsert"
    finally:
        await late.client.disconnect()
    assert gateway.stats.replayed == 2


async def test_a_subscriber_after_the_login_learns_that_the_account_is_connected(
    served: Served,
) -> None:
    bus, gateway = served
    await _publish(bus, gateway, [s.QR_1, s.PAIRED, s.CONNECTED, s.OFFLINE_TEXT])
    assert list(gateway.current_state) == ["connection.update", "creds.update"]
    late, other = _Late(NAMESPACE), _Late("/")
    await late.connect(gateway.port)
    await other.connect(gateway.port)
    try:
        await other.subscribe(["messages.upsert"])  # no state of its own: nothing replayed
        await late.subscribe(["auth.qr"])  # nothing on show
        await late.subscribe(["creds.update", "connection.update"])
        got = await late.wait_for(2)
        assert [name for name, _ in got] == ["connection.update", "creds.update"]
        assert got[0][1]["connection"] == "open" and got[0][1]["isNewLogin"] is True
        assert got[1][1]["me"]["id"] == str(s.ME)
        await _publish(bus, gateway, [s.LATE_TEXT])
        assert (await other.wait_for(1))[0][0] == "messages.upsert"
        assert [name for name, _ in late.received] == ["connection.update", "creds.update"]
    finally:
        await late.client.disconnect()
        await other.client.disconnect()


def test_the_replayed_events_are_gateway_events() -> None:
    from wabus.handlers.gateway import GATEWAY_EVENTS

    assert set(REPLAYED_EVENTS) <= GATEWAY_EVENTS
    assert list(REPLAYED_EVENTS) == STATE
