"""Faults under load in a real three-node cluster (loadtests/cluster_chaos.py does the work).

Each test starts its own cluster (3 nats-servers, 3 nodes), pays through every node while
the fault strikes, stops everything cleanly and checks each node's LevelDB offline: no
acknowledged payment lost, none twice, one tip on every node, the audit re-derives every
node's state, and a stalled producer never commits as a stale one. The recovery time is
reported (``-s`` shows it), never asserted: timing belongs to loadtests/bench_cluster.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests.cluster_chaos import KINDS, run
from tests.cluster.conftest import LEASE_TTL_MS

pytestmark = pytest.mark.slow


def assert_nothing_lost(report: dict[str, object]) -> None:
    assert report["acknowledged"], "payments must have been acknowledged during the run"
    assert report["lost"] == 0, report
    assert report["duplicated"] == 0, report
    assert report["tips_equal"], report
    assert report["audit_ok"], report["audits"]
    assert report["stale_commits"] == 0, report
    assert report["refused"] == 0, "a resent payment is never refused (idempotent by txid)"


@pytest.mark.parametrize("kind", KINDS)
def test_after_the_fault_nothing_acknowledged_is_lost_and_replicas_agree(
    tmp_path: Path, kind: str
) -> None:
    report = run(1, seed=13, payers=4, root=tmp_path, kind=kind, lease_ttl_ms=LEASE_TTL_MS)
    print(f"{kind}: RTO {report['rto_max_s']:.2f} s, {report['acknowledged']} acknowledged")
    assert_nothing_lost(report)
    assert [f["kind"] for f in report["faults"]] == [kind]  # type: ignore[attr-defined]


def test_a_seeded_schedule_of_mixed_faults_loses_nothing(tmp_path: Path) -> None:
    report = run(4, seed=2026, payers=4, root=tmp_path, kind="mixed", lease_ttl_ms=LEASE_TTL_MS)
    print(f"mixed: {[f['kind'] for f in report['faults']]}")  # type: ignore[attr-defined]
    assert_nothing_lost(report)
    assert len(report["faults"]) == 4  # type: ignore[arg-type]
