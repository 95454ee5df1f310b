"""Console logging for the ``wabus`` command (structlog, readable, to stdout or stderr)."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

__all__ = ["configure_logging"]


class _CurrentStream:
    """Writes to whatever ``sys.stdout`` or ``sys.stderr`` is at the time of writing."""

    def __init__(self, name: str) -> None:
        self._name = name

    def write(self, text: str) -> int:
        stream: TextIO = getattr(sys, self._name)
        return stream.write(text)

    def flush(self) -> None:
        stream: TextIO = getattr(sys, self._name)
        stream.flush()


def configure_logging(stream_name: str = "stdout", level: int = logging.INFO) -> None:
    """Readable console logs on ``stdout`` or ``stderr`` (the stream is looked up per write),
    from `level` up (debug lines are left out by default)."""
    stream: TextIO = getattr(sys, stream_name)
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(level),
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="%H:%M:%S"),
            structlog.dev.ConsoleRenderer(colors=stream.isatty()),
        ],
        logger_factory=structlog.PrintLoggerFactory(_CurrentStream(stream_name)),  # type: ignore[arg-type]
    )
