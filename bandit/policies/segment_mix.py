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

A new artwork is another (``fresh_lead``). The segment's values were measured without it;
Thompson tries it at once, while VW, traced on the new-artwork scenario, often kept the
title's old favourite for thousands of impressions after the newcomer had proved better. So
an artwork that joins a title the segment has already been offered gets a record of its own:
SNIPS values on the decisions that offered it, weighing the members on that title from its
arrival on. Thompson leads there until both members have evidence on that record, which then
decides as the segment's own values do elsewhere. A title offered for the first time has no
newcomer: all its artworks are new together.

The floor is a bound, not a mixture: every artwork gets at least ``floor / artworks``, lifted
from the arms above it (`bandit.policies.base.lifted`), which costs less than mixing in
``floor`` of uniform and gives replay the same smallest propensity.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from bandit.context import Context
from bandit.errors import InvalidPolicyArgs
from bandit.policies.base import Pmf, Policy, lifted
from bandit.policies.checks import number, whole
from bandit.policies.thompson import ThompsonPolicy
from bandit.policies.vw import VWPolicy
from bandit.records import Arm, ArtworkExplanation, LearningExample

#: First line of the saved state: the format, so that a wrong blob is refused by name.
MAGIC = b"thumbnail-bandit segment_mix 1\n"

#: VW settings the mixture owns: the member's floor would double the mixture's own.
_OWNED = ("floor", "seed")

#: SNIPS sums before any decision.
_NONE = (0.0, 0.0, 0.0, 0.0)

#: The keys of the saved state's JSON header.
_HEADER = {"thompson", "snips", "turned", "seen", "fresh"}


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
        floor: every artwork's probability is at least ``floor / artworks``, so every logged
            propensity is positive and replay can score the log.
        draws: Thompson draws per pmf (see `ThompsonPolicy`).
        seed: seeds both members.
        vw: settings of the VW member, as `VWPolicy` takes them (not ``floor`` or ``seed``).
        change_z: the Thompson member's change test (see `ThompsonPolicy`; 0: none).
        fresh_lead: an artwork added to a title the segment has been offered is weighed on
            its own record, with Thompson leading until both members have evidence there.
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
        fresh_lead: bool = True,
    ) -> None:
        self.floor_share = number("floor_share", floor_share, 0.0, 0.5)
        self.lean = number("lean", lean, -10.0, 10.0)
        self.floor = number("floor", floor, 0.0, 0.99)
        self.seed = whole("seed", seed, 0, 2**31 - 1)
        if not isinstance(fresh_lead, bool):
            raise InvalidPolicyArgs(f"fresh_lead must be true or false, got {fresh_lead!r:.60}")
        self.fresh_lead = fresh_lead
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
        # segment -> the artwork ids it has been offered; segment -> artwork id -> SNIPS sums
        # (as above) on the decisions that offered that artwork, since it joined artworks the
        # segment had been offered before.
        self._seen: defaultdict[str, set[int]] = defaultdict(set)
        self._fresh: defaultdict[str, dict[int, list[float]]] = defaultdict(dict)

    def _has_evidence(self, segment: str) -> bool:
        """Both members' SNIPS weights on ``segment`` reach one impression's worth."""
        return _evidence(self._snips.get(segment, _NONE))

    def _newcomers(self, segment: str, arms: Sequence[Arm]) -> list[int]:
        """The artworks in ``arms`` that joined ones ``segment`` was offered before: those
        with a fresh record, and any not offered yet beside some that were."""
        if not self.fresh_lead:
            return []
        seen, fresh = self._seen.get(segment, set()), self._fresh.get(segment, {})
        ids = [arm.id for arm in arms]
        familiar = any(i in seen and i not in fresh for i in ids)
        return [i for i in ids if i in fresh or (familiar and i not in seen)]

    def vw_weight(self, segment: str, arms: Sequence[Arm] = ()) -> float:
        """The VW member's share of the mixture on ``segment``, offering ``arms``."""
        newcomers = self._newcomers(segment, arms)
        if newcomers:
            # The newest artwork's record: the segment's own values predate it.
            fresh = self._fresh.get(segment, {})
            sums = min((fresh.get(i, _NONE) for i in newcomers), key=lambda s: s[1] + s[3])
            return self._weight(sums, turned=True)
        return self._weight(self._snips.get(segment, _NONE), turned=segment in self._turned)

    def _weight(self, sums: Sequence[float], turned: bool) -> float:
        """Phi(z) of the members' SNIPS values ``sums``, within the floor shares; without
        evidence, VW's top share, or the floor share where Thompson must lead (``turned``)."""
        top = 1.0 - self.floor_share
        if not _evidence(sums):
            return self.floor_share if turned else top
        vw_sum, vw_w, ts_sum, ts_w = sums
        vw_value, ts_value = vw_sum / vw_w, ts_sum / ts_w
        # The rate's own variance; clamped so that all-click or no-click segments stay finite.
        rate = min(1.0 - 1e-3, max(1e-3, (vw_value + ts_value) / 2))
        se = math.sqrt(rate * (1.0 - rate) * (1.0 / vw_w + 1.0 / ts_w))
        z = (vw_value - ts_value) / se + self.lean
        return min(top, max(self.floor_share, 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))))

    def probabilities(self, context: Context, arms: Sequence[Arm]) -> Pmf:
        vw, ts = self.vw.probabilities(context, arms), self.thompson.probabilities(context, arms)
        w = self.vw_weight(context.segment, arms)
        return lifted(w * vw + (1.0 - w) * ts, self.floor)

    def explain(
        self, context: Context, arms: Sequence[Arm], top: int = 5
    ) -> list[ArtworkExplanation]:
        """The VW member's scores and features, with the probabilities the mixture serves."""
        pmf = self.probabilities(context, arms)
        return [
            dataclasses.replace(e, probability=float(p))
            for e, p in zip(self.vw.explain(context, arms, top), pmf, strict=True)
        ]

    def learn(self, examples: Sequence[LearningExample]) -> None:
        # Score the batch against the members as they were when it was served, then update.
        members = zip(
            self.vw.chosen_probabilities(examples),
            self.thompson.chosen_probabilities(examples),
            strict=True,
        )
        for (vw_p, ts_p), ex in zip(members, examples, strict=True):
            segment = ex.context.segment
            records = [self._snips[segment]]
            for i in self._newcomers(segment, ex.arms):
                records.append(self._fresh[segment].setdefault(i, [0.0, 0.0, 0.0, 0.0]))
            self._seen[segment].update(arm.id for arm in ex.arms)
            for sums in records:
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
            self._fresh.pop(segment, None)
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
            "fresh_lead": self.fresh_lead,
        }

    def describe_args(self) -> str:
        return json.dumps({"params": self.params, "vw_args": self.vw.vw_args}, sort_keys=True)

    def save(self) -> bytes:
        snips = [[segment, *sums] for segment, sums in sorted(self._snips.items())]
        header = {
            "thompson": json.loads(self.thompson.save()),
            "snips": snips,
            "turned": sorted(self._turned),
            "seen": {segment: sorted(ids) for segment, ids in sorted(self._seen.items())},
            "fresh": [
                [segment, arm_id, *sums]
                for segment, records in sorted(self._fresh.items())
                for arm_id, sums in sorted(records.items())
            ],
        }
        return MAGIC + json.dumps(header).encode() + b"\n" + self.vw.save()

    def load_state(self, state: bytes) -> None:
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
        seen = _seen_sets(data.get("seen", {}))
        fresh = _fresh_rows(data.get("fresh", []))
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
        self._seen.clear()
        self._seen.update(seen)
        self._fresh.clear()
        for segment, arm_id, sums in fresh:
            self._fresh[segment][arm_id] = sums

    def close(self) -> None:
        self.vw.close()


def _evidence(sums: Sequence[float]) -> bool:
    """Both members' SNIPS weights reach one impression's worth."""
    return sums[1] >= 1.0 and sums[3] >= 1.0


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


def _seen_sets(data: object) -> dict[str, set[int]]:
    """``{segment: [artwork ids]}``, each checked. ValueError otherwise."""
    if not isinstance(data, dict):
        raise ValueError("segment_mix state: 'seen' must map segments to artwork ids")
    out = {}
    for segment, ids in data.items():
        if not (isinstance(ids, list) and all(_is_id(i) for i in ids)):
            raise ValueError(f"segment_mix state: 'seen' of {segment!r:.40} must list artwork ids")
        out[segment] = set(ids)
    return out


def _fresh_rows(rows: object) -> list[tuple[str, int, list[float]]]:
    """Rows ``[segment, artwork id, 4 sums]``, checked as SNIPS rows. ValueError otherwise."""
    if not isinstance(rows, list):
        raise ValueError("segment_mix state: 'fresh' must be a list of rows")
    out = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 6 and _is_id(row[1])):
            raise ValueError(f"segment_mix fresh rows are [segment, id, 4 sums], got {row!r:.60}")
        ((segment, sums),) = _snips_rows([[row[0], *row[2:]]])
        out.append((segment, row[1], sums))
    return out


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63
