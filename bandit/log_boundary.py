"""Where errors of the log (`storage`) become `bandit` errors: once, for the chooser, the
learner and replay alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import storage
from bandit.errors import (
    ActivationClosed,
    BanditError,
    CheckpointNotFound,
    ConflictingRecord,
    CorruptModel,
    InvalidContext,
    InvalidExperiment,
    InvalidLogUrl,
    InvalidReward,
    InvalidSignal,
    LogNotFound,
    LogUnavailable,
    NotActivated,
    UnknownDefinition,
    UnknownEvent,
    UnknownExperiment,
    UnknownTitle,
)

_SAME_MEANING: dict[type[storage.StorageError], type[BanditError]] = {
    storage.InvalidReward: InvalidReward,
    storage.InvalidSignal: InvalidSignal,
    storage.UnknownEvent: UnknownEvent,
    storage.UnknownDefinition: UnknownDefinition,
    storage.ConflictingRecord: ConflictingRecord,
    storage.CheckpointConflict: ConflictingRecord,
    storage.UnknownTitle: UnknownTitle,
    storage.CorruptCheckpoint: CorruptModel,
    storage.CheckpointNotFound: CheckpointNotFound,
    storage.InvalidLogUrl: InvalidLogUrl,
    storage.LogNotFound: LogNotFound,
    storage.NotActivated: NotActivated,
    storage.ActivationClosed: ActivationClosed,
    storage.InvalidExperiment: InvalidExperiment,
    storage.UnknownExperiment: UnknownExperiment,
}


def as_bandit_error(
    exc: storage.StorageError, bad_input: type[BanditError] = InvalidContext
) -> BanditError:
    """The bandit error for a storage error. ``bad_input`` is what a value the log refused
    means to the caller (a bad request for ``choose``, a bad reward for ``reward``)."""
    if isinstance(exc, BanditError):
        return exc  # already re-rooted (bandit's errors of the log's meanings subclass them)
    for storage_type, bandit_type in _SAME_MEANING.items():
        if isinstance(exc, storage_type):
            return bandit_type(str(exc))
    if isinstance(exc, storage.InvalidDecision | storage.RejectedValue | storage.InvalidApiKey):
        return bad_input(str(exc))
    # DatabaseUnavailable, SchemaVersionError, and a statement the database refused.
    return LogUnavailable(str(exc))


@contextmanager
def log_errors(bad_input: type[BanditError] = InvalidContext) -> Iterator[None]:
    """Re-raise any storage error in the block as its bandit error."""
    try:
        yield
    except storage.StorageError as exc:
        raise as_bandit_error(exc, bad_input) from exc
