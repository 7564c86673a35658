"""Start, stop and promote experiments, and the guardrails that stop losing arms: the calls
behind ``thumbnail-bandit experiments`` and the admin routes.

    >>> start_experiment(log, "artwork-test", ["t1"],                    # doctest: +SKIP
    ...                  ["control=head:90", "challenger=policy:thompson:10"])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import storage
from bandit.errors import InvalidExperiment, ScreenRefused
from bandit.experiments.arms import checkpoint_version, lineage, parse_arm, policy_of
from bandit.experiments.screen import Screen, screen
from bandit.experiments.status import experiment_status
from bandit.learner import Learner
from bandit.log_boundary import log_errors

MAX_LINEAGE = 64
"""How long a lineage name may be (the log's column)."""


def start_experiment(
    log: storage.Log,
    name: str,
    titles: Sequence[str],
    arms: Sequence[str | storage.ExperimentArm],
    *,
    reward: str = storage.BUILT_IN_REWARD,
    force: bool = False,
) -> tuple[storage.Experiment, Screen]:
    """Check the arms against the log, screen the challengers by replay, and start.

    Args:
        arms: ``NAME=SPEC:SHARE`` each (`bandit.experiments.arms`), control first.
        reward: the reward definition that judges the experiment.
        force: start even when the screen refuses a challenger (the log records it).

    Raises:
        InvalidExperiment: bad arms or shares; a checkpoint that does not exist or is marked
            bad; a baseline arm on a title without a baseline artwork.
        UnknownDefinition, UnknownTitle.
        ConflictingRecord: the name is taken, or a title is in another running experiment.
        ScreenRefused: replay puts a challenger wholly below control (without ``force``).
    """
    parsed = [parse_arm(a) if isinstance(a, str) else a for a in arms]
    with log_errors():
        storage.EXPERIMENT_NAME.check(name, storage.InvalidExperiment)
        storage.experiments.check_arms(parsed)
        log.reward_definition(reward)  # UnknownDefinition early
        for arm in parsed:
            _check_against_log(log, name, titles, arm, reward)
        result = screen(log, titles, parsed, reward)
        refused = result.refused()
        if refused and not force:
            control = result.arms[0]
            raise ScreenRefused(
                "; ".join(
                    f"replayed on the log, {a.arm} ({a.target}) scores {a.estimate:.4f}"
                    f" [{a.low:.4f}, {a.high:.4f}], wholly below control {control.arm}"
                    f" ({control.target}) at {control.estimate:.4f}"
                    f" [{control.low:.4f}, {control.high:.4f}]"
                    for a in refused
                )
                + "; not started (--force starts it anyway, and the log records that)"
            )
        evidence: dict[str, Any] = {"screen": result.as_json(), "forced": bool(refused)}
        experiment = log.start_experiment(
            name, titles, parsed, reward, log.sampling_salt().id, evidence
        )
    return experiment, result


def _check_against_log(
    log: storage.Log,
    name: str,
    titles: Sequence[str],
    arm: storage.ExperimentArm,
    reward: str,
) -> None:
    version = checkpoint_version(arm.spec)
    if version is not None:
        try:
            checkpoint = log.checkpoint(version)
        except storage.CheckpointNotFound as exc:
            raise InvalidExperiment(f"arm {arm.name}: {exc}") from None
        if checkpoint.bad_reason is not None:
            raise InvalidExperiment(
                f"arm {arm.name}: checkpoint {version} is marked bad ({checkpoint.bad_reason})"
            )
    elif arm.spec == "baseline":
        for title in titles:
            if log.title_mode(title).baseline_artwork_id is None:
                raise InvalidExperiment(
                    f"arm {arm.name}: title {title!r} has no baseline artwork; set one with"
                    f" `thumbnail-bandit titles mode {title} online --baseline ARTWORK_ID`"
                )
    elif arm.spec.startswith("policy:"):
        key = lineage(reward, name, arm.name)
        if len(key) > MAX_LINEAGE:
            raise InvalidExperiment(
                f"arm {arm.name}: its lineage name {key!r} is over {MAX_LINEAGE} characters;"
                " shorten the experiment or arm name"
            )


def stop_experiment(log: storage.Log, name: str, reason: str = "stopped by hand") -> None:
    """End it without a winner. Raises UnknownExperiment, InvalidExperiment (ended)."""
    with log_errors():
        status = experiment_status(log, name)
        log.stop_experiment(name, reason, {"status": status.as_json()})


def stop_arm(log: storage.Log, name: str, arm: str, reason: str = "stopped by hand") -> None:
    """Stop one challenger; its units go to control."""
    with log_errors():
        log.stop_experiment_arm(name, arm, reason, {})


def promote(log: storage.Log, name: str, arm: str) -> storage.Experiment:
    """Make ``arm`` what serves the experiment's titles, and end the experiment.

    A ``policy:`` arm keeps its lineage (``learn`` keeps learning it); ``checkpoint:N``
    stays frozen; ``baseline`` serves the editorial artwork; ``head`` is what serves
    titles anyway. Raises UnknownExperiment, InvalidExperiment (no such arm, a stopped arm,
    an experiment that ended)."""
    with log_errors():
        experiment = log.experiment(name)
        winner = experiment.arm(arm)
        spec: str | None = winner.spec
        if winner.spec == "head":
            spec = None
        elif winner.spec.startswith("policy:"):
            spec = f"{winner.spec}|{lineage(experiment.reward, name, arm)}"
        status = experiment_status(log, name)
        return log.promote_experiment(name, arm, spec, {"status": status.as_json()})


@dataclass(frozen=True, slots=True)
class GuardrailStop:
    experiment: str
    arm: str
    evidence: dict[str, Any]


def apply_guardrails(log: storage.Log) -> list[GuardrailStop]:
    """Stop every running challenger that is worse than control with confidence (its
    confidence sequence wholly below 0); the stop is logged with that evidence."""
    stops = []
    with log_errors():
        running, _ = log.experiment_state()
    for experiment in running:
        status = experiment_status(log, experiment.name)
        live = {a.name for a in experiment.arms[1:] if a.stopped is None}
        for difference in status.differences:
            if difference.arm in live and difference.verdict == "worse":
                now = difference.now
                evidence = {
                    "difference": now.difference,
                    "confidence_sequence": [now.low, now.high],
                    "decisions": now.decisions,
                }
                with log_errors():
                    log.stop_experiment_arm(
                        experiment.name, difference.arm, "worse than control", evidence
                    )
                stops.append(GuardrailStop(experiment.name, difference.arm, evidence))
    return stops


def policy_lineages(log: storage.Log) -> list[tuple[str, str, str]]:
    """``(lineage, reward definition, policy spec)`` of every policy the learner must keep
    current: the ``policy:`` arms of running experiments, and promoted ones."""
    with log_errors():
        running, title_specs = log.experiment_state()
    found = {}
    for experiment in running:
        for arm in experiment.arms:
            if arm.spec.startswith("policy:") and arm.stopped is None:
                key = lineage(experiment.reward, experiment.name, arm.name)
                found[key] = (key, experiment.reward, arm.spec)
    for spec in title_specs.values():
        if "|" in spec:
            policy_spec, _, key = spec.partition("|")
            found[key] = (key, key.partition("@")[0], policy_spec)
    return list(found.values())


def learn_arm_lineages(log: storage.Log) -> list[tuple[str, int]]:
    """One learning round for every policy lineage experiments keep (`policy_lineages`):
    ``(lineage, examples learned)`` each. ``learn`` runs it after its own round."""
    learned = []
    for key, reward, spec in policy_lineages(log):
        with Learner(log, partial(policy_of, spec), reward=reward, lineage=key) as run:
            learned.append((key, run.run_once().learned))
    return learned
