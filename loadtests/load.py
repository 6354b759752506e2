"""``make load``: Locust against a fresh node, then service levels, audit and acknowledgements.

``python -m loadtests.load --users 20 --spawn-rate 5 --run-time 60``

1. A fresh node (``loadtests.netkit``) starts on a new data directory.
2. Locust runs headless in a subprocess for a bounded time
   (``loadtests/locustfile.py``); CSV and the HTML report go to ``reports/``.
3. Service levels are read from the CSV: failure rate and payment p99.
4. The node is stopped; ``audit`` replays its blocks (state digest
   re-derived, supply conserved) and every transaction Locust saw answered
   "committed" must be in the ledger at the height it was acknowledged at.

It prints a summary table, writes ``reports/load.json`` and exits non-zero if
any check fails (``--report-slo-only`` reports the service levels without
failing on them, for short runs on a busy machine).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger.audit import AuditReport, audit
from ledger.queries import tx_location
from ledger.storage.leveldb import LevelDBStore
from loadtests.acks import ENV as ACKS_ENV
from loadtests.acks import kinds_of, read_acks
from loadtests.load_report import (
    Totals,
    Verdict,
    judge_service,
    print_requests,
    print_verdict,
    read_stats,
)
from loadtests.netkit import ROOT, NodeProcess, prepare
from node.composition import full_registry

PREFIX = "load"
GRACE_S = 90  # founding the cast plus Locust's start and stop, beyond --run-time


def run_locust(url: str, args: argparse.Namespace, reports: Path, acks: Path) -> int:
    """Locust headless in its own process group; killed by its pid if it overruns."""
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "loadtests" / "locustfile.py"),
        "--headless", "--host", url, "--users", str(args.users),
        "--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.run_time}s",
        "--stop-timeout", "10", "--csv", str(reports / PREFIX),
        "--html", str(reports / f"{PREFIX}.html"), "--only-summary",
    ]  # fmt: skip
    if args.back_office:
        command += ["--config-users", *back_office(args.back_office)]
    env = {**os.environ, ACKS_ENV: str(acks), "PYTHONPATH": str(ROOT)}
    with (reports / f"{PREFIX}-locust.log").open("wb") as log:
        locust = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            return locust.wait(timeout=args.run_time + GRACE_S)
        except subprocess.TimeoutExpired:
            return -9
        finally:  # overran, or we were interrupted: stop it and its children by its pid
            if locust.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(locust.pid, signal.SIGKILL)
                locust.wait()


def back_office(count: int) -> list[str]:
    """Locust user configuration pinning operators and auditors at ``count`` each."""
    return [
        json.dumps({"user_class_name": name, "fixed_count": count})
        for name in ("BankOperator", "Auditor")
    ]


def audit_data(data: Path) -> AuditReport:
    """Replay the stopped node's blocks and compare with its stored state."""
    store = LevelDBStore(str(data / "ledger"))
    try:
        return audit(store, full_registry())
    finally:
        store.close()


def missing_acks(data: Path, acks: dict[str, int | None]) -> list[str]:
    """Acknowledged txids not in the ledger, or at another height than acknowledged."""
    store = LevelDBStore(str(data / "ledger"))
    try:
        missing = []
        for txid, height in acks.items():
            found = tx_location(store, bytes.fromhex(txid))
            if found is None or (height is not None and found.height != height):
                missing.append(txid)
        return missing
    finally:
        store.close()


def load_run(args: argparse.Namespace, data: Path, reports: Path) -> dict[str, Any]:
    """Node up, Locust, node down, audit; every figure the summary needs."""
    acks_path = reports / f"{PREFIX}-acks.txt"
    acks_path.unlink(missing_ok=True)
    loadavg_before = os.getloadavg()
    prepare(data)
    node = NodeProcess(data, workers=args.workers)
    node.start()
    started = time.monotonic()
    try:
        locust_exit = run_locust(node.url, args, reports, acks_path)
    finally:
        node.stop()
    wall = time.monotonic() - started
    report = audit_data(data)
    acks = read_acks(acks_path)
    return {
        "locust_exit": locust_exit,
        "wall_s": round(wall, 1),
        "loadavg_before": [round(x, 2) for x in loadavg_before],
        "audit": report,
        "acknowledged": len(acks),
        "acknowledged_by_kind": kinds_of(acks_path),
        "missing": missing_acks(data, acks),
    }


def judge(args: argparse.Namespace, run: dict[str, Any], totals: Totals) -> Verdict:
    """Service levels (binding unless --report-slo-only), then the audit and acknowledgements."""
    verdict = judge_service(totals, args.p99_ms, args.max_failure_rate, not args.report_slo_only)
    report: AuditReport = run["audit"]
    problems = "; ".join(p.what for p in report.problems[:2])
    audit_text = f"height {report.height}, {report.transactions} txs" + (
        f" ({problems})" if problems else ""
    )
    verdict.add("audit (digest, supply)", audit_text, "no mismatch", report.ok)
    found = run["acknowledged"] - len(run["missing"])
    verdict.add(
        "acknowledged vs found",
        f"{run['acknowledged']} acknowledged, {found} found",
        "all found",
        not run["missing"] and run["acknowledged"] > 0,
    )
    return verdict


def summary(
    args: argparse.Namespace, run: dict[str, Any], totals: Totals, ok: bool
) -> dict[str, Any]:
    """The machine-readable summary written to ``reports/load.json``."""
    report: AuditReport = run["audit"]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "run_time_s": args.run_time,
        "requests": totals.requests,
        "request_rate": round(totals.request_rate, 2),
        "failures": totals.failures,
        "failure_rate": round(totals.failure_rate, 6),
        "payments": totals.payments,
        "expected_refusals": totals.refusals,
        "payment_p99_ms": totals.payment_p99,
        "audit_ok": report.ok,
        "audit_height": report.height,
        "audit_transactions": report.transactions,
        "state_digest": report.state_digest,
        "acknowledged": run["acknowledged"],
        "acknowledged_by_kind": run["acknowledged_by_kind"],
        "missing": len(run["missing"]),
        "locust_exit": run["locust_exit"],
        "loadavg_before": run["loadavg_before"],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "ok": ok,
    }


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="simulated users (default 20)")
    parser.add_argument("--spawn-rate", type=float, default=5, help="users started per second")
    parser.add_argument("--run-time", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--p99-ms", type=int, default=250, help="payment p99 must stay below")
    parser.add_argument("--max-failure-rate", type=float, default=0.001, help="as a fraction")
    parser.add_argument("--report-slo-only", action="store_true", help="do not fail on SLOs")
    parser.add_argument("--back-office", type=int, default=0, help="pin operators and auditors")
    parser.add_argument("--workers", type=int, default=2, help="API worker processes of the node")
    parser.add_argument("--reports", default=str(ROOT / "reports"), help="CSV, HTML and JSON here")
    parser.add_argument("--data", help="node data directory (default: a fresh temporary one)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    reports = Path(args.reports)
    reports.mkdir(parents=True, exist_ok=True)
    print(f"load: {args.users} users, spawn {args.spawn_rate}/s, {args.run_time} s, "
          f"load average before {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="load-") as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "data"
        run = load_run(args, data, reports)
    stats = reports / f"{PREFIX}_stats.csv"
    rows = read_stats(stats) if stats.exists() else []
    totals = Totals.of(rows)
    verdict = judge(args, run, totals)
    print_requests(rows)
    print(f"achieved {totals.request_rate:.1f} HTTP req/s; {totals.payments} payments, "
          f"{totals.refusals} expected refusals; locust exit {run['locust_exit']}")  # fmt: skip
    print_verdict(verdict)
    result = summary(args, run, totals, verdict.ok)
    (reports / f"{PREFIX}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"load: {'OK' if verdict.ok else 'FAILED'} (reports in {reports}/{PREFIX}*)")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
