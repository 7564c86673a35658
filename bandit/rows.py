"""A row of a home page: what one `ArtworkChooser.choose_many` call asks, checked and made
ready to log (`PreparedRow`), and the answers a row sent again under its event id gets.

`ArtworkChooser.choose_rows` logs several independent rows in one commit; these are the parts
of a row that outlive its transaction, so that a row can be tried in a shared commit first
and on its own after."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import storage
from bandit.context import Context
from bandit.decide import Request, Unservable
from bandit.errors import ConflictingRecord, InvalidContext
from bandit.log_boundary import log_errors
from bandit.records import Decision
from storage import same_json


@dataclass(frozen=True)
class RowRequest:
    """The arguments of one `ArtworkChooser.choose_many` call."""

    title_ids: Sequence[str]
    context: Context | Mapping[str, Any]
    event_id: str | None = None
    excluded: Iterable[int] = ()
    defer_activation: bool = False
    unit_id: str | None = None


@dataclass
class PreparedRow:
    """A checked row: the (title, decide) pairs to log, and what its answers need after."""

    title_ids: list[str]
    event_ids: list[str]
    given: bool
    """The caller named the event id (so a conflict may be a retry)."""
    request: Request
    requests: list[tuple[str, storage.Decide]]
    images: dict[int, storage.Artwork] = field(default_factory=dict)
    unservable: Unservable = field(default_factory=Unservable)

    def answers(self, logged: Sequence[storage.NewDecision]) -> list[Decision]:
        return [decision_from(d, self.images.get(d.artwork_id)) for d in logged]


def excluded_ids(excluded: Iterable[int]) -> frozenset[int]:
    ids = list(excluded)
    if any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise InvalidContext(f"excluded artwork ids must be integers: {ids!r}")
    return frozenset(ids)


def logged_answers(log: storage.Log, row: PreparedRow) -> list[Decision]:
    """The first answers to a row sent again under the same event id: the same titles,
    context (types included), excluded artworks and deferral, or 409."""
    record = row.request.record
    with log_errors():
        try:
            found = [log.decision(eid) for eid in row.event_ids]
        except storage.UnknownEvent:
            found = []
        same = len(found) == len(row.title_ids) and all(
            d.title_id == t
            and same_json(d.context, row.request.logged_context)
            and d.exploration.get("excluded", []) == record.get("excluded", [])
            and d.exploration.get("deferred", False) == record.get("deferred", False)
            for d, t in zip(found, row.title_ids, strict=True)
        )
        if not same:
            raise ConflictingRecord(
                f"event id {row.event_ids[0]!r} was already used for another request (other"
                " titles, context, excluded artworks or deferral); event ids must be"
                " unique per decision"
            )
        images = log.artworks_by_id({d.artwork_id for d in found})
    return [decision_from(d, images.get(d.artwork_id)) for d in found]


def decision_from(
    d: storage.NewDecision | storage.LoggedDecision, image: storage.Artwork | None
) -> Decision:
    """The answer for a logged decision."""
    return Decision(
        event_id=d.event_id,
        title_id=d.title_id,
        artwork_id=d.artwork_id,
        probability=d.probability,
        pmf=d.pmf,
        candidate_ids=d.candidate_ids,
        policy_version=d.policy_version,
        image_path="" if image is None else image.image_path,
        image_sha256=None if image is None else image.content_sha256,
        activated=d.activated,
        policy_pmf=d.policy_pmf,
        experiment=None if d.assignment is None else d.exploration.get("experiment"),
        arm=None if d.assignment is None else d.assignment.arm,
    )
