"""The public API's types, as a user's type checker sees them.

``pass/`` holds user code that must type-check under ``mypy --strict`` (the project's settings);
``fail/`` holds code that must not, with ``# E: text`` on every line that must have an error
whose message contains `text`, and no error anywhere else. The project's own mypy run skips
``fail/`` (``exclude`` in pyproject.toml).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
PASSING = sorted((HERE / "pass").glob("*.py"))
FAILING = sorted((HERE / "fail").glob("*.py"))
_EXPECT = re.compile(r"#\s*E:\s*(?P<text>.+?)\s*$")
_REPORTED = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: (?P<message>.*)$")


def _mypy(path: Path) -> tuple[int, list[tuple[int, str]]]:
    """Run mypy with the project's configuration on one file: (exit status, errors by line)."""
    stdout, stderr, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary", str(path)]
    )
    assert not stderr, stderr
    errors = []
    for line in stdout.splitlines():
        found = _REPORTED.match(line)
        if found and Path(found["path"]).resolve() == path.resolve():
            errors.append((int(found["line"]), found["message"]))
    return status, errors


def test_there_are_cases() -> None:
    assert PASSING and FAILING


@pytest.mark.parametrize("path", PASSING, ids=lambda p: p.stem)
def test_user_code_that_fits_the_api_type_checks(path: Path) -> None:
    status, errors = _mypy(path)
    assert errors == []
    assert status == 0


@pytest.mark.parametrize("path", FAILING, ids=lambda p: p.stem)
def test_user_code_that_misuses_the_api_is_rejected_where_expected(path: Path) -> None:
    expected: dict[int, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        found = _EXPECT.search(line)
        if found:
            expected[number] = found["text"]
    assert expected, f"{path.name} names no expected error"
    status, errors = _mypy(path)
    assert status == 1
    by_line: dict[int, list[str]] = {}
    for number, message in errors:
        by_line.setdefault(number, []).append(message)
    unexpected = {n: m for n, m in by_line.items() if n not in expected}
    assert unexpected == {}, "errors on lines that expect none"
    for number, text in expected.items():
        messages = by_line.get(number, [])
        assert any(text in message for message in messages), (number, text, messages)
