"""Group management for the client: `Groups`, reached as `Client.groups`.

Each method sends one ``w:g2`` query (see `wabus.protocol._groups` for the shapes) and returns
a typed answer; a refusal raises `GroupError` carrying the server's code and text, an answer
that does not parse `GroupAnswerError`. Changes the server makes reach every member as
``w:gp2`` notifications, so handlers see them as `GroupInfoUpdate` / `JoinedGroup` events,
ours included.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Final

from wabus.client._errors import GroupError
from wabus.core import Jid, Node
from wabus.protocol import (
    GROUPS,
    GroupAnswerError,
    GroupMetadata,
    ParticipantResult,
    create_node,
    group_iq,
    iq_error,
    parse_group,
    parse_participant_results,
    participant_nodes,
)

__all__ = ["Groups"]

Request = Callable[[Node], Awaitable[Node]]
MAX_SUBJECT: Final = 100
"""The longest subject WhatsApp takes (characters)."""
_INVITE_PREFIX: Final = "https://chat.whatsapp.com/"


def _group_jid(jid: Jid) -> Jid:
    if not jid.is_group:
        raise ValueError(f"group: {jid} is not a group JID")
    return jid


class Groups:
    """The group queries of one client (see the module doc)."""

    def __init__(self, request: Request) -> None:
        self._request = request

    async def _ask(self, what: str, to: Jid, kind: str, *children: Node) -> Node:
        reply = await self._request(group_iq(to, kind, *children))
        error = iq_error(reply)
        if error is not None:
            raise GroupError(*error, what=what)
        return reply

    # Making, finding ----------------------------------------------------------------------

    async def create(self, subject: str, participants: Sequence[Jid]) -> GroupMetadata:
        """Create a group with us as its superadmin; returns it as the server made it."""
        if not subject or len(subject) > MAX_SUBJECT:
            raise ValueError(f"subject: 1 to {MAX_SUBJECT} characters, got {len(subject)}")
        reply = await self._ask("the new group", GROUPS, "set", create_node(subject, participants))
        return parse_group(reply)

    async def info(self, group: Jid) -> GroupMetadata:
        """The group's metadata (we must be a member)."""
        query = Node("query", {"request": "interactive"})
        return parse_group(await self._ask(f"{group}'s info", _group_jid(group), "get", query))

    async def joined(self) -> list[GroupMetadata]:
        """Every group we are a member of."""
        query = Node("participating", None, [Node("participants"), Node("description")])
        reply = await self._ask("our groups", GROUPS, "get", query)
        listed = reply.child("groups")
        if listed is None:
            raise GroupAnswerError("no <groups> in the answer")
        return [parse_group(group) for group in listed.children("group")]

    # Participants ------------------------------------------------------------------------

    async def _participants(
        self, group: Jid, action: str, participants: Iterable[Jid]
    ) -> tuple[ParticipantResult, ...]:
        people = participant_nodes(participants)
        if not people:
            raise ValueError("participants: name at least one")
        reply = await self._ask(
            f"{action} in {group}", _group_jid(group), "set", Node(action, None, people)
        )
        return parse_participant_results(reply, action)

    async def add(self, group: Jid, participants: Iterable[Jid]) -> tuple[ParticipantResult, ...]:
        """Add people (we must be an admin); one result each (409: already a member)."""
        return await self._participants(group, "add", participants)

    async def remove(
        self, group: Jid, participants: Iterable[Jid]
    ) -> tuple[ParticipantResult, ...]:
        """Remove people (we must be an admin); one result each (404: not a member)."""
        return await self._participants(group, "remove", participants)

    async def promote(
        self, group: Jid, participants: Iterable[Jid]
    ) -> tuple[ParticipantResult, ...]:
        """Make members admins."""
        return await self._participants(group, "promote", participants)

    async def demote(
        self, group: Jid, participants: Iterable[Jid]
    ) -> tuple[ParticipantResult, ...]:
        """Make admins plain members again."""
        return await self._participants(group, "demote", participants)

    # Info and settings -------------------------------------------------------------------

    async def set_subject(self, group: Jid, subject: str) -> None:
        """Rename the group."""
        if not subject or len(subject) > MAX_SUBJECT:
            raise ValueError(f"subject: 1 to {MAX_SUBJECT} characters, got {len(subject)}")
        await self._ask(
            f"{group}'s subject", _group_jid(group), "set", Node("subject", None, subject)
        )

    async def set_description(
        self, group: Jid, description: str | None, *, previous_id: str | None = None
    ) -> str | None:
        """Set the description (None deletes it); returns the new description's id.
        `previous_id` is the description being replaced (`GroupMetadata.description_id`)."""
        new_id = secrets.token_hex(8).upper() if description else None
        attrs = {"id": new_id} if new_id else {"delete": "true"}
        if previous_id:
            attrs["prev"] = previous_id
        body = [Node("body", None, description)] if description else None
        await self._ask(
            f"{group}'s description",
            _group_jid(group),
            "set",
            Node("description", attrs, body),
        )
        return new_id

    async def set_announce(self, group: Jid, on: bool) -> None:
        """Only admins may send (on), or everyone (off)."""
        tag = "announcement" if on else "not_announcement"
        await self._ask(f"{group}'s settings", _group_jid(group), "set", Node(tag))

    async def set_locked(self, group: Jid, on: bool) -> None:
        """Only admins may change the group's info (on), or everyone (off)."""
        tag = "locked" if on else "unlocked"
        await self._ask(f"{group}'s settings", _group_jid(group), "set", Node(tag))

    async def set_join_approval(self, group: Jid, on: bool) -> None:
        """Whether joining through the invite link needs an admin's approval."""
        mode = Node(
            "membership_approval_mode", None, [Node("group_join", {"state": "on" if on else "off"})]
        )
        await self._ask(f"{group}'s settings", _group_jid(group), "set", mode)

    # Invites, leaving --------------------------------------------------------------------

    async def invite_code(self, group: Jid) -> str:
        """The group's invite code (the link is ``https://chat.whatsapp.com/`` + it)."""
        reply = await self._ask(f"{group}'s invite", _group_jid(group), "get", Node("invite"))
        return _code(reply)

    async def revoke_invite(self, group: Jid) -> str:
        """Make the old invite link stop working; returns the new code."""
        reply = await self._ask(f"{group}'s invite", _group_jid(group), "set", Node("invite"))
        return _code(reply)

    async def invite_info(self, code_or_link: str) -> GroupMetadata:
        """What a group an invite leads to is, before joining it."""
        code = _invite(code_or_link)
        reply = await self._ask("the invite", GROUPS, "get", Node("invite", {"code": code}))
        return parse_group(reply)

    async def join(self, code_or_link: str) -> Jid:
        """Join a group by its invite code or link; returns the group. With join approval on,
        this asks to join and the admins decide (`GroupError` 412 until then, no JID)."""
        code = _invite(code_or_link)
        reply = await self._ask("the invite", GROUPS, "set", Node("invite", {"code": code}))
        group = reply.child("group")
        if group is None:
            raise GroupAnswerError("no <group> in the answer to a join")
        try:
            return group.jid("jid")
        except ValueError as err:
            raise GroupAnswerError(f"a bad <group jid>: {err}") from err

    async def leave(self, group: Jid) -> None:
        """Leave the group."""
        leave = Node("leave", None, [Node("group", {"id": _group_jid(group)})])
        await self._ask(f"leaving {group}", GROUPS, "set", leave)

    # Membership requests -----------------------------------------------------------------

    async def requests(self, group: Jid) -> list[Jid]:
        """Who asked to join and waits for an admin."""
        reply = await self._ask(
            f"{group}'s requests", _group_jid(group), "get", Node("membership_approval_requests")
        )
        listed = reply.child("membership_approval_requests")
        if listed is None:
            raise GroupAnswerError("no <membership_approval_requests> in the answer")
        try:
            return [r.jid("jid") for r in listed.children("membership_approval_request")]
        except ValueError as err:
            raise GroupAnswerError(f"a bad request: {err}") from err

    async def _decide(
        self, group: Jid, action: str, people: Iterable[Jid]
    ) -> tuple[ParticipantResult, ...]:
        nodes = participant_nodes(people)
        if not nodes:
            raise ValueError("participants: name at least one")
        decision = Node("membership_requests_action", None, [Node(action, None, nodes)])
        reply = await self._ask(f"{action} in {group}", _group_jid(group), "set", decision)
        return parse_participant_results(reply, action, "membership_requests_action")

    async def approve(self, group: Jid, people: Iterable[Jid]) -> tuple[ParticipantResult, ...]:
        """Let people who asked to join in."""
        return await self._decide(group, "approve", people)

    async def reject(self, group: Jid, people: Iterable[Jid]) -> tuple[ParticipantResult, ...]:
        """Turn down people who asked to join."""
        return await self._decide(group, "reject", people)


def _invite(code_or_link: str) -> str:
    code = code_or_link.removeprefix(_INVITE_PREFIX).strip("/")
    if not code:
        raise ValueError("code_or_link: no invite code in it")
    return code


def _code(reply: Node) -> str:
    invite = reply.child("invite")
    code = invite.opt_attr("code") if invite is not None else None
    if not code:
        raise GroupAnswerError("no <invite code> in the answer")
    return code
