"""Rebuild a policy from what a checkpoint stores: its name, arguments and state bytes."""

from __future__ import annotations

import json
from typing import Any

from bandit.errors import CorruptModel, InvalidPolicyArgs
from bandit.policies.base import Policy
from bandit.policies.greedy import GreedyPolicy
from bandit.policies.segment_mix import SegmentMixPolicy
from bandit.policies.thompson import ThompsonPolicy
from bandit.policies.uniform import UniformPolicy
from bandit.policies.vw import VWPolicy

POLICIES: dict[str, type[Policy]] = {
    cls.name: cls
    for cls in (SegmentMixPolicy, VWPolicy, ThompsonPolicy, GreedyPolicy, UniformPolicy)
}


#: The policy a log with no checkpoint starts from, when the caller names none.
DEFAULT_POLICY = SegmentMixPolicy.name


def default_policy() -> Policy:
    """A fresh `SegmentMixPolicy` with its defaults: what the chooser serves and the learner
    trains when no policy is given (the README's "Choosing artwork" says why)."""
    return SegmentMixPolicy()


def build_policy(name: str, params: dict[str, Any] | None = None) -> Policy:
    """A fresh policy by name (``segment_mix``, ``vw``, ``thompson``, ``greedy``, ``uniform``)."""
    cls = POLICIES.get(name)
    if cls is None:
        raise InvalidPolicyArgs(f"unknown policy {name!r}; known: {sorted(POLICIES)}")
    try:
        return cls(**(params or {}))
    except TypeError as exc:
        raise InvalidPolicyArgs(f"bad arguments for policy {name!r}: {exc}") from exc


def restore_policy(name: str, args: str, state: bytes) -> Policy:
    """The policy a checkpoint describes, with its learned state loaded.

    A checkpoint is data: its arguments go through the same typed, range-checked constructor
    as any caller's, and its state through the policy's own validation.

    Raises:
        CorruptModel: unknown policy, arguments that are not valid settings, or a state
            that does not load.
    """
    try:
        params = json.loads(args).get("params", {}) if args else {}
    except (ValueError, AttributeError) as exc:
        raise CorruptModel(f"checkpoint arguments are not valid JSON: {args[:80]!r}") from exc
    if not isinstance(params, dict):
        raise CorruptModel(f"checkpoint arguments hold no parameter mapping: {args[:80]!r}")
    try:
        policy = build_policy(name, params)
    except InvalidPolicyArgs as exc:
        raise CorruptModel(f"checkpoint refused: {exc}") from exc
    policy.load(state)
    return policy
