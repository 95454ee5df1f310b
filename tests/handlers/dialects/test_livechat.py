"""The LiveChat dialect against whole sessions: Customer SDK 4 names, and the seed's older
names as aliases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests.handlers.dialects import sessions as s
from tests.handlers.dialects.recording import named, of, record
from tests.strategies import events as any_event
from wabus.core import BaseEvent, Jid, Server
from wabus.core import events as ev
from wabus.core.payloads import PayloadDecodeError
from wabus.handlers.dialects import LiveChatDialect, ProjectionError, WechatyDialect, current_event
from wabus.handlers.dialects.livechat import LEGACY_NAMES
from wabus.proto import common_pb2, e2e_pb2, history_pb2, web_pb2

pytestmark = pytest.mark.anyio

ME = "15550000001@s.whatsapp.net"
ALICE = "15550000002@s.whatsapp.net"
BOB = "15550000003@s.whatsapp.net"
GROUP = str(s.GROUP)


async def test_connection_lifecycle_and_the_legacy_pairing() -> None:
    out = await record(LiveChatDialect(), s.session())
    connected = [args[0] for args in named(out, "connected")]
    assert len(connected) == 2  # every time, unlike Wechaty's login
    assert connected[0]["customer"]["type"] == "customer"
    assert connected[0]["customer"]["id"] == ME
    assert connected[0]["availability"] == "online"
    assert named(out, "customer_id") == [(ME,)]  # once per session
    # The seed's shape: a reason string (the SDK's {reason} is shape="sdk", below).
    assert named(out, "disconnected") == [("connection_lost",), ("logged_out_remotely",)]
    assert [reason.core for (reason,) in named(out, "disconnected")] == [s.DROPPED, s.LOGGED_OUT]
    assert of(out, s.DROPPED) == ["disconnected", "connection_lost"]
    assert named(out, "connection_lost") == [()]
    [(restored,)] = named(out, "connection_restored")
    assert restored.core is s.RECONNECTED
    assert of(out, s.RECONNECTED) == ["connection_restored", "connected"]
    summary = {chat["id"]: chat for chat in restored["chatsSummary"]}
    assert restored["totalChats"] == len(summary) == 4  # Alice, the group, status, the new group
    assert summary[GROUP]["users"] == [BOB]
    assert summary[GROUP]["lastEvent"]["text"] == "hello @15550000001"
    assert summary[GROUP]["active"] is True and summary[GROUP]["lastThread"] == GROUP
    # Most recently active first: the new group (created last), Alice (MINE3), status, the group.
    assert list(summary) == [str(s.NEW_GROUP), ALICE, "status@broadcast", GROUP]
    # The seed's connected carries the same summary, next to the SDK's customer/availability.
    assert connected[1]["chatsSummary"] == restored["chatsSummary"]
    assert connected[1]["totalChats"] == 4
    assert (connected[0]["chatsSummary"], connected[0]["totalChats"]) == ([], 0)  # first login
    assert of(out, s.HICCUP) == ["connection_unstable"] and of(out, s.HICCUP_2) == []
    assert of(out, s.RECOVERED) == ["connection_recovered"]
    assert [args[0] for args in named(out, "pairing_qr_code")] == [
        {"code": s.QR_1.code, "timeout": 60_000},
        {"code": s.QR_2.code, "timeout": 20_000},
    ]


async def test_incoming_chats_and_events() -> None:
    out = await record(LiveChatDialect(), s.session())
    assert of(out, s.OFFLINE_TEXT) == ["user_data", "incoming_chat", "incoming_event", "new_event"]
    assert of(out, s.IMAGE) == ["incoming_event", "new_event"]  # a chat seen before
    [(user,), *_] = named(out, "user_data")
    assert user == {"type": "agent", "id": ALICE, "name": "Alice", "avatar": None, "jobTitle": ""}
    first_chat = named(out, "incoming_chat")[0][0]["chat"]
    assert first_chat["id"] == ALICE and first_chat["thread"]["chatId"] == ALICE
    assert [u["type"] for u in first_chat["users"]] == ["customer", "agent"]
    assert first_chat["thread"]["events"][0]["text"] == "ping"

    events = {args[0]["event"]["id"]: args[0] for args in named(out, "incoming_event")}
    ping = events["OFF1"]
    assert ping["chatId"] == ALICE
    assert ping["event"] == {
        "id": "OFF1",
        "authorId": ALICE,
        "createdAt": "2026-11-21T09:00:01.000Z",
        "threadId": ALICE,
        "properties": {"whatsapp": {"from_me": False, "push_name": "Alice", "is_offline": True}},
        "type": "message",
        "text": "ping",
    }
    image = events["IMG1"]["event"]
    assert (image["type"], image["contentType"], image["width"], image["height"]) == (
        "file",
        "image/jpeg",
        640,
        480,
    )
    assert image["url"] == "https://mmg.whatsapp.net/x"
    assert image["properties"]["whatsapp"]["caption"] == "look"
    assert image["properties"]["whatsapp"]["encrypted_media"] is True
    undecryptable = events["U1"]["event"]
    assert (undecryptable["type"], undecryptable["systemMessageType"]) == (
        "system_message",
        "undecryptable",
    )
    assert "R1" not in events and "E1" not in events and "V1" not in events

    legacy = {args[0]["id"]: args[0] for args in named(out, "new_event")}
    assert legacy["OFF1"] == {**ping["event"], "chat": ALICE}  # the seed's: type at the top
    assert legacy["U1"]["type"] == "system_message"


async def test_updates_properties_and_seen() -> None:
    out = await record(LiveChatDialect(), s.session())
    [(reaction,)] = named(out, "event_properties_updated")
    assert reaction == {
        "chatId": ALICE,
        "threadId": ALICE,
        "eventId": "MINE1",
        "properties": {"whatsapp": {"reaction": "👍", "reaction_by": ALICE}},
    }
    [(removed,)] = named(out, "event_properties_deleted")
    assert removed["eventId"] == "MINE1" and removed["properties"] == {"whatsapp": ["reaction"]}
    [(edited,), (revoked,)] = named(out, "event_updated")
    assert (edited["event"]["id"], edited["event"]["text"]) == ("IMG1", "look again")
    assert edited["event"]["properties"] == {"whatsapp": {"edited": True}}
    assert revoked["event"]["id"] == "OFF1"
    assert revoked["event"]["properties"] == {"whatsapp": {"revoked": True}}

    [(seen,)] = named(out, "events_marked_as_seen")
    assert seen == {"chatId": ALICE, "userId": ALICE, "seenUpTo": "2026-11-21T09:00:02.000Z"}
    [(last_seen,)] = named(out, "last_seen_timestamp_updated")
    assert last_seen == {"chat": ALICE, "user": ALICE, "timestamp": int(s.at(2).timestamp() * 1000)}

    typing = [args[0] for args in named(out, "incoming_typing_indicator")]
    assert typing == [
        {"chatId": GROUP, "typingIndicator": {"authorId": BOB, "isTyping": True}},
        {"chatId": GROUP, "typingIndicator": {"authorId": BOB, "isTyping": False}},
    ]
    assert named(out, "user_is_typing") == [({"chat": GROUP, "user": BOB},)]
    assert named(out, "user_stopped_typing") == [({"chat": GROUP, "user": BOB},)]


async def test_groups_and_chat_properties() -> None:
    out = await record(LiveChatDialect(), s.session())
    updated = named(out, "chat_properties_updated")
    properties = [args[0]["properties"]["whatsapp"] for args in updated]
    assert properties == [
        {"subject": "Book club"},
        {"subject": "Poetry club"},
        {"description": "Poems on Fridays"},
        {"announce": True},
    ]
    added = [args[0] for args in named(out, "user_added_to_chat")]
    assert added[0]["user"]["id"] == "15550000004@s.whatsapp.net"
    assert added[0]["user"]["type"] == "agent" and added[0]["present"] is True
    assert added[1]["user"]["type"] == "customer"  # we were added to the new group
    assert named(out, "user_removed_from_chat") == [
        ({"chatId": GROUP, "userId": "15550000004@s.whatsapp.net"},)
    ]
    created = [args[0]["chat"] for args in named(out, "incoming_chat")]
    assert created[-1]["id"] == str(s.NEW_GROUP)
    assert created[-1]["properties"] == {"whatsapp": {"subject": "Fresh group"}}
    assert of(out, s.JOINED_ME) == []  # the chat is known already


async def test_chats_end_for_us() -> None:
    removed_me = ev.GroupInfoUpdate(
        jid=s.GROUP,
        actor=s.BOB,
        timestamp=s.at(40),
        change=ev.ParticipantsChanged(
            action=ev.ParticipantAction.REMOVE,
            participants=(ev.GroupParticipant(jid=s.ME.to_non_ad()),),
        ),
    )
    deleted = ev.DeleteChatUpdate(jid=s.ALICE, timestamp=s.at(41))
    out = await record(LiveChatDialect(), [s.PAIRED, removed_me, deleted])
    assert named(out, "chat_deactivated") == [({"chatId": GROUP},), ({"chatId": ALICE},)]
    assert named(out, "thread_closed") == [({"chat": GROUP},), ({"chat": ALICE},)]


async def test_disconnection_reasons_and_profiles() -> None:
    events: list[BaseEvent] = [
        s.PAIRED,
        ev.StreamReplaced(),
        ev.TemporaryBan(code=ev.TempBanReason.SENT_TO_TOO_MANY_PEOPLE, expire=timedelta(hours=2)),
        ev.ClientOutdated(),
        ev.ConnectFailure(reason=ev.ConnectFailureReason.CAT_EXPIRED),
        ev.ConnectFailure(reason=ev.ConnectFailureReason.SERVICE_UNAVAILABLE),
        ev.StreamError(code="500"),
        ev.PushNameUpdate(jid=s.ALICE, new_push_name="Alice B."),
        ev.UserAboutUpdate(jid=s.ALICE, status="busy", timestamp=s.at(1)),
        ev.UserAboutUpdate(jid=s.ME.to_non_ad(), status="at work", timestamp=s.at(2)),
        ev.SelfPushNameUpdated(new_name="Me"),
        ev.IncomingCall(
            jid=s.ALICE,
            stanza_id="c1",
            timestamp=s.at(3),
            action=ev.CallOffer(call_id="CALL1", call_creator=s.ALICE),
        ),
    ]
    reasons = [
        "too_many_connections",
        "customer_temporarily_blocked",
        "unsupported_version",
        "access_token_expired",
        "service_temporarily_unavailable",
        "internal_error",
    ]
    seed = await record(LiveChatDialect(), events)
    assert [args[0] for args in named(seed, "disconnected")] == reasons
    out = await record(LiveChatDialect(shape="sdk"), events)
    assert [args[0]["reason"] for args in named(out, "disconnected")] == reasons
    assert named(out, "disconnected")[1][0]["data"] == {"code": 101, "expire": 7200.0}
    users = [args[0] for args in named(out, "user_data")]
    assert [(u["id"], u["name"], u["jobTitle"]) for u in users] == [
        (ALICE, "Alice B.", ""),
        (ALICE, "", "busy"),
    ]
    assert [args[0] for args in named(out, "customer_updated")] == [
        {"id": ME, "sessionFields": {"about": "at work"}},
        {"id": ME, "name": "Me"},
    ]
    [(call,)] = named(out, "incoming_event")
    assert call["event"]["systemMessageType"] == "call_offer"
    assert call["event"]["text"] == "incoming voice call"


async def test_events_without_payload_reach_their_core_event() -> None:
    livechat = LiveChatDialect()
    cores: list[BaseEvent | None] = []
    livechat.on("connection_lost", lambda: cores.append(getattr(current_event(), "core", None)))
    await record(livechat, [s.DROPPED])
    assert cores == [s.DROPPED] and cores[0] is s.DROPPED


async def test_the_chats_remembered_are_bounded() -> None:
    livechat = LiveChatDialect(max_chats=2)
    chats = [Jid(f"1555000010{n}", Server.USER) for n in range(5)]
    messages = [
        ev.Message(info=s.info(f"M{n}", chat, s.ALICE, n), raw=s.text_body("x"))
        for n, chat in enumerate(chats)
    ]
    out = await record(livechat, [*messages, messages[0]])
    assert len(livechat.state.chats) == 2
    assert len(named(out, "incoming_chat")) == 6  # the first chat was forgotten, so new again
    with pytest.raises(ValueError, match="max_chats"):
        LiveChatDialect(max_chats=0)


def test_legacy_names_are_aliases_of_current_ones() -> None:
    assert set(LEGACY_NAMES) == {
        "connection_lost",
        "connection_restored",
        "new_event",
        "user_is_typing",
        "user_stopped_typing",
        "last_seen_timestamp_updated",
        "thread_closed",
    }
    for legacy, current in LEGACY_NAMES.items():
        spec = LiveChatDialect.spec(legacy)
        assert spec.legacy_of == current and spec.fires
        assert LiveChatDialect.spec(current).fires
    silent = {spec.name for spec in LiveChatDialect.events.values() if not spec.fires}
    assert {"incoming_greeting", "chat_transferred", "queue_position_updated"} <= silent


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(any_event())
def test_every_core_event_projects_without_failing(event: BaseEvent) -> None:
    for dialect in (LiveChatDialect(), WechatyDialect()):
        errors: list[ProjectionError] = []
        for emitted in dialect.project(event, lambda _name: True, errors):
            if emitted.args:
                assert getattr(emitted.args[0], "core", None) is event
        for error in errors:
            assert isinstance(error.__cause__, PayloadDecodeError), error


async def test_the_sdk_shape() -> None:
    out = await record(LiveChatDialect(shape="sdk"), s.session())
    connected = [args[0] for args in named(out, "connected")]
    assert [set(payload) for payload in connected] == [{"customer", "availability"}] * 2
    assert [args[0] for args in named(out, "disconnected")] == [
        {"reason": "connection_lost"},
        {"reason": "logged_out_remotely"},
    ]
    [(restored,)] = named(out, "connection_restored")
    assert restored["totalChats"] == 4  # the legacy event keeps its summary
    legacy = {args[0]["event"]["id"]: args[0] for args in named(out, "new_event")}
    assert set(legacy["OFF1"]) == {"chat", "event"} and legacy["OFF1"]["chat"] == ALICE
    with pytest.raises(ValueError, match="shape"):
        LiveChatDialect(shape="v4")  # type: ignore[arg-type]
    assert LiveChatDialect().shape == "seed"


def _history(*conversations: history_pb2.Conversation) -> ev.HistorySync:
    blob = history_pb2.HistorySync(
        syncType=history_pb2.HistorySync.INITIAL_BOOTSTRAP, conversations=conversations
    )
    return ev.HistorySync(
        sync_type=ev.HistorySyncType.INITIAL_BOOTSTRAP, raw=blob.SerializeToString()
    )


def _synced(message_id: str, chat: str, seconds: int, text: str, **key: Any) -> Any:
    return history_pb2.HistorySyncMsg(
        message=web_pb2.WebMessageInfo(
            key=common_pb2.MessageKey(remoteJid=chat, id=message_id, **key),
            message=e2e_pb2.Message(conversation=text),
            messageTimestamp=int(s.at(seconds).timestamp()),
        )
    )


HISTORY = _history(
    history_pb2.Conversation(
        id=GROUP,
        participant=[history_pb2.GroupParticipant(userJid=BOB)],
        messages=[
            _synced("H2", GROUP, -5, "newest", participant=ALICE),
            _synced("H1", GROUP, -9, "older", participant=BOB),
        ],
    ),
    history_pb2.Conversation(
        id="15550000009@s.whatsapp.net",
        messages=[_synced("H3", "15550000009@s.whatsapp.net", -7, "mine", fromMe=True)],
    ),
    history_pb2.Conversation(id="not a jid"),
)


async def test_history_feeds_the_chats_summary_and_thread_metadata() -> None:
    livechat = LiveChatDialect()
    out = await record(
        livechat, [s.PAIRED, s.CONNECTED, HISTORY, s.LATE_TEXT, s.DROPPED, s.CONNECTED]
    )
    [(first,), (again,)] = named(out, "connected")
    assert (first["chatsSummary"], first["totalChats"]) == ([], 0)
    summary = {chat["id"]: chat for chat in again["chatsSummary"]}
    # Alice (live) is the most recent; the history's chats are older than anything live.
    assert list(summary) == [ALICE, GROUP, "15550000009@s.whatsapp.net"]
    assert again["totalChats"] == 3
    assert summary[GROUP]["users"] == [BOB, ALICE]  # participants, then senders
    assert summary[GROUP]["lastEvent"]["id"] == "H2" and summary[GROUP]["lastEvent"]["text"] == (
        "newest"
    )
    mine = summary["15550000009@s.whatsapp.net"]
    assert mine["users"] == [ME] and mine["lastEvent"]["authorId"] == ME
    assert mine["lastEvent"]["properties"]["whatsapp"]["from_me"] is True
    metadata = [args[0] for args in named(out, "thread_metada")]
    assert metadata == [
        {"id": GROUP, "chat": GROUP, "order": 0, "totalEvents": 2},
        {
            "id": "15550000009@s.whatsapp.net",
            "chat": "15550000009@s.whatsapp.net",
            "order": 0,
            "totalEvents": 1,
        },
        {"id": "not a jid", "chat": "not a jid", "order": 0, "totalEvents": 0},
    ]
    assert [args[0] for args in named(out, "thread_summary")] == metadata


async def test_history_is_read_only_for_someone_who_listens() -> None:
    livechat = LiveChatDialect()
    livechat.on("incoming_event", lambda payload: None)
    await record_quietly(livechat, [s.PAIRED, HISTORY])
    assert livechat.state.chats == {}  # nobody asked for a summary: the blob was not read
    corrupt = ev.HistorySync(sync_type=ev.HistorySyncType.INITIAL_BOOTSTRAP, raw=b"\xff\xff")
    reading = LiveChatDialect()
    reading.on("connected", lambda payload: None)
    await record_quietly(reading, [corrupt, HISTORY])
    assert len(reading.state.chats) == 2  # the corrupt chunk is logged; the next one counts


async def record_quietly(livechat: LiveChatDialect, events: list[BaseEvent]) -> None:
    for event in events:
        await livechat.handle_core_event(event)


async def test_forgotten_chats_still_count_in_total_chats() -> None:
    livechat = LiveChatDialect(max_chats=2)
    chats = [Jid(f"1555000010{n}", Server.USER) for n in range(4)]
    messages = [
        ev.Message(info=s.info(f"M{n}", chat, s.ALICE, n), raw=s.text_body("x"))
        for n, chat in enumerate(chats)
    ]
    out = await record(livechat, [*messages, s.CONNECTED])
    [(connected,)] = named(out, "connected")
    assert [chat["id"] for chat in connected["chatsSummary"]] == [str(chats[3]), str(chats[2])]
    assert connected["totalChats"] == 4


async def test_one_disconnected_per_end_of_a_connection() -> None:
    # The client publishes a Disconnected after every end, also the ones it reports itself.
    after_error = ev.Disconnected(reason="stream error 500")
    after_logout = ev.Disconnected(reason="stream ended for good (401)")
    error = ev.StreamError(code="500")
    events = [
        *(s.PAIRED, s.CONNECTED, error, after_error, s.RECONNECTED, s.DROPPED, s.CONNECTED),
        *(s.LOGGED_OUT, after_logout),
    ]
    out = await record(LiveChatDialect(), events)
    assert named(out, "disconnected") == [
        ("internal_error",),
        ("connection_lost",),  # DROPPED: a plain drop
        ("logged_out_remotely",),
    ]
    assert of(out, after_error) == ["connection_lost"]  # the legacy name still says it dropped
    assert of(out, after_logout) == ["connection_lost"]
    assert [p.core for (p,) in named(out, "connection_restored")] == [s.RECONNECTED, s.CONNECTED]


async def test_a_leave_removes_the_user_and_our_own_leave_deactivates_the_chat() -> None:
    def leave(who: Jid) -> ev.GroupInfoUpdate:
        return ev.GroupInfoUpdate(
            jid=s.GROUP,
            actor=who,
            timestamp=s.at(80),
            change=ev.ParticipantsChanged(
                action=ev.ParticipantAction.LEAVE, participants=(ev.GroupParticipant(jid=who),)
            ),
        )

    me = Jid("15550000001", Server.USER)
    out = await record(LiveChatDialect(), [s.PAIRED, s.CONNECTED, leave(s.BOB), leave(me)])
    removed = [args[0] for args in named(out, "user_removed_from_chat")]
    assert [r["chatId"] for r in removed] == [GROUP, GROUP]
    assert [args[0]["chatId"] for args in named(out, "chat_deactivated")] == [GROUP]
