"""ArtworkChooser on the real log (SQLite and PostgreSQL)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import Engine, func, select, text

from bandit import (
    ArtworkChooser,
    Context,
    GreedyPolicy,
    InvalidContext,
    InvalidReward,
    Learner,
    LogUnavailable,
    NoActiveArtwork,
    UnknownEvent,
    UnknownTitle,
    VWPolicy,
)
from storage import (
    NewArtwork,
    count_decisions,
    get_decision,
    open_log,
    register_artworks,
    register_title,
    retire_artworks,
    session_factory,
)
from storage.models import DecisionRow
from tests.bandit.helpers import Clock, add_title


@pytest.fixture
def chooser(engine: Engine) -> ArtworkChooser:
    return ArtworkChooser(engine, VWPolicy(epsilon=0.2), reload_every_s=0, clock=Clock())


def test_choose_logs_the_decision_with_its_pmf_before_returning(
    engine: Engine, chooser: ArtworkChooser
) -> None:
    ids = add_title(engine, "t", 4)
    decision = chooser.choose("t", {"segment": "kids", "device": "tv", "hour": 20})
    assert decision.candidate_ids == tuple(ids)
    assert decision.artwork_id in ids
    assert sum(decision.pmf) == pytest.approx(1.0)
    with session_factory(engine)() as s:
        row = get_decision(s, decision.event_id)
    assert row.pmf == pytest.approx(list(decision.pmf))
    assert row.probability == pytest.approx(decision.probability)
    assert row.context == {"segment": "kids", "device": "tv", "hour": 20}
    assert row.policy_version == "vw:0"
    assert row.exploration == {"kind": "epsilon", "epsilon": 0.2}
    assert row.reward_deadline > row.created_at


def test_same_event_id_and_model_give_the_same_choice(
    engine: Engine, chooser: ArtworkChooser
) -> None:
    add_title(engine, "t", 5)
    picks = {chooser.choose("t", Context("a"), event_id=f"e{i}").artwork_id for i in range(40)}
    assert len(picks) > 1  # exploration really varies with the event id
    first = chooser.choose("t", Context("a"), event_id="fixed")
    again = chooser.choose("t", Context("a"), event_id="fixed")  # a client retry
    assert first == again
    other = ArtworkChooser(engine, VWPolicy(epsilon=0.2), reload_every_s=0)
    assert other.choose("t", Context("a"), event_id="fixed") == first
    with session_factory(engine)() as s:
        assert count_decisions(s) == 41


def test_nothing_to_choose_is_a_clear_error_and_logs_nothing(
    engine: Engine, chooser: ArtworkChooser
) -> None:
    with pytest.raises(UnknownTitle, match="nope"):
        chooser.choose("nope", {"segment": "a"})
    with session_factory(engine).begin() as s:
        register_title(s, "empty")
    with pytest.raises(NoActiveArtwork, match="empty"):
        chooser.choose("empty", {"segment": "a"})
    with session_factory(engine)() as s:
        assert count_decisions(s) == 0


def test_cold_start_single_artwork_and_retired_artworks(
    engine: Engine, chooser: ArtworkChooser
) -> None:
    [only] = add_title(engine, "t", 1)
    decision = chooser.choose("t", {"segment": "a"})
    assert (decision.artwork_id, decision.probability, decision.pmf) == (only, 1.0, (1.0,))
    with session_factory(engine).begin() as s:
        [new] = register_artworks(s, "t", [NewArtwork("t/new.jpg", features={"warmth": 0.9})])
    decision = chooser.choose("t", {"segment": "a"})  # scored from its features at once
    assert decision.candidate_ids == (only, new.id)
    assert min(decision.pmf) > 0
    with session_factory(engine).begin() as s:
        retire_artworks(s, [only])
    assert chooser.choose("t", {"segment": "a"}).candidate_ids == (new.id,)


@pytest.mark.parametrize(
    "context",
    [
        {"segment": "a", 42: "x"},
        {"segment": "a", "bio": "y" * 5000},
        {"segment": "a", "pref": {"nested": 1}},
        {"segment": ["list"]},
    ],
)
def test_bad_contexts_are_refused_before_anything_is_logged(
    engine: Engine, chooser: ArtworkChooser, context: dict[object, object]
) -> None:
    add_title(engine, "t", 2)
    with pytest.raises(InvalidContext):
        chooser.choose("t", context)  # type: ignore[arg-type]
    with session_factory(engine)() as s:
        assert count_decisions(s) == 0


def test_injection_strings_are_logged_verbatim_and_served_normally(
    engine: Engine, chooser: ArtworkChooser
) -> None:
    add_title(engine, "t", 3)
    nasty = {
        "segment": "a|b:1 c",
        "x|y": "1:2\n|a injected",
        "'; DROP TABLE decisions; --": '" OR 1=1 --',
        "genres": ["|u", "x y", ":"],
    }
    decision = chooser.choose("t", nasty)
    with session_factory(engine)() as s:
        assert get_decision(s, decision.event_id).context == nasty
        assert s.scalar(select(func.count()).select_from(DecisionRow)) == 1


def test_rewards(engine: Engine, chooser: ArtworkChooser) -> None:
    add_title(engine, "t", 2)
    decision = chooser.choose("t", {"segment": "a"})
    assert not chooser.reward(decision.event_id, 1.0).late
    assert chooser.reward(decision.event_id, 1.0).duplicate
    with pytest.raises(UnknownEvent):
        chooser.reward("no-such-event", 1.0)
    for bad in (float("nan"), -1.0, 2.0):
        with pytest.raises(InvalidReward):
            chooser.reward(decision.event_id, bad)


def test_serving_picks_up_a_new_checkpoint_without_restart(engine: Engine) -> None:
    clock = Clock()
    ids = add_title(engine, "t", 3)
    chooser = ArtworkChooser(engine, GreedyPolicy(epsilon=0.1), reload_every_s=0, clock=clock)
    for i in range(60):
        d = chooser.choose("t", {"segment": "a"}, event_id=f"e{i}")
        chooser.reward(d.event_id, float(d.artwork_id == ids[2]))
    clock.advance(hours=1)
    assert Learner(engine, lambda: GreedyPolicy(epsilon=0.1), clock=clock).run_once().learned == 60
    decision = chooser.choose("t", {"segment": "a"})
    assert decision.policy_version == "greedy:1"
    assert int(np.argmax(decision.pmf)) == 2


def test_explain_names_the_features_behind_each_score(engine: Engine) -> None:
    clock = Clock()
    add_title(engine, "t", 4)
    chooser = ArtworkChooser(engine, VWPolicy(epsilon=0.3), reload_every_s=0, clock=clock)
    for i in range(400):
        segment = "warm" if i % 2 else "cool"
        d = chooser.choose("t", {"segment": segment}, event_id=f"e{i}")
        warmest = d.candidate_ids.index(d.artwork_id) == 3
        chooser.reward(d.event_id, float(warmest if segment == "warm" else not warmest))
    clock.advance(hours=1)
    Learner(engine, lambda: VWPolicy(epsilon=0.3), clock=clock).run_once()
    explanations = chooser.explain("t", {"segment": "warm"})
    assert len(explanations) == 4
    best = max(explanations, key=lambda e: e.score)
    assert best.probability == max(e.probability for e in explanations)
    features = [c.feature for c in best.top_features]
    assert any("warmth" in f or "artwork.id" in f for f in features)
    assert all(np.isfinite(c.value) for e in explanations for c in e.top_features)


def test_a_database_that_goes_away_between_calls(pg_schema_url: str) -> None:
    engine = open_log(f"{pg_schema_url}&application_name=tb_chooser")
    add_title(engine, "t", 2)
    chooser = ArtworkChooser(engine, reload_every_s=0)
    chooser.choose("t", {"segment": "a"})
    admin = open_log(pg_schema_url)
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'tb_chooser'"
            )
        )
    with pytest.raises(LogUnavailable):
        chooser.choose("t", {"segment": "a"})
    chooser.choose("t", {"segment": "a"})  # back once the database answers again
    with admin.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM decisions")).scalar() == 2
    engine.dispose()
    admin.dispose()


def test_a_corrupt_checkpoint_is_a_clear_error_for_serving_and_learning(engine: Engine) -> None:
    from sqlalchemy import update

    from storage import CorruptCheckpoint
    from storage.models import CheckpointRow

    clock = Clock()
    add_title(engine, "t", 2)
    chooser = ArtworkChooser(engine, reload_every_s=0, clock=clock)
    chooser.choose("t", {"segment": "a"})
    clock.advance(hours=1)
    Learner(engine, clock=clock).run_once()
    with session_factory(engine).begin() as s:
        s.execute(update(CheckpointRow).values(model=b"\x00garbage"))
    with pytest.raises(CorruptCheckpoint, match="sha256"):
        ArtworkChooser(engine)
    with pytest.raises(CorruptCheckpoint):
        Learner(engine, clock=clock).run_once()
