"""`BaseEvent.account`: which account an event came from, stamped in place, JSON-compatible."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from wabus.core.events import EVENT_ADAPTER, Connected, Disconnected, KeepAliveRestored


def test_an_event_names_no_account_by_default_and_its_json_is_unchanged() -> None:
    event = Disconnected(reason="gone")
    assert event.account is None
    assert json.loads(event.to_json()) == {"type": "disconnected", "reason": "gone"}
    assert "account" not in EVENT_ADAPTER.dump_python(event, mode="json")


def test_a_stamped_event_carries_its_account_through_json() -> None:
    event = Disconnected(reason="gone")
    assert event.stamp_account("support-1") is event  # in place: no copy
    assert event.account == "support-1"
    data = event.to_json()
    assert json.loads(data)["account"] == "support-1"
    back = EVENT_ADAPTER.validate_json(data)
    assert isinstance(back, Disconnected)
    assert back == event
    assert Disconnected.from_json(data).account == "support-1"


def test_an_account_once_set_is_kept() -> None:
    event = Connected(account="first")
    event.stamp_account("second")
    assert event.account == "first"


def test_the_account_is_still_frozen_and_typed() -> None:
    event = KeepAliveRestored()
    with pytest.raises(ValidationError):
        event.account = "x"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        KeepAliveRestored(account=5)  # type: ignore[arg-type]


def test_repr_shows_the_account_only_when_there_is_one() -> None:
    event = Disconnected(reason="gone")
    assert repr(event) == "Disconnected(type='disconnected', reason='gone')"
    event.stamp_account("a1")
    assert repr(event) == "Disconnected(type='disconnected', account='a1', reason='gone')"
