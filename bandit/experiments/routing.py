"""Which policy serves a decision: an experiment's arm for the unit, what a promotion left on
the title, or the head. The chooser asks a `Router` per title and refreshes it when it polls
the log for checkpoints, so a start, a stop or a promotion takes effect within that interval
in every worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import storage
from bandit.errors import BanditError, InvalidExperiment
from bandit.experiments.arms import checkpoint_version, lineage, policy_of
from bandit.experiments.assignment import assign, unit_hash
from bandit.log_boundary import log_errors
from bandit.policies.base import Policy
from bandit.policies.registry import restore_policy

log = logging.getLogger(__name__)

BASELINE = "baseline"
"""What a baseline arm logs as its policy version."""


@dataclass(frozen=True, slots=True)
class Route:
    """What serves one decision."""

    policy: Policy | None
    """None: the title's editorial baseline, always."""
    version: str
    """The policy version logged with the decision."""
    assignment: storage.Assignment | None = None
    experiment: str | None = None
    fallback: Route | None = field(default=None, repr=False)
    """Control's route, for when this arm cannot serve (its baseline artwork is retired)."""


@dataclass(slots=True)
class _Served:
    policy: Policy
    version: int


class Router:
    """Routes of the running experiments and promoted titles, as of the last `refresh`."""

    def __init__(self, log: storage.Log) -> None:
        self._log = log
        self._by_title: dict[str, storage.Experiment] = {}
        self._title_specs: dict[str, str] = {}
        self._secrets: dict[int, str] = {}
        self._frozen: dict[int, Policy] = {}  # checkpoint:N arms, loaded once
        self._lineages: dict[str, _Served] = {}  # policy: arms and promoted policies
        self._failed: set[tuple[str, str]] = set()

    # --- polling ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the running experiments and title policies, and load what their arms serve.
        An arm that cannot be served (a checkpoint missing, marked bad or corrupt) is stopped
        in the log as failing: its units go to control."""
        with log_errors():
            running, self._title_specs = self._log.experiment_state()
            self._by_title = {t: e for e in running for t in e.titles}
            for experiment in running:
                if experiment.salt_id not in self._secrets:
                    salt = self._log.salt(experiment.salt_id)
                    self._secrets[experiment.salt_id] = "" if salt is None else salt.secret
                for arm in experiment.arms:
                    if arm.stopped is None:
                        self._prepare(experiment, arm)
            for spec in self._title_specs.values():
                self._prepare_title(spec)

    def _prepare(self, experiment: storage.Experiment, arm: storage.ExperimentArm) -> None:
        try:
            version = checkpoint_version(arm.spec)
            if version is not None:
                self._frozen_policy(version)
            elif arm.spec.startswith("policy:"):
                self._lineage_policy(
                    lineage(experiment.reward, experiment.name, arm.name), arm.spec
                )
        except (BanditError, storage.StorageError) as exc:
            self.fail(experiment.name, arm.name, f"cannot serve {arm.spec}: {exc}")

    def _prepare_title(self, spec: str) -> None:
        try:
            version = checkpoint_version(spec)
            if version is not None:
                self._frozen_policy(version)
            elif "|" in spec:
                policy_spec, _, key = spec.partition("|")
                self._lineage_policy(key, policy_spec)
        except (BanditError, storage.StorageError) as exc:
            log.warning("the title policy %s cannot be served (%s); serving the head", spec, exc)

    def _frozen_policy(self, version: int) -> Policy:
        if version not in self._frozen:
            checkpoint = self._log.checkpoint(version)
            if checkpoint.bad_reason is not None:
                raise InvalidExperiment(f"checkpoint {version} is marked bad")
            self._frozen[version] = restore_policy(
                checkpoint.policy, checkpoint.args, checkpoint.model
            )
        return self._frozen[version]

    def _lineage_policy(self, key: str, spec: str) -> _Served:
        served = self._lineages.get(key)
        head = self._log.head_version(key)
        if served is None or served.version < head:
            if head:
                checkpoint = self._log.checkpoint(head)
                policy = restore_policy(checkpoint.policy, checkpoint.args, checkpoint.model)
                served = _Served(policy, head)
            elif served is None:  # nothing learned yet: the policy as configured
                served = _Served(policy_of(spec), 0)
            self._lineages[key] = served
        return served

    def fail(self, experiment: str, arm: str, reason: str) -> None:
        """Stop an arm that cannot serve; its units go to control (once per arm)."""
        if (experiment, arm) in self._failed:
            return
        self._failed.add((experiment, arm))
        log.warning("experiment %s: arm %s stopped: %s", experiment, arm, reason)
        try:
            with log_errors():
                self._log.stop_experiment_arm(experiment, arm, "failing", {"error": reason})
        except BanditError as exc:  # control, or already ended: the log has the last word
            log.warning("experiment %s: arm %s not stopped: %s", experiment, arm, exc)

    # --- routing ----------------------------------------------------------------------

    def route(self, title_id: str, head: Route, unit_id: str | None, event_id: str) -> Route:
        """The route for one decision; ``head`` is what the chooser serves anyway."""
        experiment = self._by_title.get(title_id)
        if experiment is None:
            spec = self._title_specs.get(title_id)
            return head if spec is None else self._spec_route(spec, head, None, None)
        secret = self._secrets.get(experiment.salt_id, "")
        hashed = unit_hash(secret, experiment.name, unit_id or f"event:{event_id}")
        arm, probability = assign(experiment, hashed)
        if (experiment.name, arm.name) in self._failed:
            arm = experiment.control
            probability = _control_share(experiment, self._failed)
        assignment = storage.Assignment(
            experiment.id, arm.name, probability, hashed if unit_id is not None else None
        )
        route = self._arm_route(experiment, arm, head, assignment)
        if arm is experiment.control:
            return route
        control = storage.Assignment(
            experiment.id,
            experiment.control.name,
            _control_share(experiment, self._failed | {(experiment.name, arm.name)}),
            assignment.unit,
        )
        fallback = self._arm_route(experiment, experiment.control, head, control)
        return Route(route.policy, route.version, assignment, experiment.name, fallback)

    def _arm_route(
        self,
        experiment: storage.Experiment,
        arm: storage.ExperimentArm,
        head: Route,
        assignment: storage.Assignment,
    ) -> Route:
        spec = arm.spec
        if spec.startswith("policy:"):
            spec = f"{spec}|{lineage(experiment.reward, experiment.name, arm.name)}"
        return self._spec_route(spec, head, assignment, experiment.name)

    def _spec_route(
        self,
        spec: str,
        head: Route,
        assignment: storage.Assignment | None,
        experiment: str | None,
    ) -> Route:
        version = checkpoint_version(spec)
        if version is not None and version in self._frozen:
            policy = self._frozen[version]
            return Route(policy, f"{policy.name}:{version}", assignment, experiment)
        if spec == BASELINE:
            return Route(None, BASELINE, assignment, experiment)
        key = spec.partition("|")[2]
        if key in self._lineages:
            served = self._lineages[key]
            name = f"{served.policy.name}:{served.version}"
            return Route(served.policy, name, assignment, experiment)
        return Route(head.policy, head.version, assignment, experiment)  # head, or unservable


def _control_share(experiment: storage.Experiment, failed: set[tuple[str, str]]) -> float:
    gone = sum(
        a.share
        for a in experiment.arms[1:]
        if a.stopped is not None or (experiment.name, a.name) in failed
    )
    return (experiment.control.share + gone) / 100.0
