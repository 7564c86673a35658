"""Draw the shown artwork from the pmf with randomness derived from the event id, so any logged
decision can be reproduced exactly from its event id, the salt and the pmf."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def uniform_for(event_id: str, salt: str = "") -> float:
    """A number in [0, 1) fixed by ``salt`` and ``event_id``."""
    digest = hashlib.sha256(f"{salt}\x00{event_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def sample_index(pmf: Sequence[float], event_id: str, salt: str = "") -> int:
    """Index drawn from ``pmf`` by inverse CDF. Never returns an index of probability 0."""
    u = uniform_for(event_id, salt) * sum(pmf)
    cumulative = 0.0
    last_positive = 0
    for index, p in enumerate(pmf):
        if p <= 0.0:
            continue
        last_positive = index
        cumulative += p
        if u < cumulative:
            return index
    return last_positive  # rounding left u at the very top
