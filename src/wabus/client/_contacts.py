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

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Final

from wabus.client._errors import ContactError
from wabus.core import Jid, Node, NodeError, Server
from wabus.protocol import GroupAnswerError, iq_error, usync_query

__all__ = [
    "BusinessProfile",
    "Contacts",
    "LidMap",
    "OnWhatsApp",
    "ProfilePicture",
    "UserStatus",
]

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


DEFAULT_LID_MAP_SIZE: Final = 100_000


class LidMap:
    """Which LID is which phone number, as far as this client has learnt (both directions).

    WhatsApp names a user by a phone-number JID (``…@s.whatsapp.net``) or by a LID
    (``…@lid``), and tells which is which only in passing: a message's ``sender_pn`` /
    ``participant_pn`` / ``sender_lid`` beside its sender (`MessageSource.sender_alt`), and
    the answers of the usync ``<lid>`` query (`Contacts.lids`). The client feeds every pair it
    sees into its map; `Contacts.phone_number` and `Contacts.lid` read it without a round
    trip. Device parts are dropped (a mapping is per user). At most `capacity` pairs are kept,
    the least recently learnt forgotten first. Thread-safe.
    """

    def __init__(self, capacity: int = DEFAULT_LID_MAP_SIZE) -> None:
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        self._capacity = capacity
        self._to_pn: OrderedDict[Jid, Jid] = OrderedDict()
        self._to_lid: dict[Jid, Jid] = {}
        self._lock = threading.Lock()

    def learn(self, one: Jid, other: Jid) -> bool:
        """Record that `one` and `other` (a LID and a phone-number JID, in either order) are
        the same user. Returns False, recording nothing, for any other pair."""
        if one.is_lid and other.is_user:
            lid, pn = one.to_non_ad(), other.to_non_ad()
        elif other.is_lid and one.is_user:
            lid, pn = other.to_non_ad(), one.to_non_ad()
        else:
            return False
        with self._lock:
            old_pn = self._to_pn.pop(lid, None)
            if old_pn is not None and self._to_lid.get(old_pn) == lid:
                del self._to_lid[old_pn]
            old_lid = self._to_lid.get(pn)
            if old_lid is not None:
                self._to_pn.pop(old_lid, None)
            self._to_pn[lid] = pn
            self._to_lid[pn] = lid
            while len(self._to_pn) > self._capacity:
                gone_lid, gone_pn = self._to_pn.popitem(last=False)
                if self._to_lid.get(gone_pn) == gone_lid:
                    del self._to_lid[gone_pn]
        return True

    def phone_number(self, lid: Jid) -> Jid | None:
        """The phone-number JID of `lid`'s user, if learnt."""
        with self._lock:
            return self._to_pn.get(lid.to_non_ad())

    def lid(self, phone_number: Jid) -> Jid | None:
        """The LID of a phone-number user, if learnt."""
        with self._lock:
            return self._to_lid.get(phone_number.to_non_ad())

    def __len__(self) -> int:
        with self._lock:
            return len(self._to_pn)


class Contacts:
    """The contact queries of one client (see the module doc)."""

    def __init__(self, request: Request, lid_map: LidMap | None = None) -> None:
        self._request = request
        self._lid_map = lid_map if lid_map is not None else LidMap()

    def phone_number(self, lid: Jid) -> Jid | None:
        """The phone number of a LID user, from what the client has learnt (`LidMap`): the
        sender attributes of messages received, and `lids` answers. No round trip."""
        return self._lid_map.phone_number(lid)

    def lid(self, phone_number: Jid) -> Jid | None:
        """The LID of a phone-number user, from what the client has learnt (see
        `phone_number`); `await lids([...])` asks the server."""
        return self._lid_map.lid(phone_number)

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
        """The LID of each phone-number user the server knows (unknown ones are left out); the
        answers are also learnt (`lid`, `phone_number`)."""
        nodes = [Node("user", {"jid": u.to_non_ad()}) for u in users]
        if not nodes:
            return {}
        mapping: dict[Jid, Jid] = {}
        for user in await self._usync("the LID query", Node("lid"), nodes, context="background"):
            lid = user.child("lid")
            try:
                if lid is not None and lid.has_attr("val"):
                    pn, its_lid = user.jid("jid").to_non_ad(), lid.jid("val").to_non_ad()
                    mapping[pn] = its_lid
                    self._lid_map.learn(pn, its_lid)
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
