"""Off-policy estimators over logged decisions: replay, IPS, SNIPS, DM, DR and clipped variants,
each with the interval its assumptions allow, a bootstrap interval, n and the effective
sample size.

Notation, per logged decision i: p_i the logged propensity, pi_i the target's probability of
the logged action, w_i = pi_i / p_i, r_i the reward, r_hat(x_i, a) the cross-fitted model.

* replay (Li et al. 2011, in expectation): sum(pi_i r_i) / sum(pi_i). Unbiased only when the
  log is uniformly random over each decision's candidates, so it is reported only for such
  logs (checked), with a Wilson interval; otherwise it is omitted and says why.
* IPS: mean(w_i r_i). SNIPS: sum(w_i r_i) / sum(w_i). Normal intervals, whose variance on
  the engine's own log is at least what the whole logged pmf implies (`_pmf_variances`).
* DM: mean(sum_a pi(a|x_i) r_hat(x_i, a)). DR: DM + mean(w_i (r_i - r_hat(x_i, a_i))).
  DR's normal interval is valid because r_hat is cross-fitted; DM's main interval is the
  bootstrap, which refits the reward model on every resample (`bandit.replay.bootstrap`).
* clipped: w_i replaced by min(w_i, clip) in IPS and DR (lower variance, some bias).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from bandit.replay.bootstrap import resample
from bandit.replay.data import LoggedData
from bandit.replay.errors import ReplayError
from bandit.replay.reward_model import RewardModel, cross_fitted_rewards
from bandit.replay.sparse import FloatArray, GroupedPmf

Z95 = 1.959963984540054
#: Target mass on actions the logger gave less than this is "unsupported".
SUPPORT_FLOOR = 1e-3
#: Warn when more than this share of the target's mass is unsupported...
MAX_UNSUPPORTED = 0.05
#: ...or, without the logged pmf, when the effective sample size falls below this share of n.
MIN_ESS_SHARE = 0.05
#: How far logged propensities may stray from 1/|candidates| for a log to count as uniform.
UNIFORM_TOLERANCE = 1e-6

ESTIMATORS = ("replay", "ips", "snips", "dm", "dr", "clipped-ips", "clipped-dr")


@dataclass(frozen=True, slots=True)
class Estimate:
    target: str
    estimator: str
    estimate: float
    """Estimated mean reward (click rate) had the target policy served the logged traffic;
    NaN when the estimator is not valid on this log (``validity`` says why)."""
    ci_low: float
    """The interval the estimator's assumptions allow (see ``interval``), at 1 - ``alpha``."""
    ci_high: float
    boot_low: float
    """Percentile-bootstrap interval at 1 - ``alpha`` (the reward model refitted per resample
    for DM and DR, unless ``validity`` says it was held fixed)."""
    boot_high: float
    n: int
    """Decisions the estimate used (``events_used``)."""
    ess: float
    """Effective sample size, (sum w)^2 / sum w^2 (for replay: sum pi_i)."""
    segment: str | None = None
    warnings: tuple[str, ...] = field(default=())
    alpha: float = 0.05
    interval: str = "normal"
    """Which interval ``ci_low``/``ci_high`` is: normal, wilson or bootstrap."""
    in_sample: bool = False
    """True when the target learned from the events it is scored on (optimistic)."""
    validity: str = ""
    """Why the estimator is omitted, or what its interval assumes; empty when plain."""

    @property
    def events_used(self) -> int:
        return self.n

    def as_dict(self) -> dict[str, object]:
        return {
            "target": self.target,
            "estimator": self.estimator,
            "segment": self.segment,
            "estimate": self.estimate,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "boot_low": self.boot_low,
            "boot_high": self.boot_high,
            "alpha": self.alpha,
            "interval": self.interval,
            "n": self.n,
            "events_used": self.n,
            "ess": self.ess,
            "in_sample": self.in_sample,
            "validity": self.validity,
            "warnings": list(self.warnings),
        }


def z_value(alpha: float) -> float:
    if not 0.0 < alpha < 1.0:
        raise ReplayError(f"alpha must be in (0, 1), got {alpha}")
    return NormalDist().inv_cdf(1.0 - alpha / 2.0)


def wilson(successes: float, trials: float, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval (works with fractional, expected counts)."""
    if trials <= 0:
        return 0.0, 1.0
    z = z_value(alpha)
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def uniform_logging(data: LoggedData) -> bool:
    """Whether every decision was logged uniformly at random over its candidates."""
    if data.logged_pmf is not None:
        pmf = data.logged_pmf
        sizes = np.diff(pmf.indptr)
        if np.any(sizes == 0):
            return False
        spread = np.maximum.reduceat(pmf.probs, pmf.indptr[:-1]) - np.minimum.reduceat(
            pmf.probs, pmf.indptr[:-1]
        )
        same = spread[pmf.of_row] <= UNIFORM_TOLERANCE
        listed_all = sizes[pmf.of_row] == data.candidates.sizes
        return bool(np.all(same & listed_all))
    expected = 1.0 / data.candidates.sizes
    return bool(np.all(np.abs(data.propensity - expected) <= UNIFORM_TOLERANCE * 1e3 * expected))


NOT_UNIFORM = (
    "omitted: the log's propensities are not uniform over each decision's candidates, and"
    " the replay estimator (Li et al. 2011) is unbiased only for a uniformly random logger;"
    " use SNIPS or DR (learning targets get a rejection-sampled replay instead)"
)


def _unsupported_mass(data: LoggedData, pi: GroupedPmf) -> float:
    """The target's mean probability on candidates the logger gave < SUPPORT_FLOOR (or did
    not list at all): one minus its mass where the logger had support."""
    logged = data.logged_pmf
    assert logged is not None
    rows, entries = logged.row_entries()
    supported = logged.probs[entries] >= SUPPORT_FLOOR
    covered = float(pi.probability(rows[supported], logged.actions[entries][supported]).sum())
    return max(0.0, 1.0 - covered / data.n)


def _support_warnings(data: LoggedData, pi: GroupedPmf, w: FloatArray) -> tuple[str, ...]:
    if data.logged_pmf is not None:
        unsupported = _unsupported_mass(data, pi)
        if unsupported > MAX_UNSUPPORTED:
            return (
                f"poor support: the target puts {unsupported:.0%} of its probability on"
                f" artworks the logging policy gave < {SUPPORT_FLOOR:g}; estimates are unreliable",
            )
        return ()
    ess = float(w.sum()) ** 2 / max(float((w * w).sum()), 1e-300)
    if ess < MIN_ESS_SHARE * data.n:
        return (
            f"poor support: effective sample size {ess:.0f} is under {MIN_ESS_SHARE:.0%} of"
            f" n={data.n}; the target rarely agrees with what was logged",
        )
    return ()


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
    weight = target / p
    clipped = np.minimum(weight, clip)

    def per_row(values: FloatArray) -> FloatArray:
        out: FloatArray = np.bincount(rows, weights=values, minlength=data.n).astype(float)
        return out

    mean = per_row(target * r_hat)
    clipped_mean = per_row(p * clipped * r_hat)
    return {
        "ips": per_row(p * weight**2 * r_hat) - mean**2,
        "snips": per_row(p * weight**2 * (r_hat - 2 * snips * r_hat + snips**2))
        - per_row(target * (r_hat - snips)) ** 2,
        "dr": per_row(p * weight**2 * r_hat * (1 - r_hat)),
        "clipped-ips": per_row(p * clipped**2 * r_hat) - clipped_mean**2,
        "clipped-dr": per_row(p * clipped**2 * r_hat * (1 - r_hat)),
    }


def _interval(
    estimate: float, terms: FloatArray, z: float, model_variance: FloatArray | None
) -> tuple[float, float, float]:
    """A normal interval whose variance is the larger of the terms' sample variance and,
    when known, the variance the logged pmf implies (between-row variance included)."""
    n = len(terms)
    if n < 2:
        return estimate, -math.inf, math.inf
    variance = float(terms.var(ddof=1))
    if model_variance is not None:
        variance = max(variance, float(np.maximum(model_variance, 0.0).mean()))
    half = z * math.sqrt(variance / n)
    return estimate, estimate - half, estimate + half


IN_SAMPLE_WARNING = (
    "in-sample: the target learned from these events, so its estimate is optimistic"
    " (it has fitted their rewards' noise)"
)


def evaluate(
    data: LoggedData,
    pi: GroupedPmf,
    target: str,
    *,
    estimators: Sequence[str] = ESTIMATORS,
    alpha: float = 0.05,
    clip: float = 10.0,
    bootstrap: int = 200,
    seed: int = 0,
    r_hat: RewardModel | None = None,
    segment: str | None = None,
    in_sample: bool = False,
    replay_note: str | None = None,
) -> list[Estimate]:
    """The chosen estimators for one target; ``pi`` is its pmf for each decision.

    Args:
        estimators: which of `ESTIMATORS`, in output order.
        alpha: 1 - the intervals' confidence level.
        bootstrap: resamples for the bootstrap intervals (0: none).
        r_hat: the reward model (default: the built-in cross-fitted one).
        in_sample: the target learned from these events; every estimate says so.
        replay_note: why replay is valid here (a rejection-sampled log), overriding the
            uniform-logging check.
    """
    unknown = set(estimators) - set(ESTIMATORS)
    if unknown:
        raise ReplayError(f"unknown estimator(s) {sorted(unknown)}; known: {list(ESTIMATORS)}")
    z = z_value(alpha)
    pi_logged = pi.at(data.chosen)
    w = pi_logged / data.propensity
    w_clipped = np.minimum(w, clip)
    r = data.reward
    model = r_hat if r_hat is not None else cross_fitted_rewards(data)
    r_hat_logged = model.at(data.chosen)
    dm_terms = model.expect(pi)
    columns = {
        "ips": w * r,
        "dm": dm_terms,
        "dr": dm_terms + w * (r - r_hat_logged),
        "clipped-ips": w_clipped * r,
        "clipped-dr": dm_terms + w_clipped * (r - r_hat_logged),
    }
    n = data.n
    ess = float(w.sum()) ** 2 / max(float((w * w).sum()), 1e-300)
    snips = float((w * r).sum() / w.sum()) if w.sum() > 0 else 0.0
    variances = _pmf_variances(data, pi, model, clip, snips)
    results = {}
    for name, terms in columns.items():
        extra = None if variances is None or name == "dm" else variances[name]
        if extra is not None and name in ("dr", "clipped-dr"):
            extra = extra + (dm_terms - dm_terms.mean()) ** 2  # contexts vary too
        results[name] = _interval(float(terms.mean()), terms, z, extra)
    snips_terms = w * (r - snips) / max(float(w.mean()), 1e-300)
    _, lo, hi = _interval(0.0, snips_terms, z, None if variances is None else variances["snips"])
    results["snips"] = (snips, snips + lo, snips + hi)
    pi_total = float(pi_logged.sum())
    replay = float((pi_logged * r).sum()) / pi_total if pi_total > 0 else 0.0
    results["replay"] = (replay, *wilson(float((pi_logged * r).sum()), pi_total, alpha))
    replay_valid = replay_note is not None or uniform_logging(data)

    draws = resample(data, pi, w, w_clipped, model, draws=bootstrap, seed=seed)
    warnings = _support_warnings(data, pi, w) + ((IN_SAMPLE_WARNING,) if in_sample else ())
    out = []
    for name in estimators:
        estimate, low, high = results[name]
        samples = draws.values[name][np.isfinite(draws.values[name])]
        b_low, b_high = (
            (
                float(np.percentile(samples, 50 * alpha)),
                float(np.percentile(samples, 100 - 50 * alpha)),
            )
            if len(samples)
            else (math.nan, math.nan)
        )
        interval, validity = "normal", ""
        if name == "replay":
            interval = "wilson"
            if not replay_valid:
                estimate = low = high = b_low = b_high = math.nan
                validity = NOT_UNIFORM
            elif replay_note:
                validity = replay_note
        if name == "dm" and len(samples):
            interval, low, high = "bootstrap", b_low, b_high
        if name in ("dm", "dr", "clipped-dr") and not draws.model_refitted:
            validity = "bootstrap with the reward model held fixed (not refitted per resample)"
        out.append(
            Estimate(
                target=target,
                estimator=name,
                estimate=estimate,
                ci_low=low,
                ci_high=high,
                boot_low=b_low,
                boot_high=b_high,
                n=n,
                ess=pi_total if name == "replay" else ess,
                segment=segment,
                warnings=warnings,
                alpha=alpha,
                interval=interval,
                in_sample=in_sample,
                validity=validity,
            )
        )
    return out


def cumulative_ips(data: LoggedData, pi: GroupedPmf) -> tuple[FloatArray, FloatArray]:
    """(x, SNIPS so far) in log order, for the 'estimate over time' plot."""
    rows = np.arange(data.n)
    w = pi.at(data.chosen) / data.propensity
    cumulative: FloatArray = np.cumsum(w * data.reward) / np.maximum(np.cumsum(w), 1e-300)
    return (rows + 1.0).astype(np.float64), cumulative
