"""Peer libraries as simulation agents, set up as their documentation suggests, learning from
the same batches as the project's policies (see `bandit.simulate.run.Agent`).

- MABWiser LinUCB: one model per title, on the user's one-hot segment, country and device and
  the hour; it does not see the artworks' features.
- MABWiser Thompson sampling: one Beta-Bernoulli model per (title, segment).
- Raw Vowpal Wabbit: ``--cb_explore_adf --squarecb`` with user x artwork interactions, fed
  text written here, not by the project.

MABWiser is a benchmark dependency only (``pip install mabwiser``); nothing in the packages
imports it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from mabwiser.mab import MAB, LearningPolicy
from vowpalwabbit import Workspace

from bandit import Arm, Context, LearningExample
from bandit.sampling import uniform_for

#: One-hot slots for the categorical context values LinUCB sees, filled as values appear.
SLOTS = 40


class _Untrained:
    """Before a model has seen a batch, MABWiser cannot predict: choose uniformly, which is
    also what both peers' priors imply."""

    @staticmethod
    def pick(arms: Sequence[Arm], key: str) -> tuple[int, float]:
        return int(uniform_for(key, "peer") * len(arms)), 1.0 / len(arms)


class MabwiserLinUCB:
    name = "MABWiser LinUCB"

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha
        self._models: dict[str, MAB] = {}
        self._fitted: set[str] = set()
        self._slots: dict[str, int] = {}

    def _x(self, context: Context) -> np.ndarray:
        x = np.zeros(SLOTS + 2)
        x[-1] = 1.0
        values = [f"segment={context.segment}"]
        values += [f"{k}={v}" for k, v in context.features.items() if isinstance(v, str)]
        for value in values:
            slot = self._slots.setdefault(value, len(self._slots))
            if slot < SLOTS:
                x[slot] = 1.0
        hour = context.features.get("hour")
        x[-2] = float(hour) / 23.0 if isinstance(hour, int | float) else 0.0
        return x

    def _model(self, title: str, arms: Sequence[Arm]) -> MAB:
        model = self._models.get(title)
        if model is None:
            model = MAB([a.id for a in arms], LearningPolicy.LinUCB(alpha=self.alpha), seed=7)
            self._models[title] = model
        return _offering(model, arms)

    def choose(
        self, title: str, context: Context, arms: Sequence[Arm], key: str
    ) -> tuple[int, float]:
        title = _title_of(arms)
        model = self._model(title, arms)
        if title not in self._fitted:
            return _Untrained.pick(arms, key)
        chosen = model.predict([self._x(context)])
        return [a.id for a in arms].index(chosen), 1.0

    def learn(self, examples: Sequence[LearningExample]) -> None:
        by_title: dict[str, list[LearningExample]] = {}
        for ex in examples:
            by_title.setdefault(_title_of(ex.arms), []).append(ex)
        for title, batch in by_title.items():
            model = self._model(title, batch[-1].arms)
            decisions = [ex.arms[ex.chosen].id for ex in batch]
            rewards = [ex.reward for ex in batch]
            contexts = np.array([self._x(ex.context) for ex in batch])
            model.partial_fit(decisions, rewards, contexts)
            self._fitted.add(title)


class MabwiserThompson:
    name = "MABWiser TS per segment"

    def __init__(self) -> None:
        self._models: dict[tuple[str, str], MAB] = {}
        self._fitted: set[tuple[str, str]] = set()
        self._rng = np.random.default_rng(0)

    def _binary(self, reward: float) -> int:
        """Beta-Bernoulli Thompson sampling takes 0 or 1: a reward between is a coin with
        that chance (the same mean; Agrawal and Goyal's trick), clicks stay as they are."""
        return int(reward) if reward in (0.0, 1.0) else int(self._rng.random() < reward)

    def _model(self, title: str, segment: str, arms: Sequence[Arm]) -> MAB:
        model = self._models.get((title, segment))
        if model is None:
            seed = int(uniform_for(f"{title}/{segment}", "ts") * 2**31)
            model = MAB([a.id for a in arms], LearningPolicy.ThompsonSampling(), seed=seed)
            self._models[(title, segment)] = model
        return _offering(model, arms)

    def choose(
        self, title: str, context: Context, arms: Sequence[Arm], key: str
    ) -> tuple[int, float]:
        group = (_title_of(arms), context.segment)
        model = self._model(*group, arms)
        if group not in self._fitted:
            return _Untrained.pick(arms, key)
        return [a.id for a in arms].index(model.predict()), 1.0

    def learn(self, examples: Sequence[LearningExample]) -> None:
        groups: dict[tuple[str, str], list[LearningExample]] = {}
        for ex in examples:
            groups.setdefault((_title_of(ex.arms), ex.context.segment), []).append(ex)
        for (title, segment), batch in groups.items():
            model = self._model(title, segment, batch[-1].arms)
            model.partial_fit(
                [ex.arms[ex.chosen].id for ex in batch], [self._binary(ex.reward) for ex in batch]
            )
            self._fitted.add((title, segment))


class RawVW:
    name = "raw VW squarecb"

    def __init__(self, args: str = "--cb_explore_adf --squarecb -q UA -q UI") -> None:
        self.vw = Workspace(f"{args} --quiet --random_seed 1")

    @staticmethod
    def _lines(
        context: Context, arms: Sequence[Arm], label: tuple[int, float, float] | None
    ) -> list[str]:
        user = [f"segment={context.segment}"]
        for k, v in context.features.items():
            user.append(f"{k}={v}" if isinstance(v, str) else f"{k}:{v}")
        lines = ["shared |U " + " ".join(user)]
        for index, arm in enumerate(arms):
            features = " ".join(f"{k}:{v}" for k, v in arm.features.items())
            prefix = ""
            if label is not None and label[0] == index:
                prefix = f"0:{-label[1]}:{label[2]} "
            lines.append(f"{prefix}|A {features} |I a{arm.id}")
        return lines

    def choose(
        self, title: str, context: Context, arms: Sequence[Arm], key: str
    ) -> tuple[int, float]:
        pmf = np.asarray(self.vw.predict(self._lines(context, arms, None)), dtype=float)
        pmf = pmf / pmf.sum()
        u = uniform_for(key)
        chosen = min(int(np.searchsorted(np.cumsum(pmf), u, side="right")), len(arms) - 1)
        return chosen, float(pmf[chosen])

    def learn(self, examples: Sequence[LearningExample]) -> None:
        for ex in examples:
            self.vw.learn(self._lines(ex.context, ex.arms, (ex.chosen, ex.reward, ex.probability)))


def _offering(model: MAB, arms: Sequence[Arm]) -> MAB:
    """The model, told about any artwork that arrived since it was made."""
    for arm in arms:
        if arm.id not in model.arms:
            model.add_arm(arm.id)
    return model


def _title_of(arms: Sequence[Arm]) -> str:
    # Examples carry no title. Titles own disjoint artwork ids, and new artwork gets a higher
    # id, so the smallest candidate id names a title's model for the whole run.
    return f"arms-from-{min(a.id for a in arms)}"
