"""100k events through JetStream into two ``wabus worker`` processes, one killed midway.

This process publishes 100,000 `Message` events for 8 accounts (8 subjects) with
`NatsPublisher`s. Two worker processes (``python -m wabus.cli worker``) share one durable
consumer and record every message their handler finishes (`recording.RecordingHandler`).
Worker A dies by SIGKILL inside its handler, right after handling its 10,000th message (so in
the middle of a batch, with that message not acknowledged), while the publishing goes on;
what it had fetched and not acknowledged comes back to worker B after ``ack_wait``. Then:

- every event was handled, and an event handled twice was redelivered (A handled it, its
  acknowledgement died with it, B got it again): at least A's last one;
- the two workers split the load;
- within each worker, the events of one subject were handled in the order they were
  published (first deliveries);
- the consumer has nothing pending and no dead letters were written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest

from tests import processes
from tests.handlers.nats.conftest import Names, jetstream
from wabus.core import Jid, Server
from wabus.core.events import Message, MessageInfo, MessageSource
from wabus.handlers.nats import NatsPublisher

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[3]
EVENTS = 100_000
ACCOUNTS = 8
BATCH = 64
ACK_WAIT = 2.0
A_DIES_AFTER = 10_000
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Record:
    worker: str
    id: str
    subject: str
    stream_seq: int
    deliveries: int

    @property
    def counter(self) -> int:
        return int(self.id.rsplit("-", 1)[1])


@dataclass
class Worker:
    """One worker process and what it has recorded so far."""

    name: str
    process: subprocess.Popen[bytes]
    record_path: Path
    stderr_path: Path
    stdout_path: Path
    records: list[Record] = field(default_factory=list)
    _offset: int = 0
    _partial: bytes = b""

    def read_new(self) -> None:
        if not self.record_path.exists():
            return
        with self.record_path.open("rb") as file:
            file.seek(self._offset)
            data = file.read()
        self._offset += len(data)
        data = self._partial + data
        lines = data.split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            event_id, subject, seq, deliveries = line.decode().split()
            self.records.append(Record(self.name, event_id, subject, int(seq), int(deliveries)))

    def log(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""


def _start_worker(
    children: ExitStack, name: str, names: Names, url: str, tmp_path: Path, die_after: int = 0
) -> Worker:
    """A worker process, in a process group that `children` kills when it closes."""
    record = tmp_path / f"{name}.records"
    stdout, stderr = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["WABUS_TEST_RECORD"] = str(record)
    env["WABUS_TEST_DIE_AFTER"] = str(die_after)
    command = [
        sys.executable,
        "-m",
        "wabus.cli",
        "worker",
        "--servers",
        url,
        "--stream",
        names.stream.name,
        "--subject-prefix",
        names.stream.subject_prefix,
        "--max-age",
        "3600",
        "--dead-letter-stream",
        names.dead.name,
        "--dead-letter-prefix",
        names.dead.subject_prefix,
        "--durable",
        "scale",
        "--ack-wait",
        str(ACK_WAIT),
        "--batch",
        str(BATCH),
        "--handler",
        "tests.handlers.nats.recording:RecordingHandler",
    ]
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = children.enter_context(
            processes.popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=False)
        )
    return Worker(name, process, record, stderr, stdout)


def _event(account: int, counter: int) -> Message:
    chat = Jid(f"1555000{account:04d}", Server.USER)
    info = MessageInfo(
        source=MessageSource(chat=chat, sender=chat), id=f"S{account}-{counter}", timestamp=NOW
    )
    return Message(info=info, raw=b"\n\x02hi")


async def _wait_until_consuming(workers: list[Worker]) -> None:
    with anyio.fail_after(600):
        while not all("consuming" in w.log() for w in workers):
            for worker in workers:
                if worker.process.poll() is not None:
                    pytest.fail(f"worker {worker.name} exited early:\n{worker.log()}")
            await anyio.sleep(0.05)


@pytest.mark.timeout(3600)  # a guard against a hang: a loaded machine takes longer
async def test_two_workers_share_100k_events_and_lose_none_when_one_is_killed(
    names: Names, nats_url: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    accounts = [f"{names.account}x{i}" for i in range(ACCOUNTS)]
    workers: list[Worker] = []
    with ExitStack() as children:  # every worker's process group ends with the test
        async with AsyncExitStack() as stack:
            publishers = [
                await stack.enter_async_context(
                    NatsPublisher(
                        account=account,
                        servers=nats_url,
                        stream=names.stream,
                        max_in_flight=4096,
                        close_timeout=60,
                    )
                )
                for account in accounts
            ]
            workers = [
                _start_worker(children, "a", names, nats_url, tmp_path, die_after=A_DIES_AFTER),
                _start_worker(children, "b", names, nats_url, tmp_path),
            ]
            a, b = workers
            await _wait_until_consuming(workers)
            died_at: list[int] = []
            for n in range(EVENTS):
                account = n % ACCOUNTS
                await publishers[account].publish(_event(account, n // ACCOUNTS))
                if not died_at and n % 1000 == 0 and a.process.poll() is not None:
                    died_at.append(n)
            published = time.monotonic()
        assert sum(p.stats().confirmed for p in publishers) == EVENTS
        assert a.process.wait(timeout=600) == -signal.SIGKILL, a.log()
        assert died_at, "worker A was still alive when the publishing ended"

        # Wait for B to handle everything, including what A took with it.
        seen: set[str] = set()
        with anyio.fail_after(1800):  # a guard against a hang, not a measure
            while len(seen) < EVENTS:
                await anyio.sleep(0.1)
                a.read_new()
                b.read_new()
                seen = {r.id for r in a.records} | {r.id for r in b.records}
                if b.process.poll() is not None:
                    pytest.fail(f"worker B exited:\n{b.log()}")
        handled = time.monotonic()
        await anyio.sleep(ACK_WAIT + 0.5)  # any stray redelivery would show up by now
        b.process.send_signal(signal.SIGTERM)
        assert b.process.wait(timeout=600) == 0, b.log()
        a.read_new()
        b.read_new()

    assert "worker stopped:" in b.stdout_path.read_text(), b.log()
    assert len(a.records) == A_DIES_AFTER
    records = a.records + b.records
    expected = {f"S{account}-{k}" for account in range(ACCOUNTS) for k in range(EVENTS // ACCOUNTS)}
    assert {r.id for r in records} == expected  # none lost

    # Handled once, except where redelivered after A died.
    by_id: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_id[record.id].append(record)
    duplicates = {event_id: rs for event_id, rs in by_id.items() if len(rs) > 1}
    for event_id, rs in duplicates.items():
        assert any(r.deliveries > 1 for r in rs), (event_id, rs)
        first = min(rs, key=lambda r: r.deliveries)
        assert first.worker == "a", (event_id, rs)
    assert len(duplicates) <= 2 * BATCH, len(duplicates)
    assert all(len(rs) <= 2 for rs in by_id.values())
    last_of_a = a.records[-1]
    assert [r.worker for r in by_id[last_of_a.id]] == ["a", "b"]
    assert by_id[last_of_a.id][1].deliveries >= 2

    # The load was split.
    assert len(a.records) >= 1000 and len(b.records) >= 1000, (len(a.records), len(b.records))

    # Per subject, each worker handled first deliveries in publication order.
    for worker in (a, b):
        last: dict[str, tuple[int, int]] = {}
        for record in worker.records:
            if record.deliveries > 1:
                continue
            if record.subject in last:
                seq, counter = last[record.subject]
                assert record.stream_seq > seq and record.counter > counter, (record, last)
            last[record.subject] = (record.stream_seq, record.counter)
        assert len(last) == ACCOUNTS

    async with jetstream(nats_url) as js:
        info = await js.consumer_info(names.stream.name, "scale")
        dead = await js.stream_info(names.dead.name)
    assert (info.num_pending, info.num_ack_pending) == (0, 0)
    assert dead.state.messages == 0
    redelivered = sum(1 for r in b.records if r.deliveries > 1)
    print(
        f"\n{EVENTS} events: published in {published - started:.1f}s, all handled after"
        f" {handled - started:.1f}s; A handled {len(a.records)} and died (noticed after"
        f" {died_at[0]} published), B {len(b.records)}, of which {redelivered} redelivered;"
        f" {len(duplicates)} handled twice"
    )
