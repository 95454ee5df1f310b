"""Media retry through the client and the simulator: an expired file is asked of the phone
again and downloaded from its new path; a phone without the message, or a file gone from the
host, gives `MediaRetryFailed` with the status."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.client.test_e2e import both_ready, first_text, ready
from tests.client.test_session import live, make_client
from wabus.client import DownloadFailed, MediaRetryFailed, image, media_of
from wabus.core import Jid, Node
from wabus.core.events import Message
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import MediaRetryStatus, MediaType, encrypt_media
from wabus.protocol.server import parse_media_retry_receipt
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE, BOB

pytestmark = pytest.mark.anyio


async def test_an_expired_image_from_a_contact_is_retried_and_downloaded(tmp_path: Path) -> None:
    picture = os.urandom(200_000)
    async with Simulator() as sim:
        client = make_client(sim)
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            stored = encrypt_media(picture, MediaType.IMAGE)
            path = sim.media.store(stored.data, MediaType.IMAGE, expires=sim.now() - 60)
            body = WAMessage(
                imageMessage=WAMessage.ImageMessage(
                    directPath=path,
                    mediaKey=stored.media_key,
                    fileSha256=stored.file_sha256,
                    fileEncSha256=stored.file_enc_sha256,
                    fileLength=stored.file_length,
                    mimetype="image/jpeg",
                )
            )
            attrs: dict[str, str | Jid] = {
                "from": BOB,
                "id": "SIMIMG1",
                "t": str(sim.now()),
                "type": "media",
            }
            await sim.send_node(
                Node("message", attrs, [Node("plaintext", None, body.SerializeToString())])
            )
            got = await events.wait_for(
                lambda e: isinstance(e, Message) and e.info.id == "SIMIMG1", timeout=15
            )
            assert isinstance(got, Message)

            with pytest.raises(DownloadFailed) as expired:
                await client.download(got, to=tmp_path / "no.jpg", retry=False)
            assert expired.value.expired and "HTTP 410" in str(expired.value)
            assert not (tmp_path / "no.jpg").exists()

            start = sim.sent_count
            saved = await client.download(got, to=tmp_path / "got.jpg")
            assert saved.read_bytes() == picture
            receipt = await sim.expect_sent(
                lambda n: n.tag == "receipt" and n.opt_attr("type") == "server-error",
                start=start,
            )
            request = parse_media_retry_receipt(receipt)
            assert (request.message_id, request.chat, request.from_me) == ("SIMIMG1", BOB, False)
            assert client.state is not None and client.state.pn is not None
            assert request.own == client.state.pn.to_non_ad()

            # The file gone from the host too: the phone says NOT_FOUND, sealed.
            sim.media._files.clear()
            with pytest.raises(MediaRetryFailed) as failed:
                await client.download(got, to=tmp_path / "gone.jpg")
            assert failed.value.status is MediaRetryStatus.NOT_FOUND
            assert failed.value.result.error_code is None
            assert not (tmp_path / "gone.jpg").exists()


async def test_an_image_between_two_bots_is_retried_and_a_forgotten_one_is_not_found(
    tmp_path: Path,
) -> None:
    picture = os.urandom(150_000)
    async with Simulator() as sim:
        ours, theirs = make_client(sim), make_client(sim)
        async with both_ready(sim, ours, theirs) as (_our_events, their_events):
            uploaded = await ours.media.upload(picture, MediaType.IMAGE)
            await ours.send_message(ALICE, image(uploaded, caption="old cat"))
            got = await first_text(their_events, "old cat")
            found = media_of(got.message)
            assert found is not None
            sim.media.expire(found[0].directPath)

            result = await theirs.request_media_retry(got)
            assert result.status is MediaRetryStatus.SUCCESS and result.direct_path
            assert urlsplit(result.direct_path).path != urlsplit(found[0].directPath).path
            saved = await theirs.download(got, to=tmp_path / "cat.jpg")
            assert saved.read_bytes() == picture

            # A phone that no longer has the message cannot seal an answer: <error code=2>.
            sim._decrypted.clear()
            with pytest.raises(MediaRetryFailed) as failed:
                await theirs.download(got, to=tmp_path / "lost.jpg")
            assert failed.value.status is MediaRetryStatus.NOT_FOUND
            assert failed.value.result.error_code == 2
