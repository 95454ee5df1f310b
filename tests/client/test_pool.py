"""`AccountPool`: many accounts' clients on one loop and one bus, against the simulator."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from wabus.client import (
    AccountPool,
    AccountState,
    Client,
    DeviceState,
    MemoryStore,
    PoolError,
)
from wabus.core import CoreEventBus
from wabus.core.events import Connected, Message
from wabus.protocol import CertificateInvalid, KeyPair, TrustedRoot
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE

pytestmark = pytest.mark.anyio


def _provisioned(sim: Simulator, count: int) -> dict[str, DeviceState]:
    return {f"bot{i}": sim.provision(f"1555200{i:04d}", f"3000000{i:04d}") for i in range(count)}


def _client(sim: Simulator, state: DeviceState, **options: object) -> Client:
    store = MemoryStore()
    store.save(state)
    roots = options.pop("trusted_roots", [sim.trusted_root])
    return Client(store, url=sim.url, trusted_roots=roots, **options)  # type: ignore[arg-type]


async def _until(check: Callable[[], bool], timeout: float = 60.0) -> None:
    with anyio.fail_after(timeout):  # a guard against a hang, not a measure
        while not check():
            await anyio.sleep(0.02)


async def test_every_account_feeds_one_bus_each_event_naming_its_account() -> None:
    async with Simulator() as sim:
        states = _provisioned(sim, 3)
        bus = CoreEventBus()
        connected: list[str | None] = []
        messages: list[tuple[str | None, str | None]] = []
        bus.subscribe(Connected, lambda event: connected.append(event.account))
        bus.subscribe(Message, lambda event: messages.append((event.account, event.text)))
        async with bus, AccountPool(bus) as pool:
            for name, state in states.items():
                await pool.add(name, _client(sim, state))
            await _until(
                lambda: all(i.state is AccountState.CONNECTED for i in pool.statuses().values())
            )
            # A client counts as connected once its login succeeded; its Connected event
            # reaches the handlers a little later, through its dispatcher.
            await _until(lambda: len(connected) >= len(states))
            assert sorted(a for a in connected if a) == sorted(states)
            assert len(sim.connected_devices) == 3
            assert states["bot1"].pn is not None
            await sim.send_message(ALICE, "for bot1", to=states["bot1"].pn)
            await _until(lambda: bool(messages))
            assert messages == [("bot1", "for bot1")]
            assert pool.client("bot1").account == "bot1"


async def test_remove_stops_one_account_and_leaves_the_others_connected() -> None:
    async with Simulator() as sim:
        states = _provisioned(sim, 3)
        bus = CoreEventBus()
        async with bus, AccountPool(bus) as pool:
            for name, state in states.items():
                await pool.add(name, _client(sim, state))
            await _until(lambda: len(sim.connected_devices) == 3)
            await _until(  # the server's side logs in first, then each client reads its success
                lambda: all(i.state is AccountState.CONNECTED for i in pool.statuses().values())
            )
            info = await pool.remove("bot0")
            assert info.state is AccountState.ENDED
            assert info.error is None
            assert "bot0" not in pool
            assert sorted(pool) == ["bot1", "bot2"]
            await _until(lambda: len(sim.connected_devices) == 2)
            assert states["bot0"].pn not in sim.connected_devices
            assert {i.state for i in pool.statuses().values()} == {AccountState.CONNECTED}
            # Added again at run time, it logs in again.
            await pool.add("bot0", _client(sim, states["bot0"]))
            await _until(lambda: len(sim.connected_devices) == 3)
        assert sum(sim.replaced.values()) == 0
        await _until(lambda: not sim.connected_devices)  # leaving the pool stopped every client


async def test_a_failing_account_does_not_stop_the_others() -> None:
    exits: list[tuple[str, BaseException | None]] = []
    async with Simulator() as sim:
        states = _provisioned(sim, 2)
        bus = CoreEventBus()
        wrong_root = TrustedRoot(serial=0, key=KeyPair.generate().public)
        pool = AccountPool(bus, on_exit=lambda account, error: exits.append((account, error)))
        async with bus, pool:
            await pool.add("bot0", _client(sim, states["bot0"], trusted_roots=[wrong_root]))
            await pool.add("bot1", _client(sim, states["bot1"]))
            await _until(lambda: pool.status("bot0").state is AccountState.FAILED)
            await _until(lambda: pool.status("bot1").state is AccountState.CONNECTED)
            failed = pool.status("bot0")
            assert isinstance(failed.error, CertificateInvalid)
            assert [account for account, _ in exits] == ["bot0"]
            assert isinstance(exits[0][1], CertificateInvalid)
            assert (await pool.remove("bot0")).state is AccountState.FAILED
            assert pool.status("bot1").state is AccountState.CONNECTED


async def test_misuse_is_a_pool_error() -> None:
    async with Simulator() as sim:
        states = _provisioned(sim, 1)
        bus = CoreEventBus()
        pool = AccountPool(bus)
        with pytest.raises(PoolError, match="not running"):
            await pool.add("bot0", _client(sim, states["bot0"]))
        async with bus, pool:
            client = _client(sim, states["bot0"])
            await pool.add("bot0", client)
            with pytest.raises(PoolError, match="already in the pool"):
                await pool.add("bot0", _client(sim, states["bot0"]))
            with pytest.raises(PoolError, match="already runs"):
                await pool.add("other", client)
            with pytest.raises(PoolError, match="made for account 'x'"):
                await pool.add("bot9", _client(sim, states["bot0"], account="x"))
            with pytest.raises(PoolError, match="not in the pool"):
                await pool.remove("nobody")
            with pytest.raises(PoolError, match="not in the pool"):
                pool.status("nobody")
    with pytest.raises(ValueError, match="stop_timeout"):
        AccountPool(bus, stop_timeout=0)
    with pytest.raises(ValueError, match="account"):
        Client(MemoryStore(), account="")
