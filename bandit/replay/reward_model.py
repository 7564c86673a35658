"""The direct method's reward model: ridge-shrunk means per (segment, action), cross-fitted.

With one-hot (segment, action) cells, ridge regression has a closed form: each cell's mean,
shrunk toward its action's mean with strength ``ridge`` (in pseudo-observations). Cross-fitting
(two folds by row parity) keeps each row's prediction from having seen its own reward, so DR's
correction term stays unbiased. The model is a function of per-cell sums, so the bootstrap can
refit it on every resample at the cost of a few sums (`bandit.replay.bootstrap`).

Any other model with ``fit(X, y)`` / ``predict(X)`` (scikit-learn's, say) can stand in:
`fit_external` cross-fits it on one-hot segment and action columns plus the action's features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bandit.replay.data import LoggedData, check_size
from bandit.replay.sparse import FloatArray, GroupedPmf, IntArray

FOLDS = 2
DEFAULT_RIDGE = 5.0


class Regressor(Protocol):
    """What a pluggable reward model needs: scikit-learn's estimator interface."""

    def fit(self, X: Any, y: Any) -> Any: ...
    def predict(self, X: Any) -> Any: ...


@dataclass(frozen=True)
class RewardModel:
    """r_hat(x, a) for every row: row i reads ``tables[fold[i]][segment_index[i], a]``."""

    tables: FloatArray
    """Shape (folds, n_segments, n_actions): each fold's table, fitted on the other fold."""
    fold: IntArray
    """Shape (n,): the fold of each row."""
    segment_index: IntArray
    """Shape (n,)."""
    refittable: bool = True
    """Whether the bootstrap can refit it per resample (the built-in model); an external
    model is held fixed there, and the report says so."""

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
        return RewardModel(self.tables, self.fold[rows], self.segment_index[rows], self.refittable)


def folds(n: int) -> IntArray:
    """The fold of each row: by parity, so neighbours in time fall in different folds."""
    out: IntArray = (np.arange(n) % FOLDS).astype(np.int64)
    return out


def shrunk_tables(counts: FloatArray, sums: FloatArray, ridge: float) -> FloatArray:
    """Tables from per-fold cell statistics, both of shape (folds, S, A): fold f's table is
    fitted on the other fold (or on its own, when the other is empty)."""
    tables = np.empty_like(sums)
    for f in range(FOLDS):
        other = 1 - f
        n, r = (counts[other], sums[other]) if counts[other].sum() > 0 else (counts[f], sums[f])
        total = n.sum()
        overall = r.sum() / total if total > 0 else 0.0
        action_mean = (r.sum(axis=0) + ridge * overall) / (n.sum(axis=0) + ridge)
        tables[f] = (r + ridge * action_mean[None, :]) / (n + ridge)
    return tables


def cell_statistics(
    data: LoggedData, weights: FloatArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """(counts, reward sums), each (folds, S, A), with optional per-row weights."""
    shape = (FOLDS, len(data.segment_names), len(data.actions))
    cell = np.ravel_multi_index((folds(data.n), data.segment_index, data.chosen), shape)
    w = np.ones(data.n) if weights is None else weights
    size = int(np.prod(shape))
    counts: FloatArray = np.bincount(cell, weights=w, minlength=size).astype(np.float64)
    sums: FloatArray = np.bincount(cell, weights=w * data.reward, minlength=size).astype(np.float64)
    return counts.reshape(shape), sums.reshape(shape)


def cross_fitted_rewards(data: LoggedData, ridge: float = DEFAULT_RIDGE) -> RewardModel:
    """The built-in cross-fitted model: two folds by row parity, each predicted by the other."""
    check_size(FOLDS * len(data.segment_names) * len(data.actions), "the reward model's table")
    counts, sums = cell_statistics(data)
    return RewardModel(shrunk_tables(counts, sums, ridge), folds(data.n), data.segment_index)


def _design(data: LoggedData, segments: IntArray, actions: IntArray) -> FloatArray:
    """One-hot segment and action columns, then the action's numeric features."""
    names = sorted({k for f in data.action_features.values() for k in f})
    X = np.zeros((len(actions), len(data.segment_names) + len(data.actions) + len(names)))
    rows = np.arange(len(actions))
    X[rows, segments] = 1.0
    X[rows, len(data.segment_names) + actions] = 1.0
    base = len(data.segment_names) + len(data.actions)
    for j, name in enumerate(names):
        values = np.array([data.action_features.get(a, {}).get(name, 0.0) for a in data.actions])
        X[:, base + j] = values[actions]
    return X


def fit_external(data: LoggedData, model: Regressor) -> RewardModel:
    """Cross-fit ``model`` (``fit(X, y)`` / ``predict(X)``): for each fold, fit on the other
    fold's logged (segment, action, reward) rows and predict every (segment, action) cell."""
    check_size(FOLDS * len(data.segment_names) * len(data.actions), "the reward model's table")
    fold = folds(data.n)
    S, A = len(data.segment_names), len(data.actions)
    grid_s, grid_a = np.divmod(np.arange(S * A), A)
    grid = _design(data, grid_s, grid_a)
    tables = np.empty((FOLDS, S, A))
    for f in range(FOLDS):
        train = np.flatnonzero(fold != f) if (fold != f).any() else np.arange(data.n)
        X = _design(data, data.segment_index[train], data.chosen[train])
        model.fit(X, data.reward[train])
        tables[f] = np.clip(np.asarray(model.predict(grid), dtype=np.float64), 0, 1).reshape(S, A)
    return RewardModel(tables, fold, data.segment_index, refittable=False)
