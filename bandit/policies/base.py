"""The policy interface: one required method, `probabilities`; hooks with defaults."""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bandit.context import Context
from bandit.errors import CorruptModel
from bandit.records import Arm, ArtworkExplanation, LearningExample

Pmf = npt.NDArray[np.float64]


class Policy(ABC):
    """Chooses among arms for a context. Policies know no SQL: the chooser and the learner move
    data between them and the log.

    Subclasses implement `probabilities`. Learning policies also override `learn`, `save` and
    `load_state` (bytes only: nothing is pickled); `explain` has a default that says only the
    probabilities.
    """

    #: The name stored in checkpoints, used to rebuild the policy (see `bandit.policies.registry`).
    name: str = ""

    @abstractmethod
    def probabilities(self, context: Context, arms: Sequence[Arm]) -> Pmf:
        """The pmf over ``arms``: shape (len(arms),), non-negative, summing to 1."""

    def learn(self, examples: Sequence[LearningExample]) -> None:
        """Update from joined examples, in log order. Default: a policy that does not learn."""
        return

    @property
    def exploration(self) -> Mapping[str, Any]:
        """Exploration settings, logged with each decision."""
        return {"kind": self.name}

    @property
    def params(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this policy (stored with checkpoints)."""
        return {}

    def describe_args(self) -> str:
        """What a checkpoint stores as the policy's arguments: JSON with ``params``."""
        return json.dumps({"params": self.params}, sort_keys=True)

    def save(self) -> bytes:
        """The learned state as bytes."""
        return b""

    def load(self, state: bytes) -> None:
        """Restore the learned state written by `save`.

        Raises:
            CorruptModel: the bytes are not a state this policy wrote, whatever the policy and
                however they are malformed. Nothing was replaced.
        """
        try:
            self.load_state(state)
        except CorruptModel:
            raise
        except (ValueError, KeyError, TypeError, RecursionError, UnicodeDecodeError) as exc:
            # RecursionError: a state nested deeper than the JSON reader goes.
            raise CorruptModel(f"could not load the {self.name} state: {exc}") from exc

    def load_state(self, state: bytes) -> None:
        """The hook behind `load`: restore ``state``; raise ValueError (or KeyError,
        TypeError) for bytes it does not accept, before replacing anything."""
        return

    def explain(
        self, context: Context, arms: Sequence[Arm], top: int = 5
    ) -> list[ArtworkExplanation]:
        """Each arm's probability for this context and, where the policy can say, its score
        and the features that contributed most. Default: the probabilities alone."""
        pmf = self.probabilities(context, arms)
        return [
            ArtworkExplanation(arm.id, float(p), float(p), ())
            for arm, p in zip(arms, pmf, strict=True)
        ]


def normalised(weights: Sequence[float] | npt.NDArray[np.float64]) -> Pmf:
    """Weights as a float64 pmf that sums to 1 exactly enough for the log (VW's float32
    probabilities can be off by ~1e-7)."""
    clipped = [w if w > 0.0 else 0.0 for w in weights]  # plain Python: arms are few
    total = math.fsum(clipped)
    if not math.isfinite(total) or total <= 0.0:
        return np.full(len(clipped), 1.0 / len(clipped))
    return np.array([w / total for w in clipped])


def lifted(pmf: Pmf, floor: float) -> Pmf:
    """``pmf`` with every arm at least ``floor / len(pmf)``: each arm below the bound is
    raised to it, and the mass comes from the arms above it, in proportion to how far above
    they are. The same bound as mixing in ``floor`` of uniform, at a lower cost: mixing takes
    ``floor`` from every arm, this only what the arms under the bound lack.

    >>> lifted(np.array([0.97, 0.03, 0.0, 0.0]), 0.04).round(4).tolist()
    [0.9504, 0.0296, 0.01, 0.01]
    """
    bound = floor / len(pmf)
    excess = [p - bound if p > bound else 0.0 for p in pmf.tolist()]  # plain Python: arms are few
    above = math.fsum(excess)
    if above <= 0.0:
        return np.full(len(pmf), 1.0 / len(pmf))
    scale = (1.0 - bound * len(pmf)) / above
    return normalised([bound + e * scale for e in excess])
