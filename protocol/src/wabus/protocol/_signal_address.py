"""Signal addresses as WhatsApp names them: ``user[_domainType].device`` and sender-key names.

A device's Signal address is its user part, followed by ``_`` and the JID's domain type when
that is not 0 (1 for LID, 128 for hosted, 129 for hosted LID; an old-style phone-number JID
with an agent byte uses that byte), then ``.`` and the device number: ``15550001111.0``,
``123456_1.3``. A group's sender key is named ``group::user[_domainType]::device``, with the
group's JID written out (``120363000000000000@g.us::123456_1::0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, final

from wabus.core import InvalidJid, Jid, Server

__all__ = ["ProtocolAddress", "SenderKeyName"]

_DOMAIN_OF_SERVER: Final = {
    Server.USER: 0,
    Server.LID: 1,
    Server.HOSTED: 128,
    Server.HOSTED_LID: 129,
}
_SERVER_OF_DOMAIN: Final = {domain: server for server, domain in _DOMAIN_OF_SERVER.items()}
_MAX_DEVICE: Final = 0xFFFF


@final
@dataclass(frozen=True, slots=True, order=True)
class ProtocolAddress:
    """One device of one user, as the Signal layer keys its sessions and identities."""

    name: str
    """``user`` or ``user_domainType`` (never containing ``.`` or ``::``)."""
    device: int
    """The device number (0 is the primary phone)."""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or "." in self.name:
            raise ValueError(f"a Signal address name is a non-empty str without '.': {self.name!r}")
        if "::" in self.name or "@" in self.name:
            raise ValueError(f"a Signal address name has no '::' or '@': {self.name!r}")
        if type(self.device) is not int or not 0 <= self.device <= _MAX_DEVICE:
            raise ValueError(f"a device number is an int in 0..{_MAX_DEVICE}: {self.device!r}")

    def __str__(self) -> str:
        return f"{self.name}.{self.device}"

    @classmethod
    def parse(cls, text: str) -> ProtocolAddress:
        """Read ``name.device`` back (raises `ValueError`)."""
        name, dot, device = text.rpartition(".")
        if not dot or not device.isascii() or not device.isdigit():
            raise ValueError(f"not a Signal address: {text!r}")
        return cls(name, int(device))

    @classmethod
    def from_jid(cls, jid: Jid) -> ProtocolAddress:
        """The address of a user or device JID (PN, LID or hosted); raises `ValueError`."""
        domain = _DOMAIN_OF_SERVER.get(jid.server)
        if domain is None or not jid.user:
            raise ValueError(f"{jid} has no Signal address (not a user or device JID)")
        if domain == 0 and jid.agent:
            domain = jid.agent
        name = jid.user if domain == 0 else f"{jid.user}_{domain}"
        return cls(name, jid.device)

    def to_jid(self) -> Jid:
        """The device JID this address names (raises `ValueError` for an unknown domain)."""
        user, _, domain_text = self.name.partition("_")
        domain = int(domain_text) if domain_text.isdigit() else 0 if not domain_text else -1
        server = _SERVER_OF_DOMAIN.get(domain)
        try:
            if server is not None:
                return Jid(user, server, device=self.device)
            if 0 < domain <= 0xFF:
                return Jid(user, Server.USER, agent=domain, device=self.device)
        except InvalidJid as err:
            raise ValueError(str(err)) from None
        raise ValueError(f"{self} has an unknown domain type")

    @property
    def user(self) -> Jid:
        """The user JID (no device) this address belongs to."""
        return self.to_jid().to_non_ad()


@final
@dataclass(frozen=True, slots=True, order=True)
class SenderKeyName:
    """The name of one sender's sender key in one group: ``group::user[_domain]::device``."""

    group: str
    """The group's JID as a string (``…@g.us``, or ``status@broadcast``)."""
    sender: ProtocolAddress
    """The sending device."""

    def __post_init__(self) -> None:
        if not isinstance(self.group, str) or not self.group or "::" in self.group:
            raise ValueError(f"a group id is a non-empty str without '::': {self.group!r}")

    def __str__(self) -> str:
        return f"{self.group}::{self.sender.name}::{self.sender.device}"

    @classmethod
    def parse(cls, text: str) -> SenderKeyName:
        """Read ``group::name::device`` back (raises `ValueError`)."""
        parts = text.split("::")
        if len(parts) != 3 or not parts[2].isascii() or not parts[2].isdigit():
            raise ValueError(f"not a sender-key name: {text!r}")
        return cls(parts[0], ProtocolAddress(parts[1], int(parts[2])))

    @classmethod
    def of(cls, group: Jid, sender: Jid) -> SenderKeyName:
        """The name of `sender`'s (a device JID) sender key in `group`."""
        return cls(str(group), ProtocolAddress.from_jid(sender))
