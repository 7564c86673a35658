"""Titles and their artworks: register, list the active ones, retire."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.errors import UnknownTitle
from storage.models import ArtworkRow, TitleRow
from storage.records import Artwork, NewArtwork


def _now() -> datetime:
    return datetime.now(UTC)


def register_title(session: Session, title_id: str, name: str | None = None) -> None:
    """Add a title, or rename it if it exists. Does not commit."""
    if not title_id or len(title_id) > 200:
        raise ValueError(f"title id must be 1-200 characters, got {title_id!r}")
    row = session.get(TitleRow, title_id)
    if row is None:
        session.add(TitleRow(id=title_id, name=name or title_id, created_at=_now()))
    elif name:
        row.name = name
    session.flush()


def register_artworks(
    session: Session, title_id: str, artworks: Iterable[NewArtwork]
) -> list[Artwork]:
    """Add artworks to a title, keyed by image path: a path registered again is updated and
    made active again, so re-running extraction does not duplicate artwork. Does not commit."""
    if session.get(TitleRow, title_id) is None:
        raise UnknownTitle(f"title {title_id!r} is not registered; call register_title first")
    existing = {
        row.image_path: row
        for row in session.scalars(select(ArtworkRow).where(ArtworkRow.title_id == title_id))
    }
    rows = []
    for art in artworks:
        row = existing.get(art.image_path)
        if row is None:
            row = ArtworkRow(title_id=title_id, image_path=art.image_path, created_at=_now())
            session.add(row)
        row.frame_index = art.frame_index
        row.timestamp_s = art.timestamp_s
        row.features = {k: float(v) for k, v in art.features.items()}
        row.status = "active"
        rows.append(row)
    session.flush()
    return [_to_record(row) for row in rows]


def retire_artworks(session: Session, artwork_ids: Sequence[int]) -> None:
    """Stop serving these artworks. Their rows stay: logged decisions refer to them."""
    session.execute(
        update(ArtworkRow).where(ArtworkRow.id.in_(artwork_ids)).values(status="retired")
    )


def title_exists(session: Session, title_id: str) -> bool:
    return session.get(TitleRow, title_id) is not None


def list_titles(session: Session) -> list[str]:
    return list(session.scalars(select(TitleRow.id).order_by(TitleRow.id)))


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


def _to_record(row: ArtworkRow) -> Artwork:
    return Artwork(
        id=row.id,
        title_id=row.title_id,
        image_path=row.image_path,
        timestamp_s=row.timestamp_s,
        frame_index=row.frame_index,
        features=dict(row.features),
        status=row.status,
    )
