"""Records of online experiments, as the log keeps them. Frozen, validated, no SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.errors import InvalidDecision, InvalidExperiment
from storage.ids import ARM_NAME


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where an online experiment sent a decision."""

    experiment_id: int
    arm: str
    probability: float
    """The chance the assignment gave this arm, in (0, 1]."""
    unit: str | None = None
    """The keyed hash of the unit id the client sent (None: assigned per decision)."""

    def __post_init__(self) -> None:
        ARM_NAME.check(self.arm, InvalidDecision)
        if not 0.0 < self.probability <= 1.0:
            raise InvalidDecision(f"arm probability must be in (0, 1], got {self.probability}")


@dataclass(frozen=True, slots=True)
class ExperimentArm:
    """One arm: its name, what serves it, and its share of the units in percent."""

    name: str
    spec: str
    """``head``, ``checkpoint:N``, ``baseline`` or ``policy:NAME`` (see `bandit.experiments`)."""
    share: int
    stopped: Mapping[str, Any] | None = None
    """When and why it was stopped (its units then go to control); None while it runs."""

    def __post_init__(self) -> None:
        ARM_NAME.check(self.name, InvalidExperiment)
        if not isinstance(self.spec, str) or not 0 < len(self.spec) <= 100:
            raise InvalidExperiment(f"arm {self.name!r}: its spec must be 1-100 characters")
        if isinstance(self.share, bool) or not isinstance(self.share, int):
            raise InvalidExperiment(f"arm {self.name!r}: share must be a whole percentage")
        if not 0 < self.share < 100:
            raise InvalidExperiment(f"arm {self.name!r}: share must be 1-99 percent")

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "spec": self.spec, "share": self.share, "stopped": self.stopped}


@dataclass(frozen=True, slots=True)
class Experiment:
    """An experiment as the log holds it."""

    id: int
    name: str
    titles: tuple[str, ...]
    arms: tuple[ExperimentArm, ...]
    """Control first."""
    reward: str
    """The reward definition that judges it."""
    salt_id: int
    """The sampling salt whose secret keys its unit hash."""
    status: str
    """``running``, ``stopped`` or ``promoted``."""
    started_at: datetime
    ended_at: datetime | None

    @property
    def control(self) -> ExperimentArm:
        return self.arms[0]

    def arm(self, name: str) -> ExperimentArm:
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise InvalidExperiment(
            f"experiment {self.name!r} has no arm {name!r}; its arms:"
            f" {', '.join(a.name for a in self.arms)}"
        )


@dataclass(frozen=True, slots=True)
class ExperimentChange:
    """One entry of an experiment's history."""

    at: datetime
    kind: str
    """``start``, ``arm-stop``, ``stop`` or ``promote``."""
    arm: str | None
    evidence: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Served:
    """A decision an experiment served: enough to count its units and decisions per arm."""

    event_id: str
    created_at: datetime
    arm: str
    unit: str | None
