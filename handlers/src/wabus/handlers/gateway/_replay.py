"""The session's current state, as the gateway replays it to a client that subscribes late.

A client that subscribes to ``connection.update``, ``creds.update``, ``auth.qr`` or
``auth.pairing-code`` first receives what those events say *now* (if anything), then the live
events. Without it a client that connects while the account pairs would wait for the next QR
rotation, and one that connects after the account logged in would never learn that it did.

What is kept (from the Baileys projections the gateway already makes, so every namespace
replays the same payloads the live events carried):

- ``connection.update``: the updates since the current connection began, merged as Baileys'
  users merge them into a ``ConnectionState`` (``{connection, qr, isNewLogin,
  receivedPendingNotifications, lastDisconnect}``). An update that says ``connecting`` starts
  a new state; one that closes the connection also clears ``qr`` (that code is dead).
- ``creds.update``: every partial update merged (``me``, ``platform``, ``accountSettings``);
  forgotten when the server logs the account out (status code 401).
- ``auth.qr``: the QR code on show, with ``timeout`` reduced by the time it has been shown;
  ``auth.pairing-code``: the pairing code on show. Both are forgotten once the connection says
  there is no QR code any more (``qr: null``: paired, or a new connection), opens or closes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Final, final

__all__ = ["REPLAYED_EVENTS", "ReplayState"]

CONNECTION: Final = "connection.update"
CREDS: Final = "creds.update"
QR: Final = "auth.qr"
PAIRING_CODE: Final = "auth.pairing-code"

REPLAYED_EVENTS: Final = (CONNECTION, CREDS, QR, PAIRING_CODE)
"""The events whose current state a client receives when it subscribes, in this order."""

_LOGGED_OUT: Final = 401  # DisconnectReason.loggedOut


def _status_code(update: Mapping[str, Any]) -> object:
    last = update.get("lastDisconnect")
    error = last.get("error") if isinstance(last, Mapping) else None
    output = error.get("output") if isinstance(error, Mapping) else None
    return output.get("statusCode") if isinstance(output, Mapping) else None


@final
class ReplayState:
    """The current state of the four replayed events (see the module doc).

    `observe` takes every projected event (the gateway calls it on the bus's loop, before it
    queues the event for clients); `replay` gives the payloads for the names a client has just
    subscribed to. `clock` is the monotonic clock (seconds) the QR code's age is measured on.
    """

    __slots__ = ("_clock", "_code", "_connection", "_creds", "_qr", "_qr_at")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._connection: dict[str, Any] | None = None
        self._creds: dict[str, Any] | None = None
        self._qr: dict[str, Any] | None = None
        self._qr_at = 0.0
        self._code: dict[str, Any] | None = None

    def observe(self, name: str, payload: object) -> None:
        """Take one projected event into the state (other names are ignored)."""
        if not isinstance(payload, Mapping):
            return
        if name == CONNECTION:
            self._on_connection(payload)
        elif name == CREDS:
            self._creds = {**(self._creds or {}), **payload}
        elif name == QR:
            self._qr, self._qr_at = dict(payload), self._clock()
        elif name == PAIRING_CODE:
            self._code = dict(payload)

    def _on_connection(self, update: Mapping[str, Any]) -> None:
        connection = update.get("connection")
        if connection == "connecting" or self._connection is None:
            self._connection = dict(update)
        else:
            self._connection.update(update)
        if connection == "close":
            self._connection["qr"] = None
            if _status_code(update) == _LOGGED_OUT:
                self._creds = None
        if connection in ("open", "close") or ("qr" in update and update["qr"] is None):
            self._qr = self._code = None

    def current(self, name: str) -> dict[str, Any] | None:
        """What `name` says now (a fresh dict), or None when it has nothing to say."""
        if name == CONNECTION:
            return None if self._connection is None else dict(self._connection)
        if name == CREDS:
            return None if self._creds is None else dict(self._creds)
        if name == QR:
            if self._qr is None:
                return None
            shown_ms = int((self._clock() - self._qr_at) * 1000)
            timeout = self._qr.get("timeout")
            if isinstance(timeout, int) and not isinstance(timeout, bool):
                return {**self._qr, "timeout": max(0, timeout - shown_ms)}
            return dict(self._qr)
        if name == PAIRING_CODE:
            return None if self._code is None else dict(self._code)
        return None

    def replay(self, names: Callable[[str], bool]) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(name, payload)`` for each replayed event `names` accepts that has a state, in
        `REPLAYED_EVENTS` order."""
        for name in REPLAYED_EVENTS:
            if names(name):
                payload = self.current(name)
                if payload is not None:
                    yield name, payload

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every replayed event that has a state, by name (fresh dicts)."""
        return dict(self.replay(lambda _: True))
