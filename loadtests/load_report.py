"""Reading a Locust run's CSV, judging it against service levels, printing the table.

Locust writes one row per request name to ``<prefix>_stats.csv``. Payments
are the rows named ``payment...`` (committed ones and expected refusals
alike); their p99 is taken as the largest per-row p99, an upper bound of the
p99 of all payments together (a mixture exceeds the largest component's p99
with at most 1 % probability). Rows of type ``CHECK`` are offline
verifications, not HTTP requests: they count for failures, not for the
request rate.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

REFUSED = "payment refused:"


@dataclass(frozen=True)
class Row:
    """One line of Locust's statistics."""

    kind: str
    name: str
    count: int
    failures: int
    rate: float
    p50: int | None
    p99: int | None

    @property
    def is_request(self) -> bool:
        return self.kind not in ("", "CHECK")

    @property
    def is_payment(self) -> bool:
        return self.name.startswith("payment")


def _ms(value: str) -> int | None:
    return None if value in ("", "N/A") else round(float(value))


def read_stats(path: Path) -> list[Row]:
    """Per-name rows of a ``_stats.csv`` (the Aggregated line is left out)."""
    with path.open(newline="") as handle:
        return [
            Row(
                kind=line["Type"],
                name=line["Name"],
                count=int(line["Request Count"]),
                failures=int(line["Failure Count"]),
                rate=float(line["Requests/s"]),
                p50=_ms(line["50%"]),
                p99=_ms(line["99%"]),
            )
            for line in csv.DictReader(handle)
            if line["Name"] != "Aggregated"
        ]


@dataclass
class Verdict:
    """The checks of one run: each a (name, measured, threshold, passed, binding) row."""

    rows: list[tuple[str, str, str, bool, bool]] = field(default_factory=list)

    def add(
        self, name: str, measured: str, threshold: str, passed: bool, binding: bool = True
    ) -> None:
        self.rows.append((name, measured, threshold, passed, binding))

    @property
    def ok(self) -> bool:
        return all(passed for _, _, _, passed, binding in self.rows if binding)


@dataclass(frozen=True)
class Totals:
    """What the rows add up to."""

    requests: int
    failures: int
    request_rate: float
    payments: int
    refusals: int
    payment_p99: int | None

    @classmethod
    def of(cls, rows: list[Row]) -> Totals:
        payments = [r for r in rows if r.is_payment]
        p99s = [r.p99 for r in payments if r.p99 is not None]
        return cls(
            requests=sum(r.count for r in rows if r.is_request),
            failures=sum(r.failures for r in rows),
            request_rate=sum(r.rate for r in rows if r.is_request),
            payments=sum(r.count for r in payments),
            refusals=sum(r.count for r in payments if r.name.startswith(REFUSED)),
            payment_p99=max(p99s) if p99s else None,
        )

    @property
    def failure_rate(self) -> float:
        return self.failures / self.requests if self.requests else 1.0


def judge_service(totals: Totals, p99_ms: int, max_failure_rate: float, binding: bool) -> Verdict:
    """Failure rate and payment p99 against their thresholds; some load must have run."""
    verdict = Verdict()
    verdict.add("requests served", str(totals.requests), "> 0", totals.requests > 0)
    verdict.add(
        "failure rate",
        f"{totals.failure_rate:.3%} ({totals.failures})",
        f"< {max_failure_rate:.3%}",
        totals.failure_rate < max_failure_rate,
        binding,
    )
    p99 = totals.payment_p99
    verdict.add(
        "payment p99",
        "n/a" if p99 is None else f"{p99} ms",
        f"< {p99_ms} ms",
        p99 is not None and p99 < p99_ms,
        binding,
    )
    return verdict


def print_requests(rows: list[Row]) -> None:
    """The per-request table: count, failures, p50, p99, rate."""
    print(f"{'request':<40} {'count':>7} {'fails':>6} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>7}")
    for row in sorted(rows, key=lambda r: (r.kind, r.name)):
        p50 = "-" if row.p50 is None else str(row.p50)
        p99 = "-" if row.p99 is None else str(row.p99)
        label = f"{row.kind} {row.name}"[:40]
        print(f"{label:<40} {row.count:>7} {row.failures:>6} {p50:>7} {p99:>7} {row.rate:>7.2f}")


def print_verdict(verdict: Verdict) -> None:
    """The checks table; a non-binding check that misses is marked 'reported'."""
    print(f"{'check':<26} {'measured':<44} {'threshold':<14} result")
    for name, measured, threshold, passed, binding in verdict.rows:
        result = "ok" if passed else ("FAIL" if binding else "missed (reported only)")
        print(f"{name:<26} {measured:<44} {threshold:<14} {result}")
