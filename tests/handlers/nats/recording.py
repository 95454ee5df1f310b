"""A handler for worker processes in tests: one line per handled message, written at once.

``wabus worker --handler tests.handlers.nats.recording:RecordingHandler`` with
``$WABUS_TEST_RECORD`` naming the file. Each line is ``<id> <subject> <stream seq> <delivery
count>``, written with one unbuffered ``os.write`` before the handler returns (so before the
message is acknowledged): a worker killed with SIGKILL leaves a record of exactly what its
handler finished.

With ``$WABUS_TEST_DIE_AFTER`` set to N, the process kills itself with SIGKILL right after
recording its N-th message: a crash in the middle of a batch, with that message handled and
not acknowledged, and the rest of the batch fetched and not handled.
"""

from __future__ import annotations

import os
import signal

from wabus.core import EventHandler
from wabus.core.events import Message
from wabus.handlers.nats import current_delivery


class RecordingHandler(EventHandler):
    """Appends a line per message to the file named by ``$WABUS_TEST_RECORD``."""

    def __init__(self) -> None:
        path = os.environ["WABUS_TEST_RECORD"]
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._die_after = int(os.environ.get("WABUS_TEST_DIE_AFTER", "0"))
        self._count = 0

    def on_message(self, event: Message) -> None:
        delivery = current_delivery()
        assert delivery is not None
        line = (
            f"{event.info.id} {delivery.subject} {delivery.stream_seq} {delivery.num_delivered}\n"
        )
        os.write(self._fd, line.encode())
        self._count += 1
        if self._count == self._die_after:
            os.kill(os.getpid(), signal.SIGKILL)
