"""The code snippets of the seed documents, kept verbatim as test fixtures, and a runner.

The seeds (``../shared/seeds/*.txt`` beside the checkout) are the documents wabus was
specified from; each code block in them is a contract: run against wabus, it must print the
right thing. `extract` finds the blocks of one seed (skipping "TODO" placeholders and blocks
inside HTML comments, which the published page does not show), each named after its section
and its language tab, e.g. ``scan.py`` or ``presence.update.javascript``. The blocks are
stored under ``tests/seeds/fixtures/<seed>/<name>.txt`` so the suite runs without the seeds;
``test_fixtures`` checks that they still match the seeds when those are present. Regenerate
them with ``python -m tests.seeds.snippets``.

`run_snippet` runs one snippet's Python (a seed's own, or the line-for-line translation of a
JavaScript one) against a dialect attached to a real `CoreEventBus`, publishes core events
through the bus, and returns what the snippet printed and what failed. `adapt` is the only
change made to a Python snippet: its import lines of the foreign SDK become wabus's (the
object the snippet uses, ``bot``, ``api`` or ``socket``, is given to it already built, as the
seeds never show its construction).
"""

from __future__ import annotations

import io
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from wabus.core import BaseEvent, CoreEventBus
from wabus.handlers.dialects import Dialect, dialect

HERE: Final = Path(__file__).parent
FIXTURES: Final = HERE / "fixtures"
SHARED_SEEDS: Final = HERE.parents[2] / "shared" / "seeds"
"""Where the seeds are, beside the checkout (CI and every developer have them there)."""

SEEDS: Final = {
    "000_cec76774f56f3285": "Wechaty: Listening Events",
    "001_1e5405c68fae909c": "whatsapp-rust: the event system (its page kept no code blocks)",
    "002_ab945c21745ae433": "the socket.io events gateway, with Baileys event names",
    "003_ef5eb98f71503bba": "LiveChat Customer SDK (2.0 alpha): Events",
}

_FENCE = re.compile(r"^```(\w*)\s*$")
_TAB = re.compile(r'<TabItem value="(\w+)">')
_HEADING = re.compile(r"^(#{2,4})\s+(.*?)\s*$")
_PLACEHOLDER = "TODO: Pull Request is welcome!"


def _section_name(heading: str) -> str:
    """``### `scan`: QR code`` → ``scan``; ``### JavaScript (Socket.IO Client)`` →
    ``javascript-socket.io-client``; ``## connected`` → ``connected``."""
    quoted = re.match(r"`([^`]+)`", heading)
    if quoted:
        return quoted.group(1)
    return re.sub(r"[^a-z0-9._]+", "-", heading.lower()).strip("-")


def extract(text: str) -> dict[str, str]:
    """Every code block of a seed that is neither a placeholder nor commented out, by name
    (``<section>.<tab or language>``), each exactly as written (without its fences)."""
    found: dict[str, str] = {}
    section = ""
    tab = ""
    language = ""
    block: list[str] | None = None
    in_comment = False
    for line in text.splitlines():
        if block is not None:
            if line.strip() == "```":
                code = "\n".join(block) + "\n"
                if _PLACEHOLDER not in code:
                    name = f"{section}.{tab or language}"
                    if name in found:
                        raise ValueError(f"two code blocks are named {name!r}")
                    found[name] = code
                block = None
            else:
                block.append(line)
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if "<!--" in line and "-->" not in line.split("<!--", 1)[1]:
            in_comment = True
            continue
        if heading := _HEADING.match(line):
            section, tab = _section_name(heading.group(2)), ""
        elif tab_match := _TAB.search(line):
            tab = tab_match.group(1)
        elif "</TabItem>" in line:
            tab = ""
        elif fence := _FENCE.match(line):
            language, block = fence.group(1), []
    if block is not None:
        raise ValueError("a code block is not closed")
    return found


def fixture_names(seed: str) -> list[str]:
    """The names of the snippets stored for `seed`."""
    return sorted(path.name.removesuffix(".txt") for path in (FIXTURES / seed).glob("*.txt"))


def snippet(seed: str, name: str) -> str:
    """The stored snippet `name` of `seed`, verbatim."""
    return (FIXTURES / seed / f"{name}.txt").read_text(encoding="utf-8")


# Running a snippet ------------------------------------------------------------------------

_IMPORTS: Final = (
    (re.compile(r"^from wechaty import ", re.M), "from wabus.handlers.dialects.wechaty import "),
)
"""The foreign SDKs' Python import lines, as wabus's."""


def adapt(code: str) -> str:
    """A seed's Python snippet with its SDK imports made wabus's; nothing else changes."""
    for pattern, replacement in _IMPORTS:
        code = pattern.sub(replacement, code)
    return code


class Console:
    """JavaScript's ``console`` for the translated snippets: ``log`` and ``info`` print their
    arguments separated by spaces, as Node does (each shown as Python's ``print`` shows it)."""

    def __init__(self, output: io.StringIO) -> None:
        self._output = output

    def log(self, *args: Any) -> None:
        """Print `args` to the run's output."""
        print(*args, file=self._output)

    info = log


def encodeURIComponent(value: object) -> str:  # the JavaScript global's name
    """JavaScript's ``encodeURIComponent``: escape all but ``A-Z a-z 0-9 - _ . ! ~ * ' ( )``."""
    return urllib.parse.quote(str(value), safe="-_.!~*'()")


@dataclass
class Run:
    """What one run of a snippet printed, and the failures the bus reported."""

    output: str
    errors: list[Exception]

    @property
    def lines(self) -> list[str]:
        """The output, line by line."""
        return self.output.splitlines()


async def run_snippet(
    code: str,
    *,
    as_name: str,
    dialect_name: str,
    events: Iterable[BaseEvent],
    options: dict[str, Any] | None = None,
    filename: str = "<seed snippet>",
) -> Run:
    """Run `code` with the dialect `dialect_name` (attached to a fresh bus with `options`)
    bound to `as_name`, then publish `events` through the running bus; what it printed and
    what failed. The snippet's own code runs exactly as given; its ``print`` (and the
    translations' ``console``) write to the run's output, which the bus's own logging does
    not reach."""
    errors: list[Exception] = []
    bus = CoreEventBus(on_handler_error=lambda error, handler, event: errors.append(error))
    target: Dialect[Any] = dialect(bus, dialect_name, **(options or {}))
    output = io.StringIO()

    def snippet_print(*args: Any, **keywords: Any) -> None:
        keywords.setdefault("file", output)
        print(*args, **keywords)

    namespace: dict[str, Any] = {
        "__name__": "seed_snippet",
        as_name: target,
        "print": snippet_print,
        "console": Console(output),
        "encodeURIComponent": encodeURIComponent,
    }
    exec(compile(code, filename, "exec"), namespace)  # the seed's own code, as written
    async with bus:
        for event in events:
            await bus.publish(event)
    return Run(output.getvalue(), errors)


def main() -> None:
    """Write the fixtures from the seeds beside the checkout (``python -m
    tests.seeds.snippets``)."""
    for seed in SEEDS:
        found = extract((SHARED_SEEDS / f"{seed}.txt").read_text(encoding="utf-8"))
        folder = FIXTURES / seed
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.txt"):
            old.unlink()
        for name, code in found.items():
            (folder / f"{name}.txt").write_text(code, encoding="utf-8")
        print(f"{seed}: {len(found)} snippet(s)")


if __name__ == "__main__":
    main()
