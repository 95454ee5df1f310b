from __future__ import annotations

from datetime import timedelta

import pytest
import structlog

from tests.core.events_fixtures import ALICE, CONNECTED, GROUP, NOW, message
from wabus.core import CoreEventBus, Node
from wabus.core.events import (
    GroupInfoUpdate,
    Message,
    Notification,
    PairingQrCode,
    SubjectChanged,
)
from wabus.handlers import LoggingHandler, summarise


def test_logs_every_event_with_readable_fields() -> None:
    bus = CoreEventBus()
    bus.add_handler(LoggingHandler())
    with structlog.testing.capture_logs() as logs:
        bus.dispatch(message(1, chat=GROUP, sender=ALICE))
        bus.dispatch(CONNECTED)
        bus.dispatch(PairingQrCode(code="2@x", timeout=timedelta(seconds=60)))
    assert [entry["kind"] for entry in logs] == ["message", "connected", "pairing_qr_code"]
    first = logs[0]
    assert first["event"] == "event" and first["log_level"] == "info"
    assert first["raw"] == "<4 bytes>"
    assert first["info"]["source"] == {
        "chat": str(GROUP),
        "sender": str(ALICE),
        "is_group": True,
    }
    assert first["info"]["timestamp"] == NOW.isoformat()
    assert logs[2]["timeout"] == "60s"


def test_filters_level_and_fields() -> None:
    bus = CoreEventBus()
    bus.add_handler(LoggingHandler(Message, level="debug", message="seen", fields=False))
    with structlog.testing.capture_logs() as logs:
        bus.dispatch(message())
        bus.dispatch(CONNECTED)
    assert logs == [{"event": "seen", "kind": "message", "log_level": "debug"}]
    with pytest.raises(ValueError, match="level must be one of"):
        LoggingHandler(level="loud")


def test_summaries_of_nested_values_and_nodes() -> None:
    update = GroupInfoUpdate(
        jid=GROUP, timestamp=NOW, change=SubjectChanged(subject="Books", subject_owner=ALICE)
    )
    assert summarise(update)["change"] == {
        "kind": "subject",
        "subject": "Books",
        "subject_owner": str(ALICE),
    }
    big = Node("notification", {"type": "x" * 300})
    text = summarise(Notification(raw=big))["raw"]
    assert text.startswith("<notification") and text.endswith("…") and len(text) <= 161
