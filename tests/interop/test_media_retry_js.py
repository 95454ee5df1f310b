"""Media retry against Baileys' own functions: the retry key, Baileys' request read and
opened by wabus (the simulated phone's side), wabus's notifications read by Baileys."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests import processes
from tests.interop.conftest import JS, b64, node_executable, unb64
from wabus.core import Jid, Node, Server
from wabus.protocol import MediaRetryStatus, media_retry_key, media_retry_receipt
from wabus.protocol.server import (
    media_retry_notification,
    open_media_retry_request,
    parse_media_retry_receipt,
)

pytestmark = pytest.mark.timeout(600)

MEDIA_KEY = bytes(range(7, 39))
OWN = Jid("15550001", Server.USER, device=3)
CHAT = Jid("120363000000000001", Server.GROUP)
SENDER = Jid("15550002", Server.USER)
MESSAGE_ID = "3EB0A1B2C3D4E5F6"


def _as_json(node: Node) -> dict[str, Any]:
    content: object = None
    if node.bytes_content is not None:
        content = {"b64": b64(node.bytes_content)}
    elif node.nodes:
        content = [_as_json(child) for child in node.nodes]
    return {
        "tag": node.tag,
        "attrs": {k: str(v) for k, v in node.attrs.items()},
        "content": content,
    }


def _from_json(data: dict[str, Any]) -> Node:
    content = data["content"]
    if isinstance(content, list):
        return Node(data["tag"], data["attrs"], [_from_json(child) for child in content])
    return Node(data["tag"], data["attrs"], unb64(content["b64"]) if content else None)


def _baileys(notifications: list[Node]) -> dict[str, Any]:
    request = {
        "mediaKey": b64(MEDIA_KEY),
        "key": {
            "id": MESSAGE_ID,
            "remoteJid": str(CHAT),
            "fromMe": False,
            "participant": str(SENDER),
        },
        "meId": str(OWN),
        "notifications": [_as_json(n) for n in notifications],
    }
    node = node_executable()
    done = processes.run([node, "media_retry.mjs"], cwd=JS, timeout=300, input=json.dumps(request))
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_the_key_and_both_directions_agree_with_baileys() -> None:
    def notify(**fields: Any) -> Node:
        return media_retry_notification(
            message_id=MESSAGE_ID,
            chat=CHAT,
            from_me=False,
            participant=SENDER,
            sender=OWN.to_non_ad(),
            t=1_700_000_000,
            **fields,
        )

    success = notify(media_key=MEDIA_KEY, direct_path="/v/t62.7118-24/new?oe=1")
    not_found = notify(media_key=MEDIA_KEY, status=MediaRetryStatus.NOT_FOUND)
    refused = notify(error_code=int(MediaRetryStatus.NOT_FOUND))
    answer = _baileys([success, not_found, refused])
    assert unb64(answer["retryKey"]) == media_retry_key(MEDIA_KEY)

    # Baileys' request, as the simulated phone reads and checks it.
    theirs = _from_json(answer["request"])
    request = parse_media_retry_receipt(theirs)
    assert (request.message_id, request.own, request.chat) == (MESSAGE_ID, OWN.to_non_ad(), CHAT)
    assert (request.from_me, request.participant) == (False, SENDER)
    open_media_retry_request(request, MEDIA_KEY)
    # The same request from wabus, with Baileys' IV: byte for byte the same GCM payload.
    ours = media_retry_receipt(
        message_id=MESSAGE_ID,
        media_key=MEDIA_KEY,
        own=OWN,
        chat=CHAT,
        from_me=False,
        participant=SENDER,
        iv=request.iv,
    )
    assert _as_json(ours) == _as_json(theirs)

    ok, missing, error = answer["answers"]
    key = {"id": MESSAGE_ID, "remoteJid": str(CHAT), "fromMe": False, "participant": str(SENDER)}
    assert ok == {
        "key": key,
        "stanzaId": MESSAGE_ID,
        "directPath": "/v/t62.7118-24/new?oe=1",
        "result": 1,
        "status": 200,
    }
    assert (missing["result"], missing["status"]) == (2, 404)
    assert error == {"key": key, "error": 404}
