"""The server's side of presence and chat state: who is online, who wants to know, and where a
``<chatstate>`` goes.

- ``<presence type="available|unavailable">`` from a companion sets its account's presence,
  and every device that subscribed to the account is told (``<presence from=ACCOUNT>`` when
  online, with ``type="unavailable" last=T`` when not);
- ``<presence type="subscribe" to=JID>`` records the subscription and answers at once with
  the account's current presence, as the server does;
- ``<chatstate to=CHAT>`` goes to every other companion of the chat: the user's devices in a
  1:1 chat (``from`` the sender's account), every member's in a group (``from`` the group,
  ``participant`` the sender).

Nothing here does I/O: each call returns the deliveries, (device, node) pairs, for the server
to send.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wabus.core import Jid, Node
from wabus.simulator._accounts import Account, Device, Directory

__all__ = ["PresenceBoard"]

Delivery = tuple[Device, Node]


@dataclass
class _State:
    online: bool = False
    last_seen: int | None = None
    subscribers: dict[int, tuple[Device, bool]] = field(default_factory=dict)
    """Subscribed device (by id) → (the device, whether it asked by LID)."""


@dataclass
class PresenceBoard:
    """Every account's presence and its subscribers (see the module doc)."""

    directory: Directory
    _states: dict[int, _State] = field(default_factory=dict)

    def _state(self, account: Account) -> _State:
        return self._states.setdefault(id(account), _State())

    def online(self, account: Account) -> bool:
        """Whether the account said it is available (and has not said otherwise since)."""
        return self._state(account).online

    def _presence(self, account: Account, by_lid: bool) -> Node:
        state = self._state(account)
        origin = account.lid if by_lid else account.pn
        if state.online:
            return Node("presence", {"from": origin})
        attrs: dict[str, str | Jid] = {"from": origin, "type": "unavailable"}
        attrs["last"] = str(state.last_seen) if state.last_seen is not None else "deny"
        return Node("presence", attrs)

    def update(self, account: Account, available: bool, now: int) -> list[Delivery]:
        """`account` is now online or offline: what its subscribers are told."""
        state = self._state(account)
        state.online = available
        if not available:
            state.last_seen = now
        return [
            (device, self._presence(account, by_lid))
            for device, by_lid in state.subscribers.values()
        ]

    def subscribe(self, device: Device, target: Jid) -> list[Delivery]:
        """`device` wants `target`'s presence: its current one, now (nothing for someone the
        server does not know)."""
        account = self.directory.account(target)
        if account is None:
            return []
        self._state(account).subscribers[id(device)] = (device, target.is_lid)
        return [(device, self._presence(account, target.is_lid))]

    def chat_state(self, sender: Device, node: Node) -> list[Delivery]:
        """Where a companion's ``<chatstate>`` goes (see the module doc)."""
        to = node.opt_jid("to")
        if to is None or not node.nodes:
            return []
        state = node.nodes[0]
        by_lid = to.is_lid
        origin = sender.account.lid if by_lid else sender.account.pn
        deliveries: list[Delivery] = []
        if to.is_group:
            group = self.directory.groups.get(to)
            if group is None:
                return []
            for member in group.participants:
                account = self.directory.account(member)
                if account is None or account is sender.account:
                    continue
                attrs: dict[str, str | Jid] = {"from": to, "participant": origin}
                deliveries += [
                    (device, Node("chatstate", attrs, [state]))
                    for device in account.devices.values()
                    if device.noise is not None
                ]
            return deliveries
        account = self.directory.account(to)
        if account is None:
            return []
        return [
            (device, Node("chatstate", {"from": origin}, [state]))
            for device in account.devices.values()
            if device.noise is not None and device is not sender
        ]
