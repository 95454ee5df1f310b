"""The guides' snippets run, and print what the guides say they print.

Every ```` ```python ```` block of a guide (``docs/*.md``) is part of that page's script: the
blocks run in order, as one program, in a process of their own (so a page builds on its earlier
blocks, as a reader would). A ```` ```text ```` block right after a python block lists lines the
program must print, in that order (other lines, such as log lines, may come between). A python
block after an ``<!-- norun -->`` line is shown but not run (one that needs WhatsApp itself).
The site itself is built with warnings as errors by ``make docs`` (``.ci/run`` runs it).
"""

from __future__ import annotations

import os
import re
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests import processes

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
NORUN = "<!-- norun -->"
# One guide page per area (issue 15 §5), each with at least one runnable snippet.
GUIDES = ("bus", "client", "simulator", "dialects", "gateway", "nats")
# Pages whose snippets need NATS with JetStream on 127.0.0.1:4222 (as tests/handlers/nats).
NEEDS_NATS = frozenset({"nats"})

# A fence may be indented (a block in a list item); its body is indented as much.
_FENCE = re.compile(r"^( *)(`{3,})(\S*)\s*$")


class DocsFormatError(ValueError):
    """A page's code fences do not pair up (the line is named)."""


@dataclass
class Snippet:
    """One runnable python block, where it starts, and the lines it must print."""

    line: int
    code: str
    expected: list[str] = field(default_factory=list)


def snippets(text: str) -> list[Snippet]:
    """The runnable python blocks of a page, each with the ``text`` block that follows it."""
    found: list[Snippet] = []
    lines = text.splitlines()
    index = 0
    previous = ""  # the last non-blank line outside a block
    last: Snippet | None = None  # the python block just before, if nothing came between
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            if lines[index].strip():
                previous = lines[index].strip()
                last = None
            index += 1
            continue
        indent, fence, language = opening.groups()
        start = index + 1
        end = start
        while end < len(lines) and lines[end].rstrip() != indent + fence:
            end += 1
        if end == len(lines):
            raise DocsFormatError(f"line {index + 1}: the {fence}{language} block is not closed")
        body = "\n".join(line.removeprefix(indent) for line in lines[start:end])
        if language == "python" and previous != NORUN:
            last = Snippet(line=index + 1, code=body)
            found.append(last)
        elif language == "text" and last is not None:
            last.expected = [line.strip() for line in lines[start:end] if line.strip()]
            last = None
        else:
            last = None
        previous = ""
        index = end + 1
    return found


def script(page: Path) -> str:
    """The page's runnable blocks as one program, each block at its own line of the page."""
    text = page.read_text(encoding="utf-8")
    program: list[str] = []
    for snippet in snippets(text):
        # Pad with blank lines so a traceback's line number is the page's.
        program.extend([""] * (snippet.line - len(program)))
        program.extend(snippet.code.splitlines())
    return "\n".join(program) + "\n"


def nats_answers() -> bool:
    """Whether NATS with JetStream greets a connection on 127.0.0.1:4222."""
    try:
        with socket.create_connection(("127.0.0.1", 4222), 1.0) as sock:
            sock.settimeout(1.0)
            greeting = sock.recv(4096)
    except OSError:
        return False
    return greeting.startswith(b"INFO") and b'"jetstream":true' in greeting


def test_every_area_has_a_guide_with_snippets() -> None:
    for name in GUIDES:
        page = DOCS / f"{name}.md"
        assert page.is_file(), page
        assert snippets(page.read_text(encoding="utf-8")), f"{page} has no runnable snippet"
        assert f"{name}.md" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")


def test_snippet_extraction() -> None:
    page = "\n".join(
        [
            "```python",
            "print('a')",
            "```",
            "",
            "```text",
            "a",
            "```",
            NORUN,
            "```python",
            "raise SystemExit(1)",
            "```",
            "prose",
            "```text",
            "not output",
            "```",
            "````python",
            "print('```')",
            "````",
            "- in a list:",
            "",
            "    ```python",
            "    if True:",
            "        print('b')",
            "    ```",
        ]
    )
    found = snippets(page)
    assert [(s.line, s.code, s.expected) for s in found] == [
        (1, "print('a')", ["a"]),
        (16, "print('```')", []),
        (21, "if True:\n    print('b')", []),
    ]
    with pytest.raises(DocsFormatError, match="line 1: the ```python block is not closed"):
        snippets("```python\nprint(1)\n")


def _in_order(expected: list[str], printed: list[str]) -> list[str]:
    """The expected lines that do not appear in `printed` in order (none: all do)."""
    position = 0
    for index, line in enumerate(expected):
        try:
            position = printed.index(line, position) + 1
        except ValueError:
            return expected[index:]
    return []


@pytest.mark.parametrize("name", GUIDES)
def test_the_guide_snippets_run(name: str, tmp_path: Path) -> None:
    page = DOCS / f"{name}.md"
    if name in NEEDS_NATS and not nats_answers():
        message = "no NATS server with JetStream on 127.0.0.1:4222 (.ci/run starts one)"
        if os.environ.get("WABUS_REQUIRE_NATS"):
            pytest.fail(message)
        pytest.skip(message)
    # Not "<name>.py": the script's folder comes first on sys.path, and nats.py would hide nats.
    program = tmp_path / f"docs_{name}.py"
    program.write_text(script(page), encoding="utf-8")
    result = processes.run([sys.executable, program], timeout=600, cwd=tmp_path)
    assert result.returncode == 0, f"{page}:\n{result.stdout}\n{result.stderr}"
    printed = [line.rstrip() for line in result.stdout.splitlines()]
    for snippet in snippets(page.read_text(encoding="utf-8")):
        missing = _in_order(snippet.expected, printed)
        assert not missing, f"{page}:{snippet.line}: not printed: {missing}\n{result.stdout}"
