"""Subject names on the bridge: ``<prefix>.<account>.<kind>``, and the dead-letter subjects.

Every event travels on a subject of three parts: the prefix (``wabus`` unless configured; it
may itself have several dot-separated tokens), the account the event belongs to (one token,
e.g. the bot's phone number) and the event's kind (``message``, ``receipt``, …: the ``type``
tag of its JSON form). Consumers filter with NATS wildcards: ``wabus.*.message`` is every
account's messages, ``wabus.15550000001.*`` one account's events.

A message a consumer gives up on goes to ``<dead-letter prefix>.<consumer>.<original
subject>``, so ``wabus-dead.>`` is every dead letter and ``wabus-dead.workers.>`` one
consumer's.

Names that become subject tokens (accounts, prefixes, consumer names) and stream names are
checked here: letters, digits, ``-`` and ``_`` only, at most 128 characters, so that no name
can smuggle a wildcard or a separator into a subject.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from wabus.core.events import EVENTS_BY_KIND
from wabus.handlers.nats._errors import InvalidSubjectToken

__all__ = [
    "DEFAULT_DEAD_LETTER_PREFIX",
    "DEFAULT_PREFIX",
    "EventSubject",
    "check_name",
    "check_prefix",
    "dead_letter_subject",
    "filter_subject",
    "parse_subject",
    "subject_for",
]

DEFAULT_PREFIX: Final = "wabus"
"""The first token of every event subject unless configured otherwise."""

DEFAULT_DEAD_LETTER_PREFIX: Final = "wabus-dead"
"""The first token of every dead-letter subject unless configured otherwise."""

_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}")


def check_name(what: str, value: object) -> str:
    """`value` if it is a valid single subject token or stream name, else `InvalidSubjectToken`.

    `what` names the value in the error (``"account"``, ``"stream name"``, …).
    """
    if not isinstance(value, str):
        raise InvalidSubjectToken(what, value, "it must be a str")
    if _TOKEN.fullmatch(value) is None:
        raise InvalidSubjectToken(
            what, value, "use 1 to 128 letters, digits, '-' or '_' (no dots, spaces or wildcards)"
        )
    return value


def check_prefix(what: str, value: object) -> str:
    """`value` if it is one or more valid tokens joined by dots, else `InvalidSubjectToken`."""
    if not isinstance(value, str) or not value:
        raise InvalidSubjectToken(what, value, "it must be a non-empty str")
    for token in value.split("."):
        if _TOKEN.fullmatch(token) is None:
            raise InvalidSubjectToken(
                what, value, f"token {token!r} is not 1 to 128 letters, digits, '-' or '_'"
            )
    return value


def subject_for(account: str, kind: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The subject events of `kind` for `account` travel on: ``wabus.<account>.<kind>``.

    Checks nothing (the publisher checks its account and prefix once, up front).
    """
    return f"{prefix}.{account}.{kind}"


def filter_subject(
    account: str | None = None, kind: str | None = None, prefix: str = DEFAULT_PREFIX
) -> str:
    """A consumer filter: one account's or every account's (None) events of one kind or all."""
    return f"{prefix}.{account or '*'}.{kind or '*'}"


class EventSubject(NamedTuple):
    """An event subject taken apart (see `parse_subject`)."""

    account: str
    """The account token."""
    kind: str
    """The kind token; a known event kind (`parse_subject` checks it)."""


def parse_subject(subject: str, prefix: str = DEFAULT_PREFIX) -> EventSubject | str:
    """``wabus.<account>.<kind>`` -> its account and kind; or a str saying why it is not one.

    Returns a reason rather than raising: a consumer turns it into a dead letter and goes on.
    """
    head = prefix + "."
    if not subject.startswith(head):
        return f"subject {subject!r} does not start with {head!r}"
    parts = subject[len(head) :].split(".")
    if len(parts) != 2 or not all(parts):
        return f"subject {subject!r} is not {prefix}.<account>.<kind>"
    account, kind = parts
    if kind not in EVENTS_BY_KIND:
        return f"unknown event kind {kind!r} in subject {subject!r}"
    return EventSubject(account, kind)


def dead_letter_subject(prefix: str, consumer: str, subject: str) -> str:
    """Where a consumer's dead letter for a message on `subject` goes."""
    return f"{prefix}.{consumer}.{subject}"
