"""The pieces every IQ handler of the simulator shares: the context it reads and changes, its
refusal (`IqError`), and the reply shapes (`result`, `server_error`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from wabus.core import Jid, Node, Server
from wabus.simulator._accounts import Account, Device, Directory
from wabus.simulator._appstate import StoreMedia

__all__ = ["IqContext", "IqError", "result", "server_error"]

SERVER: Final = Jid("", Server.USER)


class IqError(Exception):
    """A handler's refusal: the reply becomes ``<iq type=error><error code text/></iq>``."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(f"{code} {text}")
        self.code = code
        self.text = text


@dataclass
class IqContext:
    """What a handler may read and change: the server's state and the asking device."""

    directory: Directory
    device: Device | None
    """The logged-in (or pairing) device that sent the IQ; None before it is known."""
    now: Callable[[], int]
    """The server's clock, in Unix seconds."""
    media_host: str = ""
    """The media host's ``host:port`` (what ``media_conn`` names)."""
    media_auth: str = ""
    """The upload token ``media_conn`` hands out."""
    store_media: StoreMedia | None = None
    """Keeps a file on the media host (app-state snapshots are served from there)."""
    notices: list[tuple[Device, Node]] = field(default_factory=list)
    """Stanzas a handler's change calls for (group notifications, ``server_sync`` after an
    app-state patch), for the server to send to those devices once the reply has gone."""

    @property
    def account(self) -> Account:
        if self.device is None:
            raise IqError(401, "not-authorized")
        return self.device.account


def result(request: Node, *children: Node, **attrs: str | Jid) -> Node:
    """The ``<iq type=result>`` answering `request`, from the server (or `attrs['from']`)."""
    base: dict[str, str | Jid] = {
        "from": request.attrs.get("to") or SERVER,
        "type": "result",
        "id": request.opt_attr("id") or "",
    }
    base.update(attrs)
    return Node("iq", base, list(children) or None)


def server_error(request: Node, code: int, text: str) -> Node:
    """The ``<iq type=error>`` answering `request`."""
    return Node(
        "iq",
        {
            "from": request.attrs.get("to") or SERVER,
            "type": "error",
            "id": request.opt_attr("id") or "",
        },
        [Node("error", {"code": str(code), "text": text})],
    )
