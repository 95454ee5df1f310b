"""``wabus simulator``: the simulator in a process of its own, driven on its standard input, with
a live client in the test's process pointed at the URL and root key it printed."""

from __future__ import annotations

import json
import signal
import stat
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

from tests import processes
from wabus.cli import main
from wabus.cli._simulator import RootKeyError, load_root_key
from wabus.client import Client, MemoryStore
from wabus.core import Bot
from wabus.core.events import Connected, Message, PairingQrCode
from wabus.core.testing import EventRecorder
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import TrustedRoot
from wabus.simulator._scenario import ALICE

pytestmark = pytest.mark.anyio

COMMAND: list[str | Path] = [sys.executable, "-m", "wabus.cli", "simulator", "--json"]


class Reports:
    """The JSON lines the command prints, read one at a time."""

    def __init__(self, process: Process) -> None:
        assert process.stdout is not None and process.stdin is not None
        self._lines = BufferedByteReceiveStream(process.stdout)
        self._stdin = process.stdin

    async def next(self, event: str) -> dict[str, Any]:
        """The next report of this event (skipping others, but no error), within a generous
        bound."""
        with anyio.fail_after(60):
            while True:
                line = await self._lines.receive_until(b"\n", 1 << 20)
                report: dict[str, Any] = json.loads(line)
                if report["event"] == event:
                    return report
                assert report["event"] != "error", report

    async def error(self) -> str:
        """The message of the next error report."""
        with anyio.fail_after(60):
            while True:
                report = json.loads(await self._lines.receive_until(b"\n", 1 << 20))
                if report["event"] == "error":
                    return str(report["message"])

    async def say(self, command: str) -> None:
        await self._stdin.send(command.encode() + b"\n")


async def test_a_client_pairs_talks_and_is_answered_through_the_command(tmp_path: Path) -> None:
    key_file = tmp_path / "root.hex"
    command: list[str | Path] = [*COMMAND, "--root-key", key_file]
    async with processes.open_process(command, stderr=processes.DEVNULL) as process:
        reports = Reports(process)
        listening = await reports.next("listening")
        root = TrustedRoot(
            serial=listening["root_serial"], key=bytes.fromhex(listening["root_key"])
        )
        assert root.key == load_root_key(key_file).public  # the file holds the key it printed
        assert listening["url"].startswith("ws://127.0.0.1:")

        client = Client(MemoryStore(), url=listening["url"], trusted_roots=[root])
        events = EventRecorder()
        async with Bot.builder().with_source(client).with_handler(events).build():
            qr = await events.wait_for(PairingQrCode, timeout=60)
            assert isinstance(qr, PairingQrCode)
            await reports.say(f"scan {qr.code}")
            ready = await reports.next("ready")
            await events.wait_for(Connected, timeout=60)
            assert client.state is not None and str(client.state.pn) == ready["device"]

            await reports.say("send alice ping")
            sent = await reports.next("sent")
            ping = await events.wait_for(
                lambda e: isinstance(e, Message) and e.text == "ping", timeout=60
            )
            assert isinstance(ping, Message) and ping.info.id == sent["id"]

            await client.send_message(ALICE, WAMessage(conversation="pong"))
            answer = await reports.next("message")
            assert answer["text"] == "pong"
            assert answer["recipient"].startswith(ALICE.user)

            await reports.say("devices")
            assert (await reports.next("devices"))["devices"] == [ready["device"]]
            await reports.say("quit")
            await reports.next("stopped")
            with anyio.fail_after(60):
                assert await process.wait() == 0


async def test_a_bad_command_is_reported_and_the_simulator_goes_on() -> None:
    async with processes.open_process(COMMAND, stderr=processes.DEVNULL) as process:
        reports = Reports(process)
        await reports.next("listening")
        for bad in ("scan not-a-code", "send carol hi", "frobnicate", "scenario"):
            await reports.say(bad)
        errors = [await reports.error() for _ in range(3)]
        assert "not a pairing QR code" in errors[0]
        assert "usage: send FROM TEXT" in errors[1]
        assert "unknown" in errors[2]
        process.send_signal(signal.SIGTERM)  # while "scenario" waits for a companion
        await reports.next("stopped")
        with anyio.fail_after(60):
            assert await process.wait() == 0


async def test_the_end_of_input_does_not_stop_it() -> None:
    async with processes.open_process(COMMAND, stderr=processes.DEVNULL) as process:
        reports = Reports(process)
        listening = await reports.next("listening")
        assert process.stdin is not None
        await process.stdin.aclose()
        # Still serving: a client completes the handshake and is shown a QR code.
        client = Client(
            MemoryStore(),
            url=listening["url"],
            trusted_roots=[TrustedRoot(serial=0, key=bytes.fromhex(listening["root_key"]))],
        )
        events = EventRecorder()
        async with Bot.builder().with_source(client).with_handler(events).build():
            await events.wait_for(PairingQrCode, timeout=60)
        process.send_signal(signal.SIGINT)
        await reports.next("stopped")
        with anyio.fail_after(60):
            assert await process.wait() == 0


def test_the_root_key_file_is_made_private_then_kept(tmp_path: Path) -> None:
    path = tmp_path / "root.hex"
    first = load_root_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_root_key(path).public == first.public


@pytest.mark.parametrize("content", ["", "zz" * 32, "ab" * 31])
def test_a_root_key_file_without_a_key_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "root.hex"
    path.write_text(content)
    with pytest.raises(RootKeyError, match="does not hold a root key"):
        load_root_key(path)


def test_the_command_refuses_a_bad_key_file_and_port(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "root.hex"
    path.write_text("not hex")
    with pytest.raises(SystemExit) as exit_info:
        main(["simulator", "--root-key", str(path)])
    assert exit_info.value.code == 2
    assert "does not hold a root key" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["simulator", "--port", "70000"])
    assert "between 0 and 65535" in capsys.readouterr().err
