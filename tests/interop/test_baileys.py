"""The real Baileys client (npm ``baileys`` 7.0.0-rc14) against the simulator.

Baileys runs unchanged in Node.js (``js/baileys_client.mjs``); the only change a test may make
is to trust the simulator's root key. It is the judge of the simulator: a server that answers
in the wrong shape, or not at all, shows here as a crash, a stall or a missing event.

Baileys waits up to 60 s (its default query timeout) for every IQ it sends before its
connection opens. The tests give it a hang guard below that: a simulator that left one IQ
unanswered could not open in time, whatever the machine's load; a loaded machine only
makes the rest slower.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import Process

from tests import processes
from tests.client.test_e2e import Echo, first_text, ready
from tests.client.test_session import live, make_client
from tests.interop.conftest import JS, node_executable
from wabus.core import Jid
from wabus.simulator import QR_PREFIX, DecryptedMessage, Simulator
from wabus.simulator._scenario import ALICE, ALICE_LID, BOB, GROUP

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio"])]

# Below Baileys' 60 s query timeout: an IQ left unanswered cannot fit in it.
OPEN_GUARD = 45.0


class Baileys:
    """One Baileys client process, spoken to in JSON lines."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.records: list[dict[str, Any]] = []
        self._changed = anyio.Event()

    async def read(self) -> None:
        assert self.process.stdout is not None
        buffered = b""
        async for chunk in self.process.stdout:
            buffered += chunk
            while b"\n" in buffered:
                line, buffered = buffered.split(b"\n", 1)
                self.records.append(json.loads(line))
                self._changed.set()
                self._changed = anyio.Event()

    async def wait_for(
        self, match: Callable[[dict[str, Any]], bool], *, start: int = 0, timeout: float = 30
    ) -> dict[str, Any]:
        with anyio.fail_after(timeout):
            while True:
                for record in self.records[start:]:
                    if match(record):
                        return record
                await self._changed.wait()

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r["kind"] == kind]

    async def command(self, **command: Any) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send((json.dumps(command) + "\n").encode())


def with_id(message_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda record: record.get("id") == message_id


def is_open(record: dict[str, Any]) -> bool:
    return bool(record["kind"] == "connection" and record["connection"] == "open")


@contextlib.asynccontextmanager
async def baileys(sim: Simulator, auth: Path, *, scan: bool = True) -> AsyncIterator[Baileys]:
    """Baileys pointed at `sim`, in its own process group (ended whatever happens); the
    simulated phone scans each QR code Baileys shows, as it shows it. With the simulator's
    ``media_tls``, Node trusts its CA as well (``NODE_EXTRA_CA_CERTS``), for the media host."""
    node = node_executable()
    command = [node, "baileys_client.mjs", sim.url, sim.trusted_root.key.hex(), str(auth)]
    env = {**os.environ, "BAILEYS_LOG_LEVEL": "silent"}
    if sim.media_tls is not None:
        env["NODE_EXTRA_CA_CERTS"] = str(sim.media_tls.ca_path)
    async with processes.open_process(command, cwd=JS, env=env, stderr=None) as process:
        peer = Baileys(process)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(peer.read)
            if scan:
                tasks.start_soon(_scan_each_code, sim, peer)
            yield peer
            tasks.cancel_scope.cancel()


async def _scan_each_code(sim: Simulator, peer: Baileys) -> None:
    seen = 0
    while True:
        code = await peer.wait_for(lambda r: r["kind"] == "qr", start=seen, timeout=3600)
        seen = peer.records.index(code) + 1
        sim.scan(code["qr"])


async def test_baileys_pairs_restarts_and_opens(tmp_path: Path) -> None:
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        opened = await peer.wait_for(is_open, timeout=OPEN_GUARD)
        [qr] = peer.of("qr")
        assert qr["qr"].startswith(QR_PREFIX)  # the form it shows: URL prefix, five fields
        assert len(qr["qr"].removeprefix(QR_PREFIX).split(",")) == 5
        [paired] = peer.of("paired")
        [device] = sim.paired_devices
        assert paired["me"] == str(device)
        closed = [r for r in peer.of("connection") if r["connection"] == "close"]
        assert [r["status"] for r in closed] == [515]  # the restart after pairing, nothing else
        assert opened["connections"] == 2
        assert opened["me"] == str(device)
        # Everything it asked before opening was answered, none of it with an error.
        assert not peer.of("error")
        asked = {
            (n.opt_attr("xmlns"), n.nodes[0].tag if n.nodes else None)
            for n in sim.sent
            if n.tag == "iq" and n.opt_attr("type") in ("get", "set")
        }
        assert {("encrypt", "count"), ("passive", "active"), ("encrypt", "digest")} <= asked


async def test_baileys_gets_the_scenario_and_messages_after_the_history_sync(
    tmp_path: Path,
) -> None:
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        # Baileys never answers a server's ping; and it downloads history blobs from the fixed
        # host mmg.whatsapp.net (not from the hosts media_conn names), which a test may not
        # point at the simulator: the scenario's history comes inline only.
        await sim.run_scenario(ping=False, history_by_media=False)
        history = await peer.wait_for(lambda r: r["kind"] == "history")
        assert history["chats"] == 2
        await sim.send_message(ALICE, "after the history sync")
        await peer.wait_for(lambda r: r.get("text") == "after the history sync")
        texts = {r["id"]: r["text"] for r in peer.of("message")}
        assert texts["MSG1"] == "ping"
        assert texts["MSG2"] == "hello, group"
        assert texts["MSG3"] == "a picture"
        group = next(r for r in peer.of("message") if r["id"] == "MSG2")
        assert group["chat"] == str(GROUP)
        assert not peer.of("error")


async def test_baileys_survives_a_dropped_connection(tmp_path: Path) -> None:
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        start = len(peer.records)
        await sim.drop_connection()
        await peer.wait_for(lambda r: r.get("connection") == "close", start=start)
        reopened = await peer.wait_for(is_open, start=start, timeout=OPEN_GUARD)
        assert reopened["connections"] == 3  # pairing, login, login again: no new pairing
        assert len(sim.paired_devices) == 1
        await sim.send_message(ALICE, "still there?")
        await peer.wait_for(lambda r: r.get("text") == "still there?")


async def test_a_message_from_baileys_has_its_device_and_key_queries_answered(
    tmp_path: Path,
) -> None:
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        start = sim.sent_count
        await peer.command(op="send", to=str(ALICE), text="hello Alice")
        sent = await peer.wait_for(lambda r: r["kind"] in ("sent", "error"))
        assert sent["kind"] == "sent", sent
        message = await sim.expect_sent(
            lambda n: n.tag == "message" and n.opt_attr("id") == sent["id"], start=start
        )
        participants = message.require_child("participants")
        recipients = {Jid.parse(to.attr("jid")).to_non_ad() for to in participants.children("to")}
        alice_account = sim.directory.account(ALICE)
        assert alice_account is not None
        assert recipients & {alice_account.pn, alice_account.lid}  # not "0 devices"
        for to in participants.children("to"):
            enc = to.require_child("enc")
            assert enc.bytes_content
            if Jid.parse(to.attr("jid")).to_non_ad() in {alice_account.pn, alice_account.lid}:
                # Sessions built from the bundles it fetched. (Our own phone may have written
                # first, its app-state key share: then that session is already open, a msg.)
                assert enc.opt_attr("type") == "pkmsg"
        assert message.child("device-identity") is not None
        queries = [
            n
            for n in sim.sent
            if n.tag == "iq" and n.opt_attr("xmlns") in ("usync", "encrypt") and n.nodes
        ]
        assert any(q.nodes[0].tag == "usync" for q in queries)
        assert any(q.nodes[0].tag == "key" for q in queries)
        assert not any(n.tag == "ack" and n.has_attr("error") for n in sim.sent)


async def test_baileys_decrypts_what_the_simulated_contacts_send(tmp_path: Path) -> None:
    """The simulated contacts are Signal peers: 1:1 (pkmsg, then msg) and in a group (skmsg,
    with the sender key given pairwise), Baileys decrypts them to the right text."""
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        sent = sim.sent_count
        first = await sim.send_message(ALICE, "first, as a pkmsg")
        second = await sim.send_message(ALICE, "second")
        in_group = await sim.send_message(BOB, "to the group", chat=GROUP)
        for message_id, text in (
            (first, "first, as a pkmsg"),
            (second, "second"),
            (in_group, "to the group"),
        ):
            got = await peer.wait_for(with_id(message_id))
            assert got["kind"] == "message" and got["text"] == text, got
            assert got["stub"] is None  # not a "could not decrypt" placeholder
        group_message = next(r for r in peer.of("message") if r["id"] == in_group)
        assert group_message["chat"] == str(GROUP)
        assert group_message["participant"] == str(BOB)
        # No retry receipts: everything decrypted the first time.
        assert not any(
            n.tag == "receipt" and n.opt_attr("type") == "retry" for n in sim.sent[sent:]
        )


async def test_the_simulated_contacts_decrypt_what_baileys_sends(tmp_path: Path) -> None:
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        await peer.command(op="send", to=str(ALICE), text="hello Alice")
        await peer.command(op="send", to=str(GROUP), text="hello, book club")
        alice = await sim.expect_message(
            lambda m: m.chat == ALICE and m.recipient.to_non_ad() == ALICE
        )
        assert alice.text == "hello Alice"
        # Our own phone gets the copy every sender's device sends it (a deviceSentMessage).
        own = await sim.expect_message(lambda m: m.message.HasField("deviceSentMessage"))
        assert own.text == "hello Alice"
        assert own.message.deviceSentMessage.destinationJid == str(ALICE)
        for member in (ALICE, BOB):  # each member's phone reads the group message
            record = await sim.expect_message(read_in_group_by(member))
            assert record.text == "hello, book club"


def read_in_group_by(member: Jid) -> Callable[[DecryptedMessage], bool]:
    return lambda m: m.chat == GROUP and m.recipient.to_non_ad() == member


async def test_after_a_retry_receipt_baileys_gets_the_message(tmp_path: Path) -> None:
    """A message Baileys cannot decrypt (its MAC spoilt on the way) makes it send a retry
    receipt; the simulated contact encrypts it again and Baileys reads it."""
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        warm_up = await sim.send_message(ALICE, "a session first")
        await peer.wait_for(with_id(warm_up))
        start = sim.sent_count
        sim.corrupt_messages = 1
        message_id = await sim.send_message(ALICE, "lost, then asked for again")
        retry = await sim.expect_sent(
            lambda n: n.tag == "receipt" and n.opt_attr("type") == "retry", start=start
        )
        got = await peer.wait_for(lambda r: r.get("id") == message_id and r.get("text") is not None)
        assert retry.attr("id") == message_id
        assert got["text"] == "lost, then asked for again"
        assert sim.corrupt_messages == 0


async def test_baileys_and_a_wabus_bot_talk_to_each_other_directly_and_in_a_group(
    tmp_path: Path,
) -> None:
    """Baileys (the phone's companion) and a wabus bot (ALICE's companion) through the
    simulator: each decrypts what the other encrypted, 1:1 and in the group of both."""
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        bot = make_client(sim)
        echo = Echo(bot)
        async with live(sim, bot, echo, account=ALICE) as (_, events):
            await ready(sim, bot, events)
            await peer.command(op="send", to=str(ALICE), text="hello, bot")
            got = await first_text(events, "hello, bot")
            answer = await peer.wait_for(lambda r: r.get("text") == "echo: hello, bot")
            await peer.command(op="send", to=str(GROUP), text="hello, group of bots")
            in_group = await first_text(events, "hello, group of bots")
            group_answer = await peer.wait_for(
                lambda r: r.get("text") == "echo: hello, group of bots"
            )
        assert got.info.source.sender.to_non_ad() in (sim.phone, sim.phone_lid)
        assert answer["chat"] in (str(ALICE), str(ALICE_LID))
        assert answer["stub"] is None
        assert in_group.info.source.chat == GROUP
        assert group_answer["chat"] == str(GROUP)
        assert group_answer["participant"] in (str(ALICE), str(ALICE_LID))
        assert not peer.of("error")


async def test_baileys_pairs_by_code_typed_on_the_simulated_phone(tmp_path: Path) -> None:
    async with Simulator() as sim, baileys(sim, tmp_path, scan=False) as peer:
        await peer.wait_for(lambda r: r["kind"] == "qr", timeout=OPEN_GUARD)
        await peer.command(op="pair-code", phone=sim.phone.user)
        shown = await peer.wait_for(lambda r: r["kind"] == "pair-code", timeout=OPEN_GUARD)
        await sim.enter_pair_code(shown["code"])
        opened = await peer.wait_for(is_open, timeout=OPEN_GUARD)
        [device] = sim.paired_devices
        assert opened["me"] == str(device)
        assert device.to_non_ad() == sim.phone
        assert not peer.of("error")
