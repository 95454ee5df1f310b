"""wabus client: a live WhatsApp Web connection, driven by anyio over the sans-IO protocol.

- `Client`: connects (WebSocket, Noise, login or pairing), keeps the connection alive and
  reconnects, routes every stanza into events, and sends stanzas. It is a `Source`:
  ``Bot.builder().with_source(Client(store))``.
- `Store`, `SqliteStore`, `PostgresStore`, `MemoryStore`, `DeviceState`: where the device's keys
  and identity live between runs (`PostgresDatabase`: one connection for many accounts' stores;
  `open_store` opens ``sqlite:PATH`` or ``postgresql://``; `StoreSnapshot` is one device's
  whole state, which ``wabus store migrate`` copies);
  `SignalState` (`SqliteSignalState`, `PostgresSignalState`, `MemorySignalState`): its
  end-to-end sessions, prekeys and sender keys; `AppState` (`AppStateStore.load_app_state`,
  `save_app_state`): the app-state collections' states and sync keys. Failures are
  `StoreError`s: `StoreLocked`, `StoreUnavailable`, `StoreSchemaTooNew`, `StoreConfigError`.
  `send_message` returns a `SendResult`.
- `MediaClient` (`Client.media`): the media servers (``media_conn``; `upload` streams a file
  encrypted to them and returns an `UploadedMedia`; `download_to`/`iter_download` stream one
  back, checked and decrypted); `DownloadFailed`, `UploadFailed`. `Client.download(message,
  to=...)` downloads a received message's media and, when the file expired, has the phone
  upload it again (`Client.request_media_retry`; `MediaRetryFailed` with the status when it
  cannot). Media bodies: `image`,
  `video`, `audio` (voice notes too), `document`, `sticker`; `media_of` finds the media of a
  received body.
- Message bodies for `send_message` (`wabus.client._content`): `text` (mentions, a
  `LinkPreview`), `reply`, `reaction`, `remove_reaction`, `edit`, `revoke`, `forward`,
  `location`, `contact_card` (`vcard`), `poll`, `poll_vote`; `MessageRef` names the message
  one points at; `ContentError` for what WhatsApp cannot carry. `Polls` reads the votes cast in
  known polls (`PollVoteResult`); `PollVotes` publishes them as `PollVote` events.
- Actions: `Client.mark_read`, `send_presence`, `send_chat_presence`, `subscribe_presence`;
  `Client.groups` (`Groups`: create, info, participants, settings, invites, requests) and
  `Client.contacts` (`Contacts`: `OnWhatsApp`, `UserStatus`, LIDs, `ProfilePicture`,
  `BusinessProfile`, blocking). A refusal is a `ServerRefused` (`GroupError`,
  `ContactError`) with the server's code.
- Many accounts: `AccountPool` runs many clients on one event loop, feeding one bus (or a bus
  each), each event stamped with its account; `add`/`remove` at run time, an `AccountInfo`
  (`AccountState`) per account. `FleetMember` is one process of a fleet sharing accounts over
  PostgreSQL: each account connected by exactly one member, through its store's advisory lock,
  balanced by `assign_accounts`, taken over when a member dies (`FleetStatus`, `FleetError`;
  `read_accounts` parses an accounts file).
- `connect_websocket`, `accept_websocket`, `WebSocket`: the WebSocket layer (wsproto over anyio),
  also used by the simulator.
"""

from wabus.client._appsync import AppStateSendFailed
from wabus.client._client import WHATSAPP_URL, Client, new_message_id
from wabus.client._contacts import (
    BusinessProfile,
    Contacts,
    LidMap,
    OnWhatsApp,
    ProfilePicture,
    UserStatus,
)
from wabus.client._content import (
    ContentError,
    LinkPreview,
    MessageRef,
    contact_card,
    edit,
    forward,
    location,
    poll,
    poll_vote,
    reaction,
    remove_reaction,
    reply,
    revoke,
    text,
    vcard,
)
from wabus.client._e2e import SendResult
from wabus.client._errors import (
    ClientError,
    ContactError,
    GroupError,
    NotConnected,
    RequestTimeout,
    SendFailed,
    ServerRefused,
)
from wabus.client._fleet import FleetError, FleetMember, FleetStatus, assign_accounts, read_accounts
from wabus.client._groups import Groups
from wabus.client._media import (
    DownloadFailed,
    MediaClient,
    MediaRetryFailed,
    UploadedMedia,
    UploadFailed,
    audio,
    document,
    image,
    media_of,
    sticker,
    video,
)
from wabus.client._pgstore import PostgresDatabase, PostgresSignalState, PostgresStore
from wabus.client._polls import Polls, PollVoteResult, PollVotes
from wabus.client._pool import AccountInfo, AccountPool, AccountState, PoolError
from wabus.client._signal_state import MemorySignalState, SignalState, SqliteSignalState
from wabus.client._store import (
    AppState,
    AppStateStore,
    DeviceState,
    MemoryStore,
    PortableStore,
    SqliteStore,
    Store,
    StoreConfigError,
    StoreError,
    StoreLocked,
    StoreSchemaTooNew,
    StoreSnapshot,
    StoreUnavailable,
    open_store,
)
from wabus.client._websocket import (
    ConnectionClosed,
    WebSocket,
    accept_websocket,
    connect_websocket,
)
from wabus.core import publicize

__all__ = [
    "WHATSAPP_URL",
    "AccountInfo",
    "AccountPool",
    "AccountState",
    "AppState",
    "AppStateSendFailed",
    "AppStateStore",
    "BusinessProfile",
    "Client",
    "ClientError",
    "ConnectionClosed",
    "ContactError",
    "Contacts",
    "ContentError",
    "DeviceState",
    "DownloadFailed",
    "FleetError",
    "FleetMember",
    "FleetStatus",
    "GroupError",
    "Groups",
    "LidMap",
    "LinkPreview",
    "MediaClient",
    "MediaRetryFailed",
    "MemorySignalState",
    "MemoryStore",
    "MessageRef",
    "NotConnected",
    "OnWhatsApp",
    "PollVoteResult",
    "PollVotes",
    "Polls",
    "PoolError",
    "PortableStore",
    "PostgresDatabase",
    "PostgresSignalState",
    "PostgresStore",
    "ProfilePicture",
    "RequestTimeout",
    "SendFailed",
    "SendResult",
    "ServerRefused",
    "SignalState",
    "SqliteSignalState",
    "SqliteStore",
    "Store",
    "StoreConfigError",
    "StoreError",
    "StoreLocked",
    "StoreSchemaTooNew",
    "StoreSnapshot",
    "StoreUnavailable",
    "UploadFailed",
    "UploadedMedia",
    "UserStatus",
    "WebSocket",
    "accept_websocket",
    "assign_accounts",
    "audio",
    "connect_websocket",
    "contact_card",
    "document",
    "edit",
    "forward",
    "image",
    "location",
    "media_of",
    "new_message_id",
    "open_store",
    "poll",
    "poll_vote",
    "reaction",
    "read_accounts",
    "remove_reaction",
    "reply",
    "revoke",
    "sticker",
    "text",
    "vcard",
    "video",
]

publicize(globals())
