"""Pair-code login for the live client: the companion's two requests around the phone's
notification (the exchange itself is `wabus.protocol.PairCodeCompanion`, sans-IO).

`request_code` sends the ``companion_hello`` and returns the attempt once the server gave it
a ref; `finish` answers the phone's ``link_code_companion_reg`` notification and switches the
pair-success verifier to the ADV secret both sides derived. Both run PBKDF2 (about a tenth of
a second of CPU) in a worker thread, off the event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from wabus.core import Jid, Node
from wabus.protocol import AdvVerifier, KeyPair, PairCodeCompanion, PairCodeError

__all__ = ["finish", "request_code"]

Request = Callable[[Node], Awaitable[Node]]


async def request_code(
    request: Request,
    phone: Jid,
    *,
    noise_public: bytes,
    identity: KeyPair,
    code: str | None = None,
) -> PairCodeCompanion:
    """Ask the server for a pair-code login to `phone`'s account; raises `PairCodeError` if
    it refuses (an account it does not know, a connection that is not pairing)."""
    companion = PairCodeCompanion(phone, noise_public=noise_public, identity=identity, code=code)
    hello = await anyio.to_thread.run_sync(companion.hello)
    companion.accept_hello_reply(await request(hello))
    return companion


async def finish(
    request: Request, companion: PairCodeCompanion, verifier: AdvVerifier, notification: Node
) -> None:
    """Answer the phone's notification: after this the server sends ``<pair-success>``, which
    `verifier` now checks with the shared secret. Raises `PairCodeError` if the notification
    is malformed or the server refuses the finish (a code typed wrong)."""
    node, secret = await anyio.to_thread.run_sync(companion.finish, notification)
    verifier.use_secret(secret)
    reply = await request(node)
    if reply.opt_attr("type") != "result":
        error = reply.child("error")
        detail = f" ({error.opt_attr('code')} {error.opt_attr('text')})" if error else ""
        raise PairCodeError(f"the server refused the pairing code{detail}: was it typed right?")
