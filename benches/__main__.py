"""Run every benchmark module (``bench_*.py``) in this folder, or those named on the command line.

``python -m benches`` runs all; ``python -m benches dispatch`` runs ``bench_dispatch``;
``--quick`` uses tiny sizes (a smoke run that checks the benchmarks still work, not a
measurement).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path


def _modules() -> list[str]:
    here = Path(__file__).parent
    return sorted(
        info.name for info in pkgutil.iter_modules([str(here)]) if info.name.startswith("bench_")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benches", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    args = parser.parse_args(argv)
    available = _modules()
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in args.names] or available
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; available: {available}")
    print(f"python {platform.python_version()} on {platform.machine()}, {sys.platform}")
    for name in wanted:
        print(f"\n== {name} ==")
        started = time.perf_counter()
        importlib.import_module(f"benches.{name}").main(quick=args.quick)
        print(f"({time.perf_counter() - started:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
