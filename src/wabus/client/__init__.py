"""wabus client: a live WhatsApp Web connection, driven by anyio over the sans-IO protocol.

- `Client`: connects (WebSocket, Noise, login or pairing), keeps the connection alive and
  reconnects, routes every stanza into events, and sends stanzas. It is a `Source`:
  ``Bot.builder().with_source(Client(store))``.
- `Store`, `SqliteStore`, `MemoryStore`, `DeviceState`: where the device's keys and identity
  live between runs; `SignalState` (`SqliteSignalState`, `MemorySignalState`): its end-to-end
  sessions, prekeys and sender keys. `send_message` returns a `SendResult`.
- `MediaClient`: the media servers (``media_conn``, downloads checked and decrypted);
  `DownloadFailed` when no host gives a file.
- `connect_websocket`, `accept_websocket`, `WebSocket`: the WebSocket layer (wsproto over anyio),
  also used by the simulator.
"""

from wabus.client._client import WHATSAPP_URL, Client, new_message_id
from wabus.client._e2e import SendResult
from wabus.client._errors import ClientError, NotConnected, RequestTimeout, SendFailed
from wabus.client._media import DownloadFailed, MediaClient
from wabus.client._signal_state import MemorySignalState, SignalState, SqliteSignalState
from wabus.client._store import (
    DeviceState,
    MemoryStore,
    SqliteStore,
    Store,
    StoreError,
    StoreLocked,
)
from wabus.client._websocket import (
    ConnectionClosed,
    WebSocket,
    accept_websocket,
    connect_websocket,
)

__all__ = [
    "WHATSAPP_URL",
    "Client",
    "ClientError",
    "ConnectionClosed",
    "DeviceState",
    "DownloadFailed",
    "MediaClient",
    "MemorySignalState",
    "MemoryStore",
    "NotConnected",
    "RequestTimeout",
    "SendFailed",
    "SendResult",
    "SignalState",
    "SqliteSignalState",
    "SqliteStore",
    "Store",
    "StoreError",
    "StoreLocked",
    "WebSocket",
    "accept_websocket",
    "connect_websocket",
    "new_message_id",
]
