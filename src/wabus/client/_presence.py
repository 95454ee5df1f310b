"""The client's read receipts, presence and chat state (the stanzas are
`wabus.protocol._presence`'s; `Client.mark_read` and its neighbours call these)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from wabus.client._errors import ClientError, NotConnected
from wabus.client._store import DeviceState
from wabus.core import Jid, Node
from wabus.core.events import Message
from wabus.protocol import (
    ChatState,
    PresenceKind,
    chat_presence,
    presence_subscription,
    presence_update,
    read_receipts,
)

__all__ = ["mark_read", "send_chat_presence", "send_presence", "subscribe_presence"]

Send = Callable[[Node], Awaitable[None]]


def _logged_in(state: DeviceState | None) -> DeviceState:
    if state is None or state.pn is None:
        raise NotConnected("this device has not paired yet")
    return state


async def mark_read(send: Send, messages: Iterable[Message], *, now: int) -> int:
    """Send the read receipts of `messages`; returns how many receipts went."""
    receipts = read_receipts(messages, now=now)
    for receipt in receipts:
        await send(receipt)
    return len(receipts)


async def send_presence(send: Send, kind: PresenceKind | str, name: str) -> None:
    """Tell the server we are online or offline (`name`: our push name)."""
    if not name:
        raise ClientError("no push name to show: give the Client a push_name")
    await send(presence_update(kind, name))


async def send_chat_presence(
    send: Send, state: DeviceState | None, chat: Jid, chat_state: ChatState | str
) -> None:
    """Say we are typing, recording or paused in `chat`."""
    paired = _logged_in(state)
    own = paired.lid if chat.is_lid and paired.lid is not None else paired.pn
    assert own is not None
    await send(chat_presence(own, chat, chat_state))


async def subscribe_presence(send: Send, jid: Jid) -> None:
    """Ask to be told when `jid` comes online or goes offline (as `Presence` events)."""
    await send(presence_subscription(jid))
