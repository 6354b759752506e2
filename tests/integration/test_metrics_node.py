"""/metrics on a real node with two API workers counts every worker's requests.

Each request goes on a new connection, so the kernel hands them to either
worker; the test goes on until both workers have answered some (each
worker's counter file in the node's metrics directory, read on its own, says
how many it answered), then one scrape must show every request. A restart on
the same data directory starts the counts from zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector

from tests.integration.nodes import NodeProcess, prepare

ROUTE = "/v1/network"  # nothing else asks for it while the node boots


def counted(url: str, route: str) -> int:
    """The sum of tenge_http_requests_total over the series of ``route``, from one scrape."""
    total = 0.0
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith("tenge_http_requests_total{") and f'route="{route}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def answered_by_each_worker(data: Path, route: str) -> list[int]:
    """Requests for ``route`` in each worker's own counter file."""
    found = []
    for path in sorted((data / "metrics").glob("counter_*.db")):
        metrics = MultiProcessCollector.merge([str(path)])
        found.append(
            sum(
                int(sample.value)
                for metric in metrics
                for sample in metric.samples
                if sample.name == "tenge_http_requests_total" and sample.labels["route"] == route
            )
        )
    return found


@pytest.fixture
def node(tmp_path: Path) -> Iterator[NodeProcess]:
    prepare(tmp_path / "data")
    started = NodeProcess(tmp_path / "data", workers=2).start()
    yield started
    assert started.stop() == 0


def test_one_scrape_counts_the_requests_of_both_workers(node: NodeProcess) -> None:
    sent = 0
    while sent < 20 or sum(1 for n in answered_by_each_worker(node.data, ROUTE) if n) < 2:
        assert httpx.get(f"{node.url}{ROUTE}", timeout=10).status_code == 200
        sent += 1
        assert sent < 2000, "one worker answered every request"
    print(f"{sent} requests, per worker {answered_by_each_worker(node.data, ROUTE)}")
    assert counted(node.url, ROUTE) == sent


def test_a_restarted_node_counts_from_zero(node: NodeProcess) -> None:
    for _ in range(5):
        httpx.get(f"{node.url}{ROUTE}", timeout=10)
    assert counted(node.url, ROUTE) == 5
    assert node.stop() == 0
    again = NodeProcess(node.data, port=node.port, workers=2).start()
    try:
        assert counted(again.url, ROUTE) == 0
    finally:
        # SIGKILL to its whole process group: a SIGTERM this early can come before the
        # writer has installed its handler, which would leave gunicorn running.
        again.kill()
