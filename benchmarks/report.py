"""One JSON object per line: what the benchmark scripts print."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any


def emit(name: str, value: float, unit: str, baseline: float | None = None, **extra: Any) -> None:
    """Print a figure; ``ratio`` is value / baseline when there is a baseline."""
    row: dict[str, Any] = {"name": name, "value": round(value, 4), "unit": unit}
    if baseline is not None:
        row["baseline"] = round(baseline, 4)
        row["ratio"] = round(value / baseline, 4) if baseline else None
    row.update(extra)
    print(json.dumps(row), flush=True)


def rate(count: int, work: Callable[[], object]) -> float:
    """Items per second for ``work``, which handles ``count`` items."""
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)
