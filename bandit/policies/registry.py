"""Rebuild a policy from what a checkpoint stores: its name, arguments and state bytes."""

from __future__ import annotations

import difflib
import inspect
import json
from collections.abc import Iterable
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


def settings_of(name: str) -> set[str]:
    """The settings a policy takes: its constructor's parameters, read by introspection."""
    signature = inspect.signature(POLICIES[name].__init__)
    return {p for p in signature.parameters if p != "self"}


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _unknown_settings(name: str, unknown: list[str]) -> str:
    valid = sorted(settings_of(name))
    notes = []
    for key in unknown:
        owners = [other for other in sorted(POLICIES) if key in settings_of(other)]
        if owners:
            notes.append(f"{key!r} (a setting of {' and '.join(owners)}: --policy {owners[0]})")
        else:
            notes.append(f"{key!r}{_did_you_mean(key, valid)}")
    return f"policy {name!r} has no setting {', '.join(notes)}; its settings: {', '.join(valid)}"


def build_policy(name: str, params: dict[str, Any] | None = None) -> Policy:
    """A fresh policy by name (``segment_mix``, ``vw``, ``thompson``, ``greedy``, ``uniform``)."""
    cls = POLICIES.get(name)
    if cls is None:
        raise InvalidPolicyArgs(
            f"unknown policy {name!r}{_did_you_mean(name, POLICIES)}; known: {sorted(POLICIES)}"
        )
    unknown = sorted(set(params or {}) - settings_of(name))
    if unknown:
        raise InvalidPolicyArgs(_unknown_settings(name, unknown))
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
