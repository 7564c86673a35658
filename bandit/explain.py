"""Why this artwork? Each artwork's score and the features that pushed it, from VW's own audit.

VW prints its audit (feature name, hash, value, weight) to the process's standard output, so
the audit is captured at the file-descriptor level, under a lock, on a workspace loaded from
the serving model's bytes: the serving workspace is never touched.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bandit import vw_text
from bandit.context import Context
from bandit.policies.vw import VWPolicy, load_workspace
from bandit.records import Arm

_STDOUT_LOCK = threading.Lock()
_LIBC = ctypes.CDLL(None)


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


@contextlib.contextmanager
def _captured_stdout() -> Iterator[list[str]]:
    out: list[str] = []
    with _STDOUT_LOCK, tempfile.TemporaryFile(mode="w+b") as sink:
        _LIBC.fflush(None)
        saved = os.dup(1)
        os.dup2(sink.fileno(), 1)
        try:
            yield out
        finally:
            _LIBC.fflush(None)
            os.dup2(saved, 1)
            os.close(saved)
            sink.seek(0)
            out.append(sink.read().decode(errors="replace"))


def _parse_audit(text: str, n_actions: int) -> list[list[tuple[str, float]]]:
    """[[(feature, value * weight), ...] per action] from VW's audit of one example.

    The audit prints, per action, a prediction line and then a tab-separated line of
    ``name:hash:value:weight@...`` entries; the entries' products sum to the cost estimate.
    """
    lines = [line for line in text.splitlines() if line.startswith("\t")]
    actions = []
    for line in lines:
        terms = []
        for entry in line.strip().split("\t"):
            parts = entry.split(":")
            if len(parts) < 4:
                continue
            name, value, weight = parts[0], float(parts[2]), float(parts[3].split("@")[0])
            terms.append((name, value * weight))
        actions.append(terms)
    if len(actions) != n_actions:
        raise RuntimeError(f"VW audit listed {len(actions)} actions, expected {n_actions}")
    return actions


def explain_vw(
    policy: VWPolicy, context: Context, arms: Sequence[Arm], top: int = 5
) -> list[ArtworkExplanation]:
    pmf = policy.probabilities(context, arms)
    workspace = load_workspace(policy.save(), audit=True)
    try:
        lines = vw_text.example(context, [vw_text.action_features(a) for a in arms])
        with _captured_stdout() as captured:
            workspace.predict(lines)
    finally:
        workspace.finish()
    audit = _parse_audit(captured[0], len(arms))
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
