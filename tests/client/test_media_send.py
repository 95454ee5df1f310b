"""Media out and back in: uploads streamed to the simulator's media host, media messages
between two bots, streamed downloads checked before they land."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.client.test_e2e import both_ready, first_text, ready
from tests.client.test_session import live, make_client
from wabus.client import (
    DownloadFailed,
    audio,
    document,
    image,
    media_of,
    sticker,
    video,
)
from wabus.core.events import Message
from wabus.protocol import MediaType
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE

pytestmark = pytest.mark.anyio


async def test_an_image_goes_to_another_bot_which_downloads_the_same_bytes(tmp_path: Path) -> None:
    picture = os.urandom(300_000)
    async with Simulator() as sim:
        ours, theirs = make_client(sim), make_client(sim)
        async with both_ready(sim, ours, theirs) as (_our_events, their_events):
            uploaded = await ours.media.upload(picture, MediaType.IMAGE)
            assert uploaded.file_length == len(picture)
            assert uploaded.file_sha256 == hashlib.sha256(picture).digest()
            await ours.send_message(ALICE, image(uploaded, caption="look", width=3, height=2))
            got = await first_text(their_events, "look")
            assert isinstance(got, Message)
            found = media_of(got.message)
            assert found is not None
            part, kind = found
            assert kind is MediaType.IMAGE and part.mimetype == "image/jpeg"  # type: ignore[attr-defined]
            saved = await theirs.media.download_to(part, kind, tmp_path / "got.jpg")
            assert saved.read_bytes() == picture
            chunks = [c async for c in theirs.media.iter_download(part, kind)]
            assert b"".join(chunks) == picture


@pytest.mark.parametrize(
    ("kind", "build", "field"),
    [
        (MediaType.VIDEO, lambda m: video(m, seconds=3, caption="v"), "videoMessage"),
        (MediaType.AUDIO, lambda m: audio(m, voice_note=True, seconds=2), "audioMessage"),
        (MediaType.DOCUMENT, lambda m: document(m, file_name="a.pdf"), "documentMessage"),
        (MediaType.STICKER, lambda m: sticker(m), "stickerMessage"),
    ],
)
async def test_each_kind_uploads_from_a_file_and_comes_back(
    tmp_path: Path, kind: MediaType, build: object, field: str
) -> None:
    data = os.urandom(1_200_000)  # several chunks
    source = tmp_path / "source"
    source.write_bytes(data)
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            uploaded = await client.media.upload(source, kind)
            assert callable(build)
            body = build(uploaded)
            found = media_of(body)
            assert found is not None and found[1] is kind and body.HasField(field)
            assert await client.media.download_to(found[0], kind, tmp_path / "back")
            assert (tmp_path / "back").read_bytes() == data
    if kind is MediaType.AUDIO:
        assert body.audioMessage.ptt and body.audioMessage.mimetype.startswith("audio/ogg")


async def test_a_corrupt_stored_file_leaves_no_file_and_says_why(tmp_path: Path) -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            uploaded = await client.media.upload(b"x" * 100_000, MediaType.DOCUMENT)
            stored = sim.media._files[urlsplit(uploaded.direct_path).path]
            stored.data = stored.data[:-1] + bytes([stored.data[-1] ^ 1])
            with pytest.raises(DownloadFailed, match="SHA-256 does not match"):
                await client.media.download_to(uploaded, MediaType.DOCUMENT, tmp_path / "f")
            assert list(tmp_path.iterdir()) == []
            sim.media.expire(uploaded.direct_path)
            with pytest.raises(DownloadFailed, match="HTTP 410"):
                await client.media.download_to(uploaded, MediaType.DOCUMENT, tmp_path / "f")


async def test_a_refused_upload_token_is_asked_for_again() -> None:
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            await client.media.upload(b"first", MediaType.IMAGE)  # media_conn is cached now
            sim.media.auth = "rotated"  # the token media_conn gave no longer works
            uploaded = await client.media.upload(b"data", MediaType.IMAGE)  # asks again
            assert uploaded.file_length == 4
            with pytest.raises(ValueError, match="needs document media, got image"):
                document(uploaded, file_name="x")


async def test_chunks_from_an_async_iterable_upload_as_one_file(tmp_path: Path) -> None:
    parts = [os.urandom(n) for n in (1, 70_000, 0, 300_001)]

    async def chunks() -> AsyncIterator[bytes]:
        for part in parts:
            yield part

    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            uploaded = await client.media.upload(chunks(), MediaType.VIDEO)
            back = await client.media.download_to(uploaded, MediaType.VIDEO, tmp_path / "v")
            assert back.read_bytes() == b"".join(parts)
