"""The socket.io gateway with real clients on loopback: python-socketio's AsyncClient and the
gateway's own test client. No socket.io code is mocked."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import anyio
import pytest
import socketio  # type: ignore[import-untyped]  # python-socketio ships no types

from tests.handlers.dialects import sessions as s
from tests.handlers.gateway.conftest import TOKEN
from tests.seeds.snippets import snippet
from wabus.core import BaseEvent, Bot, CoreEventBus
from wabus.core import events as ev
from wabus.core.testing import ScriptedSource, sample_session
from wabus.handlers.gateway import (
    CONTROL_EVENT,
    GATEWAY_EVENTS,
    NAMESPACE,
    EventGateway,
    GatewayConfig,
    GatewayConfigError,
    GatewayError,
)
from wabus.handlers.gateway.testing import GatewayRefused, GatewayTestClient

pytestmark = pytest.mark.anyio

Served = tuple[CoreEventBus, EventGateway]


class _Recorder:
    """A python-socketio client that records what it receives, by event name."""

    def __init__(self, names: list[str]) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: list[tuple[str, Any]] = []
        self.errors: list[Any] = []
        for name in [*names, CONTROL_EVENT]:
            self.client.on(name, self._recorder(name), namespace=NAMESPACE)
        self.client.on("connect_error", self.errors.append, namespace=NAMESPACE)

    def _recorder(self, name: str) -> Callable[[Any], None]:
        return lambda data: self.received.append((name, data))

    async def connect(self, port: int, token: str | None = TOKEN, **options: Any) -> None:
        auth = None if token is None else {"token": token}
        await self.client.connect(
            f"http://127.0.0.1:{port}", namespaces=[NAMESPACE], auth=auth, **options
        )

    async def call(self, event: str, data: Any) -> Any:
        return await self.client.call(event, data, namespace=NAMESPACE, timeout=5)

    def names(self) -> list[str]:
        return [name for name, _ in self.received]

    async def wait_for(self, count: int, timeout: float = 10) -> None:
        with anyio.fail_after(timeout):
            while len(self.received) < count:
                await anyio.sleep(0.01)


class _Gated:
    """A source that plays its events once `gate` is set (after the clients subscribed)."""

    def __init__(self, events: list[BaseEvent]) -> None:
        self.gate = anyio.Event()
        self.events = events

    async def run(self, bus: CoreEventBus) -> None:
        await self.gate.wait()
        await ScriptedSource(self.events).run(bus)


async def test_python_socketio_clients_receive_the_bots_events() -> None:
    gateway = EventGateway(tokens=TOKEN, port=0)
    source = _Gated(sample_session())
    bot = Bot.builder().with_handler(gateway).with_source(gateway).with_source(source).build()
    names = ["connection.update", "messages.upsert"]
    websocket, polling = _Recorder(names), _Recorder(names)
    async with bot:
        port = await gateway.wait_listening()
        await websocket.connect(port, transports=["websocket"])
        await polling.connect(port)  # long polling first, then the upgrade, as browsers do
        for client in (websocket, polling):
            ack = await client.call("subscribe", names)
            assert ack == {"ok": True, "op": "subscribe", "subscribed": sorted(names)}
        source.gate.set()
        for client in (websocket, polling):
            await client.wait_for(8)
        await websocket.client.disconnect()
        await polling.client.disconnect()
        bot.stop()
    for client in (websocket, polling):
        assert client.names() == [
            "connection.update",  # connecting
            "connection.update",  # qr
            "connection.update",  # isNewLogin
            "connection.update",  # open
            "messages.upsert",
            "connection.update",  # receivedPendingNotifications
            "messages.upsert",
            "messages.upsert",  # the participant-add stub
        ]
        updates = [data for name, data in client.received if name == "connection.update"]
        assert [u.get("connection") for u in updates] == ["connecting", None, None, "open", None]
        assert updates[1]["qr"].startswith("2@demo-ref")
        first = client.received[4][1]["messages"][0]
        assert first["key"]["remoteJid"] == "15550000002@s.whatsapp.net"
        assert first["message"]["conversation"] == "ping"
        assert client.received[4][1]["type"] == "notify"


async def test_wrong_or_missing_tokens_are_refused_with_a_reason(served: Served) -> None:
    _, gateway = served
    for token, reason in [("wrong", "invalid token"), (None, "missing token")]:
        refused = _Recorder([])
        with pytest.raises(socketio.exceptions.ConnectionError):
            await refused.connect(gateway.port, token=token, transports=["websocket"])
        assert refused.errors and reason in refused.errors[0]["message"]
        await refused.client.disconnect()
    with pytest.raises(GatewayRefused) as caught:
        await GatewayTestClient(gateway.url, token="wrong" + TOKEN).connect()
    assert caught.value.reason == "invalid token"
    assert gateway.stats.refused == 3 and gateway.stats.clients == 0
    # A bearer header works for clients that cannot send socket.io auth.
    async with GatewayTestClient(
        gateway.url, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as client:
        assert client.sid
        assert gateway.stats.clients == 1


async def test_clients_receive_only_what_they_subscribed_to(served: Served) -> None:
    bus, gateway = served
    messages = GatewayTestClient(gateway.url, TOKEN)
    presence = GatewayTestClient(gateway.url, TOKEN)
    both = GatewayTestClient(gateway.url, TOKEN)
    for client in (messages, presence, both):
        await client.connect()
    await messages.subscribe("messages.upsert")
    await presence.subscribe("presence.update")
    await both.subscribe("messages.upsert", "presence.update", "groups.update")
    assert gateway.stats.subscriptions == {
        "groups.update": 1,
        "messages.upsert": 2,
        "presence.update": 2,
    }
    for event in [s.OFFLINE_TEXT, s.ONLINE, s.TYPING, s.MENTION]:
        await bus.publish(event)
    ack = await both.unsubscribe("messages.upsert")
    assert ack == {
        "ok": True,
        "op": "unsubscribe",
        "subscribed": ["groups.update", "presence.update"],
    }
    for event in [s.LATE_TEXT, s.PAUSED]:
        await bus.publish(event)

    got = await messages.receive_many(3, timeout=5)
    assert [(n, p["messages"][0]["key"]["id"]) for n, p in got] == [
        ("messages.upsert", "OFF1"),
        ("messages.upsert", "G1"),
        ("messages.upsert", "L1"),
    ]
    got = await presence.receive_many(3, timeout=5)
    assert [n for n, _ in got] == ["presence.update"] * 3
    got = await both.receive_many(5, timeout=5)
    assert [n for n, _ in got] == [
        "messages.upsert",
        "presence.update",
        "presence.update",
        "messages.upsert",
        "presence.update",  # no L1: unsubscribed
    ]
    with pytest.raises(TimeoutError):
        await messages.receive(timeout=0.2)  # nothing else arrived
    for client in (messages, presence, both):
        await client.close()


async def test_unknown_names_get_an_error_acknowledgement(served: Served) -> None:
    _, gateway = served
    client = _Recorder([])
    await client.connect(gateway.port, transports=["websocket"])
    ack = await client.call("subscribe", ["messages.upsert", "message.upsert", "nope"])
    assert ack["ok"] is False and ack["op"] == "subscribe"
    assert ack["unknown"] == ["message.upsert", "nope"]
    assert "unknown event name(s): message.upsert, nope" in ack["error"]
    assert set(ack["valid"]) == GATEWAY_EVENTS
    assert {"auth.qr", "auth.pairing-code", "messages.upsert"} <= GATEWAY_EVENTS
    assert gateway.stats.subscriptions == {}  # the whole request was refused
    assert (await client.call("subscribe", {"not": "a list"}))["ok"] is False
    assert (await client.call("unsubscribe", ["nope"]))["ok"] is False
    # Names that never fire on WhatsApp are accepted, and a single name works too.
    assert (await client.call("subscribe", "chats.lock"))["subscribed"] == ["chats.lock"]
    await client.wait_for(3)  # clients that asked for no acknowledgement see the error too
    assert [name for name, _ in client.received] == [CONTROL_EVENT] * 3
    assert client.received[0][1]["unknown"] == ["message.upsert", "nope"]
    await client.client.disconnect()


async def test_auth_events_and_json_payloads(served: Served) -> None:
    bus, gateway = served
    async with GatewayTestClient(gateway.url, TOKEN) as client:
        await client.subscribe("auth.qr", "auth.pairing-code", "messages.upsert", "creds.update")
        code = ev.PairingCode(code="ABCD-EFGH", timeout=timedelta(seconds=180))
        for event in [s.QR_1, code, s.PAIRED, s.IMAGE]:
            await bus.publish(event)
        got = dict(await client.receive_many(4, timeout=5))
    assert got["auth.qr"] == {"qr": s.QR_1.code, "qrCode": s.QR_1.code, "timeout": 60_000}
    pairing = got["auth.pairing-code"]
    assert pairing["code"] == pairing["pairingCode"] == "ABCD-EFGH"
    assert isinstance(pairing["expiresAt"], int)
    assert got["creds.update"]["me"]["id"] == "15550000001:7@s.whatsapp.net"
    image = got["messages.upsert"]["messages"][0]["message"]["imageMessage"]
    assert image["mediaKey"] == "AQID"  # bytes travel as base64


async def test_the_health_endpoint(served: Served) -> None:
    _, gateway = served
    base = f"http://127.0.0.1:{gateway.port}"

    def get(path: str) -> tuple[int, dict[str, Any]]:
        try:
            with urllib.request.urlopen(base + path, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    async with GatewayTestClient(gateway.url, TOKEN) as client:
        await client.subscribe("messages.upsert")
        status, body = await anyio.to_thread.run_sync(get, "/health")
    assert status == 200
    assert body["status"] == "ok" and body["namespace"] == "/api/events"
    assert body["clients"] == 1 and body["subscriptions"] == {"messages.upsert": 1}
    assert body["uptime_s"] >= 0
    status, body = await anyio.to_thread.run_sync(get, "/nope")
    assert status == 404 and body["health"] == "/health"


async def test_max_clients() -> None:
    gateway = EventGateway(tokens=(TOKEN,), port=0, max_clients=1)
    async with gateway.running(), GatewayTestClient(gateway.url, TOKEN):
        with pytest.raises(GatewayRefused, match="too many clients"):
            await GatewayTestClient(gateway.url, TOKEN).connect()


async def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        gateway = EventGateway(tokens=(TOKEN,), port=port)
        with pytest.raises(GatewayError, match=f"cannot listen on 127.0.0.1:{port}"):
            async with gateway.running():
                pass


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_serving_needs_asyncio() -> None:
    with pytest.raises(GatewayError, match="asyncio backend"):
        await EventGateway(tokens=(TOKEN,), port=0).serve()


def test_configuration_is_validated() -> None:
    with pytest.raises(GatewayConfigError) as caught:
        GatewayConfig(tokens=(), port=70000, queue_size=0, namespace="api", health_path="x")
    problems = caught.value.problems
    assert len(problems) == 5
    assert any("at least one token" in p for p in problems)
    with pytest.raises(GatewayConfigError, match="non-empty"):
        GatewayConfig(tokens=("",))
    with pytest.raises(TypeError, match="not both"):
        EventGateway(GatewayConfig(tokens=("a",)), port=1)


def test_configuration_from_the_environment() -> None:
    env = {
        "WABUS_GATEWAY_HOST": "0.0.0.0",
        "WABUS_GATEWAY_PORT": "4000",
        "WABUS_GATEWAY_TOKEN": "one, two",
    }
    config = GatewayConfig.from_env(env)
    assert (config.host, config.port, config.tokens) == ("0.0.0.0", 4000, ("one", "two"))
    flagged = GatewayConfig.from_env(env, port=5000, tokens=["three"], host=None)
    assert (flagged.host, flagged.port, flagged.tokens) == ("0.0.0.0", 5000, ("three",))
    with pytest.raises(GatewayConfigError, match="WABUS_GATEWAY_PORT must be an integer"):
        GatewayConfig.from_env({"WABUS_GATEWAY_PORT": "x", "WABUS_GATEWAY_TOKEN": "t"})
    with pytest.raises(GatewayConfigError, match="at least one token"):
        GatewayConfig.from_env({})


def test_the_gateway_is_a_plugin() -> None:
    bot = Bot.builder().with_plugin("gateway", tokens=[TOKEN], port=0, queue_size=8).build()
    gateway = bot.plugins["gateway"]
    assert isinstance(gateway, EventGateway)
    assert gateway.config.tokens == (TOKEN,) and gateway.config.queue_size == 8


async def test_several_arguments_get_an_error_acknowledgement(served: Served) -> None:
    _, gateway = served
    client = _Recorder([])
    await client.connect(gateway.port, transports=["websocket"])
    for op in ("subscribe", "unsubscribe"):
        ack = await client.call(op, ("messages.upsert", "presence.update", "groups.update"))
        assert ack["ok"] is False and ack["op"] == op
        assert "expected one argument" in ack["error"] and "got 3 arguments" in ack["error"]
        ack = await client.client.call(op, namespace=NAMESPACE, timeout=5)  # no argument
        assert ack["ok"] is False and "expected a list of event names" in ack["error"]
    assert gateway.stats.subscriptions == {}
    ack = await client.call("subscribe", ["messages.upsert", "presence.update"])
    assert ack["subscribed"] == ["messages.upsert", "presence.update"]  # still usable
    await client.client.disconnect()


async def test_tokens_are_stripped_whichever_way_they_come() -> None:
    bus = CoreEventBus()
    gateway = EventGateway(GatewayConfig(tokens=(f" {TOKEN}\n",), port=0))
    bus.add_handler(gateway)
    async with bus, gateway.running():
        for token in (TOKEN, f"  {TOKEN} "):
            async with GatewayTestClient(gateway.url, token=token) as client:
                assert client.sid
            recorder = _Recorder([])
            await recorder.connect(gateway.port, token=token, transports=["websocket"])
            assert recorder.client.connected
            await recorder.client.disconnect()
        headers = {"Authorization": f"Bearer  {TOKEN}"}
        async with GatewayTestClient(gateway.url, headers=headers) as client:
            assert client.sid
        assert gateway.stats.refused == 0


async def test_a_client_that_never_answers_pings_is_disconnected() -> None:
    bus = CoreEventBus()
    config = GatewayConfig(tokens=(TOKEN,), port=0, ping_interval=0.1, ping_timeout=0.1)
    gateway = EventGateway(config)
    bus.add_handler(gateway)
    async with bus, gateway.running():
        silent = GatewayTestClient(gateway.url, TOKEN)
        await silent.connect()
        assert gateway.stats.clients == 1
        # It never reads again, so it never answers a ping: the gateway lets it go.
        with anyio.fail_after(600):  # a guard against a hang, not a measure
            while gateway.stats.clients:
                await anyio.sleep(0.05)
        await silent.close()


def test_ping_settings_are_validated() -> None:
    for bad in (0, -1.0, True, "10"):
        with pytest.raises(GatewayConfigError, match="ping_interval must be a positive"):
            GatewayConfig(tokens=(TOKEN,), ping_interval=bad)  # type: ignore[arg-type]
        with pytest.raises(GatewayConfigError, match="ping_timeout must be a positive"):
            GatewayConfig(tokens=(TOKEN,), ping_timeout=bad)  # type: ignore[arg-type]
    assert GatewayConfig(tokens=(TOKEN,), ping_interval=300, ping_timeout=300).ping_timeout == 300


SEED_PYTHON = """\
import socketio

# Create client
sio = socketio.AsyncClient()

# Authentication
await sio.connect('http://localhost:3000/api/events',
            auth={'token': 'your-api-key'})

# Subscribe to events
await sio.emit('subscribe', ['messages.upsert', 'connection.update'])

@sio.on('connect')
def on_connect():
    print('Connected')

@sio.on('disconnect')
def on_disconnect():
    print('Disconnected')

# Keep running
await sio.wait()
"""
"""Seed 002's Python snippet with python-socketio's asyncio client (the synchronous one needs
``requests``), line for line: ``AsyncClient`` for ``Client``, and ``await`` where it blocks."""


def test_the_seed_python_translation_keeps_its_lines() -> None:
    original = snippet("002_ab945c21745ae433", "python.python").splitlines()
    ours = SEED_PYTHON.splitlines()
    assert len(ours) == len(original)
    changed = [(a, b) for a, b in zip(original, ours, strict=True) if a != b]
    for theirs, mine in changed:
        assert mine in (f"await {theirs}", theirs.replace("Client()", "AsyncClient()")), mine


async def test_the_seeds_python_snippet_connects_subscribes_and_receives(served: Served) -> None:
    """Seed 002's Python snippet (`SEED_PYTHON`), with the address and token of the test: it
    gives ``http://…/api/events`` to python-socketio, which connects to the namespace ``/``
    (it does not read one from the path); the gateway serves the same API there. It keeps
    running (``sio.wait()``) until the test disconnects its client."""
    bus, gateway = served
    code = SEED_PYTHON.replace("http://localhost:3000/api/events", gateway.url)
    code = code.replace("your-api-key", TOKEN)
    body = "".join(f"    {line}\n" for line in code.splitlines())
    printed: list[str] = []
    received: list[Any] = []
    namespace: dict[str, Any] = {"__name__": "seed_snippet", "print": printed.append}
    main = f"async def main():\n    global sio  # so that the test can reach it\n{body}"
    exec(compile(main, "<seed 002>", "exec"), namespace)

    async with anyio.create_task_group() as group:
        group.start_soon(namespace["main"])
        with anyio.fail_after(20):
            while gateway.stats.subscriptions != {"connection.update": 1, "messages.upsert": 1}:
                await anyio.sleep(0.01)
        client = namespace["sio"]
        client.on("messages.upsert", received.append)
        for event in sample_session():
            await bus.publish(event)
        with anyio.fail_after(20):
            while len(received) < 3:
                await anyio.sleep(0.01)
        await client.disconnect()
    assert printed[-1:] == ["Disconnected"]
    assert received[0]["messages"][0]["message"]["conversation"] == "ping"
    assert gateway.stats.clients == 0
