"""A fleet: several processes share a set of accounts, each connected by exactly one of them.

`FleetMember` is one process's part. Every member is given the same list of accounts and the
same PostgreSQL database (the `PostgresStore` the accounts' devices are in); the members find
each other there and split the accounts between them, and each runs its share in an
`AccountPool`. Nothing else coordinates them: no broker, no leader.

The lease: PostgreSQL advisory locks
------------------------------------

An account is connected only by the member holding its lease, and the lease is the advisory
lock the `PostgresStore` already takes for its account (`PostgresStore.lock_key`): a member
opens the account's store (which takes the lock, or fails with `StoreLocked`), then starts its
client; it stops the client, then closes the store (which lets the lock go). So two members
can never run the same account: the second one's store does not open.

Why advisory locks rather than NATS JetStream KV with a TTL: the state an account's client
needs is in PostgreSQL already, so a lock there ties the lease to the very connection the
client's state goes through, and costs no second system. The lock's lifetime is the
connection's: a process that dies (even by SIGKILL) loses its connection, and the server
drops its locks at once, with no TTL to wait out, no renewals to send, and no clock to trust.
A KV lease would need a heartbeat per account (or per member) and a TTL long enough for a
loaded machine, and a lease that expires while its holder still runs is exactly the
two-connections case the fleet must never have.

Membership and balance
----------------------

Each member also holds a member lock: an advisory lock in the fleet's own key space (the
two-key form, ``(fleet, member id)``, apart from the accounts' one-key locks), on the same
connection. The live members are the holders of those locks (``pg_locks``), so a member is
in the fleet exactly as long as its connection, and with it its accounts' leases, lives.

Every `interval` each member reads the member list and works out the assignment, which every
member computes alike from the same list: each account goes to the member that ranks highest
for it by rendezvous hashing, among the members that have fewer than ``ceil(N / members)``
accounts yet (accounts taken in order of their own hash). So each member has its fair share,
and a member joining or leaving moves only the accounts it must. A member releases what is
no longer its own (gracefully: the client stops, delivering and acknowledging what it read,
then the lock goes) and takes what is now its own as soon as the lock is free.

Failover, and why two members never connect one account
-------------------------------------------------------

When a member dies, its connection ends, the server drops its locks, and the others see it
gone at their next look (within `interval`). They wait `takeover_delay` before taking its
accounts, then take them: their state is in the shared store, so nothing pairs again, and the
server's offline queue redelivers what the dead member had not acknowledged (handlers see
those messages at least once, maybe twice). So failover takes at most ``interval +
takeover_delay`` plus a login, once PostgreSQL has noticed the death; for a killed process it
notices at once, for a machine that vanishes it notices when TCP gives up (set
``keepalives_idle``/``tcp_user_timeout`` in the DSN, and ``tcp_keepalives_idle`` on the
server, to bound that).

The delay is for the one case where a lock goes while its holder still runs: its connection
to PostgreSQL broke (a network partition, a restarted server). Every answer the server gives
on a member's connection proves that its session, and so its locks, still held then
(`PostgresDatabase.answered`; the member asks at least every `interval`). A watch task fences
the member: when the server has not answered for `lease_timeout` seconds, or the connection
was replaced (the locks were on the old one), it stops all the member's clients at once
(cancelled after a second, not stopped politely). Others take over only `takeover_delay`
after the member vanished, and `takeover_delay` must exceed `lease_timeout` plus a look and
that second, so by then the cut-off member has disconnected. A member that starts waits
`takeover_delay` before taking anything, for the same reason.

An account whose device is not in the store (not paired) is reported and skipped; an account
whose client ends by itself (logged out, replaced, failed) is released and tried again after
`retry_delay`.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, final

import anyio
import anyio.abc
import structlog

from wabus.client._client import Client
from wabus.client._pgstore import PostgresDatabase, PostgresStore
from wabus.client._pool import AccountInfo, AccountPool, AccountState
from wabus.client._store import StoreError, StoreLocked
from wabus.core import CoreEventBus

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "ClientFactory",
    "FleetError",
    "FleetMember",
    "FleetStatus",
    "assign_accounts",
    "read_accounts",
]

_log = structlog.get_logger("wabus.fleet")

_KEY_BITS: Final = 31  # the two-key advisory locks take int4 keys: stay positive
_FENCE_STOP: Final = 1.0  # how long a cut-off member lets a client stop before cancelling it

ClientFactory = Callable[[str, PostgresStore], Client]
"""Makes the `Client` of an account from its opened store: ``factory(account, store)``."""


class FleetError(Exception):
    """A fleet set up wrongly: no accounts, an accounts file that does not parse, bad timings."""


def _rank(member: int, account: str) -> int:
    digest = hashlib.blake2b(f"{member}\x00{account}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def assign_accounts(accounts: Iterable[str], members: Iterable[int]) -> dict[int, list[str]]:
    """Which member runs which account: every member computes the same answer from the same
    lists (see the module doc: rendezvous hashing with bounded loads, ``ceil(N / members)``)."""
    ranked_members = sorted(set(members))
    result: dict[int, list[str]] = {member: [] for member in ranked_members}
    unique = sorted(set(accounts), key=lambda a: (hashlib.blake2b(a.encode()).digest(), a))
    if not ranked_members:
        return result
    cap = math.ceil(len(unique) / len(ranked_members))
    for account in unique:
        for member in sorted(ranked_members, key=lambda m: (-_rank(m, account), m)):
            if len(result[member]) < cap:
                result[member].append(account)
                break
    return result


def read_accounts(text: str, *, source: str = "the accounts file") -> list[str]:
    """The accounts an accounts file lists: one account name per line; blank lines and lines
    starting with ``#`` are skipped, surrounding spaces dropped. A name may not hold spaces,
    and each may appear once. Raises `FleetError` naming the line of a bad one."""
    found: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        name = line.strip()
        if not name or name.startswith("#"):
            continue
        if any(ch.isspace() for ch in name) or "\x00" in name:
            raise FleetError(f"{source}, line {number}: {name!r} is not one account name")
        if name in seen:
            raise FleetError(
                f"{source}, line {number}: {name!r} is listed again (line {seen[name]})"
            )
        seen[name] = number
        found.append(name)
    if not found:
        raise FleetError(f"{source} lists no account")
    return found


@dataclass(frozen=True, slots=True)
class FleetStatus:
    """What one member knows right now."""

    member: int
    """This member's id (its member lock's key)."""
    members: tuple[int, ...]
    """The live members it last saw (itself included), in order."""
    assigned: frozenset[str]
    """The accounts the assignment gives this member."""
    accounts: Mapping[str, AccountInfo]
    """The accounts it runs, with where each is (see `AccountPool.statuses`)."""
    skipped: Mapping[str, str]
    """Accounts of its share it does not run right now, and why (not paired, ended, …)."""


@dataclass(slots=True)
class _Held:
    store: PostgresStore
    generation: int


@dataclass(slots=True)
class _Parked:
    reason: str
    until: float


@final
class FleetMember:
    """One process of a fleet (see the module doc). `run` it until cancelled.

    `store` is the PostgreSQL DSN (or a `PostgresDatabase`, which the member then uses and
    leaves open) holding the accounts' devices; `accounts` the account names every member is
    given (the same list for all). `client_factory` makes each account's `Client` from its
    opened store (its URL, trusted roots, keepalive…). Every account's events go to `bus`,
    stamped with their account.

    `fleet` names the fleet: members of different fleets on one database ignore each other.
    Timings, in seconds: `interval` between looks at the members; `lease_timeout`, after which
    a member that could not prove its locks stops its clients; `takeover_delay`, how long a
    member waits after another vanished before taking its accounts (default `lease_timeout`
    + 2, and never less); `retry_delay` before trying an account again whose client ended;
    `stop_timeout`, how long a released client may take to stop politely.
    """

    def __init__(
        self,
        store: str | PostgresDatabase,
        accounts: Sequence[str],
        client_factory: ClientFactory,
        bus: CoreEventBus,
        *,
        fleet: str = "default",
        interval: float = 1.0,
        lease_timeout: float = 3.0,
        takeover_delay: float | None = None,
        retry_delay: float = 30.0,
        stop_timeout: float = 10.0,
        on_change: Callable[[FleetStatus], object] | None = None,
    ) -> None:
        names = list(accounts)
        if not names:
            raise FleetError("a fleet member needs at least one account")
        if len(set(names)) != len(names):
            raise FleetError("an account is listed more than once")
        if not fleet:
            raise FleetError("the fleet needs a name")
        for label, value in (
            ("interval", interval),
            ("lease_timeout", lease_timeout),
            ("retry_delay", retry_delay),
            ("stop_timeout", stop_timeout),
        ):
            if not (value > 0 and math.isfinite(value)):
                raise FleetError(f"{label} must be a positive number of seconds, got {value}")
        if not lease_timeout > interval:
            raise FleetError("lease_timeout must be longer than interval")
        minimum = lease_timeout + min(interval, lease_timeout / 4) + _FENCE_STOP  # see _watch
        delay = lease_timeout + 2.0 if takeover_delay is None else takeover_delay
        if not (delay > minimum and math.isfinite(delay)):
            raise FleetError(
                f"takeover_delay must be more than {minimum:g}s (lease_timeout, a look and"
                f" {_FENCE_STOP:g}s to stop): a cut-off member must have stopped its clients"
                " before another takes over"
            )
        self._target = store
        self.accounts = tuple(names)
        """The accounts the fleet shares."""
        self._factory = client_factory
        self.bus = bus
        self.fleet = fleet
        self.interval = interval
        self.lease_timeout = lease_timeout
        self.takeover_delay = delay
        self.retry_delay = retry_delay
        self._on_change = on_change
        self.pool = AccountPool(bus, stop_timeout=stop_timeout, on_exit=self._client_ended)
        """The pool this member runs its accounts in."""
        self.member = 0
        """This member's id (0 until `run` joined the fleet)."""
        self._database: PostgresDatabase | None = None
        self._namespace = 0
        self._member_generation = 0  # the database generation our member lock is held in
        self._members: tuple[int, ...] = ()
        self._assigned: frozenset[str] = frozenset()
        self._assigned_for: tuple[frozenset[int], int] | None = None  # (members, us) it is for
        self._held: dict[str, _Held] = {}
        self._parked: dict[str, _Parked] = {}
        self._ended: set[str] = set()
        self._hold_until = 0.0
        self._last_status: tuple[Any, ...] | None = None
        self.joined = anyio.Event()
        """Set once the member holds its member lock (it is in the fleet)."""

    # Running ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Join the fleet and run this member's share until cancelled; on the way out every
        client is stopped, every lease let go and the member lock released."""
        own = not isinstance(self._target, PostgresDatabase)
        if isinstance(self._target, PostgresDatabase):
            database = self._target
        else:
            target = self._target
            database = await anyio.to_thread.run_sync(lambda: PostgresDatabase(target))
        self._database = database
        self._namespace = _fleet_key(database.schema, self.fleet)
        try:
            async with self.pool, anyio.create_task_group() as tasks:
                self._hold_until = anyio.current_time() + self.takeover_delay
                tasks.start_soon(self._watch)
                try:
                    while True:
                        await self._tick()
                        await anyio.sleep(self.interval)
                finally:
                    tasks.cancel_scope.cancel()
                    with anyio.CancelScope(shield=True):
                        await self._release_all(graceful=True)
        finally:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._leave, database, own)

    def _leave(self, database: PostgresDatabase, own: bool) -> None:
        if own:
            database.close()  # the member lock goes with the connection
            return
        member, generation = self.member, self._member_generation
        if member and generation == database.generation:
            with contextlib.suppress(StoreError):  # the connection is gone: so is the lock
                database.run(
                    lambda db: db.execute(
                        "SELECT pg_advisory_unlock(%s, %s)", (self._namespace, member)
                    )
                )

    def _unproven(self) -> str:
        """Why this member's leases are no longer proven ("" while they are)."""
        database = self._database
        assert database is not None
        if any(held.generation != database.generation for held in self._held.values()):
            return "the connection to the database was replaced: the leases are gone"
        silent = time.monotonic() - database.answered
        if silent > self.lease_timeout:
            return f"the database has not answered for {silent:.1f}s"
        return ""

    async def _watch(self) -> None:
        """The fence: stop every client at once when the leases are no longer proven."""
        while True:
            await anyio.sleep(min(self.interval, self.lease_timeout / 4))
            reason = self._unproven() if self._held else ""
            if reason:
                _log.error("leases not proven: stopping every account", reason=reason)
                await self._release_all(graceful=False)
                self._report()

    async def _tick(self) -> None:
        database = self._database
        assert database is not None
        try:
            members = await anyio.to_thread.run_sync(self._look, database)
        except StoreError as err:
            _log.warning("cannot see the fleet's members", error=str(err))
            return  # the watch stops our clients if this lasts
        if not self.joined.is_set():
            self.joined.set()
            _log.info("joined the fleet", fleet=self.fleet, member=self.member, members=members)
        gone = set(self._members) - set(members)
        if gone and self._members:
            _log.info("members left the fleet", gone=sorted(gone), members=members)
            self._hold_until = max(self._hold_until, anyio.current_time() + self.takeover_delay)
        elif set(members) != set(self._members):
            _log.info("fleet membership changed", members=members)
        key = (frozenset(members), self.member)
        if key != self._assigned_for:  # the assignment changes only with the members
            assigned = assign_accounts(self.accounts, members).get(self.member, ())
            self._assigned, self._assigned_for = frozenset(assigned), key
        self._members = members
        if not self._unproven():
            await self._balance()
        self._report()

    def _look(self, database: PostgresDatabase) -> tuple[int, ...]:
        """Hold our member lock (taking it on a new connection) and list the live members."""
        return database.run(self._members_now, where=f"{database.target} fleet {self.fleet!r}")

    def _members_now(self, db: psycopg.Connection[tuple[Any, ...]]) -> tuple[int, ...]:
        assert self._database is not None
        generation = self._database.generation
        if self._member_generation != generation:
            while True:
                candidate = self.member or _new_member_id()
                row = db.execute(
                    "SELECT pg_try_advisory_lock(%s, %s)", (self._namespace, candidate)
                ).fetchone()
                if row and row[0]:
                    self.member, self._member_generation = candidate, generation
                    break
                self.member = 0  # taken by another member: draw again
        rows = db.execute(
            "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND objsubid = 2 AND classid = %s::bigint::oid AND database ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())",
            (self._namespace,),
        ).fetchall()
        return tuple(sorted({int(row[0]) for row in rows} | {self.member}))

    async def _balance(self) -> None:
        # Clients that ended by themselves: release now, try again later.
        for account in sorted(self._ended):
            self._ended.discard(account)
            if account in self._held:
                info = await self._release(account, graceful=True)
                why = f"its client {info.state.value}"
                if info.error is not None:
                    why += f" ({type(info.error).__name__}: {info.error})"
                self._park(account, why)
        excess = [a for a in self._held if a not in self._assigned]
        if excess:
            _log.info("releasing accounts to other members", count=len(excess))
            async with anyio.create_task_group() as releasing:
                for account in excess:
                    releasing.start_soon(self._release, account, True)
        now = anyio.current_time()
        if now < self._hold_until:
            return
        for account in sorted(self._assigned):
            if account in self._held:
                continue
            parked = self._parked.get(account)
            if parked is not None and parked.until > now:
                continue
            await self._acquire(account)

    async def _acquire(self, account: str) -> None:
        database = self._database
        assert database is not None
        try:
            store, paired = await anyio.to_thread.run_sync(self._open, database, account)
        except StoreLocked:
            return  # its former member has not let it go yet: the next look tries again
        except StoreError as err:
            self._park(account, f"its store does not open ({err})")
            return
        if not paired:
            await anyio.to_thread.run_sync(store.close)
            self._park(
                account,
                f"no paired device in {store.target}: pair it there first (or move it there"
                f" with `wabus store migrate --account {account}`); it is picked up then",
            )
            return
        try:
            client = self._factory(account, store)
            self._held[account] = _Held(store, database.generation)
            await self.pool.add(account, client)
        except Exception as err:  # a factory that fails for one account
            self._held.pop(account, None)
            await anyio.to_thread.run_sync(store.close)
            self._park(account, f"its client could not be made ({type(err).__name__}: {err})")
            return
        self._parked.pop(account, None)
        _log.info("account taken", account=account, member=self.member)

    @staticmethod
    def _open(database: PostgresDatabase, account: str) -> tuple[PostgresStore, bool]:
        store = PostgresStore(database, account=account)
        try:
            state = store.load()
        except BaseException:
            store.close()
            raise
        return store, state is not None and state.paired

    def _park(self, account: str, reason: str) -> None:
        if self._parked.get(account, _Parked("", 0)).reason != reason:
            _log.error("account skipped", account=account, reason=reason, retry=self.retry_delay)
        self._parked[account] = _Parked(reason, anyio.current_time() + self.retry_delay)

    async def _release(self, account: str, graceful: bool) -> AccountInfo:
        held = self._held.pop(account, None)
        info = AccountInfo(account, AccountState.ENDED, 0)
        if account in self.pool:
            info = await self.pool.remove(account, timeout=None if graceful else _FENCE_STOP)
        if held is not None:
            with anyio.move_on_after(self.lease_timeout):
                await anyio.to_thread.run_sync(held.store.close, abandon_on_cancel=True)
            if graceful:
                _log.info("account released", account=account)
        return info

    async def _release_all(self, *, graceful: bool) -> None:
        async with anyio.create_task_group() as releasing:
            for account in list(self._held):
                releasing.start_soon(self._release, account, graceful)

    def _client_ended(self, account: str, error: BaseException | None) -> None:
        self._ended.add(account)

    # What it knows ------------------------------------------------------------------------

    def status(self) -> FleetStatus:
        """This member's view right now (see `FleetStatus`)."""
        skipped = {a: p.reason for a, p in self._parked.items() if a in self._assigned}
        return FleetStatus(
            member=self.member,
            members=self._members,
            assigned=self._assigned,
            accounts=self.pool.statuses(),
            skipped=skipped,
        )

    def _report(self) -> None:
        if self._on_change is None:
            return
        status = self.status()
        key = (
            status.members,
            tuple(sorted((a, i.state) for a, i in status.accounts.items())),
            tuple(sorted(status.skipped)),
        )
        if key != self._last_status:
            self._last_status = key
            self._on_change(status)


def _fleet_key(schema: str, fleet: str) -> int:
    """The first key of a fleet's member locks: 31 bits of SHA-256 over the schema and name."""
    digest = hashlib.sha256(f"wabus fleet\x00{schema}\x00{fleet}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> (32 - _KEY_BITS)


def _new_member_id() -> int:
    return secrets.randbelow((1 << _KEY_BITS) - 1) + 1
