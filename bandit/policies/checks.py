"""Checks shared by every policy's constructor and state loader: what a caller passes and what
a checkpoint holds go through the same ones, so a checkpoint row cannot smuggle in a value a
caller could not set."""

from __future__ import annotations

import json
import math

from bandit.errors import InvalidPolicyArgs


def number(name: str, value: object, low: float, high: float) -> float:
    """``value`` as a float in [low, high], else InvalidPolicyArgs (bools are not numbers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidPolicyArgs(f"{name} must be a number, got {value!r:.40}")
    if not low <= float(value) <= high:
        raise InvalidPolicyArgs(f"{name} must be in [{low:g}, {high:g}], got {value!r:.40}")
    return float(value)


def whole(name: str, value: object, low: int, high: int) -> int:
    """``value`` if it is an int in [low, high], else InvalidPolicyArgs."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidPolicyArgs(
            f"{name} must be a whole number in [{low}, {high}], got {value!r:.40}"
        )
    return value


def segment_counts(state: bytes, what: str) -> list[tuple[str, int, float, float]]:
    """Rows ``[segment, artwork id, a, b]`` of a per-segment policy's saved state, each
    checked: a string, an int, and two finite non-negative numbers. ValueError otherwise."""
    rows = json.loads(state or b"[]")
    if not isinstance(rows, list):
        raise ValueError(f"{what} state must be a list of rows")
    out = []
    for row in rows:
        if not (isinstance(row, list) and len(row) == 4):
            raise ValueError(f"{what} state rows are [segment, artwork, a, b], got {row!r:.60}")
        segment, arm, a, b = row
        if not isinstance(segment, str) or isinstance(arm, bool) or not isinstance(arm, int):
            raise ValueError(f"{what} state row {row!r:.60}: bad segment or artwork id")
        for value in (a, b):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{what} state row {row!r:.60}: counts must be numbers")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{what} state row {row!r:.60}: counts must be finite, >= 0")
        out.append((segment, arm, float(a), float(b)))
    return out
