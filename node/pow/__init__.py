"""The ``pow`` ordering backend: Nakamoto consensus over the ledger's own transactions.

A real proof-of-work chain, built to be measured against the permissioned
ledger on the same workload (``python -m loadtests.pow.compare``):

- ``block``     120-byte headers (prev hash, Merkle root, time, 256-bit target,
                nonce) hashed with SHA-256d; bodies carry a coinbase and the
                ledger's signed transactions unchanged;
- ``work``      targets, work, and difficulty retargeting with clamping;
- ``reward``    halving schedule under a hard cap; ``coinbase`` the PoW coin,
                reward spends and coinbase maturity;
- ``tree``      every block received, with cumulative work;
- ``node``      validation, most-work fork choice, reorganisations, templates;
- ``branch``    the ledger state of the best branch (``ledger.state`` over a
                memory store), with undo; ``mempool`` pending transactions;
- ``mining``, ``process``, ``network``  real hashing in competing miner
                processes that exchange blocks over pipes;
- ``finality``, ``measure``, ``workload``  the measured run;
- ``model``, ``tax``, ``report``, ``chart``  the network-scale model,
                Kazakhstan's mining fee, and the generated report.
"""
