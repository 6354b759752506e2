"""Node configuration: defaults, then a TOML file, then ``TENGE_*`` environment, then flags."""

from __future__ import annotations

import argparse
import os
import tomllib
from pathlib import Path
from typing import Any

import msgspec


class NodeConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Everything a node process needs to know to start."""

    data_dir: str = "./data"
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 2
    threads: int = 4
    worker_connections: int = 16  # per worker; a low cap spreads keep-alive clients evenly
    max_block: int = 2000
    max_wait_ms: int = 20
    max_body: int = 4 * 1024 * 1024
    genesis: str | None = None
    producer_key: str | None = None
    log_level: str = "INFO"
    ordering: str = "local"
    """``local`` (one node, the default) or ``nats`` (a replica of the cluster, node/cluster/)."""
    nats: str | None = None
    """The JetStream cluster's server URLs, comma-separated (``--ordering nats``)."""
    node_id: str | None = None
    """This replica's name in the cluster (unique per node)."""
    lease_ttl_ms: int = 3000
    """How long the producer lease outlives its holder's last renewal (failover time)."""

    @property
    def ledger_path(self) -> str:
        return str(Path(self.data_dir) / "ledger")

    @property
    def socket_path(self) -> str:
        return str(Path(self.data_dir) / "node.sock")

    @property
    def producer_key_path(self) -> str:
        return self.producer_key or str(Path(self.data_dir) / "keys" / "producer.key")

    @property
    def nats_servers(self) -> list[str]:
        return [url.strip() for url in (self.nats or "").split(",") if url.strip()]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


FIELDS = NodeConfig.__struct_fields__


def add_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per field, named like the field (``--data-dir``, ``--port`` ...)."""
    parser.add_argument("--config", help="TOML file with the same keys as the flags")
    for name in FIELDS:
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None)


def load(args: argparse.Namespace, environ: dict[str, str] | None = None) -> NodeConfig:
    """Merge the four sources, later ones winning."""
    environ = dict(os.environ) if environ is None else environ
    values: dict[str, Any] = {}
    if getattr(args, "config", None):
        with open(args.config, "rb") as handle:
            values.update(tomllib.load(handle))
    for name in FIELDS:
        env = environ.get(f"TENGE_{name.upper()}")
        if env is not None:
            values[name] = env
        flag = getattr(args, name, None)
        if flag is not None:
            values[name] = flag
    return msgspec.convert(values, NodeConfig, strict=False)
