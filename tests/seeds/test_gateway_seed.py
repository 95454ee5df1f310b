"""Seed 002, the WebSocket events gateway's page: the payloads of its Baileys-named events.

Its three "Event Payloads" snippets are JavaScript, for a socket.io client of the gateway;
the gateway sends the Baileys dialect's payloads as they are, so here they run against the
Baileys dialect on a bus, with ``socket`` the dialect (how a client connects, the
``/api/events`` namespace and its token, is the gateway's part and tested there). Each is
translated to Python line for line (the translations have the lines of the originals):
``socket.on('x', (data) => {`` is ``def on_x(data):`` and the closing ``});`` is the
``socket.on('x', on_x)`` that registers it; a template literal is an f-string; ``a.b`` is
``a['b']``, except where JavaScript reads what may be absent (``?.`` and a property
Baileys does not always send), which is ``.get`` (JavaScript's ``undefined`` prints as
``None``).
"""

from __future__ import annotations

import pytest

from tests.handlers.dialects import sessions as s
from tests.handlers.dialects.recording import named, record
from tests.seeds.snippets import Run, run_snippet, snippet
from wabus.core import BaseEvent
from wabus.core import events as ev
from wabus.handlers.dialects import BaileysDialect

pytestmark = pytest.mark.anyio

SEED = "002_ab945c21745ae433"

TRANSLATIONS = {
    "messages.upsert.javascript": """\
def on_messages_upsert(data):
  message = data['messages'][0]
  console.log(f"New message from {message['key']['remoteJid']}")
  console.log(message.get('message', {}).get('conversation') or 'Media message')
socket.on('messages.upsert', on_messages_upsert)
""",
    "connection.update.javascript": """\
def on_connection_update(update):
  console.log('Connection status:', update.get('connection'))
  # Possible values: 'open', 'close', 'connecting'
socket.on('connection.update', on_connection_update)
""",
    "presence.update.javascript": """\
def on_presence_update(update):
  id, presences = update['id'], update['presences']
  console.log(f"User {id} is now {'online' if presences.get('available') else 'offline'}")
socket.on('presence.update', on_presence_update)
""",
}
"""The payload snippets, in Python, line for line."""

COVERS = set(TRANSLATIONS)
"""The snippets of this seed that the tests below run."""

NOT_OURS = {
    "javascript-socket.io-client.javascript": "connecting to the gateway: the gateway's tests",
    "python.python": "connecting with python-socketio: tests/handlers/gateway/test_gateway.py"
    " runs it (test_the_seeds_python_snippet_connects_subscribes_and_receives)",
}
"""The seed's connection snippets, which the gateway's own tests cover."""

ALICE = "15550000002@s.whatsapp.net"
GROUP = str(s.GROUP)


async def run(name: str, events: list[BaseEvent]) -> Run:
    """Run the translation of snippet `name` on `events`."""
    return await run_snippet(
        TRANSLATIONS[name],
        as_name="socket",
        dialect_name="baileys",
        events=events,
        filename=f"<{SEED}: {name}>",
    )


def test_the_translations_keep_the_lines_of_the_originals() -> None:
    for name, translation in TRANSLATIONS.items():
        original = snippet(SEED, name)
        assert len(translation.splitlines()) == len(original.splitlines()), name


async def test_messages_upsert() -> None:
    result = await run("messages.upsert.javascript", [s.OFFLINE_TEXT, s.IMAGE, s.MENTION])
    assert result.errors == []
    assert result.lines == [
        f"New message from {ALICE}",
        "ping",
        f"New message from {ALICE}",
        "Media message",
        f"New message from {GROUP}",
        "Media message",  # an extendedTextMessage has no `conversation`: so in JavaScript too
    ]


async def test_connection_update() -> None:
    result = await run("connection.update.javascript", [s.QR_1, *s.pairing()[2:4], s.DROPPED])
    assert result.errors == []
    assert result.lines == [
        "Connection status: connecting",  # synthesised before the first QR code
        "Connection status: None",  # {qr}: no connection field, as in Baileys
        "Connection status: None",  # {isNewLogin: true, qr: None}
        "Connection status: open",
        "Connection status: close",
    ]


async def test_presence_update_says_who_is_online() -> None:
    offline = ev.Presence(jid=s.ALICE, unavailable=True, last_seen=s.at(9))
    result = await run("presence.update.javascript", [s.ONLINE, s.TYPING, offline])
    assert result.errors == []
    assert result.lines == [
        f"User {ALICE} is now online",
        f"User {GROUP} is now online",  # Bob, typing in the group (the seed prints the `id`)
        f"User {ALICE} is now offline",
    ]


async def test_presence_update_keeps_baileys_shape() -> None:
    [(update,)] = named(await record(BaileysDialect(), [s.ONLINE]), "presence.update")
    jids = {key: value for key, value in update["presences"].items() if key != "available"}
    assert jids == {ALICE: {"lastKnownPresence": "available", "lastSeen": int(s.at(3).timestamp())}}
    assert update["presences"]["available"] is True  # the one key that is no JID
