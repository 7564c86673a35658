"""The default policy: Vowpal Wabbit and per-segment Thompson sampling, mixed per segment by
how well each has done on that segment's own log.

Neither member wins everywhere (``benchmarks/bench_learning.py``). VW generalises over artwork
features, devices and titles, so it learns fast where tastes follow features and where a
segment has few impressions. Thompson sampling explores in proportion to its doubt, so it
adopts a new artwork at once and is the better learner where tastes follow the segment alone.

For each segment the policy keeps each member's self-normalised importance-weighted (SNIPS)
value on the decisions it served there: the rewards weighted by the member's probability of
the logged artwork over the logged propensity. The members' weight is Phi(z), z being the
difference of their values over its standard error, so the mixture moves to a member only as
fast as the evidence for it grows; each member keeps at least ``floor_share``. Until both
members have evidence on a segment, VW serves it, since it can draw on other segments.

Both members learn every example. The members' probabilities for a batch are computed from the
state before the batch, which is the checkpoint the chooser was serving when the learner keeps
up. When the chooser served an older checkpoint, the SNIPS values weigh those decisions by the
current members instead: an approximation of the members' past values, never a logging error
(the logged propensity is always the mixture the chooser actually served).

A taste that turns is one event the SNIPS values answer slowly: they measured both members on
the old taste. When the Thompson member restarts a segment because its taste turned
(``change_z``), the segment's SNIPS values are dropped too, and Thompson, restarted on the new
taste, leads the segment until both members have evidence on it again.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from bandit.context import Context
from bandit.errors import InvalidPolicyArgs
from bandit.policies.base import Pmf, Policy, normalised
from bandit.policies.checks import number, whole
from bandit.policies.thompson import ThompsonPolicy
from bandit.policies.vw import VWPolicy
from bandit.records import Arm, LearningExample

#: First line of the saved state: the format, so that a wrong blob is refused by name.
MAGIC = b"thumbnail-bandit segment_mix 1\n"

#: VW settings the mixture owns: the member's floor would double the mixture's own.
_OWNED = ("floor", "seed")

#: The keys of the saved state's JSON header.
_HEADER = {"thompson", "snips", "turned"}


class SegmentMixPolicy(Policy):
    """
    >>> from bandit import Arm, Context, LearningExample
    >>> policy = SegmentMixPolicy()
    >>> arms = [Arm(1, {"warmth": 0.9}), Arm(2, {"warmth": 0.1})]
    >>> policy.probabilities(Context("night-owls"), arms).round(2).tolist()
    [0.5, 0.5]
    >>> clicked = LearningExample(Context("night-owls"), tuple(arms), 0, 0.5, 1.0)
    >>> policy.learn([clicked] * 20)   # night owls click the warm artwork
    >>> policy.probabilities(Context("night-owls"), arms).round(2).tolist()
    [0.98, 0.02]

    Args:
        floor_share: the least weight either member keeps on a segment, so the other's value
            stays measured.
        lean: added to z in VW's favour (0: follow the evidence alone).
        floor: uniform probability mass under the mixture, so every logged propensity is
            positive and replay can score the log.
        draws: Thompson draws per pmf (see `ThompsonPolicy`).
        seed: seeds both members.
        vw: settings of the VW member, as `VWPolicy` takes them (not ``floor`` or ``seed``).
        change_z: the Thompson member's change test (see `ThompsonPolicy`; 0: none).
    """

    name = "segment_mix"

    def __init__(
        self,
        floor_share: float = 0.02,
        lean: float = 0.0,
        floor: float = 0.01,
        draws: int = 500,
        seed: int = 0,
        vw: Mapping[str, Any] | None = None,
        change_z: float = 4.0,
    ) -> None:
        self.floor_share = number("floor_share", floor_share, 0.0, 0.5)
        self.lean = number("lean", lean, -10.0, 10.0)
        self.floor = number("floor", floor, 0.0, 0.99)
        self.seed = whole("seed", seed, 0, 2**31 - 1)
        if vw is not None and not isinstance(vw, Mapping):
            raise InvalidPolicyArgs(f"vw must be a mapping of VW settings, got {vw!r:.60}")
        self.vw_settings = dict(vw or {})
        owned = sorted(set(self.vw_settings) & set(_OWNED))
        if owned:
            raise InvalidPolicyArgs(f"vw settings {owned} belong to the mixture, not its member")
        try:
            self.vw = VWPolicy(**self.vw_settings, floor=0.0, seed=self.seed)
        except TypeError as exc:
            raise InvalidPolicyArgs(f"bad vw settings: {exc}") from exc
        except InvalidPolicyArgs as exc:
            raise InvalidPolicyArgs(f"vw settings: {exc}") from exc
        self.thompson = ThompsonPolicy(draws=draws, floor=0.0, seed=self.seed, change_z=change_z)
        # Segments whose taste turned: Thompson sampling, restarted, serves them until both
        # members have evidence on the new taste.
        self._turned: set[str] = set()
        # segment -> [VW's sum of w * reward, VW's sum of w, the same for Thompson], where w is
        # the member's probability of the logged artwork over the logged propensity.
        self._snips: defaultdict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])

    def _has_evidence(self, segment: str) -> bool:
        """Both members' SNIPS weights on ``segment`` reach one impression's worth."""
        _, vw_w, _, ts_w = self._snips.get(segment, (0.0, 0.0, 0.0, 0.0))
        return vw_w >= 1.0 and ts_w >= 1.0

    def vw_weight(self, segment: str) -> float:
        """The VW member's share of the mixture on ``segment``."""
        top = 1.0 - self.floor_share
        if not self._has_evidence(segment):
            return self.floor_share if segment in self._turned else top
        vw_sum, vw_w, ts_sum, ts_w = self._snips[segment]
        vw_value, ts_value = vw_sum / vw_w, ts_sum / ts_w
        # The rate's own variance; clamped so that all-click or no-click segments stay finite.
        rate = min(1.0 - 1e-3, max(1e-3, (vw_value + ts_value) / 2))
        se = math.sqrt(rate * (1.0 - rate) * (1.0 / vw_w + 1.0 / ts_w))
        z = (vw_value - ts_value) / se + self.lean
        return min(top, max(self.floor_share, 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))))

    def probabilities(self, context: Context, arms: Sequence[Arm]) -> Pmf:
        vw, ts = self.vw.probabilities(context, arms), self.thompson.probabilities(context, arms)
        w = self.vw_weight(context.segment)
        mixed = (1.0 - self.floor) * (w * vw + (1.0 - w) * ts) + self.floor / len(arms)
        return normalised(mixed)

    def learn(self, examples: Sequence[LearningExample]) -> None:
        # Score the batch against the members as they were when it was served, then update.
        members = [
            (
                float(self.vw.probabilities(ex.context, ex.arms)[ex.chosen]),
                float(self.thompson.probabilities(ex.context, ex.arms)[ex.chosen]),
            )
            for ex in examples
        ]
        for (vw_p, ts_p), ex in zip(members, examples, strict=True):
            sums = self._snips[ex.context.segment]
            sums[0] += vw_p / ex.probability * ex.reward
            sums[1] += vw_p / ex.probability
            sums[2] += ts_p / ex.probability * ex.reward
            sums[3] += ts_p / ex.probability
        # A turned segment with new evidence on both members is an ordinary segment again.
        self._turned = {s for s in self._turned if not self._has_evidence(s)}
        self.vw.learn(examples)
        self.thompson.learn(examples)
        for segment in self.thompson.restarted:  # the old evidence is of the old taste
            self._snips.pop(segment, None)
            self._turned.add(segment)

    @property
    def exploration(self) -> Mapping[str, Any]:
        return {
            "kind": "segment mix",
            "floor": self.floor,
            "floor_share": self.floor_share,
            "vw": dict(self.vw.exploration),
            "thompson": dict(self.thompson.exploration),
        }

    @property
    def params(self) -> dict[str, Any]:
        return {
            "floor_share": self.floor_share,
            "lean": self.lean,
            "floor": self.floor,
            "draws": self.thompson.draws,
            "seed": self.seed,
            "vw": self.vw_settings,
            "change_z": self.thompson.change_z,
        }

    def describe_args(self) -> str:
        return json.dumps({"params": self.params, "vw_args": self.vw.vw_args}, sort_keys=True)

    def save(self) -> bytes:
        snips = [[segment, *sums] for segment, sums in sorted(self._snips.items())]
        header = {
            "thompson": json.loads(self.thompson.save()),
            "snips": snips,
            "turned": sorted(self._turned),
        }
        return MAGIC + json.dumps(header).encode() + b"\n" + self.vw.save()

    def load(self, state: bytes) -> None:
        """Restore from `save`: the Thompson posteriors and SNIPS sums are checked as numbers,
        the VW model as VW bytes (`bandit.policies.vw.load_workspace`). All or nothing: a
        state that fails any check leaves the policy as it was."""
        if not state.startswith(MAGIC):
            raise ValueError("not a segment_mix state (its first line is not the format name)")
        header, sep, model = state[len(MAGIC) :].partition(b"\n")
        if not sep:
            raise ValueError("segment_mix state is cut short: no VW model after its header")
        data = json.loads(header)
        # 'turned' came later: a state saved before it has no turned segments.
        if not isinstance(data, dict) or not {"thompson", "snips"} <= set(data) <= _HEADER:
            raise ValueError("segment_mix state header must hold 'thompson', 'snips', 'turned'")
        snips = _snips_rows(data["snips"])
        turned = data.get("turned", [])
        if not (isinstance(turned, list) and all(isinstance(t, str) for t in turned)):
            raise ValueError("segment_mix state: 'turned' must be a list of segment names")
        thompson = ThompsonPolicy(
            draws=self.thompson.draws, floor=0.0, seed=self.seed, change_z=self.thompson.change_z
        )
        thompson.load(json.dumps(data["thompson"]).encode())
        self.vw.load(model)  # checks the bytes before it replaces anything
        self.thompson = thompson
        self._turned = set(turned)
        self._snips.clear()
        for segment, sums in snips:
            self._snips[segment] = sums

    def close(self) -> None:
        self.vw.close()


def _snips_rows(rows: object) -> list[tuple[str, list[float]]]:
    """Rows ``[segment, vw_sum, vw_weight, ts_sum, ts_weight]``, each checked: a segment
    name, four finite non-negative numbers, and, since a reward is in [0, 1], no sum above
    its weight. ValueError otherwise."""
    if not isinstance(rows, list):
        raise ValueError("segment_mix SNIPS state must be a list of rows")
    out = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 5 and isinstance(row[0], str)):
            raise ValueError(f"segment_mix SNIPS rows are [segment, 4 sums], got {row!r:.60}")
        sums = row[1:]
        if not all(
            not isinstance(v, bool) and isinstance(v, int | float) and math.isfinite(v) and v >= 0
            for v in sums
        ):
            raise ValueError(f"segment_mix SNIPS row {row!r:.60}: sums must be finite, >= 0")
        if sums[0] > sums[1] * (1 + 1e-9) or sums[2] > sums[3] * (1 + 1e-9):
            raise ValueError(f"segment_mix SNIPS row {row!r:.60}: a reward sum exceeds its weight")
        out.append((row[0], [float(v) for v in sums]))
    return out
