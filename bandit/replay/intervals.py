"""Confidence intervals the estimators share: normal (with a variance floor from the logged
pmf), Wilson for a proportion, and the z value of a confidence level."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from bandit.replay.errors import ReplayError
from bandit.replay.sparse import FloatArray

Z95 = 1.959963984540054


def effective_size(w: FloatArray) -> float:
    """Kish's effective sample size, (sum w)^2 / sum w^2, computed on w / max(w) so that a
    weight of 1e160 (a propensity of 1e-160) cannot overflow it; 0 for no positive weight."""
    top = float(np.max(w)) if len(w) else 0.0
    if not top > 0.0 or not math.isfinite(top):
        return 0.0 if not top > 0.0 else 1.0  # one infinite weight is all the evidence
    scaled = w / top
    return float(scaled.sum()) ** 2 / float((scaled * scaled).sum())


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


def normal_interval(
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
