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
from bandit.replay.sparse import FloatArray, GroupedPmf


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
    rows, entries = logged.row_entries()
    actions = logged.actions[entries]
    p = np.maximum(logged.probs[entries], 1e-12)
    target = pi.probability(rows, actions)
    r_hat = model.tables[model.fold[rows], model.segment_index[rows], actions]
    # p * w^2 = target^2 / p. Rows come in ascending order, so a row's terms are one run:
    # summed by reduceat over the runs (several times faster than a bincount each).
    starts = np.flatnonzero(np.diff(rows, prepend=-1))
    owners = rows[starts]

    def per_row(values: FloatArray) -> FloatArray:
        out: FloatArray = np.zeros(data.n)
        if len(starts):
            out[owners] = np.add.reduceat(values, starts)
        return out

    clipped = np.minimum(target / p, clip)
    weighted = target * target / p
    clipped_weighted = p * clipped * clipped
    spread = r_hat * (1.0 - r_hat)
    mean = per_row(target * r_hat)
    clipped_mean = per_row(p * clipped * r_hat)
    return {
        "ips": per_row(weighted * r_hat) - mean**2,
        "snips": per_row(weighted * (r_hat - 2.0 * snips * r_hat + snips * snips))
        - per_row(target * (r_hat - snips)) ** 2,
        "dr": per_row(weighted * spread),
        "clipped-ips": per_row(clipped_weighted * r_hat) - clipped_mean**2,
        "clipped-dr": per_row(clipped_weighted * spread),
    }
