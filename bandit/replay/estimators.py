"""Off-policy estimators over logged decisions: replay, IPS, SNIPS, DM, DR and clipped variants,
each with the interval its assumptions allow, a bootstrap interval, n and the effective
sample size. One small class per estimator, one interface (`Estimator`), one registry line to
add another (`ESTIMATOR_CLASSES`); `evaluate` gathers the shared `Evidence` once per target
and asks each.

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
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np

from bandit.replay.data import LoggedData
from bandit.replay.errors import ReplayError
from bandit.replay.evidence import Evidence
from bandit.replay.intervals import normal_interval, wilson
from bandit.replay.reward_model import RewardModel
from bandit.replay.sparse import FloatArray, GroupedPmf
from bandit.replay.support import NOT_UNIFORM, support_warnings, uniform_logging


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


IN_SAMPLE_WARNING = (
    "in-sample: the target learned from these events, so its estimate is optimistic"
    " (it has fitted their rewards' noise)"
)


HELD_FIXED = "bootstrap with the reward model held fixed (not refitted per resample)"

Interval = tuple[float, float, float]
"""(estimate, low, high)."""


class Estimator(ABC):
    """One off-policy estimator. Subclasses set `name` and implement `estimate_interval`;
    the hooks below have defaults."""

    name: ClassVar[str]
    interval: ClassVar[str] = "normal"
    """Which interval `estimate_interval` gives: normal, wilson or bootstrap."""
    uses_reward_model: ClassVar[bool] = False

    @abstractmethod
    def estimate_interval(self, ev: Evidence) -> Interval:
        """The estimate and the interval its assumptions allow, at 1 - ``ev.alpha``."""

    def effective_size(self, ev: Evidence) -> float:
        return ev.ess

    def validity(self, ev: Evidence) -> str:
        """Why the estimator is omitted, or what its interval assumes; empty when plain."""
        return HELD_FIXED if self.uses_reward_model and not ev.draws.model_refitted else ""

    def estimate(
        self, ev: Evidence, target: str, *, segment: str | None, warnings: tuple[str, ...]
    ) -> Estimate:
        value, low, high = self.estimate_interval(ev)
        b_low, b_high = ev.bootstrap_interval(self.name)
        validity = self.validity(ev)
        if validity == NOT_UNIFORM:
            value = low = high = b_low = b_high = math.nan
        return Estimate(
            target=target,
            estimator=self.name,
            estimate=value,
            ci_low=low,
            ci_high=high,
            boot_low=b_low,
            boot_high=b_high,
            n=ev.data.n,
            ess=self.effective_size(ev),
            segment=segment,
            warnings=warnings,
            alpha=ev.alpha,
            interval=self.interval,
            validity=validity,
        )


def _mean_interval(ev: Evidence, terms: FloatArray, variance: FloatArray | None) -> Interval:
    return normal_interval(float(terms.mean()), terms, ev.z, variance)


def _pmf_variance(ev: Evidence, name: str) -> FloatArray | None:
    return None if ev.variances is None else ev.variances[name]


class Replay(Estimator):
    """sum(pi_i r_i) / sum(pi_i) (Li et al. 2011, in expectation), with a Wilson interval.
    Unbiased only for a uniformly random logger, so it is omitted for other logs."""

    name = "replay"
    interval = "wilson"

    def estimate_interval(self, ev: Evidence) -> Interval:
        total = float(ev.pi_logged.sum())
        hits = float((ev.pi_logged * ev.data.reward).sum())
        return (hits / total if total > 0 else 0.0, *wilson(hits, total, ev.alpha))

    def effective_size(self, ev: Evidence) -> float:
        return float(ev.pi_logged.sum())

    def validity(self, ev: Evidence) -> str:
        if ev.replay_note is not None:
            return ev.replay_note
        return "" if uniform_logging(ev.data) else NOT_UNIFORM


class IPS(Estimator):
    """mean(w_i r_i)."""

    name = "ips"

    def weights(self, ev: Evidence) -> FloatArray:
        return ev.w

    def estimate_interval(self, ev: Evidence) -> Interval:
        terms = self.weights(ev) * ev.data.reward
        return _mean_interval(ev, terms, _pmf_variance(ev, self.name))


class SNIPS(Estimator):
    """sum(w_i r_i) / sum(w_i), with the delta-method interval."""

    name = "snips"

    def estimate_interval(self, ev: Evidence) -> Interval:
        terms = ev.w * (ev.data.reward - ev.snips) / max(float(ev.w.mean()), 1e-300)
        _, low, high = normal_interval(0.0, terms, ev.z, _pmf_variance(ev, self.name))
        return ev.snips, ev.snips + low, ev.snips + high


class DM(Estimator):
    """mean(sum_a pi(a|x_i) r_hat(x_i, a)); its interval is the bootstrap, which refits the
    reward model on every resample."""

    name = "dm"
    interval = "bootstrap"
    uses_reward_model = True

    def estimate_interval(self, ev: Evidence) -> Interval:
        low, high = ev.bootstrap_interval(self.name)
        if math.isnan(low):  # no resamples: the plain normal interval
            return _mean_interval(ev, ev.dm_terms, None)
        return float(ev.dm_terms.mean()), low, high

    def estimate(
        self, ev: Evidence, target: str, *, segment: str | None, warnings: tuple[str, ...]
    ) -> Estimate:
        found = super().estimate(ev, target, segment=segment, warnings=warnings)
        return found if not math.isnan(found.boot_low) else replace(found, interval="normal")


class DR(Estimator):
    """DM + mean(w_i (r_i - r_hat(x_i, a_i))); normal interval, valid as r_hat is
    cross-fitted."""

    name = "dr"
    uses_reward_model = True

    def weights(self, ev: Evidence) -> FloatArray:
        return ev.w

    def estimate_interval(self, ev: Evidence) -> Interval:
        terms = ev.dm_terms + self.weights(ev) * (ev.data.reward - ev.r_hat_logged)
        variance = _pmf_variance(ev, self.name)
        if variance is not None:
            variance = variance + (ev.dm_terms - ev.dm_terms.mean()) ** 2  # contexts vary too
        return _mean_interval(ev, terms, variance)


class ClippedIPS(IPS):
    """IPS with w_i replaced by min(w_i, clip): lower variance, some bias."""

    name = "clipped-ips"

    def weights(self, ev: Evidence) -> FloatArray:
        return ev.w_clipped


class ClippedDR(DR):
    """DR with w_i replaced by min(w_i, clip)."""

    name = "clipped-dr"

    def weights(self, ev: Evidence) -> FloatArray:
        return ev.w_clipped


ESTIMATOR_CLASSES: dict[str, type[Estimator]] = {
    cls.name: cls for cls in (Replay, IPS, SNIPS, DM, DR, ClippedIPS, ClippedDR)
}
"""The registry: a new estimator is a class above and a line here."""

ESTIMATORS = tuple(ESTIMATOR_CLASSES)


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
    unknown = set(estimators) - set(ESTIMATOR_CLASSES)
    if unknown:
        known = list(ESTIMATOR_CLASSES)
        raise ReplayError(f"unknown estimator(s) {sorted(unknown)}; known: {known}")
    # A propensity of 1e-160 gives weights whose squares overflow: the intervals are then
    # infinite, which is what such a log supports; numpy's warnings would only repeat it.
    with np.errstate(over="ignore", invalid="ignore"):
        ev = Evidence.gather(
            data,
            pi,
            alpha=alpha,
            clip=clip,
            bootstrap=bootstrap,
            seed=seed,
            r_hat=r_hat,
            replay_note=replay_note,
        )
        warnings = support_warnings(data, pi, ev.w) + ((IN_SAMPLE_WARNING,) if in_sample else ())
        found = [
            ESTIMATOR_CLASSES[name]().estimate(ev, target, segment=segment, warnings=warnings)
            for name in estimators
        ]
    return [replace(e, in_sample=True) for e in found] if in_sample else found


def cumulative_ips(data: LoggedData, pi: GroupedPmf) -> tuple[FloatArray, FloatArray]:
    """(x, SNIPS so far) in log order, for the 'estimate over time' plot."""
    rows = np.arange(data.n)
    w = pi.at(data.chosen) / data.propensity
    cumulative: FloatArray = np.cumsum(w * data.reward) / np.maximum(np.cumsum(w), 1e-300)
    return (rows + 1.0).astype(np.float64), cumulative
