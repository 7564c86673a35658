"""``thumbnail-bandit``: one command line for the whole engine.

Subcommands: ``create``, ``extract`` (also the ``thumbnails extract`` command), ``learn``,
``replay``, ``rewards``, ``experiments``, ``titles``, ``checkpoints``, ``decision`` (one
logged decision), ``serve`` (the HTTP decision service) and ``keys`` (its API keys). Results
go to stdout, diagnostics to stderr;
every failure a user can cause is one ``error:`` line, exit status 1 (2 for a usage error).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import storage
from thumbnail_bandit.cli import (
    checkpoints,
    decision,
    experiments,
    extract,
    keys,
    learn,
    replay,
    rewards,
    salt,
    serve,
    titles,
)
from thumbnail_bandit.cli.program import run_parsed, versioned


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thumbnail-bandit",
        description="Personalised title artwork: extract candidates, learn from the decision"
        " log, and evaluate policies by replay.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    create = commands.add_parser("create", help="create an empty log (SQLite file or schema)")
    create.add_argument("--db", help="the log (SQLite path or URL, PostgreSQL URL)")
    create.set_defaults(run=_create)
    for module in (
        extract,
        learn,
        replay,
        rewards,
        experiments,
        titles,
        checkpoints,
        serve,
        keys,
        salt,
        decision,
    ):
        module.add_parser(commands)
    versioned(parser)
    for sub in commands.choices.values():
        versioned(sub)
    return parser


def _create(args: argparse.Namespace) -> int:
    with storage.open_log(args.db, create=True) as log:
        print(f"log ready: {log.url}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_parsed(build_parser(), sys.argv[1:] if argv is None else argv)
