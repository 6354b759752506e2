"""``python -m node`` (``tenge-node``): initialise a network, or run a node.

``tenge-node init --data-dir DIR --network ID`` creates the central bank and
producer keys and the genesis document. ``tenge-node run --data-dir DIR``
starts the node: a supervisor (:mod:`node.supervisor`) over the single ledger
writer (LevelDB, block producer, local RPC socket; ``tenge-node writer`` on
its own) and a gunicorn server whose worker processes serve the REST API.
SIGTERM or Ctrl-C stops everything cleanly; starting again resumes from the
data directory, also after any one of the processes was killed.

Exit codes: 0 initialised, or stopped cleanly; 1 the node failed (it did not
come up, or stopped on its own); 2 usage or configuration error, printed as
``error: ...`` (bad flags, a data directory not initialised or already
initialised, no producer key, a ledger another node holds open, a writer
that cannot start on this data); 4 internal error (a bug: traceback on
stderr).
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import sys
from pathlib import Path

from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.params import make_genesis
from ledger.types import Genesis
from node.config import NodeConfig, add_flags, load
from node.keyfiles import write_key
from node.producer import now_ms
from node.supervisor import Node
from node.writer import FATAL, genesis_of, run_writer

__all__ = ["Node", "init", "main"]
log = logging.getLogger("node")


def init(config: NodeConfig, network: str) -> Genesis:
    """Keys and genesis for a new network in ``config.data_dir``."""
    keys = Path(config.data_dir) / "keys"
    central_bank, producer = KeyPair.generate(), KeyPair.generate()
    write_key(keys / "central-bank.key", central_bank)
    write_key(config.producer_key_path, producer)
    genesis = make_genesis(network, [central_bank.public_hex], [producer.public_hex], now_ms())
    (Path(config.data_dir) / "genesis.json").write_bytes(canonical(genesis))
    return genesis


EXIT_CODES = (
    "exit codes: 0 done or stopped cleanly, 1 the node failed, "
    "2 usage or configuration error, 4 internal error."
)


class ConfigurationError(Exception):
    """A data directory or key this command cannot use; the message says what to do."""


def preflight(config: NodeConfig, supervised: bool) -> None:
    """What an operator can fix, found before any process starts."""
    if genesis_of(config) is None and not Path(config.ledger_path).exists():
        raise ConfigurationError(f"no genesis in {config.data_dir}: run tenge-node init first")
    if not Path(config.producer_key_path).exists():
        raise ConfigurationError(f"no producer key at {config.producer_key_path}")
    running = running_writer(config) if supervised else None
    if running is not None:
        raise ConfigurationError(
            f"{config.ledger_path} is in use by another running node (writer pid {running})"
        )


def running_writer(config: NodeConfig) -> int | None:
    """The pid of another node's live writer holding this ledger, if there is one.

    LevelDB's lock alone cannot tell another node from a writer that is still
    dying after its supervisor was killed (``tenge-node run`` then waits for
    it, as the writer itself does); so the lock must be held and the writer
    named in ``run/writer.pid`` must be alive with a live parent.
    """
    lock = Path(config.ledger_path) / "LOCK"
    if not lock.exists():
        return None
    with lock.open("rb+") as handle:  # LevelDB's own fcntl lock; the database is not opened
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass
        else:
            fcntl.lockf(handle, fcntl.LOCK_UN)
            return None
    try:
        pid = int((Path(config.data_dir) / "run" / "writer.pid").read_text())
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (OSError, ValueError):
        return None
    parent = int(stat.rsplit(")", 1)[1].split()[1])
    return pid if parent != 1 else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tenge-node", description=__doc__.splitlines()[0], epilog=EXIT_CODES
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init_cmd = commands.add_parser("init", help="create keys and genesis for a new network")
    add_flags(init_cmd)
    init_cmd.add_argument("--network", required=True, help="network id, e.g. kzt-devnet")
    add_flags(commands.add_parser("run", help="run the node (writer and API, supervised)"))
    add_flags(commands.add_parser("writer", help="run only the ledger writer (no API)"))
    args = parser.parse_args(argv)
    config = load(args)
    logging.basicConfig(
        level=config.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the supervisor's health polls
    try:
        return command(args, config)
    except ConfigurationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception:
        log.exception("internal error (a bug: please report it with this traceback)")
        return 4


def command(args: argparse.Namespace, config: NodeConfig) -> int:
    """``init``, ``writer`` or ``run``; the exit code."""
    if args.command == "init":
        try:
            genesis = init(config, args.network)
        except FileExistsError as error:
            where = f"{config.data_dir} is already initialised: {error.filename} exists"
            raise ConfigurationError(where) from None
        print(f"network {genesis.network} initialised in {config.data_dir}")
        print(f"central bank key {genesis.central_bank_keys[0]}")
        print(f"producer key     {genesis.producer_keys[0]}")
        return 0
    preflight(config, supervised=args.command == "run")
    if args.command == "writer":
        return run_writer(config)
    node = Node(config)
    node.start()
    if not node.wait_ready():
        fatal = node.writer.exit_status() == FATAL
        node.stop()
        if fatal:
            raise ConfigurationError("the writer cannot start on this data (its log says why)")
        print("the node did not come up (is the port free? see the log)", file=sys.stderr)
        return 1
    print(f"node serving {config.url} (docs: {config.url}/docs)", flush=True)
    return node.run_until_signalled()


if __name__ == "__main__":
    sys.exit(main())
