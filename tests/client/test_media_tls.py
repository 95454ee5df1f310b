"""The simulator's media host over TLS (``Simulator(media_tls=True)``): a CA made at start, a
leaf for 127.0.0.1; a client given ``media_ssl`` uploads and downloads over ``https://``, one
without the CA is refused by certificate verification."""

from __future__ import annotations

import hashlib
import os
import ssl

import anyio
import httpx
import pytest
from anyio.streams.tls import TLSAttribute
from cryptography import x509

from tests.client.test_e2e import both_ready, first_text, ready
from tests.client.test_session import live, make_client
from wabus.client import DownloadFailed, document, media_of
from wabus.core.events import Message
from wabus.protocol import MediaType
from wabus.simulator import Simulator
from wabus.simulator._scenario import ALICE

pytestmark = pytest.mark.anyio


async def test_media_goes_over_tls_between_two_clients_that_trust_the_simulators_ca() -> None:
    data = os.urandom(200_000)
    async with Simulator(media_tls=True) as sim:
        assert sim.media_tls is not None
        ctx = sim.media_tls.client_context()
        ours = make_client(sim, media_ssl=ctx)
        theirs = make_client(sim, media_ssl=sim.media_tls.client_context())
        async with both_ready(sim, ours, theirs) as (_our_events, their_events):
            uploaded = await ours.media.upload(data, MediaType.DOCUMENT)
            assert uploaded.url.startswith(f"https://{sim.media.hostname}/")
            await ours.send_message(ALICE, document(uploaded, file_name="a.bin", caption="tls"))
            got = await first_text(their_events, "tls")
            assert isinstance(got, Message)
            found = media_of(got.message)
            assert found is not None
            part, kind = found
            downloaded = b"".join([c async for c in theirs.media.iter_download(part, kind)])
            assert hashlib.sha256(downloaded).digest() == hashlib.sha256(data).digest()
            assert sim.media.downloads == 1


async def test_the_media_host_presents_a_leaf_for_127_0_0_1_signed_by_the_ca() -> None:
    async with Simulator(media_tls=True) as sim:
        assert sim.media_tls is not None
        ca = x509.load_pem_x509_certificate(sim.media_tls.ca_pem)
        assert sim.media_tls.ca_path.read_bytes() == sim.media_tls.ca_pem
        host, port = sim.media.hostname.split(":")
        stream = await anyio.connect_tcp(
            host,
            int(port),
            tls=True,
            ssl_context=sim.media_tls.client_context(),
            tls_standard_compatible=False,
        )
        async with stream:
            der = stream.extra(TLSAttribute.peer_certificate_binary)
        assert der is not None
        leaf = x509.load_der_x509_certificate(der)
        assert leaf.issuer == ca.subject
        leaf.verify_directly_issued_by(ca)
        sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
        assert sans.get_values_for_type(x509.DNSName) == ["localhost"]


def _verify_failed(error: BaseException | None) -> bool:
    """Whether certificate verification is what failed, somewhere down the chain."""
    while error is not None:
        if isinstance(error, ssl.SSLCertVerificationError):
            return True
        error = error.__cause__ or error.__context__
    return False


async def test_a_client_without_the_ca_cannot_download_and_plain_http_is_refused() -> None:
    async with Simulator(media_tls=True) as sim:
        path = sim.media.store(b"secret", MediaType.DOCUMENT)
        async with httpx.AsyncClient() as http:
            with pytest.raises(httpx.ConnectError) as refused:
                await http.get(f"https://{sim.media.hostname}{path}")
            assert _verify_failed(refused.value)
            with pytest.raises(httpx.HTTPError):
                await http.get(f"http://{sim.media.hostname}{path}")
        assert sim.media_tls is not None
        async with httpx.AsyncClient(verify=sim.media_tls.client_context()) as http:
            answer = await http.get(f"https://{sim.media.hostname}{path}")
        assert answer.status_code == 200 and answer.content == b"secret"


async def test_media_conn_and_fetch_say_https_with_media_ssl() -> None:
    async with Simulator(media_tls=True) as sim:
        assert sim.media_tls is not None
        client = make_client(sim, media_ssl=sim.media_tls.client_context())
        async with live(sim, client) as (_, events):
            await ready(sim, client, events)
            conn = await client.media.media_conn()
            assert [h.hostname for h in conn.hosts] == [sim.media.hostname]
            path = sim.media.store(b"x" * 10, MediaType.IMAGE)
            assert await client.media.fetch(path, MediaType.IMAGE) == b"x" * 10
        plain = make_client(sim)  # no media_ssl: plain http:// against a TLS host fails
        async with live(sim, plain) as (_, events):
            await ready(sim, plain, events)
            with pytest.raises(DownloadFailed):
                await plain.media.fetch(path, MediaType.IMAGE)


def test_the_client_context_verifies_hostnames() -> None:
    ctx = Simulator(media_tls=True).media_tls
    assert ctx is not None
    client = ctx.client_context()
    assert client.verify_mode is ssl.CERT_REQUIRED and client.check_hostname
    ctx.close()
    assert not ctx.ca_path.exists()
