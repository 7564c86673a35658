"""The direct method's reward model: ridge-shrunk means per (segment, action), cross-fitted.

With one-hot (segment, action) cells, ridge regression has a closed form: each cell's mean,
shrunk toward its action's mean with strength ``ridge`` (in pseudo-observations). Cross-fitting
(two folds by row parity) keeps each row's prediction from having seen its own reward, so DR's
correction term stays unbiased.
"""

from __future__ import annotations

import numpy as np

from bandit.replay.data import FloatArray, LoggedData


def _fit(data: LoggedData, rows: np.ndarray, ridge: float) -> FloatArray:
    segments, seg_index = np.unique(data.segment, return_inverse=True)
    n_actions = len(data.actions)
    cell = seg_index[rows] * n_actions + data.chosen[rows]
    size = len(segments) * n_actions
    sums = np.bincount(cell, weights=data.reward[rows], minlength=size)
    counts = np.bincount(cell, minlength=size).astype(np.float64)
    action_sums = np.bincount(data.chosen[rows], weights=data.reward[rows], minlength=n_actions)
    action_counts = np.bincount(data.chosen[rows], minlength=n_actions).astype(np.float64)
    overall = float(data.reward[rows].mean()) if len(rows) else 0.0
    action_mean = (action_sums + ridge * overall) / (action_counts + ridge)
    prior = np.tile(action_mean, len(segments))
    return ((sums + ridge * prior) / (counts + ridge)).reshape(len(segments), n_actions)


def cross_fitted_rewards(data: LoggedData, ridge: float = 5.0) -> FloatArray:
    """r_hat, shape (n, A): each row's predicted reward for every action, from the other fold."""
    _, seg_index = np.unique(data.segment, return_inverse=True)
    rows = np.arange(data.n)
    out = np.empty((data.n, len(data.actions)))
    for fold in (0, 1):
        train, test = rows[rows % 2 != fold], rows[rows % 2 == fold]
        if len(train) == 0:
            train = test
        table = _fit(data, train, ridge)
        out[test] = table[seg_index[test]]
    return out
