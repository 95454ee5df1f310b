"""Pair-code login through the live client and the simulator's phone."""

from __future__ import annotations

import pytest

from tests.client.test_session import live, make_client
from wabus.client import Client, ClientError
from wabus.core import EventHandler, Jid, Node, Server
from wabus.core.events import Connected, PairingCode, PairingQrCode, PairSuccess
from wabus.protocol import PAIR_CODE_ALPHABET, PairCodeError
from wabus.simulator import AutoScanner, Simulator, SimulatorError

pytestmark = pytest.mark.anyio

SERVER = Jid("", Server.USER)


def is_finish(node: Node) -> bool:
    reg = node.child("link_code_companion_reg")
    return reg is not None and reg.opt_attr("stage") == "companion_finish"


async def test_a_client_with_a_phone_number_pairs_by_code_and_logs_in() -> None:
    async with Simulator() as sim:
        client = make_client(sim, phone_number=f"+{sim.phone.user}")
        scanner = AutoScanner(sim, delay=0)
        async with live(sim, client, scanner, scan=False) as (_, events):
            code = await events.wait_for(PairingCode, timeout=30)
            paired = await events.wait_for(PairSuccess, timeout=30)
            await events.wait_for(Connected, timeout=30)
            await sim.wait_ready(timeout=30)
        assert isinstance(code, PairingCode) and isinstance(paired, PairSuccess)
        assert len(code.code) == 8 and set(code.code) <= set(PAIR_CODE_ALPHABET)
        assert code.timeout.total_seconds() == 180
        assert scanner.codes_entered == 1 and scanner.scans == 0
        assert not events.of_type(PairingQrCode)  # no QR code was shown
        assert client.state is not None and client.state.paired
        assert client.state.pn is not None and client.state.pn.to_non_ad() == sim.phone
        assert [str(d) for d in sim.paired_devices] == [str(client.state.pn)]


class CodeInsteadOfQr(EventHandler):
    """Asks for a pairing code when shown the first QR code."""

    def __init__(self, client: Client, number: str, code: str | None = None) -> None:
        self.client, self.number, self.code = client, number, code
        self.codes: list[str] = []

    async def on_pairing_qr_code(self, event: PairingQrCode) -> None:
        self.codes.append(await self.client.pair_phone(self.number, code=self.code))


async def test_pair_phone_from_a_qr_handler_stops_the_qr_codes_and_pairs() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        asker = CodeInsteadOfQr(client, sim.phone.user, code="WABX-S123")
        async with live(sim, client, asker, scan=False) as (_, events):
            event = await events.wait_for(PairingCode, timeout=30)
            assert isinstance(event, PairingCode)
            assert event.code == "WABXS123"
            await sim.enter_pair_code("wabxs123")  # as typed: case does not matter
            await events.wait_for(Connected, timeout=30)
        assert asker.codes == ["WABXS123"]
        assert len(events.of_type(PairingQrCode)) == 1
        assert client.state is not None and client.state.paired


async def test_codes_for_two_accounts_waiting_at_once_go_to_their_own_clients() -> None:
    """Each code is typed on its own account's phone, in the other order than the clients
    asked: each reaches the client whose hello named that account."""
    async with Simulator() as sim:
        first, second = sim.add_account(), sim.add_account()
        clients = [make_client(sim), make_client(sim)]
        askers = [
            CodeInsteadOfQr(clients[0], first.user, code="AAAAAAAA"),
            CodeInsteadOfQr(clients[1], second.user, code="BBBBBBBB"),
        ]
        async with (
            live(sim, clients[0], askers[0], scan=False) as (_, one),
            live(sim, clients[1], askers[1], scan=False) as (_, two),
        ):
            await one.wait_for(PairingCode, timeout=30)
            await two.wait_for(PairingCode, timeout=30)
            await sim.enter_pair_code("BBBBBBBB", account=second)
            await sim.enter_pair_code("AAAAAAAA", account=first)
            await one.wait_for(Connected, timeout=30)
            await two.wait_for(Connected, timeout=30)
            with pytest.raises(SimulatorError, match="no client is waiting"):
                await sim.enter_pair_code("AAAAAAAA", account=first)
            with pytest.raises(SimulatorError, match="not an account"):
                await sim.enter_pair_code("AAAAAAAA", account=Jid("19999999999", Server.USER))
        owners = [c.state.pn.to_non_ad() for c in clients if c.state and c.state.pn]
        assert owners == [first, second]


async def test_a_code_typed_wrong_pairs_nothing() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        asker = CodeInsteadOfQr(client, sim.phone.user, code="ABCDEFGH")
        async with live(sim, client, asker, scan=False) as (_, events):
            await events.wait_for(PairingCode, timeout=30)
            start = sim.sent_count
            await sim.enter_pair_code("ABCDEFGJ")
            await sim.expect_sent(is_finish, start=start, timeout=30)
            # A round trip after it: by then the server has answered the finish (with an error).
            await client.request(
                Node("iq", {"to": SERVER, "type": "get", "xmlns": "w:p"}, [Node("ping")])
            )
            assert not events.of_type(PairSuccess)
            assert sim.paired_devices == ()
            with pytest.raises(SimulatorError, match="no client is waiting"):
                await sim.enter_pair_code("ABCDEFGH")  # that attempt is over
        assert client.state is not None and not client.state.paired


async def test_a_number_the_server_does_not_know_is_refused() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client, scan=False) as (_, events):
            await events.wait_for(PairingQrCode, timeout=30)
            with pytest.raises(PairCodeError, match="404"):
                await client.pair_phone("+1 555 999 9999")
            with pytest.raises(ClientError, match="already requested"):
                await client.pair_phone(sim.phone.user)  # one attempt per connection


async def test_a_bad_number_or_a_paired_device_is_refused_at_once() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        with pytest.raises(PairCodeError, match="phone number"):
            await client.pair_phone("012345")
        with pytest.raises(PairCodeError, match="phone number"):
            make_client(sim, phone_number="not a number")
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected, timeout=30)
            with pytest.raises(ClientError, match="already paired"):
                await client.pair_phone(sim.phone.user)
