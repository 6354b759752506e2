"""A tiny run of the offline benchmark's measurement, for its plumbing (not its speed).

The benchmark pins its process to one CPU; this calls its measurement
directly, so the test process keeps its affinity.
"""

from __future__ import annotations

from pathlib import Path

from loadtests.bench_offline import measure


def test_the_offline_benchmark_measures_every_figure(tmp_path: Path) -> None:
    figures = measure(devices=3, vouchers=5, folder=str(tmp_path))
    for name in ("ed25519_per_s", "cold_per_s", "cached_per_s", "deposits_per_s"):
        assert figures[name] > 0, name
    assert figures["vouchers"] == 15
    assert figures["voucher_bytes"] <= 220
    assert figures["bundle_qr_version"] <= 40
