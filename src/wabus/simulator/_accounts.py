"""What the simulated server knows: accounts, their devices and keys, groups.

The simulator keeps the state a WhatsApp server keeps, in memory:

- `Account`: one phone number, with its LID, the account key that signs its companions'
  device identities (ADV), its devices (0 is the phone; companions get 1, 2, …), its block
  list and privacy settings.
- `Device`: one device of an account. A companion carries the keys it paired with and the
  Signal keys it uploaded (`PublishedKeys`); a simulated phone or contact carries its own
  Signal identity (`SimulatedKeys`), so other devices can fetch a bundle for it as they would
  for a real one. Each device has an *outbox*: the stanzas sent to it that it has not yet
  acknowledged, delivered again at its next login (the server's offline queue).
- `Group`: a group's subject, creator and participants.

Nothing here does I/O; the server (`_server.py`) and the IQ handlers (`_iq.py`) change it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from wabus.core import Jid, Node, Server
from wabus.protocol import (
    KeyPair,
    LocalIdentity,
    PreKeyRecord,
    SignedPreKeyRecord,
    generate_prekeys,
)
from wabus.simulator._appstate import AccountAppState

__all__ = [
    "DEFAULT_PRIVACY",
    "Account",
    "Device",
    "Directory",
    "Group",
    "PublishedKeys",
    "SimulatedKeys",
]

DEFAULT_PRIVACY: Final = {
    "last": "all",
    "online": "all",
    "profile": "all",
    "status": "all",
    "readreceipts": "all",
    "groupadd": "all",
    "calladd": "all",
    "messages": "all",
}
"""What a new account's privacy settings are (the categories and values Baileys reads)."""

_SIMULATED_PREKEYS: Final = 50


@dataclass
class PublishedKeys:
    """The Signal keys a companion uploaded (what a bundle for it is made of)."""

    registration_id: int
    identity: bytes
    signed_prekey_id: int
    signed_prekey: bytes
    signed_prekey_signature: bytes
    prekeys: dict[int, bytes] = field(default_factory=dict)
    """One-time prekeys by id, in upload order; each is handed out once."""

    def take_prekey(self) -> tuple[int, bytes] | None:
        """The oldest unused one-time prekey, removed (as a server hands each out once)."""
        for key_id in self.prekeys:
            return key_id, self.prekeys.pop(key_id)
        return None


class SimulatedKeys:
    """A simulated device's own Signal identity (the private halves stay in the simulator).

    Made when first used: an account's phone that nobody writes to costs no key generation
    (a simulator with a thousand accounts makes a thousand of these)."""

    @classmethod
    def generate(cls) -> SimulatedKeys:
        """Fresh keys (generated on first use)."""
        return cls()

    @functools.cached_property
    def identity(self) -> LocalIdentity:
        """The device's identity key pair and registration id."""
        return LocalIdentity.generate()

    @functools.cached_property
    def signed(self) -> SignedPreKeyRecord:
        """Its signed prekey (id 1)."""
        return SignedPreKeyRecord.generate(self.identity.identity, 1)

    @functools.cached_property
    def prekeys(self) -> dict[int, PreKeyRecord]:
        """Its one-time prekeys, by id."""
        return {record.key_id: record for record in generate_prekeys(1, _SIMULATED_PREKEYS)}

    def published(self) -> PublishedKeys:
        """The public half, as a companion's upload would give it."""
        return PublishedKeys(
            registration_id=self.identity.registration_id,
            identity=self.identity.identity.public,
            signed_prekey_id=self.signed.key_id,
            signed_prekey=self.signed.key_pair.public,
            signed_prekey_signature=self.signed.signature,
            prekeys={key_id: r.key_pair.public for key_id, r in self.prekeys.items()},
        )


@dataclass(eq=False)
class Device:
    """One device of an account (see the module doc)."""

    account: Account = field(repr=False)
    number: int
    noise: bytes | None = None
    """A companion's static Noise key (how it is recognised when it logs in)."""
    identity: bytes | None = None
    """A companion's identity key, from pairing."""
    keys: PublishedKeys | None = None
    simulated: SimulatedKeys | None = None
    key_index: int = 0
    platform: str = ""
    outbox: dict[tuple[str, str], Node] = field(default_factory=dict)
    """Stanzas sent to this device and not acknowledged yet, by (tag, id), oldest first."""
    app_state_keys_shared: bool = False
    """Whether the phone has shared its app-state key with this companion (it does once, when
    the companion first publishes its prekeys: then it can be written to)."""

    @property
    def jid(self) -> Jid:
        """The device's phone-number JID."""
        return self.account.pn.with_device(self.number)

    @property
    def lid(self) -> Jid:
        """The device's LID."""
        return self.account.lid.with_device(self.number)

    @property
    def bundle_keys(self) -> PublishedKeys | None:
        """What other devices fetch a bundle from (uploaded, or the simulated identity)."""
        if self.keys is not None:
            return self.keys
        if self.simulated is not None:
            self.keys = self.simulated.published()
            return self.keys
        return None


@dataclass(eq=False)
class Account:
    """One phone number's account (see the module doc)."""

    pn: Jid
    """The account's phone-number user JID."""
    lid: Jid
    """The account's LID user JID."""
    push_name: str = ""
    account_key: KeyPair = field(default_factory=KeyPair.generate)
    devices: dict[int, Device] = field(default_factory=dict, repr=False)
    blocklist: list[Jid] = field(default_factory=list)
    privacy: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PRIVACY))
    status: str = ""
    picture: tuple[str, str] | None = None
    """The profile picture's (id, URL), if the account has one."""
    business: dict[str, str] | None = None
    """A business account's profile (``description``, ``address``, ``email``, ``website``,
    ``category``, ``timezone``); None for a personal account."""
    app_state: AccountAppState = field(default_factory=AccountAppState, repr=False)
    """The account's app-state collections and the key its phone made."""
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    def __post_init__(self) -> None:
        # Device 0 is the phone, a Signal peer of its own.
        self.devices[0] = Device(self, 0, simulated=SimulatedKeys.generate())

    @property
    def phone(self) -> Device:
        """The primary device (number 0)."""
        return self.devices[0]

    def new_companion(self, first_number: int = 1) -> Device:
        """A companion device with the next free number (from `first_number` on), not yet
        one of the account's devices: `register` it once its pairing is confirmed."""
        number = next(self._numbers)
        while number < first_number or number in self.devices:
            number = next(self._numbers)
        return Device(self, number)

    def register(self, device: Device) -> None:
        """Make a paired companion one of the account's devices."""
        self.devices[device.number] = device

    def is_user(self, jid: Jid) -> bool:
        """Whether `jid` (any device) is this account, by phone number or by LID."""
        user = jid.to_non_ad()
        return user in (self.pn, self.lid)


@dataclass
class Group:
    """A group: its subject, creator and participants (user JIDs)."""

    jid: Jid
    subject: str
    creator: Jid
    created: int
    participants: dict[Jid, str] = field(default_factory=dict)
    """Member → ``""``, ``"admin"`` or ``"superadmin"``."""
    description: str = ""
    description_id: str = ""
    announce: bool = False
    locked: bool = False
    join_approval: bool = False
    """Joining through the invite link waits for an admin's approval."""
    invite_code: str = ""
    requests: dict[Jid, int] = field(default_factory=dict)
    """Who asked to join (user JID → when), while `join_approval` is on."""
    subject_owner: Jid | None = None
    subject_time: int = 0


@dataclass
class Directory:
    """Every account and group the server knows, found by any of their JIDs.

    Lookups are by index (phone number, LID, a companion's Noise key), not by scanning the
    accounts: a simulator holding thousands of accounts finds each one at once."""

    accounts: list[Account] = field(default_factory=list)
    groups: dict[Jid, Group] = field(default_factory=dict)
    _by_user: dict[Jid, Account] = field(default_factory=dict, repr=False)
    _by_noise: dict[bytes, Device] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for account in self.accounts:
            self._index(account)

    def _index(self, account: Account) -> None:
        self._by_user[account.pn] = account
        self._by_user[account.lid] = account
        for device in account.devices.values():
            if device.noise is not None:
                self._by_noise[device.noise] = device

    def add(self, pn: str, lid: str, push_name: str = "") -> Account:
        """Register an account (phone number and LID user parts)."""
        account = Account(Jid(pn, Server.USER), Jid(lid, Server.LID), push_name=push_name)
        if account.pn in self._by_user or account.lid in self._by_user:
            raise ValueError(f"an account with number {pn} or LID {lid} exists already")
        self.accounts.append(account)
        self._index(account)
        return account

    def register(self, device: Device) -> None:
        """Make a paired companion one of its account's devices (see `Account.register`),
        found by its Noise key from now on."""
        device.account.register(device)
        if device.noise is not None:
            self._by_noise[device.noise] = device

    def account(self, jid: Jid) -> Account | None:
        """The account a user or device JID belongs to (phone number or LID)."""
        return self._by_user.get(jid.to_non_ad())

    def device(self, jid: Jid) -> Device | None:
        """The device a device JID names (device 0 for a bare user JID)."""
        account = self.account(jid)
        if account is None:
            return None
        return account.devices.get(jid.device)

    def by_noise(self, noise: bytes) -> Device | None:
        """The companion that paired with this static Noise key."""
        device = self._by_noise.get(noise)
        if device is None or device.account.devices.get(device.number) is not device:
            return None
        return device
