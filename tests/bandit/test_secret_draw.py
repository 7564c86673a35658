"""The sampling draw is secret: a client that picks its event ids cannot pick its artwork, and
whoever holds the log can still reproduce every decision, across salt rotations."""

from __future__ import annotations

from collections import Counter

from bandit import ArtworkChooser, UniformPolicy
from bandit.sampling import sample_index, uniform_for
from storage import Log
from tests.bandit.helpers import add_title


def test_event_ids_picked_for_a_low_draw_do_not_pick_the_first_artwork(log: Log) -> None:
    """The probe of issue 25: ids whose draw without a salt is in the lowest quarter all got
    the first of four artworks, while the log recorded 0.25 for it."""
    add_title(log, "t", 4)
    chosen: Counter[int] = Counter()
    low = (f"probe-{i}" for i in range(100_000) if uniform_for(f"probe-{i}", "") < 0.25)
    with ArtworkChooser(log, UniformPolicy()) as chooser:
        for event_id, _ in zip(low, range(400), strict=False):
            decision = chooser.choose("t", {"segment": "s"}, event_id=event_id)
            chosen[decision.candidate_ids.index(decision.artwork_id)] += 1
    # Under the log's secret salt the draw follows the pmf: each artwork about a quarter.
    # (A share over 0.4 of 400 draws at p = 0.25 is 7 standard errors away.)
    assert max(chosen.values()) / 400 < 0.4, chosen


def test_the_salt_is_secret_never_empty_and_every_decision_can_be_reproduced(log: Log) -> None:
    add_title(log, "t", 3)
    first = log.sampling_salt()
    assert len(first.secret) == 64 and first.secret not in repr(first)
    with ArtworkChooser(log, reload_every_s=0) as chooser:
        before = [chooser.choose("t", {"segment": "s"}) for _ in range(20)]
        rotated = log.rotate_salt()
        after = [chooser.choose("t", {"segment": "s"}) for _ in range(20)]
    assert rotated.id == first.id + 1 and rotated.secret != first.secret
    assert log.sampling_salt() == rotated
    for decision, salt_id in [(d, first.id) for d in before] + [(d, rotated.id) for d in after]:
        logged = log.decision(decision.event_id)
        assert logged.exploration["salt"] == salt_id
        salt = log.salt(salt_id)
        assert salt is not None
        index = sample_index(logged.pmf, logged.event_id, salt.secret)
        assert logged.candidate_ids[index] == logged.artwork_id


def test_each_log_has_its_own_salt(tmp_path: object) -> None:
    from pathlib import Path

    from storage import open_log

    folder = Path(str(tmp_path))
    with (
        open_log(folder / "a.sqlite", create=True) as a,
        open_log(folder / "b.sqlite", create=True) as b,
    ):
        assert a.sampling_salt().secret != b.sampling_salt().secret
