"""The client against the simulator, over real loopback sockets: pairing, login, every event
kind, reconnection, certificates, corrupt data, keepalive, and sending."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest

from tests.protocol import stanza_shapes as shapes
from wabus.client import Client, MemoryStore, NotConnected, RequestTimeout, SqliteStore, Store
from wabus.core import BaseEvent, Bot, EventHandler, Jid, Node, Server
from wabus.core.events import (
    EVENT_TYPES,
    ArchiveUpdate,
    ClientOutdated,
    Connected,
    ConnectFailure,
    DirtyNotice,
    Disconnected,
    IncomingCall,
    KeepAliveRestored,
    KeepAliveTimeout,
    LoggedOut,
    MalformedStanza,
    MarkChatAsReadUpdate,
    Message,
    MuteUpdate,
    PairError,
    PairingQrCode,
    PairSuccess,
    PinUpdate,
    QrScannedWithoutMultidevice,
    StreamError,
    StreamReplaced,
    TemporaryBan,
)
from wabus.core.testing import EventRecorder
from wabus.protocol import QR_URL_PREFIX, WHATSAPP_ROOT, CertificateInvalid
from wabus.simulator import AutoScanner, SimulatedSession, Simulator, SimulatorError
from wabus.simulator._scenario import BOB, GROUP

pytestmark = pytest.mark.anyio

SERVER = Jid("", Server.USER)
ALICE = Jid("15550000002", Server.USER)

# Kinds no session can produce yet: they come from API calls or app-state sync.
NOT_FROM_A_SESSION = {
    "pairing_code",
    # The phone's scenario pins, mutes, archives and marks unread; it does not star or delete.
    "star_update",
    "delete_chat_update",
    # Our own push name changes reach a companion through app-state sync, not a stanza.
    "self_push_name_updated",
    # Opened from a vote message by wabus.client.PollVotes, which knows the poll's secret.
    "poll_vote",
    # App-state kinds the simulated phone's scenario does not make.
    "contact_update",
    "clear_chat_update",
    "delete_message_for_me_update",
    "label_edit_update",
    "label_association_update",
    "locale_update",
    "raw_app_state_action",
}


def make_client(sim: Simulator, store: Store | None = None, **options: Any) -> Client:
    options.setdefault("reconnect_delays", (0.01,))
    return Client(
        store if store is not None else MemoryStore(),
        url=sim.url,
        trusted_roots=[sim.trusted_root],
        **options,
    )


@asynccontextmanager
async def live(
    sim: Simulator,
    client: Client,
    *handlers: EventHandler,
    scan: bool = True,
    account: Jid | None = None,
) -> AsyncIterator[tuple[Bot, EventRecorder]]:
    """A bot running `client`, recording every event (and pairing by itself unless told not,
    as a companion of `account`: the simulator's own by default)."""
    recorder = EventRecorder()
    builder = Bot.builder().with_source(client).with_handler(recorder)
    if scan:
        builder.with_handler(AutoScanner(sim, delay=0, account=account))
    for handler in handlers:
        builder.with_handler(handler)
    async with builder.build() as bot:
        yield bot, recorder


async def test_pairs_then_logs_in_and_routes_the_scenario() -> None:
    async with Simulator() as sim:
        client = make_client(sim, push_name="Test bot")
        async with live(sim, client) as (_, events):
            connected = await events.wait_for(Connected)
            await sim.wait_connected()
            stanzas = await sim.run_scenario()
            messages = events.of_type(Message)
            # The phone's app-state mutations, synced after the scenario's server_sync.
            pin = await events.wait_for(PinUpdate, timeout=10)
            mute = await events.wait_for(MuteUpdate, timeout=10)
            archive = await events.wait_for(ArchiveUpdate, timeout=10)
            unread = await events.wait_for(MarkChatAsReadUpdate, timeout=10)
        assert (pin.jid, pin.pinned) == (ALICE, True)
        assert (mute.jid, mute.muted) == (GROUP, True)
        assert (archive.jid, archive.archived) == (BOB, True)
        assert (unread.jid, unread.read) == (ALICE, False)
        qr = events.of_type(PairingQrCode)[0]
        ref, *keys, platform = qr.code.removeprefix(QR_URL_PREFIX).split(",")
        assert ref.startswith("2@sim-ref-")
        assert len(keys) == 3
        assert platform == "7"  # the form current clients show: URL prefix, platform last
        [paired] = events.of_type(PairSuccess)
        assert client.state is not None
        assert client.state.pn == paired.id
        assert client.state.lid == paired.lid
        assert sim.paired_devices == (paired.id,)
        assert paired.platform == "android"
        # Pairing ends in a restart: the second connection logs in and is the one that stays.
        assert client.connections == 2
        assert connected.type == "connected"
        # One per <ib> child, two history chunks (inline, and a blob on the media host), and
        # the server_sync notice after the phone's app-state mutations.
        assert stanzas == 23
        assert [m.text for m in messages] == ["ping", "hello, group", "a picture"]
        # The client acknowledged every message and receipt it was sent.
        acked = {n.attr("id") for n in sim.sent if n.tag == "ack"}
        assert {"MSG1", "MSG2", "MSG3", "MSG4", "OUT1", "CALL"} <= acked


async def test_every_event_kind_reaches_a_handler() -> None:
    """One device's life: a failed pairing, the scenario, server errors, keepalive trouble,
    and each way a session ends; together they make every kind a session can make."""
    seen: set[str] = set()
    store = MemoryStore()
    async with Simulator() as sim:
        client = make_client(
            sim, store, keepalive_interval=0.05, keepalive_timeout=0.2, keepalive_misses=1000
        )
        sim.tamper_next_pairing = True
        async with live(sim, client) as (bot, events):
            await events.wait_for(PairError)
            await events.wait_for(Connected)
            await sim.wait_connected()
            await sim.run_scenario()
            await events.wait_for(MarkChatAsReadUpdate, timeout=10)  # the app-state sync
            # What the scenario does not send: the stanzas of the router's gaps (issue 11).
            for node in (
                shapes.BLOCKLIST,
                shapes.CONTACT_UPDATE,
                shapes.CONTACT_MODIFY,
                shapes.CONTACT_SYNC,
                shapes.NEWSLETTER_LIVE,
                shapes.DIRTY,
                shapes.DOWNGRADE_WEBCLIENT,
            ):
                await sim.send_node(node)
            await events.wait_for(QrScannedWithoutMultidevice)

            start = len(events)
            await sim.send_stream_error("500")
            await events.wait_for(StreamError, start=start)
            await events.wait_for(Connected, start=start)

            start = len(events)
            await sim.wait_connected()
            await sim.send_failure(500)
            await events.wait_for(ConnectFailure, start=start)
            await events.wait_for(Disconnected, start=start)
            await events.wait_for(Connected, start=start)

            start = len(events)
            sim.respond_to_pings = False
            await events.wait_for(KeepAliveTimeout, start=start)
            sim.respond_to_pings = True
            await events.wait_for(KeepAliveRestored, start=start)

            await sim.wait_connected()
            await sim.send_stream_error(conflict="replaced")
            await events.wait_for(StreamReplaced)
            await bot.wait()  # a replaced session ends the run
            seen |= set(events.kinds())

        failures: tuple[tuple[dict[str, Any], type[BaseEvent]], ...] = (
            ({"reason": "402", "code": "101", "expire": "3600"}, TemporaryBan),
            ({"reason": "405"}, ClientOutdated),
            ({"reason": "401"}, LoggedOut),
        )
        for failure, expected in failures:
            async with live(sim, make_client(sim, store)) as (bot, events):
                await sim.wait_connected()
                reason = int(failure.pop("reason"))
                await sim.send_failure(reason, **failure)
                await events.wait_for(expected)
                await bot.wait()
                seen |= set(events.kinds())

    expected_kinds = {cls.kind for cls in EVENT_TYPES} - NOT_FROM_A_SESSION
    assert seen == expected_kinds, (sorted(expected_kinds - seen), sorted(seen - expected_kinds))
    assert store.load() is not None
    assert store.load().paired is False  # type: ignore[union-attr]  # logged out: a new device


async def test_a_dirty_notice_is_answered_with_a_clean_request() -> None:
    async with Simulator() as sim, live(sim, make_client(sim)) as (_, events):
        await events.wait_for(Connected)
        await sim.wait_connected()
        start = sim.sent_count
        await sim.send_node(shapes.DIRTY)
        notice = await events.wait_for(DirtyNotice)
        clean = await sim.expect_sent(
            lambda n: n.tag == "iq" and n.opt_attr("xmlns") == "urn:xmpp:whatsapp:dirty",
            start=start,
        )
    assert isinstance(notice, DirtyNotice)
    assert clean.attr("type") == "set"
    assert clean.nodes == (Node("clean", {"type": "account_sync", "timestamp": shapes.T}),)


async def test_reconnects_after_a_drop_without_pairing_again() -> None:
    async with Simulator() as sim:
        scanner = AutoScanner(sim, delay=0)
        client = make_client(sim)
        async with live(sim, client, scanner, scan=False) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            start = len(events)
            await sim.drop_connection()
            disconnected = await events.wait_for(Disconnected, start=start)
            await events.wait_for(Connected, start=start)
            await sim.wait_connected()
            await sim.send_message(ALICE, "still here")
            message = await events.wait_for(Message, start=start)
        assert disconnected.reason
        assert message.text == "still here"
        assert scanner.scans == 1
        assert len(sim.paired_devices) == 1
        assert client.connections == 3  # pairing, login, login again
        assert len(events.of_type(PairingQrCode)) == 1


async def test_a_second_start_reuses_the_identity(tmp_path: Path) -> None:
    path = tmp_path / "device.db"
    async with Simulator() as sim:
        first = SqliteStore(path)
        async with live(sim, make_client(sim, first)) as (_, events):
            paired = await events.wait_for(PairSuccess)
            await events.wait_for(Connected)
            await sim.wait_connected()
        first.close()

        second = SqliteStore(path)
        client = make_client(sim, second)
        async with live(sim, client, scan=False) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
        second.close()
    assert events.of_type(PairingQrCode) == []
    assert client.connections == 1
    assert client.state is not None
    assert client.state.pn == paired.id
    assert len(sim.paired_devices) == 1


@pytest.mark.parametrize("trust", ["whatsapp", "another simulator"])
async def test_a_certificate_chain_from_an_untrusted_root_is_refused(trust: str) -> None:
    async with Simulator() as sim, Simulator() as other:
        roots = [WHATSAPP_ROOT] if trust == "whatsapp" else [other.trusted_root]
        client = Client(MemoryStore(), url=sim.url, trusted_roots=roots)
        recorder = EventRecorder()
        bot = Bot.builder().with_source(client).with_handler(recorder).build()
        with pytest.raises(CertificateInvalid):
            await bot.run()
    [disconnected] = recorder.of_type(Disconnected)
    assert "certificate" in (disconnected.reason or "")
    assert recorder.of_type(Connected) == []
    assert sim.sent == ()  # nothing was sent under the untrusted keys


async def test_a_corrupt_frame_ends_the_connection_and_the_bus_stays_up() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            start = len(events)
            await sim.send_raw_frame(bytes(40))  # not encrypted: the tag cannot verify
            disconnected = await events.wait_for(Disconnected, start=start)
            await events.wait_for(Connected, start=start)
            await sim.wait_connected()
            await sim.send_message(ALICE, "after the corrupt frame")
            message = await events.wait_for(Message, start=start)
    assert "bad data from the server" in (disconnected.reason or "")
    assert "does not authenticate" in (disconnected.reason or "")
    assert message.text == "after the corrupt frame"


async def test_an_undecodable_node_is_skipped_and_the_connection_kept() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            connections = client.connections
            start = len(events)
            await sim.send_raw_frame(b"\x00\xf8\x09", encrypt=True)  # a list of 9, then nothing
            malformed = await events.wait_for(MalformedStanza, start=start)
            await sim.send_message(ALICE, "next")
            message = await events.wait_for(Message, start=start)
    assert "undecodable stanza" in malformed.reason
    assert message.text == "next"
    assert client.connections == connections
    assert events.of_type(Disconnected) == []


async def test_an_oversized_frame_ends_the_connection() -> None:
    async with Simulator() as sim:
        client = make_client(sim, max_frame_size=4096)
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            start = len(events)
            await sim.send_message(ALICE, "x" * 10_000)
            disconnected = await events.wait_for(Disconnected, start=start)
            await events.wait_for(Connected, start=start)
    assert "4096" in (disconnected.reason or "")


def test_keepalive_waits_spread_around_the_interval() -> None:
    # Accounts that connect together must not ping in step: each wait is drawn within
    # interval * (1 ± jitter / 2), so the mean stays the interval.
    client = Client(MemoryStore(), keepalive_interval=20.0, keepalive_jitter=0.5)
    waits = [client.keepalive_wait() for _ in range(2000)]
    assert all(15.0 <= wait <= 25.0 for wait in waits)
    assert min(waits) < 17.0 and max(waits) > 23.0  # spread over the range, not one value
    assert abs(sum(waits) / len(waits) - 20.0) < 0.5
    exact = Client(MemoryStore(), keepalive_interval=20.0, keepalive_jitter=0)
    assert {exact.keepalive_wait() for _ in range(10)} == {20.0}
    for bad in (-0.1, 1.5, "0.2"):
        with pytest.raises(ValueError, match="keepalive_jitter"):
            Client(MemoryStore(), keepalive_jitter=bad)  # type: ignore[arg-type]


async def test_keepalive_timeout_and_restore() -> None:
    async with Simulator() as sim:
        client = make_client(
            sim, keepalive_interval=0.05, keepalive_timeout=0.2, keepalive_misses=1000
        )
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            sim.respond_to_pings = False
            first = await events.wait_for(KeepAliveTimeout)
            second = await events.wait_for(
                lambda e: isinstance(e, KeepAliveTimeout) and e is not first
            )
            sim.respond_to_pings = True
            await events.wait_for(KeepAliveRestored)
    assert (first.error_count, getattr(second, "error_count", None)) == (1, 2)
    assert events.of_type(Disconnected) == []


async def test_too_many_missed_keepalives_drop_the_connection() -> None:
    async with Simulator() as sim:
        client = make_client(
            sim, keepalive_interval=0.05, keepalive_timeout=0.1, keepalive_misses=2
        )
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            start = len(events)
            sim.respond_to_pings = False
            disconnected = await events.wait_for(Disconnected, start=start)
            sim.respond_to_pings = True
            await events.wait_for(Connected, start=start)
    assert "2 keepalive pings went unanswered" in (disconnected.reason or "")
    assert [e.error_count for e in events.of_type(KeepAliveTimeout)][:2] == [1, 2]


class _Ponger(EventHandler):
    def __init__(self, client: Client) -> None:
        self.client = client
        self.sent: list[str] = []

    async def on_message(self, event: Message) -> None:
        if event.text == "ping":
            self.sent.append(await self.client.send_text(event.info.source.chat, "pong"))


async def test_a_handler_answers_through_the_live_connection() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        ponger = _Ponger(client)
        async with live(sim, client, ponger) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            ping = await sim.send_message(ALICE, "ping")  # end-to-end encrypted both ways
            reply = await sim.expect_sent("message")
            ack = await sim.expect_sent(lambda n: n.tag == "ack" and n.attr("id") == ping)
            pong = await sim.expect_message(lambda m: m.id == reply.attr("id") and m.chat == ALICE)
    assert ponger.sent == [reply.attr("id")]
    assert reply.jid("to") == ALICE
    assert reply.child("plaintext") is None  # what the server sees is ciphertext only
    assert pong.text == "pong"
    assert pong.recipient.to_non_ad() == ALICE
    assert (ack.attr("class"), ack.jid("to")) == ("message", ALICE)


async def test_requests_get_their_answer_or_time_out() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        ping = Node("iq", {"to": SERVER, "type": "get", "xmlns": "w:p"}, [Node("ping")])
        with pytest.raises(NotConnected):
            await client.request(ping)
        with pytest.raises(NotConnected):
            await client.send_text(ALICE, "too early")
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            answer = await client.request(ping)
            sim.respond_to_pings = False
            with pytest.raises(RequestTimeout) as caught:
                await client.request(ping, timeout=0.1)
    assert answer.attr("type") == "result"
    assert caught.value.request_id


async def test_an_unknown_device_is_logged_out() -> None:
    store = MemoryStore()
    async with Simulator() as sim:
        async with live(sim, make_client(sim, store)) as (_, events):
            await events.wait_for(Connected)
        paired = store.load()
    assert paired is not None
    assert paired.paired
    async with Simulator() as forgetful:  # a server that never saw this device
        client = make_client(forgetful, store)
        async with live(forgetful, client, scan=False) as (bot, events):
            logged_out = await events.wait_for(LoggedOut)
            await bot.wait()
    assert logged_out.on_connect
    after = store.load()
    assert after is not None
    assert not after.paired
    assert after.identity_seed != paired.identity_seed


async def test_stop_ends_the_run() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (bot, events):
            await events.wait_for(Connected)
            await client.stop()
            with anyio.fail_after(5):
                await bot.wait()
    assert not client.connected
    assert events.of_type(Disconnected) == []


async def test_the_simulator_checks_what_it_scans() -> None:
    async with Simulator() as sim:
        with pytest.raises(SimulatorError, match="no client is waiting"):
            sim.scan("2@x,AAAA,AAAA,AAAA")
        client = make_client(sim)
        async with live(sim, client, scan=False) as (_, events):
            code = (await events.wait_for(PairingQrCode)).code
            ref, noise, identity, secret, _ = code.removeprefix(QR_URL_PREFIX).split(",")
            with pytest.raises(SimulatorError, match="not a pairing QR code"):
                sim.scan("nonsense")
            with pytest.raises(SimulatorError, match="was not issued"):
                sim.scan(f"2@other,{noise},{identity},{secret}")
            with pytest.raises(SimulatorError, match="Noise key"):
                sim.scan(f"{ref},{identity},{identity},{secret}")
            sim.scan(code)
            with pytest.raises(SimulatorError, match="already scanned"):
                sim.scan(code)
            await events.wait_for(Connected)
        await sim.wait_disconnected()
        with pytest.raises(SimulatorError, match="no client is connected"):
            await sim.send_message(ALICE, "nobody there")


async def test_a_simulated_session_is_a_ready_made_source() -> None:
    source = SimulatedSession(scan_delay=0)
    recorder = EventRecorder(Connected, Message, IncomingCall)
    bot = Bot.builder().with_source(source).with_handler(recorder).build()
    with anyio.fail_after(30):
        await bot.run()  # pairs, plays the scenario once, and ends
    assert set(recorder.kinds()) == {"connected", "message", "incoming_call"}
    assert [m.text for m in recorder.of_type(Message)] == ["ping", "hello, group", "a picture"]
    assert source.simulator is None
    assert source.client is None
    assert not bot.bus.has_handlers(PairingQrCode)  # the source's own scanner is gone


async def test_a_repeating_simulated_session_plays_until_stopped() -> None:
    source = SimulatedSession(repeat=True, interval=0.001, scan_delay=0)
    recorder = EventRecorder(IncomingCall)
    async with Bot.builder().with_source(source).with_handler(recorder).build() as bot:
        first = await recorder.wait_for(IncomingCall, timeout=20)
        await recorder.wait_for(lambda e: e is not first, timeout=20)  # the second round's call
        bot.stop()
        await bot.wait()


async def test_stop_cancels_a_pending_reconnect() -> None:
    async with Simulator() as sim:
        url = sim.url
    client = Client(MemoryStore(), url=url, reconnect_delays=(60.0,))  # nobody listens there
    recorder = EventRecorder()
    async with Bot.builder().with_source(client).with_handler(recorder).build() as bot:
        disconnected = await recorder.wait_for(Disconnected)
        with anyio.fail_after(5):
            await client.stop()
            await bot.wait()
    assert "cannot connect" in (disconnected.reason or "")
    assert client.connections == 1


async def test_a_request_in_flight_fails_when_the_connection_drops() -> None:
    failures: list[BaseException] = []

    async def ask(client: Client) -> None:
        ping = Node("iq", {"to": SERVER, "type": "get", "xmlns": "w:p"}, [Node("ping")])
        try:
            await client.request(ping, timeout=30)
        except NotConnected as err:
            failures.append(err)

    async with Simulator() as sim:
        client = make_client(sim, reconnect_delays=(60.0,))
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            sim.respond_to_pings = False
            start = sim.sent_count
            with anyio.fail_after(5):
                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(ask, client)
                    await sim.expect_sent(lambda n: n.child("ping") is not None, start=start)
                    await sim.drop_connection()
            await client.stop()
    [failure] = failures
    assert "ended before request" in str(failure)


async def test_the_simulator_keeps_only_the_latest_sent_nodes() -> None:
    async with Simulator(keep_sent=3) as sim, live(sim, make_client(sim)) as (_, events):
        await events.wait_for(Connected)
        await sim.wait_connected()
        start = sim.sent_count
        ids = [await sim.send_message(ALICE, f"m{n}") for n in range(5)]
        last = await sim.expect_sent(lambda n: n.opt_attr("id") == ids[-1], start=start)
        first = await sim.expect_sent("ack", start=start, timeout=0.5)
    assert len(sim.sent) == 3
    assert sim.sent_count >= start + 5
    assert last.tag == "ack"
    assert (
        first.attr("id") in ids[2:]
    )  # the oldest acks are gone; the search starts at what is kept
