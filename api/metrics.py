"""HTTP request counters for ``/metrics``, counted for the whole node.

The API runs in several worker processes and one of them answers a scrape.
When ``PROMETHEUS_MULTIPROC_DIR`` names a directory (the node sets it to one
under its data directory, emptied at every start), prometheus_client's
multiprocess mode keeps each worker's counts in a memory-mapped file there,
and a scrape adds up the files of every worker, those that have exited
included, so a counter never goes down while the node runs. Without it (an
app built in a test process) the counts live in the process.
"""

from __future__ import annotations

import os
from typing import Any

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Label values come from requests; a method outside this set is counted as
# "other" so that a client cannot grow the series without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})

# ``*_created`` series are per process and mean nothing summed over workers.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]  # untyped upstream


class HttpMetrics:
    """Requests answered and seconds spent, by route, method and status."""

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        self.registry = CollectorRegistry()
        # In multiprocess mode values go to the files, and the collector reads them back.
        own = None if multiprocess_dir else self.registry
        if multiprocess_dir:
            MultiProcessCollector(self.registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
        self._requests = Counter(
            "tenge_http_requests",
            "HTTP requests answered by the API",
            ("route", "method", "status"),
            registry=own,
        )
        self._seconds = Counter(
            "tenge_http_request_seconds",
            "Seconds the API spent answering requests",
            ("route", "method"),
            registry=own,
        )
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    @classmethod
    def from_environment(cls) -> HttpMetrics:
        """Multiprocess counters if the process was started with their directory."""
        return cls(os.environ.get(MULTIPROC_ENV) or None)

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        method = method if method in METHODS else "other"
        series = self._series.get((route, method, status))
        if series is None:  # routes, methods and statuses are few: each pair is made once
            series = (
                self._requests.labels(route, method, str(status)),
                self._seconds.labels(route, method),
            )
            self._series[(route, method, status)] = series
        series[0].inc()
        series[1].inc(seconds)

    def exposition(self) -> str:
        """The counters in the Prometheus text format (version 0.0.4)."""
        return generate_latest(self.registry).decode("utf-8")
