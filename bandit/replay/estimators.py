"""Off-policy estimators over logged decisions: replay, IPS, SNIPS, DM, DR and clipped variants,
each with a 95% interval (normal or Wilson, and a bootstrap), n and the effective sample size.

Notation, per logged decision i: p_i the logged propensity, pi_i the target's probability of
the logged action, w_i = pi_i / p_i, r_i the reward, r_hat(x_i, a) the cross-fitted model.

* replay (Li et al. 2011, in expectation): sum(pi_i r_i) / sum(pi_i). Unbiased when the log
  is uniformly random; the rejection-sampling replay keeps each event with probability pi_i.
* IPS: mean(w_i r_i). SNIPS: sum(w_i r_i) / sum(w_i).
* DM: mean(sum_a pi(a|x_i) r_hat(x_i, a)). DR: DM + mean(w_i (r_i - r_hat(x_i, a_i))).
* clipped: w_i replaced by min(w_i, clip) in IPS and DR (lower variance, some bias).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bandit.replay.data import LoggedData
from bandit.replay.reward_model import RewardModel, cross_fitted_rewards
from bandit.replay.sparse import FloatArray, GroupedPmf

Z95 = 1.959963984540054
#: Target mass on actions the logger gave less than this is "unsupported".
SUPPORT_FLOOR = 1e-3
#: Warn when more than this share of the target's mass is unsupported...
MAX_UNSUPPORTED = 0.05
#: ...or, without the logged pmf, when the effective sample size falls below this share of n.
MIN_ESS_SHARE = 0.05

#: Above this many rows the bootstrap resamples blocks of rows instead of rows.
MAX_BOOTSTRAP_UNITS = 20_000

ESTIMATORS = ("replay", "ips", "snips", "dm", "dr", "clipped-ips", "clipped-dr")


@dataclass(frozen=True, slots=True)
class Estimate:
    target: str
    estimator: str
    estimate: float
    """Estimated mean reward (click rate) had the target policy served the logged traffic."""
    ci_low: float
    """95% interval: normal (Wilson for replay)."""
    ci_high: float
    boot_low: float
    """95% percentile-bootstrap interval."""
    boot_high: float
    n: int
    ess: float
    """Effective sample size, (sum w)^2 / sum w^2 (for replay: sum pi_i)."""
    segment: str | None = None
    warnings: tuple[str, ...] = field(default=())

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
            "n": self.n,
            "ess": self.ess,
            "warnings": list(self.warnings),
        }


def wilson(successes: float, trials: float) -> tuple[float, float]:
    """Wilson score interval at 95% (works with fractional, expected counts)."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = Z95 * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def _normal(terms: FloatArray) -> tuple[float, float, float]:
    mean = float(terms.mean())
    half = Z95 * float(terms.std(ddof=1)) / math.sqrt(len(terms)) if len(terms) > 1 else math.inf
    return mean, mean - half, mean + half


def _unsupported_mass(data: LoggedData, pi: GroupedPmf) -> float:
    """The target's mean probability on candidates the logger gave < SUPPORT_FLOOR (or did
    not list at all): one minus its mass where the logger had support."""
    logged = data.logged_pmf
    assert logged is not None
    sizes = np.diff(logged.indptr)[logged.of_row]
    starts = np.repeat(logged.indptr[logged.of_row], sizes)
    offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    entries = starts + offsets
    supported = logged.probs[entries] >= SUPPORT_FLOOR
    rows = np.repeat(np.arange(data.n), sizes)[supported]
    covered = float(pi.probability(rows, logged.actions[entries][supported]).sum())
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


def evaluate(
    data: LoggedData,
    pi: GroupedPmf,
    target: str,
    *,
    clip: float = 10.0,
    bootstrap: int = 200,
    seed: int = 0,
    r_hat: RewardModel | None = None,
    segment: str | None = None,
) -> list[Estimate]:
    """Every estimator for one target; ``pi`` is the target's pmf for each decision."""
    pi_logged = pi.at(data.chosen)
    w = pi_logged / data.propensity
    w_clipped = np.minimum(w, clip)
    r = data.reward
    if r_hat is None:
        r_hat = cross_fitted_rewards(data)
    r_hat_logged = r_hat.at(data.chosen)
    dm_terms = r_hat.expect(pi)
    columns = {
        "ips": w * r,
        "w": w,
        "dm": dm_terms,
        "dr": dm_terms + w * (r - r_hat_logged),
        "pi_r": pi_logged * r,
        "pi": pi_logged,
        "clipped-ips": w_clipped * r,
        "clipped-dr": dm_terms + w_clipped * (r - r_hat_logged),
    }
    n = data.n
    ess = float(w.sum()) ** 2 / max(float((w * w).sum()), 1e-300)
    results: dict[str, tuple[float, float, float]] = {}
    for name in ("ips", "dm", "dr", "clipped-ips", "clipped-dr"):
        results[name] = _normal(columns[name])
    snips = float(columns["ips"].sum() / columns["w"].sum()) if w.sum() > 0 else 0.0
    snips_terms = w * (r - snips) / max(float(w.mean()), 1e-300)
    _, lo, hi = _normal(snips_terms)
    results["snips"] = (snips, snips + lo, snips + hi)
    pi_total = float(columns["pi"].sum())
    replay = float(columns["pi_r"].sum()) / pi_total if pi_total > 0 else 0.0
    results["replay"] = (replay, *wilson(float(columns["pi_r"].sum()), pi_total))

    # Poisson bootstrap: one resample weight per row, shared by every estimator, so a million
    # rows need B draws of n counts rather than B index arrays. Past MAX_BOOTSTRAP_UNITS rows,
    # contiguous blocks of rows are the resampled units (their sums are i.i.d. like the rows,
    # and a block bootstrap also respects any drift along the log): 50x less work at 1M rows.
    matrix = np.column_stack([columns[k] for k in columns] + [np.ones(n)])
    keys = [*columns, "one"]
    if n > MAX_BOOTSTRAP_UNITS:
        starts = np.linspace(0, n, MAX_BOOTSTRAP_UNITS, endpoint=False).astype(np.int64)
        matrix = np.add.reduceat(matrix, starts, axis=0)
    rng = np.random.default_rng(seed)
    draws = np.empty((max(bootstrap, 0), len(keys)))
    for b in range(max(bootstrap, 0)):
        draws[b] = rng.poisson(1.0, len(matrix)).astype(np.float64) @ matrix
    d = {k: draws[:, i] for i, k in enumerate(keys)}
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = {
            "ips": d["ips"] / d["one"],
            "snips": d["ips"] / d["w"],
            "dm": d["dm"] / d["one"],
            "dr": d["dr"] / d["one"],
            "replay": d["pi_r"] / d["pi"],
            "clipped-ips": d["clipped-ips"] / d["one"],
            "clipped-dr": d["clipped-dr"] / d["one"],
        }
    warnings = _support_warnings(data, pi, w)
    out = []
    for name in ESTIMATORS:
        estimate, low, high = results[name]
        samples = boot[name][np.isfinite(boot[name])]
        b_low, b_high = (
            (float(np.percentile(samples, 2.5)), float(np.percentile(samples, 97.5)))
            if len(samples)
            else (math.nan, math.nan)
        )
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
            )
        )
    return out


def cumulative_ips(data: LoggedData, pi: GroupedPmf) -> tuple[FloatArray, FloatArray]:
    """(x, SNIPS so far) in log order, for the 'estimate over time' plot."""
    rows = np.arange(data.n)
    w = pi.at(data.chosen) / data.propensity
    cumulative: FloatArray = np.cumsum(w * data.reward) / np.maximum(np.cumsum(w), 1e-300)
    return (rows + 1.0).astype(np.float64), cumulative
