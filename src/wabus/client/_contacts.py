"""Contacts and users for the client: `Contacts`, reached as `Client.contacts`.

- `is_on_whatsapp(phones)`, `status(users)` and `lids(users)`: usync queries
  (``<contact>``, ``<status>``, ``<lid>`` protocols) in one round trip each, whatever the
  number of users;
- `business_profile(jid)`: ``w:biz`` (None for an account that is not a business);
- `profile_picture(jid)`: ``w:profile:picture`` (the URL, or None when there is none or it
  is not shared with us);
- `blocklist()`, `block(jid)`, `unblock(jid)`: ``blocklist``. WhatsApp blocks by LID (with the
  phone number beside it when blocking), so a phone-number JID is first mapped with `lids`.

A refusal raises `ContactError` with the server's code and text; an answer that does not parse
`GroupAnswerError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Final

from wabus.client._errors import ContactError
from wabus.core import Jid, Node, NodeError, Server
from wabus.protocol import GroupAnswerError, iq_error, usync_query

__all__ = ["BusinessProfile", "Contacts", "OnWhatsApp", "ProfilePicture", "UserStatus"]

Request = Callable[[Node], Awaitable[Node]]
SERVER: Final = Jid("", Server.USER)


@dataclass(frozen=True, slots=True)
class OnWhatsApp:
    """Whether a phone number has a WhatsApp account."""

    phone: str
    """The number as asked (``+`` and digits)."""
    jid: Jid
    """Its user JID."""
    exists: bool


@dataclass(frozen=True, slots=True)
class UserStatus:
    """A user's "about" text and when they set it."""

    jid: Jid
    text: str | None
    """None when it is not shared with us (or they have none)."""
    set_at: int | None = None


@dataclass(frozen=True, slots=True)
class ProfilePicture:
    """Where a profile picture is."""

    url: str
    id: str
    direct_path: str | None = None


@dataclass(frozen=True, slots=True)
class BusinessProfile:
    """A business account's public profile (``w:biz``)."""

    jid: Jid
    description: str = ""
    address: str | None = None
    email: str | None = None
    websites: tuple[str, ...] = ()
    category: str | None = None
    timezone: str | None = None


def _normal_phone(phone: str) -> str:
    digits = phone.strip().removeprefix("+").replace(" ", "").replace("-", "")
    if not digits.isdigit():
        raise ValueError(f"phones: {phone!r} is not a phone number")
    return "+" + digits


class Contacts:
    """The contact queries of one client (see the module doc)."""

    def __init__(self, request: Request) -> None:
        self._request = request

    async def _ask(self, what: str, node: Node) -> Node:
        reply = await self._request(node)
        error = iq_error(reply)
        if error is not None:
            raise ContactError(*error, what=what)
        return reply

    async def _usync(
        self, what: str, protocol: Node, users: list[Node], *, context: str = "interactive"
    ) -> list[Node]:
        reply = await self._ask(what, usync_query([protocol], users, context=context))
        usync = reply.child("usync")
        listed = usync.child("list") if usync is not None else None
        if listed is None:
            raise GroupAnswerError("no <usync><list> in the answer")
        return listed.children("user")

    async def is_on_whatsapp(self, phones: Iterable[str]) -> list[OnWhatsApp]:
        """Which of `phones` have an account, in the order asked."""
        asked = [_normal_phone(p) for p in phones]
        if not asked:
            return []
        users = [Node("user", None, [Node("contact", None, p)]) for p in asked]
        answered = await self._usync("the contact query", Node("contact"), users)
        found: dict[str, OnWhatsApp] = {}
        for user in answered:
            try:
                contact = user.require_child("contact")
                phone = _normal_phone(contact.text or user.jid("jid").user)
                found[phone] = OnWhatsApp(
                    phone, user.jid("jid").to_non_ad(), contact.opt_attr("type") == "in"
                )
            except (NodeError, ValueError) as err:
                raise GroupAnswerError(f"a bad <user> in the contact answer: {err}") from err
        return [
            found.get(p, OnWhatsApp(p, Jid(p.removeprefix("+"), Server.USER), False)) for p in asked
        ]

    async def status(self, users: Iterable[Jid]) -> list[UserStatus]:
        """The "about" text of each user."""
        nodes = [Node("user", {"jid": u.to_non_ad()}) for u in users]
        if not nodes:
            return []
        statuses = []
        for user in await self._usync("the status query", Node("status"), nodes):
            try:
                status = user.child("status")
                code = status.opt_attr("code") if status is not None else None
                shared = status is not None and code is None
                statuses.append(
                    UserStatus(
                        user.jid("jid"),
                        (status.text or "") if shared and status is not None else None,
                        status.opt_int_attr("t") if shared and status is not None else None,
                    )
                )
            except (NodeError, ValueError) as err:
                raise GroupAnswerError(f"a bad <user> in the status answer: {err}") from err
        return statuses

    async def lids(self, users: Iterable[Jid]) -> dict[Jid, Jid]:
        """The LID of each phone-number user the server knows (unknown ones are left out)."""
        nodes = [Node("user", {"jid": u.to_non_ad()}) for u in users]
        if not nodes:
            return {}
        mapping: dict[Jid, Jid] = {}
        for user in await self._usync("the LID query", Node("lid"), nodes, context="background"):
            lid = user.child("lid")
            try:
                if lid is not None and lid.has_attr("val"):
                    mapping[user.jid("jid").to_non_ad()] = lid.jid("val").to_non_ad()
            except (NodeError, ValueError) as err:
                raise GroupAnswerError(f"a bad <lid> in the answer: {err}") from err
        return mapping

    async def profile_picture(self, jid: Jid, *, full: bool = False) -> ProfilePicture | None:
        """The profile picture of a user or group (the thumbnail unless `full`); None when
        there is none or it is not shared with us."""
        query = Node(
            "iq",
            {
                "target": jid.to_non_ad(),
                "to": SERVER,
                "type": "get",
                "xmlns": "w:profile:picture",
            },
            [Node("picture", {"type": "image" if full else "preview", "query": "url"})],
        )
        reply = await self._request(query)
        error = iq_error(reply)
        if error is not None:
            if error[0] in (401, 404):  # not shared with us, or none
                return None
            raise ContactError(*error, what=f"{jid}'s picture")
        picture = reply.child("picture")
        if picture is None or not picture.has_attr("url"):
            return None
        return ProfilePicture(
            picture.attr("url"), picture.opt_attr("id") or "", picture.opt_attr("direct_path")
        )

    async def business_profile(self, jid: Jid) -> BusinessProfile | None:
        """A business's profile; None when `jid` is no business."""
        query = Node(
            "iq",
            {"to": SERVER, "xmlns": "w:biz", "type": "get"},
            [
                Node(
                    "business_profile",
                    {"v": "244"},
                    [Node("profile", {"jid": jid.to_non_ad()})],
                )
            ],
        )
        reply = await self._ask(f"{jid}'s business profile", query)
        listed = reply.child("business_profile")
        profile = listed.child("profile") if listed is not None else None
        if profile is None:
            return None

        def text(tag: str, parent: Node = profile) -> str | None:
            child = parent.child(tag)
            return child.text if child is not None else None

        try:
            categories = profile.child("categories")
            hours = profile.child("business_hours")
            return BusinessProfile(
                jid=profile.jid("jid"),
                description=text("description") or "",
                address=text("address"),
                email=text("email"),
                websites=tuple(w.text or "" for w in profile.children("website")),
                category=text("category", categories) if categories is not None else None,
                timezone=hours.opt_attr("timezone") if hours is not None else None,
            )
        except (NodeError, ValueError) as err:
            raise GroupAnswerError(f"a bad business profile: {err}") from err

    async def blocklist(self) -> list[Jid]:
        """Everyone we blocked."""
        reply = await self._ask(
            "the block list", Node("iq", {"to": SERVER, "xmlns": "blocklist", "type": "get"})
        )
        listed = reply.child("list")
        try:
            return [i.jid("jid") for i in listed.children("item")] if listed is not None else []
        except (NodeError, ValueError) as err:
            raise GroupAnswerError(f"a bad <item> in the block list: {err}") from err

    async def _block(self, jid: Jid, action: str) -> None:
        user = jid.to_non_ad()
        attrs: dict[str, str | Jid] = {"action": action}
        if user.is_lid:
            attrs["jid"] = user
        else:
            lid = (await self.lids([user])).get(user)
            if lid is None:
                raise ContactError(404, "item-not-found", what=f"{action} of {user} (no LID)")
            attrs["jid"] = lid
            if action == "block":
                attrs["pn_jid"] = user
        await self._ask(
            f"the {action} of {user}",
            Node(
                "iq",
                {"to": SERVER, "xmlns": "blocklist", "type": "set"},
                [Node("item", attrs)],
            ),
        )

    async def block(self, jid: Jid) -> None:
        """Block a user (by phone number or LID)."""
        await self._block(jid, "block")

    async def unblock(self, jid: Jid) -> None:
        """Unblock a user."""
        await self._block(jid, "unblock")
