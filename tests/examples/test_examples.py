"""The examples run as the README shows them, so they cannot rot."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from examples import choose_artwork, demo, replay_from_csv

ROOT = Path(__file__).parents[2]


def test_choose_artwork_example_really_learns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = choose_artwork.main(str(tmp_path / "log.sqlite"))
    assert (report.joined, report.learned, report.version, report.last_seq) == (1, 1, 1, 1)
    assert "learned 1 decision(s) into checkpoint 1" in capsys.readouterr().out


def test_replay_example_ranks_the_personalised_table_first() -> None:
    estimates = replay_from_csv.main()
    assert estimates["personalised_target.csv"] > estimates["uniform"] > 0
    assert estimates["personalised_target.csv"] > estimates["one_poster_target.csv"]


def test_replay_command_on_the_sample_log() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "thumbnail_bandit",
            "replay",
            "--log",
            "examples/data/sample_log.csv",
            "--target",
            "examples/data/personalised_target.csv",
            "--target",
            "uniform",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(result.stdout.splitlines()) == 2 * 7  # two targets x seven estimators


@pytest.mark.slow
def test_short_demo_learns_and_writes_a_complete_report(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = demo.main(
        [
            "--out",
            str(out),
            "--impressions",
            "4000",
            "--learn-every",
            "1000",
            "--titles",
            "2",
            "--quality-impressions",
            "3000",
            "--experiment-impressions",
            "3000",
            "--quiet",
        ]
    )
    assert result["learning policy"] > result["uniform"] * 1.1  # last 10%, expected click rates
    # The same members, learned for quality plays, watch more than when learned for clicks.
    assert result["quality plays: quality minutes"] > 2 * result["quality plays: clicks minutes"]
    assert result["quality plays: clicks clicks"] > result["quality plays: quality clicks"]
    assert (
        result["quality plays: replay story quality"] > result["quality plays: replay bait quality"]
    )
    report = out / "report.html"
    html = report.read_text()
    images = re.findall(r'src="([^"]+)"', html)
    assert len(images) >= 3 * 4 + 2  # candidates for every title and segment, and two plots
    for image in images:
        assert (out / image).is_file(), image
    assert "Segment: faces" in html and "Replay evaluation" in html
    assert "learning quality: per 1,000 impressions" in html
    # The experiment ran on members and ended (promoted or stopped), with its verdict shown.
    assert "experiment verdict: learned - editorial" in html
    assert result["experiment low"] < result["experiment difference"]
    # Run again into the same folder: the log (and anything beside it) is continued, not wiped.
    (out / "tv-app.key").write_text("tbk_kept")
    again = ["--out", str(out), "--impressions", "300", "--learn-every", "300", "--quiet"]
    demo.main([*again, "--quality-impressions", "0", "--experiment-impressions", "300"])
    assert (out / "tv-app.key").read_text() == "tbk_kept"
    from storage import open_log

    with open_log(out / "log.sqlite") as log:
        assert log.decision("demo-0-3999").title_id  # the first run's decisions
        assert log.decision("demo-0-r1-299").title_id  # and the second's, after them
        # Each run's experiment ended, so the next could start on the same titles.
        assert [e.name for e in log.experiments()] == [
            "learned-vs-editorial-1",
            "learned-vs-editorial",
        ]
        assert {e.status for e in log.experiments()} <= {"stopped", "promoted"}


@pytest.mark.slow
def test_the_demo_runs_again_on_the_same_log(log_url: str, tmp_path: Path) -> None:
    """Once, a second run on the same PostgreSQL log ended in ConflictingRecord."""
    args = ["--db", log_url, "--titles", "0", "--impressions", "400", "--learn-every", "200"]
    args += ["--quality-impressions", "0", "--experiment-impressions", "300"]
    from storage import open_log

    first = demo.main([*args, "--out", str(tmp_path / "first"), "--quiet"])
    with open_log(log_url) as log:
        artworks = [a.id for a in log.artworks("bigbuckbunny", active_only=False)]
    second = demo.main([*args, "--out", str(tmp_path / "second"), "--quiet"])
    assert {"learning policy", "uniform", "oracle"} <= first.keys() & second.keys()
    html = (tmp_path / "second" / "report.html").read_text()
    for image in re.findall(r'src="([^"]+)"', html):
        assert (tmp_path / "second" / image).is_file(), image  # no broken images
    with open_log(log_url) as log:
        assert log.decision("demo-0-r1-399").title_id == "bigbuckbunny"
        again = [a.id for a in log.artworks("bigbuckbunny", active_only=False)]
        assert again == artworks  # the same frames, not registered twice
        assert all("second" in a.image_path for a in log.artworks("bigbuckbunny"))


def test_the_service_walkthrough_runs_as_written(tmp_path: Path) -> None:
    """The service page's shell block, run by bash as written (on its own
    port, against a log shaped like the demo's): key, serve, rank, reward, decision."""
    import shutil
    import socket

    from storage import NewArtwork, open_log

    page = (ROOT / "docs" / "service.md").read_text()
    block = page.split("```sh\n", 1)[1].split("```", 1)[0]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))  # `.venv/bin/...` as in a clone
    (tmp_path / "demo-output").mkdir()  # as make demo leaves it
    with open_log(tmp_path / "demo-output" / "log.sqlite", create=True) as log:
        for title in ("bigbuckbunny", "deep-field"):
            log.register(title, [NewArtwork(f"/art/{title}/{i}.jpg") for i in range(3)])
    assert shutil.which("curl"), "the walkthrough uses curl"
    script = "trap 'kill $(jobs -p) 2>/dev/null' EXIT\nset -e\n" + block.replace("8080", str(port))
    result = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    token = (tmp_path / "demo-output" / "tv-app.key").read_text()
    again = subprocess.run(  # the walkthrough again: its key and its decisions are kept
        ["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "demo-output" / "tv-app.key").read_text() == token
    assert '"event_id":"home-row-1-0"' in again.stdout  # the same answer, not a conflict
    out = result.stdout
    assert '"event_id":"home-row-1-0"' in out and '"event_id":"home-row-1-1"' in out
    assert '{"event_id":"home-row-1-0","value":1.0,"late":false,"duplicate":false}' in out
    assert re.search(r'"reward": \{\s*"value": 1\.0,\s*"late": false\s*\}', out), out
    key = tmp_path / "demo-output" / "tv-app.key"
    assert key.read_text().startswith("tbk_") and key.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "tv-app.key").exists()  # nothing written into the clone itself
