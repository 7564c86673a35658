"""`SegmentMixPolicy`, the default: how it weighs its members, what its state holds, and that
what it learns in another process (the learner) is what it would have learned in this one."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from bandit import (
    Arm,
    Context,
    CorruptModel,
    InvalidPolicyArgs,
    LearningExample,
    SegmentMixPolicy,
    ThompsonPolicy,
    VWPolicy,
    default_policy,
    restore_policy,
)
from bandit.policies.base import lifted
from bandit.policies.segment_mix import MAGIC
from tests.bandit.test_hostile_checkpoints import _with_header_options

ARMS = (Arm(1, {"warmth": 0.9}), Arm(2, {"warmth": 0.5}), Arm(3, {"warmth": 0.1}))


def _served(
    policy: SegmentMixPolicy, segment: str, best: int, n: int, seed: int = 0
) -> list[LearningExample]:
    """``n`` decisions sampled from the policy's own pmf; ``segment`` clicks ``best`` only."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        pmf = policy.probabilities(Context(segment), ARMS)
        chosen = int(rng.choice(len(ARMS), p=pmf))
        out.append(LearningExample(Context(segment), ARMS, chosen, float(pmf[chosen]), 0.0))
        if chosen == best and rng.random() < 0.6:
            out[-1] = LearningExample(Context(segment), ARMS, chosen, float(pmf[chosen]), 1.0)
    return out


def _rebuilt(policy: SegmentMixPolicy) -> SegmentMixPolicy:
    restored = restore_policy(policy.name, policy.describe_args(), policy.save())
    assert isinstance(restored, SegmentMixPolicy)
    return restored


def test_it_is_the_default_of_the_chooser_the_learner_and_the_cli() -> None:
    from thumbnail_bandit.cli.settings import PolicySettings, read_settings

    assert isinstance(default_policy(), SegmentMixPolicy)
    assert PolicySettings().name == "segment_mix"
    assert read_settings(None, [], None).build().params == SegmentMixPolicy().params


def test_vw_serves_a_segment_until_both_members_have_evidence_then_the_evidence_decides() -> None:
    policy = SegmentMixPolicy()
    assert policy.vw_weight("new") == pytest.approx(0.98)
    # Thompson's value clearly above VW's: the weight moves to Thompson, down to the floor.
    policy._snips["s"] = [10.0, 100.0, 60.0, 100.0]
    assert policy.vw_weight("s") == pytest.approx(0.02)
    # Equal values: an even mixture; a lean tilts it toward VW.
    policy._snips["tie"] = [30.0, 100.0, 30.0, 100.0]
    assert policy.vw_weight("tie") == pytest.approx(0.5)
    leaning = SegmentMixPolicy(lean=1.0)
    leaning._snips["tie"] = [30.0, 100.0, 30.0, 100.0]
    assert leaning.vw_weight("tie") == pytest.approx(0.5 * (1 + math.erf(1 / math.sqrt(2))))
    # A small difference on little evidence stays near even: z, not the raw difference.
    policy._snips["thin"] = [3.0, 10.0, 4.0, 10.0]
    assert 0.3 < policy.vw_weight("thin") < 0.5
    # Segments where every impression clicks (or none does) do not divide by zero.
    policy._snips["all"] = [50.0, 50.0, 50.0, 50.0]
    assert policy.vw_weight("all") == pytest.approx(0.5)


def test_the_pmf_is_the_weighted_mixture_of_its_members_lifted_to_the_floor() -> None:
    policy = SegmentMixPolicy(floor=0.03)
    policy.learn(_served(policy, "s", best=0, n=400))
    context = Context("s")
    w = policy.vw_weight("s", ARMS)
    members = w * policy.vw.probabilities(context, ARMS) + (1 - w) * policy.thompson.probabilities(
        context, ARMS
    )
    pmf = policy.probabilities(context, ARMS)
    assert np.allclose(pmf, lifted(members, 0.03), atol=1e-12)
    assert pmf.min() >= 0.01 - 1e-12
    # Lifting costs the favourite no more than mixing in the floor would.
    assert pmf.max() >= (0.97 * members + 0.01).max() - 1e-12


def test_each_member_is_scored_against_the_state_that_served_the_batch() -> None:
    """The SNIPS sums of a batch use the members' pmfs from before the batch: the state the
    chooser served it from, so learning in the learner's process equals learning here."""
    policy = SegmentMixPolicy()
    history = _served(policy, "s", best=0, n=200)
    before_vw = [float(policy.vw.probabilities(e.context, e.arms)[e.chosen]) for e in history]
    before_ts = [float(policy.thompson.probabilities(e.context, e.arms)[e.chosen]) for e in history]
    policy.learn(history)
    vw_sum, vw_w, ts_sum, ts_w = policy._snips["s"]
    assert vw_w == pytest.approx(
        sum(p / e.probability for p, e in zip(before_vw, history, strict=True))
    )
    assert ts_sum == pytest.approx(
        sum(p / e.probability * e.reward for p, e in zip(before_ts, history, strict=True))
    )
    assert vw_sum <= vw_w and ts_sum <= ts_w


@pytest.mark.parametrize("exploration", ["regcbopt", "squarecb", "bag"])
def test_scoring_each_distinct_example_once_learns_what_scoring_every_example_learns(
    exploration: str,
) -> None:
    """The members score a batch once per distinct (context, candidates): with the model
    fixed, equal text scores equally, and VW's predictions leave its weights alone, so the
    learned model is the one that scoring every example would give."""
    rng = np.random.default_rng(4)
    contexts = [Context(f"s{i % 3}", {"hour": i % 5}) for i in range(12)]
    history = [
        LearningExample(
            contexts[int(rng.integers(12))],
            ARMS if i % 4 else ARMS[:2],
            int(rng.integers(2)),
            0.5,
            float(rng.random() < 0.3),
        )
        for i in range(400)
    ]
    batched, one_by_one = (SegmentMixPolicy(vw={"exploration": exploration}) for _ in range(2))
    for batch in (history[:200], history[200:]):
        scored = [float(one_by_one.vw.probabilities(e.context, e.arms)[e.chosen]) for e in batch]
        assert batched.vw.chosen_probabilities(batch) == scored
        thompson = [
            float(one_by_one.thompson.probabilities(e.context, e.arms)[e.chosen]) for e in batch
        ]
        assert batched.thompson.chosen_probabilities(batch) == thompson
        batched.learn(batch)
        one_by_one.vw.learn(batch)  # the same model, after one prediction per example
        one_by_one.thompson.learn(batch)
    for context in contexts:
        assert np.array_equal(
            batched.vw.probabilities(context, ARMS), one_by_one.vw.probabilities(context, ARMS)
        )


def test_learning_through_checkpoints_equals_learning_in_one_object() -> None:
    """What `PolicyAgent` and the learner do: rebuild from the saved bytes after every batch."""
    kept, rebuilt = SegmentMixPolicy(), SegmentMixPolicy()
    for batch in range(4):
        examples = _served(kept, "s", best=batch % 3, n=150, seed=batch)
        kept.learn(examples)
        rebuilt.learn(examples)
        rebuilt = _rebuilt(rebuilt)
    for segment in ("s", "unseen"):
        assert np.array_equal(
            kept.probabilities(Context(segment), ARMS),
            rebuilt.probabilities(Context(segment), ARMS),
        )
    assert rebuilt._snips == kept._snips


def test_where_tastes_follow_the_segment_thompson_takes_over_and_vw_keeps_its_floor_share() -> None:
    """Two segments with opposite favourites and no features that tell them apart except the
    segment: both members learn it; the mixture ends on the favourite in each."""
    policy = SegmentMixPolicy()
    for batch in range(6):
        policy.learn(
            _served(policy, "warm", best=0, n=200, seed=batch)
            + _served(policy, "cool", best=2, n=200, seed=100 + batch)
        )
        policy = _rebuilt(policy)
    assert int(np.argmax(policy.probabilities(Context("warm"), ARMS))) == 0
    assert int(np.argmax(policy.probabilities(Context("cool"), ARMS))) == 2
    for segment in ("warm", "cool"):
        assert 0.02 <= policy.vw_weight(segment) <= 0.98


@pytest.mark.parametrize(
    "settings",
    [
        {"floor_share": 0.9},
        {"lean": "1; rm"},
        {"floor": -0.1},
        {"draws": 10},
        {"change_z": "4"},
        {"change_z": 1000.0},
        {"fresh_lead": "yes"},
        {"fresh_lead": 1},
        {"vw": {"exploration": "cover"}},
        {"vw": {"interactions": ["u a"]}},
        {"vw": {"floor": 0.5}},
        {"vw": {"extra_args": "--daemon"}},
        {"vw": "--daemon"},
    ],
)
def test_settings_outside_the_typed_ranges_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(InvalidPolicyArgs):
        SegmentMixPolicy(**settings)  # type: ignore[arg-type]
    with pytest.raises(CorruptModel, match="checkpoint refused"):
        restore_policy("segment_mix", json.dumps({"params": settings}), SegmentMixPolicy().save())


def test_vw_member_settings_pass_through_and_survive_a_checkpoint() -> None:
    policy = SegmentMixPolicy(vw={"exploration": "squarecb", "gamma_scale": 50.0})
    assert "--squarecb --gamma_scale 50.0" in policy.vw.vw_args
    restored = restore_policy(policy.name, policy.describe_args(), policy.save())
    assert isinstance(restored, SegmentMixPolicy)
    assert restored.vw.vw_args == policy.vw.vw_args
    assert restored.exploration["vw"]["kind"] == "squarecb"


def _state_with(header: object, model: bytes | None = None) -> bytes:
    return MAGIC + json.dumps(header).encode() + b"\n" + (model or VWPolicy().save())


@pytest.mark.parametrize(
    "state",
    [
        b"",
        b"not a state",
        VWPolicy().save(),  # a VW model where a mixture belongs
        json.dumps([["a", 1, 2.0, 1.0]]).encode(),  # a Thompson state
        MAGIC + b'{"thompson": [], "snips": []}',  # no model after the header
        MAGIC + b"{not json\n" + VWPolicy().save(),
        _state_with({"thompson": []}),
        _state_with({"thompson": [], "snips": [], "more": 1}),
        _state_with({"thompson": [["a", 1, 0.5, 1.0]], "snips": []}),
        _state_with({"thompson": [], "snips": [["a", 1.0, 2.0, 1.0]]}),
        _state_with({"thompson": [], "snips": [["a", -1.0, 2.0, 1.0, 2.0]]}),
        _state_with({"thompson": [], "snips": [["a", 1e999, 2.0, 1.0, 2.0]]}),
        _state_with({"thompson": [], "snips": [["a", 5.0, 2.0, 1.0, 2.0]]}),  # sum > weight
        _state_with({"thompson": [], "snips": [[1, 1.0, 2.0, 1.0, 2.0]]}),
        _state_with({"thompson": [], "snips": [["a", True, 2.0, 1.0, 2.0]]}),
        _state_with({"thompson": [], "snips": []}, b"\0" * 64),  # VW bytes that are junk
        _state_with({"thompson": [], "snips": [], "turned": "s"}),
        _state_with({"thompson": [], "snips": [], "turned": [1]}),
        _state_with({"thompson": [], "snips": [], "seen": [["s", 1]]}),
        _state_with({"thompson": [], "snips": [], "seen": {"s": [1, "2"]}}),
        _state_with({"thompson": [], "snips": [], "seen": {"s": [True]}}),
        _state_with({"thompson": [], "snips": [], "seen": {"s": [-1]}}),
        _state_with({"thompson": [], "snips": [], "fresh": {"s": 1}}),
        _state_with({"thompson": [], "snips": [], "fresh": [["s", 1, 1.0, 2.0, 1.0]]}),
        _state_with({"thompson": [], "snips": [], "fresh": [["s", "1", 1.0, 2.0, 1.0, 2.0]]}),
        _state_with({"thompson": [], "snips": [], "fresh": [["s", 1, 3.0, 2.0, 1.0, 2.0]]}),
        _state_with({"thompson": [], "snips": [], "fresh": [["s", 1, 1.0, 2.0, 1.0, 1e999]]}),
    ],
)
def test_a_state_that_cannot_be_right_is_refused_on_restore(state: bytes) -> None:
    with pytest.raises(CorruptModel):
        restore_policy("segment_mix", SegmentMixPolicy().describe_args(), state)


def test_a_vw_member_whose_header_asks_for_files_is_refused(tmp_path: Path) -> None:
    crafted = _with_header_options(
        VWPolicy().save(), f" --cb_adf --cb_explore_adf -f {tmp_path}/written.vw"
    )
    with pytest.raises(CorruptModel, match=r"refused|not allowed"):
        restore_policy("segment_mix", "{}", _state_with({"thompson": [], "snips": []}, crafted))
    assert list(tmp_path.iterdir()) == []


def test_a_failed_restore_leaves_a_loaded_policy_as_it_was() -> None:
    policy = SegmentMixPolicy()
    policy.learn(_served(policy, "s", best=0, n=200))
    before = policy.probabilities(Context("s"), ARMS)
    with pytest.raises(CorruptModel):
        policy.load(_state_with({"thompson": [], "snips": [["s", 5.0, 1.0, 0.0, 1.0]]}))
    assert np.array_equal(before, policy.probabilities(Context("s"), ARMS))


def test_thompson_member_settings_match_a_standalone_thompson_policy() -> None:
    """The member is an ordinary `ThompsonPolicy`: no floor of its own (the mixture has one)."""
    policy = SegmentMixPolicy(draws=800, seed=3, change_z=5.0)
    expected = ThompsonPolicy(draws=800, floor=0.0, seed=3, change_z=5.0)
    assert policy.thompson.params == expected.params


def _uniform(
    segment: str, rates: tuple[float, ...], n: int, seed: int, arms: tuple[Arm, ...] = ARMS
) -> list[LearningExample]:
    """``n`` impressions per artwork of ``arms``, shown uniformly, clicked at ``rates``."""
    rng = np.random.default_rng(seed)
    p = 1 / len(arms)
    return [
        LearningExample(Context(segment), arms, arm, p, float(rng.random() < rates[arm]))
        for _ in range(n)
        for arm in range(len(arms))
    ]


def test_a_turned_taste_hands_its_segment_to_thompson_across_checkpoints() -> None:
    """The old evidence is of the old taste: the segment's SNIPS sums go with Thompson's
    posteriors, and until the new evidence weighs in, Thompson (restarted) leads."""
    policy = SegmentMixPolicy()
    for seed in range(4):
        policy.learn(
            _uniform("s", (0.6, 0.2, 0.1), 100, seed)
            + _uniform("t", (0.6, 0.2, 0.1), 100, 9 + seed)
        )
    assert policy.vw_weight("s") > 0.5 and policy._turned == set()
    policy.learn(_uniform("s", (0.05, 0.2, 0.7), 100, 20) + _uniform("t", (0.6, 0.2, 0.1), 100, 21))
    assert policy._turned == {"s"} and "s" not in policy._snips and "t" in policy._snips
    assert policy.vw_weight("s") == pytest.approx(policy.floor_share)
    restored = _rebuilt(policy)
    assert restored._turned == {"s"}
    assert np.array_equal(
        restored.probabilities(Context("s"), ARMS), policy.probabilities(Context("s"), ARMS)
    )
    assert int(np.argmax(restored.probabilities(Context("s"), ARMS))) == 2
    # A batch on the new taste gives both members evidence: the evidence decides again.
    restored.learn(_uniform("s", (0.05, 0.2, 0.7), 100, 22))
    assert restored._turned == set() and "s" in restored._snips


def test_a_state_saved_before_turned_segments_existed_still_loads() -> None:
    policy = SegmentMixPolicy()
    policy.learn(_served(policy, "s", best=0, n=200))
    header, _, model = policy.save()[len(MAGIC) :].partition(b"\n")
    old = json.loads(header)
    del old["turned"]
    restored = restore_policy(policy.name, policy.describe_args(), _state_with(old, model))
    assert np.array_equal(
        restored.probabilities(Context("s"), ARMS), policy.probabilities(Context("s"), ARMS)
    )


TITLE = ARMS[:2]  # a title the segment is served first with two artworks, then a third


def test_an_artwork_added_to_a_served_title_is_weighed_on_its_own_record() -> None:
    """VW's record on the segment predates the newcomer: on the title that gained it,
    Thompson leads until both members have evidence since its arrival; elsewhere, and on a
    title offered for the first time, the segment's own values decide."""
    policy = SegmentMixPolicy()
    policy._snips["s"] = [600.0, 1000.0, 100.0, 1000.0]  # VW far ahead on the segment
    first = [LearningExample(Context("s"), TITLE, i % 2, 0.5, 0.0) for i in range(40)]
    policy.learn(first)
    assert policy.vw_weight("s", TITLE) == pytest.approx(0.98)
    assert policy.vw_weight("s", ARMS) == pytest.approx(policy.floor_share)  # 3 joined 1, 2
    assert policy.vw_weight("t", ARMS) == pytest.approx(0.98)  # t was never offered 1, 2
    policy.learn(_uniform("s", (0.1, 0.1, 0.6), 60, 1))
    record = policy._fresh["s"][3]
    assert record[1] >= 1.0 and record[3] >= 1.0
    assert record[2] / record[3] > record[0] / record[1]  # Thompson found the newcomer
    assert policy.vw_weight("s", ARMS) < 0.5 < policy.vw_weight("s", TITLE)
    restored = _rebuilt(policy)
    assert restored._fresh == policy._fresh and restored._seen == policy._seen
    for arms in (TITLE, ARMS):
        assert np.array_equal(
            restored.probabilities(Context("s"), arms), policy.probabilities(Context("s"), arms)
        )


def test_without_fresh_lead_a_newcomer_is_weighed_on_the_segments_values() -> None:
    policy = SegmentMixPolicy(fresh_lead=False)
    policy.learn([LearningExample(Context("s"), TITLE, i % 2, 0.5, 0.0) for i in range(40)])
    policy.learn(_uniform("s", (0.1, 0.1, 0.6), 60, 1))
    assert policy.vw_weight("s", ARMS) == policy.vw_weight("s") and not policy._fresh["s"]
    assert _rebuilt(policy).fresh_lead is False


def test_a_turned_taste_drops_the_segments_newcomer_records_with_its_values() -> None:
    policy = SegmentMixPolicy()
    policy.learn(_uniform("s", (0.6, 0.2), 50, 30, arms=TITLE))
    for seed in range(4):
        policy.learn(_uniform("s", (0.6, 0.2, 0.1), 100, seed))
    assert 3 in policy._fresh["s"]
    policy.learn(_uniform("s", (0.05, 0.2, 0.7), 100, 20))
    assert policy._turned == {"s"} and "s" not in policy._fresh


def test_a_state_saved_before_newcomer_records_existed_loads_with_none() -> None:
    policy = SegmentMixPolicy()
    policy.learn(_served(policy, "s", best=0, n=200))
    header, _, model = policy.save()[len(MAGIC) :].partition(b"\n")
    old = json.loads(header)
    del old["seen"], old["fresh"]
    restored = restore_policy(policy.name, policy.describe_args(), _state_with(old, model))
    assert isinstance(restored, SegmentMixPolicy) and not restored._seen
    # Nothing counts as offered yet, so no artwork is a newcomer until a batch is learned.
    assert restored.vw_weight("s", ARMS) == restored.vw_weight("s")
