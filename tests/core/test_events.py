from __future__ import annotations

import base64
import json
import typing
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from pydantic import ValidationError

from tests.strategies import events, models
from wabus.core import Jid, Node, Server
from wabus.core import events as catalogue
from wabus.core.events import (
    EVENT_ADAPTER,
    EVENT_TYPES,
    EVENTS_BY_KIND,
    BaseEvent,
    Connected,
    ConnectFailure,
    ConnectFailureReason,
    Event,
    GroupInfoUpdate,
    HistorySync,
    HistorySyncType,
    Message,
    MessageInfo,
    MessageSource,
    Notification,
    Receipt,
    ReceiptType,
    SubjectChanged,
    event_from_json,
    kind_of,
)

ALICE = Jid("15550000002", Server.USER)
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    sub: type
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _all_subclasses(sub)
    return found


def _concrete(cls: type) -> bool:
    return getattr(cls, "__final__", False) is True


def test_the_union_is_sealed() -> None:
    """The union's members are exactly the concrete event classes, and nothing is left out."""
    union_members = set(typing.get_args(typing.get_args(Event)[0]))
    # The dialects' events (DialectEvent and its per-name classes, once wabus.handlers is
    # imported) are events of each dialect's private bus, never of a bot's: not core kinds.
    library_classes = {
        cls
        for cls in _all_subclasses(BaseEvent)
        if cls.__module__.startswith("wabus.")
        and not cls.__module__.startswith("wabus.handlers.dialects")
    }
    concrete = {cls for cls in library_classes if _concrete(cls)}
    abstract = library_classes - concrete
    assert union_members == concrete
    assert set(EVENT_TYPES) == concrete
    assert len(EVENT_TYPES) == 56
    for base in abstract:  # category bases are not events of their own
        assert getattr(base, "kind") == ""  # noqa: B009
        assert base.__module__ == "wabus.core.events"  # publicized (tests/test_public_modules.py)
    assert {cls.__name__ for cls in concrete} <= set(catalogue.__all__)


def test_every_class_has_its_kind_as_type_tag() -> None:
    for cls in EVENT_TYPES:
        assert cls.kind == kind_of(cls), cls
        assert cls.model_fields["type"].default == cls.kind
        assert EVENTS_BY_KIND[cls.kind] is cls
    assert kind_of(catalogue.PairingQrCode) == "pairing_qr_code"
    assert kind_of(catalogue.QrScannedWithoutMultidevice) == "qr_scanned_without_multidevice"


def test_every_event_class_and_field_is_documented() -> None:
    undocumented = []
    for cls in EVENT_TYPES:
        assert cls.__doc__ and cls.__doc__.strip(), cls
        # A docstring under each field (pydantic's use_attribute_docstrings): its description,
        # which the JSON schema and the API reference show.
        undocumented += [
            f"{cls.__name__}.{name}"
            for name, field in cls.model_fields.items()
            if not (field.description and field.description.strip())
        ]
    assert undocumented == []
    schema = EVENT_ADAPTER.json_schema()["$defs"]["Message"]["properties"]
    assert (
        schema["type"]["description"]
        == 'Always ``"message"``, this class\'s kind (see `BaseEvent.type`).'
    )
    assert schema["info"]["description"] == "Who sent it, where, when."


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_json_round_trip_for_every_kind(cls: type[BaseEvent]) -> None:
    @given(models(cls))
    def check(event: BaseEvent) -> None:
        data = event.model_dump_json()
        assert json.loads(data)["type"] == cls.kind
        again = event_from_json(data)
        assert type(again) is cls
        assert again == event
        assert cls.from_json(event.to_json()) == event

    check()


@given(events())
def test_union_round_trip(event: BaseEvent) -> None:
    assert EVENT_ADAPTER.validate_json(EVENT_ADAPTER.dump_json(event)) == event  # type: ignore[arg-type]


def test_events_are_frozen() -> None:
    event = Connected()
    with pytest.raises(ValidationError):
        event.type = "x"  # type: ignore[misc, assignment]
    info = MessageInfo(source=MessageSource(chat=ALICE, sender=ALICE), id="1", timestamp=NOW)
    with pytest.raises(ValidationError):
        info.id = "2"  # type: ignore[misc]


def test_unknown_fields_and_kinds_are_rejected() -> None:
    with pytest.raises(ValidationError):
        Connected(extra=1)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        event_from_json('{"type": "no_such_event"}')
    with pytest.raises(ValidationError):
        event_from_json('{"type": "receipt"}')  # missing fields


def test_bytes_travel_as_standard_base64() -> None:
    body = bytes(range(250, 256)) * 4
    message = Message(info=_info(), raw=body)
    data = json.loads(message.model_dump_json())
    assert data["raw"] == base64.b64encode(body).decode()
    assert "+" in data["raw"] or "/" in data["raw"]
    # URL-safe input (what some JavaScript writes) is accepted too.
    data["raw"] = base64.urlsafe_b64encode(body).decode()
    assert event_from_json(json.dumps(data)) == message
    data["raw"] = "not base64!"
    with pytest.raises(ValidationError, match="invalid base64"):
        event_from_json(json.dumps(data))


def test_bytes_fields_take_bytes_only() -> None:
    with pytest.raises(ValidationError):
        Message(info=_info(), raw="hello")  # type: ignore[arg-type]


def test_timestamps_are_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    info = MessageInfo(
        source=MessageSource(chat=ALICE, sender=ALICE),
        id="1",
        timestamp=datetime(2026, 1, 1, 12, tzinfo=plus_two),
    )
    assert info.timestamp == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert info.timestamp.tzinfo is UTC
    naive = MessageInfo(
        source=MessageSource(chat=ALICE, sender=ALICE), id="1", timestamp=datetime(2026, 1, 1)
    )
    assert naive.timestamp.tzinfo is UTC
    epoch = MessageInfo(
        source=MessageSource(chat=ALICE, sender=ALICE),
        id="1",
        timestamp=1752021890,  # type: ignore[arg-type]
    )
    assert epoch.timestamp == datetime.fromtimestamp(1752021890, UTC)


def test_open_enums_keep_unknown_wire_values() -> None:
    failure = ConnectFailure(reason=499)  # type: ignore[arg-type]
    assert failure.reason == 499
    assert not failure.reason.is_known
    assert failure.reason.name == "UNKNOWN_499"
    assert ConnectFailureReason(499) is failure.reason
    assert ConnectFailureReason(401).is_logged_out
    assert ConnectFailureReason(503).should_reconnect
    assert ConnectFailureReason.LOGGED_OUT.is_known
    assert event_from_json(failure.model_dump_json()) == failure

    receipt = Receipt(
        source=MessageSource(chat=ALICE, sender=ALICE),
        message_ids=("a", "b"),
        timestamp=NOW,
        receipt_type="future-kind",  # type: ignore[arg-type]
    )
    assert receipt.receipt_type == "future-kind"
    assert not receipt.receipt_type.is_known
    assert ReceiptType("") is ReceiptType.DELIVERED
    assert event_from_json(receipt.model_dump_json()) == receipt
    assert HistorySyncType(42).value == 42
    with pytest.raises(ValueError, match="is not a valid ConnectFailureReason"):
        ConnectFailureReason("401")  # type: ignore[arg-type]
    unknown = ReceiptType("future-kind")
    assert unknown is receipt.receipt_type
    assert (unknown.name, unknown.value) == ("UNKNOWN", "future-kind")
    assert isinstance(unknown, ReceiptType)
    assert isinstance(unknown, str)
    with pytest.raises(ValueError, match="is not a valid ReceiptType"):
        ReceiptType(3)  # type: ignore[arg-type]


def _info() -> MessageInfo:
    return MessageInfo(
        source=MessageSource(chat=ALICE, sender=ALICE), id="3EB0", timestamp=NOW, push_name="A"
    )


def test_repr_elides_large_bodies() -> None:
    message = Message(info=_info(), raw=b"x" * 100_000)
    text = repr(message)
    assert "<100000 bytes>" in text
    assert len(text) < 1000
    assert "raw=b'xx'" in repr(Message(info=_info(), raw=b"xx"))
    sync = HistorySync(sync_type=HistorySyncType.RECENT, raw=b"\0" * 5000, progress=50)
    assert "<5000 bytes>" in repr(sync)


def test_nested_unions_round_trip() -> None:
    update = GroupInfoUpdate(
        jid=Jid("1", Server.GROUP),
        actor=ALICE,
        timestamp=NOW,
        change=SubjectChanged(subject="Book club", subject_owner=ALICE, subject_time=NOW),
    )
    data = json.loads(update.model_dump_json())
    assert data["change"]["kind"] == "subject"
    assert event_from_json(json.dumps(data)) == update


def test_notification_carries_the_raw_stanza() -> None:
    node = Node("notification", {"type": "mediaretry", "from": ALICE}, [Node("rmr")])
    event = Notification(raw=node)
    assert event.notification_type == "mediaretry"
    again = event_from_json(event.model_dump_json())
    assert isinstance(again, Notification)
    assert again.raw == node
    assert again.raw.jid("from") == ALICE


def test_events_are_hashable_values() -> None:
    assert hash(Message(info=_info(), raw=b"a")) == hash(Message(info=_info(), raw=b"a"))
    assert Message(info=_info(), raw=b"a") != Message(info=_info(), raw=b"b")


# The kinds added for the router's gaps (issue 11 §3): each one's kind, category and JSON.

LID = Jid("100000000000002", Server.LID)
NEW_NUMBER = Jid("15550000009", Server.USER)


@pytest.mark.parametrize(
    ("event", "kind", "category", "data"),
    [
        (
            catalogue.BlocklistUpdate(
                changes=(
                    catalogue.BlocklistChange(jid=ALICE, action=catalogue.BlocklistAction.BLOCK),
                ),
                dhash="d2",
                prev_dhash="d1",
                timestamp=NOW,
            ),
            "blocklist_update",
            catalogue.AccountEvent,
            {
                "changes": [{"jid": "15550000002@s.whatsapp.net", "action": "block"}],
                "action": None,
                "dhash": "d2",
                "prev_dhash": "d1",
                "timestamp": "2026-11-21T09:00:00Z",
            },
        ),
        (
            catalogue.DirtyNotice(dirty_type=catalogue.DirtyType.ACCOUNT_SYNC, timestamp=NOW),
            "dirty_notice",
            catalogue.AccountEvent,
            {"dirty_type": "account_sync", "timestamp": "2026-11-21T09:00:00Z"},
        ),
        (
            catalogue.ContactSyncRequested(after=NOW, timestamp=NOW),
            "contact_sync_requested",
            catalogue.AccountEvent,
            {"after": "2026-11-21T09:00:00Z", "timestamp": "2026-11-21T09:00:00Z"},
        ),
        (
            catalogue.ContactUpdated(jid=ALICE, timestamp=NOW),
            "contact_updated",
            catalogue.UserUpdateEvent,
            {"jid": "15550000002@s.whatsapp.net", "timestamp": "2026-11-21T09:00:00Z"},
        ),
        (
            catalogue.ContactNumberChanged(
                old_jid=ALICE, new_jid=NEW_NUMBER, old_lid=LID, timestamp=NOW
            ),
            "contact_number_changed",
            catalogue.UserUpdateEvent,
            {
                "old_jid": "15550000002@s.whatsapp.net",
                "new_jid": "15550000009@s.whatsapp.net",
                "old_lid": "100000000000002@lid",
                "new_lid": None,
                "timestamp": "2026-11-21T09:00:00Z",
            },
        ),
        (
            catalogue.NewsletterLiveUpdate(
                newsletter_jid=Jid("120363000000000009", Server.NEWSLETTER),
                messages=(
                    catalogue.NewsletterLiveUpdateMessage(
                        server_id=101,
                        reactions=(catalogue.NewsletterLiveUpdateReaction(code="👍", count=3),),
                    ),
                ),
            ),
            "newsletter_live_update",
            catalogue.MessageEvent,
            {
                "newsletter_jid": "120363000000000009@newsletter",
                "messages": [{"server_id": 101, "reactions": [{"code": "👍", "count": 3}]}],
            },
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_router_gap_kinds_and_their_facts(
    event: BaseEvent, kind: str, category: type[BaseEvent], data: dict[str, object]
) -> None:
    assert event.kind == kind
    assert isinstance(event, category)
    assert EVENTS_BY_KIND[kind] is type(event)
    assert json.loads(event.model_dump_json()) == {"type": kind, **data}
    assert event_from_json(event.model_dump_json()) == event


def test_group_values_of_the_router_gaps() -> None:
    assert catalogue.ParticipantAction("leave") is catalogue.ParticipantAction.LEAVE
    member = catalogue.GroupParticipant(jid=LID, phone_number=ALICE, type="superadmin")  # type: ignore[arg-type]
    assert member.type is catalogue.ParticipantType.SUPERADMIN
    assert catalogue.GroupParticipant(jid=ALICE).type is None
    requests = GroupInfoUpdate(
        jid=Jid("1", Server.GROUP),
        actor=ALICE,
        timestamp=NOW,
        change=catalogue.MembershipRequestsCreated(
            requests=(member,), request_method="invite_link"
        ),
    )
    data = json.loads(requests.model_dump_json())
    assert data["change"] == {
        "kind": "membership_requests_created",
        "requests": [
            {
                "jid": "100000000000002@lid",
                "phone_number": "15550000002@s.whatsapp.net",
                "type": "superadmin",
            }
        ],
        "request_method": "invite_link",
        "parent_group_jid": None,
    }
    assert event_from_json(json.dumps(data)) == requests
    assert catalogue.DirtyType("newsletter_metadata") is catalogue.DirtyType.NEWSLETTER_METADATA
    assert not catalogue.DirtyType("future").is_known


# The kinds added for app-state sync (issue 13): each one's kind, category and JSON.


@pytest.mark.parametrize(
    ("event", "kind", "category", "data"),
    [
        (
            catalogue.ContactUpdate(jid=ALICE, timestamp=NOW, full_name="Alice A", first_name="Al"),
            "contact_update",
            catalogue.UserUpdateEvent,
            {
                "jid": "15550000002@s.whatsapp.net",
                "timestamp": "2026-11-21T09:00:00Z",
                "full_name": "Alice A",
                "first_name": "Al",
                "lid_jid": None,
                "pn_jid": None,
                "username": None,
                "from_full_sync": False,
            },
        ),
        (
            catalogue.ClearChatUpdate(jid=ALICE, timestamp=NOW, delete_starred=True),
            "clear_chat_update",
            catalogue.ChatStateEvent,
            {
                "jid": "15550000002@s.whatsapp.net",
                "timestamp": "2026-11-21T09:00:00Z",
                "delete_starred": True,
                "delete_media": False,
                "from_full_sync": False,
            },
        ),
        (
            catalogue.DeleteMessageForMeUpdate(
                chat_jid=ALICE, message_id="3EB0", from_me=True, timestamp=NOW
            ),
            "delete_message_for_me_update",
            catalogue.ChatStateEvent,
            {
                "chat_jid": "15550000002@s.whatsapp.net",
                "participant_jid": None,
                "message_id": "3EB0",
                "from_me": True,
                "timestamp": "2026-11-21T09:00:00Z",
                "delete_media": False,
                "message_timestamp": None,
                "from_full_sync": False,
            },
        ),
        (
            catalogue.LabelEditUpdate(label_id="5", name="VIP", color=3, timestamp=NOW),
            "label_edit_update",
            catalogue.ChatStateEvent,
            {
                "label_id": "5",
                "timestamp": "2026-11-21T09:00:00Z",
                "name": "VIP",
                "color": 3,
                "predefined_id": None,
                "deleted": False,
                "from_full_sync": False,
            },
        ),
        (
            catalogue.LabelAssociationUpdate(label_id="5", jid=ALICE, labeled=True, timestamp=NOW),
            "label_association_update",
            catalogue.ChatStateEvent,
            {
                "label_id": "5",
                "jid": "15550000002@s.whatsapp.net",
                "message_id": None,
                "labeled": True,
                "timestamp": "2026-11-21T09:00:00Z",
                "from_full_sync": False,
            },
        ),
        (
            catalogue.LocaleUpdate(locale="pt_BR", timestamp=NOW, from_full_sync=True),
            "locale_update",
            catalogue.AccountEvent,
            {"locale": "pt_BR", "timestamp": "2026-11-21T09:00:00Z", "from_full_sync": True},
        ),
        (
            catalogue.RawAppStateAction(
                collection="regular_low",
                index=("lock", "15550000002@s.whatsapp.net"),
                operation="set",
                action_version=7,
                value=b"\x08\x01",
            ),
            "raw_app_state_action",
            catalogue.RawEvent,
            {
                "collection": "regular_low",
                "index": ["lock", "15550000002@s.whatsapp.net"],
                "operation": "set",
                "action_version": 7,
                "value": "CAE=",
                "timestamp": None,
                "from_full_sync": False,
            },
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_app_state_kinds_and_their_facts(
    event: BaseEvent, kind: str, category: type[BaseEvent], data: dict[str, object]
) -> None:
    assert event.kind == kind
    assert isinstance(event, category)
    assert EVENTS_BY_KIND[kind] is type(event)
    assert json.loads(event.model_dump_json()) == {"type": kind, **data}
    assert event_from_json(event.model_dump_json()) == event
