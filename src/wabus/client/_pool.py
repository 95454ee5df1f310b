"""`AccountPool`: many accounts' `Client`\\ s on one event loop, feeding one bus (or a bus each).

A pool is an async context manager that owns one task group. `add(account, client)` starts
``client.run(bus)`` in a task of its own, the client stamping every event with `account`
(`wabus.core.BaseEvent.account`), so handlers on a shared bus can tell accounts apart;
`remove(account)` stops that client (politely: what was read is delivered and acknowledged,
the connection closed), waits until its `run` returned, and forgets it. Both can be called at
any time while the pool runs, from the pool's event loop.

Accounts are independent: an exception that ends one client's `run` (a certificate that does
not verify, a store that fails) is logged, kept as that account's `AccountInfo.error`, and
reported to `on_exit`; it never reaches the pool's task group, so the other accounts go on.
Leaving the pool stops every client that is still running, each as `remove` would.

The pool adds no task or timer per account beyond the client's own (its reader, dispatcher,
writer and keepalive, which sleep while the account is idle): `status` is read off the
client when asked, never polled.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Final, Self, final

import anyio
import anyio.abc
import structlog

from wabus.client._client import Client
from wabus.core import CoreEventBus

__all__ = ["AccountInfo", "AccountPool", "AccountState", "PoolError"]

_log = structlog.get_logger("wabus.client.pool")

DEFAULT_STOP_TIMEOUT: Final = 10.0
"""How long `AccountPool.remove` waits for a stopped client's `run` to return before
cancelling it."""


class PoolError(Exception):
    """A pool used wrongly: not running, an account added twice, an unknown account."""


class AccountState(StrEnum):
    """Where an account of an `AccountPool` is."""

    CONNECTING = "connecting"
    """Its client runs but has no logged-in connection (connecting, or waiting to reconnect)."""
    CONNECTED = "connected"
    """Its client has a logged-in connection."""
    STOPPING = "stopping"
    """`remove` (or leaving the pool) asked it to stop; its `run` has not returned yet."""
    ENDED = "ended"
    """Its client's `run` returned by itself (logged out, replaced, banned): see the log."""
    FAILED = "failed"
    """Its client's `run` raised: `AccountInfo.error` says what."""


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What an `AccountPool` knows of one account right now."""

    account: str
    state: AccountState
    connections: int
    """How many connections its client has opened so far."""
    error: BaseException | None = None
    """What ended its client's `run`, when it raised (state `FAILED`)."""


@dataclass(slots=True)
class _Entry:
    client: Client
    bus: CoreEventBus
    done: anyio.Event
    scope: anyio.CancelScope
    stopping: bool = False
    error: BaseException | None = None


ExitHook = Callable[[str, BaseException | None], object]
"""Called as ``hook(account, error)`` when a client's `run` ends by itself (error None when it
returned, the exception when it raised); not called for `remove` or leaving the pool."""


@final
class AccountPool:
    """Many accounts' clients on one event loop (see the module doc).

    `bus` is where every account's events go, unless `add` is given a bus of its own for an
    account. `stop_timeout` bounds how long `remove` waits for a client to finish after asking
    it to stop; after that its task is cancelled. `on_exit` hears of clients whose `run`
    ended by itself (see `ExitHook`).

    ::

        async with bus, AccountPool(bus) as pool:
            for name in names:
                await pool.add(name, Client(PostgresStore(db, account=name), ...))
            ...
            await pool.remove("support-3")
    """

    def __init__(
        self,
        bus: CoreEventBus,
        *,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT,
        on_exit: ExitHook | None = None,
    ) -> None:
        if not (stop_timeout > 0 and math.isfinite(stop_timeout)):
            raise ValueError(
                f"stop_timeout must be a positive number of seconds, got {stop_timeout}"
            )
        self.bus = bus
        """The bus accounts added without one of their own feed."""
        self.stop_timeout = stop_timeout
        self._on_exit = on_exit
        self._entries: dict[str, _Entry] = {}
        self._tasks: anyio.abc.TaskGroup | None = None

    # Lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._tasks is not None:
            raise PoolError("the pool is already running")
        tasks = anyio.create_task_group()
        await tasks.__aenter__()
        self._tasks = tasks
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        tasks = self._tasks
        assert tasks is not None
        try:
            with anyio.CancelScope(shield=True):
                async with anyio.create_task_group() as stopping:
                    for account in list(self._entries):
                        stopping.start_soon(self.remove, account)
        finally:
            self._tasks = None
            await tasks.__aexit__(kind, error, traceback)
        return None

    # Accounts -----------------------------------------------------------------------------

    async def add(self, account: str, client: Client, *, bus: CoreEventBus | None = None) -> None:
        """Start `client` for `account`, feeding `bus` (the pool's by default).

        The client's `Client.account` is set to `account` if it had none (it must not name
        another). Raises `PoolError` if the pool is not running or already has `account`.
        """
        if self._tasks is None:
            raise PoolError("the pool is not running (use it as `async with AccountPool(...)`)")
        if not isinstance(account, str) or not account:
            raise ValueError(f"an account must be a non-empty name, got {account!r}")
        if account in self._entries:
            raise PoolError(f"account {account!r} is already in the pool")
        if any(entry.client is client for entry in self._entries.values()):
            raise PoolError("this client already runs in the pool for another account")
        if client.account is None:
            client.account = account
        elif client.account != account:
            raise PoolError(f"the client was made for account {client.account!r}, not {account!r}")
        entry = _Entry(client, self.bus if bus is None else bus, anyio.Event(), anyio.CancelScope())
        self._entries[account] = entry
        self._tasks.start_soon(self._run, account, entry, name=f"wabus account {account}")

    async def _run(self, account: str, entry: _Entry) -> None:
        try:
            with entry.scope:
                if not entry.stopping:  # removed before its task began: nothing to run
                    await entry.client.run(entry.bus)
        except Exception as err:  # one account's failure is its own: the others go on
            entry.error = err
            _log.error(
                "account client failed", account=account, error=f"{type(err).__name__}: {err}"
            )
        finally:
            entry.done.set()
        if not entry.stopping:
            if entry.error is None:
                _log.info("account client ended", account=account)
            if self._on_exit is not None:
                try:
                    self._on_exit(account, entry.error)
                except Exception:  # a broken hook must not end the pool
                    _log.exception("the pool's on_exit hook failed", account=account)

    async def remove(self, account: str, *, timeout: float | None = None) -> AccountInfo:
        """Stop `account`'s client, wait until its `run` returned (cancelling it after
        `timeout` seconds, the pool's `stop_timeout` by default), and forget the account;
        returns its last `AccountInfo`.

        Raises `PoolError` for an account the pool does not have.
        """
        entry = self._entries.get(account)
        if entry is None:
            raise PoolError(f"account {account!r} is not in the pool")
        if not entry.done.is_set():
            entry.stopping = True
            await entry.client.stop()
            limit = self.stop_timeout if timeout is None else timeout
            with anyio.move_on_after(limit) as waited:
                await entry.done.wait()
            if waited.cancelled_caught:
                _log.warning("account client did not stop in time: cancelled", account=account)
                entry.scope.cancel()
                await entry.done.wait()
        info = self._info(account, entry)
        if self._entries.get(account) is entry:
            del self._entries[account]
        return info

    # What it knows ------------------------------------------------------------------------

    def _info(self, account: str, entry: _Entry) -> AccountInfo:
        if entry.done.is_set():
            state = AccountState.FAILED if entry.error is not None else AccountState.ENDED
        elif entry.stopping:
            state = AccountState.STOPPING
        elif entry.client.connected:
            state = AccountState.CONNECTED
        else:
            state = AccountState.CONNECTING
        return AccountInfo(account, state, entry.client.connections, entry.error)

    def status(self, account: str) -> AccountInfo:
        """Where `account` is now (`PoolError` for an account the pool does not have)."""
        entry = self._entries.get(account)
        if entry is None:
            raise PoolError(f"account {account!r} is not in the pool")
        return self._info(account, entry)

    def statuses(self) -> dict[str, AccountInfo]:
        """Every account's `AccountInfo`, by account."""
        return {account: self._info(account, entry) for account, entry in self._entries.items()}

    def client(self, account: str) -> Client:
        """The client running for `account` (`PoolError` for an account the pool does not have)."""
        entry = self._entries.get(account)
        if entry is None:
            raise PoolError(f"account {account!r} is not in the pool")
        return entry.client

    @property
    def running(self) -> bool:
        """Whether the pool is running (inside ``async with``)."""
        return self._tasks is not None

    def __contains__(self, account: object) -> bool:
        return account in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        entries = self._entries.values()
        connected = sum(1 for e in entries if not e.done.is_set() and e.client.connected)
        return f"<AccountPool {len(self._entries)} accounts, {connected} connected>"
