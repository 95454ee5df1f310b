"""The group and contact answer readers: what the simulator's server writes reads back, and
any hostile variant gives the typed answer or `GroupAnswerError`, never another error."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import anyio
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.protocol.strategies import hostile
from wabus.client import ContactError, Contacts, GroupError, Groups
from wabus.core import Jid, Node, Server
from wabus.core.events import ParticipantType
from wabus.protocol import (
    GroupAnswerError,
    GroupMetadata,
    iq_error,
    parse_group,
    parse_participant_results,
)
from wabus.simulator._accounts import Group
from wabus.simulator._groups import group_node

ALICE = Jid("15550000002", Server.USER)
BOB = Jid("15550000003", Server.USER)
GROUP_JID = Jid("120363000000000009", Server.GROUP)

SAMPLE = Group(
    jid=GROUP_JID,
    subject="Book club",
    creator=BOB,
    created=1_700_000_000,
    participants={BOB: "superadmin", ALICE: ""},
    description="Monthly",
    description_id="D1",
    announce=True,
    join_approval=True,
    subject_owner=ALICE,
    subject_time=1_700_000_100,
)


def test_a_group_as_the_server_writes_it_reads_back() -> None:
    metadata = parse_group(Node("iq", {"type": "result"}, [group_node(SAMPLE)]))
    assert metadata == GroupMetadata(
        jid=GROUP_JID,
        subject="Book club",
        creator=BOB,
        created=1_700_000_000,
        participants=metadata.participants,
        subject_owner=ALICE,
        subject_time=1_700_000_100,
        description="Monthly",
        description_id="D1",
        announce=True,
        locked=False,
        join_approval=True,
        size=2,
    )
    assert [(p.jid, p.type) for p in metadata.participants] == [
        (BOB, ParticipantType.SUPERADMIN),
        (ALICE, None),
    ]


@given(st.data())
def test_any_hostile_group_gives_metadata_or_a_group_answer_error(data: st.DataObject) -> None:
    node = data.draw(hostile(Node("iq", {"type": "result"}, [group_node(SAMPLE)])))
    with contextlib.suppress(GroupAnswerError):
        parse_group(node)


RESULTS = Node(
    "iq",
    {"type": "result"},
    [
        Node(
            "add",
            None,
            [
                Node("participant", {"jid": ALICE}),
                Node("participant", {"jid": BOB, "error": "409"}),
            ],
        )
    ],
)


def test_participant_results_and_errors() -> None:
    results = parse_participant_results(RESULTS, "add")
    assert [(r.jid, r.status, r.ok) for r in results] == [(ALICE, 200, True), (BOB, 409, False)]
    assert iq_error(RESULTS) is None
    refused = Node("iq", {"type": "error"}, [Node("error", {"code": "403", "text": "forbidden"})])
    assert iq_error(refused) == (403, "forbidden")
    assert iq_error(Node("iq", {"type": "error"})) == (500, "an error without <error>")
    assert iq_error(Node("iq", {"type": "error"}, [Node("error", {"code": "x"})])) == (500, "")


@given(st.data())
def test_any_hostile_participant_answer_gives_results_or_a_group_answer_error(
    data: st.DataObject,
) -> None:
    node = data.draw(hostile(RESULTS))
    with contextlib.suppress(GroupAnswerError):
        parse_participant_results(node, "add")
    iq_error(node)


def _answering(reply: Node) -> Callable[[Node], Awaitable[Node]]:
    """A request function whose server always gives `reply` (the transport, canned)."""

    async def request(node: Node) -> Node:
        return reply

    return request


USYNC = Node(
    "iq",
    {"type": "result"},
    [
        Node(
            "usync",
            None,
            [
                Node(
                    "list",
                    None,
                    [
                        Node(
                            "user",
                            {"jid": ALICE},
                            [
                                Node("contact", {"type": "in"}, "+15550000002"),
                                Node("status", {"t": "5"}, "hi"),
                                Node("lid", {"val": Jid("100000000000002", Server.LID)}),
                            ],
                        )
                    ],
                )
            ],
        )
    ],
)


@settings(max_examples=60)
@given(st.data())
def test_any_hostile_contact_answer_gives_results_or_typed_errors(data: st.DataObject) -> None:
    node = data.draw(hostile(USYNC))
    contacts = Contacts(_answering(node))
    groups = Groups(_answering(node))

    async def ask_all() -> None:
        for call in (
            lambda: contacts.is_on_whatsapp(["+15550000002"]),
            lambda: contacts.status([ALICE]),
            lambda: contacts.lids([ALICE]),
            lambda: contacts.blocklist(),
            lambda: contacts.profile_picture(ALICE),
            lambda: groups.joined(),
            lambda: groups.requests(GROUP_JID),
            lambda: groups.join("CODE"),
            lambda: groups.invite_code(GROUP_JID),
        ):
            with contextlib.suppress(GroupAnswerError, ContactError, GroupError):
                await call()

    anyio.run(ask_all)
