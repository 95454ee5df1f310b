"""The real Baileys client asks for expired media again (``updateMediaMessage``) and the
simulated phone answers: a new direct path where the file is, or NOT_FOUND when the host
lost it."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.interop.test_baileys import OPEN_GUARD, baileys, is_open, with_id
from wabus.core import Jid, Node
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import MediaType, decrypt_media, encrypt_media
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio"])]


async def _send_image(sim: Simulator, message_id: str, data: bytes) -> tuple[str, bytes]:
    """A simulated contact's image message (its file already expired); its path and key."""
    stored = encrypt_media(data, MediaType.IMAGE)
    path = sim.media.store(stored.data, MediaType.IMAGE, expires=sim.now() - 60)
    body = WAMessage(
        imageMessage=WAMessage.ImageMessage(
            url=f"https://mmg.whatsapp.net{path}",
            directPath=path,
            mediaKey=stored.media_key,
            fileSha256=stored.file_sha256,
            fileEncSha256=stored.file_enc_sha256,
            fileLength=stored.file_length,
            mimetype="image/jpeg",
        )
    )
    attrs: dict[str, str | Jid] = {
        "from": ALICE,
        "id": message_id,
        "t": str(sim.now()),
        "type": "media",
    }
    await sim.send_node(Node("message", attrs, [Node("plaintext", None, body.SerializeToString())]))
    return path, stored.media_key


async def test_baileys_update_media_message_is_answered_by_the_simulated_phone(
    tmp_path: Path,
) -> None:
    picture = os.urandom(50_000)
    async with Simulator() as sim, baileys(sim, tmp_path) as peer:
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        old_path, key = await _send_image(sim, "SIMIMGB1", picture)
        await peer.wait_for(with_id("SIMIMGB1"))
        start = sim.sent_count
        await peer.command(op="updateMedia", id="SIMIMGB1")
        updated = await peer.wait_for(
            lambda r: (
                r["kind"] in ("media-updated", "media-update-failed") and r["id"] == "SIMIMGB1"
            ),
            timeout=30,
        )
        assert updated["kind"] == "media-updated", updated
        new_path = updated["directPath"]
        assert urlsplit(new_path).path != urlsplit(old_path).path
        # What Baileys now points at is the same file, no longer expired.
        stored = sim.media._files[urlsplit(new_path).path]
        assert stored.expires is None
        assert decrypt_media(stored.data, key, MediaType.IMAGE) == picture
        receipt = await sim.expect_sent(
            lambda n: n.tag == "receipt" and n.opt_attr("type") == "server-error", start=start
        )
        assert receipt.jid("to") == sim.phone

        # The host lost the next one: the phone answers NOT_FOUND, Baileys says 404.
        await _send_image(sim, "SIMIMGB2", os.urandom(1000))
        await peer.wait_for(with_id("SIMIMGB2"))
        sim.media._files.clear()
        await peer.command(op="updateMedia", id="SIMIMGB2")
        failed = await peer.wait_for(
            lambda r: (
                r["kind"] in ("media-updated", "media-update-failed") and r["id"] == "SIMIMGB2"
            ),
            timeout=30,
        )
        assert failed["kind"] == "media-update-failed" and failed["status"] == 404, failed
        assert "NOT_FOUND" in failed["error"]
        assert not peer.of("error")
