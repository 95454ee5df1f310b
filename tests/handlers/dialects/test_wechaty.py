"""The Wechaty dialect against whole sessions, with the argument shapes of Wechaty's docs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import anyio
import pytest

from tests.handlers.dialects import sessions as s
from tests.handlers.dialects.recording import named, of, record
from wabus.core import Bot, CoreEventBus, Node
from wabus.core import events as ev
from wabus.core.testing import ScriptedSource
from wabus.handlers.dialects import DialectError, NoClient, dialect
from wabus.handlers.dialects.wechaty import (
    DEFAULT_HEARTBEAT_INTERVAL,
    Contact,
    ContactSelf,
    DirtyType,
    GError,
    HeartbeatPayload,
    Message,
    MessageType,
    Post,
    ReadyPayload,
    Room,
    RoomAnnouncePayload,
    ScanStatus,
    WechatyDialect,
)

pytestmark = pytest.mark.anyio

ME = "15550000001@s.whatsapp.net"
ALICE = "15550000002@s.whatsapp.net"
BOB = "15550000003@s.whatsapp.net"
CAROL = "15550000004@s.whatsapp.net"
GROUP = str(s.GROUP)


async def test_pairing_login_and_ready() -> None:
    out = await record(WechatyDialect(), s.pairing())
    assert [item.name for item in out] == ["scan", "scan", "scan", "login", "message", "ready"]
    scans = named(out, "scan")
    assert scans[0] == (s.QR_1.code, ScanStatus.Waiting, None)
    assert scans[1] == (s.QR_2.code, ScanStatus.Waiting, None)
    qrcode, status, data = scans[2]
    assert (qrcode, status) == ("", ScanStatus.Confirmed)
    assert json.loads(data) == {
        "id": "15550000001:7@s.whatsapp.net",
        "lid": "100000000000001:7@lid",
        "platform": "android",
    }
    [(user,)] = named(out, "login")
    assert isinstance(user, ContactSelf) and user.id == ME
    [(ready,)] = named(out, "ready")
    assert isinstance(ready, ReadyPayload) and ready.data == "2" and ready.core is s.SYNCED


async def test_login_and_ready_once_per_session_and_again_after_a_logout() -> None:
    out = await record(WechatyDialect(), [*s.session(), s.CONNECTED, s.SYNCED])
    logins = [item.core for item in out if item.name == "login"]
    readies = [item.core for item in out if item.name == "ready"]
    # Not at RECONNECTED (events are values: compare identities); again after LOGGED_OUT.
    assert [e is s.CONNECTED for e in logins] == [True, True]
    assert [e is s.SYNCED for e in readies] == [True, True]
    [(user, reason)] = named(out, "logout")
    assert isinstance(user, ContactSelf) and user.id == ME and reason == "401"
    assert of(out, s.DROPPED) == []  # a dropped connection is no logout
    assert named(out, "heartbeat")[0][0].data == "keepalive restored"


async def test_messages_with_the_accessors_of_wechaty_message() -> None:
    out = await record(WechatyDialect(), s.session())
    messages: dict[str, Message] = {args[0].id: args[0] for args in named(out, "message")}
    assert list(messages) == ["OFF1", "G1", "IMG1", "R1", "R2", "E1", "V1", "U1", "MINE3", "L1"]

    ping = messages["OFF1"]
    assert ping.text() == "ping" and ping.type() is MessageType.Text
    assert ping.talker() == Contact(id=ALICE, push_name="Alice", core=ping.core)
    assert ping.talker().name() == "Alice" and str(ping.talker()) == "Contact<Alice>"
    assert ping.listener() == ContactSelf(id=ME, core=ping.core)
    assert ping.room() is None and not ping.is_self()
    assert ping.date() == s.at(1)
    assert abs(ping.age() - (datetime.now(UTC) - s.at(1)).total_seconds()) < 60

    mention = messages["G1"]
    room = mention.room()
    assert room is not None and (room.id, await room.topic()) == (GROUP, "Book club")
    assert str(room) == "Room<Book club>"
    with pytest.raises(NoClient, match=r"client=client") as no_client:
        await room.topic("Renamed")  # a dialect without a client only listens
    assert no_client.value.what == "Room.topic(new_topic)"
    for refused in (mention.say("hi"), room.say("hi"), mention.talker().say("hi")):
        with pytest.raises(NoClient, match=r"dialect\(bot, 'wechaty', client=client\)"):
            await refused
    assert await room.topic() == "Book club"
    assert str(mention) == "Message#Text[Contact<Bob>@Room<Book club>] hello @15550000001"
    assert mention.listener() is None
    assert [c.id for c in mention.mention_list()] == [ME] and mention.mention_self()
    assert mention.talker().id == BOB

    image = messages["IMG1"]
    assert image.type() is MessageType.Image and image.text() == "look"
    assert messages["V1"].type() is MessageType.Recalled
    assert messages["R1"].type() is MessageType.Unknown  # Wechaty has no reactions
    undecryptable = messages["U1"]
    assert undecryptable.type() is MessageType.Unknown and undecryptable.text() == ""
    assert undecryptable.core is s.UNDECRYPTABLE
    mine = messages["MINE3"]
    assert mine.is_self() and mine.talker().id == ME
    listener = mine.listener()
    assert listener is not None and listener.id == ALICE

    [(post,)] = named(out, "post")
    assert isinstance(post, Post) and post.text() == "my status" and post.talker().id == ALICE
    assert "S1" not in messages  # a status update is a post, not a message


async def test_room_events_keep_the_previous_topic() -> None:
    out = await record(WechatyDialect(), s.session())
    topics = named(out, "room-topic")
    assert len(topics) == 2
    room, new, old, changer, date = topics[0]
    assert isinstance(room, Room) and room.id == GROUP
    assert (new, old, changer.id, date) == ("Book club", "", BOB, s.at(4))
    room, new, old, changer, date = topics[1]
    assert (await room.topic(), new, old, changer.id, date) == (
        "Poetry club",
        "Poetry club",
        "Book club",
        ALICE,
        s.at(14),
    )

    joins = named(out, "room-join")
    assert [(r.id, [c.id for c in inv], by.id, when) for r, inv, by, when in joins] == [
        (GROUP, [CAROL], BOB, s.at(16)),
        (str(s.NEW_GROUP), [ME], ME, s.at(19)),  # we created it
        (str(s.NEW_GROUP), [ME], ALICE, s.at(20)),  # Alice added us (JoinedGroup not twice)
    ]
    assert await joins[0][0].topic() == "Poetry club"
    assert await joins[1][0].topic() == "Fresh group"
    assert of(out, s.JOINED_ME) == ["dirty"]

    [(room, leavers, remover, when)] = named(out, "room-leave")
    assert (room.id, [c.id for c in leavers], remover.id, when) == (GROUP, [CAROL], BOB, s.at(17))

    [(announce,)] = named(out, "room-announce")
    assert isinstance(announce, RoomAnnouncePayload)
    assert (announce.room_id, announce.new_announce, announce.old_announce) == (
        GROUP,
        "Poems on Fridays",
        "",
    )
    assert announce.changer_id == ALICE


async def test_dirty_marks_stale_payloads() -> None:
    out = await record(WechatyDialect(), s.session())
    dirty = [(p.payload_type, p.payload_id) for (p,) in named(out, "dirty")]
    assert (DirtyType.Message, "IMG1") in dirty  # the edit
    assert (DirtyType.Message, "OFF1") in dirty  # the revoke
    assert dirty.count((DirtyType.RoomMember, GROUP)) == 2  # added, removed
    assert (DirtyType.Room, str(s.NEW_GROUP)) in dirty


async def test_pairing_steps_and_errors() -> None:
    ban = ev.TemporaryBan(code=ev.TempBanReason.BLOCKED_BY_USERS, expire=timedelta(hours=1))
    events = [
        s.QR_1,
        ev.Disconnected(reason="qr refs ran out"),
        ev.PairingCode(code="ABCD-EFGH", timeout=timedelta(seconds=180)),
        ev.QrScannedWithoutMultidevice(),
        ev.PairError(id=s.ME, lid=s.ME_LID, error="bad signature"),
        ev.StreamError(code="515"),
        ban,
        ev.ClientOutdated(),
        ev.ConnectFailure(reason=ev.ConnectFailureReason.SERVICE_UNAVAILABLE),
        ev.MalformedStanza(tag="message", reason="no id", raw=Node("message")),
        ev.LoggedOut(on_connect=True),
    ]
    out = await record(WechatyDialect(), events)
    scans = [(q, st, d) for q, st, d in named(out, "scan")]
    assert scans == [
        (s.QR_1.code, ScanStatus.Waiting, None),
        ("", ScanStatus.Timeout, "qr refs ran out"),
        ("", ScanStatus.Waiting, "ABCD-EFGH"),  # a pairing code travels as `data`
        ("", ScanStatus.Scanned, None),
        ("", ScanStatus.Cancel, "bad signature"),
    ]
    errors = [args[0] for args in named(out, "error")]
    assert all(isinstance(e, GError) for e in errors)
    assert [e.code for e in errors] == [411, 401, 515, 402, 405, 503, 400, 401]
    assert errors[3].details == {"ban_code": 102, "expire_s": 3600.0}
    assert "blocked by users" in errors[3].message
    assert errors[3].core is ban
    assert named(out, "reset") == []  # never logged in: no stream of a session restarted
    assert named(out, "logout") == []  # never logged in


async def test_a_replaced_stream_and_a_deleted_group_end_things() -> None:
    delete = ev.GroupInfoUpdate(
        jid=s.GROUP, actor=s.BOB, timestamp=s.at(40), change=ev.OtherGroupChange(tag="delete")
    )
    failure = ev.ConnectFailure(reason=ev.ConnectFailureReason.MAIN_DEVICE_GONE)
    events = [s.PAIRED, s.CONNECTED, delete, ev.StreamReplaced(), s.CONNECTED, failure]
    out = await record(WechatyDialect(), events)
    [(room, leavers, remover, _)] = named(out, "room-leave")
    assert (room.id, [c.id for c in leavers], remover.id) == (GROUP, [ME], BOB)
    logouts = [(user.id, reason) for user, reason in named(out, "logout")]
    assert logouts == [(ME, "stream_replaced"), (ME, "403")]
    assert [e.code for (e,) in named(out, "error")] == [440]
    assert len(named(out, "login")) == 2


def test_unmapped_events_are_documented() -> None:
    silent = {spec.name for spec in WechatyDialect.events.values() if not spec.fires}
    assert silent == {"friendship", "room-invite", "dong", "start", "stop", "puppet"}
    assert WechatyDialect.spec("room-join").params == (
        "room: Room",
        "invitees: list[Contact]",
        "inviter: Contact",
        "date: datetime",
    )


async def test_reset_is_the_reconnect_after_a_disconnect() -> None:
    failed = ev.StreamError(code="500")
    after_error = ev.Disconnected(reason="stream error 500")
    events = [*s.session(), s.CONNECTED, failed, after_error, s.RECONNECTED, after_error]
    out = await record(WechatyDialect(), events)
    resets = named(out, "reset")
    assert [(p.data, p.core) for (p,) in resets] == [
        ("read timeout", s.RECONNECTED),  # DROPPED, then RECONNECTED
        ("stream error 500", s.RECONNECTED),  # a stream error ends in a Disconnected too
    ]
    assert of(out, s.DROPPED) == []  # the stream ended; it is reset once it is back
    assert [e.code for (e,) in named(out, "error")][-1] == 500
    assert of(out, events[-1]) == []  # no reconnect after it: no reset


async def test_the_restart_after_pairing_is_no_reset() -> None:
    # PairSuccess, then (stream error 515, which the client handles without an event) Connected.
    out = await record(WechatyDialect(), [s.QR_1, s.PAIRED, s.CONNECTED])
    assert [item.name for item in out] == ["scan", "scan", "login"]


# The heartbeat timer ----------------------------------------------------------------------
# No test here measures time: the interval is tiny, the tests wait for beats to arrive, and
# fail_after is only a guard against hanging.

HANG_GUARD = 30.0


class Beats:
    """Collects ``heartbeat`` data; `wait` returns once `count` more beats have arrived."""

    def __init__(self) -> None:
        self.data: list[HeartbeatPayload] = []
        self._wanted = 0
        self._enough = anyio.Event()

    def __call__(self, data: HeartbeatPayload) -> None:
        assert isinstance(data, HeartbeatPayload) and data.data == data
        self.data.append(data)
        if len(self.data) >= self._wanted:
            self._enough.set()

    async def wait(self, count: int) -> None:
        self._wanted = len(self.data) + count
        self._enough = anyio.Event()
        await self._enough.wait()


async def test_heartbeat_beats_while_connected_and_healthy() -> None:
    errors: list[Exception] = []
    bus = CoreEventBus(on_handler_error=lambda error, handler, event: errors.append(error))
    wechaty = dialect(bus, "wechaty", heartbeat_interval=0.001)
    beats = Beats()
    wechaty.on("heartbeat", beats)
    with anyio.fail_after(HANG_GUARD):
        async with bus, wechaty.running():
            assert wechaty.timer_running
            await bus.publish(s.PAIRED)
            await bus.publish(s.CONNECTED)
            await beats.wait(3)
            assert beats.data[:3] == ["heartbeat 1", "heartbeat 2", "heartbeat 3"]
            assert all(beat.core is s.CONNECTED for beat in beats.data)

            await bus.publish(s.HICCUP)  # a keepalive went unanswered: the timer pauses
            paused_at = len(beats.data)
            await bus.publish(s.RECOVERED)  # answered again: a beat at once, then the timer
            assert beats.data[paused_at:] == ["keepalive restored"]  # none while unhealthy
            await beats.wait(1)
            numbers = [int(b.split()[1]) for b in beats.data if b.startswith("heartbeat")]
            assert numbers == list(range(1, len(numbers) + 1))  # numbered per connection

            await bus.publish(s.DROPPED)
            stopped_at = len(beats.data)
            await bus.publish(s.RECONNECTED)  # a new connection: numbering starts again
            assert beats.data[stopped_at:] == []
            await beats.wait(1)
            assert beats.data[stopped_at] == "heartbeat 1"
            assert beats.data[stopped_at].core is s.RECONNECTED
            await bus.publish(s.DROPPED)
            again_at = len(beats.data)
            await bus.publish(s.CONNECTED)  # an equal (here: the same) event is a new connection
            await beats.wait(1)
            assert beats.data[again_at] == "heartbeat 1"
            await bus.publish(s.LOGGED_OUT)
            ended_at = len(beats.data)
        still_running: bool = wechaty.timer_running  # (read anew: mypy narrowed it above)
        assert not still_running
    assert beats.data[ended_at:] == [] and errors == []


async def test_heartbeat_as_a_bot_source_ends_with_the_bot() -> None:
    wechaty = WechatyDialect(heartbeat_interval=0.001)
    bot = (
        Bot.builder()
        .with_handler(wechaty)
        .with_source(wechaty)
        .with_source(ScriptedSource([s.PAIRED, s.CONNECTED]))
        .build()
    )
    seen: list[str] = []

    def on_heartbeat(data: str) -> None:  # TypeScript's shape: the data itself
        seen.append(data)
        if len(seen) == 2:
            bot.stop()

    wechaty.on("heartbeat", on_heartbeat)
    with anyio.fail_after(HANG_GUARD):
        await bot.run()  # returns once stop() is called: the timer is cancelled with the bot
    assert seen[:2] == ["heartbeat 1", "heartbeat 2"]
    assert not wechaty.timer_running


async def test_heartbeat_listeners_never_overlap_core_event_listeners() -> None:
    bus = CoreEventBus()
    wechaty = dialect(bus, "wechaty", heartbeat_interval=0.001)
    running: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    beats = Beats()

    async def slow(name: str) -> None:
        running.append(name)
        if len(running) > 1:
            overlaps.append(tuple(running))
        await anyio.sleep(0.02)  # many intervals: the timer tries to cut in (whatever the speed)
        running.remove(name)

    async def on_heartbeat(data: HeartbeatPayload) -> None:
        await slow("heartbeat")
        beats(data)

    async def on_message(message: Message) -> None:
        await slow("message")

    wechaty.on("heartbeat", on_heartbeat).on("message", on_message)
    with anyio.fail_after(HANG_GUARD):
        async with bus, wechaty.running():
            await bus.publish(s.CONNECTED)
            for _ in range(3):
                await bus.publish(s.OFFLINE_TEXT)
                await beats.wait(1)
    assert overlaps == []


async def test_the_timer_is_optional_and_needs_a_positive_interval() -> None:
    quiet = WechatyDialect(heartbeat_interval=None)
    async with quiet.running():
        assert not quiet.timer_running  # nothing to run
    for wrong in (0, -1, True, "15"):
        with pytest.raises(ValueError, match="heartbeat_interval"):
            WechatyDialect(heartbeat_interval=wrong)  # type: ignore[arg-type]
    twice = WechatyDialect(heartbeat_interval=0.001)
    async with twice.running():
        with pytest.raises(DialectError, match="runs already"):
            async with twice.running():
                pass
    assert WechatyDialect().heartbeat_interval == DEFAULT_HEARTBEAT_INTERVAL


async def test_start_and_stop_do_nothing_awaited_or_not() -> None:
    wechaty = WechatyDialect()
    await wechaty.start()
    wechaty.start()  # the TypeScript habit: no "never awaited" warning (warnings are errors)
    await wechaty.stop()
    wechaty.stop()


async def test_leaves_and_contact_notices() -> None:
    left = ev.GroupInfoUpdate(
        jid=s.GROUP,
        actor=s.BOB,
        timestamp=s.at(80),
        change=ev.ParticipantsChanged(
            action=ev.ParticipantAction.LEAVE, participants=(ev.GroupParticipant(jid=s.BOB),)
        ),
    )
    updated = ev.ContactUpdated(jid=s.ALICE, timestamp=s.at(81))
    renumbered = ev.ContactNumberChanged(old_jid=s.ALICE, new_jid=s.CAROL, timestamp=s.at(82))
    out = await record(WechatyDialect(), [s.PAIRED, s.CONNECTED, left, updated, renumbered])
    [(room, leavers, remover, _)] = named(out, "room-leave")
    assert room.id == GROUP
    assert [c.id for c in leavers] == [BOB] and remover.id == BOB
    dirty = [(p.payload_type, p.payload_id) for (p,) in named(out, "dirty")]
    assert (DirtyType.Contact, ALICE) in dirty
    assert (DirtyType.Contact, CAROL) in dirty
    assert dirty.count((DirtyType.RoomMember, GROUP)) == 1
