"""``thumbnail-bandit experiments``: start (with the replay screen), status (text, JSON and
the HTML report), stop, promote and list; ``learn`` keeps the policy arms' lineages and
applies the guardrails; ``decision`` names the arm; bad input is one ``error:`` line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import storage
from bandit import ArtworkChooser, UniformPolicy
from tests.bandit.helpers import Clock, add_title
from thumbnail_bandit.cli.main import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def _traffic(log: storage.Log, good: int, n: int, prefix: str, clock: Clock) -> None:
    with ArtworkChooser(log, UniformPolicy(), clock=clock, reload_every_s=0) as chooser:
        for i in range(n):
            d = chooser.choose(
                "t", {"segment": "s"}, event_id=f"{prefix}{i}", unit_id=f"u{i % 300}"
            )
            chooser.reward(d.event_id, 1.0 if d.artwork_id == good else 0.0)
            clock.advance(seconds=1)
    clock.advance(hours=2)


def test_experiments_from_the_command_line(
    log_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with storage.open_log(log_url, create=True) as log:
        ids = add_title(log, "t", 3)
        log.set_title_mode("t", "online", ids[0])
    db = ("--db", log_url)
    status, out, err = _run(
        capsys,
        "experiments",
        "start",
        "x",
        "--title",
        "t",
        "--arm",
        "control=head:50",
        "--arm",
        "editorial=baseline:30",
        "--arm",
        "rival=policy:uniform:20",
        *db,
    )
    assert status == 0, err
    assert "started x on t" in out and "not screened" in out
    # Bad input: one line each, nothing started or changed.
    for args, message in (
        (
            ("start", "y", "--title", "t", "--arm", "a=head:50", "--arm", "b=baseline:40"),
            "sum to 100",
        ),
        (
            ("start", "y", "--title", "t", "--arm", "a=head:50", "--arm", "b=baseline:50"),
            "already in the running experiment 'x'",
        ),
        (
            ("start", "y", "--title", "t", "--arm", "a=head:50", "--arm", "b=checkpoint:7:50"),
            "no checkpoint with version 7",
        ),
        (("status", "nope"), "no experiment named 'nope'"),
        (("stop", "x", "--arm", "control"), "control arm"),
    ):
        status, out, err = _run(capsys, "experiments", *args, *db)
        assert status == 1 and err.startswith("error: ") and message in err, err
        assert err.count("\n") == 1
    with storage.open_log(log_url) as log:
        clock = Clock()
        _traffic(log, ids[1], 900, "a", clock)
        log.join_matured(now=clock())
    status, out, err = _run(capsys, "learn", "--quiet", *db)
    assert status == 0, err
    assert "experiment lineage reward@x.rival: learned" in out
    assert "arm editorial stopped, worse than control" in out
    status, out, _ = _run(
        capsys, "experiments", "status", "x", "--json", "--out", str(tmp_path / "r"), *db
    )
    row = json.loads(out)
    assert row["verdict"] in ("running", "better", "worse")
    assert [a["name"] for a in row["arms"]] == ["control", "editorial", "rival"]
    assert row["arms"][1]["stopped"] == "worse than control"
    assert sum(a["units"] for a in row["arms"]) >= 300
    assert row["differences"][0]["verdict"] == "worse"
    report = Path(row["report"]).read_text()
    assert "Experiment x" in report and "arm-stop" in report
    assert (tmp_path / "r" / "sequence.png").stat().st_size > 0
    status, out, _ = _run(capsys, "decision", "a0", *db)
    assert json.loads(out)["experiment"]["name"] == "x"
    status, out, err = _run(capsys, "experiments", "promote", "x", "editorial", *db)
    assert status == 1 and "stopped" in err
    status, out, err = _run(capsys, "experiments", "promote", "x", "rival", *db)
    assert status == 0 and "verdict: stopped" in out, err
    status, out, _ = _run(capsys, "experiments", "list", "--json", *db)
    assert [(e["name"], e["status"]) for e in json.loads(out)] == [("x", "promoted")]
    status, out, err = _run(capsys, "experiments", "stop", "x", *db)
    assert status == 1 and "promoted" in err
