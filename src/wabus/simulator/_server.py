"""`Simulator`: a loopback WhatsApp Web server that speaks the real protocol.

Theory of operation
-------------------

The simulator stands in for WhatsApp's servers, so that a bot (or any WhatsApp Web client, such
as Baileys) can be developed and tested offline. It listens on a loopback port for WebSocket
connections and serves each with a `wabus.protocol.Connection` in the server role: the
connection intro and frames, the Noise XX handshake as responder (signed by the simulator's own
root → intermediate → leaf certificate chain; a client trusts it through `trusted_root`), then
binary nodes under the transport ciphers. The protocol's rules (the lifecycle, request
matching, pings) are the `Connection`'s; this module is the server's behaviour around them.

- A connection whose ClientPayload carries registration data is *pairing*: the simulator sends
  ``<pair-device>`` with a few refs and waits for the phone to scan. The phone is simulated:
  `scan(code)` takes the QR text (exactly what a real phone reads from the screen, with or
  without the ``https://wa.me/settings/linked_devices#`` prefix and the platform field),
  checks it belongs to a pairing in progress, and answers with ``<pair-success>``: an ADV
  device identity signed by the phone's account key. When the client signs it back, the device
  is registered and the server asks for a restart (stream error 515), as WhatsApp does.
- A connection with a login payload logs in if that device was paired here (same Noise key,
  same JID): ``<success>`` at the current time, then whatever the device was sent and did not
  acknowledge (the offline queue) and ``<ib><offline count=…/>``; otherwise
  ``<failure reason="401">``. A new connection of a device replaces the old one, which is told
  so (``<stream:error><conflict type="replaced"/>``).

The server's state (`_accounts`) holds the accounts with their devices and the Signal keys
they uploaded, simulated contacts with identities of their own, and groups. IQs are answered
from it (`_iq`): prekeys, digests and key bundles, ``passive``, props, block list and privacy,
usync, app-state sync, dirty bits, group queries; an unknown IQ gets an error reply, never
silence. Messages a companion sends are acknowledged and delivered to the other companions
they are addressed to (online at once, or at their next login); the server never looks inside
an ``<enc>``. Everything a client sends is recorded for `expect_sent`. A media-retry request
(``<receipt type="server-error">`` to the companion's own account) is answered by the
simulated phone from its copy of the message (`_media_retry`): the file renewed on the media
host under a new direct path, or why not.

Tests and demos drive it through async methods: `send_message`, `send_node`, `run_scenario`,
`send_failure`, `send_stream_error`, `drop_connection`, and `sync` (which returns once the client
has handled everything sent before). Benchmarks take a send apart: `seal` (the Signal
encryption, ahead of time), `queue_nodes` and `flush`.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import secrets
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Coroutine, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any, Final, TypeVarTuple, final

import anyio
import anyio.abc
import structlog
from anyio.streams.tls import TLSListener
from google.protobuf.message import DecodeError

from wabus.client import ConnectionClosed, DeviceState, WebSocket, accept_websocket
from wabus.core import EventHandler, Jid, Node, Server, WabusError
from wabus.core.events import PairingCode, PairingQrCode
from wabus.proto.client_pb2 import ClientPayload
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.proto.scan import scan_fields
from wabus.protocol import (
    ACKED_TAGS,
    PAIR_CODE_NOTIFICATION,
    QR_URL_PREFIX,
    Connection,
    HandshakeComplete,
    KeyPair,
    PairCodeError,
    ReplyReceived,
    StanzaReceived,
    TrustedRoot,
    WireError,
    bundle_from_node,
)
from wabus.protocol.server import (
    PairCodeHello,
    PairCodePrimary,
    issue_chain,
    sign_device_identity,
    verify_device_signature,
)
from wabus.simulator._accounts import Account, Device, Directory, Group
from wabus.simulator._appstate import server_sync_notice
from wabus.simulator._iq import IqContext, answer_iq, result, server_error
from wabus.simulator._media import MediaStore
from wabus.simulator._media_retry import answer_media_retry
from wabus.simulator._peers import Peers
from wabus.simulator._presence import PresenceBoard
from wabus.simulator._provision import provision
from wabus.simulator._scenario import (
    ALICE,
    BOB,
    CONTACTS,
    GROUP,
    GROUP_SUBJECT,
    T0,
    app_state_actions,
    live_stanzas,
    offline_stanzas,
    text_message,
)
from wabus.simulator._tls import MediaTls

__all__ = ["QR_PREFIX", "AutoScanner", "DecryptedMessage", "Simulator", "SimulatorError"]

_log = structlog.get_logger("wabus.simulator")
_Args = TypeVarTuple("_Args")
SERVER: Final = Jid("", Server.USER)
QR_PREFIX: Final = QR_URL_PREFIX
"""What current clients put before the pairing data in the QR code (accepted, not required)."""
_PHONE: Final = Jid("15550000001", Server.USER)
_PHONE_LID: Final = Jid("100000000000001", Server.LID)
_FIRST_COMPANION: Final = 11  # the phone's companions are numbered from here
_PKMSG_INNER: Final = 4  # PreKeyWhisperMessage.message: the WhisperMessage, with its MAC


class SimulatorError(WabusError):
    """A simulator call that cannot be served (no client connected, a QR code not ours, …)."""


@final
@dataclass(frozen=True)
class DecryptedMessage:
    """A message a companion sent to a simulated phone or contact, as that device read it."""

    id: str
    """The stanza's id."""
    sender: Jid
    """The companion device that sent it."""
    recipient: Jid
    """The simulated device that decrypted it."""
    chat: Jid
    """The stanza's ``to``: a user or a group."""
    message: WAMessage
    """The decrypted ``wa.Message`` (a `deviceSentMessage` for the sender's own phone)."""
    node: Node
    """The stanza as the companion sent it."""

    @property
    def text(self) -> str | None:
        """The text of a plain text or extended text message (unwrapping a DSM)."""
        message = self.message
        if message.HasField("deviceSentMessage"):
            message = message.deviceSentMessage.message
        if message.conversation:
            return message.conversation
        if message.HasField("extendedTextMessage"):
            return message.extendedTextMessage.text
        return None


@dataclass(eq=False)
class _Link:
    """One client's connection to the server."""

    ws: WebSocket
    conn: Connection
    payload: ClientPayload | None = None
    client_static: bytes = b""
    device: Device | None = None
    refs: tuple[str, ...] = ()
    scanned: Device | None = None
    pair_code: PairCodePrimary | None = None
    """The phone's side of a pair-code login this client asked for (until it finishes)."""
    code_entered: bool = False
    waiters: dict[str, tuple[anyio.Event, list[Node]]] = field(default_factory=dict)
    sent_ackable: Counter[tuple[str, str]] = field(default_factory=Counter)
    """How many stanzas of each (class, id) were sent that the client must acknowledge."""
    acked: Counter[tuple[str, str]] = field(default_factory=Counter)
    """How many acks of each (class, id) the client sent."""

    @property
    def logged_in(self) -> bool:
        return self.conn.logged_in

    def push(self) -> None:
        for data in self.conn.data_to_send():
            self.ws.send_nowait(data)


@final
class Simulator:
    """A WhatsApp-protocol server on loopback (see the module doc). ``async with`` starts it.

    `phone` and `phone_lid` are the simulated phone's account, whose companions pair here;
    `refs` is how many QR refs a pairing gets; `keep_sent` bounds how many of the nodes
    clients sent are kept for `sent` and `expect_sent`; `clock` gives the server's time.
    `root` is the key that signs the server's certificate chain (fresh by default; give the
    same one each time so that a client patched to trust it once keeps trusting it).

    Many accounts: `add_account` registers as many as wanted (each one's simulated phone makes
    its Signal keys only when first used), and one ``AutoScanner(sim, own_accounts=True)`` on
    a bus pairs every client there as an account of its own, all concurrently (`pairings`
    counts those in flight, `connected_devices` those logged in). Accounts, companions and
    connections are found by index, not by a scan over all of them, so a simulator holding a
    thousand logged-in accounts (``benches/bench_accounts.py``) costs the same per stanza as
    one holding a single account.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        phone: Jid = _PHONE,
        phone_lid: Jid = _PHONE_LID,
        refs: int = 6,
        keep_sent: int = 10_000,
        clock: Callable[[], float] = time.time,
        root: KeyPair | None = None,
        media_tls: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.phone = phone
        self.phone_lid = phone_lid
        self.refs = refs
        self.clock = clock
        self._respond_to_pings = True
        self.tamper_next_pairing = False
        """Make the next ``<pair-success>`` fail verification (to produce a `PairError`)."""
        self.corrupt_messages = 0
        """Spoil the ciphertext (its MAC) of this many of the next messages the simulated
        contacts encrypt for companions, first sends and answers to retries alike, as messages
        lost to a broken session would look: the companion cannot decrypt one and asks again
        with a retry receipt, which the sender answers with a fresh encryption (from the keys
        the receipt carries, if any)."""
        self._root = KeyPair.generate() if root is None else root
        self._intermediate = KeyPair.generate()
        self._static = KeyPair.generate()
        self._chain = issue_chain(self._root, self._intermediate, self._static.public)
        self.directory = Directory()
        """The server's accounts and groups (see `wabus.simulator._accounts`)."""
        self.account = self.directory.add(phone.user, phone_lid.user, push_name="Phone")
        """The simulated phone's account: devices pair here as its companions."""
        for contact, lid, name in CONTACTS:  # the scenario's people, accounts of their own
            self.directory.add(contact.user, lid.user, push_name=name)
        self.directory.groups[GROUP] = Group(  # the scenario's group, with all of them in it
            jid=GROUP,
            subject=GROUP_SUBJECT,
            creator=BOB,
            created=T0,
            participants={BOB: "superadmin", ALICE: "", phone: ""},
        )
        self.media_tls = MediaTls() if media_tls else None
        """With `media_tls`, the media host's CA and leaf (`MediaTls`): the host then serves
        TLS and names ``https://`` URLs; a client trusts `MediaTls.ca_pem`. None: plain HTTP."""
        self.media = MediaStore(clock)
        """The media host: files (the history sync blob, uploads) served over HTTP (HTTPS
        with `media_tls`) on loopback once the simulator runs (see `wabus.simulator._media`)."""
        self.peers = Peers()
        """The simulated devices' Signal sides (see `wabus.simulator._peers`)."""
        self.presence = PresenceBoard(self.directory)
        """Who is online and who subscribed (see `wabus.simulator._presence`)."""
        self._decrypted: deque[DecryptedMessage] = deque(maxlen=keep_sent)
        self._decrypted_total = 0
        # (device, id) → the original of a message sealed for it (for a retry), the latest
        self._sealed: OrderedDict[tuple[int, str], Node] = OrderedDict()
        self._keep_sealed = keep_sent
        self._ids = itertools.count(1)
        self._account_serials = itertools.count(1)
        self._links: list[_Link] = []
        self._online: dict[Device, _Link] = {}  # each logged-in device's connection
        self.logins: Counter[Jid] = Counter()
        """How many times each companion (by device JID) has logged in."""
        self.replaced: Counter[Jid] = Counter()
        """How many times each companion's connection was replaced by a new login of the same
        device (two clients on one device replace each other: a fleet must never do that)."""
        self._changed: anyio.Event | None = None
        self._received: deque[Node] = deque(maxlen=keep_sent)  # bounded: it may run for days
        self._received_total = 0
        self._task_group: anyio.abc.TaskGroup | None = None
        self._stack: AsyncExitStack | None = None

    # Lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Simulator:
        if self._stack is not None:
            raise SimulatorError("the simulator is already running")
        self._changed = anyio.Event()
        async with AsyncExitStack() as stack:
            listener = await anyio.create_tcp_listener(local_host=self.host, local_port=self.port)
            stack.push_async_callback(listener.aclose)
            self.port = listener.extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610
            media = await anyio.create_tcp_listener(local_host=self.host, local_port=0)
            stack.push_async_callback(media.aclose)
            media_port = media.extra(anyio.abc.SocketAttribute.local_port)  # noqa: S610
            self.media.hostname = f"{self.host}:{media_port}"
            self._task_group = await stack.enter_async_context(anyio.create_task_group())
            self._task_group.start_soon(listener.serve, self._serve)
            if self.media_tls is not None:
                served: anyio.abc.Listener[anyio.abc.ByteStream] = TLSListener(
                    media, self.media_tls.server_context(), standard_compatible=False
                )
            else:
                served = media
            self._task_group.start_soon(self.media.serve, served)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        stack, task_group = self._stack, self._task_group
        assert stack is not None
        assert task_group is not None
        task_group.cancel_scope.cancel()
        self._stack = self._task_group = None
        self._links.clear()
        self._online.clear()
        await stack.aclose()  # an error of the body propagates by itself

    @property
    def url(self) -> str:
        """The WebSocket URL to give the client."""
        return f"ws://{self.host}:{self.port}/ws/chat"

    @property
    def trusted_root(self) -> TrustedRoot:
        """The root a client must trust to accept this simulator's certificates."""
        return TrustedRoot(serial=0, key=self._root.public)

    @property
    def respond_to_pings(self) -> bool:
        """Whether clients' keepalive pings are answered (turn off to test timeouts)."""
        return self._respond_to_pings

    @respond_to_pings.setter
    def respond_to_pings(self, value: bool) -> None:
        self._respond_to_pings = value
        for link in self._links:
            link.conn.answer_pings = value

    @property
    def connected(self) -> bool:
        """Whether a client is logged in right now."""
        return any(link.logged_in for link in self._links)

    @property
    def pairings(self) -> int:
        """How many connections are pairing right now: shown QR refs, or asked for a pairing
        code, and not paired yet (scanned ones included until their client signs back)."""
        return sum(1 for link in self._links if link.refs)

    @property
    def connected_devices(self) -> tuple[Jid, ...]:
        """The companions logged in right now (device JIDs), in no particular order."""
        return tuple(d.jid for d, link in self._online.items() if link.logged_in)

    @property
    def sent(self) -> tuple[Node, ...]:
        """The nodes clients have sent, in order: the last `keep_sent` of them."""
        return tuple(self._received)

    @property
    def sent_count(self) -> int:
        """How many nodes clients have sent so far (a `start` for `expect_sent`)."""
        return self._received_total

    @property
    def paired_devices(self) -> tuple[Jid, ...]:
        """The companion device JIDs paired here."""
        return tuple(
            d.jid
            for account in self.directory.accounts
            for d in account.devices.values()
            if d.noise is not None
        )

    def provision(
        self, pn: str, lid: str, *, push_name: str = "", platform: str = "android"
    ) -> DeviceState:
        """A new account (`pn`, `lid`: user parts) with a companion already paired, without a
        QR exchange; returns the companion's state to save in its store (see
        `wabus.simulator._provision`)."""
        return provision(self, pn, lid, push_name=push_name, platform=platform)

    @property
    def decrypted(self) -> tuple[DecryptedMessage, ...]:
        """What companions sent to simulated devices, decrypted: the last `keep_sent` of it."""
        return tuple(self._decrypted)

    @property
    def decrypted_count(self) -> int:
        """How many messages simulated devices have decrypted so far (`decrypted` keeps the
        last `keep_sent` of them)."""
        return self._decrypted_total

    async def expect_message(
        self, match: Callable[[DecryptedMessage], bool], *, timeout: float = 10.0
    ) -> DecryptedMessage:
        """The first message a simulated device received and decrypted that matches."""
        with anyio.fail_after(timeout):
            while True:
                for record in self._decrypted:
                    if match(record):
                        return record
                await self._wait_change()

    def now(self) -> int:
        """The server's time, in Unix seconds."""
        return int(self.clock())

    def add_account(
        self, pn: str | None = None, lid: str | None = None, *, push_name: str = ""
    ) -> Jid:
        """Register a new account (its simulated phone included) and return its phone-number
        JID, for `scan` (``account=``) or a client's pairing code to name. Without `pn` and
        `lid` it gets the next free number and LID of the simulator's own ranges.

        An account costs the simulator little until it is used: its phone's Signal keys are
        made when something first writes to it or fetches its bundle."""
        if pn is None or lid is None:
            while True:
                serial = next(self._account_serials)
                number, alias = f"1777{serial:07d}", f"300{serial:012d}"
                if (
                    self.directory.account(Jid(number, Server.USER)) is None
                    and self.directory.account(Jid(alias, Server.LID)) is None
                ):
                    break
            pn, lid = pn or number, lid or alias
        try:
            account = self.directory.add(pn, lid, push_name=push_name)
        except ValueError as err:
            raise SimulatorError(str(err)) from None
        return account.pn

    def _start_soon(
        self, func: Callable[[*_Args], Coroutine[Any, Any, object]], *args: *_Args
    ) -> None:
        """Run `func(*args)` in the simulator's task group (it ends when the simulator stops)."""
        if self._task_group is None:
            raise SimulatorError("the simulator is not running")
        self._task_group.start_soon(func, *args)

    def _awaits_scan(self, code: str) -> bool:
        """Whether `code` is the QR code of a pairing connection that was not scanned yet."""
        ref = code.removeprefix(QR_PREFIX).split(",", 1)[0]
        return any(ref in link.refs and link.scanned is None for link in self._links)

    # Driving it ---------------------------------------------------------------------------

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Wait until a client is logged in."""
        with anyio.fail_after(timeout):
            while not self.connected:
                await self._wait_change()

    async def wait_ready(self, device: Jid | None = None, timeout: float = 10.0) -> None:
        """Wait until a companion (the latest to log in by default) is logged in and has
        published its Signal keys: from then on others can write to it."""

        def ready() -> bool:
            links = [k for k in self._links if k.logged_in and k.device is not None]
            if device is not None:
                links = [k for k in links if k.device and device in (k.device.jid, k.device.lid)]
            return (
                bool(links) and links[-1].device is not None and links[-1].device.keys is not None
            )

        with anyio.fail_after(timeout):
            while not ready():
                await self._wait_change()

    async def wait_disconnected(self, timeout: float = 10.0) -> None:
        """Wait until no client is connected."""
        with anyio.fail_after(timeout):
            while self._links:
                await self._wait_change()

    async def _wait_change(self) -> None:
        assert self._changed is not None
        await self._changed.wait()

    def _notify(self) -> None:
        changed = self._changed
        if changed is None or not changed.statistics().tasks_waiting:
            return  # nobody waits: nothing to wake (this runs for every node received)
        self._changed = anyio.Event()
        changed.set()

    def _current(self, device: Jid | None = None) -> _Link:
        """The logged-in connection of `device`, or the latest logged-in one."""
        if device is not None:
            found = self.directory.device(device)
            link = self._online.get(found) if found is not None else None
            if link is not None and link.logged_in:
                return link
        for link in reversed(self._links) if device is None else ():
            if link.logged_in and link.device is not None:
                return link
        raise SimulatorError(f"{device} is not connected" if device else "no client is connected")

    async def send_node(self, node: Node, *, to: Jid | None = None) -> None:
        """Send one stanza to a client: `to` is its device JID (the latest to log in by
        default). A paired device that is not connected gets it at its next login, as the
        server's offline queue would deliver it; without `to`, someone must be connected."""
        if to is not None:
            device = self.directory.device(to)
            if device is not None and device.noise is not None:
                await self._deliver_to(device, self._seal(node, device))
                return
        link = self._current(to)
        assert link.device is not None
        await self._send(link, self._seal(node, link.device))

    async def send_message(
        self,
        sender: Jid,
        text: str,
        *,
        chat: Jid | None = None,
        push_name: str = "",
        to: Jid | None = None,
    ) -> str:
        """Send a text message (a plaintext body) from `sender`; returns its id."""
        message_id = f"SIM{next(self._ids):06d}"
        node = text_message(sender, text, message_id, chat=chat, push_name=push_name)
        await self.send_node(_stamped(node, self.now()), to=to)
        return message_id

    async def run_scenario(
        self,
        interval: float = 0.0,
        *,
        to: Jid | None = None,
        ping: bool = True,
        history_by_media: bool = True,
    ) -> int:
        """Send the scenario (offline delivery, then live traffic), `interval` seconds apart;
        returns the stanza count. Waits until the client has handled all of it (see `sync`,
        and its `ping`).

        With `history_by_media` the phone's second history chunk is a blob on the media host
        (as big chunks are): a client downloads it from the host ``media_conn`` names. Turn it
        off for a client that cannot be pointed at the simulator's media host.
        """
        link = self._current(to)
        assert link.device is not None
        media = self.media.store if history_by_media else None
        stanzas = offline_stanzas(link.device.jid, media) + live_stanzas(link.device.jid)
        for index, node in enumerate(stanzas):
            if interval and index:
                await anyio.sleep(interval)
            await self._send(link, self._seal(node, link.device))
        # The phone pins, mutes, archives and marks unread: its companions are told to sync.
        app_state = link.device.account.app_state
        changed: dict[str, int] = {}
        for action in app_state_actions():
            stored = app_state.phone_mutation(action)
            changed[str(action.collection)] = stored.version.version
        notice = server_sync_notice(sorted(changed.items()), f"sync-{next(self._ids)}", self.now())
        await self._send(link, notice)
        await self.sync(to=to, ping=ping)
        return len(stanzas) + 1

    async def send_failure(self, reason: int, *, to: Jid | None = None, **attrs: str) -> None:
        """Send ``<failure reason=…>`` (the server refuses or ends the session)."""
        await self.send_node(Node("failure", {"reason": str(reason), **attrs}), to=to)

    async def send_stream_error(
        self, code: str = "", *, conflict: str | None = None, to: Jid | None = None
    ) -> None:
        """Send ``<stream:error>`` with a code, or a ``<conflict type=…>`` child."""
        children = [Node("conflict", {"type": conflict})] if conflict else None
        await self.send_node(
            Node("stream:error", {"code": code} if code else None, children), to=to
        )

    async def send_raw_frame(
        self, payload: bytes, *, encrypt: bool = False, to: Jid | None = None, flush: bool = True
    ) -> None:
        """Send one frame carrying `payload` as is: by default not encrypted (so the client's
        Noise transport rejects it), or encrypted (so only the node inside is bad). With
        ``flush=False`` it is only queued (the next flushing send writes it too)."""
        link = self._current(to)
        link.conn.send_frame(payload, encrypt=encrypt)
        link.push()
        if flush:
            await link.ws.flush()

    def seal(self, node: Node, *, to: Jid | None = None) -> Node:
        """`node` as `send_node` would send it to the client `to` (the latest to log in by
        default): a message with a ``<plaintext>`` body from a simulated sender comes back
        encrypted for that device, now; anything else as it is.

        With `queue_nodes` and `flush` this takes sending apart, so that a benchmark pays for
        the encryption ahead of time and then measures only the receiver. Send sealed messages
        in the order they were sealed (their ratchet counters follow it), and before sealing
        more for the same device through another path."""
        link = self._current(to)
        assert link.device is not None
        return self._seal(node, link.device)

    def queue_nodes(self, nodes: Iterable[Node], *, to: Jid | None = None) -> None:
        """Queue stanzas for the client `to` (the latest to log in by default), each encoded
        and encrypted for the transport now, without writing them: the next `flush` (or any
        other send to that client) writes them. Nothing is sealed here (see `seal`)."""
        link = self._current(to)
        for node in nodes:
            self._queue(link, node)
        link.push()

    async def flush(self, *, to: Jid | None = None) -> None:
        """Write what was queued for the client `to` (the latest to log in by default)."""
        await self._current(to).ws.flush()

    async def drop_connection(self, *, to: Jid | None = None) -> None:
        """Cut a connection at once (no close frame, as a network failure would)."""
        link = self._current(to)
        self._forget(link)
        await link.ws.abort()

    async def sync(
        self, timeout: float = 10.0, *, to: Jid | None = None, ping: bool = True
    ) -> None:
        """Wait until the client has acknowledged (so handled) every message, receipt,
        notification and call sent to it before, and, with `ping`, read everything else too.

        The acks prove the handling: a client acknowledges a stanza (or, for a message, sends
        its receipt) once its handlers are done. The ping round trip proves the reading of what
        is never acknowledged (presence, chat state, ``<ib>``), for clients that answer the
        server's pings at once, as wabus and whatsmeow do; Baileys does not answer them, so
        pass ``ping=False`` for it.
        """
        link = self._current(to)
        waiting = {key: sent for key, sent in link.sent_ackable.items() if link.acked[key] < sent}
        with anyio.fail_after(timeout):
            if ping:
                await self._request(
                    link,
                    Node(
                        "iq",
                        {"from": SERVER, "type": "get", "xmlns": "urn:xmpp:ping"},
                        [Node("ping")],
                    ),
                )
            while link in self._links and any(link.acked[k] < n for k, n in waiting.items()):
                await self._wait_change()

    async def expect_sent(
        self, match: str | Callable[[Node], bool], *, timeout: float = 10.0, start: int = 0
    ) -> Node:
        """The first node a client sent with this tag or that matches, counting from the
        `start`-th node ever sent (take it from `sent_count` before acting)."""
        predicate = (lambda n: n.tag == match) if isinstance(match, str) else match
        with anyio.fail_after(timeout):
            while True:
                first = self._received_total - len(self._received)  # the oldest one kept
                for node in itertools.islice(self._received, max(0, start - first), None):
                    if predicate(node):
                        return node
                await self._wait_change()

    def scan(self, code: str, *, account: Jid | None = None) -> Jid:
        """Scan a pairing QR code, as the phone would: pairs the connection that showed it,
        and returns the JID the device gets (it is ready once `wait_ready` for it returns).

        Takes the text a client shows: ``ref,noise,identity,adv[,platform]``, with or without
        the `QR_PREFIX` current clients put in front. The device becomes a companion of
        `account` (any account the server knows, by phone number or LID: the phone's own by
        default, a scenario contact's such as ``ALICE`` to give a second bot its own number).
        """
        owner = self.account if account is None else self.directory.account(account)
        if owner is None:
            raise SimulatorError(f"{account} is not an account of this server")
        text = code.removeprefix(QR_PREFIX)
        try:
            ref, noise, identity, adv, *platform = text.split(",")
            if len(platform) > 1:
                raise ValueError("too many fields")
            noise_key = base64.b64decode(noise, validate=True)
            identity_key = base64.b64decode(identity, validate=True)
            adv_secret = base64.b64decode(adv, validate=True)
        except (ValueError, binascii.Error) as err:
            raise SimulatorError(f"not a pairing QR code: {code!r}") from err
        if not any(link.refs for link in self._links):
            raise SimulatorError("no client is waiting to pair")
        link = next((link for link in self._links if ref in link.refs), None)
        if link is None:
            raise SimulatorError(f"ref {ref!r} was not issued to a pairing client")
        if link.scanned is not None:
            raise SimulatorError("this pairing was already scanned")
        assert link.payload is not None
        if noise_key != link.client_static:
            raise SimulatorError("the QR code's Noise key is not the pairing client's")
        if identity_key != link.payload.devicePairingData.eIdent:
            raise SimulatorError("the QR code's identity key is not the one the client registered")
        secret = bytes(32) if self.tamper_next_pairing else adv_secret
        self.tamper_next_pairing = False
        return self._pair_link(link, owner, secret, platform[0] if platform else "")

    def _pair_link(self, link: _Link, owner: Account, adv_secret: bytes, platform: str) -> Jid:
        """Make the pairing client `link` a companion of `owner`: the phone's proof, keyed
        with the ADV secret both sides share, goes out in ``<pair-success>``."""
        assert link.payload is not None
        identity_key = link.payload.devicePairingData.eIdent
        device = owner.new_companion(_FIRST_COMPANION)
        device.noise, device.identity, device.key_index = link.client_static, identity_key, 1
        device.platform = platform
        link.scanned = device
        proof = sign_device_identity(owner.account_key, identity_key, adv_secret, key_index=1)
        pair_success = Node(
            "iq",
            {"from": SERVER, "type": "set", "xmlns": "md"},
            [
                Node(
                    "pair-success",
                    None,
                    [
                        Node("device-identity", {"key-index": "1"}, proof),
                        Node("platform", {"name": "android"}),
                        Node("biz", {"name": ""}),
                        Node("device", {"jid": device.jid, "lid": device.lid}),
                    ],
                )
            ],
        )
        assert self._task_group is not None
        self._task_group.start_soon(self._pair, link, pair_success)
        return device.jid

    async def enter_pair_code(self, code: str, *, account: Jid | None = None) -> None:
        """Type a pairing code on the phone, as its owner would after a client showed it
        (see `wabus.protocol.PairCodeCompanion`): the phone's half of the exchange goes to
        the client that asked for a code (for `account`'s phone: the one its hello named, when
        several clients wait at once; the first to ask by default); a right code ends in
        ``<pair-success>`` as a scan does, a wrong one in the client's finish being refused."""
        owner = None if account is None else self.directory.account(account)
        if account is not None and owner is None:
            raise SimulatorError(f"{account} is not an account of this server")
        link = next(
            (
                k
                for k in self._links
                if k.pair_code is not None
                and not k.code_entered
                and (owner is None or self.directory.account(k.pair_code.hello.phone) is owner)
            ),
            None,
        )
        if link is None or link.pair_code is None:
            whose = f" for {account}" if account is not None else ""
            raise SimulatorError(f"no client is waiting for a pairing code{whose} to be entered")
        try:  # PBKDF2: off the event loop
            notification = await anyio.to_thread.run_sync(link.pair_code.enter, code)
        except PairCodeError as err:
            raise SimulatorError(str(err)) from None
        link.code_entered = True
        attrs = {**notification.attrs, "id": self._new_id(), "t": str(self.now())}
        await self._send(link, Node(notification.tag, attrs, notification.content))

    def _pair_code_request(self, link: _Link, iq: Node) -> Node:
        """Answer a client's ``link_code_companion_reg`` IQ (hello or finish)."""
        reg = iq.child(PAIR_CODE_NOTIFICATION)
        assert reg is not None
        stage = reg.opt_attr("stage")
        if link.payload is None or link.device is not None or not link.refs:
            return server_error(iq, 405, "not-allowed")  # only while pairing
        try:
            if stage == "companion_hello":
                return self._pair_code_hello(link, iq)
            if stage == "companion_finish":
                return self._pair_code_finish(link, iq)
        except PairCodeError as err:
            _log.info("pair code refused", stage=stage, reason=str(err))
            link.pair_code, link.code_entered = None, False
            return server_error(iq, 400, "bad-request")
        return server_error(iq, 400, "bad-request")

    def _pair_code_hello(self, link: _Link, iq: Node) -> Node:
        hello = PairCodeHello.parse(iq)
        owner = self.directory.account(hello.phone)
        if owner is None:
            return server_error(iq, 404, "item-not-found")
        if hello.noise_public != link.client_static:
            return server_error(iq, 401, "not-authorized")
        ref = f"2@{secrets.token_urlsafe(24)}".encode()
        link.pair_code = PairCodePrimary(hello, ref, owner.account_key)
        link.code_entered = False
        reply = Node(PAIR_CODE_NOTIFICATION, None, [Node("link_code_pairing_ref", None, ref)])
        return result(iq, reply)

    def _pair_code_finish(self, link: _Link, iq: Node) -> Node:
        primary = link.pair_code
        if primary is None or not link.code_entered:
            return server_error(iq, 400, "bad-request")
        identity, adv_secret = primary.finish(iq)
        assert link.payload is not None
        if identity != link.payload.devicePairingData.eIdent:
            raise PairCodeError("the finish's identity key is not the one the client registered")
        owner = self.directory.account(primary.hello.phone)
        assert owner is not None
        link.pair_code, link.code_entered = None, False
        secret = bytes(32) if self.tamper_next_pairing else adv_secret
        self.tamper_next_pairing = False
        # The pair-success goes out from a task: after this result, which is queued first.
        self._pair_link(link, owner, secret, primary.hello.platform_id)
        return result(iq)

    def _new_id(self) -> str:
        return f"sim-{next(self._ids)}"

    # Serving ------------------------------------------------------------------------------

    async def _serve(self, stream: anyio.abc.SocketStream) -> None:
        try:
            ws = await accept_websocket(stream)
        except ConnectionClosed:
            return
        link = _Link(ws, Connection.server(static_key=self._static, certificate=self._chain))
        link.conn.answer_pings = self._respond_to_pings
        try:
            await self._serve_link(link)
        except ConnectionClosed as err:
            _log.debug("simulator: client connection ended", reason=err.reason)
        except WireError as err:  # the client sent something broken: drop it, keep serving
            _log.warning("simulator: bad data from a client", error=str(err))
        finally:
            self._forget(link)
            await ws.abort()

    def _forget(self, link: _Link) -> None:
        if link.device is not None and self._online.get(link.device) is link:
            del self._online[link.device]
        if link in self._links:
            self._links.remove(link)
            for _, slot in link.waiters.values():
                slot.clear()
            for event, _ in link.waiters.values():
                event.set()
        self._notify()

    async def _serve_link(self, link: _Link) -> None:
        conn, ws = link.conn, link.ws
        while True:
            events = conn.receive_data(await ws.receive())
            link.push()
            for event in events:
                if isinstance(event, HandshakeComplete):
                    await self._welcome(link, event)
                elif isinstance(event, ReplyReceived):
                    self._record(event.node)
                    waiter = link.waiters.get(event.request_id)
                    if waiter is not None:
                        waiter[1].append(event.node)
                        waiter[0].set()
                elif isinstance(event, StanzaReceived) and event.node is not None:
                    self._record(event.node)
                    await self._handle(link, event.node)
            await ws.flush()
            if conn.error is not None:
                raise conn.error
            if conn.closed:
                await ws.close("the session ended", linger=2.0)
                return

    def _record(self, node: Node) -> None:
        self._received.append(node)
        self._received_total += 1
        self._notify()

    async def _welcome(self, link: _Link, handshake: HandshakeComplete) -> None:
        """Pairing or login, once the handshake tells who the client is."""
        assert handshake.payload is not None
        link.payload, link.client_static = handshake.payload, handshake.remote_static
        self._links.append(link)
        self._notify()
        if link.payload.HasField("devicePairingData"):
            link.refs = tuple(f"2@sim-ref-{next(self._ids)}" for _ in range(self.refs))
            pair_device = Node(
                "iq",
                {"from": SERVER, "type": "set", "xmlns": "md"},
                [Node("pair-device", None, [Node("ref", None, ref) for ref in link.refs])],
            )
            link.conn.request(pair_device)
            link.push()
            return
        device = self.directory.by_noise(link.client_static)
        payload = link.payload
        if device is None or (int(device.jid.user), device.number) != (
            payload.username,
            payload.device,
        ):
            link.conn.send(Node("failure", {"reason": "401", "location": "sim"}))
            link.push()
            return
        self.logins[device.jid] += 1
        for other in list(self._links):  # one connection per device: the new one wins
            if other is not link and other.device is device:
                self.replaced[device.jid] += 1
                self._forget(other)
                with _quietly():
                    other.conn.send(
                        Node("stream:error", None, [Node("conflict", {"type": "replaced"})])
                    )
                    other.push()
                    await other.ws.flush()
                await other.ws.abort()
        link.device = device
        self._online[device] = link
        link.conn.send(
            Node(
                "success",
                {"t": str(self.now()), "props": "27", "location": "sim", "lid": device.lid},
            )
        )
        queued = list(device.outbox.values())
        for node in queued:
            self._queue(link, _offline(node))
        link.conn.send(Node("ib", None, [Node("offline", {"count": str(len(queued))})]))
        link.push()
        self._notify()

    async def _pair(self, link: _Link, pair_success: Node) -> None:
        """Send pair-success; register the device once the client signs it back."""
        device = link.scanned
        assert device is not None
        try:
            reply = await self._request(link, pair_success, timeout=30)
        except (TimeoutError, SimulatorError, WireError, ConnectionClosed):
            return
        sign = reply.child("pair-device-sign")
        identity = sign.child("device-identity") if sign is not None else None
        assert device.identity is not None
        if identity is None or not verify_device_signature(
            identity.bytes_content or b"", device.identity, device.account.account_key.public
        ):
            with _quietly():
                await self._send(link, Node("stream:error", {"code": "401"}))
            return
        self.directory.register(device)
        link.refs = ()
        with _quietly():
            await self._send(link, Node("stream:error", {"code": "515"}))

    def _queue(self, link: _Link, node: Node) -> None:
        """Encrypt and queue one stanza for a client (no await: frames keep counter order)."""
        link.conn.send(node)
        if node.tag in ACKED_TAGS and node.has_attr("id"):
            key = (node.tag, node.attr("id"))
            link.sent_ackable[key] += 1
            if link.device is not None:
                link.device.outbox[key] = node

    async def _send(self, link: _Link, node: Node) -> None:
        self._queue(link, node)
        link.push()
        await link.ws.flush()

    async def _request(self, link: _Link, node: Node, timeout: float = 10.0) -> Node:
        request_id = link.conn.request(node)
        waiter: tuple[anyio.Event, list[Node]] = (anyio.Event(), [])
        link.waiters[request_id] = waiter
        try:
            link.push()
            await link.ws.flush()
            with anyio.fail_after(timeout):
                await waiter[0].wait()
        finally:
            link.waiters.pop(request_id, None)
            link.conn.forget_request(request_id)
        if not waiter[1]:
            raise SimulatorError("the connection ended before the client answered")
        return waiter[1][0]

    # What clients send ---------------------------------------------------------------------

    async def _handle(self, link: _Link, node: Node) -> None:
        tag = node.tag
        if tag == "iq":
            kind = node.opt_attr("type")
            if kind in ("get", "set"):
                if node.child("ping") is not None or node.opt_attr("xmlns") == "urn:xmpp:ping":
                    return  # answered by the connection, unless pings are ignored
                if node.child(PAIR_CODE_NOTIFICATION) is not None:
                    self._queue(link, self._pair_code_request(link, node))
                    link.push()
                    self._notify()
                    return
                context = self._context(link)
                self._queue(link, answer_iq(context, node))
                link.push()
                self._notify()  # an IQ may have changed the server's state (keys, privacy)
                for device, notice in context.notices:  # what the change tells others
                    await self._deliver_to(device, self._seal(notice, device))
        elif tag == "ack":
            key = (node.opt_attr("class") or "", node.opt_attr("id") or "")
            link.acked[key] += 1
            if link.device is not None:
                link.device.outbox.pop(key, None)
            self._notify()
        elif tag == "message" and node.has_attr("id"):
            self._queue(link, Node("ack", self._ack_attrs(node)))
            link.push()
            await self._deliver(link, node)
        elif tag in ("presence", "chatstate") and link.device is not None:
            await self._route_presence(link.device, node)
        elif tag == "receipt" and node.has_attr("id"):
            # A receipt for a message is also its acknowledgement (Baileys sends a delivery
            # receipt instead of an ack for a message it decrypted).
            listed = node.child("list")
            ids = [node.attr("id")] + [
                item.opt_attr("id") or "" for item in (listed.children("item") if listed else ())
            ]
            if node.opt_attr("type") not in ("retry", "server-error"):
                for message_id in ids:
                    key = ("message", message_id)
                    link.acked[key] += 1
                    if link.device is not None:
                        link.device.outbox.pop(key, None)
                self._notify()
            attrs = self._ack_attrs(node)
            if node.has_attr("type"):
                attrs["type"] = node.attr("type")
            self._queue(link, Node("ack", attrs))
            link.push()
            await self._route_receipt(link, node)

    async def _route_presence(self, sender: Device, node: Node) -> None:
        """A companion's presence, subscription or chat state, to whom it concerns (see
        `wabus.simulator._presence`); never queued for a device that is not connected."""
        if node.tag == "chatstate":
            deliveries = self.presence.chat_state(sender, node)
        elif node.opt_attr("type") == "subscribe":
            to = node.opt_jid("to")
            deliveries = self.presence.subscribe(sender, to) if to is not None else []
        elif node.opt_attr("type") in ("available", "unavailable", None):
            available = node.opt_attr("type") != "unavailable"
            deliveries = self.presence.update(sender.account, available, self.now())
        else:
            deliveries = []
        for device, stanza in deliveries:
            await self._deliver_live(device, stanza)

    async def _deliver_live(self, device: Device, node: Node) -> None:
        """Send `node` to `device` if it is connected (presence is not kept for later)."""
        link = self._online.get(device)
        if link is not None and link.logged_in:
            with _quietly():
                await self._send(link, node)

    async def _route_receipt(self, link: _Link, node: Node) -> None:
        """A companion's receipt goes where the message came from: to the companions of the
        sender's account (the device it names, or all of them), as the server forwards it; a
        retry receipt for a simulated contact's message is answered by that contact, a media
        retry request to our own account by our simulated phone."""
        sender = link.device
        to = node.opt_jid("to")
        if sender is None or to is None:
            return
        group = to if to.is_group else None
        target = node.opt_jid("participant") if group is not None else to
        account = self.directory.account(target) if target is not None else None
        if target is None or account is None:
            return
        if node.opt_attr("type") == "retry":
            author = account.devices.get(target.device)
            if author is not None and author.simulated is not None:
                with _quietly_decrypting():
                    await self._answer_retry(link, node, author)
                return
        if (
            node.opt_attr("type") == "server-error"
            and account is sender.account
            and account.phone.simulated is not None
        ):
            answer = answer_media_retry(
                node,
                self._copy_of(sender, node.attr("id")),
                self.media,
                phone=account.pn,
                now=self.now(),
            )
            if answer is not None:
                await self._send(link, answer)
            return
        origin = sender.lid if target.is_lid else sender.jid
        attrs = {k: v for k, v in node.attrs.items() if k not in ("to", "participant")}
        if group is not None:
            attrs.update({"from": group, "participant": origin})
        else:
            attrs["from"] = origin
        attrs.setdefault("t", str(self.now()))
        for device in list(account.devices.values()):
            if device.noise is None or device is sender:
                continue
            if target.device and device.number != target.device:
                continue
            await self._deliver_to(device, Node("receipt", attrs, node.children()))

    async def _answer_retry(self, link: _Link, receipt: Node, author: Device) -> None:
        """A simulated contact encrypts the message a companion could not read once more, for
        that device only: from the keys the receipt carries (a new session), or from the
        companion's published bundle when it asks again without them."""
        device = link.device
        assert device is not None
        original = self._sealed.get((id(device), receipt.attr("id")))
        plaintext = original.child("plaintext") if original is not None else None
        if original is None or plaintext is None:
            return  # a phone that no longer has the message lets it go
        retry = receipt.child("retry")
        count = retry.opt_int_attr("count", minimum=1, maximum=100) if retry is not None else None
        origin = original.opt_jid("participant") or original.jid("from")
        address = device.lid if origin.is_lid else device.jid
        keys = receipt.child("keys")
        if keys is not None:
            registration = receipt.child("registration")
            parts = ([registration] if registration is not None else []) + list(keys.nodes)
            self.peers.restart(author, address, bundle_from_node(Node("user", None, parts)))
        elif (count or 1) >= 2:
            self.peers.forget(author, address)
        enc = self.peers.encrypt(author, device, address, plaintext.bytes_content or b"")
        enc = self._spoil(Node("enc", {**enc.attrs, "count": str(count or 1)}, enc.bytes_content))
        others = [child for child in original.nodes if child.tag != "plaintext"]
        await self._send(link, Node("message", original.attrs, [enc, *others]))

    def _copy_of(self, device: Device, message_id: str) -> WAMessage | None:
        """The phone's copy of message `message_id` of `device`'s account: one a simulated
        sender sealed for `device`, or one a companion of the account sent and a simulated
        device decrypted; None when it has none (or it no longer reads)."""
        original = self._sealed.get((id(device), message_id))
        plaintext = original.child("plaintext") if original is not None else None
        if plaintext is not None:
            try:
                return WAMessage.FromString(plaintext.bytes_content or b"")
            except DecodeError:
                return None
        for record in reversed(self._decrypted):
            if record.id != message_id:
                continue
            ours = (self.directory.account(record.sender), self.directory.account(record.recipient))
            if device.account in ours:
                return record.message
        return None

    def _ack_attrs(self, node: Node) -> dict[str, str | Jid]:
        return {
            "class": node.tag,
            "id": node.attr("id"),
            "from": node.attrs.get("to") or SERVER,
            "t": str(self.now()),
        }

    def _context(self, link: _Link) -> IqContext:
        return IqContext(
            self.directory,
            link.device,
            self.now,
            media_host=self.media.hostname,
            media_auth=self.media.auth,
            store_media=self.media.store,
        )

    def _seal(self, node: Node, device: Device) -> Node:
        try:
            return self._seal_for(node, device)
        except ValueError:  # a hostile stanza a test sends on purpose: as it is
            return node

    def _seal_for(self, node: Node, device: Device) -> Node:
        """A ``<message>`` with a ``<plaintext>`` body from a simulated sender, encrypted for
        the companion `device` as the sender's phone would encrypt it (a group message as an
        ``skmsg``, with the sender key given pairwise the first time). Anything else, and a
        device that published no keys (no real peer could write to it), is left as it is."""
        plaintext = node.child("plaintext")
        if node.tag != "message" or plaintext is None or device.bundle_keys is None:
            return node
        if device.simulated is not None or device.keys is None:
            return node
        origin = node.opt_jid("from")
        if origin is None:
            return node
        group = origin if origin.is_group else None
        author = node.opt_jid("participant") if group is not None else origin
        sender = self.directory.device(author) if author is not None else None
        if author is None or sender is None or sender.simulated is None:
            return node  # from a companion, or from nobody the simulator plays: as it is
        body = plaintext.bytes_content or b""
        address = device.lid if author.is_lid else device.jid
        if group is None:
            encs = [self.peers.encrypt(sender, device, address, body)]
        else:
            encs = []
            if self.peers.needs_sender_key(sender, group, address):
                distribution = WAMessage(
                    senderKeyDistributionMessage=WAMessage.SenderKeyDistributionMessage(
                        groupId=str(group),
                        axolotlSenderKeyDistributionMessage=self.peers.group_key(
                            sender, author, group
                        ),
                    )
                ).SerializeToString()
                encs.append(self.peers.encrypt(sender, device, address, distribution))
            encs.append(self.peers.encrypt_group(sender, author, group, body))
        encs[-1] = self._spoil(encs[-1])
        others = [child for child in node.nodes if child.tag != "plaintext"]
        sealed = Node("message", node.attrs, [*encs, *others])
        if node.has_attr("id"):
            self._sealed[(id(device), node.attr("id"))] = node
            while len(self._sealed) > self._keep_sealed:
                self._sealed.popitem(last=False)
        return sealed

    def _spoil(self, enc: Node) -> Node:
        """`enc` as it is, or with its MAC spoilt while `corrupt_messages` says so (a
        ``pkmsg``'s inner message's: the outer fields are not authenticated by themselves)."""
        if self.corrupt_messages <= 0:
            return enc
        self.corrupt_messages -= 1
        body = bytearray(enc.bytes_content or b"\x00")
        end = len(body)
        if enc.opt_attr("type") == "pkmsg":
            for number, _, value in scan_fields(bytes(body[1:])):
                if number == _PKMSG_INNER:
                    inner = bytes(value)
                    end = body.find(inner, 1) + len(inner)
        body[end - 1] ^= 0x01
        return Node("enc", enc.attrs, bytes(body))

    def _read_privately(self, sender: Device, origin: Jid, node: Node) -> None:
        """Decrypt what a companion sent to the simulated devices among its recipients."""
        to = node.opt_jid("to")
        if to is None:
            return
        participants = node.child("participants")
        group = self.directory.groups.get(to) if to.is_group else None
        skmsg = next((e for e in node.children("enc") if e.opt_attr("type") == "skmsg"), None)
        targets = participants.children("to") if participants is not None else []
        readers: dict[int, tuple[Device, Jid]] = {}
        for target in targets:
            jid = target.opt_jid("jid")
            device = self.directory.device(jid) if jid is not None else None
            if device is None or device.simulated is None or jid is None:
                continue
            readers[id(device)] = (device, jid)
            enc = target.child("enc")
            if enc is None:
                continue
            with _quietly_decrypting():
                plaintext = self.peers.decrypt(device, origin, enc)
                message = WAMessage.FromString(plaintext)
                distribution = message.senderKeyDistributionMessage
                if group is not None and distribution.axolotlSenderKeyDistributionMessage:
                    self.peers.take_sender_key(
                        device, to, origin, distribution.axolotlSenderKeyDistributionMessage
                    )
                if group is None or not skmsg:
                    self._record_decrypted(node, origin, jid, to, message)
        if group is not None and skmsg is not None:
            for member in group.participants:
                account = self.directory.account(member)
                if account is None:
                    continue
                device = account.phone
                if account is sender.account and device.simulated is None:
                    continue
                jid = readers.get(id(device), (device, device.jid))[1]
                with _quietly_decrypting():
                    plaintext = self.peers.decrypt_group(device, to, origin, skmsg)
                    self._record_decrypted(node, origin, jid, to, WAMessage.FromString(plaintext))

    def _record_decrypted(
        self, node: Node, sender: Jid, recipient: Jid, chat: Jid, message: WAMessage
    ) -> None:
        self._decrypted.append(
            DecryptedMessage(node.attr("id"), sender, recipient, chat, message, node)
        )
        self._decrypted_total += 1
        self._notify()

    async def _deliver(self, link: _Link, node: Node) -> None:
        """Deliver a companion's message: each companion it names gets its own ``<enc>`` (and
        a group's ``skmsg``); what is addressed to simulated devices they decrypt."""
        sender, to = link.device, node.opt_jid("to")
        if sender is None or to is None:
            return
        lid = to.is_lid or (to.is_group and node.opt_attr("addressing_mode") == "lid")
        origin = sender.lid if lid else sender.jid
        direct = [e for e in node.children("enc") if e.opt_attr("type") != "skmsg"]
        if direct:  # one device's copy (the answer to a retry receipt): no fan-out
            await self._deliver_direct(sender, origin, to, node, direct)
            return
        self._read_privately(sender, origin, node)
        participants = node.child("participants")
        pairwise: dict[Jid, list[Node]] = {}
        for target in participants.children("to") if participants is not None else ():
            jid = target.opt_jid("jid")
            if jid is not None:
                pairwise[jid] = target.children()
        skmsg = [e for e in node.children("enc") if e.opt_attr("type") == "skmsg"]
        base: dict[str, str | Jid] = {
            "id": node.attr("id"),
            "t": str(self.now()),
            "type": node.opt_attr("type") or "text",
            **_relayed(node),
        }
        if to.is_group:
            group = self.directory.groups.get(to)
            if group is None:
                return
            for member in group.participants:
                account = self.directory.account(member)
                for device in account.devices.values() if account is not None else ():
                    if device.noise is None or device is sender:
                        continue
                    encs = pairwise.get(device.jid) or pairwise.get(device.lid) or []
                    if encs or skmsg:
                        attrs = {**base, "from": to, "participant": origin}
                        await self._deliver_to(device, Node("message", attrs, [*encs, *skmsg]))
            return
        for jid, encs in pairwise.items():
            recipient = self.directory.device(jid)
            if recipient is None or recipient.noise is None or recipient is sender:
                continue  # a simulated phone or contact (read above), or unknown
            attrs = {**base, "from": origin}
            if recipient.account is sender.account:
                attrs["recipient"] = to
            await self._deliver_to(recipient, Node("message", attrs, encs))

    async def _deliver_direct(
        self, sender: Device, origin: Jid, to: Jid, node: Node, encs: list[Node]
    ) -> None:
        """A message for one device, its ``<enc>`` a direct child: ``to`` is that device, or
        the group with the device as ``participant``."""
        group = to if to.is_group else None
        target = node.opt_jid("participant") if group is not None else to
        device = self.directory.device(target) if target is not None else None
        if target is None or device is None or device is sender:
            return
        if device.simulated is not None:
            wrapped = Node(
                "message",
                node.attrs,
                [Node("participants", None, [Node("to", {"jid": target}, encs)])],
            )
            self._read_privately(sender, origin, wrapped)
            return
        if device.noise is None:
            return
        attrs: dict[str, str | Jid] = {
            "id": node.attr("id"),
            "t": str(self.now()),
            "type": node.opt_attr("type") or "text",
            **_relayed(node),
        }
        if group is not None:
            attrs.update({"from": group, "participant": origin})
        else:
            attrs["from"] = origin
            if device.account is sender.account and node.has_attr("recipient"):
                attrs["recipient"] = node.attr("recipient")
        others = [c for c in node.nodes if c.tag == "device-identity"]
        await self._deliver_to(device, Node("message", attrs, [*encs, *others]))

    async def _deliver_to(self, device: Device, node: Node) -> None:
        link = self._online.get(device)
        if link is not None and link.logged_in:
            with _quietly():
                await self._send(link, node)
            return
        device.outbox[(node.tag, node.attr("id"))] = node  # delivered at its next login


class _quietly_decrypting:
    """A message a simulated device cannot read is logged and left unread (as a phone would
    ask for a retry; the simulator does not), never an error that ends the connection."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: object, traceback: object) -> bool:
        if isinstance(error, Exception):
            _log.warning("simulator: a simulated device could not decrypt", error=repr(error))
            return True
        return False


class _quietly:
    """Suppress the errors of writing to a connection that may be going away."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: object, traceback: object) -> bool:
        return isinstance(error, ConnectionClosed | WireError)


def _relayed(node: Node) -> dict[str, str]:
    """The attributes of a companion's ``<message>`` that the server passes on as they are
    (``edit``: an edit or a revoke)."""
    return {"edit": node.attr("edit")} if node.has_attr("edit") else {}


def _stamped(node: Node, now: int) -> Node:
    """`node` with ``t`` set to `now` (live traffic carries the server's time)."""
    return Node(node.tag, {**node.attrs, "t": str(now)}, node.content)


def _offline(node: Node) -> Node:
    """A queued stanza as delivered after a reconnect (marked ``offline``)."""
    if node.has_attr("offline"):
        return node
    return Node(node.tag, {**node.attrs, "offline": "1"}, node.content)


class AutoScanner(EventHandler):
    """A simulated phone that scans the pairing QR code it is shown, or types the pairing
    code, after `delay` seconds.

    Add it to a bot running against the simulator (``.with_handler(AutoScanner(sim))``) so
    pairing completes by itself; or scan by hand with `Simulator.scan` (`enter_pair_code`).
    Each pairing connection is scanned once (its later, rotated codes are ignored). `account`
    is whose phone scans a QR code (the simulator's own account by default; see
    `Simulator.scan`); with `own_accounts` each QR code is scanned by the phone of a new
    account instead (`Simulator.add_account`), so that many clients on one bus become as many
    accounts. A pairing code goes to the account the client named.

    Its hooks return at once: the scan (after `delay`) runs in the simulator's own task, so one
    scanner pairs any number of clients concurrently (a bus runs one async handler's calls one
    after another: a scanner that slept in its hook would pair one client per `delay`).
    """

    def __init__(
        self,
        simulator: Simulator,
        delay: float = 0.5,
        *,
        account: Jid | None = None,
        own_accounts: bool = False,
    ) -> None:
        if own_accounts and account is not None:
            raise ValueError("give account or own_accounts, not both")
        self._simulator = simulator
        self._delay = delay
        self._account = account
        self._own_accounts = own_accounts
        self.scans = 0
        """How many pairings it scanned."""
        self.codes_entered = 0
        """How many pairing codes it typed."""

    def on_pairing_qr_code(self, event: PairingQrCode) -> None:
        self._simulator._start_soon(self._scan, event.code)

    def on_pairing_code(self, event: PairingCode) -> None:
        self._simulator._start_soon(self._enter, event.code)

    async def _scan(self, code: str) -> None:
        await anyio.sleep(self._delay)
        account = self._account
        if self._own_accounts:
            if not self._simulator._awaits_scan(code):
                return  # scanned already, or the connection is gone: no account for it
            account = self._simulator.add_account()
        try:
            self._simulator.scan(code, account=account)
        except SimulatorError:
            return  # already scanned, or the connection is gone: nothing to do
        self.scans += 1

    async def _enter(self, code: str) -> None:
        await anyio.sleep(self._delay)
        try:
            await self._simulator.enter_pair_code(code)
        except SimulatorError:
            return  # no pairing waits for it: nothing to do
        self.codes_entered += 1
