"""The simulator as a server: IQ answers in real shapes, state, queues, routing between
companions. Driven through the real `Client` over loopback (its `request` and `send_node`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tests.client.test_session import ALICE, live, make_client
from wabus.client import Client
from wabus.core import Jid, Node, Server
from wabus.core.events import (
    Connected,
    Message,
    MessageInfo,
    OfflineSyncCompleted,
    PairingQrCode,
    UndecryptableMessage,
)
from wabus.core.testing import EventRecorder
from wabus.protocol import (
    QR_URL_PREFIX,
    DecryptionFailed,
    LocalIdentity,
    SignedPreKeyRecord,
    bundle_from_node,
    generate_prekeys,
    prekeys_nodes,
)
from wabus.simulator import Simulator
from wabus.simulator._scenario import BOB, GROUP

pytestmark = pytest.mark.anyio

SERVER = Jid("", Server.USER)


class NoEndToEnd:
    """A `Decryptor` that reads nothing: the client then does no end-to-end work of its own
    (no prekey upload), so a test can drive the server's key IQs by hand."""

    def decrypt(self, enc: Node, info: MessageInfo) -> bytes:
        raise DecryptionFailed("this client does not decrypt")


@asynccontextmanager
async def logged_in(sim: Simulator, **options: Any) -> AsyncIterator[tuple[Client, EventRecorder]]:
    client = make_client(sim, **options)
    async with live(sim, client) as (_, events):
        await events.wait_for(Connected)
        await sim.wait_connected()
        yield client, events


def iq(xmlns: str, kind: str, *children: Node, **attrs: str | Jid) -> Node:
    return Node("iq", {"to": SERVER, "xmlns": xmlns, "type": kind, **attrs}, list(children) or None)


async def test_an_iq_the_server_does_not_know_gets_an_error_not_silence() -> None:
    async with Simulator() as sim, logged_in(sim) as (client, _):
        reply = await client.request(iq("w:nonsense", "get", Node("whatever")))
        assert reply.opt_attr("type") == "error"
        error = reply.require_child("error")
        assert error.attrs == {"code": "501", "text": "feature-not-implemented"}


async def test_prekeys_count_upload_digest_and_a_bundle_for_another_device() -> None:
    identity = LocalIdentity.generate()
    signed = SignedPreKeyRecord.generate(identity.identity, 1)
    prekeys = generate_prekeys(1, 10)
    async with Simulator() as sim, logged_in(sim, decryptor=NoEndToEnd()) as (client, _):
        count = await client.request(iq("encrypt", "get", Node("count")))
        assert count.require_child("count").attr("value") == "0"
        digest = await client.request(iq("encrypt", "get", Node("digest")))
        assert digest.require_child("error").attr("code") == "404"  # nothing uploaded yet
        # This test counts prekeys: the phone's app-state key share would take one.
        [paired] = sim.paired_devices
        companion = sim.directory.device(paired)
        assert companion is not None
        companion.app_state_keys_shared = True
        upload = await client.request(
            iq("encrypt", "set", *prekeys_nodes(identity, signed, prekeys))
        )
        assert upload.opt_attr("type") == "result" and not upload.nodes
        count = await client.request(iq("encrypt", "get", Node("count")))
        assert count.require_child("count").attr("value") == "10"
        digest = (await client.request(iq("encrypt", "get", Node("digest")))).require_child(
            "digest"
        )
        assert digest.require_child("identity").bytes_content == identity.identity.public
        assert len(digest.require_child("list").children("id")) == 10
        # Another device asks for a bundle for ours: it verifies, and uses up one prekey.
        [device] = sim.paired_devices
        bundles = await client.request(
            iq("encrypt", "get", Node("key", None, [Node("user", {"jid": device})]))
        )
        [user] = bundles.require_child("list").children("user")
        bundle = bundle_from_node(user)
        bundle.verify()
        assert bundle.identity_key == identity.identity.public
        assert bundle.prekey_id == 1
        count = await client.request(iq("encrypt", "get", Node("count")))
        assert count.require_child("count").attr("value") == "9"
        # A simulated contact is a Signal peer of its own: its bundle verifies too.
        alice = await client.request(
            iq("encrypt", "get", Node("key", None, [Node("user", {"jid": ALICE})]))
        )
        bundle_from_node(alice.require_child("list").children("user")[0]).verify()
        unknown = await client.request(
            iq(
                "encrypt",
                "get",
                Node("key", None, [Node("user", {"jid": Jid("1999", Server.USER)})]),
            )
        )
        [missing] = unknown.require_child("list").children("user")
        assert missing.require_child("error").attr("code") == "404"


async def test_usync_answers_devices_contacts_and_lids() -> None:
    async with Simulator() as sim, logged_in(sim) as (client, _):
        query = Node(
            "usync",
            {"context": "message", "mode": "query", "sid": "s1", "last": "true", "index": "0"},
            [
                Node(
                    "query", None, [Node("devices", {"version": "2"}), Node("lid"), Node("contact")]
                ),
                Node(
                    "list",
                    None,
                    [
                        Node("user", {"jid": ALICE}),
                        Node("user", None, [Node("contact", None, "+15550009999")]),
                    ],
                ),
            ],
        )
        reply = await client.request(iq("usync", "get", query))
        alice, stranger = reply.require_child("usync").require_child("list").children("user")
        assert alice.jid("jid") == ALICE
        assert alice.require_child("contact").attr("type") == "in"
        assert alice.require_child("lid").jid("val").is_lid
        devices = alice.require_child("devices").require_child("device-list").children("device")
        assert [d.attr("id") for d in devices] == ["0"]
        assert stranger.require_child("contact").attr("type") == "out"


async def test_bookkeeping_iqs_get_their_real_answers() -> None:
    async with Simulator() as sim, logged_in(sim) as (client, _):
        assert (await client.request(iq("passive", "set", Node("active")))).opt_attr(
            "type"
        ) == "result"
        props = (
            await client.request(iq("abt", "get", Node("props", {"protocol": "1"})))
        ).require_child("props")
        assert props.attr("protocol") == "1" and props.children("prop")
        privacy = (await client.request(iq("privacy", "get", Node("privacy")))).require_child(
            "privacy"
        )
        assert {c.attr("name") for c in privacy.children("category")} >= {"last", "readreceipts"}
        await client.request(iq("blocklist", "set", Node("item", {"action": "block", "jid": BOB})))
        blocked = (await client.request(iq("blocklist", "get"))).require_child("list")
        assert [item.jid("jid") for item in blocked.children("item")] == [BOB]
        sync = Node("sync", None, [Node("collection", {"name": "regular", "version": "0"})])
        state = (await client.request(iq("w:sync:app:state", "set", sync))).require_child("sync")
        assert state.require_child("collection").attrs == {"name": "regular", "version": "0"}
        groups = await client.request(
            iq(
                "w:g2",
                "get",
                Node("participating", None, [Node("participants")]),
                to=Jid("", Server.GROUP),
            )
        )
        [group] = groups.require_child("groups").children("group")
        assert group.attr("id") == GROUP.user
        assert len(group.children("participant")) == 3


async def test_what_a_device_missed_is_delivered_at_its_next_login() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await events.wait_for(Connected)
            await sim.wait_connected()
            [device] = sim.paired_devices
            start = len(events)
            await sim.drop_connection()
            # While it reconnects the message is queued; it arrives marked offline, before the
            # end of offline delivery, which counts it.
            message_id = "QUEUED1"
            await sim.send_node(
                Node(
                    "message",
                    {"from": ALICE, "id": message_id, "t": str(sim.now()), "type": "text"},
                    [Node("plaintext", None, b"\x0a\x05later")],
                ),
                to=device,
            )
            message = await events.wait_for(Message, start=start)
            done = await events.wait_for(OfflineSyncCompleted, start=start)
        assert message.info.id == message_id and message.info.is_offline
        assert message.text == "later"
        assert done.count >= 1


async def test_both_qr_forms_are_read() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client, scan=False) as (_, events):
            code = (await events.wait_for(PairingQrCode)).code
            old_form = ",".join(code.removeprefix(QR_URL_PREFIX).split(",")[:4])
            sim.scan(old_form)  # the four-field form, no prefix
            await events.wait_for(Connected)


async def test_a_message_between_two_companions_is_routed_per_device() -> None:
    async with Simulator() as sim, logged_in(sim) as (first, _):
        second = make_client(sim)
        async with live(sim, second) as (_, events):
            await events.wait_for(Connected)
            devices = sim.paired_devices
            assert len(devices) == 2
            target = devices[1]
            await first.send_node(
                Node(
                    "message",
                    {"to": target.to_non_ad(), "id": "3EB0ROUTED", "type": "text"},
                    [
                        Node(
                            "participants",
                            None,
                            [
                                Node(
                                    "to",
                                    {"jid": target},
                                    [Node("enc", {"v": "2", "type": "msg"}, bytes(32))],
                                )
                            ],
                        )
                    ],
                )
            )
            got = await events.wait_for(UndecryptableMessage)  # no decryptor yet: still delivered
        assert got.info.id == "3EB0ROUTED"
        assert got.info.source.sender == devices[0]
