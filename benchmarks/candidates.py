"""Candidate defaults for issue 14, measured by ``bench_learning.py`` beside the default and
the peers. Not part of the product: a candidate becomes a policy in ``bandit/policies`` only
once it is within 0.01 of the best peer on every scenario, on held-out seeds.

`SegmentSelector` serves, per segment, a mixture of VW (which generalises over features,
devices and titles) and per-segment Thompson sampling (which explores where tastes follow the
segment). Each member's weight is Phi(z), where z is the difference of the two members' SNIPS
values on that segment's logged decisions over its standard error, plus ``lean`` in VW's
favour; the weaker member keeps at least ``floor_share``. Until a segment has evidence, VW
serves it. Both members learn every example.

``lean`` was 1.5; it is 0 since the session of 2026-12-02, chosen on the tuning seeds 1-8,
where 0 was within 0.01 of the best peer on all eight scenarios and 1.5 was short on drift
(0.877 against MABWiser's 0.890). On held-out seeds it was within 0.01 on 6 of 8 for seeds
101-103 (short on device and drift), 8 of 8 for 104-111, and 8 of 8 pooled over the eleven,
with device (-0.0097) and segment-only tastes (-0.0094) at the edge. See the issue 14 notes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

from bandit import Arm, Context, LearningExample, ThompsonPolicy, VWPolicy
from bandit.sampling import sample_index


class SegmentSelector:
    """A `bandit.simulate.Agent`: VW or per-segment Thompson sampling, chosen per segment by
    replay (SNIPS) on the log itself."""

    def __init__(self, floor_share: float = 0.02, lean: float = 0.0, floor: float = 0.01) -> None:
        self.floor_share, self.lean, self.floor = floor_share, lean, floor
        self.vw, self.ts = VWPolicy(floor=0.0), ThompsonPolicy(floor=0.0, draws=500)
        # segment -> per member [sum of w * reward, sum of w], w = member's p / logged p
        self._snips: defaultdict[str, list[list[float]]] = defaultdict(
            lambda: [[0.0, 0.0], [0.0, 0.0]]
        )
        self._served: list[tuple[str, float, float]] = []  # per decision since the last batch

    def vw_weight(self, segment: str) -> float:
        (vw_sum, vw_w), (ts_sum, ts_w) = self._snips[segment]
        if vw_w < 1.0 or ts_w < 1.0:
            return 1.0 - self.floor_share
        vw_value, ts_value = vw_sum / vw_w, ts_sum / ts_w
        rate = max(1e-3, (vw_value + ts_value) / 2)
        se = math.sqrt(rate * (1.0 - rate) * (1.0 / vw_w + 1.0 / ts_w))
        z = (vw_value - ts_value) / se + self.lean
        weight = 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
        return min(1.0 - self.floor_share, max(self.floor_share, weight))

    def choose(
        self, title: str, context: Context, arms: Sequence[Arm], key: str
    ) -> tuple[int, float]:
        vw, ts = self.vw.probabilities(context, arms), self.ts.probabilities(context, arms)
        w = self.vw_weight(context.segment)
        pmf = (1.0 - self.floor) * (w * vw + (1.0 - w) * ts) + self.floor / len(arms)
        pmf = pmf / pmf.sum()
        chosen = sample_index(pmf.tolist(), key)
        self._served.append((context.segment, float(vw[chosen]), float(ts[chosen])))
        return chosen, float(pmf[chosen])

    def learn(self, examples: Sequence[LearningExample]) -> None:
        served, self._served = self._served[: len(examples)], self._served[len(examples) :]
        for (segment, vw_p, ts_p), ex in zip(served, examples, strict=True):
            for member, p in zip(self._snips[segment], (vw_p, ts_p), strict=True):
                weight = p / ex.probability
                member[0] += weight * ex.reward
                member[1] += weight
        self.vw.learn(examples)
        self.ts.learn(examples)
