"""How a session ends: one table from ``<failure>`` and ``<stream:error>`` to events and outcome.

A server ends a session with one of three stanzas: ``<failure reason=…>`` (the login is
refused, or the account is gone), ``<stream:error code=…>`` (or with a ``<conflict>`` child),
and ``<xmlstreamend/>``. Each means some events for handlers (`LoggedOut`, `TemporaryBan`,
`StreamReplaced`, …) and one `Outcome` for the driver: stop for good, retry after a backoff,
or restart at once. Both live here, side by side, so that what a code means is decided once:
the `Router` takes the events from `session_end`, the `Connection` the outcome.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from wabus.core import Node, NodeError
from wabus.core.events import (
    BaseEvent,
    ClientOutdated,
    ConnectFailure,
    ConnectFailureReason,
    LoggedOut,
    StreamError,
    StreamReplaced,
    TempBanReason,
    TemporaryBan,
)

__all__ = ["SESSION_ENDING_TAGS", "Outcome", "SessionEnd", "session_end"]

SESSION_ENDING_TAGS: Final = frozenset({"failure", "stream:error", "xmlstreamend"})
"""The stanzas after which the server closes the connection."""


class Outcome(enum.Enum):
    """What a driver does when a session ends."""

    STOP = "stop"
    """For good: logged out, replaced by another connection, banned, outdated. Do not reconnect."""
    RETRY = "retry"
    """Reconnect after a backoff (server trouble, a dropped stream)."""
    RESTART = "restart"
    """Reconnect at once: the server asks for it (after pairing, stream error 515)."""


@dataclass(frozen=True, slots=True)
class SessionEnd:
    """What one session-ending stanza means."""

    outcome: Outcome
    reason: str
    """A short description for logs and `Disconnected`."""
    events: tuple[BaseEvent, ...] = ()


_Build = Callable[[Node], tuple[BaseEvent, ...]]
_Row = tuple[_Build, Outcome]
_NO_TIME: Final = timedelta(0)


def _logged_out(
    reason: ConnectFailureReason, *, on_connect: bool
) -> Callable[[Node], tuple[BaseEvent, ...]]:
    return lambda node: (LoggedOut(on_connect=on_connect, reason=reason),)


def _temporary_ban(node: Node) -> tuple[BaseEvent, ...]:
    return (
        TemporaryBan(
            code=TempBanReason(node.opt_int_attr("code", 0, minimum=0) or 0),
            expire=node.opt_seconds_attr("expire", _NO_TIME) or _NO_TIME,
        ),
    )


def _other_failure(node: Node) -> tuple[BaseEvent, ...]:
    reason = ConnectFailureReason(node.int_attr("reason", minimum=0))
    return (ConnectFailure(reason=reason, message=node.opt_attr("message", "") or "", raw=node),)


def _nothing(node: Node) -> tuple[BaseEvent, ...]:
    return ()


# <failure reason=…>: the codes with their own meaning; any other code is a `ConnectFailure`
# and a retry.
_FAILURES: Final[dict[int, _Row]] = {
    401: (_logged_out(ConnectFailureReason.LOGGED_OUT, on_connect=True), Outcome.STOP),
    402: (_temporary_ban, Outcome.STOP),
    403: (_logged_out(ConnectFailureReason.MAIN_DEVICE_GONE, on_connect=True), Outcome.STOP),
    405: (lambda node: (ClientOutdated(),), Outcome.STOP),
    406: (_logged_out(ConnectFailureReason.UNKNOWN_LOGOUT, on_connect=True), Outcome.STOP),
}
_OTHER_FAILURE: Final[_Row] = (_other_failure, Outcome.RETRY)

# <stream:error code=…>: as above, keyed by the code ("" when there is none).
_STREAM_ERRORS: Final[dict[str, _Row]] = {
    "401": (_logged_out(ConnectFailureReason.LOGGED_OUT, on_connect=False), Outcome.STOP),
    "409": (lambda node: (StreamReplaced(),), Outcome.STOP),
    # Not a login-failure code: reported as a logout of unknown cause.
    "516": (_logged_out(ConnectFailureReason.UNKNOWN_LOGOUT, on_connect=False), Outcome.STOP),
    # The codes a client handles by itself: restart, back off. They are not events.
    "515": (_nothing, Outcome.RESTART),
    "429": (_nothing, Outcome.RETRY),
    "503": (_nothing, Outcome.RETRY),
}
_OTHER_STREAM_ERROR: Final[_Row] = (
    lambda node: (StreamError(code=node.opt_attr("code", "") or "", raw=node),),
    Outcome.RETRY,
)
# <stream:error><conflict type=…/>: "replaced" is another connection of this device; any other
# conflict means the device was removed.
_CONFLICTS: Final[dict[str, _Row]] = {
    "replaced": (lambda node: (StreamReplaced(),), Outcome.STOP),
}
_OTHER_CONFLICT: Final[_Row] = (
    _logged_out(ConnectFailureReason.LOGGED_OUT, on_connect=False),
    Outcome.STOP,
)


def session_end(node: Node) -> SessionEnd:
    """What a ``<failure>``, ``<stream:error>`` or ``<xmlstreamend>`` means.

    Raises `NodeError` for another tag, and for a malformed one (a ``<failure>`` without a
    numeric reason, a number out of range): a caller that must end the session anyway treats
    that as a retry.
    """
    tag = node.tag
    if tag == "xmlstreamend":
        return SessionEnd(Outcome.RETRY, "the server ended the stream")
    if tag == "failure":
        reason = node.int_attr("reason", minimum=0)
        build, outcome = _FAILURES.get(reason, _OTHER_FAILURE)
        return SessionEnd(outcome, f"login failed ({reason})", build(node))
    if tag == "stream:error":
        conflict = node.child("conflict")
        if conflict is not None:
            kind = conflict.opt_attr("type", "") or ""
            build, outcome = _CONFLICTS.get(kind, _OTHER_CONFLICT)
            return SessionEnd(outcome, f"stream ended: conflict ({kind or 'unknown'})", build(node))
        code = node.opt_attr("code", "") or ""
        build, outcome = _STREAM_ERRORS.get(code, _OTHER_STREAM_ERROR)
        reasons = {
            Outcome.RESTART: "the server asked for a restart",
            Outcome.STOP: f"stream ended for good ({code})",
            Outcome.RETRY: f"stream error {code}",
        }
        return SessionEnd(outcome, reasons[outcome], build(node))
    raise NodeError(f"<{tag}> does not end a session")
