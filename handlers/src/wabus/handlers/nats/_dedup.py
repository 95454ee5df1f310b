"""Deduplication ids: the ``Nats-Msg-Id`` the publisher gives each event.

Theory of operation
-------------------

JetStream stores a message once per ``Nats-Msg-Id`` within the stream's duplicate window
(two minutes unless configured). The id must therefore be the same when the *same*
occurrence of an event is published again (a retry after a lost acknowledgement, a bridge
restarted on the same session, a second bridge on the same account) and differ between two
*distinct* occurrences. The event's JSON alone cannot always tell those apart:

- Most kinds carry what identifies an occurrence: a message id, a server timestamp, a stanza.
  Two `Message` events with the same JSON are the same message delivered twice. For these
  (the classes that declare `BaseEvent.identified`; `IDENTIFIED_KINDS` lists their kinds) the
  id is a hash of the account and the JSON.
- Some kinds carry nothing of the sort: `Connected` is ``{"type":"connected"}`` every time, a
  contact typing twice gives two equal `ChatPresence` events. Hashing their JSON alone would
  make the stream drop a real reconnection. For these the id is the hash plus the count of
  equal events this publisher has sent within the duplicate window: the second `Connected`
  is ``<hash>-2``. A publisher restarted on the same session counts the same way again, so
  its republished events still map to the ids already stored.

A kind that does not declare itself identified is counted: at worst a republish of it is
stored twice, never is a distinct event dropped.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

from wabus.core.events import EVENTS_BY_KIND

__all__ = ["IDENTIFIED_KINDS", "OccurrenceCounter", "dedup_id"]

IDENTIFIED_KINDS: Final[frozenset[str]] = frozenset(
    kind for kind, cls in EVENTS_BY_KIND.items() if cls.identified
)
"""Kinds whose JSON identifies one occurrence (their classes declare `BaseEvent.identified`);
the others are counted (see the module doc)."""


def dedup_id(account: str, data: bytes, occurrence: int | None = None) -> str:
    """The ``Nats-Msg-Id`` for an event's JSON `data` published for `account`.

    A 32-hex-digit BLAKE2b hash of the account and the JSON, followed by ``-<occurrence>``
    for kinds that are counted (see the module doc).
    """
    hasher = hashlib.blake2b(account.encode(), digest_size=16)
    hasher.update(b"\0")
    hasher.update(data)
    digest = hasher.hexdigest()
    return digest if occurrence is None else f"{digest}-{occurrence}"


class OccurrenceCounter:
    """Counts equal JSON payloads seen within a time window (the stream's duplicate window).

    `count(data)` returns 1 for a payload not seen within the last `window` seconds, else one
    more than last time. Entries older than the window are forgotten, so memory follows the
    number of distinct payloads per window. Not thread-safe: the publisher uses it from the
    event loop only.
    """

    __slots__ = ("_clock", "_seen", "window")

    def __init__(self, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        # payload hash -> (count, time of the last occurrence); oldest first.
        self._seen: OrderedDict[bytes, tuple[int, float]] = OrderedDict()

    def count(self, data: bytes) -> int:
        """Record one occurrence of `data`; return how many there have been in the window."""
        now = self._clock()
        seen = self._seen
        horizon = now - self.window
        while seen:
            oldest = next(iter(seen.values()))
            if oldest[1] >= horizon:
                break
            seen.popitem(last=False)
        key = hashlib.blake2b(data, digest_size=16).digest()
        previous = seen.pop(key, None)
        count = 1 if previous is None else previous[0] + 1
        seen[key] = (count, now)
        return count

    def __len__(self) -> int:
        return len(self._seen)
