"""The default clock of the protocol's state machines (and the client): UTC wall time.

The protocol never reads a clock on its own initiative; objects that need the time take a
``clock`` callable, and drivers (the client, the simulator, tests) may inject their own.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utc_now"]


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC: the default ``clock`` wherever one is taken."""
    return datetime.now(UTC)
