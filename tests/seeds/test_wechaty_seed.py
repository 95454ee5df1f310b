"""Seed 000, Wechaty's "Listening Events": its snippets, run against the Wechaty dialect.

The page has code for ``scan``, ``login`` and ``message`` in TypeScript, JavaScript and
Python; its other sections (``logout``, ``friendship``, the room events, ``dong``,
``heartbeat``, ``dirty``, ``reset``, ``error``, ``ready``) are "TODO" placeholders. The Python
snippets run exactly as written (`adapt` would turn a ``from wechaty import`` into wabus's;
they have none), with ``bot`` the Wechaty dialect on a bus. The TypeScript and JavaScript
ones are translated line for line (the translations below have the lines of the originals):
``function f (…) {`` is ``def f (…):``, a closing ``}`` is a ``# }`` comment, ``import { X }
from 'wechaty'`` imports X from `wabus.handlers.dialects.wechaty`, a type ``undefined |
string`` is ``None | str``, and ``console`` and ``encodeURIComponent`` are the JavaScript
globals (`tests.seeds.snippets.Console`). ``bot.start()`` stays: the dialect has it.

Wechaty's objects print as their ``toString()`` reads (``Contact<name>``); so do the
dialect's.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.handlers.dialects import sessions as s
from tests.seeds.snippets import Run, adapt, run_snippet, snippet
from wabus.core import BaseEvent
from wabus.handlers.dialects import DeliveryError, ListenerError

pytestmark = pytest.mark.anyio

SEED = "000_cec76774f56f3285"
COVERS = {f"{event}.{tab}" for event in ("scan", "login", "message") for tab in ("ts", "js", "py")}
"""The snippets of this seed that the tests below run."""

TRANSLATIONS = {
    "scan.ts": """\
from wabus.handlers.dialects.wechaty import ScanStatus

async def onScan (
  qrcode: None | str,
  status: ScanStatus,
):
  console.info('Scan QR Code to login, status:', status)
  console.info('https://wechaty.js.org/qrcode/' + encodeURIComponent(qrcode))
# }

bot.on('scan', onScan)
bot.start()
""",
    "scan.js": """\
async def onScan (
  qrcode,
  status,
):
  console.info('Scan QR Code to login, status:', status)
  console.info('https://wechaty.js.org/qrcode/' + encodeURIComponent(qrcode))
# }

bot.on('scan', onScan)
bot.start()
""",
    "login.ts": """\
from wabus.handlers.dialects.wechaty import Contact

def onLogin (bot: Contact):
  console.info('Bot logged in:', bot)
# }

bot.on('login', onLogin)
bot.start()
""",
    "login.js": """\
def onLogin (bot):
  console.info('Bot logged in:', bot)
# }

bot.on('login', onLogin)
bot.start()
""",
    "message.ts": """\
from wabus.handlers.dialects.wechaty import Message

def onMessage (message: Message):
  console.info('New message:', message)
# }

bot.on('message', onMessage)
bot.start()
""",
    "message.js": """\
def onMessage (message):
  console.info('New message:', message)
# }

bot.on('message', onMessage)
bot.start()
""",
}
"""The TypeScript and JavaScript snippets in Python, line for line."""

ME = "15550000001@s.whatsapp.net"
MESSAGES = [
    s.PAIRED,
    s.CONNECTED,
    s.OFFLINE_TEXT,
    s.SUBJECT_1,
    s.MENTION,
    s.IMAGE,
    s.UNDECRYPTABLE,
    s.OWN_TEXT,
]
PRINTED_MESSAGES = [
    "Message#Text[Contact<Alice>] ping",
    "Message#Text[Contact<Bob>@Room<Book club>] hello @15550000001",
    "Message#Image[Contact<Alice>] look",
    "Message#Unknown[Contact<Bob>]",
    f"Message#Text[Contact<{ME}>] pong",
]


async def run(name: str, events: list[BaseEvent], code: str | None = None, **options: Any) -> Run:
    """Run snippet `name` (its translation, if it is TypeScript or JavaScript) on `events`."""
    if code is None:
        code = TRANSLATIONS[name] if name in TRANSLATIONS else adapt(snippet(SEED, name))
    return await run_snippet(
        code,
        as_name="bot",
        dialect_name="wechaty",
        events=events,
        options={"heartbeat_interval": None, **options},
        filename=f"<{SEED}: {name}>",
    )


def test_the_translations_keep_the_lines_of_the_originals() -> None:
    for name, translation in TRANSLATIONS.items():
        original = snippet(SEED, name)
        assert len(translation.splitlines()) == len(original.splitlines()), name
        for theirs, ours in zip(original.splitlines(), translation.splitlines(), strict=True):
            assert bool(theirs.strip()) == bool(ours.strip()), (name, theirs, ours)


QR_LINES = [
    "Scan QR Code to login, status: 2",
    "https://wechaty.js.org/qrcode/2%40ref-1%2Cnoise%2Cidentity%2Cadv",
    "Scan QR Code to login, status: 2",
    "https://wechaty.js.org/qrcode/2%40ref-2%2Cnoise%2Cidentity%2Cadv",
    "Scan QR Code to login, status: 4",  # Confirmed: the phone scanned it
    "https://wechaty.js.org/qrcode/",
]


@pytest.mark.parametrize("name", ["scan.ts", "scan.js"])
async def test_scan_in_typescript_and_javascript(name: str) -> None:
    """``scan`` passes the QR code and Wechaty's numeric ScanStatus (2 Waiting, 4 Confirmed),
    as TypeScript prints an enum; the URL escapes the code as ``encodeURIComponent`` does."""
    result = await run(name, s.pairing())
    assert result.errors == []
    assert result.lines == QR_LINES


async def test_scan_in_python_as_written_names_an_undefined_staus() -> None:
    """The seed's Python reads ``staus`` (a typo for ``status``): run as written, the
    listener raises NameError, as it would under python-wechaty. The dialect reports it to the
    bus for each scan and carries on; nothing is printed, since the failing line comes first.
    """
    result = await run("scan.py", [s.QR_1, s.QR_2])
    assert result.output == ""
    assert len(result.errors) == 2
    for error in result.errors:
        assert isinstance(error, DeliveryError)
        [failure] = error.failures
        assert isinstance(failure, ListenerError) and failure.name == "scan"
        assert isinstance(failure.error, NameError) and "'staus'" in str(failure.error)


async def test_scan_in_python_with_its_typo_mended_prints_the_status_and_the_link() -> None:
    code = adapt(snippet(SEED, "scan.py"))
    mended = code.replace("format(staus)", "format(status)")
    assert mended.count("\n") == code.count("\n") and mended != code  # that one word only
    result = await run("scan.py", [s.QR_1, s.PAIRED], code=mended)
    assert result.errors == []
    assert result.output == (
        "Scan QR Code to login: 2\n\n"
        f"https://wechaty.js.org/qrcode/{s.QR_1.code}\n"
        "Scan QR Code to login: 4\n\n"
        "https://wechaty.js.org/qrcode/\n"
    )


@pytest.mark.parametrize("name", ["login.ts", "login.js"])
async def test_login_in_typescript_and_javascript(name: str) -> None:
    result = await run(name, [*s.pairing(), s.DROPPED, s.RECONNECTED], push_name="Echo")
    assert result.errors == []
    assert result.lines == ["Bot logged in: Contact<Echo>"]  # once: a reconnect is no login


async def test_login_in_python() -> None:
    result = await run("login.py", s.pairing())
    assert result.errors == []
    assert result.output == f"User Contact<{ME}> logged in\n\n"  # no push name known: the id


@pytest.mark.parametrize("name", ["message.ts", "message.js"])
async def test_message_in_typescript_and_javascript(name: str) -> None:
    result = await run(name, MESSAGES)
    assert result.errors == []
    assert result.lines == [f"New message: {line}" for line in PRINTED_MESSAGES]


async def test_message_in_python() -> None:
    result = await run("message.py", MESSAGES)
    assert result.errors == []
    assert result.output == "".join(f"New message received {line}\n\n" for line in PRINTED_MESSAGES)
