"""The gateway's page over plain HTTP: behind the token (cookie, bearer or form), its assets,
the QR code as SVG, and the page's cookie on the socket.io connection (same origin only)."""

from __future__ import annotations

import http.client
import urllib.parse
from collections.abc import Mapping
from importlib.resources import files

import anyio
import pytest
import socketio  # type: ignore[import-untyped]  # python-socketio ships no types
import zxingcpp
from PIL import Image

from tests.handlers.dialects import sessions as s
from tests.handlers.gateway.conftest import TOKEN
from wabus.core import CoreEventBus
from wabus.handlers.gateway import EventGateway, GatewayConfig, GatewayConfigError
from wabus.handlers.gateway._config import PAGE_PATHS
from wabus.handlers.gateway._page import COOKIE, cookie_token, qr_svg

pytestmark = pytest.mark.anyio

Served = tuple[CoreEventBus, EventGateway]


class _Reply:
    def __init__(self, response: http.client.HTTPResponse) -> None:
        self.status = response.status
        self.headers = {k.lower(): v for k, v in response.getheaders()}
        self.body = response.read()


def _request(
    port: int,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> _Reply:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        return _Reply(connection.getresponse())
    finally:
        connection.close()


async def _fetch(port: int, method: str, path: str, **options: object) -> _Reply:
    return await anyio.to_thread.run_sync(lambda: _request(port, method, path, **options))  # type: ignore[arg-type]


def _cookie(reply: _Reply) -> str:
    header = reply.headers["set-cookie"]
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/" in header
    return header.split(";", 1)[0]


async def test_the_page_needs_the_token(served: Served) -> None:
    _, gateway = served
    port = gateway.port
    for path in sorted(PAGE_PATHS - {"/logout"}):
        reply = await _fetch(port, "GET", path)
        assert reply.status == 401, path
        assert b"__WABUS" not in reply.body and b"GatewaySocket" not in reply.body
    form = await _fetch(port, "GET", "/")
    assert b'<form method="post"' in form.body and b"needs the gateway" in form.body
    wrong = await _fetch(port, "GET", "/?token=wrong")
    assert wrong.status == 401 and b"not accepted" in wrong.body
    assert "set-cookie" not in wrong.headers
    cookie = f"{COOKIE}=wrong"
    assert (await _fetch(port, "GET", "/", headers={"Cookie": cookie})).status == 401


async def test_a_token_in_the_address_or_the_form_becomes_an_http_only_cookie(
    served: Served,
) -> None:
    _, gateway = served
    port = gateway.port
    by_link = await _fetch(port, "GET", f"/?token={urllib.parse.quote(TOKEN)}")
    assert by_link.status == 303 and by_link.headers["location"] == "/"
    form = urllib.parse.urlencode({"token": f"  {TOKEN} "}).encode()
    by_form = await _fetch(
        port,
        "POST",
        "/",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert by_form.status == 303
    wrong = urllib.parse.urlencode({"token": "nope"}).encode()
    refused = await _fetch(port, "POST", "/", body=wrong)
    assert refused.status == 401 and "set-cookie" not in refused.headers
    for cookie in (_cookie(by_link), _cookie(by_form)):
        page = await _fetch(port, "GET", "/", headers={"Cookie": cookie})
        assert page.status == 200 and page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["cache-control"] == "no-store"
        assert b'<script src="/page.js"' in page.body and b'id="qr"' in page.body
        assert b'"auth.qr"' in page.body and b"__WABUS_GATEWAY_CONFIG__" not in page.body
    bearer = await _fetch(port, "GET", "/page.js", headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status == 200 and b"class GatewaySocket" in bearer.body
    assert bearer.headers["content-type"].startswith("text/javascript")
    css = await _fetch(port, "GET", "/page.css", headers={"Cookie": _cookie(by_link)})
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    logout = await _fetch(port, "GET", "/logout")
    assert logout.status == 303 and "Max-Age=0" in logout.headers["set-cookie"]
    assert (await _fetch(port, "PUT", "/", headers={"Cookie": _cookie(by_link)})).status == 405


def _decode(svg: bytes) -> str:
    """Read a QR code drawn by `qr_svg` back: rasterise its path of unit squares ourselves."""
    import re

    text = svg.decode()
    size = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', text).group(1))  # type: ignore[union-attr]
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    pixels = image.load()
    assert pixels is not None
    for x, y in re.findall(r"M(\d+),(\d+)H", text):
        for dx in range(scale):
            for dy in range(scale):
                pixels[int(x) * scale + dx, int(y) * scale + dy] = 0
    found = zxingcpp.read_barcodes(image)
    assert len(found) == 1
    return found[0].text


def test_the_qr_code_is_drawn_so_that_it_reads_back() -> None:
    assert _decode(qr_svg(s.QR_2.code)) == s.QR_2.code
    long = "2@" + "A" * 60 + "," + "B" * 44 + "," + "C" * 44 + "," + "D" * 44
    assert _decode(qr_svg(long)) == long


async def test_the_qr_endpoint_draws_the_code_on_show(served: Served) -> None:
    bus, gateway = served
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert (await _fetch(gateway.port, "GET", "/qr.svg", headers=auth)).status == 404
    await bus.publish(s.QR_1)
    await bus.publish(s.QR_2)
    with anyio.fail_after(60):
        while "auth.qr" not in gateway.current_state:
            await anyio.sleep(0.01)
    reply = await _fetch(gateway.port, "GET", "/qr.svg", headers=auth)
    assert reply.status == 200 and reply.headers["content-type"] == "image/svg+xml"
    assert _decode(reply.body) == s.QR_2.code
    await bus.publish(s.PAIRED)
    with anyio.fail_after(60):
        while "auth.qr" in gateway.current_state:
            await anyio.sleep(0.01)
    assert (await _fetch(gateway.port, "GET", "/qr.svg", headers=auth)).status == 404


async def test_the_cookie_opens_socket_io_from_the_same_origin_only(served: Served) -> None:
    _, gateway = served
    port = gateway.port
    cookie = f"{COOKIE}={urllib.parse.quote(TOKEN, safe='')}"
    same = socketio.AsyncClient(reconnection=False)
    await same.connect(
        f"http://127.0.0.1:{port}",
        headers={"Cookie": cookie, "Origin": f"http://127.0.0.1:{port}"},
        transports=["websocket"],
    )
    try:
        ack = await same.call("subscribe", ["connection.update"], timeout=60)
        assert ack["ok"] is True
    finally:
        await same.disconnect()
    for headers in (
        {"Cookie": cookie, "Origin": "http://evil.example"},
        {"Cookie": cookie},  # a browser always names the origin: no origin, no cookie
    ):
        other = socketio.AsyncClient(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await other.connect(
                f"http://127.0.0.1:{port}", headers=headers, transports=["websocket"]
            )
        await other.disconnect()


def test_the_cookie_parser() -> None:
    assert cookie_token(f"a=b; {COOKIE}=t%20k") == "t k"
    assert cookie_token("a=b") is None
    assert cookie_token("") is None
    assert cookie_token(None) is None
    assert cookie_token(f"{COOKIE}=") is None


def test_the_health_path_cannot_shadow_the_page() -> None:
    with pytest.raises(GatewayConfigError, match="page's paths"):
        GatewayConfig(tokens=("t",), health_path="/qr.svg")


def test_the_page_files_are_package_data() -> None:
    page = files("wabus.handlers.gateway") / "page"
    for name in ("index.html", "page.js", "page.css"):
        assert (page / name).is_file(), name
    assert "__WABUS_GATEWAY_CONFIG__" in (page / "index.html").read_text(encoding="utf-8")
