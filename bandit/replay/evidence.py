"""What every estimator of one target reads, gathered once: the importance weights, the
reward model and its predictions, the variances the logged pmf implies, and the bootstrap
resamples (`bandit.replay.bootstrap` computes every estimator's at once, for the cost of one
matrix product).

Notation, per logged decision i: p_i the logged propensity, pi_i the target's probability of
the logged action, w_i = pi_i / p_i, r_i the reward, r_hat(x_i, a) the cross-fitted model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bandit.replay.bootstrap import Resamples, resample
from bandit.replay.data import LoggedData
from bandit.replay.intervals import effective_size, z_value
from bandit.replay.reward_model import RewardModel, cross_fitted_rewards
from bandit.replay.sparse import FloatArray, GroupedPmf, IntArray


@dataclass(frozen=True)
class Evidence:
    """One target on one log, as the estimators see it."""

    data: LoggedData
    pi: GroupedPmf
    """The target's pmf for each decision."""
    alpha: float
    z: float
    """The normal quantile of 1 - ``alpha`` / 2."""
    clip: float
    pi_logged: FloatArray
    """pi_i: the target's probability of each logged action, shape (n,)."""
    w: FloatArray
    """w_i = pi_i / p_i, shape (n,)."""
    w_clipped: FloatArray
    """min(w_i, clip), shape (n,)."""
    model: RewardModel
    r_hat_logged: FloatArray
    """r_hat(x_i, a_i), shape (n,)."""
    dm_terms: FloatArray
    """sum_a pi(a | x_i) r_hat(x_i, a), shape (n,)."""
    snips: float
    ess: float
    """(sum w)^2 / sum w^2."""
    variances: dict[str, FloatArray] | None
    """Per row, each weighted estimator's variance from the whole logged pmf; None without
    the logged pmf (a CSV log)."""
    draws: Resamples
    replay_note: str | None
    """Why replay is valid here (a rejection-sampled log), overriding the uniform check."""

    @classmethod
    def gather(
        cls,
        data: LoggedData,
        pi: GroupedPmf,
        *,
        alpha: float = 0.05,
        clip: float = 10.0,
        bootstrap: int = 200,
        seed: int = 0,
        r_hat: RewardModel | None = None,
        replay_note: str | None = None,
    ) -> Evidence:
        z = z_value(alpha)
        pi_logged = pi.at(data.chosen)
        w = pi_logged / data.propensity
        w_clipped = np.minimum(w, clip)
        model = r_hat if r_hat is not None else cross_fitted_rewards(data)
        snips = float((w * data.reward).sum() / w.sum()) if w.sum() > 0 else 0.0
        return cls(
            data=data,
            pi=pi,
            alpha=alpha,
            z=z,
            clip=clip,
            pi_logged=pi_logged,
            w=w,
            w_clipped=w_clipped,
            model=model,
            r_hat_logged=model.at(data.chosen),
            dm_terms=model.expect(pi),
            snips=snips,
            ess=effective_size(w),
            variances=_pmf_variances(data, pi, model, clip, snips),
            draws=resample(data, pi, w, w_clipped, model, draws=bootstrap, seed=seed),
            replay_note=replay_note,
        )

    def bootstrap_interval(self, name: str) -> tuple[float, float]:
        """The percentile interval of ``name``'s resamples; NaN without any."""
        values = self.draws.values.get(name)
        samples = values[np.isfinite(values)] if values is not None else np.empty(0)
        if not len(samples):
            return math.nan, math.nan
        return (
            float(np.percentile(samples, 50 * self.alpha)),
            float(np.percentile(samples, 100 - 50 * self.alpha)),
        )


def _pmf_variances(
    data: LoggedData, pi: GroupedPmf, model: RewardModel, clip: float, snips: float
) -> dict[str, FloatArray] | None:
    """Per row, each estimator's variance over the logged action, from the whole logged pmf
    and the reward model (rewards in [0, 1], so E[r^2 | a] <= r_hat(a)). The sample alone
    misses the rare, large weights a target can put on artworks the logger seldom showed;
    the logged pmf does not. None without the logged pmf (a CSV log)."""
    logged = data.logged_pmf
    if logged is None:
        return None
    actions, probs = logged.entries()
    p = np.maximum(probs, 1e-12)
    target = pi.probability_on(logged, actions)
    tables = model.tables
    # r_hat[fold, segment, action] as one gather: each row's offset into the flat table,
    # plus the entries' actions.
    offset = (model.fold * tables.shape[1] + model.segment_index) * tables.shape[2]
    width = logged.row_width
    if width:  # a (rows, width) grid: no per-entry row index to build and gather with
        r_hat = tables.ravel()[offset[:, None] + actions.reshape(data.n, width)].ravel()
    else:
        rows, _ = logged.row_entries()
        r_hat = tables.ravel()[offset[rows] + actions]
    sums = _RowSums(data.n, *logged.row_runs(), width)
    # p * w^2 = target^2 / p. Each estimator's variance is made of a few sums per row; each
    # is taken once, and the estimators combine them.
    # Fresh 8M-entry arrays cost page faults as well as arithmetic: temporaries are reused.
    ratio = target / p
    weighted = target * ratio
    spread = np.subtract(1.0, r_hat)
    np.multiply(spread, r_hat, out=spread)
    sum_target, mean = sums.total(target), sums.dot(target, r_hat)
    sum_weighted, sum_weighted_r = sums.total(weighted), sums.dot(weighted, r_hat)
    dr = sums.dot(weighted, spread)
    variances = {
        "ips": sum_weighted_r - mean**2,
        "snips": (1.0 - 2.0 * snips) * sum_weighted_r
        + snips * snips * sum_weighted
        - (mean - snips * sum_target) ** 2,
        "dr": dr,
        "clipped-ips": sum_weighted_r - mean**2,
        "clipped-dr": dr,
    }
    if len(ratio) and ratio.max() > clip:  # some weights are clipped: those two differ
        clipped = np.minimum(ratio, clip, out=ratio)
        terms = np.multiply(p, clipped, out=p)  # p * clipped
        clipped_mean = sums.dot(terms, r_hat)
        clipped_weighted = np.multiply(terms, clipped, out=terms)  # p * clipped^2
        variances["clipped-ips"] = sums.dot(clipped_weighted, r_hat) - clipped_mean**2
        variances["clipped-dr"] = sums.dot(clipped_weighted, spread)
    return variances


class _RowSums:
    """Sums of per-entry terms by row, rows in ascending order, each row's terms one run.
    When every row has the same number of entries (the same candidate set size, the usual
    case) the entries are a (rows, width) matrix and a row's sum is a product with it, with
    no temporary array; otherwise ``reduceat`` over the runs (several times faster than a
    bincount each)."""

    def __init__(self, n: int, starts: IntArray, owners: IntArray, width: int) -> None:
        self.n, self.starts, self.owners, self.width = n, starts, owners, width

    def total(self, values: FloatArray) -> FloatArray:
        if self.width:
            summed: FloatArray = values.reshape(self.n, self.width) @ np.ones(self.width)
            return summed
        out: FloatArray = np.zeros(self.n)
        if len(self.starts):
            out[self.owners] = np.add.reduceat(values, self.starts)
        return out

    def dot(self, a: FloatArray, b: FloatArray) -> FloatArray:
        """Per row, the sum of ``a * b``."""
        if self.width:
            shape = (self.n, self.width)
            product: FloatArray = np.einsum("ij,ij->i", a.reshape(shape), b.reshape(shape))
            return product
        return self.total(a * b)
