"""The console scripts' entry points. They check that ``bandit`` is this project's before
anything imports it (`thumbnail_bandit.shadow`), so a clash is one line, not a traceback."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def _shadowed() -> bool:
    from thumbnail_bandit.shadow import foreign_bandit

    problem = foreign_bandit()
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
    return problem is not None


def main(argv: Sequence[str] | None = None) -> int:
    """``thumbnail-bandit``."""
    if _shadowed():
        return 1
    from thumbnail_bandit.cli.main import main as cli_main

    return cli_main(argv)


def thumbnails_main(argv: list[str] | None = None) -> int:
    """``thumbnails``."""
    if _shadowed():
        return 1
    from thumbnail_bandit.cli.extract import thumbnails_main as extract_main

    return extract_main(argv)
