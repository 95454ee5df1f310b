"""The `wabus` command and the README's example bot, run as a user would run them."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from wabus.cli import main
from wabus.core.events import EVENTS_BY_KIND

ROOT = Path(__file__).resolve().parent.parent


def test_run_demo_prints_each_event_and_exits_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wabus.cli", "run", "--demo", "--interval", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    kinds = [m.group(1) for line in lines if (m := re.search(r"\[info\s*\] (\S+)", line))]
    assert kinds[:3] == ["pairing_qr_code", "pair_success", "connected"]
    assert "group_info_update" in kinds
    assert lines[-1] == f"demo finished: {len(kinds)} events handled, 0 handler errors"


def test_run_takes_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["run", "--demo", "--simulator"])
    assert caught.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def _kinds(lines: list[str]) -> list[str]:
    """The event kinds the printing bot logged, in order."""
    found = (re.search(r"\[info\s*\] (\S+)", line) for line in lines)
    return [m.group(1) for m in found if m and m.group(1) in EVENTS_BY_KIND]


def test_run_against_the_simulator_pairs_answers_ping_and_exits_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "wabus.cli", "run", "--scan-delay", "0.1"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    kinds = _kinds(lines)
    assert kinds[:3] == ["pairing_qr_code", "pair_success", "connected"]
    assert "\u2580" in result.stdout  # the QR code, drawn with half blocks
    assert any("text=ping" in line for line in lines)
    assert any("answered ping with pong" in line for line in lines)
    assert {"history_sync", "group_info_update", "incoming_call", "malformed_stanza"} <= set(kinds)
    summary = re.fullmatch(
        r"simulator session finished: (\d+) events of (\d+) kinds handled, 22 stanzas, "
        r"ping answered with pong, 0 handler errors",
        lines[-1],
    )
    assert summary, lines[-1]
    assert int(summary.group(2)) >= 20


def test_run_stops_cleanly_on_ctrl_c() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "wabus.cli", "run", "--scan-delay", "60", "--no-qr"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:  # wait until the bot shows the QR code, mid-pairing
            if "pairing_qr_code" in line:
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert out.splitlines()[-1].startswith("simulator session interrupted: 1 events of 1 kinds")


def test_the_example_bot_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples/echo_bot.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "connected",
        "Alice wrote in 15550000002@s.whatsapp.net: 6 bytes",
        "Bob wrote in 120363000000000001@g.us: 14 bytes",
    ]


def test_the_ping_bot_example_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples/ping_bot.py")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    printed = [line for line in result.stdout.splitlines() if not re.match(r"\d{4}-", line)]
    assert printed == [
        "connected",
        "Alice wrote: ping",
        "the bot answered 15550000002@s.whatsapp.net: pong",
    ]


def test_the_readme_example_is_the_example_file() -> None:
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / "examples/echo_bot.py").read_text()
    for line in ("class EchoBot(EventHandler):", "async def on_message(self, event: Message)"):
        assert line in readme and line in example
    ping_bot = (ROOT / "examples/ping_bot.py").read_text()
    for line in (
        "client = Client(MemoryStore(), url=sim.url, trusted_roots=[sim.trusted_root])",
        "reply = await sim.expect_message(lambda m: m.chat == ALICE)",
    ):
        assert line in readme and line in ping_bot
