"""Online experiments in the log: their arms and shares, the titles running ones hold, what
happened to them, and what a promotion leaves on a title. Session functions; they never
commit. What an arm's spec means (``head``, ``checkpoint:N``, ...) is `bandit`'s to say: here
it is text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.errors import (
    ConflictingRecord,
    InvalidExperiment,
    UnknownExperiment,
    UnknownTitle,
)
from storage.experiment_records import (
    Experiment,
    ExperimentArm,
    ExperimentChange,
    Served,
)
from storage.ids import EXPERIMENT_NAME, TITLE_ID
from storage.models import (
    DecisionRow,
    ExperimentChangeRow,
    ExperimentRow,
    ExperimentTitleRow,
    TitlePolicyRow,
    TitleRow,
)

MAX_TITLES = 1_000
"""Titles one experiment may cover."""


def check_arms(arms: Sequence[ExperimentArm]) -> None:
    if len(arms) < 2:
        raise InvalidExperiment("an experiment needs a control arm and at least one other")
    names = [a.name for a in arms]
    if len(set(names)) != len(names):
        raise InvalidExperiment(f"arm names repeat: {names}")
    total = sum(a.share for a in arms)
    if total != 100:
        shares = ", ".join(f"{a.name}={a.share}" for a in arms)
        raise InvalidExperiment(f"arm shares must sum to 100, not {total} ({shares})")


def start(
    session: Session,
    name: str,
    titles: Sequence[str],
    arms: Sequence[ExperimentArm],
    reward: str,
    salt_id: int,
    evidence: Mapping[str, Any],
    now: datetime | None = None,
) -> Experiment:
    """Start an experiment; its titles are held until it ends.

    Raises:
        InvalidExperiment: a bad name, arms or shares, or no titles.
        UnknownTitle: a title is not registered.
        ConflictingRecord: the name is taken, or another running experiment holds a title.
    """
    EXPERIMENT_NAME.check(name, InvalidExperiment)
    check_arms(arms)
    if not titles or len(titles) > MAX_TITLES:
        raise InvalidExperiment(f"name between 1 and {MAX_TITLES} titles")
    titles = list(dict.fromkeys(TITLE_ID.check(t, InvalidExperiment) for t in titles))
    known = set(session.scalars(select(TitleRow.id).where(TitleRow.id.in_(titles))))
    missing = [t for t in titles if t not in known]
    if missing:
        raise UnknownTitle(f"titles not registered: {', '.join(map(repr, missing[:5]))}")
    if session.scalar(select(ExperimentRow.id).where(ExperimentRow.name == name)) is not None:
        raise ConflictingRecord(f"an experiment named {name!r} exists; pick another name")
    _check_titles_free(session, titles)
    now = now or datetime.now(UTC)
    row = ExperimentRow(
        name=name,
        titles=titles,
        arms=[a.as_json() for a in arms],
        reward=reward,
        salt_id=salt_id,
        status="running",
        started_at=now,
    )
    session.add(row)
    session.flush()
    try:
        with session.begin_nested():  # another start may have taken a title meanwhile
            session.add_all(ExperimentTitleRow(title_id=t, experiment_id=row.id) for t in titles)
    except ConflictingRecord:
        _check_titles_free(session, titles)
        raise
    _record(session, row.id, "start", None, evidence, now)
    return _to_record(row)


def _check_titles_free(session: Session, titles: Sequence[str]) -> None:
    held = session.execute(
        select(ExperimentTitleRow.title_id, ExperimentRow.name)
        .join(ExperimentRow, ExperimentRow.id == ExperimentTitleRow.experiment_id)
        .where(ExperimentTitleRow.title_id.in_(titles))
    ).first()
    if held is not None:
        raise ConflictingRecord(
            f"title {held[0]!r} is already in the running experiment {held[1]!r}; stop or"
            " promote that one first"
        )


def get(session: Session, name: str) -> Experiment:
    """Raises UnknownExperiment."""
    return _to_record(_row(session, name))


def _row(session: Session, name: str, for_update: bool = False) -> ExperimentRow:
    query = select(ExperimentRow).where(ExperimentRow.name == name)
    if for_update:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise UnknownExperiment(f"no experiment named {name!r} (`experiments list` shows them)")
    return row


def all_experiments(session: Session) -> list[Experiment]:
    """Every experiment, newest first."""
    rows = session.scalars(select(ExperimentRow).order_by(ExperimentRow.id.desc()))
    return [_to_record(r) for r in rows]


def running(session: Session) -> list[Experiment]:
    """The running experiments: what choosers poll."""
    rows = session.scalars(
        select(ExperimentRow).where(ExperimentRow.status == "running").order_by(ExperimentRow.id)
    )
    return [_to_record(r) for r in rows]


def stop_arm(
    session: Session,
    name: str,
    arm: str,
    reason: str,
    evidence: Mapping[str, Any],
    now: datetime | None = None,
) -> Experiment:
    """Stop one arm (not control): its units go to control. Stopping an arm that is already
    stopped changes nothing. When no arm but control is left, the experiment stops.

    Raises:
        UnknownExperiment; InvalidExperiment (no such arm, the control arm, not running).
    """
    row = _row(session, name, for_update=True)
    experiment = _to_record(row)
    target = experiment.arm(arm)
    if target.name == experiment.control.name:
        raise InvalidExperiment(
            f"{arm!r} is the control arm; stop the experiment instead (`experiments stop`)"
        )
    if target.stopped is not None:
        return experiment
    _check_running(experiment)
    now = now or datetime.now(UTC)
    row.arms = [
        {**a, "stopped": {"at": now.isoformat(), "reason": reason}} if a["name"] == arm else a
        for a in row.arms
    ]
    _record(session, row.id, "arm-stop", arm, {"reason": reason, **evidence}, now)
    if all(a["stopped"] for a in row.arms[1:]):
        _end(session, row, "stopped", now)
        _record(session, row.id, "stop", None, {"reason": "no arm left beside control"}, now)
    session.flush()
    return _to_record(row)


def stop(
    session: Session,
    name: str,
    reason: str,
    evidence: Mapping[str, Any],
    now: datetime | None = None,
) -> Experiment:
    """End an experiment without a winner: its titles go back to what served them before.
    Raises UnknownExperiment; InvalidExperiment when it already ended."""
    row = _row(session, name, for_update=True)
    _check_running(_to_record(row))
    now = now or datetime.now(UTC)
    _end(session, row, "stopped", now)
    _record(session, row.id, "stop", None, {"reason": reason, **evidence}, now)
    session.flush()
    return _to_record(row)


def promote(
    session: Session,
    name: str,
    arm: str,
    title_spec: str | None,
    evidence: Mapping[str, Any],
    now: datetime | None = None,
) -> Experiment:
    """End an experiment with ``arm`` serving its titles from now on, as ``title_spec`` says
    (None: the head, which serves titles anyway).

    Raises:
        UnknownExperiment; InvalidExperiment (no such arm, a stopped arm, not running).
    """
    row = _row(session, name, for_update=True)
    experiment = _to_record(row)
    _check_running(experiment)
    winner = experiment.arm(arm)
    if winner.stopped is not None:
        raise InvalidExperiment(
            f"arm {arm!r} was stopped ({winner.stopped.get('reason')}); a stopped arm cannot"
            " be promoted"
        )
    now = now or datetime.now(UTC)
    session.execute(delete(TitlePolicyRow).where(TitlePolicyRow.title_id.in_(row.titles)))
    if title_spec is not None:
        session.add_all(
            TitlePolicyRow(title_id=t, spec=title_spec, experiment_id=row.id, set_at=now)
            for t in row.titles
        )
    _end(session, row, "promoted", now)
    _record(session, row.id, "promote", arm, {"spec": winner.spec, **evidence}, now)
    session.flush()
    return _to_record(row)


def title_policies(session: Session) -> dict[str, str]:
    """The arm spec a promotion left on each title (titles not listed serve the head)."""
    rows = session.execute(select(TitlePolicyRow.title_id, TitlePolicyRow.spec))
    return {title: spec for title, spec in rows}


def changes(session: Session, experiment_id: int) -> list[ExperimentChange]:
    rows = session.scalars(
        select(ExperimentChangeRow)
        .where(ExperimentChangeRow.experiment_id == experiment_id)
        .order_by(ExperimentChangeRow.id)
    )
    return [ExperimentChange(r.at, r.kind, r.arm, dict(r.evidence)) for r in rows]


def served(session: Session, experiment_id: int) -> list[Served]:
    """Every decision the experiment served, oldest first."""
    d = DecisionRow
    rows = session.execute(
        select(d.event_id, d.created_at, d.arm, d.unit)
        .where(d.experiment_id == experiment_id)
        .order_by(d.created_at, d.event_id)
    )
    return [Served(e, c, a or "", u) for e, c, a, u in rows]


def assigned_arms(session: Session, experiment_id: int) -> dict[str, tuple[str, float]]:
    """Each decision's arm and the probability its assignment gave that arm."""
    d = DecisionRow
    rows = session.execute(
        select(d.event_id, d.arm, d.arm_probability).where(d.experiment_id == experiment_id)
    )
    return {e: (a or "", float(p or 1.0)) for e, a, p in rows}


def _check_running(experiment: Experiment) -> None:
    if experiment.status != "running":
        raise InvalidExperiment(
            f"experiment {experiment.name!r} is {experiment.status}"
            f" since {experiment.ended_at:%Y-%m-%d %H:%M} UTC"
            if experiment.ended_at
            else f"experiment {experiment.name!r} is {experiment.status}"
        )


def _end(session: Session, row: ExperimentRow, status: str, now: datetime) -> None:
    row.status, row.ended_at = status, now
    session.execute(delete(ExperimentTitleRow).where(ExperimentTitleRow.experiment_id == row.id))


def _record(
    session: Session,
    experiment_id: int,
    kind: str,
    arm: str | None,
    evidence: Mapping[str, Any],
    now: datetime,
) -> None:
    session.add(
        ExperimentChangeRow(
            experiment_id=experiment_id, at=now, kind=kind, arm=arm, evidence=dict(evidence)
        )
    )


def _to_record(row: ExperimentRow) -> Experiment:
    return Experiment(
        id=row.id,
        name=row.name,
        titles=tuple(row.titles),
        arms=tuple(
            ExperimentArm(a["name"], a["spec"], a["share"], a.get("stopped")) for a in row.arms
        ),
        reward=row.reward,
        salt_id=row.salt_id,
        status=row.status,
        started_at=row.started_at,
        ended_at=row.ended_at,
    )
