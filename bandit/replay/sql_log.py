"""Read logged decisions straight from the engine's SQL log (any SQLAlchemy URL)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import Engine, select

import storage
from bandit.replay.data import LoggedData
from bandit.replay.errors import BadLog
from storage.models import ArtworkRow, DecisionRow, JoinedExampleRow


def load_sql_log(
    log: str | Engine,
    *,
    title: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    policy_version: str | None = None,
) -> LoggedData:
    """Joined decisions (whose reward is settled), optionally filtered, in join order."""
    d, j = DecisionRow, JoinedExampleRow
    query = (
        select(
            d.event_id,
            d.created_at,
            d.context,
            d.candidate_ids,
            d.pmf,
            d.artwork_id,
            d.probability,
            j.reward,
        )
        .join(j, j.event_id == d.event_id)
        .order_by(j.seq)
    )
    if title is not None:
        query = query.where(d.title_id == title)
    if since is not None:
        query = query.where(d.created_at >= since)
    if until is not None:
        query = query.where(d.created_at < until)
    if policy_version is not None:
        query = query.where(d.policy_version == policy_version)
    with (
        storage.using_log(log, migrate=False) as engine,
        storage.session_factory(engine)() as session,
    ):
        rows = session.execute(query).all()
        artwork_ids = {aid for row in rows for aid in row.candidate_ids}
        features = (
            {
                str(a.id): dict(a.features)
                for a in session.scalars(select(ArtworkRow).where(ArtworkRow.id.in_(artwork_ids)))
            }
            if artwork_ids
            else {}
        )
    if not rows:
        raise BadLog(
            "the log has no joined decisions for these filters (are rewards joined yet?"
            " run the learner or storage.join_matured first)"
        )
    vocabulary = sorted(artwork_ids)
    index = {aid: i for i, aid in enumerate(vocabulary)}
    n = len(rows)
    candidates = np.zeros((n, len(vocabulary)), dtype=bool)
    logged_pmf = np.zeros((n, len(vocabulary)))
    for i, row in enumerate(rows):
        columns = [index[a] for a in row.candidate_ids]
        candidates[i, columns] = True
        logged_pmf[i, columns] = row.pmf
    return LoggedData(
        actions=tuple(str(a) for a in vocabulary),
        chosen=np.array([index[row.artwork_id] for row in rows], dtype=np.int64),
        propensity=np.array([row.probability for row in rows]),
        reward=np.array([row.reward for row in rows]),
        segment=np.array([str(row.context.get("segment", "")) for row in rows], dtype=str),
        candidates=candidates,
        event_id=[row.event_id for row in rows],
        timestamp=np.array([np.datetime64(row.created_at.replace(tzinfo=None)) for row in rows]),
        contexts=[row.context for row in rows],
        logged_pmf=logged_pmf,
        action_features=features,
    )
