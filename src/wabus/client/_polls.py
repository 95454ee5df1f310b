"""Reading poll votes: `Polls` keeps the polls a bot knows and opens the votes cast in them.

A vote (``pollUpdateMessage``) names its poll by key and carries the chosen options sealed
with the poll's secret (`wabus.protocol.decrypt_poll_vote`). Only whoever holds the poll's body
can read it: `Polls` remembers the polls we sent (`remember_sent`) and the ones we received
(`remember`), and turns each vote into a `PollVoteResult` with the options by name::

    polls = Polls()
    body = poll("Lunch?", ["pizza", "sushi"])
    polls.remember_sent(chat, await client.send_message(chat, body), body, own=me)
    ...
    async def on_message(self, event):          # in a handler
        vote = polls.read(event)                 # None unless it is a vote in a known poll

Or let `PollVotes` do it and publish each vote as a `PollVote` event of the catalogue: it is a
handler (it reads the messages) and a source (that is how it gets the bus to publish on)::

    votes = PollVotes(polls)
    Bot.builder().with_source(client).with_source(votes).with_handler(votes)
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

import anyio
import structlog

from wabus.client._e2e import SendResult
from wabus.core import CoreEventBus, EventHandler, Jid
from wabus.core.events import Message, PollVote
from wabus.core.payloads import PayloadDecodeError
from wabus.proto.e2e_pb2 import Message as WAMessage
from wabus.protocol import PollVoteError, decrypt_poll_vote, option_names

__all__ = ["PollVoteResult", "PollVotes", "Polls"]

_log = structlog.get_logger("wabus.client.polls")

_CREATIONS: Final = ("pollCreationMessage", "pollCreationMessageV2", "pollCreationMessageV3")
DEFAULT_KEEP: Final = 1024


@dataclass(frozen=True, slots=True)
class _Poll:
    creator: Jid
    secret: bytes
    options: tuple[str, ...]
    name: str


@dataclass(frozen=True, slots=True)
class PollVoteResult:
    """One voter's current choice in a poll (an empty `selected`: the vote was taken back)."""

    poll_id: str
    """The poll's message id."""
    chat: Jid
    voter: Jid
    question: str
    selected: tuple[str, ...]
    """The chosen options, by name."""
    timestamp_ms: int
    """When the voter voted (their clock)."""


def _creation(body: WAMessage) -> WAMessage.PollCreationMessage | None:
    for name in _CREATIONS:
        if body.HasField(name):
            creation: WAMessage.PollCreationMessage = getattr(body, name)
            return creation
    return None


class Polls:
    """The polls a bot knows (the last `keep` of them), to read votes with."""

    def __init__(self, keep: int = DEFAULT_KEEP) -> None:
        self._polls: OrderedDict[tuple[Jid, str], _Poll] = OrderedDict()
        self._keep = keep

    def __len__(self) -> int:
        return len(self._polls)

    def _add(self, chat: Jid, poll_id: str, creator: Jid, body: WAMessage) -> bool:
        if body.HasField("deviceSentMessage"):
            body = body.deviceSentMessage.message
        creation = _creation(body)
        secret = body.messageContextInfo.messageSecret
        if creation is None or not secret:
            return False
        options = tuple(o.optionName for o in creation.options)
        self._polls[(chat.to_non_ad(), poll_id)] = _Poll(
            creator.to_non_ad(), secret, options, creation.name
        )
        while len(self._polls) > self._keep:
            self._polls.popitem(last=False)
        return True

    def remember_sent(self, chat: Jid, result: SendResult, body: WAMessage, *, own: Jid) -> bool:
        """Keep a poll we sent (`own` is our JID); False when `body` is no poll."""
        return self._add(chat, result.id, own, body)

    def remember(self, event: Message) -> bool:
        """Keep a poll we received (or sent from another device); False when it is none."""
        return self._add(
            event.info.source.chat, event.info.id, event.info.source.sender, event.message
        )

    def read(self, event: Message) -> PollVoteResult | None:
        """The vote `event` carries, opened; None when it is no vote or its poll is unknown.
        Raises `PollVoteError` for a vote that does not open with its poll's secret."""
        body = event.message
        if body.HasField("deviceSentMessage"):
            body = body.deviceSentMessage.message
        if not body.HasField("pollUpdateMessage"):
            return None
        update = body.pollUpdateMessage
        key = update.pollCreationMessageKey
        chat = event.info.source.chat.to_non_ad()
        known = self._polls.get((chat, key.id))
        if known is None:
            return None
        voter = event.info.source.sender.to_non_ad()
        hashes = decrypt_poll_vote(
            update.vote, secret=known.secret, poll_id=key.id, creator=known.creator, voter=voter
        )
        chosen = option_names(hashes, known.options)
        if len(chosen) != len(hashes):
            raise PollVoteError("the vote names an option the poll does not have")
        return PollVoteResult(
            poll_id=key.id,
            chat=chat,
            voter=voter,
            question=known.name,
            selected=chosen,
            timestamp_ms=update.senderTimestampMs,
        )

    def secret(self, chat: Jid, poll_id: str) -> bytes | None:
        """The vote secret of a known poll (to vote in it with `poll_vote`)."""
        known = self._polls.get((chat.to_non_ad(), poll_id))
        return None if known is None else known.secret


class PollVotes(EventHandler):
    """Publishes a `PollVote` for every vote in a poll it knows (see the module doc).

    Polls received are remembered as they arrive; polls we send must be given to
    `polls.remember_sent`. Add it as a handler, and as a source or with `bind`, so that it
    has the bus (a vote read before it has one waits for it). A vote that does not open with
    its poll's secret is logged and dropped.
    """

    def __init__(self, polls: Polls | None = None) -> None:
        self.polls = polls if polls is not None else Polls()
        self._bus: CoreEventBus | None = None
        self._bound = anyio.Event()

    def bind(self, bus: CoreEventBus) -> None:
        """Publish on `bus` (instead of adding this as a source)."""
        self._bus = bus
        self._bound.set()

    async def run(self, bus: CoreEventBus) -> None:
        """As a source: take the bus, then wait to be cancelled (the votes come in as
        messages)."""
        self.bind(bus)
        await anyio.sleep_forever()

    async def on_message(self, event: Message) -> None:
        try:
            if self.polls.remember(event):
                return
            vote = self.polls.read(event)
        except PayloadDecodeError:
            return  # not a body it could read: nobody's vote
        except PollVoteError as err:
            _log.warning("a poll vote did not open", id=event.info.id, error=str(err))
            return
        if vote is None:
            return
        await self._bound.wait()  # a vote that came before the bus did waits for it
        assert self._bus is not None
        await self._bus.publish(
            PollVote(
                info=event.info,
                poll_id=vote.poll_id,
                question=vote.question,
                selected=vote.selected,
            )
        )
