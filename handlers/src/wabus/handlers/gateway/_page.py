"""The gateway's web page: pairing QR code, connection state and a live tail of events.

Routes (all behind the gateway's token, as the socket.io API is):

- ``GET /``: the page. Without a valid token it answers 401 with a form asking for one;
  ``POST /`` with the form's ``token`` (or ``GET /?token=…``, for links and scripts) checks it
  and, when it is accepted, redirects to ``/`` (303) setting the cookie `COOKIE` (HttpOnly,
  SameSite=Strict, path ``/``): the token leaves the address bar, and the page's script never
  sees it. A wrong token is answered with 401 again. ``GET /logout`` clears the cookie.
- ``GET /page.js``, ``GET /page.css``: the page's script and styles (package data beside this
  module, in ``page/``).
- ``GET /qr.svg``: the QR code on show right now, drawn as SVG (``qrcode``), or 404 when no
  pairing waits for a scan.

Each of these also accepts ``Authorization: Bearer <token>`` instead of the cookie. The
socket.io connection the page opens (to namespace ``/``, over a plain WebSocket: the
script speaks engine.io and socket.io itself) authenticates with the same cookie, which
the gateway only takes from a same-origin browser (its ``Origin`` names the gateway's host).
"""

from __future__ import annotations

import functools
import html
import json
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from importlib.resources import files
from typing import Any, Final, final

from wabus.handlers.gateway._config import PAGE_PATHS

__all__ = ["COOKIE", "PAGE_PATHS", "Page", "cookie_token", "qr_svg"]

COOKIE: Final = "wabus_gateway_token"
"""The cookie the page's token travels in (HttpOnly, SameSite=Strict)."""

_ASSETS: Final = {
    "/page.js": ("page.js", b"text/javascript; charset=utf-8"),
    "/page.css": ("page.css", b"text/css; charset=utf-8"),
}
assert {"/", "/logout", "/qr.svg", *_ASSETS} == PAGE_PATHS

_MAX_FORM: Final = 8192  # bytes of a POSTed form read at most
_CONFIG_MARK: Final = "__WABUS_GATEWAY_CONFIG__"
_PAGE_CSP: Final = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
    b" connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_FORM_CSP: Final = (
    b"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self';"
    b" frame-ancestors 'none'"
)

Send = Callable[[Mapping[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]


@functools.cache
def _asset(name: str) -> str:
    return (files("wabus.handlers.gateway") / "page" / name).read_text(encoding="utf-8")


def qr_svg(text: str) -> bytes:
    """`text` as a QR code, in SVG (dark modules on white, with the standard quiet zone)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, border=4)
    svg: str = image.to_string(encoding="unicode")
    return svg.encode()


def cookie_token(header: object) -> str | None:
    """The token in a ``Cookie`` header's `COOKIE`, or None."""
    if not isinstance(header, str) or not header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return None
    morsel = jar.get(COOKIE)
    if morsel is None:
        return None
    return urllib.parse.unquote(morsel.value).strip() or None


def _header(scope: Mapping[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


@final
class Page:
    """The page's HTTP routes (an ASGI app for the paths in `PAGE_PATHS`).

    `accepts` checks a token (as the socket.io connections are checked); `current_qr` gives
    the QR code on show (None: nothing to scan); `events` are the names the page subscribes
    to and offers in its filter.
    """

    def __init__(
        self,
        *,
        accepts: Callable[[str], bool],
        current_qr: Callable[[], str | None],
        events: Iterable[str],
    ) -> None:
        self._accepts = accepts
        self._current_qr = current_qr
        config = json.dumps({"events": sorted(events)})
        # JSON inside <script>: no "</script>" or "<!--" can end it early.
        self._config = config.replace("<", "\\u003c").replace(">", "\\u003e")

    def _token(self, scope: Mapping[str, Any]) -> str | None:
        authorization = _header(scope, b"authorization")
        if authorization is not None and authorization.lower().startswith("bearer "):
            return authorization[7:].strip()
        return cookie_token(_header(scope, b"cookie"))

    def _authorised(self, scope: Mapping[str, Any]) -> bool:
        token = self._token(scope)
        return token is not None and self._accepts(token)

    async def __call__(self, scope: Mapping[str, Any], receive: Receive, send: Send) -> None:
        """Answer one request for a path in `PAGE_PATHS`."""
        path, method = scope.get("path"), scope.get("method")
        head = method == "HEAD"
        if path == "/" and method == "POST":
            form = await _read_form(receive)
            await self._login(scope, send, form.get("token", ""))
            return
        if method not in ("GET", "HEAD"):
            await _respond(send, HTTPStatus.METHOD_NOT_ALLOWED, b"", b"text/plain", head=head)
            return
        if path == "/logout":
            await _redirect(send, scope, clear=True)
            return
        if path == "/":
            query = urllib.parse.parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
            if "token" in query:
                await self._login(scope, send, query["token"][0], head=head)
                return
        if not self._authorised(scope):
            if path == "/":
                await _login_form(send, head=head)
            else:
                await _respond(
                    send, HTTPStatus.UNAUTHORIZED, b"a valid token is needed\n", b"text/plain"
                )
            return
        if path == "/":
            page = _asset("index.html").replace(_CONFIG_MARK, self._config)
            await _respond(
                send, HTTPStatus.OK, page.encode(), b"text/html; charset=utf-8", head=head
            )
        elif path == "/qr.svg":
            code = self._current_qr()
            if code is None:
                await _respond(
                    send, HTTPStatus.NOT_FOUND, b"no QR code is on show\n", b"text/plain", head=head
                )
            else:
                await _respond(send, HTTPStatus.OK, qr_svg(code), b"image/svg+xml", head=head)
        else:
            name, content_type = _ASSETS[str(path)]
            await _respond(send, HTTPStatus.OK, _asset(name).encode(), content_type, head=head)

    async def _login(
        self, scope: Mapping[str, Any], send: Send, token: str, *, head: bool = False
    ) -> None:
        token = token.strip()
        if not token or not self._accepts(token):
            await _login_form(send, wrong=bool(token), head=head)
            return
        await _redirect(send, scope, token=token)


async def _read_form(receive: Receive) -> dict[str, str]:
    body = b""
    more = True
    while more and len(body) <= _MAX_FORM:
        message = await receive()
        if message.get("type") != "http.request":
            break
        body += bytes(message.get("body", b""))
        more = bool(message.get("more_body"))
    if len(body) > _MAX_FORM:
        return {}
    pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"))
    return dict(pairs)


async def _respond(
    send: Send,
    status: HTTPStatus,
    body: bytes,
    content_type: bytes,
    *,
    head: bool = False,
    headers: Iterable[tuple[bytes, bytes]] = (),
    csp: bytes = _PAGE_CSP,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": int(status),
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                (b"content-security-policy", csp),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head else body})


async def _redirect(
    send: Send, scope: Mapping[str, Any], *, token: str | None = None, clear: bool = False
) -> None:
    secure = "; Secure" if scope.get("scheme") == "https" else ""
    if clear:
        cookie = f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}"
    else:
        value = urllib.parse.quote(token or "", safe="")
        cookie = f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{secure}"
    await _respond(
        send,
        HTTPStatus.SEE_OTHER,
        b"",
        b"text/plain",
        headers=[(b"location", b"/"), (b"set-cookie", cookie.encode("latin-1"))],
    )


async def _login_form(send: Send, *, wrong: bool = False, head: bool = False) -> None:
    note = "That token was not accepted." if wrong else "This page needs the gateway's token."
    body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wabus gateway: token needed</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px system-ui,sans-serif;max-width:28em;margin:4em auto;padding:0 1em}}
input{{font:inherit;padding:.4em;width:100%;box-sizing:border-box;margin:.5em 0}}
button{{font:inherit;padding:.4em 1.2em}}</style></head>
<body><h1>wabus gateway</h1><p id="note">{html.escape(note)}</p>
<form method="post" action="/"><label for="token">Token</label>
<input id="token" name="token" type="password" autocomplete="current-password" autofocus>
<button type="submit">Open</button></form></body></html>
"""
    await _respond(
        send,
        HTTPStatus.UNAUTHORIZED,
        body.encode(),
        b"text/html; charset=utf-8",
        head=head,
        csp=_FORM_CSP,
    )
