"""Errors of the dialect layer, under one root, `DialectError`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from wabus.core import BaseEvent, WabusError

__all__ = [
    "DeliveryError",
    "DialectDefinitionError",
    "DialectError",
    "InvalidListener",
    "ListenerError",
    "ProjectionError",
    "UnknownDialect",
    "UnknownEventName",
]


def _suggest(name: str, valid: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(valid), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


class DialectError(WabusError):
    """Root of every error of the dialect layer (`wabus.handlers.dialects`)."""


class UnknownDialect(DialectError, LookupError):
    """No dialect has this name. `name` is what was asked for, `valid` the names there are."""

    def __init__(self, name: object, valid: Iterable[str]) -> None:
        self.name = name
        self.valid = tuple(sorted(valid))
        hint = _suggest(name, self.valid) if isinstance(name, str) else ""
        super().__init__(f"no dialect named {name!r}{hint} (dialects: {', '.join(self.valid)})")

    def __str__(self) -> str:  # LookupError subclasses would otherwise quote the message
        return str(self.args[0])


class UnknownEventName(DialectError, ValueError):
    """A name that is not in the dialect's vocabulary.

    `dialect` is the dialect's name, `name` the name given and `valid` every name the dialect
    knows (including the ones that never fire on WhatsApp, which are not errors).
    """

    def __init__(self, dialect: str, name: object, valid: Iterable[str]) -> None:
        self.dialect = dialect
        self.name = name
        self.valid = tuple(sorted(valid))
        hint = _suggest(name, self.valid) if isinstance(name, str) else ""
        super().__init__(
            f"{name!r} is not a {dialect} event{hint}; valid names: {', '.join(self.valid)}"
            " (and '*' for every event, 'core' for the core events themselves)"
        )


class InvalidListener(DialectError, TypeError):
    """A listener that cannot be called the way its event calls listeners (not callable, or it
    needs more positional arguments than the event passes)."""


class DialectDefinitionError(DialectError, TypeError):
    """A dialect class (or a listener class) is defined wrongly: its table names an event the
    vocabulary lacks, an event has no rule and no reason to stay silent, a hook is misspelt…
    Raised when the class statement runs."""


class ProjectionError(DialectError):
    """A rule of the dialect's table failed on a core event.

    `dialect` and `name` say which rule, `core` is the event it failed on; the cause is chained.
    The other rules for the same event still ran.
    """

    def __init__(self, dialect: str, name: str, core: BaseEvent, error: BaseException) -> None:
        self.dialect = dialect
        self.name = name
        self.core = core
        self.error = error
        super().__init__(
            f"the {dialect} rule for {name!r} failed on a {type(core).__name__} event: {error!r}"
        )


class ListenerError(DialectError):
    """A listener raised. `dialect`, `name` and `listener` say which; the cause is chained.

    The other listeners of the same event, and of the events after it, still ran.
    """

    def __init__(self, dialect: str, name: str, listener: Any, error: BaseException) -> None:
        self.dialect = dialect
        self.name = name
        self.listener = listener
        self.error = error
        super().__init__(f"a {dialect} listener for {name!r} ({listener!r}) raised {error!r}")


class DeliveryError(DialectError):
    """One or more rules or listeners failed while a dialect handled one core event.

    Raised to the bus (which logs it and passes it to its ``on_handler_error`` hook) after
    everything else for that event was delivered. `failures` holds each `ProjectionError` and
    `ListenerError`; the first one is also the chained cause.
    """

    def __init__(self, dialect: str, failures: Iterable[ProjectionError | ListenerError]) -> None:
        self.dialect = dialect
        self.failures = tuple(failures)
        shown = "; ".join(str(f) for f in self.failures[:3])
        more = f" (and {len(self.failures) - 3} more)" if len(self.failures) > 3 else ""
        super().__init__(f"{len(self.failures)} failure(s) in the {dialect} dialect: {shown}{more}")
