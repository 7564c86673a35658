from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from storage import InvalidDecision, NewArtwork, UnknownTitle
from storage.catalog import (
    active_artworks,
    artworks_by_id,
    list_titles,
    register_artworks,
    register_title,
    retire_artworks,
)
from tests.storage.helpers import seed_title


def test_register_and_list(sessions: sessionmaker[Session]) -> None:
    ids = seed_title(sessions, 3)
    with sessions() as s:
        arts = active_artworks(s, "t1")
        assert [a.id for a in arts] == ids
        assert arts[1].features == {"brightness": 0.1}
        assert arts[1].timestamp_s == 1.0
        assert list_titles(s) == ["t1"]


def test_reregistering_a_path_updates_instead_of_duplicating(
    sessions: sessionmaker[Session],
) -> None:
    ids = seed_title(sessions, 2)
    with sessions.begin() as s:
        retire_artworks(s, [ids[0]])
        again = register_artworks(s, "t1", [NewArtwork("img0.jpg", 9.0, 9, {"brightness": 0.9})])
    assert again[0].id == ids[0]
    with sessions() as s:
        arts = active_artworks(s, "t1")
        assert len(arts) == 2
        assert arts[0].features == {"brightness": 0.9} and arts[0].status == "active"


def test_retired_artworks_are_not_served_but_still_readable(
    sessions: sessionmaker[Session],
) -> None:
    ids = seed_title(sessions, 3)
    with sessions.begin() as s:
        retire_artworks(s, [ids[1]])
    with sessions() as s:
        assert [a.id for a in active_artworks(s, "t1")] == [ids[0], ids[2]]
        assert artworks_by_id(s, [ids[1]])[ids[1]].status == "retired"


def test_artworks_for_unknown_title(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s, pytest.raises(UnknownTitle):
        register_artworks(s, "nope", [NewArtwork("a.jpg")])


def test_title_rename_and_bad_ids(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as s:
        register_title(s, "t", "Old")
        register_title(s, "t", "New")
    with sessions() as s:
        assert list_titles(s) == ["t"]
    with pytest.raises(ValueError):
        register_title(sessions(), "")


@pytest.mark.parametrize("features", [{"x": float("nan")}, {"x": "bright"}, {"x": float("inf")}])
def test_bad_features_are_refused(features: dict[str, float]) -> None:
    with pytest.raises(InvalidDecision):
        NewArtwork("a.jpg", features=features)
