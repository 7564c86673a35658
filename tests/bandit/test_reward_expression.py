"""The reward language: parsed into a checked tree at definition time, never eval'ed; what
it does not have is refused with its position."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bandit.reward_expression import InvalidRewardExpression, RewardExpression


@pytest.mark.parametrize(
    ("text", "signals", "expected"),
    [
        ("click", {"click": 1}, 1.0),
        ("click", {}, 0.0),  # a signal that never came is 0
        ("1 if watch_minutes >= 5 else 0", {"watch_minutes": 4.9}, 0.0),
        ("1 if watch_minutes >= 5 else 0", {"watch_minutes": 5}, 1.0),
        ("0.2 * click + 0.8 * min(watch_minutes, 30) / 30", {"click": 1, "watch_minutes": 60}, 1.0),
        ("clip(watch_minutes / 20, 0, 1)", {"watch_minutes": 10}, 0.5),
        ("play and not complete", {"play": 1}, 1.0),
        ("click or play", {}, 0.0),
        ("0 < watch_minutes <= 30", {"watch_minutes": 31}, 0.0),
        ("watch_minutes / play", {"watch_minutes": 3}, 0.0),  # division by zero is 0
        ("max(click, play, complete)", {"complete": 1}, 1.0),
        ("-abs(x)", {"x": -2}, -2.0),
    ],
)
def test_values(text: str, signals: dict[str, float], expected: float) -> None:
    assert RewardExpression.parse(text).evaluate(signals) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('x')", "only abs, clip, max, min may be called"),
        ("click.real", "Attribute is not part of the reward language"),
        ("signals[0]", "Subscript is not part of the reward language"),
        ("'click'", "is not a number"),
        ("True", "is not a number"),
        ("lambda: 1", "Lambda is not part of the reward language"),
        ("click ** 2", "BinOp is not part of the reward language"),
        ("min(click)", "min takes 2-8 arguments"),
        ("min", "min is a function"),
        ("1 +", "does not parse at column"),
        ("", "non-empty"),
        ("x" * 501, "at most 500 characters"),
        ("[click]", "List is not part of the reward language"),
    ],
)
def test_refused_with_position(text: str, message: str) -> None:
    with pytest.raises(
        InvalidRewardExpression, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        RewardExpression.parse(text)


def test_names_are_the_signals_read() -> None:
    parsed = RewardExpression.parse("1 if play and watch_minutes > 5 else 0.1 * click")
    assert parsed.names == ("click", "play", "watch_minutes")


@given(st.text(max_size=60))
def test_any_text_either_parses_into_the_language_or_is_refused(text: str) -> None:
    try:
        parsed = RewardExpression.parse(text)
    except InvalidRewardExpression:
        return
    value = parsed.evaluate(dict.fromkeys(parsed.names, 1.0))
    assert isinstance(value, float)
