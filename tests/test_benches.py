"""The benchmarks still run (a smoke run with tiny sizes; no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmarks_run_quick() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benches", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "== bench_dispatch ==" in result.stdout
    assert "faster than pyee emit, 1 handler" in result.stdout
    assert "build+dispatch costs" in result.stdout
