"""Requests a client sends because of what a stanza said (sans-IO: nodes out, no sending).

Each builder takes the event the router made of the stanza and returns the ``<iq>`` to send;
the client gives it an id and sends it (`Connection.request`). Only the shapes live here: when
to send them is the client's business.
"""

from __future__ import annotations

from typing import Final

from wabus.core import Jid, Node, Server
from wabus.core.events import DirtyNotice

__all__ = ["DIRTY_XMLNS", "clean_dirty_bits"]

DIRTY_XMLNS: Final = "urn:xmpp:whatsapp:dirty"
"""The namespace of the request that marks dirty state clean."""

_SERVER: Final = Jid("", Server.USER)


def clean_dirty_bits(notice: DirtyNotice) -> Node:
    """The ``<iq type=set xmlns=urn:xmpp:whatsapp:dirty><clean type=… timestamp=…/></iq>``
    that tells the server the state a `DirtyNotice` named is clean again (the client has
    fetched it). The timestamp is the notice's own, echoed back, and left out when it had none.
    """
    attrs: dict[str, str | Jid] = {"type": str(notice.dirty_type)}
    if notice.timestamp is not None:
        attrs["timestamp"] = str(int(notice.timestamp.timestamp()))
    return Node("iq", {"to": _SERVER, "type": "set", "xmlns": DIRTY_XMLNS}, [Node("clean", attrs)])
