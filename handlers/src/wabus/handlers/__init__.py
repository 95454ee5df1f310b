"""wabus handler plugins: async channels and structured logging (dialects, the socket.io
gateway and the NATS bridge join them in their own modules).

Plugins are also registered under the ``wabus.handlers`` entry-point group, so
``Bot.builder().with_plugin("logging")`` finds them by name.
"""

from wabus.handlers.channel import ChannelEventHandler
from wabus.handlers.logging import LoggingHandler, summarise

__all__ = ["ChannelEventHandler", "LoggingHandler", "summarise"]
