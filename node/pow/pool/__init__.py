"""An accredited digital mining pool, as Kazakhstan's 2023 law requires of miners.

Licensed miners (``node.pow.licence``: data-centre owners and equipment
owners) do not mine blocks of their own: they take jobs from the pool — the
pool's block template on the real mining chain, its coinbase paying the
pool's key, naming the miner and signed by the pool — and return *shares*,
nonces whose hash meets the pool's easier share target. A share that also
meets the block's target is a block; the pool publishes it on the chain.
The pool pays each block's reward, once matured, to the miners in
proportion to their shares (PPLNS: the last N shares), with a reward spend
on the chain.

Everything the pool accepts goes into a published, hash-chained share log
(jobs, shares, blocks): anyone can check every share and recompute every
payout from it (:func:`node.pow.pool.payout.recompute`) and compare with the
pool's reward spends on the chain.

Modules: ``shares`` (jobs, share hashes, grinding for shares), ``log`` (the
published share log), ``payout`` (PPLNS, integer splits, recomputation),
``pool`` (the pool's own logic), ``hashers`` (a licensed miner's process),
``service`` (the pool's process) and ``network`` (starting and stopping
them, by pid).
"""
