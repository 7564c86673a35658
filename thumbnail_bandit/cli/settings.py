"""Policy settings from the command line: ``--policy NAME``, ``--set key=value`` (repeatable)
and ``--settings FILE.toml``.

A settings file::

    policy = "vw"

    [params]
    exploration = "squarecb"
    gamma_scale = 50
    interactions = ["ua"]
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bandit.errors import InvalidPolicyArgs
from bandit.policies.base import Policy
from bandit.policies.registry import DEFAULT_POLICY, build_policy


@dataclass(frozen=True)
class PolicySettings:
    name: str = DEFAULT_POLICY
    params: dict[str, Any] = field(default_factory=dict)
    explicit: bool = False
    """Whether the user asked for these settings, rather than taking the defaults."""

    def build(self) -> Policy:
        return build_policy(self.name, dict(self.params))


def parse_value(raw: str) -> Any:
    """``50`` -> 50, ``0.1`` -> 0.1, ``true`` -> True, ``["ua"]`` -> ["ua"], ``ua+ui`` ->
    ["ua", "ui"], anything else stays text."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw.split("+") if "+" in raw else raw


def parse_assignment(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise InvalidPolicyArgs(f"--set takes key=value, got {text!r}")
    return key.strip(), parse_value(raw.strip())


def read_settings(
    policy: str | None, assignments: list[str], settings_file: Path | None
) -> PolicySettings:
    """Merge the file, then ``--policy`` and ``--set`` over it; check by building the policy."""
    name: str = DEFAULT_POLICY
    params: dict[str, Any] = {}
    if settings_file is not None:
        try:
            data = tomllib.loads(settings_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidPolicyArgs(f"{settings_file}: cannot read ({exc})") from exc
        except tomllib.TOMLDecodeError as exc:
            raise InvalidPolicyArgs(f"{settings_file}: not valid TOML ({exc})") from exc
        unknown = set(data) - {"policy", "params"}
        if unknown or not isinstance(data.get("params", {}), dict):
            raise InvalidPolicyArgs(
                f"{settings_file}: expected `policy = NAME` and a [params] table,"
                f" found {sorted(data)}"
            )
        name = str(data.get("policy", name))
        params.update(data.get("params", {}))
    if policy is not None:
        name = policy
    params.update(parse_assignment(a) for a in assignments)
    settings = PolicySettings(name, params, explicit=bool(policy or assignments or settings_file))
    settings.build()  # fail on bad settings before touching the log
    return settings


def same_policy(settings: PolicySettings, head_name: str, head_args: str) -> bool:
    """Whether a checkpoint (name, stored arguments) holds the policy these settings build.

    Both sides go through the constructor, so a checkpoint written before a parameter existed
    compares with that parameter at its default, not as a difference."""
    if head_name != settings.name:
        return False
    try:
        stored = json.loads(head_args).get("params", {})
        return build_policy(head_name, stored).params == settings.build().params
    except (ValueError, AttributeError, InvalidPolicyArgs):
        return False
