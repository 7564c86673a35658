"""One decision, from the title's artworks and the route that serves it: the pmf, the draw
and the record to log. The chooser calls it inside the transaction that logs the decision."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import storage
from bandit.context import Context
from bandit.errors import NoActiveArtwork
from bandit.experiments.routing import Route
from bandit.policies.base import Policy
from bandit.records import Arm
from bandit.sampling import sample_index


@dataclass(frozen=True, slots=True)
class Request:
    """What the titles of one ``choose_many`` call share."""

    context: Context
    logged_context: Mapping[str, Any]
    skip: frozenset[int]
    record: Mapping[str, Any]
    """What tells a retry from another request: excluded artworks, deferral."""
    deferred: bool
    salt: storage.SamplingSalt
    now: Callable[[], datetime]
    window: timedelta


class Unservable(list[tuple[Route, str]]):
    """The arms that could not serve during one call, and why: the chooser stops them once
    the call's transaction is over."""

    def __call__(self, route: Route, why: str) -> None:
        self.append((route, why))


def decide(
    request: Request,
    route: Route,
    title_id: str,
    event_id: str,
    title: storage.ServedTitle,
    on_unservable: Callable[[Route, str], None],
) -> storage.NewDecision:
    """The decision ``route`` makes for this title. An experiment's arm that cannot serve
    (its baseline artwork is gone, its policy fails) falls back to control's route, and
    ``on_unservable`` hears why: a member never sees an arm's error."""
    artworks = [a for a in title.artworks if a.id not in request.skip]
    if not artworks:
        raise NoActiveArtwork(title_id)  # which error exactly is found after rollback
    ids = [a.id for a in artworks]
    baseline = title.mode.baseline_artwork_id
    if route.policy is None and baseline not in ids and route.fallback is not None:
        on_unservable(route, "its baseline artwork is not active")
        route = route.fallback
    exploration: dict[str, Any] = {"salt": request.salt.id}
    policy_pmf: tuple[float, ...] | None = None
    if route.policy is None:  # the editorial baseline, as an experiment's arm
        if baseline not in ids:
            raise NoActiveArtwork(f"{title_id}: its baseline artwork is not active")
        pmf = [1.0 if i == baseline else 0.0 for i in ids]
        exploration["kind"] = "baseline"
    else:
        arms = [Arm(a.id, a.features) for a in artworks]
        try:
            pmf = [1.0] if len(arms) == 1 else _pmf(route.policy, request.context, arms)
        except Exception as exc:  # any failure of an arm's policy
            if route.fallback is None:
                raise
            on_unservable(route, f"its policy failed: {type(exc).__name__}: {exc}")
            return decide(request, route.fallback, title_id, event_id, title, on_unservable)
        exploration = {**route.policy.exploration, **exploration}
        if title.mode.mode == "apprentice" and baseline in ids and route.assignment is None:
            # Serve the editorial default; keep what the policy would have done.
            policy_pmf = tuple(pmf)
            pmf = [1.0 if i == baseline else 0.0 for i in ids]
            exploration["mode"] = "apprentice"
    exploration.update(request.record)
    if route.experiment is not None:
        exploration["experiment"] = route.experiment
    index = sample_index(pmf, event_id, request.salt.secret)
    now = request.now()
    return storage.NewDecision(
        event_id=event_id,
        title_id=title_id,
        context=request.logged_context,
        candidate_ids=tuple(ids),
        pmf=tuple(pmf),
        artwork_id=ids[index],
        probability=pmf[index],
        policy_version=route.version,
        exploration=exploration,
        created_at=now,
        reward_deadline=now + request.window,
        activated=not request.deferred,
        policy_pmf=policy_pmf,
        assignment=route.assignment,
    )


def _pmf(policy: Policy, context: Context, arms: list[Arm]) -> list[float]:
    values: list[float] = policy.probabilities(context, arms).tolist()
    return values
