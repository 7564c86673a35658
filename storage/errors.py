"""Errors raised by the storage package. `StorageError` is the root; messages say how to fix."""

from __future__ import annotations


class StorageError(Exception):
    """Root of every error the storage package raises."""


class DatabaseUnavailable(StorageError):
    """The database could not be reached or went away mid-call."""


class SchemaVersionError(StorageError):
    """The database holds a schema this version of thumbnail-bandit does not know."""


class UnknownTitle(StorageError):
    """A title id that was never registered."""


class UnknownEvent(StorageError):
    """A reward or lookup named an event id that has no decision."""


class InvalidDecision(StorageError, ValueError):
    """A decision that would corrupt the log: bad pmf, chosen artwork not a candidate, ..."""


class InvalidReward(StorageError, ValueError):
    """A reward that is NaN, infinite or outside [0, 1]."""


class ConflictingRecord(StorageError):
    """The same id was sent twice with different content; the first one stays."""


class CheckpointConflict(StorageError):
    """Another learner committed on the same parent first; reload the head and retry."""


class CorruptCheckpoint(StorageError):
    """A checkpoint's model bytes do not match their recorded sha256."""
