"""``thumbnail-bandit keys ...``: the decision service's API keys."""

from __future__ import annotations

import argparse
import json
import sys

import storage
from storage.keys import SCOPES
from thumbnail_bandit.cli.usage import CommandFailed

_DB_HELP = "the log (SQLite path or URL, PostgreSQL URL)"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="create, list and revoke the service's API keys")
    actions = keys.add_subparsers(dest="action", required=True)
    create = actions.add_parser(
        "create", help="a new key; its token is printed once, only its hash is stored"
    )
    create.add_argument("--name", required=True)
    create.add_argument(
        "--scope",
        action="append",
        choices=SCOPES,
        required=True,
        help="rank (rank, reward, activate) or admin (artwork, modes, keys); repeatable",
    )
    listing = actions.add_parser("list", help="every key, live and revoked (never a secret)")
    listing.add_argument("--json", action="store_true", help="JSON on stdout")
    revoke = actions.add_parser("revoke", help="stop a key from working")
    revoke.add_argument("--name", required=True)
    for parser in (create, listing, revoke):
        parser.add_argument("--db", help=_DB_HELP)
    keys.set_defaults(run=run_keys)


def run_keys(args: argparse.Namespace) -> int:
    with storage.open_log(args.db) as log:
        if args.action == "create":
            key, token = log.create_key(args.name, args.scope)
            print(
                f"key {key.name!r} ({key.key_id}) with scope {', '.join(key.scopes)}; its token"
                " is shown this once:",
                file=sys.stderr,
            )
            print(token)
        elif args.action == "revoke":
            if not log.revoke_key(args.name):
                raise CommandFailed(f"no live key named {args.name!r}")
            print(f"revoked: {args.name} (workers stop accepting it within their key cache time)")
        elif args.json:
            print(json.dumps([_key_row(k) for k in log.api_keys()]))
        else:
            listed = log.api_keys()
            if not listed:
                print("no keys yet: `thumbnail-bandit keys create` makes one", file=sys.stderr)
            for k in listed:
                state = f"revoked {k.revoked_at.isoformat()}" if k.revoked_at else "live"
                print(f"{k.name}\t{k.key_id}\t{','.join(k.scopes)}\t{state}")
    return 0


def _key_row(key: storage.ApiKey) -> dict[str, object]:
    return {
        "name": key.name,
        "key_id": key.key_id,
        "scopes": list(key.scopes),
        "created_at": key.created_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }
