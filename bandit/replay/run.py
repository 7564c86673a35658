"""Evaluate targets on a log: the library entry point behind ``thumbnail-bandit replay``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

import storage
from bandit.errors import BanditError
from bandit.log_boundary import log_errors
from bandit.policies.registry import POLICIES, build_policy, restore_policy
from bandit.replay.data import LoggedData
from bandit.replay.errors import BadTarget
from bandit.replay.estimators import ESTIMATORS, Estimate, cumulative_ips, evaluate
from bandit.replay.reward_model import (
    Regressor,
    RewardModel,
    cross_fitted_rewards,
    fit_external,
)
from bandit.replay.sparse import FloatArray, GroupedPmf
from bandit.replay.support import uniform_logging
from bandit.replay.targets import (
    LearningTarget,
    PolicyTarget,
    StaticTable,
    Target,
    UniformTarget,
)


def _parse_params(text: str) -> dict[str, object]:
    params: dict[str, object] = {}
    for item in filter(None, text.split(",")):
        key, _, raw = item.partition("=")
        value: object = raw
        for convert in (int, float):
            try:
                value = convert(raw)
                break
            except ValueError:
                continue
        if key == "interactions":
            value = tuple(raw.split("+"))
        params[key.strip()] = value
    return params


def parse_target(spec: str, log: str | Path | storage.Log | None = None) -> Target:
    """``path.csv`` (static table), ``uniform``, ``segment_mix`` (the default policy),
    ``thompson``/``greedy`` (learning baselines),
    ``vw`` or ``vw:exploration=squarecb,gamma_scale=50`` (a learning VW policy), or
    ``checkpoint:latest`` / ``checkpoint:N`` (a saved model, with ``--db``)."""
    if spec.endswith(".csv"):
        return StaticTable.from_csv(spec)
    if spec == "uniform":
        return UniformTarget()
    name, _, rest = spec.partition(":")
    if name in POLICIES and name != "uniform":  # every learning policy of the registry
        params = _parse_params(rest)
        build_policy(name, params)  # fail now on bad settings
        return LearningTarget(lambda: build_policy(name, params), spec)
    if name == "checkpoint":
        if log is None:
            raise BadTarget("a checkpoint target needs --db (checkpoints live in the log)")
        if rest not in ("", "latest") and not (rest.isdigit() and rest.isascii()):
            raise BadTarget(f"checkpoint target {spec!r}: use checkpoint:latest or checkpoint:N")
        with log_errors(), storage.using_log(log, migrate=False) as opened:
            checkpoint = (
                opened.head_checkpoint(opened.active_reward())
                if rest in ("", "latest")
                else opened.checkpoint(int(rest))
            )
        if checkpoint is None:
            raise BadTarget("the log has no checkpoint yet: run the learner first")
        policy = restore_policy(checkpoint.policy, checkpoint.args, checkpoint.model)
        return PolicyTarget(policy, f"checkpoint:{checkpoint.version}", checkpoint.last_seq)
    raise BadTarget(
        f"unknown target {spec!r}: give a .csv table, uniform, segment_mix, thompson, greedy,"
        " vw[:k=v,...] or checkpoint:latest"
    )


#: A checkpoint is scored out of sample only with at least this many events after its cursor.
MIN_EVENTS = 200


def scored_events(
    data: LoggedData, target: Target, in_sample: bool = False, min_events: int = MIN_EVENTS
) -> LoggedData:
    """The events ``target`` is scored on: for a checkpoint, those after its cursor."""
    learned = getattr(target, "learned_through", None)
    if learned is None or data.seq is None or in_sample:
        return data
    later = data.seq > learned
    count = int(later.sum())
    if count < min_events:
        raise BadTarget(
            f"{target.name} has learned every event up to sequence {learned}; only {count}"
            f" of the {data.n} evaluated events came after it, and an out-of-sample estimate"
            f" needs at least {min_events}. Let more traffic mature and run the learner, or"
            " evaluate an older checkpoint (checkpoint:N) on the newer events; --in-sample"
            " scores it on what it learned from (optimistic)"
        )
    return data.subset(later) if count < data.n else data


def _learned_from(data: LoggedData, target: Target) -> bool:
    learned = getattr(target, "learned_through", None)
    return learned is not None and data.seq is not None and bool((data.seq <= learned).any())


def _rejection_sampled_replay(
    data: LoggedData, target: LearningTarget, alpha: float, seed: int
) -> Estimate:
    """Replay for a learning target on a non-uniform log: keep each event with probability
    p_min / p_logged, which leaves every candidate equally likely among the kept events (as
    VW's --explore_eval does); the target learns and is scored on the kept events only."""
    p_min = float(data.propensity.min())
    keep = np.random.default_rng(seed).random(data.n) < p_min / data.propensity
    kept = int(keep.sum())
    note = (
        f"rejection-sampled: {kept} of {data.n} events kept (each with probability"
        f" p_min/p_logged, p_min = {p_min:.3g}), so the kept log is uniformly random"
    )
    if kept == 0:
        nan = float("nan")
        return Estimate(target.name, "replay", nan, nan, nan, nan, nan, 0, 0.0, validity=note)
    part = data.subset(keep)
    [estimate] = evaluate(
        part,
        target.pmf(part),
        target.name,
        estimators=["replay"],
        alpha=alpha,
        bootstrap=0,
        replay_note=note,
    )
    return estimate


def _reward_model(data: LoggedData, reward_model: Regressor | None) -> RewardModel:
    return cross_fitted_rewards(data) if reward_model is None else fit_external(data, reward_model)


def run_replay(
    data: LoggedData,
    targets: Sequence[Target],
    *,
    by_segment: bool = False,
    estimators: Sequence[str] = ESTIMATORS,
    alpha: float = 0.05,
    bootstrap: int = 200,
    clip: float = 10.0,
    seed: int = 0,
    reward_model: Regressor | None = None,
    in_sample: bool = False,
    min_events: int = MIN_EVENTS,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Estimate], dict[str, tuple[FloatArray, FloatArray]]]:
    """The chosen estimators for every target (and per segment), in the shape of Open Bandit
    Pipeline's off-policy evaluation: pick the estimators, the confidence level ``alpha``,
    the bootstrap resamples and the seed, and plug in any ``reward_model`` with
    ``fit(X, y)`` / ``predict(X)`` (default: the built-in cross-fitted cell model).

    A checkpoint target is scored only on events after its cursor (out of sample) unless
    ``in_sample``; fewer than ``min_events`` of them is `BadTarget`. Returns estimates and,
    per target, the cumulative SNIPS curve. ``progress(done, total)`` is called per target.
    """
    estimates: list[Estimate] = []
    curves = {}
    uniform = uniform_logging(data)
    for done, target in enumerate(targets):
        if progress is not None:
            progress(done, len(targets))
        scored = scored_events(data, target, in_sample, min_events)
        try:
            pi = target.pmf(scored)
        except BanditError:
            raise
        except Exception as exc:
            raise BadTarget(f"target {target.name}: {exc}") from exc
        parts: list[tuple[str | None, LoggedData, GroupedPmf]] = [(None, scored, pi)]
        if by_segment:
            for segment in np.unique(scored.segment):
                rows = np.flatnonzero(scored.segment == segment)
                parts.append((str(segment) or "(none)", scored.subset(rows), pi.take(rows)))
        for segment, part, part_pi in parts:
            found = evaluate(
                part,
                part_pi,
                target.name,
                estimators=estimators,
                alpha=alpha,
                clip=clip,
                bootstrap=bootstrap,
                seed=seed,
                r_hat=_reward_model(part, reward_model),
                segment=segment,
                in_sample=_learned_from(part, target),
            )
            if isinstance(target, LearningTarget) and not uniform and "replay" in estimators:
                sampled = _rejection_sampled_replay(part, target, alpha, seed)
                found = [
                    dataclasses.replace(sampled, segment=segment) if e.estimator == "replay" else e
                    for e in found
                ]
            estimates += found
        curves[target.name] = cumulative_ips(scored, pi)
    return estimates, curves
