"""A poll vote wabus encrypts is opened by Baileys' own ``decryptPollVote``."""

from __future__ import annotations

import json

import pytest

from tests import processes
from tests.interop.conftest import JS, b64, node_executable, unb64
from wabus.core import Jid, Server
from wabus.protocol import encrypt_poll_vote, poll_option_hash

pytestmark = pytest.mark.timeout(600)

CREATOR = Jid("15550001", Server.USER)
VOTER = Jid("15550002", Server.USER)


def _baileys_open(request: dict[str, str]) -> dict[str, object]:
    node = node_executable()
    done = processes.run([node, "poll_vote.mjs"], cwd=JS, timeout=300, input=json.dumps(request))
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout)
    return answer


def test_baileys_opens_a_wabus_vote() -> None:
    secret = bytes(range(100, 132))
    vote = encrypt_poll_vote(
        ["sushi", "pizza"], secret=secret, poll_id="3EB0POLL", creator=CREATOR, voter=VOTER
    )
    request = {
        "encPayload": b64(vote.encPayload),
        "encIv": b64(vote.encIv),
        "pollEncKey": b64(secret),
        "pollCreatorJid": str(CREATOR),
        "pollMsgId": "3EB0POLL",
        "voterJid": str(VOTER),
    }
    answer = _baileys_open(request)
    selected = answer.get("selectedOptions")
    assert isinstance(selected, list), answer
    assert [unb64(s) for s in selected] == [poll_option_hash("sushi"), poll_option_hash("pizza")]
    # And with another voter named, Baileys cannot open it either.
    refused = _baileys_open({**request, "voterJid": str(CREATOR)})
    assert "error" in refused
