"""Synthetic logs whose true policy values are known in closed form."""

from __future__ import annotations

import numpy as np

from bandit.replay import CandidateSets, GroupedPmf, LoggedData

ACTIONS = ("a0", "a1", "a2", "a3")
SEGMENTS = ("s0", "s1")
#: True click probability per (segment, action).
CLICK = np.array([[0.02, 0.05, 0.10, 0.04], [0.08, 0.03, 0.02, 0.12]])
#: The logging policy: stochastic, known, different per segment.
LOGGING = np.array([[0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]])


def true_value(target: np.ndarray) -> float:
    """Expected click rate of ``target`` (segments x actions), segments equally likely."""
    return float((target * CLICK).sum(axis=1).mean())


def make_log(n: int, seed: int) -> LoggedData:
    rng = np.random.default_rng(seed)
    seg = rng.integers(len(SEGMENTS), size=n)
    u = rng.random(n)
    chosen = (u[:, None] > np.cumsum(LOGGING[seg], axis=1)).sum(axis=1)
    reward = (rng.random(n) < CLICK[seg, chosen]).astype(np.float64)
    return LoggedData(
        actions=ACTIONS,
        chosen=chosen.astype(np.int64),
        propensity=LOGGING[seg, chosen],
        reward=reward,
        segment=np.array(SEGMENTS)[seg],
        candidates=CandidateSets.everything(n, len(ACTIONS)),
        event_id=[f"e{i}" for i in range(n)],
        logged_pmf=GroupedPmf.from_dense(LOGGING[seg], seg),
    )


def target_matrix(data: LoggedData, target: np.ndarray) -> GroupedPmf:
    """The target's pmf per row, from a (segments x actions) table."""
    index = np.searchsorted(np.array(SEGMENTS), data.segment)
    return GroupedPmf.from_dense(target[index], data.segment_index)
