"""wabus benchmarks: ``make bench`` (``python -m benches``) runs every ``bench_*`` module."""
