"""The server's side of groups: every ``w:g2`` query, and the ``w:gp2`` notifications its
changes send to all the members' companions.

Who may do what, as WhatsApp's servers decide: only members read a group (403 otherwise);
only admins change participants, settings and the invite, and anyone may change the subject
and description unless the group is ``locked`` (403 ``forbidden``); a group or invite that
does not exist is 404 ``item-not-found``. Participant changes answer per participant: 409 for
someone already in (``add``), 404 for someone not in (``remove``, ``promote``, ``demote``) or
not on WhatsApp.

A change is also told to every member (before and after it, so a removed member hears of
its removal) as ``<notification type="w:gp2" from=GROUP participant=ACTOR>`` holding the
change (``<add>``, ``<remove>``, ``<promote>``, ``<demote>``, ``<subject>``,
``<description>``, ``<announcement>``/``<not_announcement>``, ``<locked>``/``<unlocked>``,
``<invite code>``, ``<membership_approval_mode>``, ``<created_membership_requests>`` (to the
admins), ``<create>`` for a new group): the handler queues them in `IqContext.notices`, and
the server sends them once its reply has gone.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterable
from typing import Final

from wabus.core import Jid, Node, Server
from wabus.simulator._accounts import Account, Group
from wabus.simulator._replies import IqContext, IqError, result

__all__ = ["GROUP_HANDLERS", "group_node"]

GROUPS: Final = Jid("", Server.GROUP)
_ids: Final = itertools.count(1)
_ADMINS: Final = ("admin", "superadmin")


def group_node(group: Group) -> Node:
    """A group's ``<group>`` element, as info queries and ``create`` answer it."""
    participants = [
        Node("participant", {"jid": member, "type": kind} if kind else {"jid": member})
        for member, kind in group.participants.items()
    ]
    children = list(participants)
    if group.description:
        children.append(
            Node(
                "description",
                {"id": group.description_id or "1"},
                [Node("body", None, group.description)],
            )
        )
    if group.announce:
        children.append(Node("announcement"))
    if group.locked:
        children.append(Node("locked"))
    if group.join_approval:
        children.append(
            Node("membership_approval_mode", None, [Node("group_join", {"state": "on"})])
        )
    attrs: dict[str, str | Jid] = {
        "id": group.jid.user,
        "subject": group.subject,
        "s_t": str(group.subject_time or group.created),
        "creation": str(group.created),
        "creator": group.creator,
        "size": str(len(group.participants)),
    }
    if group.subject_owner is not None:
        attrs["s_o"] = group.subject_owner
    return Node("group", attrs, children)


def _member(group: Group, account: Account) -> Jid | None:
    """The JID `account` is a member of `group` by, if it is one."""
    return next((m for m in group.participants if account.is_user(m)), None)


def _group(ctx: IqContext, request: Node) -> Group:
    group = ctx.directory.groups.get(request.jid("to"))
    if group is None:
        raise IqError(404, "item-not-found")
    if _member(group, ctx.account) is None:
        raise IqError(403, "forbidden")
    return group


def _admin_group(ctx: IqContext, request: Node) -> Group:
    group = _group(ctx, request)
    me = _member(group, ctx.account)
    if me is None or group.participants[me] not in _ADMINS:
        raise IqError(403, "forbidden")
    return group


def _tell(ctx: IqContext, group: Group, change: Node, *, also: Iterable[Jid] = ()) -> None:
    """Queue the ``w:gp2`` notification of `change` for every companion of the members (and
    of `also`: those who just left)."""
    _tell_some(ctx, group, change, [*group.participants, *also])


def _tell_some(ctx: IqContext, group: Group, change: Node, members: Iterable[Jid]) -> None:
    actor = ctx.account.pn
    attrs: dict[str, str | Jid] = {
        "from": group.jid,
        "type": "w:gp2",
        "id": f"gp2-{next(_ids)}",
        "participant": actor,
        "t": str(ctx.now()),
    }
    seen: set[int] = set()
    for member in members:
        account = ctx.directory.account(member)
        if account is None or id(account) in seen:
            continue
        seen.add(id(account))
        for device in account.devices.values():
            if device.noise is not None:
                ctx.notices.append((device, Node("notification", attrs, [change])))


# Reading ---------------------------------------------------------------------------------


def _participating(ctx: IqContext, request: Node) -> Node:
    account = ctx.account
    groups = [
        group_node(group)
        for group in ctx.directory.groups.values()
        if _member(group, account) is not None
    ]
    return result(request, Node("groups", None, groups))


def _info(ctx: IqContext, request: Node) -> Node:
    group = _group(ctx, request)
    return result(request, group_node(group), **{"from": group.jid})


# Creating, joining, leaving ----------------------------------------------------------------


def _new_group_jid(ctx: IqContext) -> Jid:
    while True:
        jid = Jid(f"1203630{secrets.randbelow(10**11):011d}", Server.GROUP)
        if jid not in ctx.directory.groups:
            return jid


def _create(ctx: IqContext, request: Node) -> Node:
    account = ctx.account
    create = request.require_child("create")
    subject = create.attr("subject")
    if not subject:
        raise IqError(400, "bad-request")
    group = Group(
        jid=_new_group_jid(ctx),
        subject=subject,
        creator=account.pn,
        created=ctx.now(),
        participants={account.pn: "superadmin"},
        invite_code=secrets.token_urlsafe(16),
    )
    for participant in create.children("participant"):
        other = ctx.directory.account(participant.jid("jid"))
        if other is not None and _member(group, other) is None:
            group.participants[other.pn] = ""
    ctx.directory.groups[group.jid] = group
    _tell(ctx, group, Node("create", {"reason": "create"}, [group_node(group)]))
    return result(request, group_node(group), **{"from": GROUPS})


def _leave(ctx: IqContext, request: Node) -> Node:
    account = ctx.account
    leave = request.require_child("leave")
    for listed in leave.children("group"):
        group = ctx.directory.groups.get(listed.jid("id"))
        if group is None:
            raise IqError(404, "item-not-found")
        me = _member(group, account)
        if me is None:
            raise IqError(403, "forbidden")
        del group.participants[me]
        _tell(ctx, group, Node("remove", None, [Node("participant", {"jid": me})]), also=[me])
    return result(request, Node("leave"))


def _by_code(ctx: IqContext, code: str) -> Group:
    group = next((g for g in ctx.directory.groups.values() if g.invite_code == code), None)
    if group is None or not code:
        raise IqError(404, "item-not-found")
    return group


def _join(ctx: IqContext, request: Node) -> Node:
    account = ctx.account
    group = _by_code(ctx, request.require_child("invite").attr("code"))
    if _member(group, account) is not None:
        raise IqError(304, "already-exists")
    if group.join_approval:
        group.requests[account.pn] = ctx.now()
        admins = [m for m, kind in group.participants.items() if kind in _ADMINS]
        asked = Node(
            "created_membership_requests",
            {"request_method": "invite_link"},
            [Node("requested_user", {"jid": account.pn})],
        )
        _tell_some(ctx, group, asked, admins)
        raise IqError(412, "membership-approval-required")
    group.participants[account.pn] = ""
    _tell(ctx, group, Node("add", {"reason": "invite"}, [Node("participant", {"jid": account.pn})]))
    return result(request, Node("group", {"jid": group.jid}), **{"from": GROUPS})


# Participants --------------------------------------------------------------------------------


def _participants(ctx: IqContext, request: Node) -> Node:
    group = _admin_group(ctx, request)
    action = request.nodes[0]
    answers: list[Node] = []
    changed: list[Jid] = []
    for participant in action.children("participant"):
        jid = participant.jid("jid").to_non_ad()
        account = ctx.directory.account(jid)
        member = _member(group, account) if account is not None else None
        error: str | None = None
        if account is None:
            error = "404"
        elif action.tag == "add":
            if member is not None:
                error = "409"
            else:
                group.participants[account.pn] = ""
                changed.append(account.pn)
        elif member is None:
            error = "404"
        elif action.tag == "remove":
            if group.participants[member] == "superadmin":
                error = "406"
            else:
                del group.participants[member]
                changed.append(member)
        elif action.tag == "promote":
            if group.participants[member] == "":
                group.participants[member] = "admin"
            changed.append(member)
        elif action.tag == "demote":
            if group.participants[member] == "superadmin":
                error = "406"
            else:
                group.participants[member] = ""
                changed.append(member)
        answers.append(Node("participant", {"jid": jid, "error": error} if error else {"jid": jid}))
    if changed:
        change = Node(action.tag, None, [Node("participant", {"jid": j}) for j in changed])
        _tell(ctx, group, change, also=changed if action.tag == "remove" else ())
    return result(request, Node(action.tag, None, answers), **{"from": group.jid})


# Info and settings ---------------------------------------------------------------------------


def _editable(ctx: IqContext, request: Node) -> Group:
    group = _group(ctx, request)
    return _admin_group(ctx, request) if group.locked else group


def _subject(ctx: IqContext, request: Node) -> Node:
    group = _editable(ctx, request)
    subject = request.require_child("subject").text or ""
    if not subject:
        raise IqError(400, "bad-request")
    group.subject, group.subject_owner, group.subject_time = subject, ctx.account.pn, ctx.now()
    _tell(
        ctx,
        group,
        Node("subject", {"subject": subject, "s_o": ctx.account.pn, "s_t": str(ctx.now())}),
    )
    return result(request, **{"from": group.jid})


def _description(ctx: IqContext, request: Node) -> Node:
    group = _editable(ctx, request)
    description = request.require_child("description")
    previous = description.opt_attr("prev")
    if previous is not None and group.description_id and previous != group.description_id:
        raise IqError(409, "conflict")  # someone changed it meanwhile
    body = description.child("body")
    if description.opt_attr("delete") == "true" or body is None:
        group.description, group.description_id = "", ""
        change = Node("description", {"id": secrets.token_hex(8)}, [Node("delete")])
    else:
        group.description = body.text or ""
        group.description_id = description.opt_attr("id") or secrets.token_hex(8)
        change = Node(
            "description", {"id": group.description_id}, [Node("body", None, group.description)]
        )
    _tell(ctx, group, change)
    return result(request, **{"from": group.jid})


_SWITCHES: Final = {
    "announcement": ("announce", True),
    "not_announcement": ("announce", False),
    "locked": ("locked", True),
    "unlocked": ("locked", False),
}


def _setting(ctx: IqContext, request: Node) -> Node:
    group = _admin_group(ctx, request)
    tag = request.nodes[0].tag
    name, value = _SWITCHES[tag]
    setattr(group, name, value)
    _tell(ctx, group, Node(tag))
    return result(request, **{"from": group.jid})


def _approval_mode(ctx: IqContext, request: Node) -> Node:
    group = _admin_group(ctx, request)
    join = request.require_child("membership_approval_mode").require_child("group_join")
    group.join_approval = join.attr("state") == "on"
    _tell(ctx, group, request.nodes[0])
    return result(request, **{"from": group.jid})


# Invites and requests -----------------------------------------------------------------------


def _invite(ctx: IqContext, request: Node) -> Node:
    if request.jid("to") == GROUPS:  # what an invite code leads to, before joining
        ctx.account  # noqa: B018 - only a logged-in device may ask
        found = _by_code(ctx, request.require_child("invite").attr("code"))
        return result(request, group_node(found), **{"from": GROUPS})
    group = _admin_group(ctx, request)
    if request.opt_attr("type") == "set" or not group.invite_code:
        group.invite_code = secrets.token_urlsafe(16)
        if request.opt_attr("type") == "set":
            _tell(ctx, group, Node("invite", {"code": group.invite_code}))
    return result(request, Node("invite", {"code": group.invite_code}), **{"from": group.jid})


def _requests(ctx: IqContext, request: Node) -> Node:
    group = _admin_group(ctx, request)
    listed = [
        Node("membership_approval_request", {"jid": jid, "request_time": str(t)})
        for jid, t in group.requests.items()
    ]
    return result(
        request, Node("membership_approval_requests", None, listed), **{"from": group.jid}
    )


def _decide(ctx: IqContext, request: Node) -> Node:
    group = _admin_group(ctx, request)
    action = request.require_child("membership_requests_action").nodes[0]
    if action.tag not in ("approve", "reject"):
        raise IqError(400, "bad-request")
    answers, approved = [], []
    for participant in action.children("participant"):
        jid = participant.jid("jid").to_non_ad()
        if jid not in group.requests:
            answers.append(Node("participant", {"jid": jid, "error": "404"}))
            continue
        del group.requests[jid]
        if action.tag == "approve":
            group.participants[jid] = ""
            approved.append(jid)
        answers.append(Node("participant", {"jid": jid}))
    if approved:
        people = [Node("participant", {"jid": j}) for j in approved]
        _tell(ctx, group, Node("add", {"reason": "approval"}, people))
    return result(
        request,
        Node("membership_requests_action", None, [Node(action.tag, None, answers)]),
        **{"from": group.jid},
    )


def _to_groups(
    handler: Callable[[IqContext, Node], Node],
) -> Callable[[IqContext, Node], Node]:
    """`handler`, for queries that must go to ``@g.us`` (a group JID there is a 400)."""

    def checked(ctx: IqContext, request: Node) -> Node:
        if request.jid("to") != GROUPS:
            raise IqError(400, "bad-request")
        return handler(ctx, request)

    return checked


def _invite_set(ctx: IqContext, request: Node) -> Node:
    """``<invite code>`` to ``@g.us`` joins; ``<invite/>`` to a group resets its code."""
    if request.require_child("invite").has_attr("code"):
        return _to_groups(_join)(ctx, request)
    return _invite(ctx, request)


GROUP_HANDLERS: Final[
    tuple[tuple[str, str, str | None, Callable[[IqContext, Node], Node]], ...]
] = (
    ("w:g2", "get", "participating", _participating),
    ("w:g2", "get", "query", _info),
    ("w:g2", "set", "create", _to_groups(_create)),
    ("w:g2", "set", "leave", _to_groups(_leave)),
    ("w:g2", "set", "add", _participants),
    ("w:g2", "set", "remove", _participants),
    ("w:g2", "set", "promote", _participants),
    ("w:g2", "set", "demote", _participants),
    ("w:g2", "set", "subject", _subject),
    ("w:g2", "set", "description", _description),
    ("w:g2", "set", "announcement", _setting),
    ("w:g2", "set", "not_announcement", _setting),
    ("w:g2", "set", "locked", _setting),
    ("w:g2", "set", "unlocked", _setting),
    ("w:g2", "set", "membership_approval_mode", _approval_mode),
    ("w:g2", "get", "invite", _invite),
    ("w:g2", "set", "invite", _invite_set),
    ("w:g2", "get", "membership_approval_requests", _requests),
    ("w:g2", "set", "membership_requests_action", _decide),
)
"""The ``w:g2`` entries of the IQ table (see `wabus.simulator._iq`)."""
