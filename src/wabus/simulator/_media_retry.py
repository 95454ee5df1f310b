"""The simulated phone's side of a media retry: a companion whose media URL expired asks its
own phone (``<receipt type="server-error">``, `wabus.protocol.media_retry_receipt`) to upload
the file again.

The phone looks up its copy of the message by id (what it sent the companion, or what the
companion sent and it decrypted). Without a copy it answers ``<error code=2>`` (NOT_FOUND:
it has no media key to seal an answer with). With one, it checks the request's sealed body
against the message's media key (DECRYPTION_ERROR if it does not open), renews the file on
the media host (NOT_FOUND if the host no longer has it) and answers with the new direct path,
sealed (`wabus.protocol.server.media_retry_notification`).
"""

from __future__ import annotations

import structlog

from wabus.client import media_of
from wabus.core import Jid, Node
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import MEDIA_KEY_SIZE, MediaRetryError, MediaRetryStatus
from wabus.protocol.server import (
    media_retry_notification,
    open_media_retry_request,
    parse_media_retry_receipt,
)
from wabus.simulator._media import MediaStore

__all__ = ["answer_media_retry"]

_log = structlog.get_logger("wabus.simulator.media_retry")


def answer_media_retry(
    receipt: Node, copy: WAMessage | None, media: MediaStore, *, phone: Jid, now: int
) -> Node | None:
    """The phone's ``<notification type="mediaretry">`` for `receipt`, given its `copy` of
    the message (None when it has none); None for a request that is not one."""
    try:
        request = parse_media_retry_receipt(receipt)
    except MediaRetryError as err:
        _log.info("a media retry request that is not one", error=str(err))
        return None

    def answer(
        *,
        key: bytes | None = None,
        status: MediaRetryStatus = MediaRetryStatus.SUCCESS,
        direct_path: str | None = None,
        error_code: int | None = None,
    ) -> Node:
        return media_retry_notification(
            message_id=request.message_id,
            chat=request.chat,
            from_me=request.from_me,
            participant=request.participant,
            sender=phone,
            t=now,
            media_key=key,
            status=status,
            direct_path=direct_path,
            error_code=error_code,
        )

    found = media_of(copy) if copy is not None else None
    if found is None or len(found[0].mediaKey) != MEDIA_KEY_SIZE or not found[0].directPath:
        return answer(error_code=int(MediaRetryStatus.NOT_FOUND))
    key, old_path = found[0].mediaKey, found[0].directPath
    try:
        open_media_retry_request(request, key)
    except MediaRetryError:
        return answer(key=key, status=MediaRetryStatus.DECRYPTION_ERROR)
    try:
        direct_path = media.renew(old_path)
    except KeyError:
        return answer(key=key, status=MediaRetryStatus.NOT_FOUND)
    _log.debug("media renewed", id=request.message_id, path=direct_path)
    return answer(key=key, direct_path=direct_path)
