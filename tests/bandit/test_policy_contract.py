"""One contract, every policy: a valid pmf, determinism, a state that round-trips as bytes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
from vowpalwabbit import Workspace

from bandit import (
    Arm,
    Context,
    CorruptModel,
    GreedyPolicy,
    InvalidPolicyArgs,
    LearningExample,
    Policy,
    SegmentMixPolicy,
    ThompsonPolicy,
    UniformPolicy,
    VWPolicy,
    build_policy,
    restore_policy,
    vw_text,
)
from bandit.policies.base import lifted

POLICIES: dict[str, Callable[[], Policy]] = {
    "uniform": UniformPolicy,
    "segment_mix": SegmentMixPolicy,
    "thompson": lambda: ThompsonPolicy(draws=500),
    "greedy": GreedyPolicy,
    "vw-regcbopt": VWPolicy,
    "vw-epsilon": lambda: VWPolicy(exploration="epsilon"),
    "vw-softmax": lambda: VWPolicy(exploration="softmax"),
    "vw-bag": lambda: VWPolicy(exploration="bag"),
    "vw-squarecb": lambda: VWPolicy(exploration="squarecb"),
}
ARMS = [Arm(i, {"warmth": i / 4, "brightness": 1 - i / 4}) for i in range(1, 5)]


def _history(n: int = 300) -> list[LearningExample]:
    """Segment 'warm' clicks the warmest artwork, 'cool' the coolest."""
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        segment = str(rng.choice(["warm", "cool"]))
        chosen = int(rng.integers(len(ARMS)))
        best = len(ARMS) - 1 if segment == "warm" else 0
        out.append(
            LearningExample(
                Context(segment), tuple(ARMS), chosen, 1 / len(ARMS), float(chosen == best)
            )
        )
    return out


@pytest.fixture(params=sorted(POLICIES))
def policy(request: pytest.FixtureRequest) -> Policy:
    return POLICIES[request.param]()


def test_pmf_is_valid_before_and_after_learning(policy: Policy) -> None:
    for _ in range(2):
        for segment in ("warm", "cool", "never-seen"):
            pmf = policy.probabilities(Context(segment, {"device": "tv"}), ARMS)
            assert pmf.shape == (len(ARMS),)
            assert np.all(pmf >= 0) and np.isclose(pmf.sum(), 1.0, atol=1e-9)
            assert np.all(pmf > 0), "every arm keeps a chance: the log must stay evaluable"
        policy.learn(_history())


def test_same_state_same_pmf_and_bytes_round_trip(policy: Policy) -> None:
    policy.learn(_history())
    context = Context("warm", {"country": "NZ"})
    first = policy.probabilities(context, ARMS)
    assert np.array_equal(first, policy.probabilities(context, ARMS))
    restored = restore_policy(policy.name, policy.describe_args(), policy.save())
    assert type(restored) is type(policy)
    assert np.array_equal(first, restored.probabilities(context, ARMS))


@pytest.mark.parametrize(
    "junk", [b"not a state", b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe", b'{"a": 1}']
)
def test_every_policy_refuses_a_bad_state_with_corrupt_model(policy: Policy, junk: bytes) -> None:
    """One documented error for every policy's `load`, whatever the bytes (nesting deeper than
    the JSON reader goes included); the policy is left as it was."""
    if isinstance(policy, UniformPolicy):
        return  # nothing learned, nothing to load: it ignores any state
    policy.learn(_history(60))
    before = policy.probabilities(Context("warm"), ARMS)
    with pytest.raises(CorruptModel):
        policy.load(junk)
    assert np.array_equal(before, policy.probabilities(Context("warm"), ARMS))


def test_every_policy_explains_with_the_probabilities_it_serves(policy: Policy) -> None:
    policy.learn(_history(60))
    context = Context("warm", {"device": "tv"})
    explained = policy.explain(context, ARMS, top=3)
    assert [e.artwork_id for e in explained] == [a.id for a in ARMS]
    served = policy.probabilities(context, ARMS)
    assert np.allclose([e.probability for e in explained], served, atol=1e-6)
    assert all(len(e.top_features) <= 3 for e in explained)
    audited = isinstance(policy, SegmentMixPolicy) or (
        isinstance(policy, VWPolicy) and policy.params["exploration"] != "bag"
    )  # VW's audit names user x artwork terms; bag's audit is one per member, not read
    if audited:
        assert any(e.top_features for e in explained)


@pytest.mark.parametrize("name", sorted(set(POLICIES) - {"uniform"}))
def test_learning_policies_learn_the_segments(name: str) -> None:
    policy = POLICIES[name]()
    policy.learn(_history(1500))
    warm = policy.probabilities(Context("warm"), ARMS)
    cool = policy.probabilities(Context("cool"), ARMS)
    assert int(np.argmax(warm)) == len(ARMS) - 1
    assert int(np.argmax(cool)) == 0


@pytest.mark.parametrize("floor", [0.0, 0.01, 0.3, 0.99])
def test_a_lifted_pmf_keeps_the_floors_bound_and_costs_no_more_than_mixing(floor: float) -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        k = int(rng.integers(1, 9))
        pmf = rng.dirichlet(np.full(k, 0.3)) * (rng.random(k) > 0.4)
        pmf = pmf / pmf.sum() if pmf.sum() > 0 else np.full(k, 1.0 / k)
        out = lifted(pmf, floor)
        assert out.sum() == pytest.approx(1.0, abs=1e-12)
        assert out.min() >= floor / k - 1e-12
        mixed = (1 - floor) * pmf + floor / k
        # The favourite keeps at least what mixing leaves it; arms above the bound keep order.
        assert out.max() >= mixed.max() - 1e-12
        above = pmf > floor / k
        assert np.all(np.diff(out[above][np.argsort(pmf[above])]) >= -1e-12)
        if np.all(pmf >= floor / k):
            assert np.allclose(out, pmf)


def test_epsilon_floor() -> None:
    policy = VWPolicy(exploration="epsilon", epsilon=0.2, floor=0.0)
    policy.learn(_history(1000))
    pmf = policy.probabilities(Context("warm"), ARMS)
    assert np.all(pmf >= 0.2 / len(ARMS) - 1e-6)
    assert pmf.max() == pytest.approx(1 - 0.2 + 0.2 / len(ARMS), abs=1e-6)


def test_vw_by_default_is_greedy_on_optimism_above_a_uniform_floor() -> None:
    """regcbopt alone gives every artwork but one a probability of 0; the floor keeps each at
    floor / artworks, so the log stays evaluable, and costs at most the floor in clicks."""
    bare = VWPolicy(floor=0.0)
    bare.learn(_history(1000))
    assert sorted(bare.probabilities(Context("warm"), ARMS).tolist()) == [0.0, 0.0, 0.0, 1.0]
    policy = VWPolicy(floor=0.04)
    policy.learn(_history(1000))
    pmf = policy.probabilities(Context("warm"), ARMS)
    assert pmf.min() == pytest.approx(0.01)
    assert pmf[-1] == pytest.approx(1 - 0.04 + 0.01)
    assert policy.exploration == {"kind": "regcbopt", "floor": 0.04, "mellowness": 0.03}


@pytest.mark.parametrize("settings", [{"floor": 0.0}, {"floor": 0.01}, {"exploration": "squarecb"}])
def test_one_probability_is_the_pmfs_own_float(settings: dict[str, object]) -> None:
    """What a mixture scores its examples with is the served pmf's entry, exactly."""
    policy = VWPolicy(**settings)  # type: ignore[arg-type]
    policy.learn(_history(200))
    for ex in _history(50):
        pmf = policy.probabilities(ex.context, ex.arms)
        each_choice = [dataclasses.replace(ex, chosen=i) for i in range(len(pmf))]
        assert policy.chosen_probabilities(each_choice) == [float(p) for p in pmf]


def test_the_fast_vw_path_matches_pyvw_predict() -> None:
    policy = VWPolicy(exploration="epsilon", floor=0.0)
    policy.learn(_history(500))
    reference = Workspace(policy.vw_args)  # same args, same data, through pyvw's wrappers
    for ex in _history(500):
        actions = [vw_text.action_features(a) for a in ex.arms]
        reference.learn(
            vw_text.example(
                ex.context, actions, chosen=ex.chosen, reward=ex.reward, probability=ex.probability
            )
        )
    for segment in ("warm", "cool"):
        lines = vw_text.example(Context(segment), [vw_text.action_features(a) for a in ARMS])
        expected = np.array(reference.predict(lines)) / np.sum(reference.predict(lines))
        assert np.allclose(policy.probabilities(Context(segment), ARMS), expected)
    reference.finish()


@pytest.mark.parametrize(
    "settings",
    [
        {"exploration": "greedy-ish"},
        {"epsilon": 1.5},
        {"epsilon": "0.1 -f /tmp/x"},
        {"interactions": ("ux",)},
        {"interactions": "ua"},
        {"cb_type": "--daemon"},
        {"learning_rate": float("nan")},
        {"bag": True},
        {"seed": -1},
        {"extra_args": "--daemon"},
        {"mellowness": 0.0},
        {"mellowness": "0.1 --daemon"},
        {"floor": 1.0},
        {"floor": float("nan")},
        {"cb_type": "dm --daemon"},
    ],
)
def test_vw_arguments_vw_rejects(settings: dict[str, object]) -> None:
    with pytest.raises(InvalidPolicyArgs):
        build_policy("vw", settings)


@pytest.mark.parametrize("junk", [b"", b"not a model", bytes(range(256)) * 10])
def test_corrupt_model_bytes(junk: bytes) -> None:
    with pytest.raises(CorruptModel):
        restore_policy("vw", "{}", junk)
    with pytest.raises(CorruptModel):
        restore_policy("thompson", "{}", junk or b"{")


def test_thompson_caches_its_pmf_exactly_and_relearns_it_after_learning() -> None:
    from bandit import LearningExample, ThompsonPolicy

    arms = [Arm(1, {}), Arm(2, {}), Arm(3, {})]
    policy = ThompsonPolicy()
    policy.learn([LearningExample(Context("a"), tuple(arms), 1, 1 / 3, 1.0)] * 5)
    first = policy.probabilities(Context("a"), arms)
    again = policy.probabilities(Context("a"), arms)  # from the cache
    fresh = ThompsonPolicy()
    fresh.load(policy.save())
    assert first.tolist() == again.tolist() == fresh.probabilities(Context("a"), arms).tolist()
    again[0] = 99.0  # a caller's copy: the cache stays intact
    assert policy.probabilities(Context("a"), arms).tolist() == first.tolist()
    policy.learn([LearningExample(Context("a"), tuple(arms), 2, 1 / 3, 1.0)] * 20)
    assert policy.probabilities(Context("a"), arms).tolist() != first.tolist()


@pytest.mark.parametrize("name", ["vw", "segment_mix"])
def test_a_restored_policy_makes_no_workspace_it_would_throw_away(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A VW workspace is made on first use: restoring from a checkpoint loads the saved one
    and makes no fresh one first (it cost as much as the load). The restored policy serves
    what the saved one served."""
    arms = [Arm(1, {"brightness": 0.2}), Arm(2, {"brightness": 0.9})]
    trained = build_policy(name, {})
    trained.learn(
        [LearningExample(Context("s"), tuple(arms), i % 2, 0.5, float(i % 2)) for i in range(50)]
    )
    state, args = trained.save(), trained.describe_args()
    made: list[str] = []
    real = VWPolicy._workspace

    def counted(vw_args: str) -> Workspace:
        made.append(vw_args)
        return real(vw_args)

    monkeypatch.setattr(VWPolicy, "_workspace", staticmethod(counted))
    restored = restore_policy(name, args, state)
    pmf = restored.probabilities(Context("s"), arms)
    assert made == []
    assert np.array_equal(pmf, trained.probabilities(Context("s"), arms))
    fresh = build_policy(name, {})
    fresh.probabilities(Context("s"), arms)
    assert len(made) == 1  # a new policy makes its workspace when first asked
