"""Evaluate targets on a log: the library entry point behind ``python -m bandit.replay``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

import storage
from bandit.errors import BanditError
from bandit.log_boundary import log_errors
from bandit.policies.registry import build_policy, restore_policy
from bandit.replay.data import LoggedData
from bandit.replay.errors import BadTarget
from bandit.replay.estimators import Estimate, cumulative_ips, evaluate
from bandit.replay.reward_model import cross_fitted_rewards
from bandit.replay.sparse import FloatArray
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
    """``path.csv`` (static table), ``uniform``, ``thompson``/``greedy`` (learning baselines),
    ``vw`` or ``vw:exploration=squarecb,gamma_scale=50`` (a learning VW policy), or
    ``checkpoint:latest`` / ``checkpoint:N`` (a saved model, with ``--db``)."""
    if spec.endswith(".csv"):
        return StaticTable.from_csv(spec)
    if spec == "uniform":
        return UniformTarget()
    name, _, rest = spec.partition(":")
    if name in ("thompson", "greedy", "vw"):
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
                opened.head_checkpoint() if rest in ("", "latest") else opened.checkpoint(int(rest))
            )
        if checkpoint is None:
            raise BadTarget("the log has no checkpoint yet: run the learner first")
        policy = restore_policy(checkpoint.policy, checkpoint.args, checkpoint.model)
        return PolicyTarget(policy, f"checkpoint:{checkpoint.version}")
    raise BadTarget(
        f"unknown target {spec!r}: give a .csv table, uniform, thompson, greedy, vw[:k=v,...]"
        " or checkpoint:latest"
    )


def run_replay(
    data: LoggedData,
    targets: Sequence[Target],
    *,
    by_segment: bool = False,
    bootstrap: int = 200,
    clip: float = 10.0,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Estimate], dict[str, tuple[FloatArray, FloatArray]]]:
    """Every estimator for every target (and per segment). Returns estimates and, per target,
    the cumulative SNIPS curve over the log. ``progress(done, total)`` is called per target."""
    r_hat = cross_fitted_rewards(data)
    estimates: list[Estimate] = []
    curves = {}
    for done, target in enumerate(targets):
        if progress is not None:
            progress(done, len(targets))
        try:
            pi = target.pmf(data)
        except BanditError:
            raise
        except Exception as exc:
            raise BadTarget(f"target {target.name}: {exc}") from exc
        estimates += evaluate(
            data, pi, target.name, clip=clip, bootstrap=bootstrap, seed=seed, r_hat=r_hat
        )
        curves[target.name] = cumulative_ips(data, pi)
        if by_segment:
            for segment in np.unique(data.segment):
                rows = np.flatnonzero(data.segment == segment)
                part = data.subset(rows)
                estimates += evaluate(
                    part,
                    pi.take(rows),
                    target.name,
                    clip=clip,
                    bootstrap=bootstrap,
                    seed=seed,
                    r_hat=r_hat.take(rows),
                    segment=str(segment) or "(none)",
                )
    return estimates, curves
