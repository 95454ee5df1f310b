"""`Client`: a live WhatsApp Web companion connection, as an event `Source`.

Theory of operation
-------------------

`run(bus)` loops over connections until it is stopped or the session ends for good. Each
connection:

1. opens the WebSocket (``wss://`` with TLS, or ``ws://`` for the simulator);
2. runs the Noise XX handshake: the connection intro and ClientHello, the server's hello (its
   certificate chain checked against the trusted roots), then ClientFinish carrying either the
   registration payload (a new device) or the login payload (a paired one);
3. runs its tasks until the connection ends:

   - the *reader* takes frames off the socket as they come (frames → Noise → nodes → the
     `Router`), and does at once everything the protocol needs without waiting for any
     handler: it matches replies to requests, answers the server's pings, signs a pairing
     back, saves what the store must keep. It then queues the stanza with its events for the
     dispatcher;
   - the *dispatcher* delivers the queued events in arrival order (``await bus.publish``) and,
     once every handler has finished with a stanza's events, acknowledges the stanza;
   - the *keepalive* pings about every `keepalive_interval` (each wait drawn within
     `keepalive_jitter` of it, so that accounts that connected together do not ping in
     step); a missed pong publishes
     `KeepAliveTimeout`, the next answered one `KeepAliveRestored`, and too many misses drop
     the connection;
   - the *writer* writes queued acks in bursts; and, while pairing, the QR pacer shows one
     `PairingQrCode` at a time (60 s for the first, 20 s for each next).

Slow handlers never cost the connection. The queue between reader and dispatcher holds at
most `max_backlog` stanzas; when handlers fall that far behind, the reader stops taking frames
off the socket (TCP then holds the server back) until the dispatcher catches up. While the
reader waits, pongs sit unread in the socket, so the keepalive does not count a miss then; nor
when any frame arrived during its wait. The connection is declared dead only for the
transport's reasons: no frame at all in reply to a ping, a close, a corrupt frame.

When a stanza is acknowledged, and what a crash at each point loses: the ack is sent after the
handlers have finished with every event of the stanza. A crash (or a dropped connection)
before that means the server still holds the stanza and delivers it again on the next
connection, so handlers see every message, receipt, notification and call at least once
(maybe twice after a crash). Nothing acknowledged is dropped: by the time the ack is written,
its handlers are done. Stanzas without an id (presence, chat state, ``<ib>``) are never
acknowledged on the protocol: those still queued when the process dies are lost. When a
connection ends, the dispatcher first delivers everything already read (and acks what it
can), then `Disconnected` is published.

The connection ends in one of three ways: *restart* at once (the server asks for it after
pairing, stream error 515), *retry* after a backoff (a drop, a corrupt frame, a server error:
`Disconnected` is published), or *stop* (logged out, replaced, banned, an outdated client, or
a certificate that does not verify: those end `run`). What handlers ask (`send_node`,
`send_text`) is encoded → encrypted → framed → queued with no await between, so frames are
queued in the order of their Noise counters without a lock; the WebSocket then writes its
queue in order.

Bad data is contained at the smallest unit that can be recovered. A frame that fails Noise
decryption, or a broken frame stream, ends the connection (the cipher counters can no longer
agree): `Disconnected` is published and the client reconnects. A frame that decrypts but
holds an undecodable node, and a stanza whose handling raises anything at all, is published as
`MalformedStanza` (with the error's type and message), logged once, acknowledged, and the next
stanza is read.

Messages are end-to-end encrypted both ways (`wabus.client._e2e`): `send_message` encrypts
for every device of the chat and of our own account; what arrives is decrypted in arrival
order, and the ratchet's changes are committed before the stanza is acknowledged.

History sync: the phone's notification arrives in a decrypted message from our own account.
An inline blob becomes its `HistorySync` at once (in the router); a blob on the media servers
is downloaded (`MediaClient`: the hosts from ``media_conn``) by a task of its own while the
reader goes on, and the dispatcher, which keeps arrival order, waits for it in that stanza's
place: handlers get the `HistorySync` (or, if the download fails, the `Message` as it came),
then the stanza is acknowledged and a ``hist_sync`` receipt sent. A crash before that means
the server delivers the notification again.

App-state sync (`wabus.client._appsync`): the phone's key share (a decrypted message from our
own account) is stored and consumed; the collections are synced by a task at each login and
on each ``server_sync`` notification, their verified mutations published as `PinUpdate`,
`MuteUpdate`, … events (straight to the bus: they come from IQ answers, not stanzas to
acknowledge). `pin`, `mute`, `archive`, `star`, `mark_chat_read` and `delete_chat` send our
own patches.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Protocol, final

import anyio
import anyio.abc
import structlog
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from wabus.client import _pair_code, _presence
from wabus.client._appsync import AppSync, key_share_of
from wabus.client._contacts import Contacts, LidMap
from wabus.client._e2e import E2E, E2EError, SendResult
from wabus.client._errors import ClientError, NotConnected, RequestTimeout, SendFailed
from wabus.client._groups import Groups
from wabus.client._media import (
    DownloadFailed,
    MediaClient,
    MediaRetryFailed,
    media_of,
    with_direct_path,
)
from wabus.client._store import DeviceState, Store
from wabus.client._websocket import ConnectionClosed, WebSocket, connect_websocket
from wabus.core import BaseEvent, CoreEventBus, HandlerFailure, Jid, Node, Server
from wabus.core.events import (
    Connected,
    DeviceListUpdate,
    DirtyNotice,
    Disconnected,
    GroupInfoUpdate,
    IdentityChange,
    KeepAliveRestored,
    KeepAliveTimeout,
    LoggedOut,
    Message,
    MessageSource,
    Notification,
    PairingCode,
    PairingQrCode,
    PairSuccess,
    Receipt,
    ReceiptType,
    UndecryptableMessage,
)
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.proto.syncd_pb2 import ExternalBlobReference
from wabus.protocol import (
    COLLECTIONS,
    MAX_FRAME_SIZE,
    PAIR_CODE_LIFETIME,
    PAIR_CODE_NOTIFICATION,
    WHATSAPP_ROOT,
    AdvVerifier,
    AppStateAction,
    AppStateError,
    AppStateKey,
    CertificateInvalid,
    CertificateVerifier,
    ChatState,
    ClientVersion,
    Connection,
    ConnectionEvent,
    Decryptor,
    HandshakeComplete,
    HistoryDownloader,
    MediaRetryError,
    MediaRetryResult,
    MediaRetryStatus,
    MediaType,
    Outcome,
    PairCodeCompanion,
    PairCodeError,
    PresenceKind,
    ReplyReceived,
    Router,
    SessionEnded,
    StanzaReceived,
    TrustedRoot,
    WireError,
    archive_chat,
    clean_dirty_bits,
    history_sync_event,
    login_payload,
    malformed_stanza,
    media_retry_receipt,
    mute_chat,
    parse_media_retry_notification,
    parse_server_sync,
    peek_history_notification,
    phone_number_jid,
    pin_chat,
    registration_payload,
    star_message,
    utc_now,
)
from wabus.protocol import delete_chat as app_state_delete_chat
from wabus.protocol import mark_chat_read as app_state_mark_chat_read

__all__ = [
    "WHATSAPP_URL",
    "Client",
    "ClientError",
    "NotConnected",
    "RequestTimeout",
    "SendFailed",
    "SendResult",
]

WHATSAPP_URL: Final = "wss://web.whatsapp.com/ws/chat"
"""WhatsApp Web's WebSocket endpoint."""

SERVER: Final = Jid("", Server.USER)
_log = structlog.get_logger("wabus.client")
SIGNED_PREKEY_LIFETIME: Final = 7 * 86400.0
"""How long a signed prekey is published before a new one replaces it (a week)."""
_TAKEN_NOTIFICATIONS: Final = frozenset({"encrypt", "server_sync", PAIR_CODE_NOTIFICATION})
_DEFAULT_VERSION: Final = ClientVersion()


class _Bus(Protocol):
    """What the client needs of a bus: publishing (a `CoreEventBus`, or `_AccountBus`)."""

    async def publish(self, event: BaseEvent) -> tuple[HandlerFailure, ...]: ...


@final
class _AccountBus:
    """A bus that stamps each event with the client's account before publishing it."""

    __slots__ = ("_account", "_bus")

    def __init__(self, bus: CoreEventBus, account: str) -> None:
        self._bus = bus
        self._account = account

    async def publish(self, event: BaseEvent) -> tuple[HandlerFailure, ...]:
        return await self._bus.publish(event.stamp_account(self._account))


class _EndConnection(Exception):  # a control-flow signal inside a session
    def __init__(self, outcome: Outcome, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason


async def _first(*events: anyio.Event) -> None:
    """Wait until any of `events` is set."""
    async with anyio.create_task_group() as group:

        async def wait(event: anyio.Event) -> None:
            await event.wait()
            group.cancel_scope.cancel()

        for event in events:
            group.start_soon(wait, event)


def new_message_id() -> str:
    """A message id in WhatsApp Web's style: ``3EB0`` and 16 random hex digits."""
    return "3EB0" + secrets.token_hex(8).upper()


DEFAULT_MAX_BACKLOG: Final = 1024
"""How many read stanzas may wait for handlers before the client stops reading the socket."""

# Events the client acts on itself before handlers see them (see `Client._take`).
_SPECIAL: Final = frozenset(
    {
        PairingQrCode,
        PairSuccess,
        LoggedOut,
        Connected,
        UndecryptableMessage,
        Receipt,
        DeviceListUpdate,
        GroupInfoUpdate,
        DirtyNotice,
    }
)

# The dispatcher lets acks go out at least this often while it has more to deliver.
_ACKS_PER_WRITE: Final = 64


# What the reader hands the dispatcher: the stanza to acknowledge once its events are handled
# (None when there is nothing to acknowledge), and the events.
@dataclass(eq=False)
class _Later:
    """Events that are still being made (a history blob being downloaded), in their
    stanza's place in the dispatcher's queue."""

    original: Message
    """The message as it came (delivered as it is if the download fails)."""
    done: anyio.Event = field(default_factory=anyio.Event)
    events: list[BaseEvent] = field(default_factory=list)
    receipt: Node | None = None
    """Sent once the events are handled (the ``hist_sync`` receipt)."""


_Delivery = tuple[Node | None, list["BaseEvent | _Later"]]


@dataclass(frozen=True)
class _Fetched:
    """A `HistoryDownloader` for a blob already downloaded (the router's protocol is sync)."""

    data: bytes

    def download(self, direct_path: str) -> bytes:
        return self.data


@dataclass
class _Session:
    """One connection's moving parts: the socket, the sans-IO `Connection`, and the waits."""

    ws: WebSocket
    conn: Connection
    flush_soon: anyio.Event = field(default_factory=anyio.Event)
    waiters: dict[str, tuple[anyio.Event, list[Node]]] = field(default_factory=dict)
    paired_now: anyio.Event = field(default_factory=anyio.Event)
    reader: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    stalls: int = 0
    """How often the reader has had to wait for handlers to catch up."""
    stalled: bool = False
    """Whether the reader waits for handlers right now (so the socket is not read)."""
    backlog: MemoryObjectSendStream[_Delivery] | None = None
    commit_soon: anyio.Event = field(default_factory=anyio.Event)
    sent: dict[str, tuple[anyio.Event, list[Node]]] = field(default_factory=dict)
    """Messages we sent that wait for the server's ack, by id."""
    media_retries: dict[str, tuple[anyio.Event, list[Node]]] = field(default_factory=dict)
    """Media retry requests that wait for the phone's ``mediaretry`` notification, by id."""
    resend: list[Node] = field(default_factory=list)
    """Retry receipts for messages we sent, to answer (by the committer task)."""
    after_commit: list[Node] = field(default_factory=list)
    """Stanzas that may leave only once the state they name is stored (retry receipts with a
    new prekey), sent by the committer after its next commit."""
    offered: bool = False
    """Whether the server offered pairing (sent QR refs) on this connection."""
    pair_code: PairCodeCompanion | None = None
    """A pair-code login under way on this connection."""
    code_started: anyio.Event = field(default_factory=anyio.Event)

    def push(self) -> int:
        """Move what the connection queued into the WebSocket's outbox (no await: frames keep
        the order of their Noise counters); returns how many messages."""
        out = self.conn.data_to_send()
        for data in out:
            self.ws.send_nowait(data)
        return len(out)


class Client:
    """A WhatsApp Web companion client; give it to `Bot.builder().with_source(...)`.

    `store` keeps the device between runs. `url` and `trusted_roots` say where to connect
    and which certificate roots to trust (WhatsApp's by default; the simulator's for tests).
    `max_backlog` bounds how many read stanzas may wait for handlers before the client stops
    reading the socket (see the module doc: slow handlers hold the server back, they never
    cost the connection or an event). With `phone_number` a new device links by pairing code
    instead of QR code (see `pair_phone`), on every connection that pairs. At each login the
    signed prekey is replaced once it is `signed_prekey_lifetime` seconds old. `media_ssl`
    makes media ``https://`` verified with that context (the simulator's, with ``media_tls``).
    With `account` every event it publishes names that account (`BaseEvent.account`), so that
    the clients of many accounts can feed one bus (see `AccountPool`).

    Many accounts in one process: run a `Client` per account, each with its own store (a
    `SqliteStore` file each, or a `PostgresStore` account each), in one task group on one
    event loop (`AccountPool` does this, with accounts added and removed at run time),
    publishing into one bus or a bus each. An idle connected account has no thread
    of its own: its connection's tasks (reader, dispatcher, writer, committer, keepalive) wait
    on the socket or a timer, and its blocking store work takes turns on anyio's worker threads
    (40 by default, shared by every account). The keepalive is a sleep, one ping per
    `keepalive_interval`; nothing polls. Measured by ``benches/bench_accounts.py`` (1,000
    accounts with a SQLite file each, the simulator in another process): 0.42 to 0.48 MB of
    RSS per idle account (its one SQLite connection is about 0.17 MB of that) and about 2% of
    one core for all their keepalives at the default 20 s. Each account holds a socket and its
    store's files (about five descriptors with SQLite): raise the open-files limit to match.
    """

    def __init__(
        self,
        store: Store,
        *,
        url: str = WHATSAPP_URL,
        trusted_roots: Iterable[TrustedRoot] = (WHATSAPP_ROOT,),
        ssl_context: ssl.SSLContext | None = None,
        media_ssl: ssl.SSLContext | None = None,
        push_name: str = "",
        version: ClientVersion = _DEFAULT_VERSION,
        keepalive_interval: float = 20.0,
        keepalive_timeout: float = 10.0,
        keepalive_misses: int = 3,
        keepalive_jitter: float = 0.2,
        reconnect_delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0),
        request_timeout: float = 30.0,
        max_frame_size: int = MAX_FRAME_SIZE,
        max_backlog: int = DEFAULT_MAX_BACKLOG,
        decryptor: Decryptor | None = None,
        history_downloader: HistoryDownloader | None = None,
        phone_number: str | None = None,
        signed_prekey_lifetime: float = SIGNED_PREKEY_LIFETIME,
        clock: Callable[[], datetime] = utc_now,
        account: str | None = None,
    ) -> None:
        if account is not None and (not isinstance(account, str) or not account):
            raise ValueError(f"account must be a non-empty name or None, got {account!r}")
        self.account = account
        """The name stamped on every event this client publishes (`BaseEvent.account`);
        None: events name no account."""
        self._phone = phone_number_jid(phone_number) if phone_number is not None else None
        self._store = store
        self._lid_map = LidMap()  # what the stanzas and usync answers say of LIDs (Contacts)
        self.url = url
        self._roots = tuple(trusted_roots)
        self._ssl = ssl_context
        self._push_name = push_name
        self._version = version
        self.keepalive_interval = keepalive_interval
        self.keepalive_timeout = keepalive_timeout
        self.keepalive_misses = keepalive_misses
        if not isinstance(keepalive_jitter, int | float) or not 0 <= keepalive_jitter <= 1:
            raise ValueError(f"keepalive_jitter must be within 0..1, got {keepalive_jitter!r}")
        self.keepalive_jitter = float(keepalive_jitter)
        """How far each keepalive wait may stray from `keepalive_interval`, as a fraction of
        it: waits are uniform within ``interval * (1 ± jitter / 2)``, so their mean is the
        interval (0: exactly the interval)."""
        self.signed_prekey_lifetime = signed_prekey_lifetime
        """Seconds after which the signed prekey is replaced (checked at each login)."""
        self._delays = reconnect_delays or (1.0,)
        self._request_timeout = request_timeout
        self._max_frame = max_frame_size
        if not isinstance(max_backlog, int) or max_backlog < 1:
            raise ValueError(f"max_backlog must be a positive int, got {max_backlog!r}")
        self._max_backlog = max_backlog
        self._decryptor = decryptor
        self._e2e: E2E | None = None
        self._downloader = history_downloader
        secure = url.startswith("wss:") or media_ssl is not None
        self.media = MediaClient(
            self.request, scheme="https" if secure else "http", ssl_context=media_ssl
        )
        """The media servers: hosts from ``media_conn``, downloads (see `MediaClient`)."""
        self._clock = clock
        self._state: DeviceState | None = None
        self._session: _Session | None = None
        self._stopping = False
        self._connections = 0
        self._scope: anyio.CancelScope | None = None
        self._bus: _Bus | None = None
        self._offered: anyio.Event | None = None  # set when a connection offers pairing
        self._app_sync = AppSync(store)

    # Public API ------------------------------------------------------------------------

    @property
    def state(self) -> DeviceState | None:
        """The device state (None before `run` loaded it)."""
        return self._state

    @property
    def connected(self) -> bool:
        """Whether a logged-in connection is open."""
        return self._session is not None and self._session.conn.logged_in

    @property
    def backlog(self) -> int:
        """How many read stanzas wait for handlers right now (at most `max_backlog`)."""
        session = self._session
        if session is None or session.backlog is None:
            return 0
        return session.backlog.statistics().current_buffer_used

    @property
    def connections(self) -> int:
        """How many connections have been opened so far (for tests and diagnostics)."""
        return self._connections

    async def send_node(self, node: Node) -> None:
        """Send one stanza (encoded, encrypted and framed, in order).

        Raises `NotConnected` without a connection, or when the session is not at a point
        where the protocol allows this stanza (a message before logging in).
        """
        session = self._queue_node(node)
        await session.ws.flush()

    def _queue_node(self, node: Node) -> _Session:
        """Encode, encrypt, frame and queue a stanza, with no await: so frames are queued in
        the order their Noise counters were taken, without a lock."""
        session = self._session
        if session is None:
            raise NotConnected("there is no open connection")
        if not session.conn.can_send(node):
            raise NotConnected(f"<{node.tag}> cannot be sent while {session.conn.state.value}")
        session.conn.send(node)
        session.push()
        return session

    async def request(self, node: Node, *, timeout: float | None = None) -> Node:
        """Send an ``<iq>`` (its ``id`` is set if missing) and return the server's answer."""
        session = self._session
        if session is None:
            raise NotConnected("there is no open connection")
        if not session.conn.can_send(node):
            raise NotConnected(f"<{node.tag}> cannot be sent while {session.conn.state.value}")
        request_id = session.conn.request(node)
        waiter: tuple[anyio.Event, list[Node]] = (anyio.Event(), [])
        session.waiters[request_id] = waiter
        limit = timeout if timeout is not None else self._request_timeout
        try:
            session.push()
            await session.ws.flush()
            with anyio.fail_after(limit):
                await waiter[0].wait()
        except TimeoutError:
            raise RequestTimeout(request_id, limit) from None
        finally:
            session.waiters.pop(request_id, None)
            session.conn.forget_request(request_id)
        if not waiter[1]:
            raise NotConnected(f"the connection ended before request {request_id} was answered")
        return waiter[1][0]

    async def send_message(
        self,
        to: Jid,
        message: WAMessage,
        *,
        message_type: str | None = None,
        timeout: float | None = None,
    ) -> SendResult:
        """Send a message (any ``wa.Message`` body) to a user or a group, end-to-end
        encrypted for every device of the chat and for our own other devices.

        The stanza's ``type``, ``edit`` and ``mediatype`` follow from the body (a reaction,
        a poll, media, an edit or a revoke: `wabus.protocol.stanza_shape`); `message_type`
        overrides the ``type``. The builders in `wabus.client` make the common bodies.

        Returns once the server acknowledged it, with the message id, the devices it was
        encrypted for and the server's acknowledgement. Raises `NotConnected` without a
        logged-in connection, `SendFailed` when it cannot be encrypted (no devices, no keys)
        or the server refuses it, and `RequestTimeout` without an answer.
        """
        session = self._session
        state = self._state
        e2e = self._e2e
        if session is None or not session.conn.logged_in or state is None or state.pn is None:
            raise NotConnected("there is no logged-in connection")
        if e2e is None:
            raise SendFailed("this client decrypts with its own decryptor: it cannot encrypt")
        message_id = new_message_id()
        try:
            result = await e2e.encrypt_message(
                self.request,
                to,
                message,
                message_id=message_id,
                own=state.pn,
                own_lid=state.lid,
                device_identity=state.account_identity,
                message_type=message_type,
            )
        except (E2EError, ValueError) as err:
            raise SendFailed(str(err)) from err
        waiter: tuple[anyio.Event, list[Node]] = (anyio.Event(), [])
        session.sent[message_id] = waiter
        limit = timeout if timeout is not None else self._request_timeout
        try:
            await self.send_node(result.stanza)
            with anyio.fail_after(limit):
                await waiter[0].wait()
        except TimeoutError:
            raise RequestTimeout(message_id, limit) from None
        finally:
            session.sent.pop(message_id, None)
        if not waiter[1]:
            raise NotConnected(f"the connection ended before the server took {message_id}")
        ack = waiter[1][0]
        if ack.has_attr("error"):
            raise SendFailed(f"the server refused {message_id} (error {ack.attr('error')})")
        return SendResult(result.id, result.devices, result.stanza, ack=ack)

    async def request_media_retry(
        self, message: Message, *, timeout: float | None = None
    ) -> MediaRetryResult:
        """Ask our phone to upload the media of a received (or sent) `message` again, as when
        its URL expired (``<receipt type="server-error">``), and wait for its answer: a
        `MediaRetryResult` whose `status` is SUCCESS with the new `direct_path`, or why not.

        Raises `DownloadFailed` for a message without media, `NotConnected` without a
        logged-in connection, `RequestTimeout` when the phone does not answer in time and
        `MediaRetryError` when its answer is not one."""
        found = media_of(message.message)
        if found is None or not found[0].mediaKey:
            raise DownloadFailed(f"message {message.info.id} carries no media to retry")
        session, state = self._session, self._state
        if session is None or not session.conn.logged_in or state is None or state.pn is None:
            raise NotConnected("there is no logged-in connection")
        media_key = found[0].mediaKey
        source = message.info.source
        request = media_retry_receipt(
            message_id=message.info.id,
            media_key=media_key,
            own=state.pn,
            chat=source.chat,
            from_me=source.is_from_me,
            participant=source.sender.to_non_ad() if source.is_group else None,
        )
        waiter: tuple[anyio.Event, list[Node]] = (anyio.Event(), [])
        session.media_retries[message.info.id] = waiter
        limit = timeout if timeout is not None else self._request_timeout
        try:
            await self.send_node(request)
            with anyio.fail_after(limit):
                await waiter[0].wait()
        except TimeoutError:
            raise RequestTimeout(message.info.id, limit) from None
        finally:
            session.media_retries.pop(message.info.id, None)
        if not waiter[1]:
            raise NotConnected(f"the connection ended before the phone answered {message.info.id}")
        return parse_media_retry_notification(waiter[1][0], media_key)

    async def download(
        self,
        message: Message,
        *,
        to: str | os.PathLike[str],
        retry: bool = True,
        timeout: float | None = None,
    ) -> Path:
        """Download the media of `message` into the file `to` (checked, then moved into
        place: see `MediaClient.download_to`); returns its path.

        With `retry`, a file the media servers no longer have (``404``/``410`` from every
        host) is asked of our phone again (`request_media_retry`) and downloaded from its new
        path. Raises `DownloadFailed`, and `MediaRetryFailed` (with the `status`) when the
        phone could not upload it again."""
        found = media_of(message.message)
        if found is None:
            raise DownloadFailed(f"message {message.info.id} carries no media")
        part, kind = found
        try:
            return await self.media.download_to(part, kind, to)
        except DownloadFailed as err:
            if not retry or not err.expired:
                raise
            _log.info("media expired, asking the phone again", id=message.info.id)
        try:
            result = await self.request_media_retry(message, timeout=timeout)
        except MediaRetryError as err:
            raise DownloadFailed(f"media retry of {message.info.id}: {err}") from err
        if result.status is not MediaRetryStatus.SUCCESS or result.direct_path is None:
            raise MediaRetryFailed(result)
        renewed = with_direct_path(part, result.direct_path)
        return await self.media.download_to(renewed, kind, to)

    async def send_text(self, to: Jid, text: str) -> str:
        """Send a text message to a user or a group (see `send_message`); returns its id."""
        return (await self.send_message(to, WAMessage(conversation=text))).id

    async def stop(self) -> None:
        """End `run` and do not reconnect. Returns at once; `run` then returns soon.

        On an open connection the reader stops taking stanzas, the events already read are
        still delivered and acknowledged, and the connection is closed politely. While `run`
        is connecting or waiting to reconnect, that is cancelled.
        """
        self._stopping = True
        session = self._session
        if session is not None:
            session.reader.cancel()
        elif self._scope is not None:
            self._scope.cancel()

    # The Source ------------------------------------------------------------------------

    async def run(self, bus: CoreEventBus) -> None:
        """Connect, and stay connected (reconnecting with backoff) until stopped or ended.

        The backoff starts again from its first step after every connection that logged in.
        Raises `CertificateInvalid` if the server's certificate chain does not verify.
        """
        self._stopping = False  # before the first await: a `stop` from here on is kept
        state = await anyio.to_thread.run_sync(self._store.load)
        if state is None:
            state = DeviceState.new()
            await anyio.to_thread.run_sync(self._store.save, state)
        self._state = state
        stamped: _Bus = bus if self.account is None else _AccountBus(bus, self.account)
        self._bus, self._offered = stamped, anyio.Event()
        try:
            await self._run(stamped)
        finally:
            with anyio.CancelScope(shield=True):
                await self.media.aclose()

    async def _run(self, bus: _Bus) -> None:
        failures = 0
        try:
            while not self._stopping:
                with anyio.CancelScope() as self._scope:
                    outcome, reason, logged_in = await self._connection(bus)
                if self._scope.cancel_called or outcome is Outcome.STOP or self._stopping:
                    break
                if outcome is Outcome.RESTART:
                    failures = 0
                    continue
                if logged_in:
                    failures = 0
                delay = self._delays[min(failures, len(self._delays) - 1)]
                failures += 1
                _log.info("reconnecting", after=delay, reason=reason)
                with anyio.CancelScope() as self._scope:
                    await anyio.sleep(delay)
        finally:
            self._scope = None

    # One connection --------------------------------------------------------------------

    async def _end_to_end(self, state: DeviceState) -> E2E | None:
        """The device's end-to-end state (kept across connections; a new device, after a
        logout, gets a new one). None when a `decryptor` was given instead. The store opens
        its Signal state in a worker thread (a database connection: never on the loop)."""
        if self._decryptor is not None:
            return None
        e2e = self._e2e
        if e2e is None or e2e.identity.identity.public != state.keys.identity.public:
            signal_state = await anyio.to_thread.run_sync(self._store.signal_state, state)
            e2e = self._e2e = E2E(signal_state)
            e2e.stamp_signed_prekey(int(self._clock().timestamp()))
        return e2e

    def _router(self, state: DeviceState) -> tuple[Router, AdvVerifier]:
        keys = state.keys
        verifier = AdvVerifier(keys.identity, keys.adv_secret)
        router = Router(
            own_pn=state.pn,
            own_lid=state.lid,
            push_name=state.push_name or self._push_name,
            decryptor=self._decryptor or (self._e2e.decryptor if self._e2e else None),
            history_downloader=self._downloader,
            pairing_keys=keys.pairing,
            pairing_verifier=verifier,
            clock=self._clock,
        )
        return router, verifier

    async def _connection(self, bus: _Bus) -> tuple[Outcome, str, bool]:
        """One connection, start to end: (how it ended, why, whether it had logged in)."""
        assert self._state is not None
        state = self._state
        self._connections += 1
        await self._end_to_end(state)
        router, verifier = self._router(state)
        keys = state.keys
        if state.paired:
            assert state.pn is not None
            payload = login_payload(state.pn, version=self._version)
        else:
            payload = registration_payload(keys, version=self._version, push_name=self._push_name)
        conn = Connection.client(
            noise_key=keys.noise,
            verify_certificate=CertificateVerifier(self._roots, clock=self._clock),
            payload=payload,
            router=router,
            pairing=verifier,
            routing_info=state.edge_routing_info,
            max_frame_size=self._max_frame,
        )
        try:
            ws = await connect_websocket(self.url, ssl_context=self._ssl)
        except ConnectionClosed as err:
            await bus.publish(Disconnected(reason=err.reason))
            return Outcome.RETRY, err.reason, False
        session = _Session(ws=ws, conn=conn)
        try:
            early = await self._handshake(session)
        except CertificateInvalid as err:
            await ws.abort()
            _log.error("server certificate refused", reason=err.reason)
            await bus.publish(Disconnected(reason=str(err)))
            raise
        except (WireError, ConnectionClosed) as err:
            await ws.abort()
            await bus.publish(Disconnected(reason=f"handshake failed: {err}"))
            return Outcome.RETRY, str(err), False
        except BaseException:  # cancelled mid-handshake
            await ws.abort()
            raise
        self._session = session
        outcome, reason = Outcome.RETRY, "the connection ended"
        deliveries, backlog = anyio.create_memory_object_stream[_Delivery](self._max_backlog)
        session.backlog = deliveries
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._keepalive, bus, session)
                tasks.start_soon(self._writer, session)
                tasks.start_soon(self._committer, session)
                async with anyio.create_task_group() as pipeline:
                    pipeline.start_soon(self._dispatch, bus, session, backlog)
                    with deliveries, session.reader:
                        try:
                            await self._read(bus, session, tasks, deliveries, early)
                        except _EndConnection as end:
                            outcome, reason = end.outcome, end.reason
                        except ConnectionClosed as err:
                            outcome, reason = Outcome.RETRY, err.reason
                        except WireError as err:  # a corrupt frame: drop this connection
                            _log.warning("bad data from the server", error=str(err))
                            outcome, reason = Outcome.RETRY, f"bad data from the server: {err}"
                    # The reader is done; the dispatcher delivers what is queued, then ends.
                with contextlib.suppress(ConnectionClosed):
                    session.push()
                    await session.ws.flush()  # the last acks
                if self._e2e is not None:
                    await self._e2e.commit()  # what the last stanzas changed, and acked
                tasks.cancel_scope.cancel()
        finally:
            self._session = None
            if session.offered:
                self._offered = anyio.Event()  # for the next connection's pairing
            conn.close()
            for _, slot in session.waiters.values():  # requests in flight fail now
                slot.clear()
            for event, _ in session.waiters.values():
                event.set()
            for event, _ in session.sent.values():  # and sends waiting for their ack
                event.set()
            await ws.close(reason if not self._stopping else "client stopping")
        if self._stopping:
            return Outcome.STOP, "stopped", conn.has_logged_in
        if outcome is not Outcome.RESTART:
            await bus.publish(Disconnected(reason=reason))
        return outcome, reason, conn.has_logged_in

    async def _handshake(self, session: _Session) -> list[ConnectionEvent]:
        """Run the Noise handshake; returns the events of anything that came with its end."""
        conn, ws = session.conn, session.ws
        session.push()
        await ws.flush()
        while True:
            events = conn.receive_data(await ws.receive())
            session.push()
            await ws.flush()
            if events:
                return [e for e in events if not isinstance(e, HandshakeComplete)]

    def _learn_lid(self, event: BaseEvent) -> None:
        """Feed a LID/phone-number pair the event's sender carries into the `LidMap`."""
        source = getattr(event, "source", None)
        if source is None:
            info = getattr(event, "info", None)
            source = getattr(info, "source", None)
        if isinstance(source, MessageSource) and source.sender_alt is not None:
            self._lid_map.learn(source.sender, source.sender_alt)

    async def _read(
        self,
        bus: _Bus,
        session: _Session,
        tasks: anyio.abc.TaskGroup,
        deliveries: MemoryObjectSendStream[_Delivery],
        early: list[ConnectionEvent],
    ) -> None:
        """Take stanzas off the socket until the connection ends (see the module doc).

        Only the transport ends this loop (a `WireError` from Noise or the frame stream,
        `ConnectionClosed`), or a stanza that ends the session (`_EndConnection`). Anything
        else a stanza's handling raises becomes its `MalformedStanza`.
        """
        conn = session.conn
        events = early
        while True:
            for event in events:
                if isinstance(event, ReplyReceived):
                    waiter = session.waiters.get(event.request_id)
                    if waiter is not None:
                        waiter[1].append(event.node)
                        waiter[0].set()
                elif isinstance(event, StanzaReceived):
                    node = event.node
                    if (
                        node is not None
                        and node.tag == "ack"
                        and node.opt_attr("class") == "message"
                    ):
                        self._sent_acked(session, node)
                    elif (
                        node is not None
                        and node.tag == "notification"
                        and node.opt_attr("type") == "mediaretry"
                    ):
                        retry = session.media_retries.get(node.opt_attr("id") or "")
                        if retry is not None:
                            retry[1].append(node)
                            retry[0].set()
                    await self._stanza(event, bus, session, tasks, deliveries)
                elif isinstance(event, SessionEnded):
                    raise _EndConnection(event.outcome, event.reason)
            self._after_chunk(session, deliveries)
            if conn.error is not None:
                raise conn.error
            events = conn.receive_data(await session.ws.receive())
            if session.push():  # pongs and other answers the connection gave at once
                session.flush_soon.set()

    def _take_at_once(
        self,
        received: StanzaReceived,
        session: _Session,
        deliveries: MemoryObjectSendStream[_Delivery],
    ) -> bool:
        """The common case without an await: a stanza that asks nothing of the client and
        teaches it nothing to store, queued for the dispatcher while there is room. False
        when the full path (`_stanza`) must take it."""
        node = received.node
        if node is None or self._changes(session) or self._special(received.events):
            return False
        if any(self._history_by_reference(e) is not None for e in received.events):
            return False  # a history blob to download: the full path starts it
        if any(self._key_share(e) for e in received.events):
            return False  # app-state keys to store: the full path keeps them
        if node.tag == "notification" and node.opt_attr("type") in _TAKEN_NOTIFICATIONS:
            return False  # a prekey count (the full path refills), the phone's pair code
        try:
            deliveries.send_nowait(
                (received.node if received.needs_ack else None, list(received.events))
            )
        except anyio.WouldBlock:
            return False
        return True

    @staticmethod
    def _special(events: tuple[BaseEvent, ...]) -> bool:
        return any(type(e) in _SPECIAL for e in events)

    def _history_by_reference(self, event: BaseEvent) -> WAMessage.HistorySyncNotification | None:
        """The history-sync notification of a message from our own account whose blob is on
        the media servers (the router made no `HistorySync` of it), if it is one."""
        if not isinstance(event, Message) or not event.info.source.is_from_me:
            return None
        if self._downloader is not None:
            return None  # an injected downloader: the router fetched it, or it failed there
        notification = peek_history_notification(event.raw)
        if notification is None or not notification.directPath:
            return None
        if notification.HasField("initialHistBootstrapInlinePayload"):
            return None
        found: WAMessage.HistorySyncNotification = notification
        return found

    async def _fetch_history(
        self, later: _Later, notification: WAMessage.HistorySyncNotification
    ) -> None:
        """Download, check, decrypt and inflate a history blob into `later`'s events."""
        try:
            data = await self.media.fetch(
                notification.directPath,
                MediaType.HISTORY,
                file_enc_sha256=notification.fileEncSha256 or None,
            )
            event = await anyio.to_thread.run_sync(
                lambda: history_sync_event(notification, _Fetched(data))
            )
            later.events = [event] if event is not None else [later.original]
        except Exception as err:  # a failed download or a bad blob: the message as it came
            _log.warning(
                "could not get a history blob",
                path=notification.directPath,
                error=f"{type(err).__name__}: {err}",
            )
            later.events = [later.original]
        finally:
            later.done.set()

    async def _stanza(
        self,
        received: StanzaReceived,
        bus: _Bus,
        session: _Session,
        tasks: anyio.abc.TaskGroup,
        deliveries: MemoryObjectSendStream[_Delivery],
    ) -> None:
        node = received.node
        events: list[BaseEvent | _Later] = list(received.events)
        if node is not None:
            try:
                if self._take_at_once(received, session, deliveries):
                    return
                events = await self._take(node, list(received.events), bus, session, tasks)
            except ConnectionClosed:
                raise
            except Exception as err:
                events = [malformed_stanza(node, err)]
        await self._queue_delivery(
            session, deliveries, node if received.needs_ack else None, events
        )

    async def _take(
        self,
        node: Node,
        events: list[BaseEvent],
        bus: _Bus,
        session: _Session,
        tasks: anyio.abc.TaskGroup,
    ) -> list[BaseEvent | _Later]:
        """What the client does with one stanza at once; returns the events for handlers."""
        for_handlers: list[BaseEvent | _Later] = []
        codes = [e for e in events if isinstance(e, PairingQrCode)]
        if codes:
            session.offered = True
            if self._offered is not None:
                self._offered.set()
            if self._phone is not None:
                tasks.start_soon(self._pair_by_code, bus, session, self._phone)
            else:
                tasks.start_soon(self._pace_qr_codes, bus, session, codes)
        if (
            node.tag == "notification"
            and node.opt_attr("type") == PAIR_CODE_NOTIFICATION
            and session.pair_code is not None
        ):
            tasks.start_soon(self._finish_code, session, session.pair_code, node)
            events = [e for e in events if not isinstance(e, Notification)]  # consumed here
        for event in events:
            if isinstance(event, PairingQrCode):
                continue
            if isinstance(event, PairSuccess):
                await self._paired(event, node, session)
            elif isinstance(event, LoggedOut):
                await anyio.to_thread.run_sync(self._store.clear)
                self._state = DeviceState.new()
                self._e2e = None
                await anyio.to_thread.run_sync(self._store.save, self._state)
            elif isinstance(event, Connected):
                tasks.start_soon(self._prekeys, session, None)
                tasks.start_soon(self._sync_app_state, bus, COLLECTIONS)
            elif isinstance(event, DirtyNotice):
                tasks.start_soon(self._clean_dirty, session, event)
            elif (notification := self._history_by_reference(event)) is not None:
                assert isinstance(event, Message)
                later = _Later(event, receipt=self._history_receipt(event))
                tasks.start_soon(self._fetch_history, later, notification)
                for_handlers.append(later)
                continue
            elif shared := self._key_share(event):
                await self._app_sync.take_key_share(shared)
                tasks.start_soon(self._sync_app_state, bus, COLLECTIONS)
                continue  # consumed here: the keys are the client's, the events follow
            else:
                self._end_to_end_event(event, session)
            for_handlers.append(event)
        if (
            node.tag == "receipt"
            and node.opt_attr("type") == "retry"
            and self._e2e is not None
            and any(isinstance(e, Receipt) and e.receipt_type is ReceiptType.RETRY for e in events)
        ):
            session.resend.append(node)  # answered by the committer, after a commit
            session.commit_soon.set()
        if node.tag == "notification" and node.opt_attr("type") == "server_sync":
            try:
                changed = [name for name, _ in parse_server_sync(node)]
            except AppStateError as err:
                _log.warning("bad server_sync notification", error=str(err))
            else:
                tasks.start_soon(self._sync_app_state, bus, changed)
        if node.tag == "notification" and node.opt_attr("type") == "encrypt":
            count = node.child("count")
            if count is not None:
                tasks.start_soon(self._prekeys, session, count.int_attr("value", minimum=0))
        router = session.conn.router
        assert router is not None
        await self._remember(router)
        return for_handlers

    def _key_share(self, event: BaseEvent) -> tuple[AppStateKey, ...]:
        """The app-state keys a message from our own account shares, if it is a key share."""
        if not isinstance(event, Message) or not event.info.source.is_from_me:
            return ()
        return key_share_of(event.raw)

    async def _sync_app_state(self, bus: _Bus, names: Iterable[str]) -> None:
        """Sync the app-state collections `names` and publish their events (see
        `wabus.client._appsync`); a failure is logged, and the next login or notice syncs."""
        if not self._app_sync.enabled:
            return
        try:
            await self._app_sync.sync(
                names, self.request, self._app_state_blob, bus.publish, self._ask_app_state_keys
            )
        except Exception as err:  # a background task: never the connection's end
            _log.warning("app-state sync stopped", error=f"{type(err).__name__}: {err}")

    async def _app_state_blob(self, reference: ExternalBlobReference) -> bytes:
        """An app-state snapshot or external-mutations blob, downloaded and checked."""
        return await self.media.download(
            reference.directPath,
            reference.mediaKey,
            MediaType.APP_STATE,
            file_enc_sha256=reference.fileEncSha256 or None,
            file_sha256=reference.fileSha256 or None,
        )

    async def _ask_app_state_keys(self, message: WAMessage) -> object:
        """Send our phone an ``appStateSyncKeyRequest``."""
        state = self._state
        if state is None or state.pn is None:
            raise NotConnected("not paired")
        return await self.send_message(state.pn.to_non_ad(), message)

    async def _app_state_send(self, action: AppStateAction) -> None:
        bus = self._bus
        if bus is None or not self.connected:
            raise NotConnected("there is no logged-in connection")
        await self._app_sync.send(
            action, self.request, self._app_state_blob, bus.publish, self._ask_app_state_keys
        )

    async def pin(self, chat: Jid, *, pinned: bool = True) -> None:
        """Pin (or unpin) `chat` on every device of the account (an app-state patch; our
        other devices get a `PinUpdate`). Raises `AppStateSendFailed` or `NotConnected`."""
        await self._app_state_send(pin_chat(chat, pinned, self._clock()))

    async def mute(self, chat: Jid, until: datetime | None) -> None:
        """Mute `chat` until `until` (None: unmute), on every device of the account."""
        await self._app_state_send(mute_chat(chat, until, self._clock()))

    async def archive(self, chat: Jid, *, archived: bool = True) -> None:
        """Archive (or unarchive) `chat` on every device of the account."""
        await self._app_state_send(archive_chat(chat, archived, self._clock()))

    async def star(
        self, chat: Jid, message_id: str, *, from_me: bool = False, starred: bool = True
    ) -> None:
        """Star (or unstar) the message `message_id` of `chat` (`from_me`: one we sent)."""
        await self._app_state_send(star_message(chat, message_id, from_me, starred, self._clock()))

    async def mark_chat_read(self, chat: Jid, *, read: bool = True) -> None:
        """Mark `chat` read (or unread) on every device of the account."""
        await self._app_state_send(app_state_mark_chat_read(chat, read, self._clock()))

    async def delete_chat(self, chat: Jid, *, delete_media: bool = True) -> None:
        """Delete `chat` on every device of the account."""
        await self._app_state_send(
            app_state_delete_chat(chat, self._clock(), delete_media=delete_media)
        )

    def _history_receipt(self, message: Message) -> Node | None:
        """The ``hist_sync`` receipt that tells the phone a history chunk was processed."""
        state = self._state
        if state is None or state.pn is None:
            return None
        return Node(
            "receipt", {"id": message.info.id, "to": state.pn.to_non_ad(), "type": "hist_sync"}
        )

    def _end_to_end_event(self, event: BaseEvent, session: _Session) -> None:
        """What an event asks of the end-to-end layer: a retry receipt for a message we could
        not decrypt, a resend for one a peer could not, a device list or group to forget."""
        e2e = self._e2e
        if e2e is None:
            return
        if isinstance(event, UndecryptableMessage):
            if event.reason and not event.is_unavailable:
                identity = self._state.account_identity if self._state is not None else None
                receipt = e2e.retry_receipt(event.info, identity)
                if receipt is not None and e2e.keys_in(receipt):
                    session.after_commit.append(receipt)  # its new prekey is stored first
                    session.commit_soon.set()
                elif receipt is not None:
                    with contextlib.suppress(NotConnected, ConnectionClosed):
                        self._queue_node(receipt).flush_soon.set()
        elif isinstance(event, DeviceListUpdate):
            e2e.forget_devices(event.user)
        elif isinstance(event, GroupInfoUpdate):
            e2e.forget_participants(event.jid)

    def _after_chunk(
        self, session: _Session, deliveries: MemoryObjectSendStream[_Delivery]
    ) -> None:
        """After a chunk of stanzas: report identity changes, and have what decrypting them
        changed committed (in the background: see `_committer`)."""
        e2e = self._e2e
        if e2e is None:
            return
        changes = e2e.decryptor.identity_changes
        if changes:
            e2e.decryptor.identity_changes = []
            events: list[BaseEvent | _Later] = [
                IdentityChange(user=c.address.to_jid().to_non_ad(), timestamp=info.timestamp)
                for c, info in changes
            ]
            with contextlib.suppress(anyio.WouldBlock):
                deliveries.send_nowait((None, events))
        if e2e.staged.pending or e2e.decryptor.staged_inbox:
            session.commit_soon.set()

    async def _committer(self, session: _Session) -> None:
        """Commit the end-to-end state in batches, in a worker thread, whenever it changed."""
        e2e = self._e2e
        if e2e is None:
            return
        while True:
            await session.commit_soon.wait()
            session.commit_soon = anyio.Event()
            try:
                await e2e.commit()
            except Exception as err:
                _log.error("could not store the end-to-end state", exc_info=err)
            while session.after_commit:
                with contextlib.suppress(NotConnected, ConnectionClosed):
                    self._queue_node(session.after_commit.pop(0)).flush_soon.set()
            while session.resend:
                await self._resend(session, session.resend.pop(0))

    async def _prekeys(self, session: _Session, server_count: int | None) -> None:
        """Make sure the server holds enough of our one-time prekeys."""
        e2e = self._e2e
        if e2e is None or self._session is not session:
            return
        now = int(self._clock().timestamp())  # the login's time
        try:
            await e2e.ensure_prekeys(self.request, server_count=server_count)
            if server_count is None:  # at login: a signed prekey due for rotation
                lifetime = self.signed_prekey_lifetime
                await e2e.rotate_signed_prekey(self.request, now=now, lifetime=lifetime)
        except (ClientError, WireError, ConnectionClosed) as err:
            _log.warning("could not upload prekeys", error=str(err))

    async def _clean_dirty(self, session: _Session, notice: DirtyNotice) -> None:
        """Tell the server the state a `DirtyNotice` named is clean, as whatsapp-rust does for
        every type. The client keeps no copy of that state to refetch: handlers that do (a
        group list, the block list) refetch on the notice itself."""
        if self._session is not session:
            return
        try:
            await self.request(clean_dirty_bits(notice))
        except (ClientError, WireError, ConnectionClosed) as err:
            _log.info("could not clean dirty bits", type=str(notice.dirty_type), error=str(err))

    async def _resend(self, session: _Session, receipt: Node) -> None:
        e2e, state = self._e2e, self._state
        if e2e is None or state is None or state.pn is None:
            return
        try:
            again = await e2e.resend(self.request, receipt, state.pn, state.account_identity)
            if again is not None:
                await self.send_node(again)
        except (ClientError, WireError, ConnectionClosed, ValueError) as err:
            _log.warning("could not resend a message", id=receipt.opt_attr("id"), error=str(err))

    def _sent_acked(self, session: _Session, ack: Node) -> None:
        if ack.opt_attr("class") != "message":
            return
        waiter = session.sent.get(ack.opt_attr("id") or "")
        if waiter is not None:
            waiter[1].append(ack)
            waiter[0].set()

    async def _queue_delivery(
        self,
        session: _Session,
        deliveries: MemoryObjectSendStream[_Delivery],
        node: Node | None,
        events: list[BaseEvent | _Later],
    ) -> None:
        """Hand a stanza to the dispatcher; wait (not reading the socket) while it is full."""
        if node is None and not events:
            return
        try:
            deliveries.send_nowait((node, events))
        except anyio.WouldBlock:
            session.stalls += 1
            session.stalled = True
            try:
                await deliveries.send((node, events))
            finally:
                session.stalled = False

    async def _dispatch(
        self,
        bus: _Bus,
        session: _Session,
        backlog: MemoryObjectReceiveStream[_Delivery],
    ) -> None:
        """Deliver queued events in order; acknowledge each stanza once they are handled.

        Acks are queued as they come and written when the dispatcher runs out of work (or
        every `_ACKS_PER_WRITE`), so a burst of stanzas costs one write, not one each.
        """
        unwritten = 0
        async with backlog:
            while True:
                try:
                    node, events = backlog.receive_nowait()
                except anyio.WouldBlock:
                    if unwritten:
                        unwritten = 0
                        session.flush_soon.set()
                    try:
                        node, events = await backlog.receive()
                    except anyio.EndOfStream:
                        return
                except anyio.EndOfStream:
                    return
                handled: list[BaseEvent] = []
                for item in events:
                    original: BaseEvent = item.original if isinstance(item, _Later) else item
                    if isinstance(item, _Later):  # made meanwhile: wait for it, in its place
                        await item.done.wait()
                        published = item.events
                    else:
                        published = [item]
                    for event in published:
                        self._learn_lid(event)
                        try:
                            await bus.publish(event)
                        except Exception as err:
                            _log.error("could not deliver an event", event=event.type, exc_info=err)
                    handled.append(original)
                    if isinstance(item, _Later) and item.receipt is not None:
                        with contextlib.suppress(NotConnected, ConnectionClosed):
                            self._queue_node(item.receipt)
                if node is not None and self._ack(node, session):
                    if self._e2e is not None:
                        self._e2e.handled(handled)
                    unwritten += 1
                    if unwritten >= _ACKS_PER_WRITE:
                        unwritten = 0
                        session.flush_soon.set()

    def _ack(self, node: Node, session: _Session) -> bool:
        """Queue the ack of a handled stanza; False when the connection is already gone (the
        server then delivers the stanza again)."""
        if self._session is not session or session.conn.closed:
            return False
        try:
            session.conn.ack(node)
            session.push()
        except (WireError, ConnectionClosed):  # the link dropped meanwhile: redelivered later
            return False
        return True

    async def _paired(self, event: PairSuccess, node: Node, session: _Session) -> None:
        """Store the pairing, then sign it back: a crash in between pairs again, never
        leaves a device the phone knows and we forgot."""
        assert self._state is not None
        verifier = session.conn.pairing
        assert verifier is not None
        assert verifier.result is not None
        self._state = self._state.with_(
            pn=event.id,
            lid=event.lid,
            platform=event.platform,
            business_name=event.business_name,
            account_identity=verifier.result.account_identity,
        )
        await anyio.to_thread.run_sync(self._store.save, self._state)
        session.paired_now.set()
        session.conn.confirm_pairing(node)
        session.push()
        await session.ws.flush()

    def _changes(self, session: _Session) -> bool:
        """Whether the router learned something the store must keep (see `_remember`)."""
        router, state = session.conn.router, self._state
        assert router is not None
        assert state is not None
        return (
            router.edge_routing_info != state.edge_routing_info
            or (router.own_lid is not None and router.own_lid != state.lid and state.paired)
            or bool(router.push_name and router.push_name != state.push_name)
        )

    async def _remember(self, router: Router) -> None:
        """Save what the router learned that the next connection needs."""
        state = self._state
        assert state is not None
        changes: dict[str, object] = {}
        if router.edge_routing_info != state.edge_routing_info:
            changes["edge_routing_info"] = router.edge_routing_info
        if router.own_lid is not None and router.own_lid != state.lid and state.paired:
            changes["lid"] = router.own_lid
        if router.push_name and router.push_name != state.push_name:
            changes["push_name"] = router.push_name
        if changes:
            self._state = state.with_(**changes)
            await anyio.to_thread.run_sync(self._store.save, self._state)

    async def _pace_qr_codes(
        self, bus: _Bus, session: _Session, codes: list[PairingQrCode]
    ) -> None:
        for code in codes:
            if session.code_started.is_set():
                break  # pairing by code now: no more QR codes
            await bus.publish(code)
            with anyio.move_on_after(code.timeout.total_seconds()):
                await _first(session.paired_now, session.code_started)
            if session.paired_now.is_set():
                return
        if session.code_started.is_set():
            await self._await_code_pairing(session)
            return
        _log.info("pairing QR codes ran out")
        await session.ws.close("pairing QR codes ran out")

    # Pair-code login ---------------------------------------------------------------------

    async def pair_phone(
        self, number: str, *, code: str | None = None, timeout: float | None = None
    ) -> str:
        """Link this (new) device to the account of phone `number` by pairing code, instead
        of QR code; returns the eight-character code, which is also published as a
        `PairingCode` event. Typed on that phone (Linked devices, Link with phone number),
        it pairs the device as a scan would, and the client logs in.

        Call it while the client runs and has not paired yet: from a `PairingQrCode` handler,
        or any time after starting it (it waits up to `timeout`, by default the request
        timeout, for a connection that offers pairing). No more QR codes are shown for that
        connection. `number` is in international form (country code first, digits; ``+``,
        spaces and dashes are ignored); `code` chooses the code (8 characters of
        `wabus.protocol.PAIR_CODE_ALPHABET`), a random one by default. Raises `PairCodeError`
        for a number or code that cannot be used, or when the server refuses,
        `ClientError` when the device is already paired, `NotConnected` when no connection
        offers pairing in time (and `RequestTimeout` when the server does not answer).
        """
        phone = phone_number_jid(number)
        state = self._state
        if state is not None and state.paired:
            raise ClientError("this device is already paired; pair codes are for new devices")
        wait = self._request_timeout if timeout is None else timeout
        try:
            with anyio.fail_after(wait):
                session = await self._pairing_session()
        except TimeoutError:
            raise NotConnected(f"no connection offered pairing within {wait:g}s") from None
        return await self._start_code(session, phone, code)

    async def _pairing_session(self) -> _Session:
        while True:
            session, offered = self._session, self._offered
            if session is not None and session.offered:
                return session
            if offered is None:
                raise NotConnected("the client is not running")
            # Set only while the connection that offered is the open one (a fresh event
            # replaces it when that connection ends), so this never spins.
            await offered.wait()

    async def _start_code(self, session: _Session, phone: Jid, code: str | None) -> str:
        if session.code_started.is_set():
            raise ClientError("a pairing code was already requested on this connection")
        state = self._state
        assert state is not None
        session.code_started.set()
        companion = await _pair_code.request_code(
            self.request,
            phone,
            noise_public=state.keys.noise.public,
            identity=state.keys.identity,
            code=code,
        )
        session.pair_code = companion
        timeout = timedelta(seconds=PAIR_CODE_LIFETIME)
        if self._bus is not None:
            await self._bus.publish(PairingCode(code=companion.code, timeout=timeout))
        return companion.code

    async def _pair_by_code(self, bus: _Bus, session: _Session, phone: Jid) -> None:
        """Pair this connection by code (``Client(phone_number=...)``), not by QR code."""
        try:
            await self._start_code(session, phone, None)
        except ConnectionClosed:  # a ClientError too, but it ends the session, not the pairing
            raise
        except (PairCodeError, ClientError) as err:
            _log.error("pairing code refused", error=str(err))
            await session.ws.close(f"pairing code refused: {err}")
            return
        await self._await_code_pairing(session)

    async def _await_code_pairing(self, session: _Session) -> None:
        with anyio.move_on_after(PAIR_CODE_LIFETIME):
            await session.paired_now.wait()
        if not session.paired_now.is_set():
            _log.info("the pairing code expired")
            await session.ws.close("the pairing code expired")

    async def _finish_code(
        self, session: _Session, companion: PairCodeCompanion, notification: Node
    ) -> None:
        verifier = session.conn.pairing
        assert verifier is not None
        try:
            await _pair_code.finish(self.request, companion, verifier, notification)
        except ConnectionClosed:  # a ClientError too, but it ends the session
            raise
        except (PairCodeError, ClientError) as err:
            _log.warning("pair-code login failed", error=str(err))

    async def _writer(self, session: _Session) -> None:
        """Write queued acks whenever the reader lets it run (so a burst shares a write)."""
        while True:
            await session.flush_soon.wait()
            session.flush_soon = anyio.Event()
            try:
                await session.ws.flush()
            except ConnectionClosed:
                return  # the reader sees the same and ends the connection

    def keepalive_wait(self) -> float:
        """The next wait between keepalive pings, in seconds: `keepalive_interval` moved by
        up to half of `keepalive_jitter` of it either way, at random."""
        spread = self.keepalive_interval * self.keepalive_jitter
        return self.keepalive_interval + spread * (random.random() - 0.5)

    async def _keepalive(self, bus: _Bus, session: _Session) -> None:
        """Ping every `keepalive_interval`. A miss counts only when no frame at all arrived
        while waiting and the reader was not holding the socket back for handlers."""
        misses = 0
        last_success: datetime | None = None
        while True:
            await anyio.sleep(self.keepalive_wait())
            frames, stalls = session.conn.frames_received, session.stalls
            try:
                await self.request(
                    Node("iq", {"to": SERVER, "type": "get", "xmlns": "w:p"}, [Node("ping")]),
                    timeout=self.keepalive_timeout,
                )
            except RequestTimeout:
                if (
                    session.stalled
                    or session.stalls != stalls
                    or session.conn.frames_received != frames
                ):
                    # Frames arrived, or the reader waited for handlers with the pong unread:
                    # the transport is alive, whatever the handlers are doing.
                    continue
                misses += 1
                await bus.publish(KeepAliveTimeout(error_count=misses, last_success=last_success))
                if misses >= self.keepalive_misses:
                    _log.warning("keepalive failed", misses=misses)
                    await session.ws.close(f"{misses} keepalive pings went unanswered")
                    return
                continue
            except (ConnectionClosed, NotConnected):
                return
            last_success = self._clock()
            if misses:
                misses = 0
                await bus.publish(KeepAliveRestored())

    # Actions (thin: each delegates to its module) --------------------------------------

    async def mark_read(self, messages: Iterable[Message]) -> int:
        """Mark `messages` read: one ``read`` receipt per chat and author, naming all of
        its ids (our own messages are left out). Returns how many receipts were sent."""
        now = int(self._clock().timestamp())
        return await _presence.mark_read(self.send_node, messages, now=now)

    async def send_presence(self, kind: PresenceKind | str = PresenceKind.AVAILABLE) -> None:
        """Tell our contacts we are online (``available``) or offline (``unavailable``)."""
        state = self._state
        name = (state.push_name if state is not None else "") or self._push_name
        await _presence.send_presence(self.send_node, kind, name)

    async def send_chat_presence(self, chat: Jid, state: ChatState | str) -> None:
        """Say we are ``composing``, ``recording`` (a voice note) or ``paused`` in `chat`."""
        await _presence.send_chat_presence(self.send_node, self._state, chat, state)

    async def subscribe_presence(self, jid: Jid) -> None:
        """Ask to be told when `jid` comes online or goes offline (`Presence` events)."""
        await _presence.subscribe_presence(self.send_node, jid)

    @property
    def groups(self) -> Groups:
        """Group management: create, info, participants, settings, invites (`Groups`)."""
        return Groups(self.request)

    @property
    def contacts(self) -> Contacts:
        """Contacts and users: on WhatsApp, status, LIDs, pictures, blocking (`Contacts`)."""
        return Contacts(self.request, self._lid_map)
