"""`Router`: decoded stanzas in, typed events out (sans-IO).

Theory of operation
-------------------

`Router.route(node)` looks the stanza's tag up in a table and hands it to the parser for that
kind (`_stanzas`), which returns zero or more events. It never reads a socket or the clock (the
clock is injected) and keeps only the little session state the table needs: our own JIDs (to
tell our own messages apart and see that we joined a group), our push name (to report a
change), the edge-routing token the server handed out, and two per-connection latches
(`Connected` and `OfflineSyncCompleted` are reported once per connection; `reset()` starts a
new one).

Message bodies: a ``<plaintext>`` body (newsletters, the simulator) is the body; ``<enc>``
bodies go to the configured `Decryptor`, and without one (end-to-end decryption comes later)
they become `UndecryptableMessage`, never a crash. A body is not parsed, except that one from
our own account is checked, by a scan of its top-level protobuf fields, for a history-sync
notification; that becomes a `HistorySync` event (the inline payload, or a blob fetched
through the injected `HistoryDownloader` and decrypted).

A malformed stanza (a missing required attribute, a bad JID, a value of the wrong form, a
history blob that does not decrypt) yields one `MalformedStanza` event with the tag and the
reason, and is logged; the next stanza is routed as usual.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Protocol

import structlog

from wabus.core import Jid, Node
from wabus.core.events import (
    BaseEvent,
    Connected,
    DecryptFailMode,
    MalformedStanza,
    Message,
    MessageInfo,
    Notification,
    PairError,
    PairingQrCode,
    PairSuccess,
    PushNameUpdate,
    QrScannedWithoutMultidevice,
    SelfPushNameUpdated,
    UnavailableType,
    UndecryptableMessage,
)
from wabus.protocol import _stanzas as stanzas
from wabus.protocol._clock import utc_now
from wabus.protocol._errors import AlreadyHandled, DecryptionFailed, PairingVerificationFailed
from wabus.protocol._history import (
    DEFAULT_MAX_HISTORY,
    HistoryDownloader,
    history_sync_event,
    peek_history_notification,
)
from wabus.protocol._session_end import SESSION_ENDING_TAGS, session_end

__all__ = [
    "COMPANION_PLATFORM",
    "QR_URL_PREFIX",
    "Decryptor",
    "PairingKeys",
    "PairingVerifier",
    "Router",
    "malformed_stanza",
]

_log = structlog.get_logger("wabus.protocol.router")

QR_URL_PREFIX: Final = "https://wa.me/settings/linked_devices#"
"""What current clients put before the pairing data in a QR code."""
COMPANION_PLATFORM: Final = "7"
"""The companion kind wabus shows in its QR code: a desktop app ("7", Electron, in the
companion web client types), as its registration presents a desktop platform."""
FIRST_QR_TIMEOUT: Final = timedelta(seconds=60)
"""How long the first pairing QR code of a ``pair-device`` stanza is shown."""
NEXT_QR_TIMEOUT: Final = timedelta(seconds=20)
"""How long each following QR code is shown."""


class Decryptor(Protocol):
    """Decrypts ``<enc>`` bodies (end-to-end decryption plugs in here)."""

    def decrypt(self, enc: Node, info: MessageInfo) -> bytes:
        """The plaintext ``wa.Message`` bytes (unpadded) of one ``<enc>`` child.

        Raise `DecryptionFailed` when it cannot be decrypted (`AlreadyHandled` for a redelivery
        of a message handled before).
        """


class PairingVerifier(Protocol):
    """Checks the ADV device identity of a pair-success (HMAC and signatures)."""

    def verify(self, device_identity: bytes, device: Jid, lid: Jid | None) -> None:
        """Return if the identity proves this pairing; raise `PairingVerificationFailed`."""


@dataclass(frozen=True, slots=True)
class PairingKeys:
    """The public keys and secret a pairing QR code carries (base64 in the code)."""

    noise_public: bytes
    identity_public: bytes
    adv_secret: bytes
    platform: str = COMPANION_PLATFORM
    """The companion's kind, the QR code's last field (see `COMPANION_PLATFORM`)."""

    def qr_code(self, ref: str) -> str:
        """The QR text for one ``ref``, in the form current clients show:
        ``https://wa.me/settings/linked_devices#ref,noise,identity,adv,platform`` (keys in
        base64). Phones also read the older ``ref,noise,identity,adv``."""
        parts = (self.noise_public, self.identity_public, self.adv_secret)
        fields = [ref, *(base64.b64encode(p).decode("ascii") for p in parts), self.platform]
        return QR_URL_PREFIX + ",".join(fields)


_Parser = Callable[[Node, stanzas.Context], list[BaseEvent]]

_NOTIFICATIONS: Final[dict[str, _Parser]] = {
    "w:gp2": stanzas.group_notification,
    "picture": stanzas.picture_notification,
    "status": stanzas.status_notification,
    "devices": stanzas.devices_notification,
    "business": stanzas.business_notification,
    "encrypt": stanzas.encrypt_notification,
    "disappearing_mode": stanzas.disappearing_notification,
    "contacts": stanzas.contacts_notification,
    "newsletter": stanzas.newsletter_notification,
}
# Not in the table, so kept as the raw `Notification`: types that neither the catalogue nor
# whatsapp-rust has a kind for, and that a client acts on itself (privacy_token: trusted-contact
# tokens to store; server_sync: app-state collections to fetch; mediaretry: an encrypted
# media-retry answer; link_code_companion_reg: a pairing-code step).

# Stanzas that are bookkeeping for the connection, never events.
_SILENT: Final = frozenset({"ack", "xmlstreamstart"})

PUSH_NAMES_REMEMBERED: Final = 10_000
"""How many contacts' push names the router remembers to notice a change (oldest forgotten)."""


def malformed_stanza(node: Node, error: Exception, *, log: bool = True) -> MalformedStanza:
    """The `MalformedStanza` for a stanza whose handling raised `error`, logged once.

    A `ValueError` (a `NodeError`, an `InvalidJid`, pydantic's `ValidationError`, …) means the
    stanza is malformed: a warning. Anything else is unexpected (a bug on our side, or an error
    type a dependency raises that we did not foresee): logged as an error with its traceback.
    Either way the session goes on with the next stanza.
    """
    text = str(error).splitlines()[0] if str(error) else ""
    kind = type(error).__name__
    reason = text or kind
    if log:
        with contextlib.suppress(Exception):  # a failing log sink must not stop routing
            if isinstance(error, ValueError):
                _log.warning(
                    "malformed stanza",
                    tag=node.tag,
                    reason=reason,
                    error=kind,
                    stanza_id=node.opt_attr("id"),
                )
            else:
                _log.error(
                    "stanza handling failed",
                    tag=node.tag,
                    reason=reason,
                    error=kind,
                    stanza_id=node.opt_attr("id"),
                    exc_info=error,
                )
    return MalformedStanza(tag=node.tag, reason=reason, error=kind, raw=node)


class Router:
    """Turns decoded stanzas into events. One router per session; `reset()` per connection.

    All collaborators are optional and injected: `decryptor` for ``<enc>`` bodies,
    `history_downloader` for history blobs not sent inline, `pairing_keys` to build QR codes,
    `pairing_verifier` to check pair-success, and `clock` for stanzas without a time.
    """

    def __init__(
        self,
        *,
        own_pn: Jid | None = None,
        own_lid: Jid | None = None,
        push_name: str = "",
        decryptor: Decryptor | None = None,
        history_downloader: HistoryDownloader | None = None,
        pairing_keys: PairingKeys | None = None,
        pairing_verifier: PairingVerifier | None = None,
        clock: Callable[[], datetime] = utc_now,
        max_history_bytes: int = DEFAULT_MAX_HISTORY,
    ) -> None:
        self.own_pn = own_pn
        self.own_lid = own_lid
        self.push_name = push_name
        self.decryptor = decryptor
        self.history_downloader = history_downloader
        self.pairing_keys = pairing_keys
        self.pairing_verifier = pairing_verifier
        self.clock = clock
        self.max_history_bytes = max_history_bytes
        self.edge_routing_info: bytes | None = None
        """The latest edge-routing token the server sent (store it for the next connect)."""
        self._connected = False
        self._offline_done = False
        self._push_names: dict[Jid, str] = {}
        self._table: dict[str, Callable[[Node], list[BaseEvent]]] = {
            "message": self._message,
            "receipt": self._with_context(stanzas.receipt),
            "presence": self._with_context(stanzas.presence),
            "chatstate": self._with_context(stanzas.chatstate),
            "call": self._with_context(stanzas.call),
            "notification": self._notification,
            "ib": self._ib,
            "success": self._success,
            "failure": self._session_end,
            "stream:error": self._session_end,
            "iq": self._iq,
        }

    def reset(self) -> None:
        """Start a new connection: `Connected` and `OfflineSyncCompleted` may come again."""
        self._connected = False
        self._offline_done = False

    @property
    def context(self) -> stanzas.Context:
        """What the parsers see of this session."""
        return stanzas.Context(own_pn=self.own_pn, own_lid=self.own_lid, now=self.clock)

    def route(self, node: Node) -> list[BaseEvent]:
        """The events one stanza means (possibly none).

        Never raises for a bad stanza: whatever a parser raises becomes one `MalformedStanza`
        (see `malformed_stanza`), and the router is ready for the next stanza.
        """
        if node.tag in SESSION_ENDING_TAGS:
            self.reset()  # whatever this stanza means, the next one is a new connection's
        if node.tag in _SILENT or node.tag == "xmlstreamend":
            return []
        handler = self._table.get(node.tag)
        if handler is None:
            return [Notification(raw=node)]
        try:
            return handler(node)
        except Exception as err:  # every exception a parser can raise: see malformed_stanza()
            return [malformed_stanza(node, err)]

    def _with_context(self, parser: _Parser) -> Callable[[Node], list[BaseEvent]]:
        return lambda node: parser(node, self.context)

    # <message> -----------------------------------------------------------------------------

    def _message(self, node: Node) -> list[BaseEvent]:
        info = stanzas.message_info(node, self.context)
        unavailable = node.child("unavailable")
        if unavailable is not None:
            return [
                UndecryptableMessage(
                    info=info,
                    is_unavailable=True,
                    unavailable_type=UnavailableType(unavailable.opt_attr("type") or "unknown"),
                )
            ]
        plaintext = node.child("plaintext")
        if plaintext is not None:
            return self._body(node, info, plaintext.bytes_content or b"")
        encs = node.children("enc")
        if not encs:
            _log.debug("message without a body", stanza_id=info.id)
            return []
        fail_mode = DecryptFailMode(encs[0].opt_attr("decrypt-fail", "") or "")
        if self.decryptor is None:
            return [UndecryptableMessage(info=info, decrypt_fail_mode=fail_mode)]
        # Session messages first: they may carry the sender key a group message needs.
        ordered = sorted(encs, key=lambda e: e.opt_attr("type") == "skmsg")
        body: bytes | None = None
        for enc in ordered:
            try:
                body = self.decryptor.decrypt(enc, info)
            except AlreadyHandled as err:
                _log.debug("a redelivered message, handled before", stanza_id=info.id)
                del err
                return []
            except DecryptionFailed as err:
                _log.info("could not decrypt", stanza_id=info.id, reason=err.reason)
                return [
                    UndecryptableMessage(info=info, decrypt_fail_mode=fail_mode, reason=err.reason)
                ]
        assert body is not None
        return self._body(node, info, body)

    def _body(self, node: Node, info: MessageInfo, body: bytes) -> list[BaseEvent]:
        if info.source.is_from_me:
            notification = peek_history_notification(body)
            if notification is not None:
                event = history_sync_event(
                    notification, self.history_downloader, self.max_history_bytes
                )  # None: the blob cannot be had here, so pass the message on as it is
                if event is not None:
                    return [event]
        events: list[BaseEvent] = [Message(info=info, raw=body)]
        renamed = self._push_name_change(info)
        if renamed is not None:
            events.append(renamed)
        return events

    def _push_name_change(self, info: MessageInfo) -> PushNameUpdate | None:
        """A `PushNameUpdate` when a sender's push name differs from the one we knew."""
        name = info.push_name
        source = info.source
        if not name or source.is_from_me or source.chat.is_newsletter:
            return None
        sender = source.sender.to_non_ad()
        known = self._push_names.pop(sender, None)
        self._push_names[sender] = name  # most recent last: the oldest is forgotten first
        if len(self._push_names) > PUSH_NAMES_REMEMBERED:
            del self._push_names[next(iter(self._push_names))]
        if known is None or known == name:
            return None
        return PushNameUpdate(jid=sender, info=info, old_push_name=known, new_push_name=name)

    # <notification> ------------------------------------------------------------------------

    def _notification(self, node: Node) -> list[BaseEvent]:
        kind = node.opt_attr("type", "") or ""
        if kind == "account_sync":
            return self._account_sync(node)
        parser = _NOTIFICATIONS.get(kind)
        if parser is None:
            return [Notification(raw=node)]
        return parser(node, self.context)

    def _account_sync(self, node: Node) -> list[BaseEvent]:
        """Our own account changed on another device: push name, block list, default
        disappearing timer (``devices`` and ``privacy`` children are the client's business)."""
        events: list[BaseEvent] = []
        for child in node.nodes:
            if child.tag == "blocklist":
                events.append(stanzas.blocklist_update(child, node))
            elif child.tag == "disappearing_mode":
                events.append(stanzas.own_disappearing_mode(child, node, self.context))
        name = node.opt_attr("pushname")
        named = node.child("pushname")
        if name is None and named is not None:
            name = named.opt_attr("name") or named.text
        if name and name != self.push_name:
            old, self.push_name = self.push_name, name
            events.append(SelfPushNameUpdated(from_server=True, old_name=old, new_name=name))
        return events

    def _session_end(self, node: Node) -> list[BaseEvent]:
        return list(session_end(node).events)

    # <ib>, <success> ----------------------------------------------------------------------

    def _ib(self, node: Node) -> list[BaseEvent]:
        events: list[BaseEvent] = []
        for child in node.nodes:
            if child.tag == "offline_preview":
                events.append(stanzas.offline_preview(child))
            elif child.tag == "offline":
                if not self._offline_done:
                    self._offline_done = True
                    events.append(stanzas.offline_completed(child))
            elif child.tag == "downgrade_webclient":
                events.append(QrScannedWithoutMultidevice())
            elif child.tag == "dirty":
                events.append(stanzas.dirty(child))
            elif child.tag == "edge_routing":
                info = child.child("routing_info")
                if info is not None and info.bytes_content:
                    self.edge_routing_info = info.bytes_content
        return events

    def _success(self, node: Node) -> list[BaseEvent]:
        lid = node.opt_jid("lid")
        if lid is not None:
            self.own_lid = lid
        if self._connected:
            return []
        self._connected = True
        return [Connected()]

    # <iq> ----------------------------------------------------------------------------------

    def _iq(self, node: Node) -> list[BaseEvent]:
        child = node.nodes[0] if node.nodes else None
        if child is None or node.opt_attr("type") in ("result", "error"):
            return []  # answers to our own requests: the client matches them
        if child.tag == "pair-device":
            stanzas.ensure_server(node.jid("from"))
            return self._pair_device(child)
        if child.tag == "pair-success":
            stanzas.ensure_server(node.jid("from"))
            return self._pair_success(child)
        return []  # pings and other requests: the client answers them

    def _pair_device(self, child: Node) -> list[BaseEvent]:
        refs = [ref.text or "" for ref in child.children("ref")]
        if not refs:
            raise ValueError("<pair-device> has no <ref>")
        keys = self.pairing_keys
        return [
            PairingQrCode(
                code=keys.qr_code(ref) if keys is not None else ref,
                timeout=FIRST_QR_TIMEOUT if n == 0 else NEXT_QR_TIMEOUT,
            )
            for n, ref in enumerate(refs)
        ]

    def _pair_success(self, child: Node) -> list[BaseEvent]:
        device = child.require_child("device")
        jid = device.jid("jid")
        lid = device.opt_jid("lid")
        platform = child.child("platform")
        biz = child.child("biz")
        identity = child.require_child("device-identity").bytes_content or b""
        business_name = (biz.opt_attr("name") if biz is not None else None) or ""
        platform_name = (platform.opt_attr("name") if platform is not None else None) or ""

        def failed(error: str) -> list[BaseEvent]:
            return [
                PairError(
                    id=jid,
                    lid=lid or jid,
                    business_name=business_name,
                    platform=platform_name,
                    error=error,
                )
            ]

        if self.pairing_verifier is None:
            return failed("no pairing verifier is configured")
        try:
            self.pairing_verifier.verify(identity, jid, lid)
        except PairingVerificationFailed as err:
            return failed(err.reason)
        self.own_pn = jid
        if lid is not None:
            self.own_lid = lid
        return [
            PairSuccess(id=jid, lid=lid or jid, business_name=business_name, platform=platform_name)
        ]
