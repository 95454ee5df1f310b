"""`Simulator.seal`, `queue_nodes` and `flush`: a send taken apart, as the benchmarks use it."""

from __future__ import annotations

import pytest

from tests.client.test_e2e import first_text, ready
from tests.client.test_session import live, make_client
from wabus.core import Node
from wabus.core.events import Message
from wabus.simulator import Simulator, text_message
from wabus.simulator._scenario import ALICE, BOB, GROUP

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio"])]


def enc_types(node: Node) -> list[str | None]:
    return [enc.opt_attr("type") for enc in node.children("enc")]


async def test_sealed_messages_arrive_in_order_once_flushed_and_decrypt() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            await client.send_text(ALICE, "hello Alice")  # so Alice answers with msg
            await sim.expect_message(lambda m: m.text == "hello Alice" and m.chat == ALICE)
            direct = [sim.seal(text_message(ALICE, f"direct {n}", f"D{n}")) for n in range(3)]
            group = [
                sim.seal(text_message(BOB, f"group {n}", f"G{n}", chat=GROUP)) for n in range(3)
            ]
            assert [enc_types(node) for node in direct] == [["msg"]] * 3
            # Bob's first group message carries his sender key, pairwise; then skmsg alone.
            assert enc_types(group[0])[-1] == "skmsg" and len(enc_types(group[0])) == 2
            assert [enc_types(node) for node in group[1:]] == [["skmsg"]] * 2
            assert all(node.child("plaintext") is None for node in direct + group)
            start = len(events.events)
            sim.queue_nodes(direct + group)
            await sim.flush()
            await first_text(events, "group 2", start=start)
            await sim.sync()
        texts = [e.text for e in events.events[start:] if isinstance(e, Message)]
        assert texts == [f"direct {n}" for n in range(3)] + [f"group {n}" for n in range(3)]


async def test_a_node_with_nothing_to_seal_is_left_as_it_is() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            presence = Node("presence", {"from": ALICE, "type": "available"})
            assert sim.seal(presence) is presence
