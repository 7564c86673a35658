"""The one module that writes Vowpal Wabbit text. Every name and value passes through `token`,
so ``|``, ``:``, spaces, tabs and newlines in user data cannot change an example's structure.

Layout (``--cb_explore_adf``):

    shared |u segment=drama country=NZ hour:21 genres=drama genres=comedy
    |a brightness:0.61 warmth:0.43 ... |i id=17
    0:-1:0.25 |a ... |i id=18          <- a labelled action: index:cost:probability

Namespaces: ``u`` user (shared), ``a`` the artwork's visual features, ``i`` the artwork's id.
Interactions ``ua`` and ``ui`` let each kind of user weigh visual features and artworks
differently.

Cost convention: VW minimises cost, so cost = -reward (a click costs -1, no click 0).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from bandit.context import Context
from bandit.records import Arm

#: Characters that may appear in a VW token as they are; everything else is %-encoded.
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-=+/]")


def token(text: str) -> str:
    """Encode ``text`` so it is one VW token: no separators, reversible, readable in audits."""
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), text)


def number(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"VW features must be finite, got {value!r}")
    return f"{value:.6g}"


def shared_line(context: Context) -> str:
    parts = ["shared |u", f"segment={token(context.segment)}"]
    for name, value in context.features.items():
        key = token(name)
        if isinstance(value, bool):
            parts.append(f"{key}={'true' if value else 'false'}")
        elif isinstance(value, int | float):
            parts.append(f"{key}:{number(float(value))}")
        elif isinstance(value, str):
            parts.append(f"{key}={token(value)}")
        else:
            parts.extend(f"{key}={token(item)}" for item in value)
    return " ".join(parts)


def action_features(arm: Arm) -> str:
    """The label-free part of an action line; the same for every request, so callers cache it."""
    visual = " ".join(f"{token(n)}:{number(float(v))}" for n, v in sorted(arm.features.items()))
    return f"|a {visual} |i id={arm.id}"


def example(
    context: Context,
    action_lines: Sequence[str],
    *,
    chosen: int | None = None,
    reward: float = 0.0,
    probability: float = 1.0,
) -> list[str]:
    """A multi-line example; with ``chosen``, labelled for learning (cost = -reward)."""
    return with_shared(
        shared_line(context), action_lines, chosen=chosen, reward=reward, probability=probability
    )


def with_shared(
    shared: str,
    action_lines: Sequence[str],
    *,
    chosen: int | None = None,
    reward: float = 0.0,
    probability: float = 1.0,
) -> list[str]:
    """`example` from a shared line made earlier by `shared_line` (callers that see one
    context many times make it once)."""
    lines = [shared]
    for index, features in enumerate(action_lines):
        if index == chosen:
            lines.append(f"0:{number(-reward)}:{number(probability)} {features}")
        else:
            lines.append(features)
    return lines


def parse_token(text: str) -> str:
    """Undo `token` (for explanations)."""
    return re.sub(
        r"(%[0-9A-F]{2})+",
        lambda m: bytes.fromhex(m.group().replace("%", "")).decode(errors="replace"),
        text,
    )


def feature_label(audit_name: str, namespaces: Mapping[str, str] | None = None) -> str:
    """A readable label for a VW audit feature name like ``u^segment=drama*a^warmth``."""
    names = namespaces or {"u": "user", "a": "artwork", "i": "artwork"}
    parts = []
    for piece in audit_name.split("*"):
        namespace, _, feature = piece.partition("^")
        if not feature:
            parts.append(piece)  # "Constant"
        else:
            parts.append(f"{names.get(namespace, namespace)}.{parse_token(feature)}")
    return " x ".join(parts)
