"""`LoggedData`: logged decisions as arrays, the input of every estimator.

Candidate sets and the logging policy's pmf are stored sparsely (`bandit.replay.sparse`), so
memory grows with the rows and the candidates they list, not with rows x all actions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from bandit.replay.errors import BadLog
from bandit.replay.sparse import CandidateSets, FloatArray, GroupedPmf, IntArray

#: Dense work past this many cells (~160 MB of floats) is refused with a clear error rather
#: than exhausting memory: a policy target scoring every candidate of every row, or the
#: reward model's segments x actions table.
MAX_CELLS = 20_000_000

__all__ = ["MAX_CELLS", "CandidateSets", "FloatArray", "IntArray", "LoggedData", "check_size"]


def check_size(cells: int, what: str) -> None:
    """Raise BadLog if ``cells`` is past what replay holds densely in memory."""
    if cells > MAX_CELLS:
        raise BadLog(
            f"{what} needs {cells:,} cells, over the {MAX_CELLS:,} replay holds in memory;"
            " evaluate a part of the log at a time (per title, or a time range), or list"
            " each decision's candidates"
        )


@dataclass(frozen=True)
class LoggedData:
    """n logged decisions over a vocabulary of A actions (action ids as strings)."""

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
    candidates: CandidateSets
    """Which actions each decision could choose."""
    event_id: Sequence[str]
    timestamp: npt.NDArray[np.datetime64] | None = None
    """Shape (n,), when the log has times."""
    contexts: Sequence[Mapping[str, Any]] | None = None
    """Each decision's full context (needed by policy targets), when known; without it a
    policy sees only the segment."""
    logged_pmf: GroupedPmf | None = None
    """The logging policy's whole pmf per decision, when known (the engine's own log)."""
    action_features: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """Features of each action (artwork), for policy targets."""
    skipped: Mapping[str, int] = field(default_factory=dict)
    """Rows left out with --skip-bad-rows, counted by reason."""
    segment_names: tuple[str, ...] = ()
    """The distinct segments; derived from ``segment`` when not given."""
    segment_index: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Shape (n,): each row's index into ``segment_names``."""
    seq: IntArray | None = None
    """Shape (n,): each decision's join sequence number (the engine's own log), so a
    checkpoint can be scored only on events after the last one it learned."""

    def __post_init__(self) -> None:
        n = len(self.chosen)
        if n == 0:
            raise BadLog("the log is empty: there is nothing to evaluate")
        for name in ("propensity", "reward", "segment", "event_id"):
            if len(getattr(self, name)) != n:
                raise BadLog(f"{name} has {len(getattr(self, name))} rows, chosen has {n}")
        if len(self.candidates.of_row) != n:
            raise BadLog("candidates must name a set for every row")
        if not self.segment_names:
            names, index = np.unique(self.segment, return_inverse=True)
            object.__setattr__(self, "segment_names", tuple(str(s) for s in names))
            object.__setattr__(self, "segment_index", index.astype(np.int64))

    @property
    def n(self) -> int:
        return len(self.chosen)

    def subset(self, rows: npt.NDArray[np.bool_] | IntArray) -> LoggedData:
        """The same log restricted to ``rows`` (a mask or indices)."""
        idx: IntArray = (
            np.flatnonzero(rows) if np.asarray(rows).dtype == bool else np.asarray(rows)
        ).astype(np.int64)
        return LoggedData(
            actions=self.actions,
            chosen=self.chosen[idx],
            propensity=self.propensity[idx],
            reward=self.reward[idx],
            segment=self.segment[idx],
            candidates=self.candidates.subset(idx),
            event_id=[self.event_id[i] for i in idx],
            timestamp=None if self.timestamp is None else self.timestamp[idx],
            contexts=None if self.contexts is None else [self.contexts[i] for i in idx],
            logged_pmf=None if self.logged_pmf is None else self.logged_pmf.take(idx),
            action_features=self.action_features,
            skipped=self.skipped,
            segment_names=self.segment_names,
            segment_index=self.segment_index[idx],
            seq=None if self.seq is None else self.seq[idx],
        )
