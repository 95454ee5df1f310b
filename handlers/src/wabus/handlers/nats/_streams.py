"""Streams and connections: `StreamSettings`, creating a stream when it is missing, connecting.

A stream is created with the settings given when none of its name exists. When one exists,
it is used as it is, after two checks: it must capture the subjects the caller needs, and its
retention and storage must be the configured ones (neither can change on a live stream, and
both change what acknowledging a message means). Limits that differ (age, size, duplicate
window) are left alone and logged: whoever created the stream owns them.

Connections reconnect for ever once established (a bridge or a worker outlives a NATS
restart), but the first connection must succeed within a timeout, so that a mistyped address
is an error at start-up rather than a silent wait. Disconnections and reconnections are
logged through structlog (``wabus.nats``), errors at most once every few seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import anyio
import nats
import nats.errors
import nats.js.errors
import structlog
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
    StreamInfo,
)

from wabus.handlers.nats._errors import (
    BridgeConnectError,
    BridgeError,
    StreamMismatch,
    UnsupportedEventLoop,
)
from wabus.handlers.nats._subjects import (
    DEFAULT_DEAD_LETTER_PREFIX,
    DEFAULT_PREFIX,
    check_name,
    check_prefix,
)

__all__ = [
    "DEFAULT_DEAD_LETTER_STREAM",
    "DEFAULT_SERVERS",
    "DEFAULT_STREAM",
    "StreamSettings",
    "connect",
    "ensure_stream",
    "require_asyncio",
    "server_subjects_match",
]

_log = structlog.get_logger("wabus.nats")

DEFAULT_SERVERS: Final[tuple[str, ...]] = ("nats://127.0.0.1:4222",)
"""Where the bridge looks for NATS unless told otherwise."""

Retention = Literal["limits", "interest", "workqueue"]
Storage = Literal["file", "memory"]
Discard = Literal["old", "new"]

_DAY: Final = 24 * 3600.0
# While a connection is down, the client reports every failed reconnect; log one per period.
_ERROR_LOG_PERIOD: Final = 10.0


def _check_limit(problems: list[str], name: str, value: object, *, allow_zero: bool) -> None:
    if value is None:
        return
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or value < 0
        or (value == 0 and not allow_zero)
    ):
        problems.append(f"{name} must be a positive number or None, got {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamSettings:
    """A JetStream stream: its name, the subjects it captures, its retention and limits.

    The stream captures ``<subject_prefix>.>``. `None` for a limit means unlimited; times are
    in seconds. Used as given when the stream is created; an existing stream is checked (see
    the module doc).
    """

    name: str = "WABUS"
    """The stream's name."""
    subject_prefix: str = DEFAULT_PREFIX
    """The first token(s) of every subject it captures."""
    retention: Retention = "limits"
    """``limits`` keeps messages until a limit removes them (any number of consumers);
    ``interest`` until every consumer acknowledged them; ``workqueue`` until one did."""
    storage: Storage = "file"
    """``file`` survives a server restart; ``memory`` is faster and does not."""
    max_age: float | None = 7 * _DAY
    """How long a message is kept at most."""
    max_bytes: int | None = None
    """How many bytes the stream holds at most."""
    max_msgs: int | None = None
    """How many messages the stream holds at most."""
    max_msgs_per_subject: int | None = None
    """How many messages each subject holds at most."""
    discard: Discard = "old"
    """At a limit: drop the oldest messages (``old``) or refuse new ones (``new``)."""
    duplicate_window: float = 120.0
    """How long the stream remembers ``Nats-Msg-Id``s to drop duplicates."""
    replicas: int = 1
    """Copies of the stream in a cluster."""

    def __post_init__(self) -> None:
        check_name("stream name", self.name)
        check_prefix("subject prefix", self.subject_prefix)
        problems: list[str] = []
        if self.retention not in ("limits", "interest", "workqueue"):
            problems.append(f"retention must be limits, interest or workqueue: {self.retention!r}")
        if self.storage not in ("file", "memory"):
            problems.append(f"storage must be file or memory, got {self.storage!r}")
        if self.discard not in ("old", "new"):
            problems.append(f"discard must be old or new, got {self.discard!r}")
        for name in ("max_age", "max_bytes", "max_msgs", "max_msgs_per_subject"):
            _check_limit(problems, name, getattr(self, name), allow_zero=False)
        _check_limit(problems, "duplicate_window", self.duplicate_window, allow_zero=False)
        if not isinstance(self.replicas, int) or not 1 <= self.replicas <= 5:
            problems.append(f"replicas must be 1 to 5, got {self.replicas!r}")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def subjects(self) -> tuple[str, ...]:
        """The subjects the stream captures."""
        return (f"{self.subject_prefix}.>",)

    def to_config(self) -> StreamConfig:
        """The nats-py stream configuration for these settings."""
        return StreamConfig(
            name=self.name,
            subjects=list(self.subjects),
            retention=RetentionPolicy(self.retention),
            storage=StorageType(self.storage),
            max_age=self.max_age,
            max_bytes=self.max_bytes if self.max_bytes is not None else -1,
            max_msgs=self.max_msgs if self.max_msgs is not None else -1,
            max_msgs_per_subject=(
                self.max_msgs_per_subject if self.max_msgs_per_subject is not None else -1
            ),
            discard=DiscardPolicy(self.discard),
            duplicate_window=self.duplicate_window,
            num_replicas=self.replicas,
        )


DEFAULT_STREAM: Final = StreamSettings()
"""The events stream: ``WABUS``, capturing ``wabus.>``, messages kept for 7 days."""

DEFAULT_DEAD_LETTER_STREAM: Final = StreamSettings(
    name="WABUS_DEAD", subject_prefix=DEFAULT_DEAD_LETTER_PREFIX, max_age=30 * _DAY
)
"""The dead-letter stream: ``WABUS_DEAD``, capturing ``wabus-dead.>``, kept for 30 days."""


def server_subjects_match(pattern: str, subject: str) -> bool:
    """Whether a NATS subject `pattern` (with ``*`` and ``>`` wildcards) matches `subject`."""
    want = pattern.split(".")
    have = subject.split(".")
    for index, part in enumerate(want):
        if part == ">":
            return len(have) > index
        if index >= len(have) or part not in ("*", have[index]):
            return False
    return len(want) == len(have)


def require_asyncio(what: str) -> None:
    """Raise `UnsupportedEventLoop` unless the caller runs on asyncio (nats-py needs it)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise UnsupportedEventLoop(
            f"{what} needs the asyncio event loop (nats-py is asyncio-only); run the bot with"
            " anyio.run(..., backend='asyncio')"
        ) from None


async def ensure_stream(
    js: JetStreamContext, settings: StreamSettings, *, captures: Sequence[str] = ()
) -> StreamInfo:
    """The stream `settings` names, created if missing; checked if present (module doc).

    `captures` are subjects the stream must capture. Raises `StreamMismatch` when the
    existing stream does not fit.
    """
    try:
        info = await js.stream_info(settings.name)
    except nats.js.errors.NotFoundError:
        try:
            info = await js.add_stream(settings.to_config())
        except nats.js.errors.BadRequestError as err:
            # Another process may have created it meanwhile (then it is checked below), or
            # its subjects overlap another stream's.
            try:
                info = await js.stream_info(settings.name)
            except nats.js.errors.NotFoundError:
                raise StreamMismatch(settings.name, [f"the server refused it: {err}"]) from err
        else:
            _log.info("created stream", stream=settings.name, subjects=list(settings.subjects))
            return info
    _check_stream(info, settings, captures)
    return info


def _check_stream(info: StreamInfo, settings: StreamSettings, captures: Sequence[str]) -> None:
    config = info.config
    problems: list[str] = []
    patterns = config.subjects or []
    problems.extend(
        f"it captures {patterns}, not {subject!r}"
        for subject in captures
        if not any(server_subjects_match(p, subject) for p in patterns)
    )
    # nats-py leaves these as the server's strings in responses; enums when we build them.
    retention = str(getattr(config.retention, "value", config.retention) or "limits")
    if retention != settings.retention:
        problems.append(f"its retention is {retention}, not {settings.retention}")
    storage = str(getattr(config.storage, "value", config.storage) or "file")
    if storage != settings.storage:
        problems.append(f"its storage is {storage}, not {settings.storage}")
    if problems:
        raise StreamMismatch(settings.name, problems)
    wanted = settings.to_config()
    differing = {
        name: getattr(config, name)
        for name in ("max_age", "max_bytes", "max_msgs", "max_msgs_per_subject", "duplicate_window")
        if (getattr(config, name) or 0) != (getattr(wanted, name) or 0)
        and not ((getattr(config, name) or 0) <= 0 and (getattr(wanted, name) or 0) <= 0)
    }
    if differing:
        _log.debug("using an existing stream with other limits", stream=settings.name, **differing)


class _ConnectionLog:
    """The client's callbacks: state changes logged, repeated errors logged once per period."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.client: Client | None = None
        self.last_error: BaseException | None = None
        self._last_logged = -_ERROR_LOG_PERIOD
        self._suppressed = 0

    async def error(self, error: Exception) -> None:
        self.last_error = error
        now = time.monotonic()
        if now - self._last_logged < _ERROR_LOG_PERIOD:
            self._suppressed += 1
            return
        self._last_logged = now
        suppressed, self._suppressed = self._suppressed, 0
        with contextlib.suppress(Exception):
            _log.warning("nats error", client=self.label, error=repr(error), repeats=suppressed)

    async def disconnected(self) -> None:
        client = self.client
        if client is None or client.is_closed or client.is_draining:
            return  # closing on purpose (the client also calls this then)
        with contextlib.suppress(Exception):
            _log.warning("nats disconnected; reconnecting", client=self.label)

    async def reconnected(self) -> None:
        with contextlib.suppress(Exception):
            _log.info("nats reconnected", client=self.label)


async def connect(servers: Sequence[str], *, name: str, connect_timeout: float | None) -> Client:
    """A connection to the first NATS server of `servers` that answers.

    Waits at most `connect_timeout` seconds (None: for ever) for the first connection, then
    raises `BridgeConnectError`; after that, the client reconnects by itself for ever.
    """
    require_asyncio(name)
    if isinstance(servers, str):
        servers = [servers]
    if not servers:
        raise BridgeError("no NATS server address given")
    events = _ConnectionLog(name)
    addresses = list(servers)

    async def open_connection() -> Client:
        return await nats.connect(
            servers=addresses,
            name=name,
            error_cb=events.error,
            disconnected_cb=events.disconnected,
            reconnected_cb=events.reconnected,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            connect_timeout=2,
        )

    if connect_timeout is None:
        events.client = await open_connection()
        return events.client
    with anyio.move_on_after(connect_timeout):
        events.client = await open_connection()
        return events.client
    raise BridgeConnectError(addresses, connect_timeout, events.last_error)
