"""A simulated audience: segments with hidden tastes over artwork features, a logistic click
model, and the oracle that knows those tastes. Reproducible from a seed.

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

from bandit.context import Context
from bandit.policies.base import Policy
from bandit.records import Arm, LearningExample
from bandit.sampling import sample_index


@dataclass(frozen=True, slots=True)
class Taste:
    """A segment's hidden preference: logit change per unit of each feature (from 0.5)."""

    segment: str
    weights: Mapping[str, float]


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


@dataclass
class Audience:
    """Users arrive with a segment and noise features (country, device, hour).

    Args:
        tastes: each segment's hidden weights.
        base_rate: click rate of an artwork at the middle of every feature (a few percent).
        noise: standard deviation of per-impression logit noise.
        drift: fraction of the way each taste turns into its opposite per 10,000 impressions
            (0: stationary).
        seed: makes users and clicks reproducible.
    """

    tastes: Sequence[Taste] = DEFAULT_TASTES
    base_rate: float = 0.03
    noise: float = 0.3
    drift: float = 0.0
    seed: int = 0
    impressions: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if not 0.0 < self.base_rate < 1.0:
            raise ValueError("base_rate must be in (0, 1)")
        self._rng = np.random.default_rng(self.seed)
        self._bias = _logit(self.base_rate)

    def user(self) -> Context:
        taste = self.tastes[int(self._rng.integers(len(self.tastes)))]
        return Context(
            taste.segment,
            {
                "country": str(self._rng.choice(["NZ", "BR", "JP", "DE", "US"])),
                "device": str(self._rng.choice(["tv", "phone", "web"])),
                "hour": int(self._rng.integers(24)),
            },
        )

    def _weights(self, segment: str) -> Mapping[str, float]:
        taste = next((t for t in self.tastes if t.segment == segment), None)
        if taste is None:
            return {}
        turn = 1.0 - 2.0 * min(1.0, self.drift * self.impressions / 10_000)
        return {name: w * turn for name, w in taste.weights.items()}

    def _logit_of(self, context: Context, features: Mapping[str, float]) -> float:
        return self._bias + sum(
            w * (float(features.get(name, 0.5)) - 0.5) * 2.0
            for name, w in self._weights(context.segment).items()
        )

    def click_probability(self, context: Context, features: Mapping[str, float]) -> float:
        """The true probability that this user clicks this artwork: the chance `click`
        returns 1, its per-impression logit noise averaged out (Gauss-Hermite quadrature),
        so a policy's true click rate is the mean of these under its pmf."""
        z = self._logit_of(context, features) + self.noise * _HERMITE_NODES
        return float(np.dot(_HERMITE_WEIGHTS, 1.0 / (1.0 + np.exp(-z))))

    def click(self, context: Context, features: Mapping[str, float]) -> float:
        """A sampled click (1.0) or not (0.0), with logit noise; advances drift."""
        z = self._logit_of(context, features) + self._rng.normal(0.0, self.noise)
        self.impressions += 1
        return 1.0 if self._rng.random() < 1.0 / (1.0 + math.exp(-z)) else 0.0

    def oracle(self, context: Context, arms: Sequence[Arm]) -> int:
        """Index of the arm with the highest true click probability."""
        return max(
            range(len(arms)), key=lambda i: self.click_probability(context, arms[i].features)
        )


def random_catalog(n_titles: int, artworks_per_title: int, seed: int = 0) -> dict[str, list[Arm]]:
    """Titles whose artworks have random features, as extraction would produce them."""
    rng = np.random.default_rng(seed)
    catalog = {}
    next_id = 1
    for t in range(n_titles):
        arms = []
        for _ in range(artworks_per_title):
            features = {
                name: round(float(rng.random()), 4)
                for name in ("brightness", "contrast", "warmth", "colourfulness", "closeup")
            }
            has_face = rng.random() < 0.5
            features["face_area"] = round(float(rng.random() * 0.6), 4) if has_face else 0.0
            arms.append(Arm(next_id, features))
            next_id += 1
        catalog[f"title-{t:03d}"] = arms
    return catalog


@dataclass(frozen=True, slots=True)
class SimulationResult:
    clicks: int
    impressions: int
    served_ctr: float
    """Expected click rate of the trained policy as served (with its exploration), on fresh
    users: the mean over users of sum_j pmf_j * p(click | user, artwork j)."""
    oracle_ctr: float
    """The same for the oracle (always the best artwork), on the same users."""
    uniform_ctr: float
    """The same for uniform random, on the same users."""
    curve: tuple[float, ...]
    """Click rate of each learning window, in order."""


def simulate_policy(
    policy: Policy,
    audience: Audience,
    catalog: Mapping[str, Sequence[Arm]],
    impressions: int = 20_000,
    learn_every: int = 500,
    evaluation_users: int = 2_000,
    seed: int = 0,
) -> SimulationResult:
    """Serve ``impressions`` decisions, learning every ``learn_every``, then evaluate.

    Decisions are sampled from the policy's pmf with event-id seeding, as the chooser does.
    """
    rng = np.random.default_rng(seed)
    titles = sorted(catalog)
    pending: list[LearningExample] = []
    clicks = 0
    window_clicks = 0
    curve = []
    for i in range(impressions):
        user = audience.user()
        arms = list(catalog[titles[int(rng.integers(len(titles)))]])
        pmf = policy.probabilities(user, arms)
        chosen = sample_index(pmf.tolist(), f"sim-{seed}-{i}")
        reward = audience.click(user, arms[chosen].features)
        clicks += int(reward)
        window_clicks += int(reward)
        pending.append(LearningExample(user, tuple(arms), chosen, float(pmf[chosen]), reward))
        if len(pending) == learn_every:
            policy.learn(pending)
            pending = []
            curve.append(window_clicks / learn_every)
            window_clicks = 0
    if pending:
        policy.learn(pending)
    served = oracle = uniform = 0.0
    for _ in range(evaluation_users):
        user = audience.user()
        arms = list(catalog[titles[int(rng.integers(len(titles)))]])
        truth = [audience.click_probability(user, a.features) for a in arms]
        pmf = policy.probabilities(user, arms)
        served += float(np.dot(pmf, truth))
        oracle += max(truth)
        uniform += sum(truth) / len(truth)
    n = float(evaluation_users)
    return SimulationResult(clicks, impressions, served / n, oracle / n, uniform / n, tuple(curve))
