"""What every command line shares: ``--version`` on each parser, and running the chosen
subcommand inside the error boundary."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from thumbnail_bandit.cli.boundary import run_guarded
from thumbnails.catalogue import package_version


def versioned(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")


def run_parsed(parser: argparse.ArgumentParser, argv: Sequence[str]) -> int:
    """Parse ``argv`` and run the chosen subcommand inside the error boundary."""
    args = parser.parse_args(list(argv))
    return run_guarded(lambda: int(args.run(args)))
