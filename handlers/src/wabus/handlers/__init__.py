"""wabus handler plugins: async channels and structured logging (dialects, the socket.io
gateway and the NATS bridge join them in their own modules).

- `wabus.handlers.dialects`: the core events under Wechaty's, Baileys' and LiveChat's names
  and argument shapes (`WechatyDialect`, `BaileysDialect`, `LiveChatDialect`; attach one with
  `dialect(bot, "wechaty")`).
- `wabus.handlers.gateway`: `EventGateway`, the socket.io gateway that serves the events, in
  the Baileys dialect, to clients in any language (extra ``wabus-handlers[gateway]``).
- `wabus.handlers.nats`: the NATS JetStream bridge: `NatsPublisher` (events to a durable
  stream) and `NatsSource` (a consumer that worker processes share, feeding their buses);
  ``wabus bridge`` and ``wabus worker`` run them (extra ``wabus-handlers[nats]``; its names
  live there only, so that importing this package never needs nats-py).

Plugins are also registered under the ``wabus.handlers`` entry-point group, so
``Bot.builder().with_plugin("logging")`` finds them by name (likewise ``wechaty``,
``baileys``, ``livechat`` and ``gateway``).
"""

from wabus.core import publicize
from wabus.handlers.channel import ChannelEventHandler
from wabus.handlers.dialects import (
    DIALECTS,
    BaileysDialect,
    Dialect,
    DialectError,
    LiveChatDialect,
    UnknownDialect,
    UnknownEventName,
    WechatyDialect,
    dialect,
)
from wabus.handlers.gateway import EventGateway, GatewayConfig, GatewayError, GatewayStats
from wabus.handlers.logging import LoggingHandler, summarise

__all__ = [
    "DIALECTS",
    "BaileysDialect",
    "ChannelEventHandler",
    "Dialect",
    "DialectError",
    "EventGateway",
    "GatewayConfig",
    "GatewayError",
    "GatewayStats",
    "LiveChatDialect",
    "LoggingHandler",
    "UnknownDialect",
    "UnknownEventName",
    "WechatyDialect",
    "dialect",
    "summarise",
]

publicize(globals())
