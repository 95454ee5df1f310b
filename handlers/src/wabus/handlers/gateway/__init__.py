"""The socket.io event gateway: the bus's events to clients in any language.

::

    from wabus.handlers.gateway import EventGateway, GatewayConfig

    gateway = EventGateway(GatewayConfig.from_env(port=3000))   # tokens from WABUS_GATEWAY_TOKEN
    bot = Bot.builder().with_handler(gateway).with_source(gateway).with_source(client).build()
    await bot.run()

A client, in JavaScript (``socket.io-client``) or Python (``python-socketio``)::

    const socket = io('http://localhost:3000/api/events', { auth: { token: 'your-api-key' } });
    socket.emit('subscribe', ['messages.upsert', 'connection.update'], (ack) => console.log(ack));
    socket.on('messages.upsert', (data) => console.log(data.messages[0].key.remoteJid));

The protocol, as the gateway convention has it (and ``wabus gateway`` serves):

- socket.io at namespace ``/api/events`` (engine.io path ``/socket.io/``), python-socketio's
  ``AsyncServer`` as an ASGI app in uvicorn; the same API on ``/`` too, where python-socketio
  connects when given ``http://host:3000/api/events`` (it takes no namespace from the path);
- ``auth: {token}`` at connect (or ``Authorization: Bearer``); a missing or wrong token is
  refused with a reason (the client's ``connect_error``);
- ``subscribe`` / ``unsubscribe`` with a list of names: the Baileys dialect's vocabulary plus
  ``auth.qr`` and ``auth.pairing-code`` (`GATEWAY_EVENTS`); the acknowledgement is
  ``{ok: true, subscribed: [...]}``, or ``{ok: false, error, unknown, valid}`` for unknown
  names (also sent as a ``gateway.error`` event);
- each event a client subscribed to arrives under its Baileys name with the Baileys dialect's
  payload, as JSON (bytes as base64);
- on ``subscribe``, before any later event, the current state of the `REPLAYED_EVENTS` among
  the names: the connection's state (``connection.update``, merged), the credentials
  (``creds.update``, merged), and the QR code or pairing code on show (``auth.qr``,
  ``auth.pairing-code``), so a client that comes late still sees the pairing, or that it
  happened (`EventGateway.current_state`);
- a bounded queue per client: a client that falls `GatewayConfig.queue_size` events behind is
  told why (``gateway.error``), disconnected and counted, and nobody else waits for it;
- ``sendMessage``, when the gateway was given the bot's client (``EventGateway(config,
  client=client)``): Baileys' ``sendMessage(jid, content, options)`` for text (mentions,
  replies, edits), reactions, revokes and locations, acknowledged with ``{ok: true, id,
  timestamp, key}`` or a typed error ``{ok: false, error, reason, field?}`` (`SEND_ERRORS`);
  without a client every request is answered with ``no_client``;
- ``GET /health`` answers with the counters (`GatewayStats`) while the gateway runs;
- a web page at ``/``, behind the same token (``/?token=…`` or its form set an HttpOnly
  cookie; 401 without): the pairing QR code, live as it rotates, the connection state and a
  tail of events filtered by kind, so a person can pair an account from a browser. Its
  files are package data (``page/``); its script speaks socket.io over a plain WebSocket.

Needs the extra ``wabus-handlers[gateway]`` to serve (python-socketio, uvicorn) and the
asyncio backend. `wabus.handlers.gateway.testing` has a small client for tests.
"""

from wabus.core import publicize
from wabus.handlers.gateway._config import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ENV_HOST,
    ENV_PORT,
    ENV_TOKEN,
    NAMESPACE,
    GatewayConfig,
    GatewayConfigError,
    GatewayError,
)
from wabus.handlers.gateway._replay import REPLAYED_EVENTS
from wabus.handlers.gateway._send import (
    SEND_ERRORS,
    SEND_EVENT,
    SendRequestError,
    build_content,
)
from wabus.handlers.gateway._server import (
    CONTROL_EVENT,
    GATEWAY_EVENTS,
    EventGateway,
    GatewayStats,
)

__all__ = [
    "CONTROL_EVENT",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ENV_HOST",
    "ENV_PORT",
    "ENV_TOKEN",
    "GATEWAY_EVENTS",
    "NAMESPACE",
    "REPLAYED_EVENTS",
    "SEND_ERRORS",
    "SEND_EVENT",
    "EventGateway",
    "GatewayConfig",
    "GatewayConfigError",
    "GatewayError",
    "GatewayStats",
    "SendRequestError",
    "build_content",
]

publicize(globals())
