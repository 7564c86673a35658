"""``python -m bandit.learn``: an alias of ``thumbnail-bandit learn``."""

import sys

from bandit.cli.learn import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
