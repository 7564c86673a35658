"""Typed read queries over the log: the joined sequence with filters, one decision, and the
sums of inverse-propensity estimators computed by the database itself."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Double,
    Select,
    String,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from storage.errors import UnknownEvent
from storage.experiment_records import Assignment
from storage.models import DecisionRow, JoinedExampleRow, RewardRow
from storage.records import JoinedExample, LoggedDecision, ReplaySums, RewardReceipt


@dataclass(frozen=True, slots=True)
class JoinedFilter:
    """Which joined examples to read; every field left None matches all."""

    title: str | None = None
    since: datetime | None = None
    """Decisions made at or after this instant."""
    until: datetime | None = None
    """Decisions made before this instant."""
    policy_version: str | None = None
    experiment_id: int | None = None
    """Decisions of this online experiment."""


_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


def _filtered(query: _Query, where: JoinedFilter | None) -> _Query:
    if where is None:
        return query
    d = DecisionRow
    if where.title is not None:
        query = query.where(d.title_id == where.title)
    if where.since is not None:
        query = query.where(d.created_at >= where.since)
    if where.until is not None:
        query = query.where(d.created_at < where.until)
    if where.policy_version is not None:
        query = query.where(d.policy_version == where.policy_version)
    if where.experiment_id is not None:
        query = query.where(d.experiment_id == where.experiment_id)
    return query


def joined_examples(
    session: Session,
    after_seq: int = 0,
    limit: int | None = None,
    where: JoinedFilter | None = None,
) -> list[JoinedExample]:
    """The joined examples with ``seq > after_seq`` that match ``where``, in sequence order."""
    # Plain columns, not ORM entities: no identity map for rows that are read once (~3x faster).
    j, d = JoinedExampleRow, DecisionRow
    query = (
        select(
            j.seq,
            d.event_id,
            d.title_id,
            # As text, decoded below once per distinct document: a log repeats contexts
            # and candidate lists row after row.
            cast(d.context, Text),
            cast(d.candidate_ids, Text),
            cast(d.pmf, Text),
            d.artwork_id,
            d.probability,
            d.policy_version,
            d.created_at,
            j.reward,
            j.rewarded,
        )
        .join(d, d.event_id == j.event_id)
        .where(j.seq > after_seq)
        .order_by(j.seq)
    )
    query = _filtered(query, where)
    if limit is not None:
        query = query.limit(limit)
    # Core, on the session's connection: column rows need none of the ORM's loading; fetched
    # at once and unpacked by position (per-row fetches and named access cost a third more).
    rows = session.connection().execute(query).all()
    contexts, ids, pmfs = decode_once(), decode_tuple_once(), decode_tuple_once()
    return [
        JoinedExample(
            seq=seq,
            event_id=event_id,
            title_id=title_id,
            context=contexts(context),
            candidate_ids=ids(candidate_ids),
            pmf=pmfs(pmf),
            artwork_id=artwork_id,
            probability=probability,
            policy_version=policy_version,
            created_at=created_at,
            reward=reward,
            rewarded=rewarded,
        )
        for (
            seq,
            event_id,
            title_id,
            context,
            candidate_ids,
            pmf,
            artwork_id,
            probability,
            policy_version,
            created_at,
            reward,
            rewarded,
        ) in rows
    ]


def decode_once() -> Callable[[str], Any]:
    """A JSON decoder that runs once per distinct text. Rows with equal text share one
    value: the records type it read-only (a context is a ``Mapping``), and nothing writes
    to it."""
    return _memo(json.loads)


def decode_tuple_once() -> Callable[[str], tuple[Any, ...]]:
    """The same, for a JSON list read as a tuple."""
    return _memo(_tuple)


def _memo(decode: Callable[[str], Any]) -> Callable[[str], Any]:
    seen: dict[str, Any] = {}

    def decoded(text: str) -> Any:
        value = seen.get(text)
        if value is None:
            value = seen[text] = decode(text)
        return value

    return decoded


def _tuple(text: str) -> tuple[Any, ...]:
    return tuple(json.loads(text))


def decision_for_event(session: Session, event_id: str) -> LoggedDecision:
    """One logged decision. Raises UnknownEvent."""
    row = session.get(DecisionRow, event_id)
    if row is None:
        raise UnknownEvent(f"no decision with event id {event_id!r}")
    return LoggedDecision(
        event_id=row.event_id,
        title_id=row.title_id,
        context=dict(row.context),
        candidate_ids=tuple(row.candidate_ids),
        pmf=tuple(row.pmf),
        artwork_id=row.artwork_id,
        probability=row.probability,
        policy_version=row.policy_version,
        created_at=row.created_at,
        reward_deadline=row.reward_deadline,
        activated=row.activated,
        policy_pmf=None if row.policy_pmf is None else tuple(row.policy_pmf),
        exploration=dict(row.exploration or {}),
        assignment=None
        if row.experiment_id is None or row.arm is None or row.arm_probability is None
        else Assignment(row.experiment_id, row.arm, row.arm_probability, row.unit),
    )


def reward_for_event(session: Session, event_id: str) -> RewardReceipt | None:
    """The reward recorded for a decision, if any (``duplicate`` is False: it is the record)."""
    row = session.get(RewardRow, event_id)
    if row is None:
        return None
    return RewardReceipt(event_id=row.event_id, value=row.value, late=row.late, duplicate=False)


def replay_sums(
    session: Session, table: dict[str, dict[str, float]], where: JoinedFilter | None = None
) -> ReplaySums:
    """Sums of w, w*r, w^2 and (w*r)^2 over the joined log, for a static target that gives
    probability ``table[segment][artwork id]`` (segment ``*``: the default). The log never
    leaves the database; the target travels as literal rows."""
    # A UNION ALL of literal rows: unlike VALUES with column aliases, SQLite accepts it too.
    rows = [
        select(
            literal(segment, String).label("segment"),
            literal(action, String).label("action"),
            literal(p, Double).label("probability"),
        )
        for segment, probs in table.items()
        for action, p in probs.items()
    ]
    target = union_all(*rows).subquery("target")
    exact, default = aliased(target, name="t_exact"), aliased(target, name="t_default")
    d, j = DecisionRow, JoinedExampleRow
    segment = d.context["segment"].as_string()
    action = cast(d.artwork_id, String)
    named = [s for s in table if s != "*"]
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
    n, s_wr, s_w, s_ww, s_wr2 = session.execute(_filtered(query, where)).one()
    return ReplaySums(
        n=int(n or 0),
        sum_wr=float(s_wr or 0.0),
        sum_w=float(s_w or 0.0),
        sum_ww=float(s_ww or 0.0),
        sum_wr2=float(s_wr2 or 0.0),
    )
