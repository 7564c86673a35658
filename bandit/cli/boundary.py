"""The command lines' error boundary: every error a user can cause becomes one line on stderr
and an exit status, never a traceback. Usage errors exit 2 (argparse's own), failures 1."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import storage
from bandit.errors import BanditError

#: Set to 1 to let unexpected exceptions (bugs) raise with their traceback.
DEBUG_ENV = "THUMBNAIL_BANDIT_DEBUG"


def fail(message: str) -> int:
    """Print one ``error:`` line (whitespace folded, so it stays one line) and return 1."""
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return 1


def run_guarded(command: Callable[[], int]) -> int:
    """Run a subcommand; map what it raises to one line and an exit status."""
    try:
        return command()
    except (BanditError, storage.StorageError) as exc:
        return fail(str(exc))
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return fail(f"{where}{exc.strerror or exc}")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        return fail(
            f"internal error ({type(exc).__name__}: {exc}); please report it, and rerun with"
            f" {DEBUG_ENV}=1 for the traceback"
        )
