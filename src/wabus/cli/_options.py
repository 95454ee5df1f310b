"""Argument types the subcommands share: durations that must make sense."""

from __future__ import annotations

import argparse
import math

__all__ = ["non_negative_seconds", "positive_seconds"]


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number of seconds, got {text!r}")
    return value


def positive_seconds(text: str) -> float:
    """A duration greater than zero (a timeout)."""
    value = _seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0 seconds, got {text}")
    return value


def non_negative_seconds(text: str) -> float:
    """A duration of zero or more (a delay, an interval)."""
    value = _seconds(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 seconds or more, got {text}")
    return value
