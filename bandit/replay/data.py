"""`LoggedData`: logged decisions as arrays, the input of every estimator."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from bandit.replay.errors import BadLog

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Estimators hold a few (rows x actions) arrays; past this many cells (~160 MB each) a log is
#: refused with a clear error instead of exhausting memory. A hostile 139 KB CSV of 10,000 rows
#: with distinct actions once took 3.3 GB.
MAX_CELLS = 20_000_000


def check_size(rows: int, actions: int, source: str) -> None:
    """Raise BadLog if ``rows`` x ``actions`` is past what replay holds in memory."""
    if rows * actions > MAX_CELLS:
        raise BadLog(
            f"{source}: {rows:,} decisions over {actions:,} distinct actions is"
            f" {rows * actions:,} cells, over the {MAX_CELLS:,} replay holds in memory;"
            " evaluate a part at a time (per title, or a time range)"
        )


@dataclass(frozen=True)
class LoggedData:
    """n logged decisions over a vocabulary of A actions (action ids as strings).

    Candidate sets are a boolean mask; when every decision could choose among all actions,
    ``candidates`` is all True.
    """

    actions: tuple[str, ...]
    """The action vocabulary, shape (A,)."""
    chosen: IntArray
    """Index into ``actions`` of each logged choice, shape (n,)."""
    propensity: FloatArray
    """The logging policy's probability of the logged choice, shape (n,), in (0, 1]."""
    reward: FloatArray
    """Shape (n,), in [0, 1]."""
    segment: npt.NDArray[np.str_]
    """Shape (n,); '' when the log has none."""
    candidates: npt.NDArray[np.bool_]
    """Shape (n, A): which actions each decision could choose."""
    event_id: Sequence[str]
    timestamp: npt.NDArray[np.datetime64] | None = None
    """Shape (n,), when the log has times."""
    contexts: Sequence[Mapping[str, Any]] | None = None
    """Each decision's full context (needed by policy targets), when known."""
    logged_pmf: npt.NDArray[np.float64] | None = None
    """Shape (n, A): the logging policy's whole pmf, when known (the engine's own log)."""
    action_features: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """Features of each action (artwork), for policy targets."""
    skipped: Mapping[str, int] = field(default_factory=dict)
    """Rows left out with --skip-bad-rows, counted by reason."""

    def __post_init__(self) -> None:
        n = len(self.chosen)
        if n == 0:
            raise BadLog("the log is empty: there is nothing to evaluate")
        for name in ("propensity", "reward", "segment", "event_id"):
            if len(getattr(self, name)) != n:
                raise BadLog(f"{name} has {len(getattr(self, name))} rows, chosen has {n}")
        if self.candidates.shape != (n, len(self.actions)):
            raise BadLog("candidates must have shape (n, n_actions)")

    @property
    def n(self) -> int:
        return len(self.chosen)

    def subset(self, rows: npt.NDArray[np.bool_] | IntArray) -> LoggedData:
        """The same log restricted to ``rows`` (a mask or indices)."""
        idx = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows)
        return LoggedData(
            actions=self.actions,
            chosen=self.chosen[idx],
            propensity=self.propensity[idx],
            reward=self.reward[idx],
            segment=self.segment[idx],
            candidates=self.candidates[idx],
            event_id=[self.event_id[i] for i in idx],
            timestamp=None if self.timestamp is None else self.timestamp[idx],
            contexts=None if self.contexts is None else [self.contexts[i] for i in idx],
            logged_pmf=None if self.logged_pmf is None else self.logged_pmf[idx],
            action_features=self.action_features,
            skipped=self.skipped,
        )
