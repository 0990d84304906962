"""Benchmarks: each `bench_*.py` prints figures and the machine it ran on."""
