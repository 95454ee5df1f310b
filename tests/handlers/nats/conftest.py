"""Fixtures for the NATS bridge's tests: a real NATS server with JetStream, per-test names.

The tests need NATS on 127.0.0.1:4222 (``$WABUS_NATS_URL`` to use another). Without one they
are skipped, unless ``$WABUS_REQUIRE_NATS`` is set (as ``.ci/run`` does, after starting it),
in which case they fail. nats-py is asyncio-only, so every async test here runs on asyncio.

Each test gets its own stream, dead-letter stream, subject prefixes and account (`Names`),
so tests never see each other's messages, and the streams are deleted afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import nats
import nats.errors
import nats.js.errors
import pytest
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from tests import processes
from wabus.handlers.nats import StreamSettings

NATS_URL = os.environ.get("WABUS_NATS_URL", "nats://127.0.0.1:4222")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def nats_answers(url: str = NATS_URL, timeout: float = 1.0) -> bool:
    """Whether a NATS server with JetStream greets a connection at `url`."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 4222), timeout) as sock:
            sock.settimeout(timeout)
            greeting = sock.recv(4096)
    except OSError:
        return False
    return greeting.startswith(b"INFO") and b'"jetstream":true' in greeting


@pytest.fixture(scope="session")
def nats_url() -> str:
    """The address of a NATS server with JetStream (skips or fails when there is none)."""
    if not nats_answers():
        message = f"no NATS server with JetStream at {NATS_URL} (.ci/run starts one)"
        if os.environ.get("WABUS_REQUIRE_NATS"):
            pytest.fail(message)
        pytest.skip(message)
    return NATS_URL


@dataclass(frozen=True)
class Names:
    """One test's own names: streams, prefixes, an account."""

    tag: str
    stream: StreamSettings
    dead: StreamSettings
    account: str


@asynccontextmanager
async def jetstream(url: str = NATS_URL) -> AsyncIterator[JetStreamContext]:
    """A JetStream context on its own connection, closed afterwards."""
    nc = await nats.connect(url)
    try:
        yield nc.jetstream()
    finally:
        await nc.close()


@pytest.fixture
async def names(nats_url: str) -> AsyncIterator[Names]:
    """Fresh names for this test; the streams they name are deleted afterwards."""
    tag = secrets.token_hex(4)
    made = Names(
        tag=tag,
        stream=StreamSettings(name=f"WT_{tag}", subject_prefix=f"wt{tag}", max_age=3600),
        dead=StreamSettings(name=f"WTD_{tag}", subject_prefix=f"wtd{tag}", max_age=3600),
        account=f"acct{tag}",
    )
    yield made
    async with jetstream(nats_url) as js:
        for stream in (made.stream.name, made.dead.name):
            with suppress(nats.js.errors.NotFoundError):
                await js.delete_stream(stream)


async def read_stream(js: JetStreamContext, stream: str, *, wait: float = 5.0) -> list[Msg]:
    """Every message in `stream`, in order (through an ephemeral consumer)."""
    info = await js.stream_info(stream)
    total = info.state.messages
    if total == 0:
        return []
    subscription = await js.pull_subscribe(
        "",
        stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, filter_subject=None),
    )
    messages: list[Msg] = []
    deadline = time.monotonic() + wait
    try:
        while len(messages) < total and time.monotonic() < deadline:
            try:
                batch = await subscription.fetch(min(total - len(messages), 256), timeout=1)
            except TimeoutError:  # nats-py raises its own and asyncio's
                continue
            for message in batch:
                await message.ack()
            messages.extend(batch)
    finally:
        await subscription.unsubscribe()
    return messages


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PrivateNats:
    """A nats-server with JetStream on a free port and its own store, for outage tests."""

    def __init__(self, binary: str, store: Path) -> None:
        self.binary = binary
        self.store = store
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._children = ExitStack()

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [self.binary, "-a", "127.0.0.1", "-p", str(self.port), "-js"]
        command += ["-sd", str(self.store)]
        self.process = self._children.enter_context(
            processes.popen(command, stdout=processes.DEVNULL, stderr=processes.DEVNULL, text=False)
        )
        deadline = time.monotonic() + 600  # a guard against a hang, not a measure
        while not nats_answers(self.url, timeout=0.2):
            if time.monotonic() > deadline:
                raise RuntimeError(f"nats-server did not start on {self.url}")
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None:
            self._children.close()  # SIGKILL to its process group, then reaped
            self.process = None
            self._children = ExitStack()


@pytest.fixture
def private_nats(tmp_path: Path, nats_url: str) -> Iterator[PrivateNats]:
    binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
    if not Path(binary).exists():
        pytest.skip("nats-server is not installed")
    server = PrivateNats(binary, tmp_path / "jetstream")
    server.start()
    try:
        yield server
    finally:
        server.kill()
