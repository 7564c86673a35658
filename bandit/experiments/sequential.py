"""Anytime-valid comparison of two arms: an asymptotic confidence sequence for the difference
of their mean rewards, built from the decisions as they are joined.

Each joined decision ``i`` contributes one term to the comparison of arm A with control C::

    psi_i =  reward_i / p_i   if it went to A
    psi_i = -reward_i / p_i   if it went to C
    psi_i =  0                otherwise

where ``p_i`` is the probability the assignment gave its arm (logged with the decision). Since
assignment does not depend on what the member would do, every term has expectation
``mean(A) - mean(C)`` whatever the traffic shares, and stays so when shares change (an arm
stopped, its units sent to control). The terms' running mean gets the boundary of Waudby-Smith,
Arnold, Wu and Ramdas, "Time-uniform central limit theory and asymptotic confidence sequences"
(Annals of Statistics, 2024): a Robbins normal mixture applied to the standardised sum, with the
variance estimated as it goes. It holds at all times at once, so a dashboard may read it after
every decision without inflating the chance of a false verdict; the price is an interval about
1.5-2x as wide as a fixed-horizon one at the horizon it is tuned for.

The guarantee is asymptotic (a central limit argument), so a verdict waits for
`MIN_DECISIONS` decisions and `MIN_REWARDED` expected rewards per side;
`benchmarks/bench_experiments.py` measures what that leaves (A/A runs: the share that ever
declares a difference) beside a t-test read as often.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

ALPHA = 0.05
"""Two-sided: the chance that the sequence ever excludes the true difference."""

TUNED_FOR = 10_000
"""The number of decisions at which the sequence is tightest (it is valid at all others)."""

MIN_DECISIONS = 100
"""Joined decisions each side needs before a verdict."""

MIN_REWARDED = 30
"""The reward each side would have earned at the pair's pooled rate (its decisions times
that rate) before a verdict: below that the normal approximation the boundary rests on is
poor (rare rewards make the terms lumpy). At the pooled rate, not each side's own: an arm
that never earns a reward must still be found out."""


def _rho_squared(alpha: float, tuned_for: int) -> float:
    # The mixture's spread that minimises the boundary's width at ``tuned_for`` (the paper's
    # closed-form approximation).
    log_term = -2.0 * math.log(alpha)
    return (log_term + math.log(log_term + 1.0)) / tuned_for


def boundary(
    n: npt.NDArray[np.float64] | npt.NDArray[np.int_] | float,
    variance: npt.NDArray[np.float64] | float,
    *,
    alpha: float = ALPHA,
    tuned_for: int = TUNED_FOR,
) -> npt.NDArray[np.float64]:
    """The half-width of the confidence sequence for a mean of ``n`` terms whose variance is
    estimated as ``variance`` (both may be arrays: one entry per look)."""
    n = np.asarray(n, dtype=float)
    variance = np.maximum(np.asarray(variance, dtype=float), 0.0)
    rho2 = _rho_squared(alpha, tuned_for)
    spread = n * rho2 + 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        width = np.sqrt(variance) * np.sqrt(
            2.0 * spread / (n * n * rho2) * np.log(np.sqrt(spread) / alpha)
        )
    return np.where(n > 0, width, np.inf)


def difference_terms(
    arms: npt.NDArray[np.int_],
    probabilities: npt.NDArray[np.float64],
    rewards: npt.NDArray[np.float64],
    treatment: int,
    control: int,
) -> npt.NDArray[np.float64]:
    """``psi_i`` for each decision, in join order (see the module's docstring)."""
    weighted = rewards / probabilities
    return np.where(arms == treatment, weighted, 0.0) - np.where(arms == control, weighted, 0.0)


@dataclass(frozen=True, slots=True)
class Comparison:
    """The difference of an arm's mean reward to control's, after ``decisions`` decisions."""

    decisions: int
    """Decisions of the experiment counted (every arm's: each is a term, most of them 0)."""
    difference: float
    """Estimated mean(arm) - mean(control), per decision."""
    low: float
    high: float
    """The anytime-valid 95% confidence sequence at this point."""
    ready: bool
    """Each side has `MIN_DECISIONS` joined decisions and `MIN_REWARDED` expected rewards
    at the pooled rate: the sequence may give a verdict."""

    @property
    def verdict(self) -> str:
        """``better`` or ``worse`` once the sequence excludes 0 (and is ready), else ``running``."""
        if self.ready and self.low > 0.0:
            return "better"
        if self.ready and self.high < 0.0:
            return "worse"
        return "running"


def compare(
    arms: npt.NDArray[np.int_],
    probabilities: npt.NDArray[np.float64],
    rewards: npt.NDArray[np.float64],
    treatment: int,
    control: int,
    *,
    alpha: float = ALPHA,
) -> Comparison:
    """The confidence sequence for arm ``treatment`` minus arm ``control`` over all the
    decisions given (arrays of one entry per decision, in join order)."""
    return compare_over_time(arms, probabilities, rewards, treatment, control, alpha=alpha)[-1]


@dataclass(frozen=True, slots=True)
class Looks:
    """The confidence sequence read at several points: arrays of one entry per look."""

    decisions: npt.NDArray[np.int_]
    difference: npt.NDArray[np.float64]
    low: npt.NDArray[np.float64]
    high: npt.NDArray[np.float64]
    ready: npt.NDArray[np.bool_]


def looks(
    arms: npt.NDArray[np.int_],
    probabilities: npt.NDArray[np.float64],
    rewards: npt.NDArray[np.float64],
    treatment: int,
    control: int,
    *,
    alpha: float = ALPHA,
    every: int = 1,
) -> Looks:
    """The confidence sequence after every ``every``-th decision and after the last (the
    decisions given in join order); `compare_over_time` as arrays, for simulations."""
    psi = difference_terms(arms, probabilities, rewards, treatment, control)
    n = len(psi)
    at = np.arange(every, n + 1, every)
    if n and (at.size == 0 or at[-1] != n):
        at = np.append(at, n)
    total = np.cumsum(psi)[at - 1]
    squares = np.cumsum(psi * psi)[at - 1]
    mean = total / np.maximum(at, 1)
    half = boundary(at, squares / np.maximum(at, 1) - mean * mean, alpha=alpha)
    treated = np.cumsum(arms == treatment)[at - 1]
    controlled = np.cumsum(arms == control)[at - 1]
    in_pair = (arms == treatment) | (arms == control)
    pooled = np.cumsum(np.where(in_pair, rewards, 0.0))[at - 1] / np.maximum(
        treated + controlled, 1
    )
    fewer = np.minimum(treated, controlled)
    ready = (fewer >= MIN_DECISIONS) & (fewer * pooled >= MIN_REWARDED)
    return Looks(at, mean, mean - half, mean + half, ready)


def compare_over_time(
    arms: npt.NDArray[np.int_],
    probabilities: npt.NDArray[np.float64],
    rewards: npt.NDArray[np.float64],
    treatment: int,
    control: int,
    *,
    alpha: float = ALPHA,
    every: int = 1,
) -> list[Comparison]:
    """The confidence sequence after every ``every``-th decision (and after the last)."""
    if len(arms) == 0:
        return [Comparison(0, 0.0, -math.inf, math.inf, False)]
    seen = looks(arms, probabilities, rewards, treatment, control, alpha=alpha, every=every)
    return [
        Comparison(int(k), float(m), float(lo), float(hi), bool(r))
        for k, m, lo, hi, r in zip(
            seen.decisions, seen.difference, seen.low, seen.high, seen.ready, strict=True
        )
    ]


def arm_mean_interval(
    rewards: npt.NDArray[np.float64], *, alpha: float = ALPHA
) -> tuple[float, float, float]:
    """An arm's mean reward per decision with its own anytime-valid interval."""
    n = len(rewards)
    if n == 0:
        return 0.0, -math.inf, math.inf
    mean = float(np.mean(rewards))
    half = float(boundary(n, float(np.var(rewards)), alpha=alpha))
    return mean, mean - half, mean + half
