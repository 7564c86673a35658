"""`Context`: the user side of a decision, validated so it can neither break a VW example nor
bloat the log."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bandit.errors import InvalidContext

FeatureValue = str | float | int | bool | Sequence[str]
"""A context feature: lists of strings are stored as tuples."""

#: Bounds that keep one request's context small (it is logged with every decision).
MAX_FEATURES = 64
MAX_NAME = 64
MAX_TEXT = 256
MAX_LIST = 32
#: Largest magnitude of a numeric feature. VW keeps values as float32; past this they only
#: swamp every other feature, and a huge int (10**400) is not a float at all.
MAX_ABS_NUMBER = 1e12


def _check_text(what: str, value: str) -> None:
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        raise InvalidContext(f"{what} contains a control character (NUL or similar)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidContext(f"{what} is not valid Unicode (it has a lone surrogate)") from None


def _check_value(name: str, value: object) -> FeatureValue:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number) or abs(number) > MAX_ABS_NUMBER:
            raise InvalidContext(
                f"context feature {name!r} must be a finite number within"
                f" ±{MAX_ABS_NUMBER:g}, got {str(value)[:40]}"
            )
        return value
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise InvalidContext(
                f"context feature {name!r} is {len(value)} characters; the limit is {MAX_TEXT}"
            )
        _check_text(f"context feature {name!r}", value)
        return value
    if isinstance(value, Sequence):
        items = tuple(value)
        if len(items) > MAX_LIST or not all(isinstance(i, str) for i in items):
            raise InvalidContext(
                f"context feature {name!r}: a list must hold at most {MAX_LIST} strings"
            )
        for item in items:
            _check_value(name, item)
        return items
    raise InvalidContext(
        f"context feature {name!r} has type {type(value).__name__}; use str, number, bool or"
        " a list of str"
    )


@dataclass(frozen=True, slots=True)
class Context:
    """Who is looking. ``segment`` plus any named features (country, device, hour, genres...).

    >>> Context("binge-watchers", {"country": "NZ", "hour": 21, "genres": ["drama"]})
    Context(segment='binge-watchers', features={'country': 'NZ', 'hour': 21, 'genres': ('drama',)})
    """

    segment: str
    """The user's segment; baselines learn per segment, VW uses it as a feature."""
    features: Mapping[str, FeatureValue] = field(default_factory=dict)
    """Named features: strings become categorical, numbers stay numeric, lists of strings
    become several categorical values."""

    def __post_init__(self) -> None:
        if not isinstance(self.segment, str) or not 0 < len(self.segment) <= MAX_TEXT:
            raise InvalidContext(
                f"segment must be a string of 1-{MAX_TEXT} characters, got {self.segment!r:.80}"
            )
        _check_text("segment", self.segment)
        if not isinstance(self.features, Mapping):
            raise InvalidContext("context features must be a mapping of name -> value")
        if len(self.features) > MAX_FEATURES:
            raise InvalidContext(
                f"{len(self.features)} context features; the limit is {MAX_FEATURES}"
            )
        checked = {}
        for name, value in self.features.items():
            if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME:
                raise InvalidContext(
                    f"context feature names must be strings of 1-{MAX_NAME} characters,"
                    f" got {name!r:.80}"
                )
            _check_text("a context feature name", name)
            if name == "segment":
                raise InvalidContext("'segment' is a field of Context, not a feature")
            checked[name] = _check_value(name, value)
        object.__setattr__(self, "features", checked)

    @classmethod
    def from_mapping(cls, data: Mapping[Any, Any]) -> Context:
        """Build from ``{"segment": ..., other features...}`` (as logged)."""
        if not isinstance(data, Mapping) or "segment" not in data:
            raise InvalidContext("a context mapping needs a 'segment' key")
        rest = {k: v for k, v in data.items() if k != "segment"}
        return cls(data["segment"], rest)

    def as_json(self) -> dict[str, Any]:
        """The context as logged: segment plus features, lists as lists."""
        out: dict[str, Any] = {"segment": self.segment}
        for name, value in self.features.items():
            out[name] = list(value) if isinstance(value, tuple) else value
        return out
