"""The `thumbnails extract` command as a user runs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from storage import open_log
from tests.thumbnails.conftest import BIG_BUCK_BUNNY
from tests.thumbnails.synthetic import StoryVideo
from thumbnail_bandit.cli.extract import thumbnails_main as main
from thumbnails.memo import INDEX_NAME


def test_extract_writes_images_contact_sheet_and_manifest(
    story: StoryVideo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["extract", str(story.path), "--top-k", "4", "--out", str(tmp_path), "--quiet"]) == 0
    )
    folder = tmp_path / "story"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (folder / "contact_sheet.png").stat().st_size > 0
    assert {"video", "duration_s", "fps", "shots", "candidates"} <= set(manifest)
    assert manifest["fps"] == 25 and abs(manifest["duration_s"] - story.frame_count / 25) < 0.05
    assert all(len(shot) == 2 for shot in manifest["shots"])
    ranks = [c["rank"] for c in manifest["candidates"]]
    assert ranks == [1, 2, 3, 4]
    for c in manifest["candidates"]:
        assert {
            "frame_index",
            "timestamp_s",
            "shot_index",
            "crop",
            "image",
            "score",
            "features",
        } <= set(c)
        assert (folder / c["image"]).is_file()
    assert "story.mp4 -> " in capsys.readouterr().out
    # No staging left behind; the one hidden file is the index of done work.
    assert sorted(p.name for p in tmp_path.iterdir()) == [INDEX_NAME, "story"]
    assert manifest["frame_step"] == 2  # 25 fps: every other frame analysed by default


def test_frame_step_one_analyses_every_frame(story: StoryVideo, tmp_path: Path) -> None:
    rejected = {}
    for step in ("1", "2"):
        out = tmp_path / step
        args = ["extract", str(story.path), "--out", str(out), "--quiet", "--frame-step", step]
        assert main(args) == 0
        manifest = json.loads((out / "story" / "manifest.json").read_text())
        assert manifest["frame_step"] == int(step)
        assert manifest["frames_decoded"] == story.frame_count  # decoded either way
        rejected[step] = sum(manifest["rejected_frames"].values())
    assert rejected["1"] >= 1.6 * rejected["2"]  # about twice the frames judged


def test_a_rerun_replaces_the_folder_whole(story: StoryVideo, tmp_path: Path) -> None:
    args = ["extract", str(story.path), "--out", str(tmp_path), "--quiet"]
    assert main([*args, "--top-k", "5"]) == 0
    assert main([*args, "--top-k", "2"]) == 0
    assert len(list((tmp_path / "story").glob("*.jpg"))) == 2
    # No staging or retired folder is left; the one hidden file is the index of done work.
    assert sorted(p.name for p in tmp_path.iterdir()) == [INDEX_NAME, "story"]


def test_json_output_and_db_registration_in_one_transaction(
    story: StoryVideo, tmp_path: Path, log_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["extract", str(story.path), "--top-k", "3", "--out", str(tmp_path / "out")]
    args += ["--db", log_url, "--quiet"]
    code = main([*args, "--json"])
    assert code == 0
    [manifest] = json.loads(capsys.readouterr().out)
    assert len(manifest["candidates"]) == 3
    with open_log(log_url) as log:
        assert log.titles() == ["story"]
        artworks = log.artworks("story")
        assert len(artworks) == 3
        assert all(Path(a.image_path).is_file() for a in artworks)
        assert artworks[0].features.keys() == manifest["candidates"][0]["features"].keys()
        assert all(a.content_sha256 for a in artworks)
        # Registering the same video again updates the same rows...
        assert main(args) == 0
        assert [a.id for a in log.artworks("story")] == [a.id for a in artworks]
        # ...and so does extracting it into another folder: an artwork is its picture.
        elsewhere = [*args[:5], str(tmp_path / "elsewhere"), *args[6:]]
        assert main(elsewhere) == 0
        again = log.artworks("story", active_only=False)
        assert [a.id for a in again] == [a.id for a in artworks]
        assert all("elsewhere" in a.image_path and Path(a.image_path).is_file() for a in again)


def test_an_unreachable_database_is_one_line(
    story: StoryVideo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "extract",
            str(story.path),
            "--out",
            str(tmp_path),
            "--quiet",
            "--db",
            "postgresql://nobody@127.0.0.1:1/none",
        ]
    )
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --db: cannot use the log at")
    assert not any(tmp_path.iterdir())


def test_parallel_workers_and_directories(
    story: StoryVideo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    videos = tmp_path / "in"
    videos.mkdir()
    shutil.copy(story.path, videos / "one.mp4")
    shutil.copy(BIG_BUCK_BUNNY, videos / "two.mp4")
    code = main(
        [
            "extract",
            str(videos),
            "--out",
            str(tmp_path / "out"),
            "--workers",
            "2",
            "--json",
            "--quiet",
            "--top-k",
            "3",
        ]
    )
    assert code == 0
    results = json.loads(capsys.readouterr().out)
    assert sorted(Path(r["video"]).name for r in results) == ["one.mp4", "two.mp4"]
    assert all(r["candidates"] for r in results)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["extract"],
        ["extract", "x.mp4"],
        ["extract", "x.mp4", "--out", "o", "--top-k", "0"],
        ["extract", "x.mp4", "--out", "o", "--workers", "0"],
        ["extract", "x.mp4", "--out", "o", "--frame-step", "0"],
        ["extract", "x.mp4", "--out", "o", "--frame-step", "two"],
        ["explode"],
    ],
)
def test_usage_errors_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    try:
        status = main(args)
    except SystemExit as exit_info:  # argparse's own usage errors
        status = int(exit_info.code or 0)
    assert status == 2
    assert "Traceback" not in capsys.readouterr().err
