"""The command lines' own errors: what they refuse before any library call is made."""

from __future__ import annotations


class CommandError(Exception):
    """Root of the command lines' own errors."""


class UsageError(CommandError):
    """Arguments that do not fit together or are out of range: exit status 2, as argparse's
    own usage errors."""


class CommandFailed(CommandError):
    """The command ran and could not do what was asked (an id that does not exist, an output
    folder that cannot be written): exit status 1."""
