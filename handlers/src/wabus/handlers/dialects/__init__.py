"""Dialects: the core events under Wechaty's, Baileys' and LiveChat's names and shapes.

People arrive with code and habits from other ecosystems. A dialect re-emits the typed core
events in one of those vocabularies, as a handler plugin::

    wechaty = bot.dialect("wechaty")             # or Bot.builder().with_plugin("wechaty")
    wechaty.on("scan", lambda qrcode, status: print(status.name, qrcode))

    baileys = bot.dialect("baileys")
    baileys.on("messages.upsert", lambda data: print(data["messages"][0]["key"]))

    livechat = bot.dialect("livechat")
    livechat.on("incoming_event", lambda payload: print(payload["event"]["type"]))

`Bot.dialect` finds them through the ``wabus.dialects`` entry points; `dialect(bot_or_bus,
name)` is the same with precise return types (and works on a bare `CoreEventBus` too).

- `wechaty` (`WechatyDialect`): positional arguments (``room-join(room, invitees, inviter,
  date)``), payload objects with Wechaty's accessors (``talker().name()``, ``await
  room.topic()``); its periodic ``heartbeat`` runs inside ``async with wechaty.running():``
  or with the dialect as a bot's source. Given a client (``bot.dialect("wechaty",
  client=client)``) it answers: ``await message.say(text)``, ``await room.say(text)``,
  ``await room.topic(new)``; without one it only listens, and those raise `NoClient`.
- `baileys` (`BaileysDialect`): one JSON-shaped payload per event, the shapes of
  ``BaileysEventMap``; the socket.io gateway sends exactly these.
- `livechat` (`LiveChatDialect`): one payload per event, the Customer SDK 4 names, with the
  older names of the seed as aliases; where the seed and the SDK disagree on a payload,
  ``shape="seed"`` (the default) or ``shape="sdk"`` picks one.

The seeds' own snippets run against these dialects in ``tests/seeds``.

Every dialect checks names (`UnknownEventName` lists the valid ones), documents the names
that have no WhatsApp equivalent (`EventSpec.unmapped`: listening to them is fine, they never
fire), keeps the state its vocabulary needs (our own id, login and ready latches, previous
group subjects, reconnect pairing) and lets every payload reach the core event it came from
(``payload.core``, or `current_event()`). ``'*'`` receives every dialect event and ``'core'``
every core event. How a dialect is built from its table is described in
`wabus.handlers.dialects._base`.
"""

from wabus.core import publicize
from wabus.handlers.dialects._actions import (
    ChatClient,
    GroupActions,
    GroupFacts,
    NoClient,
    SendReceipt,
)
from wabus.handlers.dialects._base import (
    ALL,
    CORE,
    Args,
    Dialect,
    DialectEvent,
    DialectListener,
    EventSpec,
    Rule,
    SessionState,
    current_event,
    hook_for,
    rule,
)
from wabus.handlers.dialects._errors import (
    DeliveryError,
    DialectDefinitionError,
    DialectError,
    InvalidListener,
    ListenerError,
    ProjectionError,
    UnknownDialect,
    UnknownEventName,
)
from wabus.handlers.dialects._payloads import CoreDict, CoreList, CoreStr
from wabus.handlers.dialects._registry import DIALECTS, dialect
from wabus.handlers.dialects.baileys import BaileysDialect, BaileysListener
from wabus.handlers.dialects.livechat import LiveChatDialect, LiveChatListener
from wabus.handlers.dialects.wechaty import WechatyDialect, WechatyListener

__all__ = [
    "ALL",
    "CORE",
    "DIALECTS",
    "Args",
    "BaileysDialect",
    "BaileysListener",
    "ChatClient",
    "CoreDict",
    "CoreList",
    "CoreStr",
    "DeliveryError",
    "Dialect",
    "DialectDefinitionError",
    "DialectError",
    "DialectEvent",
    "DialectListener",
    "EventSpec",
    "GroupActions",
    "GroupFacts",
    "InvalidListener",
    "ListenerError",
    "LiveChatDialect",
    "LiveChatListener",
    "NoClient",
    "ProjectionError",
    "Rule",
    "SendReceipt",
    "SessionState",
    "UnknownDialect",
    "UnknownEventName",
    "WechatyDialect",
    "WechatyListener",
    "current_event",
    "dialect",
    "hook_for",
    "rule",
]

publicize(globals())
