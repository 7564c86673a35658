"""Errors raised by the storage package. `StorageError` is the root; messages say how to fix.

Every driver error is turned into one of these in one place, `storage.driver_errors`, so no
caller needs ``except Exception``:

========================  =====================================================================
error                     what the user did, or what happened
========================  =====================================================================
InvalidLogUrl             a URL that is malformed, of an unsupported database, or whose driver
                          is missing
LogNotFound               a read-only command was pointed at a log that does not exist
DatabaseUnavailable       the database cannot be reached, went away, is full, deleted or damaged
SchemaVersionError        the database's schema is unknown to this version
UnknownTitle              a title id that was never registered
UnknownEvent              a reward or look-up for an event id with no decision
UnknownDefinition         a reward definition that was never defined
InvalidDecision           a decision or artwork that would corrupt the log
InvalidReward             a reward that is not a finite number in [0, 1]
InvalidSignal             a signal with a bad name or value, or past the cap per decision
RejectedValue             a value the database itself refused (NUL byte, out of range)
ConflictingRecord         the same id sent twice with different content
NotActivated              a reward for a deferred decision that was never activated
ActivationClosed          an activation after the decision's reward window closed
InvalidApiKey             an API key name or scope that cannot be stored
CheckpointConflict        another learner extended the same checkpoint first
CheckpointNotFound        no checkpoint with that version
CorruptCheckpoint         a checkpoint whose bytes, digest or signature do not verify
========================  =====================================================================
"""

from __future__ import annotations


class StorageError(Exception):
    """Root of every error the storage package raises."""


class InvalidLogUrl(StorageError, ValueError):
    """The log URL is malformed, names a database other than SQLite or PostgreSQL, or its
    driver is not installed."""


class LogNotFound(StorageError):
    """There is no log at this URL, and the caller asked to open one, not to create one."""


class DatabaseUnavailable(StorageError):
    """The database could not be reached, went away mid-call, is full, or its file was
    deleted, replaced or damaged. Nothing was written."""


class SchemaVersionError(StorageError):
    """The database holds a schema this version of thumbnail-bandit does not know."""


class UnknownTitle(StorageError, LookupError):
    """A title id that was never registered."""


class UnknownDefinition(StorageError, LookupError):
    """A reward definition (or version of one) that was never defined."""


class UnknownEvent(StorageError, LookupError):
    """A reward or lookup named an event id that has no decision."""


class InvalidDecision(StorageError, ValueError):
    """A decision that would corrupt the log: bad pmf, chosen artwork not a candidate, ..."""


class InvalidSignal(StorageError, ValueError):
    """A signal whose name is not an identifier, whose value is not a finite number within
    bounds, or that would pass the cap of signals per decision."""


class InvalidReward(StorageError, ValueError):
    """A reward that is NaN, infinite or outside [0, 1], or names a malformed event id."""


class RejectedValue(StorageError, ValueError):
    """The database refused a value (a NUL character, a number out of its range)."""


class ConflictingRecord(StorageError):
    """The same id was sent twice with different content; the first one stays."""


class NotActivated(StorageError):
    """A reward for a decision ranked with deferred activation that was never activated."""


class ActivationClosed(StorageError):
    """An activation that came after the decision's reward window: it can no longer be
    learned from, so it stays unactivated."""


class InvalidApiKey(StorageError, ValueError):
    """An API key name or scope list that is malformed."""


class CheckpointConflict(StorageError):
    """Another learner committed on the same parent first; reload the head and retry."""


class CheckpointNotFound(StorageError, LookupError):
    """No checkpoint has the requested version."""


class CorruptCheckpoint(StorageError):
    """A checkpoint whose model bytes, digest or signature do not verify."""


class InvalidExperiment(StorageError, ValueError):
    """An experiment's name, arms, shares or titles that cannot be, or a change its state
    does not allow (stopping control, promoting a stopped arm, ending it twice)."""


class UnknownExperiment(StorageError, LookupError):
    """No experiment has the requested name."""
