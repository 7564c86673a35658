"""IPS and SNIPS computed inside the database, for static targets: the log never leaves it.

The target table travels as a VALUES list; the sums come back as one row. This is what lets a
log too large for memory be evaluated by PostgreSQL (or any SQL engine with a SQLAlchemy
dialect). It assumes the table already sums to 1 over each decision's candidates (the
in-memory path renormalises when it does not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import storage
from bandit.log_boundary import log_errors
from bandit.replay.errors import BadLog
from bandit.replay.intervals import Z95
from bandit.replay.targets import StaticTable


@dataclass(frozen=True, slots=True)
class PushdownResult:
    n: int
    ips: float
    ips_ci_low: float
    ips_ci_high: float
    snips: float
    ess: float


def pushdown_ips(
    log: str | Path | storage.Log, table: StaticTable, *, title: str | None = None
) -> PushdownResult:
    """IPS (with its normal 95% interval), SNIPS and the effective sample size of a static
    table, from sums the database computes (`storage.Log.replay_sums`). The interval uses
    the sample variance alone; in memory, `evaluate` also floors it with the variance the
    logged pmf implies, so its interval can be wider on a log whose draws were quiet."""
    with log_errors(), storage.using_log(log, migrate=False) as opened:
        sums = opened.replay_sums(table.table, storage.JoinedFilter(title=title))
    if not sums.n:
        raise BadLog("the log has no joined decisions to evaluate")
    n = sums.n
    mean = sums.sum_wr / n
    variance = max(0.0, (sums.sum_wr2 - n * mean * mean) / (n - 1)) if n > 1 else math.inf
    half = Z95 * math.sqrt(variance / n)
    return PushdownResult(
        n=n,
        ips=mean,
        ips_ci_low=mean - half,
        ips_ci_high=mean + half,
        snips=sums.sum_wr / sums.sum_w if sums.sum_w else 0.0,
        ess=sums.sum_w**2 / sums.sum_ww if sums.sum_ww else 0.0,
    )
