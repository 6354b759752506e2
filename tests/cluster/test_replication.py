"""Three replicas ordered by JetStream: any node takes a submission, every node applies it."""

from __future__ import annotations

import time

import httpx
import msgspec
import pytest

from ledger.encoding import canonical, decode_json
from ledger.params import kzt
from ledger.records import BankRecord
from ledger.storage import schema
from ledger.types import OutPoint, Output, Transaction, Transfer
from loadtests.cluster_chaos import found
from loadtests.clusterkit import Cluster, ClusterNode
from loadtests.netkit import NETWORK, key
from node.writer import open_ledger
from wallet import builders
from wallet.client import ApiError, TengeClient
from wire.httpsig import sign_request

pytestmark = pytest.mark.slow


def followers(cluster: Cluster) -> list[ClusterNode]:
    producer = cluster.wait_for_producer()
    return [node for node in cluster.nodes if node is not producer]


def test_one_node_produces_and_the_others_follow(cluster: Cluster) -> None:
    roles = sorted(str((node.health() or {}).get("role")) for node in cluster.nodes)
    assert roles == ["follower", "follower", "producer"]


def test_a_submission_to_a_follower_commits_and_every_replica_has_the_same_tip(
    cluster: Cluster,
) -> None:
    follower = followers(cluster)[0]
    with TengeClient(follower.url) as client:
        coins = found(client, 3)
        assert client.min_height > 0
    tip = cluster.wait_converged(30)
    assert int(str(tip["height"])) >= client.min_height
    for node in cluster.nodes:
        with TengeClient(node.url) as reader:
            assert reader.status(coins[0].txid).status == "committed"


def test_a_client_reads_its_own_write_on_another_replica(cluster: Cluster) -> None:
    first, second = followers(cluster)
    bank = key("reader-bank")
    cb = key("central-bank")
    with TengeClient(first.url) as writer:
        register = builders.bank_register(
            NETWORK, cb, "reader-bank", "Reader", [bank.public_hex], kzt(10**6)
        )
        writer.submit(register)
        issued = builders.issue(
            NETWORK, cb, "reader-bank", [Output(owner=bank.public_hex, amount=kzt(7))], 9
        )
        writer.submit(issued)
        committed_at = writer.min_height
    with TengeClient(second.url) as reader:
        reader.min_height = committed_at  # what the writing client carries over
        answer = reader.http.get("/v1/supply", params={"min_height": committed_at})
        assert answer.status_code == 200
        assert int(answer.headers["Tenge-Height"]) >= committed_at
        assert reader.bank("reader-bank").issued == kzt(7)


def test_without_a_live_producer_a_follower_answers_503_with_retry_after(
    cluster: Cluster,
) -> None:
    producer = cluster.wait_for_producer()
    follower = followers(cluster)[0]
    with TengeClient(follower.url) as client:
        coin = found_coin(client)
    body = Transfer(
        inputs=(coin,), outputs=(Output(owner=key("bank").public_hex, amount=kzt(1_000)),)
    )
    envelope = canonical(Transaction.create(NETWORK, body, [key("bank")]).envelope())
    producer.kill()  # SIGKILL the producing node: its lease lives on until the TTL
    try:
        answer = post(follower, envelope)
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["code"] == "producer_unavailable"
        assert int(answer.headers["Retry-After"]) >= 1
        committed = resend_until_committed(follower, envelope, seconds=60)
        assert committed["status"] == "committed"
    finally:
        producer.start()
    cluster.wait_converged(60)


def found_coin(client: TengeClient, seconds: float = 30.0) -> OutPoint:
    """A fresh 1,000 KZT coin of the load bank (registered once per cluster). Right after
    a failover a follower may still answer 503 producer_unavailable: resend, as a client
    does (the same bytes: idempotent by txid)."""
    cb, bank = key("central-bank"), key("bank")
    if client.http.get("/v1/banks/bank").status_code == 404:
        return found(client, 1)[0]
    outputs = [Output(owner=bank.public_hex, amount=kzt(1_000))]
    tx = builders.issue(NETWORK, cb, "bank", outputs, time.time_ns() // 1000)
    deadline = time.monotonic() + seconds
    while True:
        try:
            issued = client.submit(tx).result
            return OutPoint(txid=issued.txid, index=0)
        except ApiError as error:
            if error.status != 503 or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def post(node: ClusterNode, envelope: bytes) -> httpx.Response:
    return httpx.post(
        f"{node.url}/v1/transactions",
        params={"wait": "commit"},
        content=envelope,
        headers={"content-type": "application/json"},
        timeout=20,
    )


def resend_until_committed(node: ClusterNode, envelope: bytes, seconds: float) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = post(node, envelope)
        if answer.status_code == 200:
            return answer.json()["result"]  # type: ignore[no-any-return]
        assert answer.status_code == 503, answer.text
        time.sleep(0.2)
    raise AssertionError(f"not committed within {seconds} s")


def test_a_signed_read_replayed_to_another_replica_is_refused(cluster: Cluster) -> None:
    first, second = followers(cluster)
    with TengeClient(first.url) as client:
        found_coin(client)  # the load bank exists
    path = "/v1/banks/bank/outputs"
    original = httpx.Request("GET", f"{first.url}{path}")
    sign_request(original, key("bank"), NETWORK)
    with httpx.Client(timeout=10) as http:
        assert http.send(original).status_code == 200
        # the same bytes at another replica behind the same name (a load balancer's Host)
        replayed = httpx.Request("GET", f"{second.url}{path}", headers=original.headers)
        answer = http.send(replayed)
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "replayed_request"


def test_a_new_node_with_an_empty_ledger_catches_up_from_the_stream(cluster: Cluster) -> None:
    newcomer = cluster.add_node()
    newcomer.start()
    try:
        tip = cluster.wait_converged(60)
        assert int(str(tip["height"])) > 0
        assert (newcomer.health() or {}).get("role") == "follower"
    finally:
        assert newcomer.stop() == 0
        cluster.nodes.remove(newcomer)


def test_a_replica_whose_state_differs_halts_instead_of_serving_it(cluster: Cluster) -> None:
    """Runs last: it leaves one node halted on purpose."""
    producer = cluster.wait_for_producer()
    with TengeClient(producer.url) as client:
        found_coin(client)  # the load bank exists on every replica
    cluster.wait_converged(30)
    damaged = followers(cluster)[0]
    assert damaged.stop() == 0
    store = open_ledger(str(damaged.data / "ledger"))
    try:  # a silent corruption: the bank's record changes, the stored digest does not
        record = decode_json(store.get(schema.bank_key("bank")) or b"", BankRecord)
        wrong = msgspec.structs.replace(record, issued=record.issued + 1)
        store.write_batch({schema.bank_key("bank"): canonical(wrong)}, sync=True)
    finally:
        store.close()
    damaged.start()
    with TengeClient(producer.url) as client:
        found_coin(client)  # an issue to that bank: its replay cannot reproduce the digest
    assert damaged.process is not None
    assert damaged.process.wait(timeout=60) == 1, "the node stops when its writer halts"
    healthy = [node for node in cluster.nodes if node is not damaged]
    deadline = time.monotonic() + 30
    while (tips := [node.tip() for node in healthy])[0] != tips[1] or tips[0] is None:
        assert time.monotonic() < deadline, f"the healthy replicas differ: {tips}"
        time.sleep(0.1)
