"""The benchmarks still run (a smoke run with tiny sizes; no timing is asserted)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests import processes

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.timeout(1800)  # a guard against a hang: a loaded machine runs them slower
def test_benchmarks_run_quick() -> None:
    # In a process group of its own: the gateway bench's client process ends with it.
    result = processes.run([sys.executable, "-m", "benches", "--quick"], cwd=ROOT, timeout=1800)
    assert result.returncode == 0, result.stderr
    assert "== bench_dispatch ==" in result.stdout
    assert "faster than pyee emit, 1 handler" in result.stdout
    assert "build+dispatch costs" in result.stdout
    # The dialects: every listener saw every event (the bench raises otherwise).
    assert "== bench_dialects ==" in result.stdout
    assert "wechaty, 10 listener(s):" in result.stdout
    assert "x the core bus's own publish" in result.stdout
    # The Signal end-to-end race: both streams reached every receiver (the bench raises when
    # a message is missing, or was sealed as another kind than the one measured).
    assert "== bench_e2e_signal ==" in result.stdout
    assert " x msg " in result.stdout
    assert " x skmsg " in result.stdout
    # The stores: SQLite always, PostgreSQL where it answers (CI: always).
    assert "== bench_store ==" in result.stdout
    assert "  SQLite  " in result.stdout
    # Media: the streamed file came back the same through the client and the simulator (the
    # bench raises otherwise).
    assert "== bench_media ==" in result.stdout
    assert "download to a file" in result.stdout
    # Many accounts: every one paired and logged in, and the stream reached them all (the
    # bench waits for each, under a guard); Baileys where node and npm are.
    assert "== bench_accounts ==" in result.stdout
    assert "idle accounts in one process" in result.stdout
    assert "  wabus " in result.stdout

    # The fleet's failover: every account connected again, none ever replaced (the bench
    # raises otherwise), where PostgreSQL answers (CI: always).
    assert "== bench_failover ==" in result.stdout
    assert "SIGKILL of one member" in result.stdout or "skipped: PostgreSQL" in result.stdout
