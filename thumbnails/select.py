"""Pick the top K with diversity.

1. A shot that repeats (the same scene again later) competes once: only the occurrence with
   the best frame stays in play.
2. Near-duplicates are dropped, keeping the better frame.
3. Every shot's best frame comes before any shot's second.
4. The rest by max-marginal-relevance: score minus likeness to what is already picked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from thumbnails.dedupe import Signature

#: How much likeness to an already-picked frame costs in MMR (Carbonell & Goldstein 1998).
MMR_LAMBDA = 0.5


@dataclass(frozen=True, slots=True)
class Scored:
    key: int
    """Caller's identifier (the frame index)."""
    shot: int
    score: float
    signature: Signature


def _drop_repeated_shots(ranked: list[Scored]) -> list[Scored]:
    """Keep, of each group of shots showing the same scene, the shot whose frame ranks best."""
    kept_shot_of: dict[int, int] = {}  # shot -> the shot that represents its scene
    for i, item in enumerate(ranked):
        if item.shot in kept_shot_of:
            continue
        kept_shot_of[item.shot] = item.shot
        for other in ranked[i + 1 :]:
            if other.shot not in kept_shot_of and item.signature.same_scene(other.signature):
                kept_shot_of[other.shot] = kept_shot_of[item.shot]
    return [item for item in ranked if kept_shot_of[item.shot] == item.shot]


def select_diverse(items: Sequence[Scored], k: int) -> list[Scored]:
    """Up to ``k`` items, best first, no two near-duplicates, shots spread first."""
    ranked = _drop_repeated_shots(sorted(items, key=lambda s: (-s.score, s.key)))
    unique: list[Scored] = []
    for item in ranked:
        if not any(item.signature.duplicates(u.signature) for u in unique):
            unique.append(item)
    picked: list[Scored] = []
    seen_shots: set[int] = set()
    for item in unique:  # round one: the best of each shot, in score order
        if len(picked) == k:
            return picked
        if item.shot not in seen_shots:
            picked.append(item)
            seen_shots.add(item.shot)
    rest = [item for item in unique if item not in picked]
    while rest and len(picked) < k:
        best = max(
            rest,
            key=lambda c: (
                c.score - MMR_LAMBDA * max(c.signature.similarity(p.signature) for p in picked)
            ),
        )
        picked.append(best)
        rest.remove(best)
    return picked
