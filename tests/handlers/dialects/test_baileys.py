"""The Baileys dialect against whole sessions, with the payload shapes of BaileysEventMap."""

from __future__ import annotations

import json
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
from wabus.handlers.dialects import BaileysDialect, CoreDict, CoreList, ProjectionError
from wabus.handlers.dialects.baileys import DisconnectReason, StubType
from wabus.proto import common_pb2, history_pb2, web_pb2

pytestmark = pytest.mark.anyio

ME = "15550000001:7@s.whatsapp.net"
ALICE = "15550000002@s.whatsapp.net"
BOB = "15550000003@s.whatsapp.net"
GROUP = str(s.GROUP)


def _messages(out: list[Any]) -> list[dict[str, Any]]:
    return [args[0]["messages"][0] for args in named(out, "messages.upsert")]


async def test_connection_updates_through_pairing_and_login() -> None:
    out = await record(BaileysDialect(), s.pairing())
    assert [args[0] for args in named(out, "connection.update")] == [
        {"connection": "connecting", "receivedPendingNotifications": False, "qr": None},
        {"qr": s.QR_1.code},
        {"qr": s.QR_2.code},
        {"isNewLogin": True, "qr": None},
        {"connection": "open"},
        {"receivedPendingNotifications": True},
    ]
    assert [args[0] for args in named(out, "auth.qr")] == [
        {"qr": s.QR_1.code, "qrCode": s.QR_1.code, "timeout": 60_000},
        {"qr": s.QR_2.code, "qrCode": s.QR_2.code, "timeout": 20_000},
    ]
    me = {"id": ME, "lid": "100000000000001:7@lid"}
    assert [args[0] for args in named(out, "creds.update")] == [
        {"me": me, "platform": "android"},
        {"me": me},
    ]
    # Upstream order: creds first, then the new login; the offline message before the flush.
    assert of(out, s.PAIRED) == ["creds.update", "connection.update"]
    names = [item.name for item in out]
    assert names.index("messages.upsert") < len(names) - 1


async def test_messages_upsert_shapes() -> None:
    out = await record(BaileysDialect(), s.session())
    by_id = {m["key"]["id"]: m for m in _messages(out)}
    upserts = {
        args[0]["messages"][0]["key"]["id"]: args[0] for args in named(out, "messages.upsert")
    }
    assert by_id["OFF1"] == {
        "key": {"remoteJid": ALICE, "fromMe": False, "id": "OFF1"},
        "messageTimestamp": int(s.at(1).timestamp()),
        "pushName": "Alice",
        "message": {"conversation": "ping"},
    }
    assert upserts["OFF1"]["type"] == "append" and upserts["L1"]["type"] == "notify"
    assert by_id["G1"]["key"] == {
        "remoteJid": GROUP,
        "fromMe": False,
        "id": "G1",
        "participant": BOB,
    }
    assert by_id["G1"]["message"]["extendedTextMessage"]["contextInfo"]["mentionedJid"] == [
        "15550000001@s.whatsapp.net"
    ]
    image = by_id["IMG1"]["message"]["imageMessage"]
    assert image["mediaKey"] == "AQID"  # bytes as base64
    assert (image["caption"], image["width"], image["height"]) == ("look", 640, 480)
    assert by_id["S1"]["broadcast"] is True and by_id["S1"]["key"]["participant"] == ALICE
    assert by_id["MINE3"]["key"]["fromMe"] is True
    assert by_id["U1"]["messageStubType"] == StubType.CIPHERTEXT
    assert "message" not in by_id["U1"]
    assert upserts["G1"].core is s.MENTION


async def test_updates_reactions_and_receipts() -> None:
    group_read = ev.Receipt(
        source=ev.MessageSource(chat=s.GROUP, sender=s.BOB, is_group=True),
        message_ids=("MINE9",),
        timestamp=s.at(50),
        receipt_type=ev.ReceiptType.READ,
    )
    retry = ev.Receipt(
        source=ev.MessageSource(chat=s.ALICE, sender=s.ALICE),
        message_ids=("MINE9",),
        timestamp=s.at(51),
        receipt_type=ev.ReceiptType.RETRY,
    )
    out = await record(BaileysDialect(), [*s.session(), group_read, retry])
    updates = [entry for (batch,) in named(out, "messages.update") for entry in batch]
    assert updates[:2] == [
        {"key": {"remoteJid": ALICE, "id": "MINE1", "fromMe": True}, "update": {"status": 4}},
        {"key": {"remoteJid": ALICE, "id": "MINE2", "fromMe": True}, "update": {"status": 4}},
    ]
    edit, revoke = updates[2], updates[3]
    assert edit["key"] == {"remoteJid": ALICE, "fromMe": False, "id": "IMG1"}
    assert edit["update"] == {
        "message": {"editedMessage": {"message": {"conversation": "look again"}}},
        "messageTimestamp": int(s.at(9).timestamp()),
    }
    assert revoke["key"]["id"] == "OFF1"
    assert revoke["update"]["message"] is None
    assert revoke["update"]["messageStubType"] == StubType.REVOKE
    assert len(updates) == 4  # the retry receipt maps to nothing
    assert of(out, s.EDIT) == ["messages.upsert", "messages.update"]  # the message first

    reactions = [entry for (batch,) in named(out, "messages.reaction") for entry in batch]
    assert [r["key"]["id"] for r in reactions] == ["MINE1", "MINE1"]
    assert [r["reaction"]["text"] for r in reactions] == ["👍", ""]  # empty: removed
    assert reactions[0]["reaction"]["key"] == {"remoteJid": ALICE, "fromMe": False, "id": "R1"}

    [(receipts,)] = named(out, "message-receipt.update")
    assert receipts == [
        {
            "key": {"remoteJid": GROUP, "id": "MINE9", "fromMe": True},
            "receipt": {"userJid": BOB, "readTimestamp": int(s.at(50).timestamp())},
        }
    ]

    presences = [args[0] for args in named(out, "presence.update")]
    assert presences[:3] == [
        {
            "id": ALICE,
            "presences": {
                ALICE: {"lastKnownPresence": "available", "lastSeen": int(s.at(3).timestamp())},
                "available": True,  # the gateway convention's key, beside Baileys' shape
            },
        },
        {"id": GROUP, "presences": {BOB: {"lastKnownPresence": "composing"}, "available": True}},
        {"id": GROUP, "presences": {BOB: {"lastKnownPresence": "available"}, "available": True}},
    ]
    offline = ev.Presence(jid=s.ALICE, unavailable=True)
    [(gone,)] = named(await record(BaileysDialect(), [offline]), "presence.update")
    assert gone["presences"] == {ALICE: {"lastKnownPresence": "unavailable"}, "available": False}


async def test_group_changes_come_as_stubs_then_updates() -> None:
    out = await record(BaileysDialect(), s.session())
    stubs = [
        m
        for m in _messages(out)
        if "messageStubType" in m and m["key"]["remoteJid"] != "15550000003@s.whatsapp.net"
    ]
    assert [m["messageStubType"] for m in stubs] == [
        StubType.GROUP_CHANGE_SUBJECT,
        StubType.GROUP_CHANGE_SUBJECT,
        StubType.GROUP_CHANGE_DESCRIPTION,
        StubType.GROUP_PARTICIPANT_ADD,
        StubType.GROUP_PARTICIPANT_REMOVE,
        StubType.GROUP_CHANGE_ANNOUNCE,
        StubType.GROUP_CREATE,
        StubType.GROUP_PARTICIPANT_ADD,
    ]
    assert stubs[0]["messageStubParameters"] == ["Book club"]
    assert json.loads(stubs[3]["messageStubParameters"][0]) == {"id": "15550000004@s.whatsapp.net"}
    assert stubs[6]["key"]["fromMe"] is True  # we created the group
    assert len({m["key"]["id"] for m in stubs}) == len(stubs)

    assert of(out, s.ADDED) == ["messages.upsert", "group-participants.update"]
    [add, remove, add_me] = [args[0] for args in named(out, "group-participants.update")]
    assert add == {
        "id": GROUP,
        "author": BOB,
        "participants": [{"id": "15550000004@s.whatsapp.net"}],
        "action": "add",
    }
    assert remove["action"] == "remove" and add_me["id"] == str(s.NEW_GROUP)

    updates = [entry for (batch,) in named(out, "groups.update") for entry in batch]
    assert updates[1] == {
        "id": GROUP,
        "author": ALICE,
        "authorPn": ALICE,
        "subject": "Poetry club",
        "subjectOwner": ALICE,
        "subjectTime": int(s.at(14).timestamp()),
    }
    assert updates[2]["desc"] == "Poems on Fridays" and updates[2]["descId"] == "D1"
    assert updates[3]["announce"] is True

    assert of(out, s.CREATED) == ["chats.upsert", "groups.upsert", "messages.upsert"]
    [(created,), (joined,)] = named(out, "groups.upsert")
    assert created[0]["subject"] == "Fresh group"
    assert created[0]["owner"] == "15550000001@s.whatsapp.net"
    assert joined[0]["author"] == ALICE
    [(chat,), _] = named(out, "chats.upsert")
    assert chat[0] == {
        "id": str(s.NEW_GROUP),
        "name": "Fresh group",
        "conversationTimestamp": int(s.at(19).timestamp()),
    }


async def test_every_end_of_a_connection_closes_with_its_status_code() -> None:
    ends: list[BaseEvent] = [
        s.DROPPED,
        ev.LoggedOut(on_connect=True, reason=ev.ConnectFailureReason.MAIN_DEVICE_GONE),
        ev.StreamReplaced(),
        ev.TemporaryBan(code=ev.TempBanReason.BROADCAST_LIST, expire=timedelta(minutes=5)),
        ev.ConnectFailure(reason=ev.ConnectFailureReason.SERVICE_UNAVAILABLE, message="busy"),
        ev.StreamError(code="515"),
        ev.StreamError(code="conflict"),
        ev.ClientOutdated(),
        ev.QrScannedWithoutMultidevice(),
        ev.PairError(id=s.ME, lid=s.ME_LID, error="bad proof"),
    ]
    out = await record(BaileysDialect(), ends)
    closes = [args[0] for args in named(out, "connection.update")]
    assert all(c["connection"] == "close" for c in closes)
    codes = [c["lastDisconnect"]["error"]["output"]["statusCode"] for c in closes]
    assert codes == [428, 403, 440, 402, 503, DisconnectReason.restartRequired, 500, 405, 411, 401]
    assert closes[0]["lastDisconnect"]["error"]["message"] == "Connection Closed"
    assert closes[3]["lastDisconnect"]["error"]["data"] == {
        "reason": "402",
        "code": 106,
        "expire": 300.0,
    }
    assert closes[0]["lastDisconnect"]["date"].endswith("Z")


async def test_reconnecting_reports_connecting_then_open() -> None:
    out = await record(BaileysDialect(), s.session())
    after_drop = [args[0] for item in out if (args := item.args) and item.core is s.RECONNECTED]
    assert after_drop == [
        {"connection": "connecting", "receivedPendingNotifications": False, "qr": None},
        {"me": {"id": ME, "lid": "100000000000001:7@lid"}},
        {"connection": "open"},
    ]


async def test_chats_contacts_calls_and_credentials() -> None:
    me_user = Jid("15550000001", Server.USER)
    events: list[BaseEvent] = [
        s.PAIRED,
        ev.PinUpdate(jid=s.ALICE, timestamp=s.at(60), pinned=True),
        ev.MuteUpdate(jid=s.ALICE, timestamp=s.at(61), muted=True),
        ev.MuteUpdate(jid=s.ALICE, timestamp=s.at(62), muted=True, mute_end=s.at(3600)),
        ev.ArchiveUpdate(jid=s.ALICE, timestamp=s.at(63), archived=True),
        ev.MarkChatAsReadUpdate(jid=s.ALICE, timestamp=s.at(64), read=False),
        ev.DisappearingModeChanged(jid=s.ALICE, duration=86400, setting_timestamp=s.at(65)),
        ev.DisappearingModeChanged(jid=me_user, duration=604800, setting_timestamp=s.at(66)),
        ev.DeleteChatUpdate(jid=s.BOB, timestamp=s.at(67)),
        ev.DeleteChatUpdate(jid=s.BOB, timestamp=s.at(67), from_full_sync=True),
        ev.PushNameUpdate(jid=s.ALICE, new_push_name="Alice B."),
        ev.PictureUpdate(jid=s.GROUP, author=s.BOB, timestamp=s.at(68), picture_id="77"),
        ev.UserAboutUpdate(jid=s.ALICE, status="busy", timestamp=s.at(69)),
        ev.SelfPushNameUpdated(new_name="Me"),
        ev.StarUpdate(chat_jid=s.ALICE, message_id="OFF1", timestamp=s.at(70), starred=True),
        ev.IncomingCall(
            jid=s.ALICE,
            stanza_id="c1",
            timestamp=s.at(71),
            action=ev.CallOffer(call_id="CALL1", call_creator=s.ALICE, is_video=True),
        ),
        ev.IncomingCall(
            jid=s.ALICE,
            stanza_id="c2",
            timestamp=s.at(72),
            action=ev.CallTerminate(call_id="CALL1", call_creator=s.ALICE, reason="timeout"),
        ),
    ]
    out = await record(BaileysDialect(), events)
    chats = [entry for (batch,) in named(out, "chats.update") for entry in batch]
    assert chats == [
        {"id": ALICE, "pinned": int(s.at(60).timestamp())},
        {"id": ALICE, "muteEndTime": -1},
        {"id": ALICE, "muteEndTime": int(s.at(3600).timestamp() * 1000)},
        {"id": ALICE, "archived": True},
        {"id": ALICE, "unreadCount": -1},
        {
            "id": ALICE,
            "ephemeralExpiration": 86400,
            "ephemeralSettingTimestamp": int(s.at(65).timestamp()),
        },
    ]
    assert named(out, "chats.delete") == [([BOB],)]
    contacts = [entry for (batch,) in named(out, "contacts.update") for entry in batch]
    assert contacts == [
        {"id": ALICE, "notify": "Alice B."},
        {"id": GROUP, "imgUrl": "changed"},
        {"id": ALICE, "status": "busy"},
    ]
    assert [m["messageStubType"] for m in _messages(out)] == [StubType.GROUP_CHANGE_ICON]
    creds = [args[0] for args in named(out, "creds.update")]
    assert creds[1] == {
        "accountSettings": {
            "defaultDisappearingMode": {
                "ephemeralExpiration": 604800,
                "ephemeralSettingTimestamp": int(s.at(66).timestamp()),
            }
        }
    }
    assert creds[2]["me"]["name"] == "Me"
    [(star,)] = named(out, "messages.update")
    assert star == [
        {"key": {"remoteJid": ALICE, "id": "OFF1", "fromMe": False}, "update": {"starred": True}}
    ]
    calls = [entry for (batch,) in named(out, "call") for entry in batch]
    assert [(c["id"], c["status"], c.get("isVideo")) for c in calls] == [
        ("CALL1", "offer", True),
        ("CALL1", "timeout", None),
    ]
    assert calls[0]["from"] == ALICE and calls[0]["date"].startswith("2026-11-21T09:01:11")


def _history_blob() -> bytes:
    blob = history_pb2.HistorySync(
        syncType=history_pb2.HistorySync.INITIAL_BOOTSTRAP,
        conversations=[
            history_pb2.Conversation(
                id=ALICE,
                name="Alice",
                messages=[
                    history_pb2.HistorySyncMsg(
                        message=web_pb2.WebMessageInfo(
                            key=common_pb2.MessageKey(remoteJid=ALICE, fromMe=False, id="H1"),
                            messageTimestamp=1790000000,
                        )
                    )
                ],
            )
        ],
        pushnames=[history_pb2.Pushname(id=ALICE, pushname="Alice")],
        phoneNumberToLidMappings=[
            history_pb2.PhoneNumberToLIDMapping(pnJid=ALICE, lidJid="200000000000002@lid")
        ],
    )
    return blob.SerializeToString()


async def test_history_sync() -> None:
    first = ev.HistorySync(
        sync_type=ev.HistorySyncType.INITIAL_BOOTSTRAP, chunk_order=1, raw=_history_blob()
    )
    second = ev.HistorySync(sync_type=ev.HistorySyncType.RECENT, progress=100, raw=_history_blob())
    out = await record(BaileysDialect(), [first, second])
    [(one,), (two,)] = named(out, "messaging-history.set")
    assert one["chats"] == [{"id": ALICE, "name": "Alice"}]
    assert one["messages"] == [
        {"key": {"remoteJid": ALICE, "fromMe": False, "id": "H1"}, "messageTimestamp": "1790000000"}
    ]
    assert one["contacts"] == [{"id": ALICE, "notify": "Alice"}]
    assert one["lidPnMappings"] == [{"pn": ALICE, "lid": "200000000000002@lid"}]
    assert (one["isLatest"], one["syncType"], one["chunkOrder"]) == (True, 0, 1)
    assert two["isLatest"] is False and two["progress"] == 100
    statuses = [args[0] for args in named(out, "messaging-history.status")]
    assert statuses == [
        {"syncType": 0, "status": "complete", "explicit": True},
        {"syncType": 3, "status": "complete", "explicit": True},
    ]
    assert named(out, "contacts.upsert")[0] == ([{"id": ALICE, "notify": "Alice"}],)
    assert named(out, "lid-mapping.update")[0] == ({"pn": ALICE, "lid": "200000000000002@lid"},)


async def test_a_corrupt_history_blob_is_a_projection_error_and_nothing_else_is_lost() -> None:
    corrupt = ev.HistorySync(sync_type=ev.HistorySyncType.INITIAL_BOOTSTRAP, raw=b"\xff\xff\xff")
    baileys = BaileysDialect()
    errors: list[ProjectionError] = []
    out = baileys.project(corrupt, lambda _name: True, errors)
    assert [e.name for e in out] == ["messaging-history.status"]  # reads no blob
    assert {e.name for e in errors} == {
        "messaging-history.set",
        "contacts.upsert",
        "lid-mapping.update",
    }
    assert all(isinstance(e.__cause__, PayloadDecodeError) for e in errors)


async def test_a_body_that_does_not_parse_is_a_ciphertext_stub() -> None:
    broken = ev.Message(info=s.OFFLINE_TEXT.info, raw=b"\xff\xff")
    out = await record(BaileysDialect(), [broken])
    [message] = _messages(out)
    assert message["messageStubType"] == StubType.CIPHERTEXT
    assert "does not parse" in message["messageStubParameters"][0]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(any_event())
def test_every_core_event_projects_to_json(event: BaseEvent) -> None:
    baileys = BaileysDialect()
    errors: list[ProjectionError] = []
    for emitted in baileys.project(event, lambda _name: True, errors):
        payload = emitted.args[0]
        assert isinstance(payload, CoreDict | CoreList) and payload.core is event
        assert json.loads(json.dumps(payload)) == payload
    for error in errors:  # only a blob that does not parse may fail a rule
        assert isinstance(error.__cause__, PayloadDecodeError), error


@pytest.mark.parametrize("days", [-739952, 999_999_999])
def test_a_pairing_code_with_an_absurd_timeout_still_projects(days: int) -> None:
    """Found by the property test above: `now + timeout` overflowed datetime."""
    event = ev.PairingCode(code="ABCD1234", timeout=timedelta(days=days))
    errors: list[ProjectionError] = []
    emitted = list(BaileysDialect().project(event, lambda _name: True, errors))
    assert not errors
    [code] = [e for e in emitted if e.name == "auth.pairing-code"]
    assert isinstance(code.args[0]["expiresAt"], int)


# The kinds the router's gaps added (issue 11 §3) -----------------------------------------------

LID_A = Jid("100000000000002", Server.LID)
LID_B = Jid("100000000000003", Server.LID)


async def test_leaves_admin_ranks_and_join_requests() -> None:
    left = ev.GroupInfoUpdate(
        jid=s.GROUP,
        actor=s.BOB,
        timestamp=s.at(80),
        change=ev.ParticipantsChanged(
            action=ev.ParticipantAction.LEAVE, participants=(ev.GroupParticipant(jid=s.BOB),)
        ),
    )
    promoted = ev.GroupInfoUpdate(
        jid=s.GROUP,
        actor=s.BOB,
        timestamp=s.at(81),
        change=ev.ParticipantsChanged(
            action=ev.ParticipantAction.PROMOTE,
            participants=(
                ev.GroupParticipant(jid=LID_A, phone_number=s.ALICE, type=ev.ParticipantType.ADMIN),
            ),
        ),
    )
    requested = ev.GroupInfoUpdate(
        jid=s.GROUP,
        actor=LID_A,
        actor_pn=s.ALICE,
        timestamp=s.at(82),
        change=ev.MembershipRequestsCreated(
            requests=(ev.GroupParticipant(jid=LID_A, phone_number=s.ALICE),),
            request_method="invite_link",
        ),
    )
    out = await record(BaileysDialect(), [s.PAIRED, left, promoted, requested])
    stubs = _messages(out)
    assert [m["messageStubType"] for m in stubs] == [
        StubType.GROUP_PARTICIPANT_LEAVE,
        StubType.GROUP_PARTICIPANT_PROMOTE,
        StubType.GROUP_MEMBERSHIP_JOIN_APPROVAL_REQUEST_NON_ADMIN_ADD,
    ]
    assert json.loads(stubs[1]["messageStubParameters"][0]) == {
        "id": "100000000000002@lid",
        "phoneNumber": ALICE,
        "admin": "admin",
    }
    assert stubs[2]["messageStubParameters"] == [
        '{"lid":"100000000000002@lid","pn":"15550000002@s.whatsapp.net"}',
        "created",
        "invite_link",
    ]
    [leave, promote] = [args[0] for args in named(out, "group-participants.update")]
    assert leave["action"] == "remove"  # as Baileys reports a leave
    assert promote["participants"][0]["admin"] == "admin"
    assert [args[0] for args in named(out, "group.join-request")] == [
        {
            "id": GROUP,
            "author": "100000000000002@lid",
            "authorPn": ALICE,
            "participant": "100000000000002@lid",
            "participantPn": ALICE,
            "action": "created",
            "method": "invite_link",
        }
    ]


async def test_blocklist_newsletter_and_number_changes() -> None:
    newsletter = Jid("120363000000000009", Server.NEWSLETTER)
    events: list[BaseEvent] = [
        s.PAIRED,
        ev.BlocklistUpdate(
            changes=(
                ev.BlocklistChange(jid=s.ALICE, action=ev.BlocklistAction.BLOCK),
                ev.BlocklistChange(jid=s.BOB, action=ev.BlocklistAction.UNBLOCK),
            ),
            dhash="d",
        ),
        ev.BlocklistUpdate(action="modify"),
        ev.NewsletterLiveUpdate(
            newsletter_jid=newsletter,
            messages=(
                ev.NewsletterLiveUpdateMessage(
                    server_id=123,
                    reactions=(
                        ev.NewsletterLiveUpdateReaction(code="👍", count=3),
                        ev.NewsletterLiveUpdateReaction(code="❤", count=1),
                    ),
                ),
            ),
        ),
        ev.ContactNumberChanged(
            old_jid=s.ALICE, new_jid=s.CAROL, old_lid=LID_A, new_lid=LID_B, timestamp=s.at(90)
        ),
    ]
    out = await record(BaileysDialect(), events)
    assert [args[0] for args in named(out, "blocklist.update")] == [
        {"blocklist": [ALICE], "type": "add"},
        {"blocklist": [BOB], "type": "remove"},
    ]
    assert [args[0] for args in named(out, "newsletter.reaction")] == [
        {"id": str(newsletter), "server_id": "123", "reaction": {"code": "👍", "count": 3}},
        {"id": str(newsletter), "server_id": "123", "reaction": {"code": "❤", "count": 1}},
    ]
    assert [args[0] for args in named(out, "lid-mapping.update")] == [
        {"pn": ALICE, "lid": "100000000000002@lid"},
        {"pn": "15550000004@s.whatsapp.net", "lid": "100000000000003@lid"},
    ]
    spec = BaileysDialect.events
    assert spec["blocklist.update"].unmapped is None
    assert spec["newsletter.reaction"].unmapped is None
    assert spec["group.join-request"].unmapped is None
