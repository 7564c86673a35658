from __future__ import annotations

import numpy as np
import pytest

from bandit import Context, InvalidContext
from bandit.sampling import sample_index


@pytest.mark.parametrize(
    "data",
    [
        {"segment": "a", 1: "x"},
        {"segment": "a", ("tuple",): "x"},
        {"segment": "a", "bio": "x" * 10_000},
        {"segment": "a", "score": float("nan")},
        {"segment": "a", "nested": {"k": "v"}},
        {"segment": "a", "genres": ["ok", 3]},
        {"segment": "a", "many": ["g"] * 500},
        {"segment": ""},
        {"segment": 7},
        {"country": "NZ"},
        {"segment": "a", **{f"f{i}": 1 for i in range(100)}},
    ],
)
def test_malformed_contexts(data: dict[object, object]) -> None:
    with pytest.raises(InvalidContext):
        Context.from_mapping(data)


def test_context_round_trips_through_its_json() -> None:
    context = Context(
        "kids", {"device": "tv", "hour": 7, "genres": ["anime", "drama"], "new": True}
    )
    assert Context.from_mapping(context.as_json()) == context


def test_sampling_is_reproducible_and_follows_the_pmf() -> None:
    pmf = [0.1, 0.0, 0.6, 0.3]
    assert sample_index(pmf, "event-1") == sample_index(pmf, "event-1")
    draws = np.bincount([sample_index(pmf, f"e{i}") for i in range(20_000)], minlength=4) / 20_000
    assert draws[1] == 0.0  # a zero-probability artwork is never shown
    assert np.allclose(draws, pmf, atol=0.015)  # 20k draws: sd < 0.0035, so 4+ sd of slack
    assert sample_index(pmf, "e", salt="a") is not None
    same = sum(
        sample_index(pmf, f"e{i}", "a") == sample_index(pmf, f"e{i}", "b") for i in range(500)
    )
    assert same < 500  # the salt changes the draws
