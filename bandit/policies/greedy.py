"""Greedy by segment: the arm with the best click rate so far in the user's segment, with an
epsilon of uniform exploration so every logged propensity stays above zero."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bandit.context import Context
from bandit.errors import InvalidPolicyArgs
from bandit.policies.base import Pmf, Policy
from bandit.policies.checks import number, segment_counts
from bandit.records import Arm, LearningExample


class GreedyPolicy(Policy):
    """Per-segment click rates with a Beta(1, 1) prior; epsilon-greedy over them.

    >>> from bandit import Context, Arm
    >>> p = GreedyPolicy(epsilon=0.1)
    >>> p.probabilities(Context("a"), [Arm(1, {}), Arm(2, {})]).round(2).tolist()
    [0.95, 0.05]
    """

    name = "greedy"

    def __init__(self, epsilon: float = 0.05) -> None:
        if number("epsilon", epsilon, 0.0, 1.0) == 0.0:
            raise InvalidPolicyArgs("epsilon must be above 0: every artwork needs a chance")
        self.epsilon = float(epsilon)
        # (segment, arm id) -> [clicks, impressions]
        self._counts: defaultdict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])

    def _rate(self, segment: str, arm: int) -> float:
        clicks, shown = self._counts.get((segment, arm), (0.0, 0.0))
        return (clicks + 1.0) / (shown + 2.0)

    def probabilities(self, context: Context, arms: Sequence[Arm]) -> Pmf:
        rates = np.array([self._rate(context.segment, arm.id) for arm in arms])
        pmf = np.full(len(arms), self.epsilon / len(arms))
        pmf[int(np.argmax(rates))] += 1.0 - self.epsilon
        return pmf

    def learn(self, examples: Sequence[LearningExample]) -> None:
        for ex in examples:
            counts = self._counts[(ex.context.segment, ex.arms[ex.chosen].id)]
            counts[0] += ex.reward
            counts[1] += 1.0

    @property
    def exploration(self) -> Mapping[str, Any]:
        return {"kind": "epsilon-greedy by segment", "epsilon": self.epsilon}

    @property
    def params(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon}

    def save(self) -> bytes:
        rows = [[seg, arm, c, n] for (seg, arm), (c, n) in sorted(self._counts.items())]
        return json.dumps(rows).encode()

    def load_state(self, state: bytes) -> None:
        rows = segment_counts(state, "greedy")
        if any(clicks > shown for _, _, clicks, shown in rows):
            raise ValueError("greedy state: a row has more clicks than impressions")
        self._counts.clear()
        for segment, arm, clicks, shown in rows:
            self._counts[(segment, arm)] = [clicks, shown]
