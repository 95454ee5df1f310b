"""The router, stanza kind by stanza kind, with realistic nodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import structlog

from wabus.core import Jid, Node, Server
from wabus.core.events import (
    AddressingMode,
    BaseEvent,
    BusinessStatusUpdate,
    BusinessUpdateType,
    CallOffer,
    CallOfferNotice,
    CallTerminate,
    ChatPresence,
    ChatPresenceMedia,
    ChatPresenceState,
    ClientOutdated,
    Connected,
    ConnectFailure,
    ConnectFailureReason,
    DescriptionChanged,
    DeviceListUpdate,
    DeviceListUpdateType,
    DirtyNotice,
    DirtyType,
    DisappearingModeChanged,
    EditAttribute,
    GroupInfoUpdate,
    GroupSetting,
    IdentityChange,
    IncomingCall,
    InviteLinkChanged,
    JoinedGroup,
    LoggedOut,
    MalformedStanza,
    Message,
    Notification,
    OfflineSyncCompleted,
    OfflineSyncPreview,
    OtherGroupChange,
    PairError,
    PairingQrCode,
    PairSuccess,
    ParticipantAction,
    ParticipantsChanged,
    PictureUpdate,
    Presence,
    PushNameUpdate,
    Receipt,
    ReceiptType,
    SelfPushNameUpdated,
    SettingChanged,
    StreamError,
    StreamReplaced,
    SubjectChanged,
    TempBanReason,
    TemporaryBan,
    UnavailableType,
    UndecryptableMessage,
    UserAboutUpdate,
)
from wabus.protocol import (
    QR_URL_PREFIX,
    DecryptionFailed,
    PairingKeys,
    PairingVerificationFailed,
    Router,
    decode_node,
    encode_node,
)

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
ME = Jid("15550000001", Server.USER)
ME_LID = Jid("100000000000001", Server.LID)
ALICE = Jid("15550000002", Server.USER)
ALICE_LID = Jid("100000000000002", Server.LID)
BOB = Jid("15550000003", Server.USER)
GROUP = Jid("120363000000000001", Server.GROUP)
SERVER = Jid("", Server.USER)
T = "1752021890"
T_DATE = datetime.fromtimestamp(1752021890, UTC)


def router(
    *,
    decryptor: _Decryptor | None = None,
    pairing_keys: PairingKeys | None = None,
    push_name: str = "",
) -> Router:
    return Router(
        own_pn=ME.with_device(7),
        own_lid=ME_LID.with_device(7),
        clock=lambda: NOW,
        decryptor=decryptor,
        pairing_keys=pairing_keys,
        push_name=push_name,
    )


def route(node: Node, r: Router | None = None) -> list[BaseEvent]:
    # Every stanza goes through the real codec first, as it would on the wire.
    return (r or router()).route(decode_node(encode_node(node)))


def one(node: Node, r: Router | None = None) -> BaseEvent:
    events = route(node, r)
    assert len(events) == 1, events
    return events[0]


# <message> ---------------------------------------------------------------------------------------


def test_direct_message_with_plaintext_body() -> None:
    body = b"\n\x05hello"
    node = Node(
        "message",
        {
            "from": ALICE.with_device(3),
            "id": "3EB0A",
            "t": T,
            "type": "text",
            "notify": "Alice",
            "sender_lid": ALICE_LID,
        },
        [Node("plaintext", None, body)],
    )
    event = one(node)
    assert isinstance(event, Message)
    info = event.info
    assert (info.id, info.timestamp, info.push_name, info.type) == (
        "3EB0A",
        T_DATE,
        "Alice",
        "text",
    )
    assert info.source.chat == ALICE
    assert info.source.sender == ALICE.with_device(3)
    assert info.source.sender_alt == ALICE_LID
    assert not info.source.is_from_me and not info.source.is_group
    assert event.raw == body


def test_group_message_info() -> None:
    node = Node(
        "message",
        {
            "from": GROUP,
            "participant": ALICE_LID.with_device(2),
            "participant_pn": ALICE,
            "addressing_mode": "lid",
            "id": "X",
            "t": T,
            "offline": "1",
            "edit": "7",
            "server_id": "5",
            "category": "peer",
        },
        [Node("plaintext", None, b"")],
    )
    event = one(node)
    assert isinstance(event, Message)
    source = event.info.source
    assert source.is_group and source.chat == GROUP
    assert source.sender == ALICE_LID.with_device(2)
    assert source.sender_alt == ALICE
    assert source.addressing_mode is AddressingMode.LID
    assert event.info.is_offline
    assert event.info.edit is EditAttribute.SENDER_REVOKE
    assert event.info.server_id == 0  # below the range of real server ids
    assert event.info.category == "peer"


def test_message_from_our_other_device() -> None:
    node = Node(
        "message",
        {"from": ME.with_device(2), "recipient": ALICE, "id": "M", "t": T},
        [Node("plaintext", None, b"\n\x02hi")],
    )
    event = one(node)
    assert isinstance(event, Message)
    source = event.info.source
    assert source.is_from_me
    assert source.chat == ALICE
    assert source.recipient == ALICE
    assert source.sender == ME.with_device(2)
    assert source.sender_alt == ME_LID.with_device(2)  # the sender's device, not ours


def test_broadcast_and_status_messages() -> None:
    status = one(
        Node(
            "message",
            {"from": Jid("status", Server.BROADCAST), "participant": ALICE, "id": "S", "t": T},
            [Node("plaintext", None, b"")],
        )
    )
    assert isinstance(status, Message)
    assert status.info.source.sender == ALICE
    assert status.info.source.broadcast_list_owner is None
    listed = one(
        Node(
            "message",
            {"from": Jid("1234", Server.BROADCAST), "participant": ALICE, "id": "B", "t": T},
            [Node("plaintext", None, b"")],
        )
    )
    assert isinstance(listed, Message)
    assert listed.info.source.broadcast_list_owner == ALICE


def test_encrypted_body_without_a_decryptor_is_undecryptable() -> None:
    node = Node(
        "message",
        {"from": ALICE, "id": "E", "t": T},
        [Node("enc", {"v": "2", "type": "msg", "decrypt-fail": "hide"}, bytes(64))],
    )
    event = one(node)
    assert isinstance(event, UndecryptableMessage)
    assert event.info.id == "E"
    assert not event.is_unavailable
    assert event.decrypt_fail_mode == "hide"


def test_unavailable_body() -> None:
    node = Node(
        "message", {"from": ALICE, "id": "U", "t": T}, [Node("unavailable", {"type": "view_once"})]
    )
    event = one(node)
    assert isinstance(event, UndecryptableMessage)
    assert event.is_unavailable and event.unavailable_type is UnavailableType.VIEW_ONCE


class _Decryptor:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.seen: list[str] = []

    def decrypt(self, enc: Node, info: object) -> bytes:
        self.seen.append(enc.attr("type"))
        if self.fail:
            raise DecryptionFailed("no session")
        return b"\n\x03dec"


def test_a_decryptor_opens_enc_bodies_session_messages_first() -> None:
    decryptor = _Decryptor()
    r = router(decryptor=decryptor)
    node = Node(
        "message",
        {"from": GROUP, "participant": ALICE, "id": "G", "t": T},
        [Node("enc", {"type": "skmsg"}, b"x"), Node("enc", {"type": "pkmsg"}, b"y")],
    )
    event = one(node, r)
    assert isinstance(event, Message) and event.raw == b"\n\x03dec"
    assert decryptor.seen == ["pkmsg", "skmsg"]
    failing = router(decryptor=_Decryptor(fail=True))
    assert isinstance(one(node, failing), UndecryptableMessage)


# <receipt>, <presence>, <chatstate> --------------------------------------------------------------


def test_receipt_lists_every_id() -> None:
    node = Node(
        "receipt",
        {"from": GROUP, "participant": ALICE, "id": "A1", "type": "read", "t": T},
        [Node("list", None, [Node("item", {"id": "A2"}), Node("item", {"id": "A3"})])],
    )
    event = one(node)
    assert isinstance(event, Receipt)
    assert event.message_ids == ("A1", "A2", "A3")
    assert event.receipt_type is ReceiptType.READ
    assert event.timestamp == T_DATE
    assert event.source.chat == GROUP and event.source.sender == ALICE


def test_receipt_defaults() -> None:
    event = one(Node("receipt", {"from": ALICE, "id": "A1"}))
    assert isinstance(event, Receipt)
    assert event.receipt_type is ReceiptType.DELIVERED
    assert event.timestamp == NOW  # no `t`: the injected clock


def test_presence() -> None:
    offline = one(Node("presence", {"from": ALICE, "type": "unavailable", "last": "1752021800"}))
    assert isinstance(offline, Presence)
    assert offline.unavailable and offline.last_seen == datetime.fromtimestamp(1752021800, UTC)
    online = one(Node("presence", {"from": ALICE, "last": "deny"}))
    assert isinstance(online, Presence)
    assert not online.unavailable and online.last_seen is None


def test_chatstate() -> None:
    typing = one(
        Node(
            "chatstate",
            {"from": GROUP, "participant": ALICE},
            [Node("composing", {"media": "audio"})],
        )
    )
    assert isinstance(typing, ChatPresence)
    assert typing.state is ChatPresenceState.COMPOSING
    assert typing.media is ChatPresenceMedia.AUDIO
    assert typing.source.sender == ALICE and typing.source.is_group
    paused = one(Node("chatstate", {"from": ALICE}, [Node("paused")]))
    assert isinstance(paused, ChatPresence) and paused.state is ChatPresenceState.PAUSED
    assert route(Node("chatstate", {"to": ALICE}, [Node("paused")])) == []  # our own echo


# <call> ------------------------------------------------------------------------------------------


def test_call_offer() -> None:
    node = Node(
        "call",
        {
            "from": ALICE.with_device(1),
            "id": "C1",
            "t": T,
            "notify": "Alice",
            "platform": "android",
            "version": "2.25",
            "offline": "0",
        },
        [
            Node(
                "offer",
                {
                    "call-id": "CALL1",
                    "call-creator": ALICE.with_device(1),
                    "joinable": "1",
                    "caller_pn": ALICE,
                },
                [Node("audio", {"enc": "opus", "rate": "16000"}), Node("video")],
            )
        ],
    )
    event = one(node)
    assert isinstance(event, IncomingCall)
    assert event.jid == ALICE.with_device(1) and event.stanza_id == "C1" and event.offline
    action = event.action
    assert isinstance(action, CallOffer)
    assert action.call_id == "CALL1" and action.is_video and action.joinable
    assert action.audio[0].rate == 16000


def test_call_steps() -> None:
    def step(child: Node) -> object:
        event = one(Node("call", {"from": ALICE, "id": "C", "t": T}, [child]))
        assert isinstance(event, IncomingCall)
        return event.action

    notice = step(
        Node(
            "offer_notice",
            {"call-id": "1", "call-creator": ALICE, "media": "video", "type": "group"},
        )
    )
    assert isinstance(notice, CallOfferNotice) and notice.is_video and notice.is_group
    ended = step(
        Node(
            "terminate",
            {"call-id": "1", "call-creator": ALICE, "duration": "42", "reason": "timeout"},
        )
    )
    assert isinstance(ended, CallTerminate) and ended.duration == 42 and ended.reason == "timeout"
    assert route(Node("call", {"from": ALICE, "id": "C", "t": T}, [Node("relaylatency")])) == []


# Group notifications -----------------------------------------------------------------------------


def _gp2(*actions: Node) -> Node:
    return Node(
        "notification",
        {
            "from": GROUP,
            "type": "w:gp2",
            "id": "N1",
            "t": T,
            "participant": BOB,
            "participant_pn": BOB,
            "addressing_mode": "pn",
        },
        list(actions),
    )


def test_one_group_update_per_action_and_joined_group_when_we_are_added() -> None:
    events = route(
        _gp2(
            Node(
                "add",
                {"reason": "invite"},
                [Node("participant", {"jid": ALICE}), Node("participant", {"jid": ME})],
            ),
            Node("subject", {"subject": "Book club", "s_o": BOB, "s_t": T}),
            Node("announcement"),
            Node("ephemeral", {"expiration": "604800"}),
            Node("invite", {"code": "AbCd"}),
            Node("description", {"id": "D1"}, [Node("body", None, "Read more")]),
            Node("member_add_mode", None, "all_member_add"),
            Node("link", {"link_type": "parent_group"}),
        )
    )
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["GroupInfoUpdate", "JoinedGroup"] + ["GroupInfoUpdate"] * 7
    add = events[0]
    assert isinstance(add, GroupInfoUpdate)
    assert add.actor == BOB and add.timestamp == T_DATE
    assert isinstance(add.change, ParticipantsChanged)
    assert add.change.action is ParticipantAction.ADD and add.change.reason == "invite"
    joined = events[1]
    assert isinstance(joined, JoinedGroup) and joined.jid == GROUP and joined.actor == BOB
    changes = [e.change for e in events[2:] if isinstance(e, GroupInfoUpdate)]
    assert changes[0] == SubjectChanged(subject="Book club", subject_owner=BOB, subject_time=T_DATE)
    assert changes[1] == SettingChanged(setting=GroupSetting.ANNOUNCE, enabled=True)
    assert changes[2] == SettingChanged(setting=GroupSetting.EPHEMERAL, enabled=True, value=604800)
    assert changes[3] == InviteLinkChanged(code="AbCd")
    assert changes[4] == DescriptionChanged(id="D1", description="Read more")
    assert changes[5] == SettingChanged(
        setting=GroupSetting.MEMBER_ADD_MODE, enabled=True, value="all_member_add"
    )
    assert isinstance(changes[6], OtherGroupChange) and changes[6].tag == "link"


def test_group_created_with_us_in_it() -> None:
    events = route(
        _gp2(
            Node(
                "create",
                None,
                [Node("group", {"subject": "New"}, [Node("participant", {"jid": ME})])],
            )
        )
    )
    assert len(events) == 1
    joined = events[0]
    assert isinstance(joined, JoinedGroup)
    assert joined.subject == "New" and joined.reason == "create"


def test_removing_someone_else_is_not_joining() -> None:
    events = route(_gp2(Node("remove", None, [Node("participant", {"jid": ALICE})])))
    assert [type(e) for e in events] == [GroupInfoUpdate]
    change = events[0].change  # type: ignore[attr-defined]
    assert change.action is ParticipantAction.REMOVE


# Other notifications -----------------------------------------------------------------------------


def _notification(kind: str, *children: Node, **attrs: str | Jid) -> Node:
    base: dict[str, str | Jid] = {"from": ALICE, "type": kind, "id": "N", "t": T}
    base.update(attrs)
    return Node("notification", base, list(children))


def test_picture_notifications() -> None:
    changed = one(_notification("picture", Node("set", {"jid": ALICE, "author": ALICE, "id": "9"})))
    assert isinstance(changed, PictureUpdate)
    assert not changed.removed and changed.picture_id == "9" and changed.author == ALICE
    removed = one(_notification("picture", Node("delete", {"jid": ALICE})))
    assert isinstance(removed, PictureUpdate) and removed.removed
    empty = one(_notification("picture"))
    assert isinstance(empty, PictureUpdate) and empty.removed and empty.jid == ALICE


def test_status_notification() -> None:
    event = one(_notification("status", Node("set", None, "Busy")))
    assert event == UserAboutUpdate(jid=ALICE, status="Busy", timestamp=T_DATE)


def test_devices_notification() -> None:
    event = one(
        _notification(
            "devices",
            Node(
                "add",
                {"hash": "h1"},
                [
                    Node("device", {"jid": ALICE.with_device(5), "key-index": "2"}),
                    Node("key-index-list", {"ts": "1752000000"}, b"signed"),
                ],
            ),
            lid=ALICE_LID,
        )
    )
    assert isinstance(event, DeviceListUpdate)
    assert event.update_type is DeviceListUpdateType.ADD
    assert event.devices[0].device_id == 5 and event.devices[0].key_index == 2
    assert event.key_index is not None and event.key_index.signed_bytes == b"signed"
    assert event.lid_user == ALICE_LID and event.contact_hash == "h1"


def test_business_notification() -> None:
    event = one(
        _notification(
            "business", Node("verified_name", {"jid": ALICE, "verified_name": "Alice Ltd"})
        )
    )
    assert isinstance(event, BusinessStatusUpdate)
    assert event.update_type is BusinessUpdateType.VERIFIED_NAME_CHANGED
    assert event.verified_name == "Alice Ltd"


def test_identity_change_only_for_primary_devices() -> None:
    event = one(_notification("encrypt", Node("identity")))
    assert event == IdentityChange(user=ALICE, timestamp=T_DATE)
    assert route(_notification("encrypt", Node("identity"), **{"from": ALICE.with_device(2)})) == []
    assert route(_notification("encrypt", Node("count", {"value": "5"}), **{"from": SERVER})) == []


def test_push_name_changes_from_account_sync() -> None:
    r = router(push_name="Old")
    event = one(_notification("account_sync", pushname="New", **{"from": ME}), r)
    assert event == SelfPushNameUpdated(from_server=True, old_name="Old", new_name="New")
    assert route(_notification("account_sync", pushname="New", **{"from": ME}), r) == []


def test_disappearing_mode() -> None:
    event = one(
        _notification("disappearing_mode", Node("disappearing_mode", {"duration": "86400", "t": T}))
    )
    assert event == DisappearingModeChanged(jid=ALICE, duration=86400, setting_timestamp=T_DATE)


@pytest.mark.parametrize(
    "kind", ["newsletter", "mediaretry", "privacy_token", "server_sync", "something_new"]
)
def test_other_notifications_stay_raw(kind: str) -> None:
    node = _notification(kind, Node("whatever"))
    event = one(node)
    assert isinstance(event, Notification)
    assert event.raw == decode_node(encode_node(node))
    assert event.notification_type == kind


# <ib>, <success>, <failure>, <stream:error> ------------------------------------------------------


def test_ib_children() -> None:
    r = router()
    events = route(
        Node(
            "ib",
            None,
            [
                Node(
                    "offline_preview",
                    {
                        "count": "30",
                        "appdata": "1",
                        "message": "20",
                        "notification": "5",
                        "receipt": "4",
                    },
                ),
                Node("edge_routing", None, [Node("routing_info", None, b"\x08\x02")]),
                Node("dirty", {"type": "account_sync", "timestamp": T}),
            ],
        ),
        r,
    )
    assert events == [
        OfflineSyncPreview(total=30, app_data_changes=1, messages=20, notifications=5, receipts=4),
        DirtyNotice(dirty_type=DirtyType.ACCOUNT_SYNC, timestamp=T_DATE),
    ]
    assert r.edge_routing_info == b"\x08\x02"
    assert route(Node("ib", None, [Node("offline", {"count": "30"})]), r) == [
        OfflineSyncCompleted(count=30)
    ]
    assert route(Node("ib", None, [Node("offline", {"count": "30"})]), r) == []  # once
    r.reset()
    assert len(route(Node("ib", None, [Node("offline", {"count": "1"})]), r)) == 1


def test_success_once_per_connection_and_learns_our_lid() -> None:
    r = Router(clock=lambda: NOW)
    node = Node("success", {"t": T, "lid": ME_LID.with_device(7), "props": "27"})
    assert route(node, r) == [Connected()]
    assert r.own_lid == ME_LID.with_device(7)
    assert route(node, r) == []
    r.reset()
    assert route(node, r) == [Connected()]


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"reason": "401"}, LoggedOut(on_connect=True, reason=ConnectFailureReason.LOGGED_OUT)),
        (
            {"reason": "403"},
            LoggedOut(on_connect=True, reason=ConnectFailureReason.MAIN_DEVICE_GONE),
        ),
        (
            {"reason": "402", "code": "103", "expire": "3600"},
            TemporaryBan(code=TempBanReason.CREATED_TOO_MANY_GROUPS, expire=timedelta(hours=1)),
        ),
        ({"reason": "405"}, ClientOutdated()),
    ],
)
def test_failure(attrs: dict[str, str], expected: BaseEvent) -> None:
    assert one(Node("failure", attrs)) == expected


def test_other_failures_keep_the_stanza() -> None:
    event = one(Node("failure", {"reason": "503", "message": "try later"}))
    assert isinstance(event, ConnectFailure)
    assert event.reason is ConnectFailureReason.SERVICE_UNAVAILABLE
    assert event.message == "try later" and event.raw is not None


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (Node("stream:error", None, [Node("conflict", {"type": "replaced"})]), [StreamReplaced()]),
        (
            Node("stream:error", None, [Node("conflict", {"type": "device_removed"})]),
            [LoggedOut(on_connect=False)],
        ),
        (Node("stream:error", {"code": "409"}), [StreamReplaced()]),
        (
            Node("stream:error", {"code": "516"}),
            [LoggedOut(reason=ConnectFailureReason.UNKNOWN_LOGOUT)],
        ),
        (Node("stream:error", {"code": "515"}), []),
        (Node("stream:error", {"code": "503"}), []),
    ],
)
def test_stream_errors(node: Node, expected: list[BaseEvent]) -> None:
    assert route(node) == expected


def test_unknown_stream_error_keeps_the_code() -> None:
    event = one(Node("stream:error", {"code": "500"}, [Node("xml-not-well-formed")]))
    assert isinstance(event, StreamError) and event.code == "500"


# <iq> pairing ------------------------------------------------------------------------------------


def _pair_device(*refs: str) -> Node:
    return Node(
        "iq",
        {"from": SERVER, "type": "set", "id": "P1", "xmlns": "md"},
        [Node("pair-device", None, [Node("ref", None, ref) for ref in refs])],
    )


def test_pair_device_gives_one_qr_code_per_ref() -> None:
    keys = PairingKeys(
        noise_public=b"\x01" * 32, identity_public=b"\x02" * 32, adv_secret=b"\x03" * 32
    )
    events = route(_pair_device("2@ref-one", "2@ref-two", "2@ref-three"), router(pairing_keys=keys))
    assert [type(e) for e in events] == [PairingQrCode] * 3
    first, second = events[0], events[1]
    assert isinstance(first, PairingQrCode) and isinstance(second, PairingQrCode)
    assert first.timeout == timedelta(seconds=60) and second.timeout == timedelta(seconds=20)
    ref, noise, identity, adv, platform = first.code.removeprefix(QR_URL_PREFIX).split(",")
    assert first.code.startswith(QR_URL_PREFIX) and platform == "7"
    assert ref == "2@ref-one"
    assert noise == "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
    assert len(identity) == len(adv) == 44


def test_pairing_stanzas_must_come_from_the_server() -> None:
    node = Node(
        "iq",
        {"from": ALICE, "type": "set", "id": "P1"},
        [Node("pair-device", None, [Node("ref", None, "2@x")])],
    )
    event = one(node)
    assert isinstance(event, MalformedStanza)
    assert "not from the server" in event.reason


def _pair_success(identity: bytes = b"\x0a\x01\x01") -> Node:
    return Node(
        "iq",
        {"from": SERVER, "type": "set", "id": "P2"},
        [
            Node(
                "pair-success",
                None,
                [
                    Node("device-identity", None, identity),
                    Node("platform", {"name": "android"}),
                    Node("biz", {"name": ""}),
                    Node("device", {"jid": ME.with_device(9), "lid": ME_LID.with_device(9)}),
                ],
            )
        ],
    )


class _Verifier:
    def __init__(self, ok: bool) -> None:
        self.ok = ok

    def verify(self, device_identity: bytes, device: Jid, lid: Jid | None) -> None:
        if not self.ok:
            raise PairingVerificationFailed("HMAC mismatch")


def test_pair_success_is_verified() -> None:
    r = Router(clock=lambda: NOW, pairing_verifier=_Verifier(ok=True))
    event = one(_pair_success(), r)
    assert event == PairSuccess(id=ME.with_device(9), lid=ME_LID.with_device(9), platform="android")
    assert r.own_pn == ME.with_device(9) and r.own_lid == ME_LID.with_device(9)
    failed = one(_pair_success(), Router(clock=lambda: NOW, pairing_verifier=_Verifier(ok=False)))
    assert isinstance(failed, PairError) and failed.error == "HMAC mismatch"
    unverified = one(_pair_success(), Router(clock=lambda: NOW))
    assert isinstance(unverified, PairError) and "no pairing verifier" in unverified.error


def test_iq_results_and_pings_are_not_events() -> None:
    assert route(Node("iq", {"from": SERVER, "type": "result", "id": "1"}, [Node("usync")])) == []
    assert (
        route(
            Node(
                "iq",
                {"from": SERVER, "type": "get", "id": "2", "xmlns": "urn:xmpp:ping"},
                [Node("ping")],
            )
        )
        == []
    )


# Unknown and malformed ---------------------------------------------------------------------------


def test_unknown_tags_become_notifications_and_bookkeeping_is_silent() -> None:
    assert isinstance(one(Node("brand-new-stanza", {"x": "1"})), Notification)
    assert route(Node("ack", {"id": "1", "class": "message"})) == []
    assert route(Node("xmlstreamend")) == []


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        (Node("message", {"from": ALICE, "t": T}, [Node("plaintext", None, b"")]), "'id'"),
        (Node("message", {"from": "nobody@nowhere", "id": "1"}), "not a JID"),
        (
            Node("message", {"from": GROUP, "id": "1"}, [Node("plaintext", None, b"")]),
            "has no participant",
        ),
        (Node("receipt", {"from": ALICE, "id": "1", "t": "soon"}), "not a decimal integer"),
        (
            Node("call", {"from": ALICE, "id": "1"}, [Node("offer", {"call-id": "x"})]),
            "'call-creator'",
        ),
        (Node("failure", {}), "'reason'"),
        (Node("notification", {"from": ALICE, "type": "status", "t": T}), "no <set> child"),
    ],
)
def test_a_malformed_stanza_is_reported_and_routing_goes_on(node: Node, reason: str) -> None:
    r = router()
    with structlog.testing.capture_logs() as logs:
        events = route(node, r)
    assert len(events) == 1
    event = events[0]
    assert isinstance(event, MalformedStanza)
    assert event.tag == node.tag and reason in event.reason and event.raw is not None
    assert logs[0]["event"] == "malformed stanza"
    # The next stanza is routed as usual.
    assert isinstance(one(Node("presence", {"from": ALICE}), r), Presence)


def test_push_name_changes_are_noticed() -> None:
    r = router()

    def message(name: str, n: int) -> Node:
        return Node(
            "message",
            {"from": ALICE.with_device(n), "id": f"M{n}", "t": T, "notify": name},
            [Node("plaintext", None, b"")],
        )

    assert [type(e) for e in route(message("Alice", 1), r)] == [Message]  # first sighting
    assert [type(e) for e in route(message("Alice", 2), r)] == [Message]  # same name
    events = route(message("Alice B.", 3), r)
    assert [type(e) for e in events] == [Message, PushNameUpdate]
    renamed = events[1]
    assert isinstance(renamed, PushNameUpdate)
    assert (renamed.jid, renamed.old_push_name, renamed.new_push_name) == (
        ALICE,
        "Alice",
        "Alice B.",
    )
    assert renamed.info is not None and renamed.info.id == "M3"


def test_connection_ending_stanzas_reset_the_latches() -> None:
    r = Router(clock=lambda: NOW)
    success = Node("success", {"t": T})
    assert route(success, r) == [Connected()]
    assert route(Node("stream:error", {"code": "515"}), r) == []
    assert route(success, r) == [Connected()]
    assert route(Node("xmlstreamend"), r) == []
    assert route(success, r) == [Connected()]


def test_one_default_clock_serves_the_router_the_certificates_and_the_client() -> None:
    import inspect

    from wabus.client import Client
    from wabus.protocol import CertificateVerifier, Router, utc_now

    before = datetime.now(UTC)
    now = utc_now()
    assert now.tzinfo is UTC
    assert before <= now
    for cls in (Router, CertificateVerifier, Client):
        assert inspect.signature(cls).parameters["clock"].default is utc_now, cls
