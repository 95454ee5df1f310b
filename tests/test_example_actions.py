"""``examples/actions_bot.py`` runs as a user would run it, and does what it says."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from tests import processes

ROOT = Path(__file__).resolve().parent.parent


def test_the_actions_bot_example_runs() -> None:
    result = processes.run([sys.executable, ROOT / "examples/actions_bot.py"], timeout=600)
    assert result.returncode == 0, result.stderr
    printed = [line for line in result.stdout.splitlines() if not re.match(r"\d{4}-", line)]
    assert printed[:2] == ["Alice got a reply quoting 'lunch?'", "Alice got a reaction: 🍕"]
    assert re.fullmatch(r"the group 1203630\d{11} got a poll: pizza, sushi, salad", printed[2])
    assert printed[3] == 'and an image: "today\'s menu", 16384 bytes, image/jpeg'
    assert len(printed) == 4
