"""wabus core: typed events, the thread-safe `CoreEventBus`, `EventHandler` and `Bot`.

The event classes live in `wabus.core.events`, composable filters in `wabus.core.filters`,
and test helpers (`EventRecorder`, `ScriptedSource`) in `wabus.core.testing`.

`event_classes` turns what a subscription takes (a class, a base, a union, a tuple, `Event`)
into a tuple of event classes; handlers that subscribe by type at run time use it, and
`CallbackHandler` is the base of those that take a set of kinds through one callback.
"""

from wabus.core._blocking import in_thread
from wabus.core._bot import (
    DIALECT_GROUP,
    PLUGIN_GROUP,
    Bot,
    BotBuilder,
    Source,
    available_dialects,
    available_plugins,
)
from wabus.core._bus import CoreEventBus, ErrorHook, Subscription
from wabus.core._errors import (
    BotConfigError,
    BusError,
    BusNotRunning,
    HandlerFailure,
    HandlersFailed,
    HookDefinitionError,
    InvalidJid,
    NodeAttributeError,
    NodeError,
    QueueFull,
    WabusError,
)
from wabus.core._handler import HOOKS, CallbackHandler, EventHandler, hook_name
from wabus.core._jid import SERVERS, Jid, Server
from wabus.core._node import AttrValue, Content, Node
from wabus.core._policy import DEFAULT_QUEUE_SIZE, DEFAULT_SLOW_HANDLER_THRESHOLD, Overflow
from wabus.core._public import publicize
from wabus.core._subscribing import EventFilter, event_classes
from wabus.core.events import BaseEvent, Event

__all__ = [
    "DEFAULT_QUEUE_SIZE",
    "DEFAULT_SLOW_HANDLER_THRESHOLD",
    "DIALECT_GROUP",
    "HOOKS",
    "PLUGIN_GROUP",
    "SERVERS",
    "AttrValue",
    "BaseEvent",
    "Bot",
    "BotBuilder",
    "BotConfigError",
    "BusError",
    "BusNotRunning",
    "CallbackHandler",
    "Content",
    "CoreEventBus",
    "ErrorHook",
    "Event",
    "EventFilter",
    "EventHandler",
    "HandlerFailure",
    "HandlersFailed",
    "HookDefinitionError",
    "InvalidJid",
    "Jid",
    "Node",
    "NodeAttributeError",
    "NodeError",
    "Overflow",
    "QueueFull",
    "Server",
    "Source",
    "Subscription",
    "WabusError",
    "available_dialects",
    "available_plugins",
    "event_classes",
    "hook_name",
    "in_thread",
    "publicize",
]

publicize(globals())
