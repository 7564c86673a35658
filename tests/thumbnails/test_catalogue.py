"""A catalogue: re-runs skip work already done (an index in --out, or the log with --db),
--force and changed settings recompute, and Ray runs the same extraction as one process,
with the driver the only writer, and survives a worker killed mid-run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from storage import open_log
from tests.thumbnails.synthetic import make_story_video, pan, scene, write_video
from thumbnail_bandit.catalogue_log import LogDoneStore
from thumbnail_bandit.cli.extract import thumbnails_main as main
from thumbnail_bandit.ray_runner import RayRunner, RayUnavailable
from thumbnails import CatalogueResult, CatalogueRun, Extracted, Failed, Skipped, extract_catalogue

THUMBNAILS = Path(sys.executable).parent / "thumbnails"


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two different videos and a third with the first's bytes under another name."""
    folder = tmp_path_factory.mktemp("catalogue")
    first = make_story_video(folder / "first.mp4").path
    second = folder / "second.mp4"
    write_video(second, [f for seed in (11, 12, 13) for f in pan(scene(seed), 60)])
    twin = folder / "twin.mp4"
    shutil.copy(first, twin)
    return [first, second, twin]


def _outcomes(results: list[CatalogueResult]) -> list[str]:
    return [
        "error" if isinstance(r, Failed) else "skipped" if isinstance(r, Skipped) else "done"
        for r in results
    ]


def _folder(result: CatalogueResult) -> Path:
    assert isinstance(result, Extracted | Skipped), result
    return result.folder


def test_a_rerun_skips_what_is_done(videos: list[Path], tmp_path: Path) -> None:
    run = CatalogueRun(out=tmp_path / "out", top_k=3)
    first = extract_catalogue(videos, run)
    assert _outcomes(first) == ["done"] * 3
    # The twin has the first video's bytes, but it is another title: its own folder.
    assert [_folder(r).name for r in first] == ["first", "second", "twin"]
    again = extract_catalogue(videos, run)
    assert _outcomes(again) == ["skipped"] * 3
    assert [r.manifest["candidates"] for r in again] == [r.manifest["candidates"] for r in first]  # type: ignore[union-attr]
    assert _outcomes(extract_catalogue(videos, CatalogueRun(out=run.out, top_k=3, force=True))) == (
        ["done"] * 3
    )
    changed = extract_catalogue(videos, CatalogueRun(out=run.out, top_k=2))
    assert _outcomes(changed) == ["done"] * 3  # other settings, other results
    # ... and the folders now hold top-2 results, so top-3 is not "done" any more.
    assert _outcomes(extract_catalogue(videos[:1], run)) == ["done"]
    shutil.rmtree(run.out / "second")
    assert _outcomes(extract_catalogue(videos, run)) == ["skipped", "done", "done"]


def test_an_edited_video_is_extracted_again(videos: list[Path], tmp_path: Path) -> None:
    video = tmp_path / "edited.mp4"
    shutil.copy(videos[0], video)
    run = CatalogueRun(out=tmp_path / "out", top_k=3)
    assert _outcomes(extract_catalogue([video], run)) == ["done"]
    shutil.copy(videos[1], video)  # new content at the same path
    assert _outcomes(extract_catalogue([video], run)) == ["done"]
    assert _outcomes(extract_catalogue([video], run)) == ["skipped"]


def test_an_unreadable_index_only_costs_a_recompute(videos: list[Path], tmp_path: Path) -> None:
    run = CatalogueRun(out=tmp_path / "out", top_k=3)
    extract_catalogue(videos[:1], run)
    (run.out / ".thumbnails-done.json").write_text("{not json")
    assert _outcomes(extract_catalogue(videos[:1], run)) == ["done"]
    assert _outcomes(extract_catalogue(videos[:1], run)) == ["skipped"]


def test_a_crafted_index_cannot_point_outside_out(videos: list[Path], tmp_path: Path) -> None:
    run = CatalogueRun(out=tmp_path / "out", top_k=3)
    extract_catalogue(videos[:1], run)
    index = run.out / ".thumbnails-done.json"
    [key] = json.loads(index.read_text())
    outside = tmp_path / "elsewhere"
    (outside / "first").mkdir(parents=True)
    (outside / "first" / "manifest.json").write_text('{"video": "planted", "candidates": []}')
    for planted in ["../elsewhere/first", "/etc", "..", ".hidden", "a\\..\\b"]:
        index.write_text(json.dumps({key: planted}))
        [result] = extract_catalogue(videos[:1], run)
        assert isinstance(result, Extracted) and result.folder.parent == run.out


def test_a_crafted_log_row_cannot_point_outside_out(
    videos: list[Path], tmp_path: Path, log_url: str
) -> None:
    from sqlalchemy import text

    out = tmp_path / "out"
    planted = tmp_path / "elsewhere" / "first"
    planted.mkdir(parents=True)
    (planted / "manifest.json").write_text('{"video": "planted", "candidates": []}')
    with open_log(log_url, create=True) as log:
        assert extract_catalogue(
            videos[:1], CatalogueRun(out=out, top_k=3), done=LogDoneStore(log, out)
        )
        with log.engine.begin() as conn:
            conn.execute(text("UPDATE extractions SET output = :o"), {"o": str(planted)})
        [result] = extract_catalogue(
            videos[:1], CatalogueRun(out=out, top_k=3), done=LogDoneStore(log, out)
        )
    assert isinstance(result, Extracted) and result.folder.parent == out


def test_with_a_log_the_log_is_the_store(
    videos: list[Path], tmp_path: Path, log_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    inputs = ["extract", *map(str, videos[:2])]
    args = [*inputs, "--top-k", "3", "--out", str(out), "--db", log_url, "--quiet"]
    assert main(args) == 0
    capsys.readouterr()
    assert not (out / ".thumbnails-done.json").exists()
    assert main(args) == 0
    captured = capsys.readouterr()
    assert captured.out.count("(already extracted; skipped)") == 2
    assert "0 extracted, 2 skipped, 0 failed" in captured.err
    with open_log(log_url) as log:
        assert log.titles() == ["first", "second"]
        assert len(log.artworks("first")) == 3  # registered once, not again by the re-run
    # Done into another folder is not done here.
    elsewhere = [*inputs, "--top-k", "3", "--out", str(tmp_path / "elsewhere"), "--db", log_url]
    assert main(elsewhere) == 0
    assert "skipped" not in capsys.readouterr().out


def test_without_ray_installed_ray_is_one_clear_error(
    videos: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(RayUnavailable, match=r"pip install 'thumbnail-bandit\[ray\]'"):
        extract_catalogue(videos[:1], CatalogueRun(out=tmp_path / "out"), runner=RayRunner())
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_ray_gives_what_one_process_gives(videos: list[Path], tmp_path: Path) -> None:
    """A local Ray cluster (2 CPUs here) on a handful of videos, one of them broken: the same
    candidates, byte for byte, and the broken one fails alone, in one line."""
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    inputs = [*map(str, videos), str(broken)]
    local = subprocess.run(
        [THUMBNAILS, "extract", *inputs, "--out", str(tmp_path / "local"), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    on_ray = subprocess.run(
        [THUMBNAILS, "extract", *inputs, "--out", str(tmp_path / "ray"), "--quiet", "--ray"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert local.returncode == on_ray.returncode == 1
    errors = [line for line in on_ray.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [line for line in local.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and str(broken) in errors[0] and "Traceback" not in on_ray.stderr
    for name in ("first", "second", "twin"):
        for file in sorted((tmp_path / "local" / name).iterdir()):
            assert (tmp_path / "ray" / name / file.name).read_bytes() == file.read_bytes(), file
    assert on_ray.stdout == local.stdout.replace(str(tmp_path / "local"), str(tmp_path / "ray"))


@pytest.mark.slow
def test_a_ray_worker_killed_mid_run(tmp_path: Path) -> None:
    """SIGKILL a Ray worker while it extracts: Ray retries the task once, so the run still
    completes; had the retry failed too, that video alone would be reported."""
    inputs = []
    for i in range(4):
        path = tmp_path / f"long{i}.mp4"
        write_video(path, [f for seed in range(8) for f in pan(scene(20 + i * 8 + seed), 200)])
        inputs.append(str(path))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [THUMBNAILS, "extract", *inputs, "--out", str(out), "--quiet", "--ray"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and process.poll() is None and time.monotonic() < deadline:
        for line in subprocess.run(
            ["ps", "-eo", "pid,args"], capture_output=True, text=True
        ).stdout.splitlines():
            pid, _, command = line.strip().partition(" ")
            if command.startswith("ray::extract_video_task"):
                os.kill(int(pid), signal.SIGKILL)
                killed = int(pid)
                break
        time.sleep(0.05)
    stdout, stderr = process.communicate(timeout=300)
    assert killed is not None, "no Ray worker was seen running a task"
    assert "Traceback" not in stderr
    assert process.returncode in (0, 1)
    for video in inputs:
        name = Path(video).stem
        done = (out / name / "manifest.json").is_file()
        failed = any(line.startswith(f"error: {video}: ") for line in stderr.splitlines())
        assert done != failed, (video, stdout, stderr)
    assert not [p for p in out.iterdir() if ".partial-" in p.name or ".old-" in p.name]
