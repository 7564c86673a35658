"""The direct method's reward model: ridge-shrunk means per (segment, action), cross-fitted.

With one-hot (segment, action) cells, ridge regression has a closed form: each cell's mean,
shrunk toward its action's mean with strength ``ridge`` (in pseudo-observations). Cross-fitting
(two folds by row parity) keeps each row's prediction from having seen its own reward, so DR's
correction term stays unbiased.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bandit.replay.data import LoggedData, check_size
from bandit.replay.sparse import FloatArray, GroupedPmf, IntArray


@dataclass(frozen=True)
class RewardModel:
    """r_hat(x, a) for every row: row i reads ``tables[fold[i]][segment_index[i], a]``."""

    tables: FloatArray
    """Shape (folds, n_segments, n_actions): each fold's table, fitted on the other folds."""
    fold: IntArray
    """Shape (n,): the fold of each row."""
    segment_index: IntArray
    """Shape (n,)."""

    def at(self, actions: IntArray) -> FloatArray:
        """Shape (n,): each row's predicted reward for ``actions[i]``."""
        out: FloatArray = self.tables[self.fold, self.segment_index, actions]
        return out

    def expect(self, pi: GroupedPmf) -> FloatArray:
        """Shape (n,): each row's predicted reward under the target ``pi`` (the DM term)."""
        out = np.empty(len(self.fold))
        for f in range(len(self.tables)):
            rows = self.fold == f
            if rows.any():
                out[rows] = pi.expect(self.tables[f])[rows]
        return out

    def take(self, rows: IntArray) -> RewardModel:
        return RewardModel(self.tables, self.fold[rows], self.segment_index[rows])


def _fit(data: LoggedData, rows: IntArray, ridge: float) -> FloatArray:
    n_segments, n_actions = len(data.segment_names), len(data.actions)
    cell = data.segment_index[rows] * n_actions + data.chosen[rows]
    size = n_segments * n_actions
    sums = np.bincount(cell, weights=data.reward[rows], minlength=size)
    counts = np.bincount(cell, minlength=size).astype(np.float64)
    action_sums = np.bincount(data.chosen[rows], weights=data.reward[rows], minlength=n_actions)
    action_counts = np.bincount(data.chosen[rows], minlength=n_actions).astype(np.float64)
    overall = float(data.reward[rows].mean()) if len(rows) else 0.0
    action_mean = (action_sums + ridge * overall) / (action_counts + ridge)
    prior = np.tile(action_mean, n_segments)
    table: FloatArray = ((sums + ridge * prior) / (counts + ridge)).reshape(n_segments, n_actions)
    return table


def cross_fitted_rewards(data: LoggedData, ridge: float = 5.0) -> RewardModel:
    """The cross-fitted reward model: two folds by row parity, each predicted by the other."""
    check_size(2 * len(data.segment_names) * len(data.actions), "the reward model's table")
    rows = np.arange(data.n)
    tables = []
    for fold in (0, 1):
        train = rows[rows % 2 != fold]
        tables.append(_fit(data, train if len(train) else rows, ridge))
    return RewardModel(np.stack(tables), (rows % 2).astype(np.int64), data.segment_index)
