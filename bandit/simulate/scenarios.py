"""A seeded library of audiences to choose and check defaults on, not one.

Every scenario draws its tastes and its catalogue from the seed, so each seed is a different
audience of the same kind, and nothing can be tuned to one draw. The kinds:

- ``segment_taste``: each segment likes particular artworks; their features tell nothing.
- ``feature_taste``: each segment weighs visual features; any artwork's appeal follows.
- ``mixed``: both at once.
- ``many_titles``: 200 titles, about 100 impressions each; only features generalise.
- ``sparse_segments``: 24 segments whose sizes fall off like Zipf's law.
- ``new_artwork``: a seventh artwork arrives halfway and is the best for one segment.
- ``device``: within a segment, the best artwork differs by device.
- ``drift``: halfway, one segment's taste turns into its opposite.

>>> setup = SCENARIOS["new_artwork"].setup(seed=1)
>>> setup.arrival.title, setup.arrival.at
('title-000', 10000)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bandit.context import Context
from bandit.records import Arm
from bandit.simulate.audience import (
    DEVICES,
    VISUAL_FEATURES,
    Audience,
    Taste,
    Turn,
    random_catalog,
    random_features,
)

IMPRESSIONS = 20_000
LEARN_EVERY = 500


@dataclass(frozen=True, slots=True)
class Arrival:
    """An artwork added to a title's candidates at impression ``at``; the segment it was made
    for is where its adoption is measured."""

    at: int
    title: str
    arm: Arm
    segment: str


@dataclass(frozen=True, slots=True)
class Setup:
    """One drawn audience and catalogue, ready to serve."""

    audience: Audience
    catalog: Mapping[str, Sequence[Arm]]
    arrival: Arrival | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    """A kind of audience. ``build(seed, impressions)`` draws one; events such as an arrival
    or a turn happen at fixed fractions of the run, so a shorter run keeps its shape."""

    name: str
    description: str
    build: Callable[[int, int], Setup]
    impressions: int = IMPRESSIONS
    learn_every: int = LEARN_EVERY

    def setup(self, seed: int) -> Setup:
        return self.build(seed, self.impressions)


def _feature_weights(rng: np.random.Generator, scale: float, n: int = 3) -> dict[str, float]:
    """Logit weights over ``n`` of the visual features, chosen at random."""
    names = rng.choice(VISUAL_FEATURES, size=n, replace=False)
    return {str(name): float(rng.normal(0.0, scale)) for name in names}


def _liking(rng: np.random.Generator, arms: Sequence[Arm], scale: float) -> dict[int, float]:
    return {arm.id: float(rng.normal(0.0, scale)) for arm in arms} if scale else {}


def _tastes(
    rng: np.random.Generator,
    catalog: Mapping[str, Sequence[Arm]],
    segments: int,
    feature_scale: float,
    artwork_scale: float,
    shares: Sequence[float] | None = None,
) -> list[Taste]:
    arms = [arm for title in catalog.values() for arm in title]
    return [
        Taste(
            f"segment-{s:02d}",
            _feature_weights(rng, feature_scale) if feature_scale else {},
            _liking(rng, arms, artwork_scale),
            share=1.0 if shares is None else shares[s],
        )
        for s in range(segments)
    ]


def _catalog_and_rng(
    seed: int, titles: int, per_title: int
) -> tuple[dict[str, list[Arm]], np.random.Generator]:
    return random_catalog(titles, per_title, seed=seed), np.random.default_rng([seed, 7])


def _drawn(
    titles: int,
    per_title: int,
    feature_scale: float,
    artwork_scale: float,
    segments: int = 4,
    zipf: float | None = None,
) -> Callable[[int, int], Setup]:
    """A builder: ``titles`` x ``per_title`` random artworks, and ``segments`` tastes with
    feature weights of spread ``feature_scale`` and artwork likings of ``artwork_scale``
    (sizes falling off as rank ** -zipf, or equal)."""
    shares = None if zipf is None else [1.0 / (rank + 1) ** zipf for rank in range(segments)]

    def build(seed: int, n: int) -> Setup:
        catalog, rng = _catalog_and_rng(seed, titles, per_title)
        tastes = _tastes(rng, catalog, segments, feature_scale, artwork_scale, shares)
        return Setup(Audience(tastes, seed=seed), catalog)

    return build


segment_taste = _drawn(3, 6, feature_scale=0.0, artwork_scale=1.0)
feature_taste = _drawn(10, 6, feature_scale=1.5, artwork_scale=0.0)
mixed = _drawn(10, 6, feature_scale=1.0, artwork_scale=0.6)
many_titles = _drawn(200, 5, feature_scale=1.5, artwork_scale=0.3)
sparse_segments = _drawn(5, 6, feature_scale=1.0, artwork_scale=0.6, segments=24, zipf=1.2)


def new_artwork(seed: int, n: int) -> Setup:
    catalog, rng = _catalog_and_rng(seed, 2, 6)
    tastes = _tastes(rng, catalog, 4, 1.0, 0.6)
    probe = Audience(tastes, noise=0.0)
    target = tastes[0]
    newcomer = Arm(max(a.id for arms in catalog.values() for a in arms) + 1, random_features(rng))
    # Its appeal to the target segment beats that segment's best by a clear margin (0.8 logit).
    user = Context(target.segment)
    best = max(probe.click_probability(user, arm) for arm in catalog["title-000"])
    bonus = (
        np.log(best / (1 - best))
        + 0.8
        - np.log((p := probe.click_probability(user, newcomer)) / (1 - p))
    )
    tastes[0] = Taste(
        target.segment, target.weights, {**target.artworks, newcomer.id: float(bonus)}
    )
    arrival = Arrival(n // 2, "title-000", newcomer, target.segment)
    return Setup(Audience(tastes, seed=seed), catalog, arrival)


def device(seed: int, n: int) -> Setup:
    catalog, rng = _catalog_and_rng(seed, 3, 6)
    arms = [arm for title in catalog.values() for arm in title]
    # Every segment shares the devices' likings (a phone's small screen favours the same
    # artwork for everyone); segments differ a little on top.
    by_device = {d: _liking(rng, arms, 1.0) for d in DEVICES}
    tastes = [
        Taste(f"segment-{s:02d}", {}, _liking(rng, arms, 0.3), devices=by_device) for s in range(4)
    ]
    return Setup(Audience(tastes, seed=seed), catalog)


def drift(seed: int, n: int) -> Setup:
    catalog, rng = _catalog_and_rng(seed, 3, 6)
    tastes = _tastes(rng, catalog, 4, 1.0, 0.6)
    turn = Turn(tastes[0].segment, start=n // 2, length=max(1, n // 20))
    return Setup(Audience(tastes, turn=turn, seed=seed), catalog)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("segment_taste", "segments like particular artworks", segment_taste),
        Scenario("feature_taste", "segments weigh visual features", feature_taste),
        Scenario("mixed", "features and particular artworks", mixed),
        Scenario("many_titles", "200 titles, ~100 impressions each", many_titles),
        Scenario("sparse_segments", "24 segments, Zipf-sized", sparse_segments),
        Scenario("new_artwork", "a 7th artwork arrives halfway, best for one segment", new_artwork),
        Scenario("device", "the best artwork differs by device", device),
        Scenario("drift", "halfway, one segment's taste reverses", drift),
    )
}
