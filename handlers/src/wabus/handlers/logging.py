"""`LoggingHandler`: every event as one structured log line, through structlog.

Each event is logged as ``event=<message> kind=<kind>`` plus its fields, rendered for reading:
JIDs as strings, bytes as ``<N bytes>``, raw nodes as short XML, nested values as dicts. It
reads only an event's declared fields, so logging a `Message` never parses its body. Installed
as the handler plugin ``logging``::

    Bot.builder().with_plugin("logging", level="debug")
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

import structlog
from pydantic import BaseModel

from wabus.core import BaseEvent, CallbackHandler, Jid, Node

__all__ = ["LoggingHandler", "summarise"]

_LEVELS: Final = ("debug", "info", "warning", "error", "critical")
_MAX_NODE_CHARS: Final = 160


def _render(value: Any) -> Any:
    if value is None or (
        isinstance(value, bool | int | float | str) and not isinstance(value, enum.Enum)
    ):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Jid):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, Node):
        text = value.to_xml()
        return text if len(text) <= _MAX_NODE_CHARS else text[:_MAX_NODE_CHARS] + "…"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"{value.total_seconds():g}s"
    if isinstance(value, BaseModel):
        return summarise(value)
    if isinstance(value, tuple | list):
        return [_render(v) for v in value]
    return repr(value)


def summarise(model: BaseModel) -> dict[str, Any]:
    """An event's (or value's) fields, rendered for a log line; None and default values left out."""
    out: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        if name == "type":
            continue
        value = getattr(model, name)
        if value is None:
            continue
        # Leave out values at their defaults, except tags such as a group change's `kind`.
        is_tag = typing.get_origin(field.annotation) is typing.Literal
        if not is_tag and not field.is_required() and value == field.default:
            continue
        out[name] = _render(value)
    return out


class LoggingHandler(CallbackHandler):
    """Logs each event it receives (all kinds by default) at `level`.

    `logger` defaults to ``structlog.get_logger("wabus.events")``; `message` is the log
    line's event text; set `fields=False` to log only the kind.
    """

    def __init__(
        self,
        *event_types: Any,
        level: str = "info",
        logger: Any = None,
        message: str = "event",
        fields: bool = True,
    ) -> None:
        if level not in _LEVELS:
            raise ValueError(f"level must be one of {', '.join(_LEVELS)}, got {level!r}")
        super().__init__(*event_types)
        self._logger = logger if logger is not None else structlog.get_logger("wabus.events")
        self._emit: Callable[..., Any] = getattr(self._logger, level)
        self._message = message
        self._fields = fields

    def log_event(self, event: BaseEvent) -> None:
        """Log one event."""
        if self._fields:
            self._emit(self._message, kind=event.type, **summarise(event))
        else:
            self._emit(self._message, kind=event.type)

    receive_event = log_event
