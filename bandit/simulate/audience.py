"""A simulated audience: segments with hidden tastes, a logistic click model, and the oracle
that knows those tastes. Reproducible from a seed.

A segment's taste has three parts, any of which may be empty: weights over the artworks'
visual features, a liking for particular artworks (by id), and a liking per device. A `Turn`
makes one segment's taste reverse partway through a run.

>>> audience = Audience(seed=7)
>>> user = audience.user()
>>> 0.0 < audience.click_probability(user, {"brightness": 0.9, "warmth": 0.8}) < 1.0
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bandit.context import Context
from bandit.records import Arm

COUNTRIES = ("NZ", "BR", "JP", "DE", "US")
DEVICES = ("tv", "phone", "web")


@dataclass(frozen=True, slots=True)
class Taste:
    """A segment's hidden preference, as logit changes.

    Args:
        segment: the segment's name.
        weights: per visual feature, the logit change from its middle (0.5) to its top (1.0).
        artworks: a logit offset per artwork id, whatever its features.
        devices: per device, a logit offset per artwork id (the best artwork differs by device).
        share: how often this segment arrives, relative to the others.
    """

    segment: str
    weights: Mapping[str, float]
    artworks: Mapping[int, float] = field(default_factory=dict)
    devices: Mapping[str, Mapping[int, float]] = field(default_factory=dict)
    share: float = 1.0


@dataclass(frozen=True, slots=True)
class Turn:
    """From impression ``start``, ``segment``'s taste turns into its opposite, linearly over
    ``length`` impressions (1: at once)."""

    segment: str
    start: int
    length: int = 1

    def fraction(self, impressions: int) -> float:
        return min(1.0, max(0.0, (impressions - self.start) / max(1, self.length)))


#: Faces vs scenery, bright vs dark, warm vs cool, close-up vs wide.
DEFAULT_TASTES: tuple[Taste, ...] = (
    Taste("faces", {"face_area": 3.2, "closeup": 1.6, "colourfulness": -0.4}),
    Taste("scenery", {"closeup": -2.0, "colourfulness": 1.6, "face_area": -1.2}),
    Taste("bright", {"brightness": 2.4, "warmth": 1.6}),
    Taste("moody", {"brightness": -2.4, "warmth": -1.6, "contrast": 1.0}),
)


# Probabilists' Gauss-Hermite rule: E[f(X)], X ~ N(0, 1), as a weighted sum over 20 nodes.
_HERMITE_NODES, _raw_weights = np.polynomial.hermite_e.hermegauss(20)
_HERMITE_WEIGHTS = _raw_weights / _raw_weights.sum()


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def _sigmoid(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
    return out


@dataclass
class Audience:
    """Users arrive with a segment and noise features (country, device, hour).

    Args:
        tastes: each segment's hidden taste.
        base_rate: click rate of an artwork at the middle of every feature (a few percent).
        noise: standard deviation of per-impression logit noise.
        turn: one segment's taste reversing during the run (None: stationary).
        seed: makes users and clicks reproducible.
    """

    tastes: Sequence[Taste] = DEFAULT_TASTES
    base_rate: float = 0.03
    noise: float = 0.3
    turn: Turn | None = None
    seed: int = 0
    impressions: int = field(default=0, init=False)
    """Clicks drawn so far: the clock a `Turn` runs on."""

    def __post_init__(self) -> None:
        if not 0.0 < self.base_rate < 1.0:
            raise ValueError("base_rate must be in (0, 1)")
        if not self.tastes or any(t.share <= 0.0 for t in self.tastes):
            raise ValueError("an audience needs tastes, each with a positive share")
        self._rng = np.random.default_rng(self.seed)
        self._bias = _logit(self.base_rate)
        self._by_segment = {t.segment: t for t in self.tastes}
        shares = np.array([t.share for t in self.tastes])
        # Equal shares draw exactly as before shares existed, so seeded runs stay the same.
        self._shares = None if np.all(shares == shares[0]) else shares / shares.sum()

    def user(self) -> Context:
        if self._shares is None:
            taste = self.tastes[int(self._rng.integers(len(self.tastes)))]
        else:
            taste = self.tastes[int(self._rng.choice(len(self.tastes), p=self._shares))]
        return Context(
            taste.segment,
            {
                "country": str(self._rng.choice(COUNTRIES)),
                "device": str(self._rng.choice(DEVICES)),
                "hour": int(self._rng.integers(24)),
            },
        )

    def _logit_of(self, context: Context, artwork: Arm | Mapping[str, float]) -> float:
        taste = self._by_segment.get(context.segment)
        if taste is None:
            return self._bias
        features, artwork_id = (
            (artwork.features, artwork.id) if isinstance(artwork, Arm) else (artwork, None)
        )
        z = sum(w * (float(features.get(n, 0.5)) - 0.5) * 2.0 for n, w in taste.weights.items())
        if artwork_id is not None:
            z += taste.artworks.get(artwork_id, 0.0)
            device = context.features.get("device")
            if isinstance(device, str):
                z += taste.devices.get(device, {}).get(artwork_id, 0.0)
        if self.turn is not None and self.turn.segment == context.segment:
            z *= 1.0 - 2.0 * self.turn.fraction(self.impressions)
        return self._bias + z

    def click_probability(self, context: Context, artwork: Arm | Mapping[str, float]) -> float:
        """The true probability that this user clicks this artwork (an `Arm`, or bare visual
        features): the chance `click` returns 1, its per-impression logit noise averaged out
        (Gauss-Hermite quadrature), so a policy's true click rate is the mean of these under
        its pmf."""
        z = self._logit_of(context, artwork) + self.noise * _HERMITE_NODES
        return float(np.dot(_HERMITE_WEIGHTS, _sigmoid(z)))

    def click_probabilities(
        self, context: Context, arms: Sequence[Arm | Mapping[str, float]]
    ) -> npt.NDArray[np.float64]:
        """`click_probability` of each artwork, shape (len(arms),)."""
        z = np.array([self._logit_of(context, a) for a in arms])
        out: npt.NDArray[np.float64] = (
            _sigmoid(z[:, None] + self.noise * _HERMITE_NODES[None, :]) @ _HERMITE_WEIGHTS
        )
        return out

    def click(self, context: Context, artwork: Arm | Mapping[str, float]) -> float:
        """A sampled click (1.0) or not (0.0), with logit noise; advances the clock."""
        z = self._logit_of(context, artwork) + self._rng.normal(0.0, self.noise)
        self.impressions += 1
        return 1.0 if self._rng.random() < 1.0 / (1.0 + math.exp(-z)) else 0.0

    def oracle(self, context: Context, arms: Sequence[Arm]) -> int:
        """Index of the arm with the highest true click probability."""
        return int(np.argmax(self.click_probabilities(context, arms)))


def random_catalog(
    n_titles: int, artworks_per_title: int, seed: int = 0, first_id: int = 1
) -> dict[str, list[Arm]]:
    """Titles whose artworks have random features, as extraction would produce them."""
    rng = np.random.default_rng(seed)
    catalog = {}
    next_id = first_id
    for t in range(n_titles):
        arms = []
        for _ in range(artworks_per_title):
            arms.append(Arm(next_id, random_features(rng)))
            next_id += 1
        catalog[f"title-{t:03d}"] = arms
    return catalog


#: The visual features `random_catalog` draws (as `thumbnails` scores them, in [0, 1]).
VISUAL_FEATURES = ("brightness", "contrast", "warmth", "colourfulness", "closeup", "face_area")


def random_features(rng: np.random.Generator) -> dict[str, float]:
    """One artwork's visual features: uniform in [0, 1]; a face on half of them."""
    features = {name: round(float(rng.random()), 4) for name in VISUAL_FEATURES[:-1]}
    has_face = rng.random() < 0.5
    features["face_area"] = round(float(rng.random() * 0.6), 4) if has_face else 0.0
    return features
