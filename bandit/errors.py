"""Errors raised by the bandit package. `BanditError` is the root; messages say how to fix."""

from __future__ import annotations


class BanditError(Exception):
    """Root of every error the bandit package raises."""


class InvalidContext(BanditError, ValueError):
    """A context that is not a flat mapping of named, bounded features."""


class UnknownTitle(BanditError, LookupError):
    """``choose`` named a title that was never registered."""


class NoActiveArtwork(BanditError, LookupError):
    """The title exists but has no active artwork to choose from."""


class InvalidPolicyArgs(BanditError, ValueError):
    """Vowpal Wabbit (or a baseline) rejected the policy settings."""


class CorruptModel(BanditError):
    """A checkpoint's model could not be loaded."""


class LogUnavailable(BanditError):
    """The decision log cannot be reached; nothing was served or logged."""
