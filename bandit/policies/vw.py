"""The Vowpal Wabbit contextual bandit: ``--cb_explore_adf`` with user x artwork interactions.

One workspace per policy object, used from one thread; workspaces do not pickle, so models move
as VW's own saved bytes. Exploration: ``regcbopt`` (default), ``squarecb``, ``epsilon``,
``softmax`` or ``bag``.

Why ``regcbopt`` by default: it is optimistic, choosing the artwork whose cost could plausibly
be lowest given how little the model has seen of it, so exploration shrinks with evidence. Of
the VW settings measured on the scenarios of `bandit.simulate`, it came nearest the best peer
library overall: ``epsilon`` never stops exploring, and ``squarecb`` rarely tries a newcomer its
features predict to be average. It still falls short of per-segment Thompson sampling where
tastes follow the segment, for a new artwork, and after a drift, which is why the engine's
default policy, `bandit.policies.segment_mix.SegmentMixPolicy`, mixes it with Thompson
sampling per segment (``benchmarks/bench_learning.py`` measures all of them; the README has
the table).
"""

from __future__ import annotations

import functools
import json
import math
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import pylibvw
from vowpalwabbit import Workspace

from bandit import vw_text
from bandit.context import Context
from bandit.errors import CorruptModel, InvalidPolicyArgs
from bandit.policies.base import Pmf, Policy, normalised
from bandit.policies.checks import number, whole
from bandit.policies.vw_audit import captured_stdout, parse_audit
from bandit.policies.vw_options import ModelHeader, check_model_header, read_header
from bandit.records import Arm, ArtworkExplanation, Contribution, LearningExample

EXPLORATIONS = ("regcbopt", "squarecb", "epsilon", "softmax", "bag")
CB_TYPES = ("mtr", "ips", "dr", "dm")
NAMESPACES = "uai"


SHARED_CACHE = 16_384
"""Contexts whose shared line a policy keeps (by identity), before it starts afresh."""


class VWPolicy(Policy):
    """
    >>> from bandit import Arm, Context
    >>> from bandit import LearningExample
    >>> policy = VWPolicy(exploration="epsilon", epsilon=0.2)
    >>> warm, cool = Arm(1, {"warmth": 0.9}), Arm(2, {"warmth": 0.1})
    >>> policy.probabilities(Context("night-owls"), [warm, cool]).round(2).tolist()
    [0.5, 0.5]
    >>> clicked = LearningExample(Context("night-owls"), (warm, cool), 0, 0.5, 1.0)
    >>> policy.learn([clicked] * 20)   # night owls click the warm artwork
    >>> policy.probabilities(Context("night-owls"), [warm, cool]).round(2).tolist()
    [0.9, 0.1]

    Every argument is typed and range-checked; Vowpal Wabbit's command line is built from
    them alone, so nothing a checkpoint row holds can become a VW option.
    """

    name = "vw"

    def __init__(
        self,
        exploration: str = "regcbopt",
        epsilon: float = 0.05,
        softmax_lambda: float = 10.0,
        bag: int = 5,
        gamma_scale: float = 10.0,
        mellowness: float = 0.03,
        floor: float = 0.01,
        interactions: Sequence[str] = ("ua", "ui"),
        learning_rate: float = 0.5,
        cb_type: str = "mtr",
        power_t: float = 0.5,
        seed: int = 0,
    ) -> None:
        if exploration not in EXPLORATIONS:
            raise InvalidPolicyArgs(
                f"exploration must be one of {EXPLORATIONS}, got {exploration!r:.40}"
            )
        if cb_type not in CB_TYPES:
            raise InvalidPolicyArgs(f"cb_type must be one of {CB_TYPES}, got {cb_type!r:.40}")
        if isinstance(interactions, str) or not all(
            isinstance(pair, str) and len(pair) == 2 and set(pair) <= set(NAMESPACES)
            for pair in interactions
        ):
            raise InvalidPolicyArgs(
                f"interactions must be pairs of the namespaces {list(NAMESPACES)} such as"
                f" ('ua', 'ui'), got {interactions!r:.60}"
            )
        self.exploration_kind = exploration
        self.epsilon = number("epsilon", epsilon, 0.0, 1.0)
        self.softmax_lambda = number("softmax_lambda", softmax_lambda, 0.0, 1e4)
        self.bag = whole("bag", bag, 1, 64)
        self.gamma_scale = number("gamma_scale", gamma_scale, 1e-6, 1e6)
        self.mellowness = number("mellowness", mellowness, 1e-6, 100.0)
        self.floor = number("floor", floor, 0.0, 0.99)
        self.interactions = tuple(interactions)
        self.learning_rate = number("learning_rate", learning_rate, 1e-6, 100.0)
        self.cb_type = cb_type
        self.power_t = number("power_t", power_t, 0.0, 1.0)
        self.seed = whole("seed", seed, 0, 2**31 - 1)
        _fresh_header(self.vw_args)  # VW checks the arguments now (once per distinct set)
        # Made on first use: a policy restored from a checkpoint replaces it at once, and
        # making one costs as much as loading the model (3.5 ms here).
        self._workspace_made: Workspace | None = None
        self._lock = threading.Lock()
        self._actions: dict[int, tuple[Mapping[str, float], str]] = {}
        # The shared line of the contexts seen last, by identity: a learner's batch and a
        # mixture's scoring pass hand the same Context objects over and over.
        self._shared: dict[int, tuple[Context, str]] = {}

    @property
    def vw_args(self) -> str:
        args = ["--cb_explore_adf", "--quiet", f"--random_seed {self.seed}"]
        args += [f"-q {pair}" for pair in self.interactions]
        args.append(f"-l {self.learning_rate} --power_t {self.power_t} --cb_type {self.cb_type}")
        if self.exploration_kind == "epsilon":
            args.append(f"--epsilon {self.epsilon}")
        elif self.exploration_kind == "softmax":
            args.append(f"--softmax --lambda {self.softmax_lambda}")
        elif self.exploration_kind == "bag":
            args.append(f"--bag {self.bag} --epsilon {self.epsilon}")
        elif self.exploration_kind == "squarecb":
            args.append(f"--squarecb --gamma_scale {self.gamma_scale}")
        else:
            # The cost range bounds the confidence intervals: cost = -reward, reward in [0, 1].
            args.append(f"--regcbopt --mellowness {self.mellowness}")
            args.append("--cb_min_cost -1 --cb_max_cost 0")
        return " ".join(args)

    @property
    def _vw(self) -> Workspace:
        """The workspace, made fresh on first use (callers hold ``_lock``)."""
        if self._workspace_made is None:
            self._workspace_made = self._workspace(self.vw_args)
        return self._workspace_made

    @staticmethod
    def _workspace(args: str) -> Workspace:
        try:
            return Workspace(args)
        except Exception as exc:  # pybind raises RuntimeError and friends
            raise InvalidPolicyArgs(f"Vowpal Wabbit rejected {args!r}: {exc}") from exc

    def _action_line(self, arm: Arm) -> str:
        cached = self._actions.get(arm.id)
        if cached is None or cached[0] != arm.features:
            cached = (dict(arm.features), vw_text.action_features(arm))
            self._actions[arm.id] = cached
        return cached[1]

    def _shared_line(self, context: Context) -> str:
        cached = self._shared.get(id(context))
        if cached is None or cached[0] is not context:
            if len(self._shared) >= SHARED_CACHE:
                self._shared.clear()
            cached = (context, vw_text.shared_line(context))
            self._shared[id(context)] = cached
        return cached[1]

    def _run(self, lines: list[str], learn: bool) -> list[float]:
        # pyvw's predict()/learn() wrap every parsed line in a Python Example object, which is
        # ~5x the cost of VW's own parse + predict (63 us vs 11 us at 3 actions, measured
        # here). The same native calls, without the wrappers; the contract tests check the
        # result against Workspace.predict.
        examples = self._vw._parse("\n".join(lines))
        try:
            if learn:
                pylibvw.vw.learn_multi(self._vw, examples)
                return []
            pylibvw.vw.predict_multi(self._vw, examples)
            scores: list[float] = examples[0].get_action_scores()  # indexed by action
            return scores
        finally:
            self._vw._finish_example_multi_ex(examples)

    def probabilities(self, context: Context, arms: Sequence[Arm]) -> Pmf:
        actions = [self._action_line(a) for a in arms]
        with self._lock:
            lines = vw_text.with_shared(self._shared_line(context), actions)
            scores = self._run(lines, learn=False)
        pmf = normalised(scores)
        if self.floor:
            # regcbopt is greedy on optimistic costs and gives the other artworks nothing; a
            # uniform floor keeps every logged propensity positive, so replay can score the log.
            pmf = normalised((1.0 - self.floor) * pmf + self.floor / len(pmf))
        return pmf

    def chosen_probabilities(self, examples: Sequence[LearningExample]) -> list[float]:
        """Each example's probability of its chosen artwork: its entry of `probabilities`,
        the same float, from the model as it is now.

        A batch repeats (context, candidates) pairs, and with the model fixed the same text
        scores the same: each distinct example text is scored once (a mixture scores every
        example it learns this way)."""
        pmfs: dict[tuple[str, tuple[str, ...]], list[float]] = {}
        chosen = []
        with self._lock:
            for ex in examples:
                key = (self._shared_line(ex.context), tuple(self._action_line(a) for a in ex.arms))
                pmf = pmfs.get(key)
                if pmf is None:
                    pmf = pmfs[key] = self._pmf_list(self._run(vw_text.with_shared(*key), False))
                chosen.append(pmf[ex.chosen])
        return chosen

    def _pmf_list(self, scores: list[float]) -> list[float]:
        pmf = _normalised_list(scores)
        if self.floor:
            pmf = _normalised_list([(1.0 - self.floor) * p + self.floor / len(pmf) for p in pmf])
        return pmf

    def learn(self, examples: Sequence[LearningExample]) -> None:
        # RegCB fits its cost regression to what was shown, unweighted (Foster et al., 2018).
        # With the logged propensities instead, an artwork explored through the floor carries
        # a weight up to artworks / floor, and a new artwork was adopted less often (on the
        # new_artwork scenario, 0.93 of the oracle instead of 0.97, over 4 seeds). The other
        # explorations are importance-weighted as VW expects.
        unweighted = self.exploration_kind == "regcbopt"
        with self._lock:
            for ex in examples:
                actions = [self._action_line(a) for a in ex.arms]
                lines = vw_text.with_shared(
                    self._shared_line(ex.context),
                    actions,
                    chosen=ex.chosen,
                    reward=ex.reward,
                    probability=1.0 if unweighted else ex.probability,
                )
                self._run(lines, learn=True)

    @property
    def exploration(self) -> Mapping[str, Any]:
        settings: dict[str, Any] = {"kind": self.exploration_kind, "floor": self.floor}
        if self.exploration_kind in ("epsilon", "bag"):
            settings["epsilon"] = self.epsilon
        if self.exploration_kind == "softmax":
            settings["lambda"] = self.softmax_lambda
        if self.exploration_kind == "bag":
            settings["bag"] = self.bag
        if self.exploration_kind == "squarecb":
            settings["gamma_scale"] = self.gamma_scale
        if self.exploration_kind == "regcbopt":
            settings["mellowness"] = self.mellowness
        return settings

    @property
    def params(self) -> dict[str, Any]:
        return {
            "exploration": self.exploration_kind,
            "epsilon": self.epsilon,
            "softmax_lambda": self.softmax_lambda,
            "bag": self.bag,
            "gamma_scale": self.gamma_scale,
            "mellowness": self.mellowness,
            "floor": self.floor,
            "interactions": list(self.interactions),
            "learning_rate": self.learning_rate,
            "cb_type": self.cb_type,
            "power_t": self.power_t,
            "seed": self.seed,
        }

    def describe_args(self) -> str:
        return json.dumps({"params": self.params, "vw_args": self.vw_args}, sort_keys=True)

    def save(self) -> bytes:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.vw")
            with self._lock:
                self._vw.save(path)
            with open(path, "rb") as f:
                return f.read()

    def load_state(self, state: bytes) -> None:
        """Replace the model with VW bytes from `save`, if their header holds exactly the
        options these arguments give VW (`bandit.policies.vw_options`)."""
        workspace = load_workspace(state, expected=_fresh_header(self.vw_args))
        with self._lock:
            if self._workspace_made is not None:
                self._workspace_made.finish()
            self._workspace_made = workspace

    def explain(
        self, context: Context, arms: Sequence[Arm], top: int = 5
    ) -> list[ArtworkExplanation]:
        """Each arm's probability and score, with the features that moved the score most,
        from VW's own audit of this context (`bandit.policies.vw_audit`)."""
        pmf = self.probabilities(context, arms)
        workspace = load_workspace(self.save(), audit=True)
        try:
            lines = vw_text.example(context, [vw_text.action_features(a) for a in arms])
            with captured_stdout() as captured:
                workspace.predict(lines)
        finally:
            workspace.finish()
        try:
            audit = parse_audit(captured[0], len(arms))
        except ValueError:  # an audit laid out otherwise (``bag`` prints one per member)
            return super().explain(context, arms, top)
        explanations = []
        for arm, p, terms in zip(arms, pmf, audit, strict=True):
            ranked = sorted(terms, key=lambda t: abs(t[1]), reverse=True)
            explanations.append(
                ArtworkExplanation(
                    artwork_id=arm.id,
                    probability=float(p),
                    score=-sum(value for _, value in terms),  # cost is -reward
                    top_features=tuple(
                        Contribution(vw_text.feature_label(name), -value)
                        for name, value in ranked[:top]
                        if value != 0.0
                    ),
                )
            )
        return explanations

    def close(self) -> None:
        if self._workspace_made is not None:
            self._workspace_made.finish()


@functools.lru_cache(maxsize=64)
def _fresh_header(vw_args: str) -> ModelHeader:
    """The header a model of these arguments writes before it has learned anything."""
    workspace = VWPolicy._workspace(vw_args)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.vw")
            workspace.save(path)
            with open(path, "rb") as f:
                return read_header(f.read())
    finally:
        workspace.finish()


def _normalised_list(weights: Sequence[float]) -> list[float]:
    """`bandit.policies.base.normalised`, as a list: the same arithmetic, float for float."""
    clipped = [w if w > 0.0 else 0.0 for w in weights]
    total = math.fsum(clipped)
    if not math.isfinite(total) or total <= 0.0:
        return [1.0 / len(clipped)] * len(clipped)
    return [w / total for w in clipped]


def load_workspace(
    state: bytes, *, audit: bool = False, expected: ModelHeader | None = None
) -> Workspace:
    """A workspace from saved VW bytes; CorruptModel if they are not a VW 9 model, or if their
    header could make VW do more than load weights: a model id, an option this engine never
    sets, or (given ``expected``) any option other than the policy's own."""
    if not state:
        raise CorruptModel("the checkpoint holds no model bytes")
    check_model_header(state, expected)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.vw")
        with open(path, "wb") as f:
            f.write(state)
        try:
            return Workspace(f"-i {path} --quiet" + (" --audit" if audit else ""))
        except Exception as exc:
            raise CorruptModel(f"Vowpal Wabbit could not load the model: {exc}") from exc
