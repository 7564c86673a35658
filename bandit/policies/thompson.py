"""Thompson sampling per segment: a Beta-Bernoulli posterior for each (segment, artwork id),
context-free within a segment.

Its propensities are the probabilities that each arm's posterior draw is the largest, estimated
with a fixed number of draws from a generator seeded by the state, so they are reproducible and
are what the chooser logs and samples from. Because they are a function of the state alone,
they are cached per (segment, posterior): between learner updates a segment's pmf is computed
once, not on every decision, and a cached pmf is exactly the one a fresh computation gives.

A posterior that only grows holds on to an old favourite: after thousands of impressions, a
taste that turns takes thousands more to undo. With ``change_z`` set, each learning batch is
tested against the posteriors it would join; where an artwork's click rate in the batch is
more than ``change_z`` standard errors from its rate before (both on at least `MIN_TRIALS`
impressions), the segment's posteriors restart from that batch. Off by default (0), so that
the standalone policy stays plain Thompson sampling; the default policy's member uses it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import OrderedDict, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bandit.context import Context
from bandit.policies.base import Pmf, Policy, normalised
from bandit.policies.checks import number, segment_counts, whole
from bandit.records import Arm, LearningExample

#: Impressions of an artwork, before and in a batch, below which no change is tested for.
MIN_TRIALS = 20

#: Pmfs kept per policy: one per (segment, candidate set) in use, with room to spare.
CACHED_PMFS = 4096


class ThompsonPolicy(Policy):
    """
    >>> from bandit import Context, Arm
    >>> p = ThompsonPolicy(draws=1000)
    >>> p.probabilities(Context("a"), [Arm(1, {}), Arm(2, {})]).round(1).tolist()
    [0.5, 0.5]

    Args:
        draws: posterior draws per pmf.
        floor: uniform probability mass under the pmf.
        seed: seeds the draws, with the state.
        change_z: restart a segment whose batch differs from its posteriors by more than
            this many standard errors (0: never).
    """

    name = "thompson"

    def __init__(
        self, draws: int = 2000, floor: float = 0.01, seed: int = 0, change_z: float = 0.0
    ) -> None:
        # >= 100 draws for stable propensities; the cap keeps one decision's work bounded.
        self.draws = whole("draws", draws, 100, 1_000_000)
        self.floor = number("floor", floor, 0.0, 0.99)
        self.seed = whole("seed", seed, 0, 2**63 - 1)
        self.change_z = number("change_z", change_z, 0.0, 100.0)
        self._posterior: defaultdict[tuple[str, int], list[float]] = defaultdict(lambda: [1.0, 1.0])
        self._pmfs: OrderedDict[str, Pmf] = OrderedDict()
        #: Segments whose posteriors the last `learn` call restarted (see `change_z`).
        self.restarted: set[str] = set()

    def trials(self, segment: str, arm_id: int) -> float:
        """Impressions of ``arm_id`` learned for ``segment`` (since its last restart)."""
        alpha, beta = self._posterior.get((segment, arm_id), (1.0, 1.0))
        return alpha + beta - 2.0

    def probabilities(self, context: Context, arms: Sequence[Arm]) -> Pmf:
        params = np.array([self._posterior.get((context.segment, a.id), (1.0, 1.0)) for a in arms])
        key = f"{self.seed}:{context.segment}:{params.tobytes().hex()}"
        cached = self._pmfs.get(key)
        if cached is not None:
            self._pmfs.move_to_end(key)
            return cached.copy()
        rng = np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8]))
        samples = rng.beta(params[:, 0], params[:, 1], size=(self.draws, len(arms)))
        wins = np.bincount(samples.argmax(axis=1), minlength=len(arms)).astype(np.float64)
        # A small floor keeps every propensity positive, so the log stays evaluable.
        pmf = normalised((1.0 - self.floor) * wins / self.draws + self.floor / len(arms))
        self._pmfs[key] = pmf
        if len(self._pmfs) > CACHED_PMFS:
            self._pmfs.popitem(last=False)
        return pmf.copy()

    def chosen_probabilities(self, examples: Sequence[LearningExample]) -> list[float]:
        """Each example's probability of its chosen artwork, from the posteriors as they are
        now: one pmf per distinct (segment, candidates) in the batch."""
        pmfs: dict[tuple[str, tuple[int, ...]], Pmf] = {}
        chosen = []
        for ex in examples:
            key = (ex.context.segment, tuple(arm.id for arm in ex.arms))
            pmf = pmfs.get(key)
            if pmf is None:
                pmf = pmfs[key] = self.probabilities(ex.context, ex.arms)
            chosen.append(float(pmf[ex.chosen]))
        return chosen

    def learn(self, examples: Sequence[LearningExample]) -> None:
        batch: defaultdict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
        for ex in examples:
            counts = batch[(ex.context.segment, ex.arms[ex.chosen].id)]
            counts[0] += ex.reward
            counts[1] += 1.0 - ex.reward
        self.restarted = self._changed(batch) if self.change_z else set()
        for segment, arm in [key for key in self._posterior if key[0] in self.restarted]:
            del self._posterior[(segment, arm)]
        for key, (clicks, misses) in batch.items():
            alpha_beta = self._posterior[key]
            alpha_beta[0] += clicks
            alpha_beta[1] += misses

    def _changed(self, batch: Mapping[tuple[str, int], list[float]]) -> set[str]:
        """Segments where an artwork's click rate in this batch is more than ``change_z``
        standard errors from its rate before: a taste that turned, whose old posteriors would
        hold the policy to the old favourite for thousands of impressions."""
        changed = set()
        for (segment, arm), (clicks, misses) in batch.items():
            alpha, beta = self._posterior.get((segment, arm), (1.0, 1.0))
            before, now = alpha + beta - 2.0, clicks + misses
            if before < MIN_TRIALS or now < MIN_TRIALS:
                continue
            pooled = min(1 - 1e-3, max(1e-3, (alpha - 1.0 + clicks) / (before + now)))
            se = math.sqrt(pooled * (1.0 - pooled) * (1.0 / before + 1.0 / now))
            if abs(clicks / now - (alpha - 1.0) / before) > self.change_z * se:
                changed.add(segment)
        return changed

    @property
    def exploration(self) -> Mapping[str, Any]:
        return {"kind": "thompson by segment", "draws": self.draws, "floor": self.floor}

    @property
    def params(self) -> dict[str, Any]:
        return {
            "draws": self.draws,
            "floor": self.floor,
            "seed": self.seed,
            "change_z": self.change_z,
        }

    def save(self) -> bytes:
        rows = [[s, a, ab[0], ab[1]] for (s, a), ab in sorted(self._posterior.items())]
        return json.dumps(rows).encode()

    def load_state(self, state: bytes) -> None:
        rows = segment_counts(state, "thompson")
        if any(alpha < 1.0 or beta < 1.0 for _, _, alpha, beta in rows):
            raise ValueError("thompson state: Beta parameters start at 1 and only grow")
        self._posterior.clear()
        for segment, arm, alpha, beta in rows:
            self._posterior[(segment, arm)] = [alpha, beta]
