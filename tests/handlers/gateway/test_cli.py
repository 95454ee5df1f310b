"""``wabus gateway``, run as a user would run it."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import urllib.request

import anyio
import pytest
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream

from tests import processes
from tests.handlers.gateway.conftest import TOKEN
from wabus.cli import COMMANDS, main
from wabus.cli._gateway import DEFAULT_SOURCE, SOURCES
from wabus.handlers.gateway.testing import GatewayTestClient

pytestmark = pytest.mark.anyio


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WABUS_GATEWAY_")}
    env.update(extra)
    return env


async def _first_line(process: Process) -> str:
    """What the command printed up to its first newline (where it says it listens)."""
    assert process.stdout is not None
    output = TextReceiveStream(process.stdout)
    line = ""
    with anyio.fail_after(600):  # a guard against a hang, not a measure
        while "\n" not in line:
            line += await output.receive()
    return line


async def test_the_command_serves_the_sample_session_until_interrupted() -> None:
    command = [
        sys.executable,
        "-m",
        "wabus.cli",
        "gateway",
        "--port",
        "0",
        "--source",
        "sample",
        "--repeat",
        "--interval",
        "0.02",
    ]
    async with processes.open_process(command, env=_env(WABUS_GATEWAY_TOKEN=TOKEN)) as process:
        assert process.stdout is not None and process.stderr is not None
        line = await _first_line(process)
        found = re.search(r"listening on (http://127\.0\.0\.1:(\d+)/api/events)", line)
        assert found, line
        url, port = found.group(1), int(found.group(2))
        async with GatewayTestClient(url, TOKEN) as client:
            await client.subscribe("connection.update", "messages.upsert")
            got = await client.receive_many(12, timeout=600)
        names = {name for name, _ in got}
        assert names == {"connection.update", "messages.upsert"}

        def health() -> dict[str, object]:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as reply:
                body: dict[str, object] = json.loads(reply.read())
                return body

        body = await anyio.to_thread.run_sync(health)
        assert body["status"] == "ok" and isinstance(body["events"], int) and body["events"] > 0
        process.send_signal(signal.SIGINT)
        with anyio.fail_after(600):
            await process.wait()
        errors = ""
        async for chunk in TextReceiveStream(process.stderr):
            errors += chunk
    assert process.returncode == 0
    assert "SIGINT, stopping" in errors and "stopped after" in errors


async def test_the_default_source_is_a_live_simulator_session() -> None:
    command = [sys.executable, "-m", "wabus.cli", "gateway", "--port", "0", "--repeat"]
    command += ["--interval", "0.02"]
    async with processes.open_process(command, env=_env(WABUS_GATEWAY_TOKEN=TOKEN)) as process:
        assert process.stdout is not None
        line = await _first_line(process)
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+/api/events)", line)
        assert found, line
        async with GatewayTestClient(found.group(1), TOKEN) as client:
            await client.subscribe("messages.upsert")
            got = await client.receive_many(6, timeout=600)
            # The session is up (messages came): a client may send through it.
            request = {"jid": "15550000002@s.whatsapp.net", "content": {"text": "from the cli"}}
            sent = await client.emit("sendMessage", request, timeout=60)
        process.send_signal(signal.SIGINT)
        with anyio.fail_after(600):
            await process.wait()
    assert {name for name, _ in got} == {"messages.upsert"}
    assert sent["ok"] is True and sent["op"] == "sendMessage", sent
    assert isinstance(sent["id"], str) and sent["id"]
    assert isinstance(sent["timestamp"], int)
    assert process.returncode == 0


async def test_the_command_listens_while_the_simulator_waits_for_a_scan() -> None:
    # --scan-delay 600: the simulated phone waits (longer than this test), so the account
    # pairs only when scanned: a client that subscribes now sees the QR code on show.
    command = [sys.executable, "-m", "wabus.cli", "gateway", "--port", "0", "--scan-delay", "600"]
    async with processes.open_process(command, env=_env(WABUS_GATEWAY_TOKEN=TOKEN)) as process:
        assert process.stdout is not None
        line = await _first_line(process)
        found = re.search(r"listening on (http://127\.0\.0\.1:(\d+)/api/events) \(page: ", line)
        assert found, line
        url, port = found.group(1), int(found.group(2))
        async with GatewayTestClient(url, TOKEN) as client:
            await client.subscribe("auth.qr", timeout=600)
            name, data = await client.receive(timeout=600)  # replayed, or live if it came later
        assert name == "auth.qr" and data["qr"] == data["qrCode"], data

        def qr_svg() -> tuple[int, bytes]:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/qr.svg", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            with urllib.request.urlopen(request, timeout=60) as reply:
                return reply.status, reply.read()

        status, svg = await anyio.to_thread.run_sync(qr_svg)
        assert status == 200 and svg.startswith(b"<svg")
        process.send_signal(signal.SIGINT)
        with anyio.fail_after(600):
            await process.wait()
    assert process.returncode == 0


def test_a_token_is_required() -> None:
    result = processes.run(
        [sys.executable, "-m", "wabus.cli", "gateway", "--port", "0"], env=_env(), timeout=600
    )
    assert result.returncode == 2
    assert "at least one token" in result.stderr and "WABUS_GATEWAY_TOKEN" in result.stderr


def test_the_command_is_listed_and_the_default_source_is_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert "wabus.cli._gateway" in COMMANDS
    assert DEFAULT_SOURCE in SOURCES
    with pytest.raises(SystemExit):
        main(["gateway", "--help"])
    text = capsys.readouterr().out
    assert "--token" in text and f"default: {DEFAULT_SOURCE}" in text
