"""Group and contact queries: the ``w:g2``, usync, ``blocklist`` and ``w:profile:picture`` IQs
a companion sends, and readers of what the server answers.

Theory of operation
-------------------

Every group query is an ``<iq xmlns="w:g2">`` to the group (or to ``@g.us`` for what names no
group yet: create, join, leave, the list of joined groups) whose one child is the action, as
WhatsApp Web sends them (Baileys ``lib/Socket/groups.js``):

- ``<create subject key><participant jid/>…</create>``, answered with the new ``<group>``;
- ``<query request="interactive"/>``, answered with the ``<group>``; ``<participating>``,
  answered with ``<groups><group/>…</groups>``;
- ``<add|remove|promote|demote><participant jid/>…</…>``, answered with the same action
  naming each participant, with an ``error`` code for those it did not apply to;
- ``<subject>text</subject>``; ``<description id [prev]><body>text</body></description>``
  (or ``delete="true"``); ``<announcement/>``, ``<not_announcement/>``, ``<locked/>``,
  ``<unlocked/>``; ``<membership_approval_mode><group_join state="on|off"/>…``;
- ``<invite/>`` (get: the code; set: a new code), ``<invite code/>`` to ``@g.us`` (join:
  answered with ``<group jid/>``), ``<leave><group id/></leave>``;
- ``<membership_approval_requests/>`` (who asked to join), and
  ``<membership_requests_action><approve|reject><participant jid/>…`` (per-participant
  results, as for ``add``).

A refusal is ``<iq type="error"><error code text/></iq>``: `iq_error` reads it.
`parse_group` reads a ``<group>`` into a `GroupMetadata`; bad answers raise
`GroupAnswerError` naming what is missing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from wabus.core import Jid, Node, NodeError, Server
from wabus.core.events import GroupParticipant, ParticipantType
from wabus.protocol._errors import GroupAnswerError

__all__ = [
    "GROUPS",
    "GroupMetadata",
    "ParticipantResult",
    "create_node",
    "group_iq",
    "iq_error",
    "parse_group",
    "parse_participant_results",
    "participant_nodes",
    "usync_query",
]

GROUPS: Final = Jid("", Server.GROUP)
"""``@g.us``: where queries that name no group yet go."""
SERVER: Final = Jid("", Server.USER)


@dataclass(frozen=True, slots=True)
class GroupMetadata:
    """What the server says about a group."""

    jid: Jid
    subject: str
    creator: Jid | None
    created: int
    """When it was created (Unix seconds)."""
    participants: tuple[GroupParticipant, ...]
    subject_owner: Jid | None = None
    subject_time: int | None = None
    description: str | None = None
    description_id: str | None = None
    announce: bool = False
    """Only admins may send."""
    locked: bool = False
    """Only admins may change the group's info."""
    join_approval: bool = False
    """Joining through a link needs an admin's approval."""
    size: int = 0
    is_lid_addressing: bool = False

    @property
    def admins(self) -> tuple[Jid, ...]:
        """The admins and the superadmin."""
        return tuple(p.jid for p in self.participants if p.type is not None)


@dataclass(frozen=True, slots=True)
class ParticipantResult:
    """What a participant change did to one participant: `status` 200, or the server's code
    (e.g. 409: already a member, 404: not one, 403: their privacy settings refuse)."""

    jid: Jid
    status: int

    @property
    def ok(self) -> bool:
        return self.status == 200


def iq_error(reply: Node) -> tuple[int, str] | None:
    """The ``(code, text)`` of an error reply, None for a result."""
    if reply.opt_attr("type") != "error":
        return None
    error = reply.child("error")
    if error is None:
        return 500, "an error without <error>"
    code = error.opt_attr("code") or "500"
    return (int(code) if code.isdigit() else 500), error.opt_attr("text") or ""


def group_iq(to: Jid, kind: str, *children: Node) -> Node:
    """A ``w:g2`` query (`kind`: ``get`` or ``set``)."""
    return Node("iq", {"to": to, "type": kind, "xmlns": "w:g2"}, list(children))


def participant_nodes(jids: Iterable[Jid]) -> list[Node]:
    """``<participant jid/>`` for each (user) JID."""
    return [Node("participant", {"jid": j.to_non_ad()}) for j in jids]


def create_node(subject: str, participants: Sequence[Jid]) -> Node:
    """The ``<create>`` action (with a random ``key``, as WhatsApp Web sends)."""
    key = secrets.token_hex(8).upper()
    return Node("create", {"subject": subject, "key": key}, participant_nodes(participants))


def _opt_int(node: Node, name: str) -> int | None:
    value = node.opt_attr(name)
    return int(value) if value is not None and value.isdigit() else None


def parse_group(node: Node) -> GroupMetadata:
    """A ``<group>`` element (or a reply holding one) as `GroupMetadata`."""
    group = node if node.tag == "group" else node.child("group")
    if group is None:
        raise GroupAnswerError(f"no <group> in the answer <{node.tag}>")
    try:
        raw_id = group.attr("id")
        jid = Jid.parse(raw_id) if "@" in raw_id else Jid(raw_id, Server.GROUP)
        participants = tuple(
            GroupParticipant(
                jid=p.jid("jid"),
                phone_number=p.opt_jid("phone_number"),
                type=ParticipantType(p.attr("type")) if p.opt_attr("type") else None,
            )
            for p in group.children("participant")
        )
        description = group.child("description")
        body = description.child("body") if description is not None else None
        approval = group.child("membership_approval_mode")
        join = approval.child("group_join") if approval is not None else None
        return GroupMetadata(
            jid=jid,
            subject=group.opt_attr("subject") or "",
            creator=group.opt_jid("creator"),
            created=_opt_int(group, "creation") or 0,
            participants=participants,
            subject_owner=group.opt_jid("s_o"),
            subject_time=_opt_int(group, "s_t"),
            description=body.text if body is not None else None,
            description_id=description.opt_attr("id") if description is not None else None,
            announce=group.child("announcement") is not None,
            locked=group.child("locked") is not None,
            join_approval=join is not None and join.opt_attr("state") == "on",
            size=_opt_int(group, "size") or len(participants),
            is_lid_addressing=group.opt_attr("addressing_mode") == "lid",
        )
    except (NodeError, ValueError) as err:
        raise GroupAnswerError(f"a bad <group>: {err}") from err


def parse_participant_results(
    reply: Node, action: str, *path: str
) -> tuple[ParticipantResult, ...]:
    """The per-participant results of an ``add``/``remove``/… (or, under `path`, of an
    ``approve``/``reject``) answer."""
    node: Node | None = reply
    for tag in (*path, action):
        node = node.child(tag) if node is not None else None
    if node is None:
        raise GroupAnswerError(f"no <{action}> in the answer")
    results = []
    for participant in node.children("participant"):
        try:
            error = participant.opt_attr("error")
            status = int(error) if error and error.isdigit() else 200
            results.append(ParticipantResult(participant.jid("jid"), status))
        except (NodeError, ValueError) as err:
            raise GroupAnswerError(f"a bad <participant>: {err}") from err
    return tuple(results)


def usync_query(
    protocols: Sequence[Node], users: Sequence[Node], *, context: str = "interactive"
) -> Node:
    """A usync ``<iq>`` asking the `protocols` (``<contact/>``, ``<status/>``, ``<lid/>``,
    ``<devices version="2"/>``) about each ``<user>``."""
    return Node(
        "iq",
        {"to": SERVER, "xmlns": "usync", "type": "get"},
        [
            Node(
                "usync",
                {
                    "context": context,
                    "mode": "query",
                    "sid": secrets.token_hex(8),
                    "last": "true",
                    "index": "0",
                },
                [Node("query", None, list(protocols)), Node("list", None, list(users))],
            )
        ],
    )
