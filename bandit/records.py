"""Records passed between the chooser, the policies and the learner."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from bandit.context import Context


@dataclass(frozen=True, slots=True)
class Arm:
    """One artwork a policy may choose: its id and its action features."""

    id: int
    features: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Decision:
    """What ``choose`` returns. It was logged before it was returned."""

    event_id: str
    """Send it back with the reward."""
    title_id: str
    artwork_id: int
    """The artwork to show."""
    probability: float
    """The chance the policy gave this artwork (its propensity)."""
    pmf: tuple[float, ...]
    """Probability of each candidate, shape (n_candidates,), in ``candidate_ids`` order."""
    candidate_ids: tuple[int, ...]
    policy_version: str
    image_path: str = ""
    """Where the chosen artwork's image is (as registered)."""
    image_sha256: str | None = None
    """The image's content hash: its identity, and the address the decision service serves
    it at (``/artwork/<sha256>``). None for an artwork registered without one."""
    activated: bool = True
    """False when ranked with ``defer_activation``: call ``activate`` once it is shown."""
    policy_pmf: tuple[float, ...] | None = None
    """Apprentice mode: the title's baseline was served (``pmf`` is 1 on it) and this is
    the policy's own pmf, logged beside it. None when the policy chose."""
    experiment: str | None = None
    """The online experiment this decision took part in (None: none)."""
    arm: str | None = None
    """Its arm in that experiment: which policy served it."""

    @property
    def apprentice(self) -> bool:
        return self.policy_pmf is not None

    @property
    def policy_agreed(self) -> bool | None:
        """Apprentice mode: whether the policy's most likely artwork was the one served."""
        if self.policy_pmf is None:
            return None
        best = max(range(len(self.policy_pmf)), key=self.policy_pmf.__getitem__)
        return self.candidate_ids[best] == self.artwork_id

    def __post_init__(self) -> None:
        if len(self.pmf) != len(self.candidate_ids) or not math.isclose(
            sum(self.pmf), 1.0, abs_tol=1e-6
        ):
            raise ValueError("pmf must have one probability per candidate and sum to 1")
        if self.artwork_id not in self.candidate_ids:
            raise ValueError("the chosen artwork must be a candidate")


@dataclass(frozen=True, slots=True)
class LearningExample:
    """One logged, joined decision, ready for a policy to learn from."""

    context: Context
    arms: tuple[Arm, ...]
    """The candidates as they were offered, in order."""
    chosen: int
    """Index into ``arms`` of the shown artwork."""
    probability: float
    """Its logged propensity."""
    reward: float
    """In [0, 1]; click = 1."""


@dataclass(frozen=True, slots=True)
class Contribution:
    feature: str
    """Readable feature name, e.g. ``user.segment=drama x artwork.warmth``."""
    value: float
    """How much it adds to the artwork's expected reward (VW's -cost)."""


@dataclass(frozen=True, slots=True)
class ArtworkExplanation:
    artwork_id: int
    probability: float
    """Its probability under the policy for this context."""
    score: float
    """The model's expected reward for it (higher is better); the greedy choice is the max."""
    top_features: tuple[Contribution, ...]
    """The features with the largest effect on ``score``, largest first."""
