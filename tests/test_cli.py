"""The `wabus` command and the README's example bot, run as a user would run them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from wabus.cli import main

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


def test_run_needs_a_source(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["run"])
    assert caught.value.code == 2
    assert "run needs a source" in capsys.readouterr().err


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


def test_the_readme_example_is_the_example_file() -> None:
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / "examples/echo_bot.py").read_text()
    for line in ("class EchoBot(EventHandler):", "async def on_message(self, event: Message)"):
        assert line in readme and line in example
