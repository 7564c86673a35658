"""Apprentice mode: a title serves its editorial baseline while the policy learns behind it,
and the log says how often the policy would have agreed and what the baseline earns."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import InvalidDecision, UnknownTitle
from storage.models import ArtworkRow, DecisionRow, JoinedExampleRow, RewardRow, TitleRow
from storage.records import ApprenticeSummary, TitleMode

MODES = ("online", "apprentice")


def title_mode(session: Session, title_id: str) -> TitleMode:
    """How the title is served. Raises UnknownTitle."""
    row = session.get(TitleRow, title_id)
    if row is None:
        raise UnknownTitle(f"title {title_id!r} is not registered")
    return TitleMode(row.id, row.mode, row.baseline_artwork_id)


def set_title_mode(
    session: Session, title_id: str, mode: str, baseline_artwork_id: int | None = None
) -> TitleMode:
    """Switch a title between ``online`` and ``apprentice``; optionally set its baseline.
    Does not commit.

    Raises:
        UnknownTitle: no such title.
        InvalidDecision: an unknown mode; a baseline that is not one of the title's active
            artworks; apprentice mode without a baseline.
    """
    row = session.get(TitleRow, title_id)
    if row is None:
        raise UnknownTitle(f"title {title_id!r} is not registered")
    if mode not in MODES:
        raise InvalidDecision(f"mode must be one of {MODES}, not {mode!r}")
    if baseline_artwork_id is not None:
        artwork = session.get(ArtworkRow, baseline_artwork_id)
        if artwork is None or artwork.title_id != title_id or artwork.status != "active":
            raise InvalidDecision(
                f"artwork {baseline_artwork_id} is not an active artwork of title {title_id!r}"
            )
        row.baseline_artwork_id = baseline_artwork_id
    if mode == "apprentice" and row.baseline_artwork_id is None:
        raise InvalidDecision(
            f"title {title_id!r} has no baseline artwork; apprentice mode serves the baseline,"
            " so name one"
        )
    row.mode = mode
    session.flush()
    return TitleMode(row.id, row.mode, row.baseline_artwork_id)


def apprentice_summary(session: Session, title_id: str, limit: int = 10_000) -> ApprenticeSummary:
    """Agreement and the baseline's reward over the title's newest apprentice decisions."""
    if session.get(TitleRow, title_id) is None:
        raise UnknownTitle(f"title {title_id!r} is not registered")
    d = DecisionRow
    in_time = RewardRow.late.is_(False)
    query = (
        select(d.candidate_ids, d.artwork_id, d.policy_pmf, RewardRow.value, JoinedExampleRow.seq)
        .outerjoin(RewardRow, (RewardRow.event_id == d.event_id) & in_time)
        .outerjoin(JoinedExampleRow, JoinedExampleRow.event_id == d.event_id)
        .where(d.title_id == title_id, d.policy_pmf.is_not(None), d.activated.is_(True))
        .order_by(d.created_at.desc())
        .limit(limit)
    )
    n = agreed = rewarded = closed = 0
    baseline_p = reward_sum = 0.0
    for candidate_ids, artwork_id, policy_pmf, reward, seq in session.execute(query):
        index = list(candidate_ids).index(artwork_id)
        n += 1
        baseline_p += policy_pmf[index]
        agreed += max(range(len(policy_pmf)), key=policy_pmf.__getitem__) == index
        rewarded += reward is not None
        if seq is not None:  # joined: its window has closed, so no reward means 0
            closed += 1
            reward_sum += reward or 0.0
    return ApprenticeSummary(
        title_id=title_id,
        decisions=n,
        policy_agreed=agreed / n if n else 0.0,
        policy_baseline_probability=baseline_p / n if n else 0.0,
        rewarded=rewarded,
        baseline_reward=reward_sum / closed if closed else None,
    )
