"""The suite's rule for child processes: each runs in a process group of its own that ends
with the test that started it, however the test ends (`tests.processes`)."""

from __future__ import annotations

import ast
import sys
import time
from pathlib import Path

import anyio
import pytest

from tests import processes

TESTS = Path(__file__).resolve().parent

# Calls that start a process, by module: only tests/processes.py may make them.
_STARTERS = {
    "subprocess": {"run", "Popen", "call", "check_call", "check_output", "getoutput"},
    "anyio": {"open_process", "run_process"},
    "asyncio": {"create_subprocess_exec", "create_subprocess_shell"},
    "os": {"system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp"},
    "pty": {"spawn", "fork"},
    "multiprocessing": {"Process", "Pool", "get_context"},
}
_OS_PREFIXES = ("spawn", "exec")


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _starts_a_process(name: str, imported: dict[str, str]) -> bool:
    module, _, function = imported.get(name, name).rpartition(".")
    module = imported.get(module, module)
    if module == "os" and function.startswith(_OS_PREFIXES):
        return True
    return function in _STARTERS.get(module.partition(".")[0], set())


def _process_starts(source: str) -> list[str]:
    """``line: name(...)`` for each call in `source` that starts a process."""
    tree = ast.parse(source)
    imported: dict[str, str] = {}  # local name -> what it is (module or module.function)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imported[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    calls = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=lambda n: n.lineno)
    return [
        f"{node.lineno}: {name}(...)"
        for node in calls
        if (name := _dotted(node.func)) is not None and _starts_a_process(name, imported)
    ]


def test_only_the_helper_starts_processes() -> None:
    found = [
        f"{path.relative_to(TESTS.parent)}:{start}"
        for path in sorted(TESTS.rglob("*.py"))
        if path != TESTS / "processes.py" and "node_modules" not in path.parts
        for start in _process_starts(path.read_text())
    ]
    assert found == [], "start children with tests.processes (run, popen, open_process)"


def test_the_scan_sees_the_usual_ways(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import subprocess, os\n"
        "import anyio\n"
        "from subprocess import Popen as P\n"
        "from asyncio import create_subprocess_exec\n"
        "subprocess.run(['x'])\n"
        "P(['x'])\n"
        "anyio.open_process(['x'])\n"
        "create_subprocess_exec('x')\n"
        "os.execv('x', ['x'])\n"
        "x: subprocess.Popen[str]\n"  # a type is not a start
    )
    starts = [line.split(": ", 1)[1] for line in _process_starts(sample.read_text())]
    assert starts == [
        "subprocess.run(...)",
        "P(...)",
        "anyio.open_process(...)",
        "create_subprocess_exec(...)",
        "os.execv(...)",
    ]


# A child that starts a grandchild (which would sleep for an hour) and says its pid.
_PARENT = (
    "import subprocess, sys, time\n"
    "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)'])\n"
    "print(grandchild.pid, flush=True)\n"
    "time.sleep(3600)\n"
)


def _gone(pid: int) -> bool:
    """Whether `pid` has ended (a zombie waiting for its reaper counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + 600  # a guard against a hang, not a measure
    while not _gone(pid):
        assert time.monotonic() < deadline, f"process {pid} outlived its test"
        time.sleep(0.01)


pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")


def _fail_with_a_grandchild(started: list[int]) -> None:
    with processes.popen([sys.executable, "-c", _PARENT]) as child:
        assert child.stdout is not None
        started += [child.pid, int(child.stdout.readline())]
        raise RuntimeError("the test failed")


def test_popen_ends_the_whole_group_when_the_test_fails() -> None:
    started: list[int] = []
    with pytest.raises(RuntimeError, match="the test failed"):
        _fail_with_a_grandchild(started)
    child, grandchild = started
    _wait_gone(child)
    _wait_gone(grandchild)


def test_run_ends_the_whole_group_when_the_child_exits_first() -> None:
    script = (
        "import subprocess, sys\n"
        "grandchild = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)'])\n"
        "print(grandchild.pid)\n"
    )
    result = processes.run([sys.executable, "-c", script], timeout=600)
    assert result.returncode == 0, result.stderr
    _wait_gone(int(result.stdout))


@pytest.mark.anyio
async def test_open_process_ends_the_whole_group_when_cancelled() -> None:
    grandchild = 0
    with anyio.CancelScope() as scope:
        async with processes.open_process([sys.executable, "-c", _PARENT]) as child:
            assert child.stdout is not None
            line = b""
            while not line.endswith(b"\n"):
                line += await child.stdout.receive()
            grandchild = int(line)
            scope.cancel()
            await anyio.sleep_forever()
    assert scope.cancelled_caught
    _wait_gone(child.pid)
    _wait_gone(grandchild)
