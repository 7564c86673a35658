"""The command lines' error boundary: every error a user can cause becomes one line on stderr
and an exit status, never a traceback. Usage errors exit 2 (as argparse's own), failures 1."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import storage
from bandit import BanditError
from thumbnail_bandit.cli.usage import CommandFailed, UsageError
from thumbnails import ThumbnailsError

#: Set to 1 to let unexpected exceptions (bugs) raise with their traceback.
DEBUG_ENV = "THUMBNAIL_BANDIT_DEBUG"


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\n``, ``\\x1b``), so that a file name or a
    stored value can neither forge a line on the terminal nor send it escape sequences.

    >>> printable("bad\\nerror: fake.mp4")
    'bad\\\\nerror: fake.mp4'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def fail(message: str, status: int = 1) -> int:
    """Print one ``error:`` line (whitespace folded, so it stays one line) and return
    ``status``."""
    print("error: " + " ".join(printable(part) for part in message.split()), file=sys.stderr)
    return status


def run_guarded(command: Callable[[], int]) -> int:
    """Run a subcommand; map what it raises to one line and an exit status."""
    try:
        return command()
    except UsageError as exc:
        return fail(str(exc), status=2)
    except (BanditError, storage.StorageError, ThumbnailsError, CommandFailed) as exc:
        return fail(str(exc))
    except BrokenPipeError:
        # stdout was closed early (`| head`): not an error of ours, and no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
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
