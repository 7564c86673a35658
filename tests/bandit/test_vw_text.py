"""Nothing in user data can change the structure of a VW example."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bandit import Arm, Context
from bandit.vw_text import action_features, example, parse_token, shared_line, token

INJECTIONS = [
    "a|b",
    "x:1",
    "two words",
    "line\nbreak",
    "tab\there",
    "|u injected:9 |a",
    "0:-1:0.5 |a",
    "'; DROP TABLE decisions; --",
    "%41",
    "ü∑😀",
]


@given(st.text())
def test_tokens_are_single_safe_tokens_and_reversible(text: str) -> None:
    encoded = token(text)
    assert not set(encoded) & set("|: \t\n\r\x0b\x0c")
    assert parse_token(encoded) == text


def test_injection_in_keys_and_values_stays_inside_one_feature() -> None:
    features = {key: value for key, value in zip(INJECTIONS, reversed(INJECTIONS), strict=True)}
    line = shared_line(Context("seg|ment:1", {**features, "genres": INJECTIONS}))
    assert line.startswith("shared |u ")
    assert line.count("|") == 1 and "\n" not in line
    tokens = line.split(" ")[2:]
    assert len(tokens) == 1 + len(INJECTIONS) + len(INJECTIONS)  # segment + features + genres
    assert all(":" not in t for t in tokens)  # categorical only: no injected numeric values


def test_labelled_example_layout() -> None:
    arms = [Arm(1, {"warmth": 0.5}), Arm(2, {"warmth": 0.25})]
    lines = example(
        Context("a", {"hour": 21}),
        [action_features(a) for a in arms],
        chosen=1,
        reward=1.0,
        probability=0.4,
    )
    assert lines == [
        "shared |u segment=a hour:21",
        "|a warmth:0.5 |i id=1",
        "0:-1:0.4 |a warmth:0.25 |i id=2",
    ]
