"""JIDs: the addresses of users, devices, groups, broadcasts and servers.

A JID is written ``user[.agent][:device]@server``. The server is one of a fixed set
(`Server`); the user is a phone number, a LID, a group id or a word such as ``status``; the
device picks one of a user's linked devices (0 is the primary phone); the agent is a raw
domain byte that only appears on phone-number device JIDs from older peers. Interop JIDs also
carry an integrator id, written here as ``integrator-user`` so that the string form stays
lossless.

`Jid` is an immutable tuple subclass: it is hashable, ordered, cheap to build and cheap to
compare, which matters because the node decoder makes several per stanza. Build one with
`Jid(user, server, device=...)` (validated) or `Jid.parse("123:4@s.whatsapp.net")`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final, NamedTuple, final

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from wabus.core._errors import InvalidJid

__all__ = ["SERVERS", "Jid", "Server"]


class Server(StrEnum):
    """The JID servers the protocol knows. Members compare equal to their string values."""

    USER = "s.whatsapp.net"
    """Phone-number users (PN)."""
    LID = "lid"
    """Hidden users, addressed by their LID."""
    GROUP = "g.us"
    """Groups."""
    BROADCAST = "broadcast"
    """Broadcast lists and the status broadcast (user ``status``)."""
    NEWSLETTER = "newsletter"
    """Channels (newsletters)."""
    HOSTED = "hosted"
    """Business accounts hosted by Meta, phone-number form."""
    HOSTED_LID = "hosted.lid"
    """Business accounts hosted by Meta, LID form."""
    MESSENGER = "msgr"
    """Messenger users."""
    INTEROP = "interop"
    """Users of interoperating networks."""
    BOT = "bot"
    """Bots (e.g. Meta AI)."""
    LEGACY_USER = "c.us"
    """The legacy user server of older clients."""


# A plain dict (read-only by its type): the binary decoder looks names up in it per JID.
SERVERS: Final[Mapping[str, Server]] = {member.value: member for member in Server}
"""Every `Server` by its name (``"s.whatsapp.net"`` → `Server.USER`); `.get` gives None for
a name that is not a server, where `Server(name)` would raise."""
_FORBIDDEN_IN_USER = frozenset("@:.")
_MAX_AGENT = 0xFF
_MAX_DEVICE = 0xFFFF
_MAX_INTEGRATOR = 0xFFFF


class _JidParts(NamedTuple):
    user: str
    server: Server
    agent: int
    device: int
    integrator: int


_tuple_new = tuple.__new__


def _check_int(value: object, name: str, limit: int, whole: object) -> int:
    if type(value) is not int or not 0 <= value <= limit:
        raise InvalidJid(whole, f"{name} must be an int in 0..{limit}, got {value!r}")
    return value


def _digits(text: str, name: str, whole: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise InvalidJid(whole, f"{name} {text!r} is not a decimal number")
    return int(text)


@final
class Jid(_JidParts):
    """An immutable WhatsApp JID.

    Fields: `user`, `server` (a `Server`), `agent`, `device` and `integrator`, all read-only.
    `str(jid)` gives the canonical string form and `Jid.parse` reads it back, so the two
    round-trip exactly. JIDs are ordered by their fields in that order.

    In pydantic models a `Jid` field accepts a `Jid` or its string form, and `model_dump()`
    (either mode) gives the string form, which reads back into an equal `Jid`.
    """

    __slots__ = ()

    def __new__(
        cls,
        user: str,
        server: Server | str,
        *,
        agent: int = 0,
        device: int = 0,
        integrator: int = 0,
    ) -> Jid:
        whole = (user, server)
        if not isinstance(user, str):
            raise InvalidJid(whole, f"user must be a str, got {type(user).__name__}")
        srv = SERVERS.get(server) if isinstance(server, str) else None
        if srv is None:
            raise InvalidJid(whole, f"unknown server {server!r}")
        if _FORBIDDEN_IN_USER.intersection(user):
            raise InvalidJid(whole, "user must not contain '@', ':' or '.'")
        _check_int(agent, "agent", _MAX_AGENT, whole)
        _check_int(device, "device", _MAX_DEVICE, whole)
        _check_int(integrator, "integrator", _MAX_INTEGRATOR, whole)
        if integrator and srv is not Server.INTEROP:
            raise InvalidJid(whole, "only interop JIDs carry an integrator")
        if srv is Server.INTEROP and "-" in user:
            raise InvalidJid(whole, "an interop user must not contain '-'")
        if not user and (agent or device or integrator):
            raise InvalidJid(whole, "a server-only JID has no agent, device or integrator")
        return _tuple_new(cls, (user, srv, agent, device, integrator))

    @classmethod
    def trusted(cls, user: str, server: Server, agent: int, device: int, integrator: int) -> Jid:
        """Build a JID from parts that the caller has already validated, without checks.

        For decoders on a hot path. `server` must be a `Server` member.
        """
        return _tuple_new(cls, (user, server, agent, device, integrator))

    @classmethod
    def parse(cls, text: str) -> Jid:
        """Parse ``user[.agent][:device]@server`` (or a bare server such as ``g.us``).

        Raises `InvalidJid` (a `ValueError`) with the reason when the text is not a JID.
        """
        if not isinstance(text, str):
            raise InvalidJid(text, f"expected a str, got {type(text).__name__}")
        user, at, server = text.partition("@")
        if not at:
            # A bare server, such as "s.whatsapp.net" or "g.us".
            if text not in SERVERS:
                raise InvalidJid(text, f"unknown server {text!r}")
            return _tuple_new(cls, ("", SERVERS[text], 0, 0, 0))
        if "@" in server:
            raise InvalidJid(text, "more than one '@'")
        if not user:
            raise InvalidJid(text, "empty user before '@'")
        device = agent = integrator = 0
        if ":" in user:
            user, _, device_text = user.partition(":")
            device = _digits(device_text, "device", text)
        if "." in user:
            user, _, agent_text = user.partition(".")
            agent = _digits(agent_text, "agent", text)
        if server == Server.INTEROP and "-" in user:
            integrator_text, _, user = user.partition("-")
            integrator = _digits(integrator_text, "integrator", text)
        if not user:
            raise InvalidJid(text, "empty user")
        for name, value, limit in (
            ("agent", agent, _MAX_AGENT),
            ("device", device, _MAX_DEVICE),
            ("integrator", integrator, _MAX_INTEGRATOR),
        ):
            if value > limit:
                raise InvalidJid(text, f"{name} {value} is above {limit}")
        try:
            return cls(user, server, agent=agent, device=device, integrator=integrator)
        except InvalidJid as err:
            raise InvalidJid(text, err.reason) from None

    def __reduce__(self) -> tuple[Any, ...]:
        return (Jid.parse, (str(self),))

    def __str__(self) -> str:
        user, server, agent, device, integrator = self
        if not user:
            return server.value
        if integrator:
            user = f"{integrator}-{user}"
        if agent:
            return f"{user}.{agent}:{device}@{server.value}"
        if device:
            return f"{user}:{device}@{server.value}"
        return f"{user}@{server.value}"

    def __repr__(self) -> str:
        return f"Jid({str(self)!r})"

    # Kinds of JID -------------------------------------------------------------------------

    @property
    def is_server(self) -> bool:
        """True for a bare server JID such as ``s.whatsapp.net``."""
        return not self.user

    @property
    def is_user(self) -> bool:
        """True for a phone-number (PN) user or device."""
        return self.server is Server.USER

    @property
    def is_lid(self) -> bool:
        """True for a LID user or device."""
        return self.server is Server.LID

    @property
    def is_group(self) -> bool:
        """True for a group."""
        return self.server is Server.GROUP

    @property
    def is_broadcast(self) -> bool:
        """True for a broadcast list or the status broadcast."""
        return self.server is Server.BROADCAST

    @property
    def is_status_broadcast(self) -> bool:
        """True for ``status@broadcast``, where status updates are posted."""
        return self.server is Server.BROADCAST and self.user == "status"

    @property
    def is_newsletter(self) -> bool:
        """True for a channel (newsletter)."""
        return self.server is Server.NEWSLETTER

    @property
    def is_hosted(self) -> bool:
        """True for a hosted business account (PN or LID form)."""
        return self.server is Server.HOSTED or self.server is Server.HOSTED_LID

    @property
    def is_bot(self) -> bool:
        """True for a bot JID."""
        return self.server is Server.BOT

    @property
    def is_device(self) -> bool:
        """True when the JID names a specific linked device (device or agent set)."""
        return bool(self.device or self.agent)

    # Derived JIDs -------------------------------------------------------------------------

    def to_non_ad(self) -> Jid:
        """The same JID without agent and device: the user (or group, …) itself."""
        if not self.agent and not self.device:
            return self
        return _tuple_new(Jid, (self.user, self.server, 0, 0, self.integrator))

    def with_device(self, device: int) -> Jid:
        """The same user's JID for another device (0 is the primary phone)."""
        _check_int(device, "device", _MAX_DEVICE, self)
        if not self.user and device:
            raise InvalidJid(self, "a server-only JID has no device")
        return _tuple_new(Jid, (self.user, self.server, self.agent, device, self.integrator))

    # pydantic integration -----------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_after_validator_function(
                cls.parse, core_schema.str_schema()
            ),
            python_schema=core_schema.no_info_plain_validator_function(_coerce_jid),
            # Both dump modes give the string form: pydantic would flatten the tuple subclass
            # to a plain tuple in python mode otherwise, and strings read back into JIDs.
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )


def _coerce_jid(value: object) -> Jid:
    if type(value) is Jid:
        return value
    if isinstance(value, str):
        return Jid.parse(value)
    raise InvalidJid(value, f"expected a Jid or its string form, got {type(value).__name__}")
