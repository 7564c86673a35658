"""Titles and their artworks: register, list the active ones, retire."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.errors import InvalidDecision, UnknownTitle
from storage.ids import TITLE_ID
from storage.models import ArtworkRow, ExtractionRow, TitleRow
from storage.records import Artwork, NewArtwork, TitleSummary, check_text


def _now() -> datetime:
    return datetime.now(UTC)


def register_title(session: Session, title_id: str, name: str | None = None) -> None:
    """Add a title, or rename it if it exists. Does not commit."""
    TITLE_ID.check(title_id, InvalidDecision)
    row = session.get(TitleRow, title_id)
    if row is None:
        session.add(TitleRow(id=title_id, name=name or title_id, created_at=_now()))
    elif name:
        row.name = name
    session.flush()


def register_artworks(
    session: Session, title_id: str, artworks: Iterable[NewArtwork]
) -> list[Artwork]:
    """Add artworks to a title. Does not commit.

    An artwork is identified by its content hash when it has one, else by its image path. The
    same picture registered again, from any path, updates that artwork (its path, features)
    and makes it active again, so re-running extraction never duplicates artwork. An older
    artwork whose path now holds a different picture is retired: its image is gone.
    """
    if session.get(TitleRow, title_id) is None:
        raise UnknownTitle(f"title {title_id!r} is not registered; call register_title first")
    rows_now = list(session.scalars(select(ArtworkRow).where(ArtworkRow.title_id == title_id)))
    by_hash = {row.content_sha256: row for row in rows_now if row.content_sha256}
    by_path = {row.image_path: row for row in rows_now}
    rows = []
    for art in artworks:
        if art.content_sha256 is not None:
            row = by_hash.get(art.content_sha256)
            if row is None:
                row = by_path.get(art.image_path)
                if row is not None and row.content_sha256 not in (None, art.content_sha256):
                    row.status = "retired"  # the file at this path was overwritten
                    row = None
        else:
            row = by_path.get(art.image_path)
        if row is None:
            row = ArtworkRow(title_id=title_id, created_at=_now())
            session.add(row)
        row.image_path = art.image_path
        row.content_sha256 = art.content_sha256 or row.content_sha256
        by_path[art.image_path] = row
        if row.content_sha256:
            by_hash[row.content_sha256] = row
        row.frame_index = art.frame_index
        row.timestamp_s = art.timestamp_s
        row.features = {k: float(v) for k, v in art.features.items()}
        row.status = "active"
        rows.append(row)
    session.flush()
    return [_to_record(row) for row in rows]


def retire_artworks(session: Session, artwork_ids: Sequence[int]) -> None:
    """Stop serving these artworks. Their rows stay: logged decisions refer to them."""
    set_artwork_status(session, artwork_ids, "retired")


def set_artwork_status(session: Session, artwork_ids: Sequence[int], status: str) -> int:
    """Retire (``retired``) or restore (``active``) artworks; returns how many exist.

    Raises:
        InvalidDecision: an unknown status.
    """
    if status not in ("active", "retired"):
        raise InvalidDecision(f"artwork status must be 'active' or 'retired', not {status!r}")
    result = session.execute(
        update(ArtworkRow)
        .where(ArtworkRow.id.in_(list(artwork_ids)))
        .values(status=status)
        .returning(ArtworkRow.id)
    )
    return len(result.all())


def title_artworks(session: Session, title_id: str) -> list[Artwork]:
    """All of a title's artworks, active and retired, in id order."""
    if session.get(TitleRow, title_id) is None:
        raise UnknownTitle(f"title {title_id!r} is not registered")
    query = select(ArtworkRow).where(ArtworkRow.title_id == title_id).order_by(ArtworkRow.id)
    return [_to_record(row) for row in session.scalars(query)]


def title_exists(session: Session, title_id: str) -> bool:
    return session.get(TitleRow, title_id) is not None


def list_titles(session: Session) -> list[str]:
    return list(session.scalars(select(TitleRow.id).order_by(TitleRow.id)))


def title_page(session: Session, after: str | None, limit: int) -> list[TitleSummary]:
    """Up to ``limit`` titles after ``after`` in id order, with their artwork counts: one
    query, whatever the page size."""
    active = func.count(ArtworkRow.id).filter(ArtworkRow.status == "active")
    query = (
        select(TitleRow.id, TitleRow.name, TitleRow.mode, func.count(ArtworkRow.id), active)
        .outerjoin(ArtworkRow, ArtworkRow.title_id == TitleRow.id)
        .group_by(TitleRow.id, TitleRow.name, TitleRow.mode)
        .order_by(TitleRow.id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(TitleRow.id > after)
    return [
        TitleSummary(title_id, name, mode, int(total), int(live))
        for title_id, name, mode, total, live in session.execute(query)
    ]


def active_artworks(session: Session, title_id: str) -> list[Artwork]:
    """The title's servable artworks, in id order (the order candidates are offered in)."""
    query = (
        select(ArtworkRow)
        .where(ArtworkRow.title_id == title_id, ArtworkRow.status == "active")
        .order_by(ArtworkRow.id)
    )
    return [_to_record(row) for row in session.scalars(query)]


def artworks_by_id(session: Session, artwork_ids: Iterable[int]) -> dict[int, Artwork]:
    """Any artworks, active or retired, by id (learning needs retired ones too)."""
    ids = sorted(set(artwork_ids))
    if not ids:
        return {}
    rows = session.scalars(select(ArtworkRow).where(ArtworkRow.id.in_(ids)))
    return {row.id: _to_record(row) for row in rows}


def artwork_by_content(session: Session, content_sha256: str) -> Artwork | None:
    """The artwork (of any title, active or retired) whose image has this sha256."""
    row = session.scalars(
        select(ArtworkRow).where(ArtworkRow.content_sha256 == content_sha256).limit(1)
    ).first()
    return None if row is None else _to_record(row)


def _to_record(row: ArtworkRow) -> Artwork:
    return Artwork(
        id=row.id,
        title_id=row.title_id,
        image_path=row.image_path,
        timestamp_s=row.timestamp_s,
        frame_index=row.frame_index,
        features=dict(row.features),
        status=row.status,
        content_sha256=row.content_sha256,
    )


def record_extraction(session: Session, title_id: str, key: str, video: str, output: str) -> None:
    """Note that the extraction ``key`` produced ``title_id`` in ``output``. Does not commit."""
    check_text("extraction key", key, 64)
    # An output folder holds one result: earlier extractions into it are gone.
    session.execute(
        delete(ExtractionRow).where(ExtractionRow.output == output, ExtractionRow.key != key)
    )
    row = session.get(ExtractionRow, key)
    if row is None:
        session.add(
            ExtractionRow(key=key, title_id=title_id, video=video, output=output, created_at=_now())
        )
    else:
        row.title_id, row.video, row.output = title_id, video, output
    session.flush()


def extraction_output(session: Session, key: str) -> str | None:
    row = session.get(ExtractionRow, key)
    return None if row is None else row.output
