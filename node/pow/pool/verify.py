"""Recompute a pool's payouts from its published share log: ``python -m node.pow.pool.verify``.

    python -m node.pow.pool.verify --genesis pool-genesis.json --log share-log.jsonl --window 64

The genesis names the network and the mining register (the accredited
pool's key, the licensed miners); the log is the pool's, one canonical JSON
entry per line. Every job, share and block is checked (a dishonest log exits
1 naming the entry), and each block's PPLNS payouts are printed with each
miner's total; compare them with the pool's reward spends on the chain.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from node.pow.block import PowGenesis
from node.pow.params import COIN
from node.pow.pool.log import decode_log, head_of
from node.pow.pool.payout import ShareLogError, recompute


def main(argv: list[str] | None = None) -> int:
    """Check the log and print its payouts; 0 if honest, 1 if not, 2 for unusable input."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genesis", required=True, help="the chain's PoW genesis (JSON)")
    parser.add_argument("--log", required=True, help="the pool's share log (JSON lines)")
    parser.add_argument("--window", required=True, type=int, help="the pool's PPLNS N")
    args = parser.parse_args(argv)
    genesis = PowGenesis.from_bytes(Path(args.genesis).read_bytes())
    if genesis.register is None or len(genesis.register.pools) != 1:
        print("verify: the genesis names no single accredited pool", file=sys.stderr)
        return 2
    entries = decode_log(Path(args.log).read_bytes())
    pool = genesis.register.pools[0]
    try:
        payouts = recompute(entries, genesis.network, genesis.register, pool.key, args.window)
    except ShareLogError as error:
        print(f"verify: DISHONEST LOG: {error}")
        return 1
    totals: Counter[str] = Counter()
    for block_hash, split in payouts.items():
        totals.update(split)
        print(f"block {block_hash}: " + ", ".join(f"{w[:12]}… {v}" for w, v in split.items()))
    for miner in genesis.register.miners:
        print(f"{miner.name} ({miner.category}): {totals[miner.key] / COIN:,.8f} coins")
    print(
        f"verify: OK, {len(entries)} entries, {len(payouts)} blocks, head {head_of(entries).hex()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
