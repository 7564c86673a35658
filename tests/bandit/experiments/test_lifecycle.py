"""Online experiments through the chooser and the log: sticky, keyed assignment; arms of
every kind; status; guardrails; the replay screen; promotion; and the bad inputs."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

import storage
from bandit import ArtworkChooser, Learner, UniformPolicy
from bandit.errors import (
    ConflictingRecord,
    InvalidContext,
    InvalidExperiment,
    ScreenRefused,
    UnknownDefinition,
    UnknownExperiment,
)
from bandit.experiments import (
    apply_guardrails,
    experiment_status,
    policy_lineages,
    promote,
    start_experiment,
    stop_experiment,
)
from bandit.experiments.assignment import assign, unit_hash
from tests.bandit.helpers import Clock, add_title, set_salt


def _serve(
    chooser: ArtworkChooser,
    clock: Clock,
    good: int,
    n: int,
    *,
    units: int = 0,
    prefix: str = "e",
) -> list[tuple[str | None, str | None]]:
    """``n`` decisions on title t (unit ids cycle over ``units`` when given); artwork
    ``good`` earns reward 1, the others 0. Returns (unit, arm) per decision."""
    seen = []
    for i in range(n):
        unit = f"member-{i % units}" if units else None
        decision = chooser.choose("t", {"segment": "s"}, event_id=f"{prefix}{i}", unit_id=unit)
        chooser.reward(decision.event_id, 1.0 if decision.artwork_id == good else 0.0)
        seen.append((unit, decision.arm))
        clock.advance(seconds=1)
    clock.advance(hours=1)
    return seen


def _setup(log: storage.Log) -> tuple[Clock, list[int]]:
    ids = add_title(log, "t", 3)
    log.set_title_mode("t", "online", ids[0])  # the editorial baseline: artwork 0
    return Clock(), ids


def test_units_keep_their_arm_and_shares_hold(log: storage.Log) -> None:
    clock, ids = _setup(log)
    experiment, screen = start_experiment(
        log, "sticky", ["t"], ["control=head:50", "challenger=policy:uniform:50"]
    )
    assert screen.skipped  # nothing joined yet: no screen, and it says so
    with ArtworkChooser(log, UniformPolicy(), clock=clock, reload_every_s=0) as chooser:
        seen = _serve(chooser, clock, ids[1], 800, units=200)
    arms_of: dict[str | None, set[str | None]] = defaultdict(set)
    for unit, arm in seen:
        arms_of[unit].add(arm)
    assert all(len(arms) == 1 for arms in arms_of.values())  # sticky
    per_arm = Counter(next(iter(a)) for a in arms_of.values())
    assert 70 <= per_arm["challenger"] <= 130  # 50% of 200 units
    decision = log.decision("e0")
    assert decision.assignment is not None
    assert decision.assignment.experiment_id == experiment.id
    assert decision.assignment.probability == 0.5
    assert decision.assignment.unit is not None and "member" not in decision.assignment.unit
    assert decision.exploration["experiment"] == "sticky"
    status = experiment_status(log, "sticky")
    assert [a.units for a in status.arms] == [per_arm["control"], per_arm["challenger"]]
    assert sum(a.decisions for a in status.arms) == 800


def test_the_secret_decides_the_arm_not_the_client(log: storage.Log) -> None:
    _setup(log)
    experiment, _ = start_experiment(log, "keyed", ["t"], ["a=head:50", "b=baseline:50"])
    secret = log.sampling_salt().secret
    units = [f"u{i}" for i in range(400)]
    with_secret = [assign(experiment, unit_hash(secret, "keyed", u))[0].name for u in units]
    guessed = [assign(experiment, unit_hash("guess", "keyed", u))[0].name for u in units]
    agree = sum(a == b for a, b in zip(with_secret, guessed, strict=True)) / len(units)
    assert 0.4 < agree < 0.6  # without the secret, a client's guess is a coin toss


def test_status_guardrail_and_promotion(log: storage.Log) -> None:
    # Control and rival are both uniform: with a random salt the guardrail could stop the
    # rival by chance (at most its 5% error rate), so the draws are fixed here.
    set_salt(log, "5a17" * 16)
    clock, ids = _setup(log)
    start_experiment(
        log, "guard", ["t"], ["control=head:40", "editorial=baseline:30", "rival=policy:uniform:30"]
    )
    with ArtworkChooser(log, UniformPolicy(), clock=clock, reload_every_s=0) as chooser:
        _serve(chooser, clock, ids[1], 1500, units=500)
        log.join_matured(now=clock())
        status = experiment_status(log, "guard")
        by_name = {a.name: a for a in status.arms}
        assert by_name["editorial"].mean == 0.0  # the baseline is never the good artwork
        assert 0.2 < by_name["control"].mean < 0.5
        editorial = next(d for d in status.differences if d.arm == "editorial")
        assert editorial.verdict == "worse"
        assert status.as_json()["differences"][0]["verdict"] == "worse"
        stops = apply_guardrails(log)
        assert [(s.experiment, s.arm) for s in stops] == [("guard", "editorial")]
        assert apply_guardrails(log) == []  # once
        changes = log.experiment_changes(log.experiment("guard").id)
        assert changes[-1].kind == "arm-stop" and changes[-1].evidence["decisions"] > 0
        # The stopped arm's units now go to control, which takes their share too.
        after = _serve(chooser, clock, ids[1], 300, units=500, prefix="f")
        assert {arm for _, arm in after} == {"control", "rival"}
        assert log.decision("f0").assignment is not None
        control_p = {
            log.decision(f"f{i}").assignment.probability  # type: ignore[union-attr]
            for i, (_, arm) in enumerate(after)
            if arm == "control"
        }
        assert control_p == {0.7}
        with pytest.raises(InvalidExperiment, match="stopped"):
            promote(log, "guard", "editorial")
        assert [k for k, _, _ in policy_lineages(log)] == ["reward@guard.rival"]
        with Learner(log, UniformPolicy, lineage="reward@guard.rival") as learner:
            learner.run_once()
        promote(log, "guard", "rival")
        assert log.experiment("guard").status == "promoted"
        assert experiment_status(log, "guard").verdict == "stopped"
        decision = chooser.choose("t", {"segment": "s"}, unit_id="member-1")
        assert decision.arm is None and decision.policy_version.startswith("uniform:")
        assert policy_lineages(log) == [
            ("reward@guard.rival", "reward", "policy:uniform")
        ]  # a promoted policy keeps learning


def test_screen_refuses_a_challenger_the_log_already_condemns(log: storage.Log) -> None:
    clock, ids = _setup(log)
    with ArtworkChooser(log, UniformPolicy(), clock=clock, reload_every_s=0) as chooser:
        _serve(chooser, clock, ids[1], 600)
    log.join_matured(now=clock())
    arms = ["control=policy:uniform:50", "editorial=baseline:50"]
    with pytest.raises(ScreenRefused, match=r"editorial \(baseline\) scores 0.0000"):
        start_experiment(log, "screened", ["t"], arms)
    with pytest.raises(storage.UnknownExperiment):
        log.experiment("screened")  # nothing started
    experiment, screen = start_experiment(log, "screened", ["t"], arms, force=True)
    assert screen.refused()[0].arm == "editorial"
    start = log.experiment_changes(experiment.id)[0]
    assert start.kind == "start" and start.evidence["forced"] is True
    assert start.evidence["screen"]["arms"][1]["estimate"] == 0.0


def test_a_baseline_arm_whose_artwork_is_retired_stops_as_failing(log: storage.Log) -> None:
    clock, ids = _setup(log)
    start_experiment(log, "retire", ["t"], ["control=head:50", "editorial=baseline:50"])
    log.set_artwork_status([ids[0]], "retired")
    with ArtworkChooser(log, UniformPolicy(), clock=clock, reload_every_s=0) as chooser:
        arms = {arm for _, arm in _serve(chooser, clock, ids[1], 40, units=20)}
    # Every decision was served: by control, then (the experiment over) as if none ran.
    assert arms == {"control", None}
    experiment = log.experiment("retire")
    stopped = experiment.arm("editorial").stopped
    assert stopped is not None and stopped["reason"] == "failing"
    assert experiment.status == "stopped"  # no arm left beside control


def test_bad_experiments_are_refused(log: storage.Log) -> None:
    clock, _ = _setup(log)
    add_title(log, "u", 2)  # no baseline
    with pytest.raises(InvalidExperiment, match="sum to 100"):
        start_experiment(log, "x", ["t"], ["a=head:50", "b=baseline:40"])
    with pytest.raises(InvalidExperiment, match="NAME=SPEC:SHARE"):
        start_experiment(log, "x", ["t"], ["a=head", "b=baseline:100"])
    with pytest.raises(InvalidExperiment, match="arm spec"):
        start_experiment(log, "x", ["t"], ["a=head:50", "b=bogus:50"])
    # Settings go through the policy's typed constructor: none becomes a VW option.
    with pytest.raises(InvalidExperiment, match="interactions must be pairs"):
        start_experiment(
            log, "x", ["t"], ["a=head:50", "b=policy:vw?interactions=ua%20-f%20/tmp/m.vw:50"]
        )
    with pytest.raises(InvalidExperiment, match="learning_rate must be a number"):
        start_experiment(log, "x", ["t"], ["a=head:50", "b=policy:vw?learning_rate=1%20-d%20x:50"])
    with pytest.raises(InvalidExperiment, match="no setting"):
        start_experiment(log, "x", ["t"], ["a=head:50", "b=policy:uniform?nope=1:50"])
    with pytest.raises(InvalidExperiment, match="no checkpoint with version 9"):
        start_experiment(log, "x", ["t"], ["a=head:50", "b=checkpoint:9:50"])
    with pytest.raises(InvalidExperiment, match="no baseline artwork"):
        start_experiment(log, "x", ["u"], ["a=head:50", "b=baseline:50"])
    with pytest.raises(UnknownDefinition):
        start_experiment(log, "x", ["t"], ["a=head:50", "b=baseline:50"], reward="nope")
    with pytest.raises(storage.UnknownTitle):
        start_experiment(log, "x", ["nope"], ["a=head:50", "b=baseline:50"])
    with pytest.raises(InvalidExperiment, match="experiment name"):
        start_experiment(log, "Bad Name", ["t"], ["a=head:50", "b=baseline:50"])
    start_experiment(log, "first", ["t"], ["a=head:50", "b=baseline:50"])
    with pytest.raises(ConflictingRecord, match="already in the running experiment 'first'"):
        start_experiment(log, "second", ["t", "u"], ["a=head:50", "b=policy:uniform:50"])
    with pytest.raises(ConflictingRecord, match="exists"):
        start_experiment(log, "first", ["u"], ["a=head:50", "b=policy:uniform:50"])
    with (
        ArtworkChooser(log, UniformPolicy(), clock=clock) as chooser,
        pytest.raises(InvalidContext, match="unit id"),
    ):
        chooser.choose("t", {"segment": "s"}, unit_id="x" * 129)
    with pytest.raises(storage.InvalidExperiment, match="control arm"):
        log.stop_experiment_arm("first", "a", "why", {})
    stop_experiment(log, "first")
    with pytest.raises(InvalidExperiment, match="stopped"):
        stop_experiment(log, "first")
    with pytest.raises(InvalidExperiment, match="stopped"):
        promote(log, "first", "b")
    with pytest.raises(UnknownExperiment):
        promote(log, "nope", "b")
    # The title is free again once the experiment ended.
    start_experiment(log, "second", ["t", "u"], ["a=head:50", "b=policy:uniform:50"])


def test_a_checkpoint_arm_serves_that_checkpoint(log: storage.Log) -> None:
    clock, ids = _setup(log)
    with ArtworkChooser(log, UniformPolicy(), clock=clock, reload_every_s=0) as chooser:
        _serve(chooser, clock, ids[1], 100)
        with Learner(log, UniformPolicy, clock=clock) as learner:
            version = learner.run_once().version
        log.mark_checkpoint_bad(version, "test")
        with pytest.raises(InvalidExperiment, match="marked bad"):
            start_experiment(log, "frozen", ["t"], ["a=head:50", f"b=checkpoint:{version}:50"])
        with Learner(log, UniformPolicy, clock=clock) as learner:
            _serve(chooser, clock, ids[1], 100, prefix="g")
            version = learner.run_once().version
        start_experiment(
            log, "frozen", ["t"], ["a=policy:uniform:50", f"b=checkpoint:{version}:50"]
        )
        versions = {
            d.policy_version
            for d in (chooser.choose("t", {"segment": "s"}, unit_id=f"m{i}") for i in range(40))
            if d.arm == "b"
        }
    assert versions == {f"uniform:{version}"}
    with pytest.raises(storage.InvalidExperiment, match="1-99"):
        storage.ExperimentArm("a", "head", 100)


def test_an_arm_whose_policy_fails_is_stopped_and_its_members_served(
    log: storage.Log, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bandit import GreedyPolicy

    def broken(*args: object) -> object:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(GreedyPolicy, "probabilities", broken)
    clock, ids = _setup(log)
    start_experiment(
        log, "broken", ["t"], ["control=head:40", "greedy=policy:greedy:30", "other=baseline:30"]
    )
    with ArtworkChooser(log, UniformPolicy(), clock=clock, reload_every_s=0) as chooser:
        arms = [arm for _, arm in _serve(chooser, clock, ids[1], 60, units=30)]
    assert "greedy" not in arms and "control" in arms  # every member was served
    stopped = log.experiment("broken").arm("greedy").stopped
    assert stopped is not None and stopped["reason"] == "failing"
    change = log.experiment_changes(log.experiment("broken").id)[-1]
    assert "model exploded" in change.evidence["error"]
