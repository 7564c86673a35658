"""Errors of replay evaluation: bad logs and bad targets, with row numbers."""

from __future__ import annotations

from bandit.errors import BanditError


class ReplayError(BanditError):
    """Root of replay errors."""


class BadLog(ReplayError):
    """The log cannot be evaluated: missing columns, bad rows, or no rows at all."""


class BadTarget(ReplayError):
    """A target policy that cannot be evaluated (unknown name, probabilities not summing to 1)."""
