"""The real JavaScript ``socket.io-client`` (npm, run with Node.js) against the gateway.

The client is ``tests/js/gateway_client.mjs``; its one dependency is pinned in
``tests/js/package.json`` and installed on first use with ``npm install --no-package-lock``
(no lock file: it would record registry addresses). Without Node.js, npm or the registry the
test is skipped, unless ``WABUS_REQUIRE_NODE`` is set, which makes that a failure.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any, NoReturn

import anyio
import pytest
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream

from tests import processes
from tests.handlers.gateway.conftest import TOKEN
from wabus.core import CoreEventBus
from wabus.core.testing import sample_session
from wabus.handlers.gateway import EventGateway

pytestmark = pytest.mark.anyio

JS = Path(__file__).resolve().parents[2] / "js"
Served = tuple[CoreEventBus, EventGateway]


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("WABUS_REQUIRE_NODE"):
        pytest.fail(reason)
    pytest.skip(reason)


def _node() -> str:
    """The node executable, with socket.io-client installed beside the client script."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("Node.js and npm are needed for the JavaScript client test")
    if not (JS / "node_modules" / "socket.io-client" / "package.json").exists():
        result = processes.run(
            [npm, "install", "--no-package-lock", "--no-audit", "--no-fund"], cwd=JS, timeout=1800
        )
        if result.returncode != 0:
            _unavailable(f"npm install failed: {result.stderr.strip()[-500:]}")
    assert not (JS / "package-lock.json").exists(), "no lock file may be written"
    return node


async def _records(process: Process, until: str | None = None) -> list[dict[str, Any]]:
    """JSON lines from the client, up to the first of kind `until` (or to its exit)."""
    assert process.stdout is not None
    records: list[dict[str, Any]] = []
    buffered = ""
    async for chunk in TextReceiveStream(process.stdout):
        buffered += chunk
        while "\n" in buffered:
            line, buffered = buffered.split("\n", 1)
            records.append(json.loads(line))
            if until is not None and records[-1]["kind"] == until:
                return records
    return records


async def test_the_javascript_client_receives_connection_updates_and_messages(
    served: Served,
) -> None:
    node = _node()
    bus, gateway = served
    command = [node, "gateway_client.mjs", gateway.url, TOKEN, "3"]
    async with processes.open_process(command, cwd=JS) as process:
        with anyio.fail_after(600):
            start = await _records(process, until="subscribed")
            for event in sample_session():
                await bus.publish(event)
            events = await _records(process)
        await process.wait()
    assert process.returncode == 0, events
    assert start[0]["kind"] == "connected"
    assert start[-1]["ack"] == {
        "ok": True,
        "op": "subscribe",
        "subscribed": ["connection.update", "messages.upsert"],
    }
    names = [(r["name"], r.get("connection") or r.get("text")) for r in events]
    assert names == [
        ("connection.update", "connecting"),
        ("connection.update", None),  # the QR code
        ("connection.update", None),  # isNewLogin
        ("connection.update", "open"),
        ("messages.upsert", "ping"),
        ("connection.update", None),  # receivedPendingNotifications
        ("messages.upsert", "hello, group"),
        ("messages.upsert", None),  # the participant-add stub
    ]
    assert events[1]["update"]["qr"].startswith("2@demo-ref")
    assert events[2]["update"] == {"isNewLogin": True, "qr": None}
    assert events[4]["remoteJid"] == "15550000002@s.whatsapp.net"


async def test_the_javascript_client_is_refused_a_wrong_token(served: Served) -> None:
    node = _node()
    _, gateway = served
    command = [node, "gateway_client.mjs", gateway.url, "not-the-token", "1"]
    async with processes.open_process(command, cwd=JS) as process:
        with anyio.fail_after(600):
            records = await _records(process)
        await process.wait()
    assert process.returncode == 2
    assert records == [{"kind": "refused", "message": "invalid token"}]


async def test_the_javascript_client_subscribing_late_gets_the_connection_state(
    served: Served,
) -> None:
    node = _node()
    bus, gateway = served
    session = sample_session()
    first_message = next(i for i, e in enumerate(session) if e.type == "message")
    for event in session[:first_message]:  # paired and connected before the client comes
        await bus.publish(event)
    with anyio.fail_after(600):
        while gateway.current_state.get("connection.update", {}).get("connection") != "open":
            await anyio.sleep(0.01)
    command = [node, "gateway_client.mjs", gateway.url, TOKEN, "1"]
    async with processes.open_process(command, cwd=JS) as process:
        with anyio.fail_after(600):
            while "messages.upsert" not in gateway.stats.subscriptions:  # it subscribed
                await anyio.sleep(0.01)
            for event in session[first_message:]:
                await bus.publish(event)
            records = await _records(process)
        await process.wait()
    events = [r for r in records if r["kind"] == "event"]
    assert process.returncode == 0, records
    assert [r["name"] for r in events] == ["connection.update", "messages.upsert"]
    replayed = events[0]["update"]
    assert replayed["connection"] == "open" and replayed["isNewLogin"] is True
    assert replayed["qr"] is None
