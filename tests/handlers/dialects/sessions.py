"""Event sequences of whole sessions, as the core emits them, for the dialect tests.

`session()` is one session of everything the dialects map: pairing (two QR codes, success),
login, an offline sync with a message and a receipt, live messages of every shape (text,
mention, image, reaction and its removal, edit, revoke, undecryptable, status), typing,
presence, group changes (subject twice, description, participants added and removed, a
group created), a keepalive hiccup, a reconnect, and a logout. Each event is a module-level
name, so tests can say which event produced what.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from wabus.core import BaseEvent, Jid, Server
from wabus.core import events as ev
from wabus.proto import common_pb2, e2e_pb2

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


ME = Jid("15550000001", Server.USER, device=7)
ME_LID = Jid("100000000000001", Server.LID, device=7)
ALICE = Jid("15550000002", Server.USER)
BOB = Jid("15550000003", Server.USER)
CAROL = Jid("15550000004", Server.USER)
GROUP = Jid("120363000000000001", Server.GROUP)
NEW_GROUP = Jid("120363000000000002", Server.GROUP)
STATUS = Jid("status", Server.BROADCAST)


def body(**fields: object) -> bytes:
    """A serialised ``wa.Message`` with the given content fields."""
    return e2e_pb2.Message(**fields).SerializeToString()  # type: ignore[arg-type]


def text_body(text: str) -> bytes:
    return body(conversation=text)


def info(
    message_id: str,
    chat: Jid,
    sender: Jid,
    seconds: float,
    *,
    push_name: str = "",
    from_me: bool = False,
    offline: bool = False,
    edit: ev.EditAttribute = ev.EditAttribute.NONE,
) -> ev.MessageInfo:
    source = ev.MessageSource(
        chat=chat,
        sender=sender,
        is_from_me=from_me,
        is_group=chat.is_group,
    )
    return ev.MessageInfo(
        source=source,
        id=message_id,
        timestamp=at(seconds),
        push_name=push_name,
        is_offline=offline,
        edit=edit,
    )


QR_1 = ev.PairingQrCode(code="2@ref-1,noise,identity,adv", timeout=timedelta(seconds=60))
QR_2 = ev.PairingQrCode(code="2@ref-2,noise,identity,adv", timeout=timedelta(seconds=20))
PAIRED = ev.PairSuccess(id=ME, lid=ME_LID, platform="android")
CONNECTED = ev.Connected()
PREVIEW = ev.OfflineSyncPreview(total=2, messages=1, receipts=1)
OFFLINE_TEXT = ev.Message(
    info=info("OFF1", ALICE, ALICE, 1, push_name="Alice", offline=True), raw=text_body("ping")
)
OFFLINE_READ = ev.Receipt(
    source=ev.MessageSource(chat=ALICE, sender=ALICE),
    message_ids=("MINE1", "MINE2"),
    timestamp=at(2),
    receipt_type=ev.ReceiptType.READ,
)
SYNCED = ev.OfflineSyncCompleted(count=2)
ONLINE = ev.Presence(jid=ALICE, unavailable=False, last_seen=at(3))
SUBJECT_1 = ev.GroupInfoUpdate(
    jid=GROUP,
    actor=BOB,
    timestamp=at(4),
    change=ev.SubjectChanged(subject="Book club", subject_owner=BOB, subject_time=at(4)),
)
TYPING = ev.ChatPresence(
    source=ev.MessageSource(chat=GROUP, sender=BOB, is_group=True),
    state=ev.ChatPresenceState.COMPOSING,
)
MENTION = ev.Message(
    info=info("G1", GROUP, BOB, 5, push_name="Bob"),
    raw=body(
        extendedTextMessage=e2e_pb2.Message.ExtendedTextMessage(
            text="hello @15550000001",
            contextInfo=e2e_pb2.ContextInfo(mentionedJid=["15550000001@s.whatsapp.net"]),
        )
    ),
)
PAUSED = ev.ChatPresence(
    source=ev.MessageSource(chat=GROUP, sender=BOB, is_group=True),
    state=ev.ChatPresenceState.PAUSED,
)
IMAGE = ev.Message(
    info=info("IMG1", ALICE, ALICE, 6, push_name="Alice"),
    raw=body(
        imageMessage=e2e_pb2.Message.ImageMessage(
            url="https://mmg.whatsapp.net/x",
            mimetype="image/jpeg",
            caption="look",
            mediaKey=b"\x01\x02\x03",
            width=640,
            height=480,
        )
    ),
)
REACTION = ev.Message(
    info=info("R1", ALICE, ALICE, 7, push_name="Alice"),
    raw=body(
        reactionMessage=e2e_pb2.Message.ReactionMessage(
            key=common_pb2.MessageKey(remoteJid=str(ALICE), fromMe=True, id="MINE1"), text="👍"
        )
    ),
)
UNREACTION = ev.Message(
    info=info("R2", ALICE, ALICE, 8, push_name="Alice"),
    raw=body(
        reactionMessage=e2e_pb2.Message.ReactionMessage(
            key=common_pb2.MessageKey(remoteJid=str(ALICE), fromMe=True, id="MINE1"), text=""
        )
    ),
)
EDIT = ev.Message(
    info=info("E1", ALICE, ALICE, 9, push_name="Alice", edit=ev.EditAttribute.MESSAGE_EDIT),
    raw=body(
        protocolMessage=e2e_pb2.Message.ProtocolMessage(
            key=common_pb2.MessageKey(remoteJid=str(ALICE), id="IMG1"),
            type=e2e_pb2.Message.ProtocolMessage.MESSAGE_EDIT,
            editedMessage=e2e_pb2.Message(conversation="look again"),
            timestampMs=int(at(9).timestamp() * 1000),
        )
    ),
)
REVOKE = ev.Message(
    info=info("V1", ALICE, ALICE, 10, push_name="Alice", edit=ev.EditAttribute.SENDER_REVOKE),
    raw=body(
        protocolMessage=e2e_pb2.Message.ProtocolMessage(
            key=common_pb2.MessageKey(remoteJid=str(ALICE), id="OFF1"),
            type=e2e_pb2.Message.ProtocolMessage.REVOKE,
        )
    ),
)
UNDECRYPTABLE = ev.UndecryptableMessage(info=info("U1", BOB, BOB, 11, push_name="Bob"))
STATUS_POST = ev.Message(
    info=info("S1", STATUS, ALICE, 12, push_name="Alice"), raw=text_body("my status")
)
OWN_TEXT = ev.Message(info=info("MINE3", ALICE, ME, 13, from_me=True), raw=text_body("pong"))
SUBJECT_2 = ev.GroupInfoUpdate(
    jid=GROUP,
    actor=ALICE,
    actor_pn=ALICE,
    timestamp=at(14),
    change=ev.SubjectChanged(subject="Poetry club", subject_owner=ALICE, subject_time=at(14)),
)
DESCRIPTION = ev.GroupInfoUpdate(
    jid=GROUP,
    actor=ALICE,
    timestamp=at(15),
    change=ev.DescriptionChanged(id="D1", description="Poems on Fridays"),
)
ADDED = ev.GroupInfoUpdate(
    jid=GROUP,
    actor=BOB,
    timestamp=at(16),
    change=ev.ParticipantsChanged(
        action=ev.ParticipantAction.ADD, participants=(ev.GroupParticipant(jid=CAROL),)
    ),
)
REMOVED = ev.GroupInfoUpdate(
    jid=GROUP,
    actor=BOB,
    timestamp=at(17),
    change=ev.ParticipantsChanged(
        action=ev.ParticipantAction.REMOVE, participants=(ev.GroupParticipant(jid=CAROL),)
    ),
)
ANNOUNCE = ev.GroupInfoUpdate(
    jid=GROUP,
    actor=BOB,
    timestamp=at(18),
    change=ev.SettingChanged(setting=ev.GroupSetting.ANNOUNCE, enabled=True),
)
CREATED = ev.JoinedGroup(
    jid=NEW_GROUP,
    reason="create",
    actor=ME.to_non_ad(),
    subject="Fresh group",
    timestamp=at(19),
    participants=(ev.GroupParticipant(jid=ME.to_non_ad()), ev.GroupParticipant(jid=ALICE)),
)
ADDED_ME = ev.GroupInfoUpdate(
    jid=NEW_GROUP,
    actor=ALICE,
    timestamp=at(20),
    change=ev.ParticipantsChanged(
        action=ev.ParticipantAction.ADD, participants=(ev.GroupParticipant(jid=ME.to_non_ad()),)
    ),
)
JOINED_ME = ev.JoinedGroup(
    jid=NEW_GROUP,
    reason="add",
    actor=ALICE,
    timestamp=at(20),
    participants=(ev.GroupParticipant(jid=ME.to_non_ad()),),
)
HICCUP = ev.KeepAliveTimeout(error_count=1)
HICCUP_2 = ev.KeepAliveTimeout(error_count=2)
RECOVERED = ev.KeepAliveRestored()
DROPPED = ev.Disconnected(reason="read timeout")
RECONNECTED = ev.Connected()
SYNCED_AGAIN = ev.OfflineSyncCompleted(count=0)
LATE_TEXT = ev.Message(info=info("L1", ALICE, ALICE, 30, push_name="Alice"), raw=text_body("back?"))
LOGGED_OUT = ev.LoggedOut(on_connect=False, reason=ev.ConnectFailureReason.LOGGED_OUT)


def pairing() -> list[BaseEvent]:
    """Pairing and the first login, up to the end of the offline sync."""
    return [QR_1, QR_2, PAIRED, CONNECTED, PREVIEW, OFFLINE_TEXT, OFFLINE_READ, SYNCED]


def live() -> list[BaseEvent]:
    """The live part: messages, presence, typing and group changes."""
    return [
        ONLINE,
        SUBJECT_1,
        TYPING,
        MENTION,
        PAUSED,
        IMAGE,
        REACTION,
        UNREACTION,
        EDIT,
        REVOKE,
        UNDECRYPTABLE,
        STATUS_POST,
        OWN_TEXT,
        SUBJECT_2,
        DESCRIPTION,
        ADDED,
        REMOVED,
        ANNOUNCE,
        CREATED,
        ADDED_ME,
        JOINED_ME,
    ]


def reconnect() -> list[BaseEvent]:
    """A keepalive hiccup, a dropped connection, the reconnect, and a logout."""
    return [
        HICCUP,
        HICCUP_2,
        RECOVERED,
        DROPPED,
        RECONNECTED,
        SYNCED_AGAIN,
        LATE_TEXT,
        LOGGED_OUT,
    ]


def session() -> list[BaseEvent]:
    """The whole session."""
    return [*pairing(), *live(), *reconnect()]
