"""IPS and SNIPS computed inside the database, for static targets: the log never leaves it.

The target table travels as a VALUES list; the sums come back as one row. This is what lets a
log too large for memory be evaluated by PostgreSQL (or any SQL engine with a SQLAlchemy
dialect). It assumes the table already sums to 1 over each decision's candidates (the
in-memory path renormalises when it does not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import (
    Double,
    Engine,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

import storage
from bandit.replay.errors import BadLog
from bandit.replay.estimators import Z95
from bandit.replay.targets import StaticTable
from storage.models import DecisionRow, JoinedExampleRow


@dataclass(frozen=True, slots=True)
class PushdownResult:
    n: int
    ips: float
    ips_ci_low: float
    ips_ci_high: float
    snips: float
    ess: float


def pushdown_ips(
    log: str | Engine, table: StaticTable, *, title: str | None = None
) -> PushdownResult:
    # A UNION ALL of literal rows: unlike VALUES with column aliases, SQLite accepts it too.
    rows = [
        select(
            literal(segment, String).label("segment"),
            literal(action, String).label("action"),
            literal(p, Double).label("probability"),
        )
        for segment, probs in table.table.items()
        for action, p in probs.items()
    ]
    target = union_all(*rows).subquery("target")
    exact, default = aliased(target, name="t_exact"), aliased(target, name="t_default")
    d, j = DecisionRow, JoinedExampleRow
    segment = d.context["segment"].as_string()
    action = cast(d.artwork_id, String)
    named = [s for s in table.table if s != "*"]
    listed: ColumnElement[bool] = segment.in_(named) if named else literal(False)
    pi = case(
        (listed, func.coalesce(exact.c.probability, 0.0)),
        else_=func.coalesce(default.c.probability, 0.0),
    )
    w = pi / d.probability
    query = (
        select(
            func.count(),
            func.sum(w * j.reward),
            func.sum(w),
            func.sum(w * w),
            func.sum(w * j.reward * w * j.reward),
        )
        .select_from(d)
        .join(j, j.event_id == d.event_id)
        .outerjoin(exact, and_(exact.c.segment == segment, exact.c.action == action))
        .outerjoin(default, and_(default.c.segment == "*", default.c.action == action))
    )
    if title is not None:
        query = query.where(d.title_id == title)
    with storage.using_log(log, migrate=False) as engine, engine.connect() as conn:
        n, s_wr, s_w, s_ww, s_wr2 = conn.execute(query).one()
    if not n:
        raise BadLog("the log has no joined decisions to evaluate")
    n = int(n)
    mean = float(s_wr) / n
    variance = max(0.0, (float(s_wr2) - n * mean * mean) / (n - 1)) if n > 1 else math.inf
    half = Z95 * math.sqrt(variance / n)
    return PushdownResult(
        n=n,
        ips=mean,
        ips_ci_low=mean - half,
        ips_ci_high=mean + half,
        snips=float(s_wr) / float(s_w) if s_w else 0.0,
        ess=float(s_w) ** 2 / float(s_ww) if s_ww else 0.0,
    )
