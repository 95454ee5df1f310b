"""Child processes for tests, each in a process group of its own that ends with the test.

Every test that starts a process goes through here (``tests/test_processes.py`` checks that
nothing in ``tests/`` starts one another way). Each child starts in a new session, so it and
everything it starts share a process group; whatever happens to the test (pass, failure,
timeout, interrupt), the whole group gets SIGKILL before the helper returns or raises. A
grandchild (a node client, a bench's socket.io clients) cannot outlive the suite.

- `run`: like ``subprocess.run(..., capture_output=True, text=True)``.
- `popen`: a context manager around ``subprocess.Popen``.
- `open_process`: an async context manager around ``anyio.open_process``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import anyio
from anyio.abc import Process

__all__ = ["DEVNULL", "PIPE", "kill_group", "open_process", "popen", "run"]

PIPE = subprocess.PIPE
DEVNULL = subprocess.DEVNULL

Command = Sequence[str | Path]
Env = Mapping[str, str] | None


def kill_group(pid: int) -> None:
    """SIGKILL the process group `pid` leads (it is gone already: nothing to do)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run(
    command: Command,
    *,
    timeout: float,
    cwd: str | Path | None = None,
    env: Env = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `command` to the end, capturing its output as text; its group is killed after.

    The output goes through temporary files, not pipes, so a grandchild that keeps them open
    cannot hold the test up once the child has exited. `timeout` only guards against a hang
    (``subprocess.TimeoutExpired``): make it generous, a loaded machine may be slow.
    """
    with (
        tempfile.TemporaryFile("w+") as stdin,
        tempfile.TemporaryFile("w+") as stdout,
        tempfile.TemporaryFile("w+") as stderr,
    ):
        if input is not None:
            stdin.write(input)
            stdin.flush()
            stdin.seek(0)
        process = subprocess.Popen(
            [str(c) for c in command],
            cwd=cwd,
            env=env,
            stdin=stdin if input is not None else subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            process.wait(timeout=timeout)
        finally:
            kill_group(process.pid)
            process.wait()
        stdout.seek(0)
        stderr.seek(0)
        return subprocess.CompletedProcess(
            process.args, process.returncode, stdout.read(), stderr.read()
        )


@contextlib.contextmanager
def popen(
    command: Command,
    *,
    cwd: str | Path | None = None,
    env: Env = None,
    stdin: int | IO[Any] | None = subprocess.DEVNULL,
    stdout: int | IO[Any] | None = subprocess.PIPE,
    stderr: int | IO[Any] | None = subprocess.PIPE,
    text: bool = True,
) -> Iterator[subprocess.Popen[Any]]:
    """``subprocess.Popen`` in a new session; on leaving, its whole group is killed and reaped."""
    process: subprocess.Popen[Any] = subprocess.Popen(
        [str(c) for c in command],
        cwd=cwd,
        env=env,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        text=text,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        kill_group(process.pid)
        process.__exit__(None, None, None)  # closes the pipes and reaps it


@contextlib.asynccontextmanager
async def open_process(
    command: Command,
    *,
    cwd: str | Path | None = None,
    env: Env = None,
    stdin: int | None = subprocess.PIPE,
    stdout: int | None = subprocess.PIPE,
    stderr: int | None = subprocess.PIPE,
) -> AsyncIterator[Process]:
    """``anyio.open_process`` in a new session; on leaving, its whole group is killed and
    reaped (shielded, so a cancelled test still cleans up)."""
    process = await anyio.open_process(
        [str(c) for c in command],
        cwd=cwd,
        env=env,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        kill_group(process.pid)
        with anyio.CancelScope(shield=True):
            await process.aclose()  # closes the pipes and reaps it
