"""Benchmarks and load scenarios; run with ``python -m loadtests.<name>``."""
