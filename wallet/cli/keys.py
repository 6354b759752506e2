"""``keys new | import | show``: the keystore commands both programs share."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ledger.crypto import KeyPair
from wallet.cli.args import command
from wallet.cli.common import LOCAL, CliError, Reply, Session, read_password
from wallet.keystore import STRENGTHS, KdfParams, Keystore

MIB = 1024 * 1024


def add_keys_commands(commands: Any, parent: argparse.ArgumentParser, hint: str) -> None:
    """Register ``keys`` and its subcommands; ``hint`` says what the public key is for."""
    keys = commands.add_parser("keys", help="create, import or show the encrypted keystore")
    keys.set_defaults(hint=hint)
    sub = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    new = command(sub, "new", keys_new, parent, "create a keystore with a fresh key pair")
    imported = command(
        sub, "import", keys_import, parent, "seal an existing seed (64 hex digits in a file)"
    )
    imported.add_argument("--seed-file", required=True, help="file holding the seed as hex")
    for parser in (new, imported):
        parser.add_argument("--label", help="a name for this key, kept in the file")
        parser.add_argument("--network", help="the network the key is meant for")
        parser.add_argument(
            "--kdf",
            choices=sorted(STRENGTHS),
            default="moderate",
            help="Argon2id strength (default moderate: 3 passes, 256 MiB)",
        )
    command(sub, "show", keys_show, parent, "show the public key and the keystore's parameters")


def keys_new(session: Session) -> Reply:
    """Create a keystore holding a fresh key pair."""
    return _create(session, KeyPair.generate(), "created")


def keys_import(session: Session) -> Reply:
    """Seal a seed that already exists (for example a bank's key file) in a keystore."""
    text = Path(session.args.seed_file).read_text(encoding="utf-8").strip()
    try:
        seed = bytes.fromhex(text)
    except ValueError:
        seed = b""
    if len(seed) != 32:
        raise CliError(LOCAL, "bad_seed", f"{session.args.seed_file}: expected 64 hex digits")
    return _create(session, KeyPair.from_seed(seed), "imported")


def _create(session: Session, keypair: KeyPair, verb: str) -> Reply:
    args = session.args
    path = _path(args)
    password = read_password(args, confirm=True)
    keystore = Keystore.create(
        path,
        password,
        keypair,
        kdf=KdfParams.fresh(args.kdf),
        label=args.label,
        wallet_id=getattr(args, "wallet", None),
        network=args.network,
    )
    reply = describe(keystore, path)
    reply.lines[0] = f"{verb} {reply.lines[0]}"
    reply.lines.append(f"Give the public key to {args.hint}.")
    return reply


def keys_show(session: Session) -> Reply:
    """The public key and parameters; the seed stays sealed (no password needed)."""
    return describe(session.keystore(), _path(session.args))


def _path(args: argparse.Namespace) -> Path:
    if not args.keystore:
        raise CliError(LOCAL, "no_keystore", "pass --keystore or set TENGE_KEYSTORE")
    return Path(args.keystore)


def describe(keystore: Keystore, path: Path) -> Reply:
    """What a keystore says about itself, for people and for scripts."""
    kdf = keystore.kdf
    data = {
        "keystore": str(path),
        "public_key": keystore.public_key,
        "label": keystore.label,
        "wallet_id": keystore.wallet_id,
        "network": keystore.network,
        "kdf": {"name": "argon2id", "opslimit": kdf.opslimit, "memlimit": kdf.memlimit},
    }
    lines = [
        f"keystore {path}",
        f"  public key  {keystore.public_key}",
        f"  sealed with argon2id ({kdf.opslimit} passes, {kdf.memlimit // MIB} MiB)"
        " + xsalsa20poly1305",
    ]
    for name in ("label", "wallet_id", "network"):
        if data[name] is not None:
            lines.append(f"  {name.replace('_', ' '):<10}  {data[name]}")
    return Reply(data, lines)
