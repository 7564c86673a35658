"""``thumbnail-bandit``: one command line for the whole engine.

Named so it does not clash with ``bandit``, PyCQA's security linter. Subcommands: ``create``,
``extract`` (the ``thumbnails extract`` command, unchanged), ``learn``, ``replay``, ``titles``,
``checkpoints``, ``decision`` (one logged decision), ``serve`` (the HTTP decision service)
and ``keys`` (its API keys). Results go
to stdout, diagnostics to stderr; every failure a user can cause is one ``error:`` line, exit
status 1 (2 for a usage error).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

import storage
from bandit.cli import catalogue, decision, learn, replay, serve
from bandit.cli.boundary import run_guarded


def package_version() -> str:
    try:
        return version("thumbnail-bandit")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _versioned(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thumbnail-bandit",
        description="Personalised title artwork: extract candidates, learn from the decision"
        " log, and evaluate policies by replay.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    create = commands.add_parser("create", help="create an empty log (SQLite file or schema)")
    create.add_argument("--db", required=True, help="the log (SQLite path or URL, PostgreSQL URL)")
    create.set_defaults(run=_create)
    commands.add_parser(
        "extract",
        help="extract candidate artwork from videos (see `thumbnail-bandit extract --help`)",
        add_help=False,
    )
    learn.add_parser(commands)
    replay.add_parser(commands)
    catalogue.add_parsers(commands)
    serve.add_parsers(commands)
    decision.add_parser(commands)
    _versioned(parser)
    for sub in commands.choices.values():
        if sub.add_help:
            _versioned(sub)
    return parser


def _create(args: argparse.Namespace) -> int:
    with storage.open_log(args.db, create=True) as log:
        print(f"log ready: {log.url}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["extract"]:
        from thumbnails.cli import main as thumbnails_main  # only this subcommand needs it

        return thumbnails_main(arguments)
    args = build_parser().parse_args(arguments)
    return run_guarded(lambda: int(args.run(args)))


if __name__ == "__main__":
    sys.exit(main())
