from __future__ import annotations

import itertools
import pickle

import pytest
from hypothesis import given
from pydantic import BaseModel

from tests.strategies import jids
from wabus.core import SERVERS, InvalidJid, Jid, Server


@given(jids())
def test_string_form_round_trips(jid: Jid) -> None:
    assert Jid.parse(str(jid)) == jid


def test_servers_maps_every_server_name_to_its_member() -> None:
    assert len(SERVERS) == len(Server)
    for member in Server:
        assert SERVERS[member.value] is member
    assert SERVERS.get("example.com") is None


@given(jids())
def test_jid_is_a_hashable_value(jid: Jid) -> None:
    copy = Jid.parse(str(jid))
    assert hash(copy) == hash(jid)
    assert {jid: 1}[copy] == 1
    assert pickle.loads(pickle.dumps(jid)) == jid


@pytest.mark.parametrize(
    ("text", "user", "server", "agent", "device", "integrator"),
    [
        ("15550000001@s.whatsapp.net", "15550000001", Server.USER, 0, 0, 0),
        ("15550000001:7@s.whatsapp.net", "15550000001", Server.USER, 0, 7, 0),
        ("15550000001.3:7@s.whatsapp.net", "15550000001", Server.USER, 3, 7, 0),
        ("100000000000001:42@lid", "100000000000001", Server.LID, 0, 42, 0),
        ("120363000000000001@g.us", "120363000000000001", Server.GROUP, 0, 0, 0),
        ("1234567890-1400000000@g.us", "1234567890-1400000000", Server.GROUP, 0, 0, 0),
        ("status@broadcast", "status", Server.BROADCAST, 0, 0, 0),
        ("s.whatsapp.net", "", Server.USER, 0, 0, 0),
        ("g.us", "", Server.GROUP, 0, 0, 0),
        ("hosted.lid", "", Server.HOSTED_LID, 0, 0, 0),
        ("12-345:6@interop", "345", Server.INTEROP, 0, 6, 12),
    ],
)
def test_parse_known_forms(
    text: str, user: str, server: Server, agent: int, device: int, integrator: int
) -> None:
    jid = Jid.parse(text)
    assert (jid.user, jid.server, jid.agent, jid.device, jid.integrator) == (
        user,
        server,
        agent,
        device,
        integrator,
    )
    assert str(jid) == text


def test_device_zero_and_agent_only_forms_normalise() -> None:
    assert str(Jid.parse("123:0@s.whatsapp.net")) == "123@s.whatsapp.net"
    assert str(Jid.parse("123.5@s.whatsapp.net")) == "123.5:0@s.whatsapp.net"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("123@example.com", "unknown server"),
        ("nonsense", "unknown server"),
        ("@s.whatsapp.net", "empty user"),
        ("123@s.whatsapp.net@g.us", "more than one '@'"),
        ("123:x@s.whatsapp.net", "not a decimal number"),
        ("123:70000@s.whatsapp.net", "device 70000 is above 65535"),
        ("123.300:1@s.whatsapp.net", "agent 300 is above 255"),
        ("123:-1@s.whatsapp.net", "not a decimal number"),
        ("123:٣@s.whatsapp.net", "not a decimal number"),  # a non-ASCII digit
        (":1@s.whatsapp.net", "empty user"),
    ],
)
def test_parse_rejects_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(InvalidJid) as caught:
        Jid.parse(text)
    assert reason in caught.value.reason
    assert caught.value.value == text
    assert isinstance(caught.value, ValueError)


def test_constructor_validates_parts() -> None:
    with pytest.raises(InvalidJid, match="unknown server"):
        Jid("1", "nope")
    with pytest.raises(InvalidJid, match="must not contain"):
        Jid("1.2", Server.USER)
    with pytest.raises(InvalidJid, match="device must be an int"):
        Jid("1", Server.USER, device=-1)
    with pytest.raises(InvalidJid, match="only interop"):
        Jid("1", Server.USER, integrator=3)
    with pytest.raises(InvalidJid, match="server-only"):
        Jid("", Server.USER, device=1)
    with pytest.raises(InvalidJid, match="user must be a str"):
        Jid(123, Server.USER)  # type: ignore[arg-type]
    with pytest.raises(InvalidJid, match="expected a str"):
        Jid.parse(b"1@s.whatsapp.net")  # type: ignore[arg-type]


def test_servers_compare_equal_to_their_strings() -> None:
    jid = Jid("1", "g.us")
    assert jid.server is Server.GROUP
    assert isinstance(jid.server, str)
    assert jid.server.value == "g.us"
    assert {"g.us": 1}[jid.server] == 1  # a StrEnum member hashes and compares as its value


def test_kinds_and_derived_jids() -> None:
    device = Jid.parse("15550000001:7@s.whatsapp.net")
    assert device.is_user and device.is_device and not device.is_group
    assert device.to_non_ad() == Jid("15550000001", Server.USER)
    assert device.to_non_ad().with_device(3) == Jid("15550000001", Server.USER, device=3)
    assert Jid.parse("status@broadcast").is_status_broadcast
    assert not Jid.parse("123@broadcast").is_status_broadcast
    assert Jid.parse("1@g.us").is_group
    assert Jid.parse("1@lid").is_lid
    assert Jid.parse("1@newsletter").is_newsletter
    assert Jid.parse("1@hosted.lid").is_hosted
    assert Jid.parse("1@bot").is_bot
    assert Jid.parse("s.whatsapp.net").is_server
    with pytest.raises(InvalidJid):
        Jid.parse("s.whatsapp.net").with_device(1)


def test_ordering_is_total_and_consistent() -> None:
    items = [Jid.parse(t) for t in ["2@s.whatsapp.net", "1:2@s.whatsapp.net", "1@g.us", "1@lid"]]
    ordered = sorted(items)
    assert all(a < b and not b < a for a, b in itertools.pairwise(ordered))
    assert Jid.parse("1@s.whatsapp.net") < Jid.parse("1:1@s.whatsapp.net")


def test_repr_is_readable() -> None:
    assert repr(Jid.parse("1:2@lid")) == "Jid('1:2@lid')"


class _Holder(BaseModel):
    jid: Jid
    maybe: Jid | None = None


def test_pydantic_field_accepts_strings_and_serialises_to_strings() -> None:
    holder = _Holder(jid="1:2@s.whatsapp.net")  # type: ignore[arg-type]
    assert holder.jid == Jid("1", Server.USER, device=2)
    assert holder.model_dump_json() == '{"jid":"1:2@s.whatsapp.net","maybe":null}'
    assert _Holder.model_validate_json(holder.model_dump_json()) == holder
    assert holder.model_dump() == {"jid": "1:2@s.whatsapp.net", "maybe": None}
    assert _Holder(**holder.model_dump()) == holder


def test_pydantic_field_rejects_bad_jids() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="unknown server"):
        _Holder(jid="1@nowhere")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        _Holder(jid=42)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        _Holder.model_validate_json('{"jid": 42}')
