"""The part of `storage.Log` that keeps online experiments (see `storage.experiments`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage import experiments
from storage.experiment_records import Experiment, ExperimentArm, ExperimentChange, Served
from storage.queries import JoinedFilter, joined_examples
from storage.records import JoinedExample


class ExperimentMethods:
    """Experiments: start, read, stop arms, stop, promote; mixed into `storage.Log`."""

    def session(self) -> Session:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def start_experiment(
        self,
        name: str,
        titles: Sequence[str],
        arms: Sequence[ExperimentArm],
        reward: str,
        salt_id: int,
        evidence: Mapping[str, Any],
        *,
        now: datetime | None = None,
    ) -> Experiment:
        """See `storage.experiments.start`."""
        with self.transaction() as s:
            return experiments.start(s, name, titles, arms, reward, salt_id, evidence, now)

    def experiment(self, name: str) -> Experiment:
        """Raises UnknownExperiment."""
        with self.session() as s:
            return experiments.get(s, name)

    def experiments(self) -> list[Experiment]:
        """Every experiment, newest first."""
        with self.session() as s:
            return experiments.all_experiments(s)

    def experiment_state(self) -> tuple[list[Experiment], dict[str, str]]:
        """The running experiments and the title policies promotions left: what a chooser
        polls."""
        with self.session() as s:
            return experiments.running(s), experiments.title_policies(s)

    def stop_experiment_arm(
        self,
        name: str,
        arm: str,
        reason: str,
        evidence: Mapping[str, Any],
        *,
        now: datetime | None = None,
    ) -> Experiment:
        """See `storage.experiments.stop_arm`."""
        with self.transaction() as s:
            return experiments.stop_arm(s, name, arm, reason, evidence, now)

    def stop_experiment(
        self, name: str, reason: str, evidence: Mapping[str, Any], *, now: datetime | None = None
    ) -> Experiment:
        """See `storage.experiments.stop`."""
        with self.transaction() as s:
            return experiments.stop(s, name, reason, evidence, now)

    def promote_experiment(
        self,
        name: str,
        arm: str,
        title_spec: str | None,
        evidence: Mapping[str, Any],
        *,
        now: datetime | None = None,
    ) -> Experiment:
        """See `storage.experiments.promote`."""
        with self.transaction() as s:
            return experiments.promote(s, name, arm, title_spec, evidence, now)

    def experiment_changes(self, experiment_id: int) -> list[ExperimentChange]:
        with self.session() as s:
            return experiments.changes(s, experiment_id)

    def experiment_served(self, experiment_id: int) -> list[Served]:
        """Every decision the experiment served, oldest first."""
        with self.session() as s:
            return experiments.served(s, experiment_id)

    def experiment_joined(
        self, experiment_id: int
    ) -> tuple[list[JoinedExample], dict[str, tuple[str, float]]]:
        """The experiment's joined decisions in sequence order (rewards as joined), and each
        decision's arm and arm probability."""
        with self.session() as s:
            rows = joined_examples(s, where=JoinedFilter(experiment_id=experiment_id))
            return rows, experiments.assigned_arms(s, experiment_id)
