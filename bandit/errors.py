"""Errors raised by the bandit package. `BanditError` is the root; messages say how to fix.

Everything the chooser, the learner and replay raise is one of these; errors of the log
underneath (`storage`) are re-rooted here by `bandit.log_boundary`, so ``except BanditError``
catches all a user can cause. Where a meaning is the log's own (an unknown event, a conflicting
record, ...), the bandit error is a subclass of the storage error of that meaning: one meaning,
one family, and ``except storage.UnknownEvent`` catches what the chooser raises too.

=====================  ==========================================================================
error                  cause
=====================  ==========================================================================
InvalidContext         a malformed ``choose`` request: context, title id or event id
InvalidReward          a reward outside [0, 1], not a number, or for a malformed event id
InvalidSignal          a signal with a bad name or value, or past the cap per decision
UnknownEvent           a reward for an event id that was never logged
ConflictingRecord      an event id reused for a different decision, or a second, different reward
UnknownTitle           a title that was never registered
NoActiveArtwork        a title whose artworks are all retired
NotActivated           a reward for a deferred decision that was never activated
ActivationClosed       an activation after the decision's reward window closed
InvalidPolicyArgs      policy settings outside what the policy (or Vowpal Wabbit) accepts
CorruptModel           a checkpoint that cannot be verified or loaded
CheckpointNotFound     no checkpoint with that version
InvalidLogUrl          a log URL that is malformed or of an unsupported database
LogNotFound            no log at that URL (and nothing asked to create one)
LogUnavailable         the log cannot be reached, went away, is full, deleted or damaged
InvalidExperiment      an experiment's arms, shares, titles or unit id that cannot be, or a change
                       its state does not allow (stop control, promote a stopped arm)
UnknownExperiment      no experiment has that name
ScreenRefused          a challenger whose replay interval lies wholly below control's
=====================  ==========================================================================
"""

from __future__ import annotations

import storage


class BanditError(Exception):
    """Root of every error the bandit package raises."""


class InvalidContext(BanditError, ValueError):
    """A malformed ``choose`` request: a context that is not a flat mapping of named, bounded
    features, or a title id or event id that is not a short, storable string."""


class InvalidReward(BanditError, storage.InvalidReward):
    """A reward that is not a finite number in [0, 1], or names a malformed event id."""


class InvalidSignal(BanditError, storage.InvalidSignal):
    """A signal whose name is not an identifier, whose value is not a finite number within
    bounds, or past the cap of signals per decision."""


class UnknownDefinition(BanditError, storage.UnknownDefinition):
    """A reward definition that was never defined."""


class UnknownEvent(BanditError, storage.UnknownEvent):
    """A reward named an event id that has no logged decision."""


class ConflictingRecord(BanditError, storage.ConflictingRecord):
    """The same id was sent twice with different content; the first one stays."""


class UnknownTitle(BanditError, storage.UnknownTitle):
    """``choose`` named a title that was never registered."""


class NoActiveArtwork(BanditError, LookupError):
    """The title exists but has no active artwork to choose from."""


class NotActivated(BanditError, storage.NotActivated):
    """A reward for a decision ranked with ``defer_activation`` that was never activated."""


class ActivationClosed(BanditError, storage.ActivationClosed):
    """An activation after the decision's reward window: it will never be learned from."""


class InvalidPolicyArgs(BanditError, ValueError):
    """Vowpal Wabbit (or a baseline) rejected the policy settings."""


class CorruptModel(BanditError, storage.CorruptCheckpoint):
    """A checkpoint's model could not be verified or loaded."""


class CheckpointNotFound(BanditError, storage.CheckpointNotFound):
    """No checkpoint has the requested version."""


class InvalidLogUrl(BanditError, storage.InvalidLogUrl):
    """A log URL that is malformed, names an unsupported database, or lacks its driver."""


class LogNotFound(BanditError, storage.LogNotFound):
    """There is no log at that URL; create one first."""


class LogUnavailable(BanditError, storage.DatabaseUnavailable):
    """The decision log cannot be reached; nothing was served or logged."""


class InvalidExperiment(BanditError, storage.InvalidExperiment):
    """An experiment that cannot be, or a change its state does not allow."""


class UnknownExperiment(BanditError, storage.UnknownExperiment):
    """No experiment with that name."""


class ScreenRefused(BanditError):
    """Replayed on the log, a challenger did worse than control with confidence: not
    exposed to members (``--force`` starts it anyway)."""
