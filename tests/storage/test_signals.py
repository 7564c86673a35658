"""Named signals per decision, append-only, on SQLite and PostgreSQL: any number of them up
to the cap, late ones kept and flagged, retries by signal id recorded once, bad names and
values refused before anything is written."""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta

import pytest

from storage import (
    MAX_SIGNALS_PER_EVENT,
    ConflictingRecord,
    InvalidSignal,
    Log,
    NewArtwork,
    NotActivated,
    UnknownEvent,
)
from tests.storage.helpers import T0, decision


@pytest.fixture
def event(log: Log) -> str:
    ids = [a.id for a in log.register("t1", [NewArtwork("a.jpg"), NewArtwork("b.jpg")])]
    hidden = dataclasses.replace(decision("hidden", ids), activated=False)
    log.record_decisions([decision("e1", ids), hidden])
    return "e1"


def test_signals_are_kept_as_they_arrive(log: Log, event: str) -> None:
    first = log.record_signal(event, "click", 1, now=T0)
    log.record_signal(event, "play", 1, now=T0 + timedelta(seconds=5))
    log.record_signal(event, "watch_minutes", 12.5, now=T0 + timedelta(minutes=1))
    assert not first.late and not first.duplicate
    stored = log.signals(event)
    assert [(s.name, s.value) for s in stored] == [
        ("click", 1.0),
        ("play", 1.0),
        ("watch_minutes", 12.5),
    ]


def test_a_signal_after_the_window_is_stored_and_flagged_late(log: Log, event: str) -> None:
    receipt = log.record_signal(event, "complete", 1, now=T0 + timedelta(days=1))
    assert receipt.late and log.signals(event)[0].late


def test_a_retry_by_signal_id_is_recorded_once_and_another_value_is_a_conflict(
    log: Log, event: str
) -> None:
    assert not log.record_signal(event, "watch_minutes", 3, signal_id="p1", now=T0).duplicate
    assert log.record_signal(event, "watch_minutes", 3, signal_id="p1", now=T0).duplicate
    with pytest.raises(ConflictingRecord):
        log.record_signal(event, "watch_minutes", 4, signal_id="p1", now=T0)
    log.record_signal(event, "watch_minutes", 4, signal_id="p2", now=T0)  # another signal
    log.record_signal(event, "watch_minutes", 5, now=T0)  # no id: every call is a signal
    assert [s.value for s in log.signals(event)] == [3.0, 4.0, 5.0]


@pytest.mark.parametrize(
    ("name", "value", "error"),
    [
        ("watch minutes", 1, InvalidSignal),
        ("Click", 1, InvalidSignal),
        ("1st", 1, InvalidSignal),
        ("x" * 65, 1, InvalidSignal),
        ("click", math.nan, InvalidSignal),
        ("click", math.inf, InvalidSignal),
        ("click", 1e12, InvalidSignal),
        ("click", 10**400, InvalidSignal),
        ("click", True, InvalidSignal),
        ("click", "1", InvalidSignal),
    ],
)
def test_bad_names_and_values_are_refused(
    log: Log, event: str, name: str, value: object, error: type[Exception]
) -> None:
    with pytest.raises(error):
        log.record_signal(event, name, value, now=T0)  # type: ignore[arg-type]
    assert log.signals(event) == []


def test_unknown_and_unactivated_events(log: Log, event: str) -> None:
    with pytest.raises(UnknownEvent):
        log.record_signal("nobody", "click", 1, now=T0)
    with pytest.raises(NotActivated):
        log.record_signal("hidden", "click", 1, now=T0)


def test_one_decision_takes_at_most_the_cap(log: Log, event: str) -> None:
    for i in range(MAX_SIGNALS_PER_EVENT):
        log.record_signal(event, "progress", i, now=T0)
    with pytest.raises(InvalidSignal, match="the most one decision may have"):
        log.record_signal(event, "progress", 1, now=T0)
    assert len(log.signals(event)) == MAX_SIGNALS_PER_EVENT
