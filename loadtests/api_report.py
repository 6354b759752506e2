"""The REST benchmark's printed table: figures, targets, and who used the CPU."""

from __future__ import annotations

from typing import Any

# From the node issue: on this 2-core machine, for orientation.
TARGETS = {"batch_tps": 5000, "batch_ratio": 0.5, "single_rps": 1500, "single_ratio": 0.6}
P99_TARGET_MS = 100
HEADER = (
    *("phase", "count", "per second", "p50 ms", "p99 ms", "cpu ms/item"),
    *("gen", "writer", "api", "other"),
)


def print_table(r: dict[str, Any]) -> None:
    """The figures, their targets and who used the CPU during each phase."""
    print(
        f"REST API benchmark: gunicorn {r['workers']} workers x {r['threads']} threads (gthread), "
        f"concurrency {r['concurrency']}, {r['cpus']} CPUs shared by client and servers, "
        f"load average {r['loadavg_start'][0]:.2f} at start, {r['loadavg_end'][0]:.2f} at end"
    )
    print("  ".join(f"{h:>12}" for h in HEADER) + "  api by process")
    rows = [
        ("in-process", r["inproc_transactions"], r["inproc_tps"], *[""] * 8),
        _row("batch", r, r["batch_transactions"], r["batch_tps"], "batch"),
        _row("single", r, r["single_requests"], r["single_rps"], "single"),
        _row("single wait", r, r["single_wait_requests"], r["single_wait_rps"], "single_wait"),
        _row("ceiling", r, r["ceiling_requests"], r["ceiling_rps"], "ceiling"),
    ]
    for row in rows:
        print("  ".join(f"{c!s:>12}" for c in row[:-1]) + f"  {row[-1]}")
    print("cpu ms/item: CPU of the writer and the gunicorn processes per transaction or request.")
    print("gen / writer / api / other: CPU cores used by the load generator, the node's writer")
    print("process, its gunicorn processes, and everything else on the machine; batch p50 is")
    print(f"one request of {r['batch_size']} transactions with ?wait=commit.")
    bound = r["cpu_bound"]
    print(
        f"if the servers had all {r['cpus']} cores (cores / cpu per item): batch "
        f"{bound['batch_tps']} tx/s, single {bound['single_rps']} req/s, "
        f"ceiling {bound['ceiling_rps']} req/s"
    )
    for name, target in TARGETS.items():
        verdict = "met" if r[name] >= target else "MISSED"
        print(f"{name:>14} = {r[name]:<10} target >= {target:<6} {verdict}")
    verdict = "met" if r["single_p99_ms"] < P99_TARGET_MS else "MISSED"
    print(f"{'single_p99_ms':>14} = {r['single_p99_ms']:<10} target < {P99_TARGET_MS:<7} {verdict}")


def _row(name: str, r: dict[str, Any], count: int, rate: float, prefix: str) -> tuple[Any, ...]:
    cpu = r[f"{prefix}_cpu"]
    p50 = r.get(f"{prefix}_p50_ms", r.get(f"{prefix}_request_p50_ms", ""))
    p99 = r.get(f"{prefix}_p99_ms", "")
    return (
        name,
        count,
        rate,
        p50,
        p99,
        cpu["server_cpu_ms_per_item"],
        *(cpu[k] for k in ("generator_cores", "writer_cores")),
        cpu["api_cores"],
        cpu["other_cores"],
        " / ".join(str(x) for x in cpu["api_cores_by_process"]),
    )
