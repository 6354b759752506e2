"""Signed-read nonces claimed once across the cluster, not once per replica.

A captured signed read replayed to another node within its window must be refused
there too. Each claim is first checked in the node's own book (fast, and it survives a
restart), then created in a replicated JetStream KV bucket (create fails if the key
exists: one atomic claim for the whole cluster). Entries expire with the bucket's TTL,
twice the signature window. When the bucket cannot be reached the read is refused with
a retryable 503 rather than accepted unchecked: reads fail closed.
"""

from __future__ import annotations

import nats
from nats.js.errors import KeyWrongLastSequenceError

from ledger.errors import ProducerUnavailable, Unavailable
from node.cluster.engine import Engine
from node.nonces import NonceClaims, claim_id
from wire.httpsig import WINDOW_S

NONCE_BUCKET = "tenge_nonces"


class ClusterNonces:
    """The node's :class:`NonceBook` in front of the cluster-wide claim."""

    def __init__(self, local: NonceClaims, engine: Engine) -> None:
        self.local, self.engine = local, engine
        self.bucket = engine.bucket(NONCE_BUCKET, 2 * WINDOW_S)

    def claim(self, key: str, nonce: str, window_s: float) -> bool:
        """True the first time ``(key, nonce)`` is claimed on any node within the window."""
        if not self.local.claim(key, nonce, window_s):
            return False
        name = claim_id(key, nonce).hex()
        try:
            self.engine.bridge.call(self.bucket.create(name, b""), 3.0)
        except KeyWrongLastSequenceError:
            return False  # another replica took this nonce first
        except (TimeoutError, nats.errors.Error, ProducerUnavailable) as error:
            raise Unavailable(reason=f"the cluster's nonce book did not answer: {error}") from error
        return True
