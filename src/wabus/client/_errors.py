"""The client's errors (one module, so every part of the client can raise them)."""

from __future__ import annotations

from wabus.core import WabusError

__all__ = [
    "ClientError",
    "ContactError",
    "GroupError",
    "NotConnected",
    "RequestTimeout",
    "SendFailed",
    "ServerRefused",
]


class ClientError(WabusError):
    """Root of the client's own errors."""


class NotConnected(ClientError):
    """The client has no open, logged-in connection right now."""


class SendFailed(ClientError):
    """A message could not be sent: it could not be encrypted, or the server refused it."""


class RequestTimeout(ClientError, TimeoutError):
    """The server did not answer a request in time; `request_id` is its id."""

    def __init__(self, request_id: str, timeout: float) -> None:
        super().__init__(f"no answer to request {request_id} within {timeout}s")
        self.request_id = request_id


class ServerRefused(ClientError):
    """The server refused a request: `code` and `text` are its ``<error>``'s (e.g. 403
    forbidden, 404 item-not-found, 406 not-acceptable)."""

    def __init__(self, code: int, text: str, *, what: str = "the request") -> None:
        super().__init__(f"the server refused {what}: {code} {text}".rstrip())
        self.code = code
        self.text = text


class GroupError(ServerRefused):
    """A group query was refused (not a member, not an admin, no such group or invite)."""


class ContactError(ServerRefused):
    """A contact or profile query was refused (no such user, a picture not shared)."""
