"""Media between the real Baileys client and a wabus bot, through the simulator with its media
host on TLS (``Simulator(media_tls=True)``): Baileys reaches media over ``https://`` only, so
its Node trusts the simulator's CA (``NODE_EXTRA_CA_CERTS``), the one thing a test changes.

- the bot uploads an image, a document and a voice note and sends them; Baileys downloads
  each (``downloadMediaMessage``: from the host of the message's ``url`` plus its direct path),
  decrypts it and gets the same bytes;
- Baileys sends an image and a document (``sendMessage`` uploads them to the host
  ``media_conn`` names, ``https://<host>/mms/<type>/<token>``); the bot downloads them and gets
  the same bytes.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.client.test_e2e import ready
from tests.client.test_session import live, make_client
from tests.interop.test_baileys import OPEN_GUARD, baileys, is_open, with_id
from wabus.client import audio, document, image, media_of
from wabus.core.events import Message
from wabus.protocol import MediaType
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio"])]


def _download_of(message_id: str) -> Callable[[dict[str, Any]], bool]:
    """Matches Baileys' answer to a ``download`` of `message_id`, done or failed."""
    return lambda r: r["kind"] in ("downloaded", "download-failed") and r["id"] == message_id


async def test_baileys_downloads_the_image_document_and_voice_note_the_bot_sends(
    tmp_path: Path,
) -> None:
    files = {
        MediaType.IMAGE: os.urandom(150_000),
        MediaType.DOCUMENT: os.urandom(400_000),
        MediaType.AUDIO: os.urandom(30_000),
    }
    async with Simulator(media_tls=True) as sim, baileys(sim, tmp_path) as peer:
        assert sim.media_tls is not None
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        bot = make_client(sim, media_ssl=sim.media_tls.client_context())
        async with live(sim, bot, account=ALICE) as (_, events):
            await ready(sim, bot, events)
            sent = {}
            for kind, data in files.items():
                uploaded = await bot.media.upload(data, kind)
                assert uploaded.url.startswith(f"https://{sim.media.hostname}/")
                if kind is MediaType.IMAGE:
                    body = image(uploaded, caption="an image", width=4, height=3)
                elif kind is MediaType.DOCUMENT:
                    body = document(uploaded, file_name="report.bin", caption="a document")
                else:
                    body = audio(uploaded, voice_note=True, seconds=2)
                sent[kind] = await bot.send_message(sim.phone, body)
            seen = {kind: await peer.wait_for(with_id(r.id)) for kind, r in sent.items()}
            downloads_before = sim.media.downloads
            got = {}
            for kind, receipt in sent.items():
                await peer.command(op="download", id=receipt.id)
                got[kind] = await peer.wait_for(_download_of(receipt.id), timeout=30)

        assert {k: s["content"] for k, s in seen.items()} == {
            MediaType.IMAGE: "imageMessage",
            MediaType.DOCUMENT: "documentMessage",
            MediaType.AUDIO: "audioMessage",
        }
        assert seen[MediaType.IMAGE]["text"] == "an image"
        for kind, data in files.items():
            assert got[kind]["kind"] == "downloaded", got[kind]
            assert got[kind]["sha256"] == hashlib.sha256(data).hexdigest()
            assert got[kind]["length"] == len(data)
        assert sim.media.downloads == downloads_before + 3  # all three from the TLS host
        assert not peer.of("error")


async def test_the_bot_downloads_the_image_and_document_baileys_sends(tmp_path: Path) -> None:
    files = {"image": os.urandom(120_000), "document": os.urandom(300_000)}
    paths = {}
    for kind, data in files.items():
        paths[kind] = tmp_path / f"{kind}.bin"
        paths[kind].write_bytes(data)
    async with Simulator(media_tls=True) as sim, baileys(sim, tmp_path / "auth") as peer:
        assert sim.media_tls is not None
        await peer.wait_for(is_open, timeout=OPEN_GUARD)
        bot = make_client(sim, media_ssl=sim.media_tls.client_context())
        async with live(sim, bot, account=ALICE) as (_, events):
            await ready(sim, bot, events)
            records = {}
            for kind in files:
                start = len(peer.records)
                await peer.command(
                    op="sendMedia",
                    to=str(ALICE),
                    kind=kind,
                    path=str(paths[kind]),
                    caption=f"a {kind} from Baileys",
                    mimetype="image/jpeg" if kind == "image" else "application/octet-stream",
                    fileName="from-baileys.bin",
                )
                records[kind] = await peer.wait_for(
                    lambda r: r["kind"] in ("sent", "error"), start=start, timeout=60
                )
            got = {}
            for kind, record in records.items():
                assert record["kind"] == "sent", record
                message = await events.wait_for(
                    lambda e, i=record["id"]: isinstance(e, Message) and e.info.id == i,
                    timeout=30,
                )
                assert isinstance(message, Message)
                found = media_of(message.message)
                assert found is not None
                part, media_kind = found
                chunks = [c async for c in bot.media.iter_download(part, media_kind)]
                got[kind] = (media_kind, b"".join(chunks))

        for record in records.values():
            # Baileys uploaded to the host media_conn named, over https.
            url = urlsplit(record["url"])
            assert (url.scheme, url.netloc) == ("https", sim.media.hostname)
            assert url.path == urlsplit(record["directPath"]).path
        assert got["image"][0] is MediaType.IMAGE and got["document"][0] is MediaType.DOCUMENT
        for kind, data in files.items():
            assert hashlib.sha256(got[kind][1]).digest() == hashlib.sha256(data).digest()
        assert not peer.of("error")
