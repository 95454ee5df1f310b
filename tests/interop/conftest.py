"""The JavaScript Signal peer (``tests/interop/js/signal_peer.mjs``), run with Node.js.

Its dependencies (libsignal 6.0.0, baileys 7.0.0-rc14) are pinned in ``js/package.json`` and
installed on first use with ``npm install --no-package-lock`` into ``js/node_modules``
(git-ignored; no lock file, which would record registry addresses). Without Node.js, npm or
the registry the tests are skipped, unless ``WABUS_REQUIRE_NODE`` is set, which makes that a
failure. Each peer runs in its own process group, ended on teardown whatever happened.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests import processes

JS = Path(__file__).resolve().parent / "js"
_MARKERS = ("libsignal", "baileys")


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("WABUS_REQUIRE_NODE"):
        pytest.fail(reason)
    pytest.skip(reason)


def node_executable() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("Node.js and npm are needed for the Signal interop tests")
    if not all((JS / "node_modules" / name / "package.json").exists() for name in _MARKERS):
        result = processes.run(
            [npm, "install", "--no-package-lock", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=JS,
            timeout=1800,
        )
        if result.returncode != 0:
            _unavailable(f"npm install failed: {result.stderr.strip()[-500:]}")
    assert not (JS / "package-lock.json").exists(), "no lock file may be written"
    return node


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


class PeerError(Exception):
    """The JavaScript peer refused a request; the message is its error."""


class JsPeer:
    """One libsignal-node / Baileys device, spoken to in JSON lines."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process

    def call(self, op: str, **fields: Any) -> dict[str, Any]:
        """Send one request; its reply, or `PeerError` if the peer refused."""
        reply = self.attempt(op, **fields)
        if not reply["ok"]:
            raise PeerError(reply["error"])
        return reply

    def attempt(self, op: str, **fields: Any) -> dict[str, Any]:
        """Send one request; the reply as it is (``ok`` false on refusal)."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the JavaScript peer exited ({self._process.poll()})")
        reply: dict[str, Any] = json.loads(line)
        return reply


@pytest.fixture
def js_peer() -> Iterator[JsPeer]:
    node = node_executable()
    command = [node, "signal_peer.mjs"]
    with processes.popen(
        command, cwd=JS, stdin=processes.PIPE, stderr=processes.DEVNULL
    ) as process:
        yield JsPeer(process)
