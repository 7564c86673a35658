"""One JSON object per line: what the benchmark scripts print."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def emit(name: str, value: float, unit: str, baseline: float | None = None, **extra: Any) -> None:
    """Print a figure; ``ratio`` is value / baseline when there is a baseline."""
    row: dict[str, Any] = {"name": name, "value": round(value, 4), "unit": unit}
    if baseline is not None:
        row["baseline"] = round(baseline, 4)
        row["ratio"] = round(value / baseline, 4) if baseline else None
    row.update(extra)
    print(json.dumps(row), flush=True)


def mean_interval(values: Sequence[float], resamples: int = 10_000) -> tuple[float, float]:
    """A 95% bootstrap interval for the mean over seeds. Given per-seed differences of two
    policies on the same seeds, it is paired: most of the seed-to-seed spread, which both
    share, cancels."""
    rng = np.random.default_rng(0)
    array = np.asarray(values, dtype=float)
    means = array[rng.integers(len(array), size=(resamples, len(array)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def rate(count: int, work: Callable[[], object]) -> float:
    """Items per second for ``work``, which handles ``count`` items."""
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)
