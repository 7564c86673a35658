"""Replay straight from the engine's SQL log, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bandit import ArtworkChooser, Learner, UniformPolicy, VWPolicy
from bandit.replay import (
    BadTarget,
    LearningTarget,
    StaticTable,
    UniformTarget,
    evaluate,
    load_sql_log,
    parse_target,
    pushdown_ips,
    run_replay,
)
from bandit.replay.intervals import Z95, normal_interval
from bandit.simulate import Audience
from storage import Log, NewArtwork

LATER = datetime(2030, 1, 1, tzinfo=UTC)


def _uniform_log(log: Log, n: int = 1_500) -> list[int]:
    """A uniformly random logging policy serving a simulated audience."""
    audience = Audience(seed=5)
    arts = log.register(
        "t",
        [
            NewArtwork("bright.jpg", features={"brightness": 0.9, "warmth": 0.8}),
            NewArtwork("dark.jpg", features={"brightness": 0.1, "warmth": 0.2}),
            NewArtwork("face.jpg", features={"face_area": 0.5, "closeup": 0.9}),
            NewArtwork("wide.jpg", features={"closeup": 0.05, "colourfulness": 0.9}),
        ],
    )
    features = {a.id: a.features for a in arts}
    past = datetime.now(UTC) - timedelta(days=1)
    chooser = ArtworkChooser(log, UniformPolicy(), clock=lambda: past)
    for i in range(n):
        user = audience.user()
        decision = chooser.choose("t", user, event_id=f"u{i}")
        chooser.reward(decision.event_id, audience.click(user, features[decision.artwork_id]))
    Learner(log, UniformPolicy, clock=lambda: LATER).join()
    return [a.id for a in arts]


def test_pushdown_equals_in_memory(log: Log) -> None:
    ids = _uniform_log(log, 600)
    table = StaticTable(
        {
            "bright": {str(ids[0]): 0.7, str(ids[1]): 0.1, str(ids[2]): 0.1, str(ids[3]): 0.1},
            "*": {str(ids[2]): 0.5, str(ids[3]): 0.5},
        }
    )
    data = load_sql_log(log)
    memory = {e.estimator: e for e in evaluate(data, table.pmf(data), "t", bootstrap=0)}
    pushed = pushdown_ips(log, table)
    assert pushed.n == data.n == 600
    assert pushed.ips == pytest.approx(memory["ips"].estimate, abs=1e-9)
    assert pushed.snips == pytest.approx(memory["snips"].estimate, abs=1e-9)
    assert pushed.ess == pytest.approx(memory["ips"].ess, abs=1e-9)
    # The database sums give the sample-variance interval. In memory it is floored by the
    # variance the logged pmf implies as well, so it is that interval or wider: equal when
    # the sample variance is the larger (most logs), never narrower (it used to be compared
    # for equality, which failed on the odd log whose draws happened to be quiet).
    pi = table.pmf(data)
    terms = pi.at(data.chosen) / data.propensity * data.reward
    _, low, high = normal_interval(float(terms.mean()), terms, Z95, None)
    assert pushed.ips_ci_low == pytest.approx(low, abs=1e-9)
    assert pushed.ips_ci_high == pytest.approx(high, abs=1e-9)
    assert memory["ips"].ci_low <= low + 1e-12 and memory["ips"].ci_high >= high - 1e-12


def test_sql_log_filters_and_checkpoint_targets(log: Log) -> None:
    _uniform_log(log, 300)
    data = load_sql_log(log, title="t", policy_version="uniform:0")
    assert data.n == 300 and data.logged_pmf is not None
    assert np.allclose(np.add.reduceat(data.logged_pmf.probs, data.logged_pmf.indptr[:-1]), 1.0)
    Learner(log, lambda: VWPolicy(exploration="squarecb"), clock=lambda: LATER).run_once()
    target = parse_target("checkpoint:latest", log)
    assert target.name == "checkpoint:1"
    with pytest.raises(BadTarget, match=r"only 0 of the 300 .* came after it"):
        run_replay(data, [target], bootstrap=0)  # it learned every one of them
    estimates, curves = run_replay(data, [target, UniformTarget()], bootstrap=20, in_sample=True)
    assert {e.target for e in estimates} == {"checkpoint:1", "uniform"}
    assert set(curves) == {"checkpoint:1", "uniform"}
    for e in estimates:
        assert e.in_sample == (e.target == "checkpoint:1")
        assert any("in-sample" in w for w in e.warnings) == e.in_sample


def test_a_checkpoint_is_scored_only_on_events_after_its_cursor(log: Log) -> None:
    ids = _uniform_log(log, 400)
    learner = Learner(log, lambda: VWPolicy(exploration="squarecb"), clock=lambda: LATER)
    learner.run_once()  # checkpoint 1 learns the first 400 events
    past = datetime.now(UTC) - timedelta(hours=1)
    chooser = ArtworkChooser(log, UniformPolicy(), clock=lambda: past)
    for i in range(300):
        chooser.choose("t", {"segment": ["bright", "faces"][i % 2]}, event_id=f"later{i}")
    learner.join()
    data = load_sql_log(log)
    target = parse_target("checkpoint:1", log)
    estimates, _ = run_replay(data, [target], bootstrap=0)
    assert {e.n for e in estimates} == {300}  # only the events it never learned
    assert not any(e.in_sample for e in estimates)
    assert len(ids) == 4


def test_learning_policy_replay_ranks_the_better_vw_setting_higher(log: Log) -> None:
    _uniform_log(log, 1_500)
    data = load_sql_log(log)
    better = LearningTarget(
        lambda: VWPolicy(exploration="squarecb", gamma_scale=50.0, interactions=("ua",)),
        "vw: user x artwork interactions",
    )
    worse = LearningTarget(lambda: VWPolicy(interactions=()), "vw: no interactions")
    estimates, _ = run_replay(data, [better, worse], bootstrap=0)
    by = {(e.target, e.estimator): e.estimate for e in estimates}
    for estimator in ("snips", "dr"):
        assert by[(better.name, estimator)] > by[(worse.name, estimator)] + 0.01


def test_replay_is_refused_on_a_learned_log_and_rejection_sampled_for_learning_targets(
    log: Log,
) -> None:
    from tests.bandit.replay.learning_log import write_learning_log

    write_learning_log(log, seed=3, n=1_000)
    data = load_sql_log(log)
    table = StaticTable({"*": {str(a): 0.25 for a in data.actions}}, "even")
    learning = LearningTarget(lambda: VWPolicy(exploration="squarecb"), "vw")
    estimates, _ = run_replay(data, [table, learning], bootstrap=0)
    replay = {e.target: e for e in estimates if e.estimator == "replay" and e.segment is None}
    assert np.isnan(replay["even"].estimate)
    assert "not uniform" in replay["even"].validity
    sampled = replay["vw"]
    assert sampled.validity.startswith("rejection-sampled:")
    assert 0 < sampled.n < data.n and f"{sampled.n} of {data.n} events kept" in sampled.validity
    assert 0.0 <= sampled.estimate <= 1.0 and sampled.interval == "wilson"


class _MeanPerColumnRegressor:
    """The smallest object with fit(X, y) / predict(X): least squares on the design."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> _MeanPerColumnRegressor:
        self.coef_ = np.linalg.lstsq(X, y, rcond=None)[0]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        prediction: np.ndarray = X @ self.coef_
        return prediction


def test_a_pluggable_reward_model_drives_dm_and_dr(log: Log) -> None:
    _uniform_log(log, 600)
    data = load_sql_log(log)
    mine, _ = run_replay(
        data, [UniformTarget()], bootstrap=20, reward_model=_MeanPerColumnRegressor()
    )
    built_in, _ = run_replay(data, [UniformTarget()], bootstrap=20)
    by = {(e.estimator): e for e in mine if e.segment is None}
    ref = {(e.estimator): e for e in built_in if e.segment is None}
    assert abs(by["dm"].estimate - ref["dm"].estimate) < 0.02  # both see a uniform log well
    assert "held fixed" in by["dm"].validity and ref["dm"].validity == ""
    assert by["ips"].estimate == ref["ips"].estimate  # the model touches DM and DR only
