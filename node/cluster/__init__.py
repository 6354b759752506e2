"""The replicated ledger: three nodes ordered by a NATS JetStream stream (``--ordering nats``).

- :mod:`node.cluster.bridge` runs nats-py's asyncio loop in one thread of the
  writer and hands its results back as concurrent futures;
- :mod:`node.cluster.engine` is what this ledger keeps in JetStream: the R3
  block stream (stream sequence = block height), the producer lease (a KV key
  with a TTL, renewed with revision compare-and-set) and the block log
  (:class:`~node.ordering.BlockLog`) that publishes with ``Nats-Msg-Id`` =
  block hash and ``Nats-Expected-Last-Sequence`` = height - 1;
- :mod:`node.cluster.ordering` is the ordering backend: the lease holder runs
  the ordinary :class:`~node.producer.Producer`, every other node applies the
  stream's blocks through the same :class:`~ledger.chain.Chain` code and
  forwards submissions to the producer.

docs/cluster.md tells the topology and the failure table; decision 0012 the choices.
"""
