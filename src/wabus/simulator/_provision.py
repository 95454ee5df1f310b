"""Devices paired ahead of time: many accounts for tests and benchmarks, without the QR dance.

`provision(simulator, pn, lid)` makes what pairing would have made, on both sides at once: a
new account on the simulator with one companion device, and the companion's `DeviceState`
(its keys, JIDs and the ADV identity the phone signed, verified and counter-signed as the
client does at pairing). Save that state in any `Store` and a `Client` on it logs straight in
(and publishes its prekeys at that first login, as after a real pairing). It is the same
outcome as `Simulator.scan` but costs no connection, so a thousand accounts take seconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from wabus.client import DeviceState
from wabus.protocol import AdvVerifier
from wabus.protocol.server import sign_device_identity

if TYPE_CHECKING:
    from wabus.simulator._server import Simulator

__all__ = ["provision"]

_FIRST_COMPANION: Final = 11  # as the simulator numbers companions paired by QR code


def provision(
    simulator: Simulator, pn: str, lid: str, *, push_name: str = "", platform: str = "android"
) -> DeviceState:
    """A new account of `simulator` (phone number `pn`, LID `lid`: user parts, digits) with one
    companion device already paired; returns that device's state, for its store.

    Raises `SimulatorError` if the simulator already knows `pn` or `lid`.
    """
    from wabus.core import Jid, Server
    from wabus.simulator._server import SimulatorError

    for user, server in ((pn, Server.USER), (lid, Server.LID)):
        if not user.isdigit():
            raise SimulatorError(f"{user!r} is not a user part (digits only)")
        if simulator.directory.account(Jid(user, server)) is not None:
            raise SimulatorError(f"the simulator already has an account {user}@{server}")
    state = DeviceState.new()
    keys = state.keys
    account = simulator.directory.add(pn, lid, push_name=push_name)
    device = account.new_companion(_FIRST_COMPANION)
    device.noise, device.identity, device.key_index = keys.noise.public, keys.identity.public, 1
    device.platform = platform
    proof = sign_device_identity(account.account_key, keys.identity.public, state.adv_secret)
    verifier = AdvVerifier(keys.identity, state.adv_secret)
    verifier.verify(proof, device.jid, device.lid)  # the client's own check and signature
    assert verifier.result is not None
    simulator.directory.register(device)  # found by its Noise key at login
    return state.with_(
        pn=device.jid,
        lid=device.lid,
        push_name=push_name,
        platform=platform,
        account_identity=verifier.result.account_identity,
    )
