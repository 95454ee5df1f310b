"""wabus simulator: a WhatsApp-protocol server on loopback, for developing bots offline.

`Simulator` speaks the real wire protocol (WebSocket, frames, Noise XX with its own certificate
chain, binary nodes), pairs devices as a phone would (`scan`, or `AutoScanner`), logs them in,
and sends traffic: `send_message`, `run_scenario` (every kind of event the router makes from
traffic), `send_failure`, `send_stream_error`, `drop_connection`. `expect_sent` waits for what
the client sent. Point a `wabus.client.Client` at ``simulator.url`` trusting
``simulator.trusted_root``; or use `SimulatedSession`, a ready-made event source that does all
of that (for demos and tools: ``Bot.builder().with_source(SimulatedSession())``).
"""

from wabus.core import publicize
from wabus.simulator._scenario import live_stanzas, offline_stanzas, text_message
from wabus.simulator._server import (
    QR_PREFIX,
    AutoScanner,
    DecryptedMessage,
    Simulator,
    SimulatorError,
)
from wabus.simulator._session import SimulatedSession

__all__ = [
    "QR_PREFIX",
    "AutoScanner",
    "DecryptedMessage",
    "SimulatedSession",
    "Simulator",
    "SimulatorError",
    "live_stanzas",
    "offline_stanzas",
    "text_message",
]

publicize(globals())
