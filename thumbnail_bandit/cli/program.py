"""What every command line shares: ``--version`` on each parser, and running the chosen
subcommand inside the error boundary."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from thumbnail_bandit.cli import config
from thumbnail_bandit.cli.boundary import run_guarded
from thumbnail_bandit.cli.usage import UsageError
from thumbnails.catalogue import package_version


def versioned(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")


def run_parsed(parser: argparse.ArgumentParser, argv: Sequence[str]) -> int:
    """Parse ``argv`` (over the configuration's defaults, `thumbnail_bandit.cli.config`) and
    run the chosen subcommand inside the error boundary."""

    def run() -> int:
        config.apply(parser, *config.load())
        args = parser.parse_args(list(argv))
        if getattr(args, "log", None) is not None:
            args.db = None  # replay --log: a configured log is not the one asked for
        elif hasattr(args, "db") and args.db is None and not getattr(args, "log_optional", False):
            raise UsageError(config.MISSING_DB)
        return int(args.run(args))

    return run_guarded(run)
