"""History sync the real way, and the media host under it: the phone's notification arrives
encrypted, its blob is downloaded from the host ``media_conn`` names, checked, decrypted and
inflated into a `HistorySync`, in the stanza's place; a ``hist_sync`` receipt follows. Also the
media host and `MediaClient` on their own (real HTTP over loopback)."""

from __future__ import annotations

import base64
import zlib

import httpx
import pytest

from tests.client.test_e2e import ready
from tests.client.test_session import live, make_client
from wabus.client import Client, DownloadFailed
from wabus.core import Jid, Node
from wabus.core.events import HistorySync, Message
from wabus.proto import history_pb2
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import MediaType, encrypt_media
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE

pytestmark = pytest.mark.anyio


def history_notification(sim: Simulator, me: Jid, *, chats: int, message_id: str) -> Node:
    """A phone's RECENT history chunk whose blob is on the simulator's media host."""
    blob = history_pb2.HistorySync(
        syncType=history_pb2.HistorySync.RECENT,
        conversations=[
            history_pb2.Conversation(id=f"1555000{n:04d}@s.whatsapp.net") for n in range(chats)
        ],
    ).SerializeToString()
    encrypted = encrypt_media(zlib.compress(blob), MediaType.HISTORY)
    path = sim.media.store(encrypted.data, MediaType.HISTORY)
    body = WAMessage(
        protocolMessage=WAMessage.ProtocolMessage(
            type=WAMessage.ProtocolMessage.HISTORY_SYNC_NOTIFICATION,
            historySyncNotification=WAMessage.HistorySyncNotification(
                syncType=WAMessage.HistorySyncType.RECENT,
                chunkOrder=3,
                progress=50,
                directPath=path,
                mediaKey=encrypted.media_key,
                fileSha256=encrypted.file_sha256,
                fileEncSha256=encrypted.file_enc_sha256,
                fileLength=encrypted.file_length,
            ),
        )
    )
    return Node(
        "message",
        {"from": me.to_non_ad(), "id": message_id, "t": str(sim.now()), "category": "peer"},
        [Node("plaintext", None, body.SerializeToString())],
    )


def me(client: Client) -> Jid:
    assert client.state is not None and client.state.pn is not None
    return client.state.pn


async def test_the_scenario_history_comes_inline_and_from_the_media_host() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            start = sim.sent_count
            await sim.run_scenario()
            receipt = await sim.expect_sent(
                lambda n: n.tag == "receipt" and n.opt_attr("type") == "hist_sync", start=start
            )
        chunks = events.of_type(HistorySync)
        assert [(c.sync_type.name, c.chunk_order) for c in chunks] == [
            ("INITIAL_BOOTSTRAP", 1),
            ("RECENT", 2),
        ]
        assert [c.id for c in chunks[1].iter_conversations()] == ["15550000003@s.whatsapp.net"]
        assert sim.media.downloads == 1
        assert receipt.attr("id") == "HIST2"
        assert receipt.jid("to") == me(client).to_non_ad()
        # Handlers saw no raw protocol message in place of either chunk.
        assert not [m for m in events.of_type(Message) if m.info.id.startswith("HIST")]


async def test_a_history_chunk_keeps_its_place_among_the_messages() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            await sim.send_node(history_notification(sim, me(client), chats=300, message_id="H1"))
            await sim.send_message(ALICE, "right after it")
            await sim.sync()
        kinds = [type(e).__name__ for e in events.events if isinstance(e, HistorySync | Message)]
        assert kinds[-2:] == ["HistorySync", "Message"]  # downloaded, yet delivered in order
        [chunk] = events.of_type(HistorySync)
        assert len(list(chunk.iter_conversations())) == 300
        assert chunk.progress == 50


async def test_an_expired_blob_delivers_the_message_as_it_came() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            node = history_notification(sim, me(client), chats=1, message_id="H-OLD")
            notification = WAMessage.FromString(
                node.require_child("plaintext").bytes_content or b""
            ).protocolMessage.historySyncNotification
            sim.media.expire(notification.directPath)
            await sim.send_node(node)
            await sim.sync()
        assert events.of_type(HistorySync) == []
        [message] = [m for m in events.of_type(Message) if m.info.id == "H-OLD"]
        assert message.message.protocolMessage.historySyncNotification.chunkOrder == 3
        assert sim.media.downloads == 0
        assert any(n.tag == "ack" and n.opt_attr("id") == "H-OLD" for n in sim.sent)


async def test_media_client_finds_downloads_and_checks_files() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            media = client.media
            conn = await media.media_conn()
            assert [h.hostname for h in conn.hosts] == [sim.media.hostname]
            assert conn.ttl > 0 and conn.auth == sim.media.auth
            assert await media.media_conn() is conn  # cached while its ttl holds
            encrypted = encrypt_media(b"a picture" * 1000, MediaType.IMAGE)
            path = sim.media.store(encrypted.data, MediaType.IMAGE)
            got = await media.download(
                path,
                encrypted.media_key,
                MediaType.IMAGE,
                file_enc_sha256=encrypted.file_enc_sha256,
                file_sha256=encrypted.file_sha256,
            )
            assert got == b"a picture" * 1000
            with pytest.raises(DownloadFailed, match="MAC"):
                await media.download(path, bytes(32), MediaType.IMAGE)
            with pytest.raises(DownloadFailed, match="HTTP 404"):
                await media.fetch("/v/t62.image/nothing-here", MediaType.IMAGE)
            sim.media.expire(path)
            with pytest.raises(DownloadFailed, match="HTTP 410"):
                await media.fetch(path, MediaType.IMAGE)


async def test_the_media_host_takes_uploads_with_the_right_token_only() -> None:
    async with Simulator() as sim:
        encrypted = encrypt_media(b"voice", MediaType.AUDIO)
        token = base64.urlsafe_b64encode(encrypted.file_enc_sha256).decode().rstrip("=")
        base = f"http://{sim.media.hostname}/mms/audio/{token}"
        async with httpx.AsyncClient() as http:
            refused = await http.post(f"{base}?auth=wrong&token={token}", content=encrypted.data)
            bad_hash = await http.post(
                f"{base}?auth={sim.media.auth}&token={token}", content=b"other bytes"
            )
            taken = await http.post(
                f"{base}?auth={sim.media.auth}&token={token}", content=encrypted.data
            )
            direct_path = taken.json()["direct_path"]
            again = await http.get(f"http://{sim.media.hostname}{direct_path}&mms-type=audio")
        assert refused.status_code == 401
        assert bad_hash.status_code == 400
        assert taken.status_code == 200
        assert again.content == encrypted.data
