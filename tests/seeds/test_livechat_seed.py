"""Seed 003, the LiveChat Customer SDK's "Events" page: its snippets, against the LiveChat
dialect in its default shape (``shape="seed"``).

Every snippet is JavaScript, so each is translated to Python line for line (the translations
below have the lines of the originals): ``api.on('x', payload => {`` is ``def on_x(payload):``
and the closing ``})`` is the ``api.on('x', on_x)`` that registers it; ``payload.key`` is
``payload['key']``; ``console`` is the JavaScript global (`tests.seeds.snippets.Console`).
``api`` is the dialect on a bus (the page never shows its construction). Two sections of the
page are inside an HTML comment (``chat_properties_updated`` and
``chat_thread_properties_updated``): the published page does not show them, and they are not
run here.

``new_event``: the seed's handler takes ``payload`` but reads ``event``, a name it never binds
(a ReferenceError in Node; in a browser, the deprecated ``window.event``, which is not this
payload). The payload table beside it documents ``type`` at the payload's top level, so the
translation reads ``payload``; run with ``event`` as written, it fails with that NameError.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.handlers.dialects import sessions as s
from tests.seeds.snippets import Run, run_snippet, snippet
from wabus.core import BaseEvent
from wabus.core import events as ev
from wabus.handlers.dialects import DeliveryError
from wabus.proto import common_pb2, e2e_pb2, history_pb2, web_pb2

pytestmark = pytest.mark.anyio

SEED = "003_ef5eb98f71503bba"

TRANSLATIONS = {
    "connected.js": """\
def on_connected(payload):
    console.log('connected')
    console.log(payload['chatsSummary'])
    console.log(payload['totalChats'])
api.on('connected', on_connected)
""",
    "connection_lost.js": """\
def on_connection_lost():
    console.log('connection_lost')
api.on('connection_lost', on_connection_lost)
""",
    "connection_restored.js": """\
def on_connection_restored(payload):
    console.log('connection_restored')
    console.log(payload['chatsSummary'])
    console.log(payload['totalChats'])
api.on('connection_restored', on_connection_restored)
""",
    "customer_id.js": """\
def on_customer_id(id):
    console.log('customer id is', id)
api.on('customer_id', on_customer_id)
""",
    "disconnected.js": """\
def on_disconnected(reason):
    console.log(reason)
api.on('disconnected', on_disconnected)
""",
    "last_seen_timestamp_updated.js": """\
def on_last_seen_timestamp_updated(payload):
    console.log(payload['chat'])
    console.log(payload['user'])
    console.log(payload['timestamp'])
api.on('last_seen_timestamp_updated', on_last_seen_timestamp_updated)
""",
    "new_event.js": """\
def on_new_event(payload):
    match payload['type']:
        case 'message':
            console.log('new message - ', payload['text'])
            pass  # break
        case _:
            pass  # break
    # }
api.on('new_event', on_new_event)
""",
    "user_data.js": """\
def on_user_data(user):
    console.log(user)
api.on('user_data', on_user_data)
""",
    "user_is_typing.js": """\
def on_user_is_typing(payload):
    console.log('user with ' + payload['user'] + ' id is writing something in ' + payload['chat'])
api.on('user_is_typing', on_user_is_typing)
""",
    "user_stopped_typing.js": """\
def on_user_stopped_typing(payload):
    console.log('user with ' + payload['user'] + ' id stopped writing in ' + payload['chat'])
api.on('user_stopped_typing', on_user_stopped_typing)
""",
    "thread_closed.js": """\
def on_thread_closed(payload):
    chat = payload['chat']; console.log(chat)
api.on('thread_closed', on_thread_closed)
""",
    "thread_metada.js": """\
def on_thread_metada(metadata):
    console.log(metadata)
api.on('thread_metada', on_thread_metada)
""",
}
"""Every snippet of the page, in Python, line for line."""

COVERS = set(TRANSLATIONS)
"""The snippets of this seed that the tests below run."""

ME = "15550000001@s.whatsapp.net"
ALICE = "15550000002@s.whatsapp.net"
BOB = "15550000003@s.whatsapp.net"
GROUP = str(s.GROUP)

HISTORY = ev.HistorySync(
    sync_type=ev.HistorySyncType.INITIAL_BOOTSTRAP,
    raw=history_pb2.HistorySync(
        syncType=history_pb2.HistorySync.INITIAL_BOOTSTRAP,
        conversations=[
            history_pb2.Conversation(
                id=BOB,
                messages=[
                    history_pb2.HistorySyncMsg(
                        message=web_pb2.WebMessageInfo(
                            key=common_pb2.MessageKey(remoteJid=BOB, id="H1"),
                            message=e2e_pb2.Message(conversation="hi"),
                            messageTimestamp=int(s.at(-60).timestamp()),
                        )
                    )
                ],
            )
        ],
    ).SerializeToString(),
)
DELETED = ev.DeleteChatUpdate(jid=s.ALICE, timestamp=s.at(40))
SESSION: list[BaseEvent] = [
    s.PAIRED,
    s.CONNECTED,
    HISTORY,
    s.OFFLINE_TEXT,
    s.OFFLINE_READ,
    s.TYPING,
    s.PAUSED,
    s.DROPPED,
    s.RECONNECTED,
    DELETED,
    s.LOGGED_OUT,
]
"""Pairing, a history chunk (Bob's chat), Alice's "ping" and her read receipt, Bob typing in
the group and stopping, a dropped connection and the reconnect, Alice's chat deleted, a
logout."""


def _whatsapp(push_name: str = "", *, offline: bool = False) -> dict[str, Any]:
    return {"whatsapp": {"from_me": False, "push_name": push_name, "is_offline": offline}}


SUMMARY = [  # what wabus knows when the connection comes back: most recently active first
    {
        "id": ALICE,
        "active": True,
        "users": [ALICE],
        "lastEvent": {
            "id": "OFF1",
            "authorId": ALICE,
            "createdAt": "2026-11-21T09:00:01.000Z",
            "threadId": ALICE,
            "properties": _whatsapp("Alice", offline=True),
            "type": "message",
            "text": "ping",
        },
        "lastThread": ALICE,
    },
    {
        "id": BOB,  # from the history sync: older than anything live
        "active": True,
        "users": [BOB],
        "lastEvent": {
            "id": "H1",
            "authorId": BOB,
            "createdAt": "2026-11-21T08:59:00.000Z",
            "threadId": BOB,
            "properties": _whatsapp(),
            "type": "message",
            "text": "hi",
        },
        "lastThread": BOB,
    },
]


async def run(name: str, code: str | None = None, **options: Any) -> Run:
    """Run the translation of snippet `name` on `SESSION`."""
    return await run_snippet(
        TRANSLATIONS[name] if code is None else code,
        as_name="api",
        dialect_name="livechat",
        events=SESSION,
        options=options,
        filename=f"<{SEED}: {name}>",
    )


def test_the_translations_keep_the_lines_of_the_originals() -> None:
    for name, translation in TRANSLATIONS.items():
        original = snippet(SEED, name)
        assert len(translation.splitlines()) == len(original.splitlines()), name


async def test_connected_carries_the_chats_summary_and_total_chats() -> None:
    result = await run("connected.js")
    assert result.errors == []
    assert result.lines == [
        "connected",
        "[]",  # the first login: no chat seen yet
        "0",
        "connected",  # the reconnect
        str(SUMMARY),
        "2",
    ]


async def test_connection_lost_and_restored() -> None:
    lost = await run("connection_lost.js")
    assert (lost.errors, lost.lines) == ([], ["connection_lost"])
    restored = await run("connection_restored.js")
    assert restored.errors == []
    assert restored.lines == ["connection_restored", str(SUMMARY), "2"]


async def test_customer_id() -> None:
    result = await run("customer_id.js")
    assert (result.errors, result.lines) == ([], [f"customer id is {ME}"])


async def test_disconnected_passes_a_reason_string() -> None:
    result = await run("disconnected.js")
    assert (result.errors, result.lines) == ([], ["connection_lost", "logged_out_remotely"])
    sdk = await run("disconnected.js", shape="sdk")  # the current SDK's shape, for comparison
    assert sdk.lines == ["{'reason': 'connection_lost'}", "{'reason': 'logged_out_remotely'}"]


async def test_last_seen_timestamp_updated() -> None:
    result = await run("last_seen_timestamp_updated.js")
    assert result.errors == []
    assert result.lines == [ALICE, ALICE, str(int(s.at(2).timestamp() * 1000))]


async def test_new_event_has_its_type_at_the_top_level() -> None:
    result = await run("new_event.js")
    assert (result.errors, result.lines) == ([], ["new message -  ping"])  # two spaces, as JS


async def test_new_event_as_written_reads_an_unbound_event() -> None:
    as_written = TRANSLATIONS["new_event.js"].replace("payload['", "event['")
    assert as_written.count("event['") == 2
    result = await run("new_event.js", code=as_written)
    assert result.output == ""
    [error] = result.errors
    assert isinstance(error, DeliveryError)
    assert "name 'event' is not defined" in str(error.failures[0])


async def test_user_data() -> None:
    result = await run("user_data.js")
    assert result.errors == []
    assert result.lines == [
        str({"type": "agent", "id": ALICE, "name": "Alice", "avatar": None, "jobTitle": ""})
    ]


async def test_typing() -> None:
    started = await run("user_is_typing.js")
    assert started.errors == []
    assert started.lines == [f"user with {BOB} id is writing something in {GROUP}"]
    stopped = await run("user_stopped_typing.js")
    assert (stopped.errors, stopped.lines) == (
        [],
        [f"user with {BOB} id stopped writing in {GROUP}"],
    )


async def test_thread_closed() -> None:
    result = await run("thread_closed.js")
    assert (result.errors, result.lines) == ([], [ALICE])


async def test_thread_metada_in_the_seeds_spelling() -> None:
    result = await run("thread_metada.js")
    assert result.errors == []
    assert result.lines == [str({"id": BOB, "chat": BOB, "order": 0, "totalEvents": 1})]
