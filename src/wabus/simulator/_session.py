"""`SimulatedSession`: a whole session against the simulator, as one event `Source`."""

from __future__ import annotations

from typing import final

import anyio

from wabus.client import Client, MemoryStore, Store
from wabus.core import CoreEventBus
from wabus.simulator._server import AutoScanner, Simulator

__all__ = ["SimulatedSession"]


@final
class SimulatedSession:
    """An event `Source` that needs no phone and no network, for demos and tools.

    `run(bus)` starts a `Simulator` on loopback, connects a `Client` to it that publishes into
    `bus`, scans the pairing QR code after `scan_delay` seconds, and plays the scenario with
    `interval` seconds between stanzas: once, or again and again with `repeat` (until
    cancelled). The events are the real article: the client decodes them from the wire.
    While it runs, `simulator` and `client` are the live objects (None otherwise).
    """

    def __init__(
        self,
        *,
        repeat: bool = False,
        interval: float = 0.0,
        scan_delay: float = 0.5,
        store: Store | None = None,
        push_name: str = "wabus",
    ) -> None:
        self.repeat = repeat
        self.interval = interval
        self.scan_delay = scan_delay
        self._store = store
        self._push_name = push_name
        self.simulator: Simulator | None = None
        self.client: Client | None = None

    def __repr__(self) -> str:
        return f"SimulatedSession(repeat={self.repeat}, interval={self.interval})"

    async def run(self, bus: CoreEventBus) -> None:
        """Run the session into `bus`; returns after the scenario (never, with `repeat`)."""
        async with Simulator() as simulator:
            client = Client(
                self._store if self._store is not None else MemoryStore(),
                url=simulator.url,
                trusted_roots=[simulator.trusted_root],
                push_name=self._push_name,
            )
            scanner = AutoScanner(simulator, delay=self.scan_delay)
            bus.add_handler(scanner)
            self.simulator, self.client = simulator, client
            try:
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(client.run, bus)
                    await simulator.wait_connected(timeout=60)
                    await simulator.run_scenario(self.interval)
                    while self.repeat:
                        await anyio.sleep(self.interval)
                        await simulator.run_scenario(self.interval)
                    await client.stop()
            finally:
                bus.remove_handler(scanner)
                self.simulator = self.client = None
