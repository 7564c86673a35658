"""The ``thumbnail-bandit`` command line (an adapter: it turns arguments into library calls)."""

from bandit.cli.main import main

__all__ = ["main"]
