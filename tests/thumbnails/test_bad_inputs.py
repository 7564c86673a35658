"""Each bad input yields candidates or one line naming the file and the reason: never a
traceback, a partial output folder, or a half-registered title; the other inputs go on."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.thumbnails.conftest import BIG_BUCK_BUNNY
from tests.thumbnails.synthetic import make_clip, scene
from thumbnail_bandit.cli.extract import thumbnails_main as main
from thumbnails.inputs import expand_inputs
from thumbnails.memo import INDEX_NAME
from thumbnails.output import output_name


def _run(
    inputs: list[Path | str], out: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[dict[str, object]], list[str]]:
    code = main(
        ["extract", *map(str, inputs), "--out", str(out), "--json", "--quiet", "--top-k", "3"]
    )
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err.strip().splitlines()


def _only_error(bad: Path | str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run the bad input beside a good one; return the bad one's error line."""
    good = tmp_path / "good.mp4"
    shutil.copy(BIG_BUCK_BUNNY, good)
    out = tmp_path / "out"
    code, results, err = _run([bad, good], out, capsys)
    assert code == 1
    assert len(err) == 1 and err[0].startswith(f"error: {bad}: "), err
    assert "Traceback" not in err[0]
    by_video = {r["video"]: r for r in results}
    assert "error" in by_video[str(bad)]
    assert by_video[str(good)]["candidates"]  # the good video went on
    # Nothing half-written: the good folder, and the index of done work.
    assert sorted(p.name for p in out.iterdir()) == [INDEX_NAME, "good"]
    return err[0]


def test_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "no such file" in _only_error(tmp_path / "missing.mp4", tmp_path, capsys)


def test_directory_without_videos(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "notes"
    empty.mkdir()
    (empty / "readme.txt").write_text("hello")
    assert "no video files found" in _only_error(empty, tmp_path, capsys)


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    assert "empty file" in _only_error(empty, tmp_path, capsys)


def test_text_file_named_mp4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "fake.mp4"
    fake.write_text("this is not a video\n" * 100)
    assert "not a readable video" in _only_error(fake, tmp_path, capsys)


def test_audio_only_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    audio = tmp_path / "audio.mp4"
    with wave.open(str(audio), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        tone = (np.sin(np.arange(8000) * 0.1) * 10000).astype(np.int16)
        w.writeframes(tone.tobytes())
    line = _only_error(audio, tmp_path, capsys)
    assert "not a readable video" in line or "no decodable video frames" in line


def test_truncated_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    whole = BIG_BUCK_BUNNY.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole[: len(whole) // 2])
    good = tmp_path / "good.mp4"
    shutil.copy(BIG_BUCK_BUNNY, good)
    code, results, err = _run([cut, good], tmp_path / "out", capsys)
    result = next(r for r in results if r["video"] == str(cut))
    if "error" in result:  # no index to decode from: a one-line error
        assert code == 1 and err == [f"error: {cut}: {result['error']}"]
    else:  # decodable up to the cut: candidates, and a note that says so
        assert code == 0 and any("truncated" in n for n in result["notes"])  # type: ignore[attr-defined]


def test_all_black_video_says_no_usable_frames(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    black = make_clip(tmp_path / "black.mp4", 30, lambda i: np.zeros((120, 160, 3), np.uint8))
    assert "no usable frames" in _only_error(black, tmp_path, capsys)


def test_one_frame_video(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = make_clip(tmp_path / "one.mp4", 1, lambda i: scene(7, 320, 180))
    code, [result], err = _run([one], tmp_path / "out", capsys)
    assert code == 0 and err == []
    assert len(result["candidates"]) == 1  # type: ignore[arg-type]


@pytest.mark.parametrize(("width", "height"), [(3840, 2160), (360, 640)], ids=["4k", "vertical"])
def test_4k_and_vertical_videos(
    width: int, height: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canvas = scene(8, width + 20, height)
    clip = make_clip(
        tmp_path / "clip.mp4", 8, lambda i: np.ascontiguousarray(canvas[:, i : i + width])
    )
    code, [result], _ = _run([clip], tmp_path / "out", capsys)
    assert code == 0
    assert (result["width"], result["height"]) == (width, height)
    candidates: list[dict[str, object]] = result["candidates"]  # type: ignore[assignment]
    assert candidates[0]["crop"] == [0, 0, width, height]


def test_unicode_spaces_and_shell_characters_in_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = tmp_path / "vidéo ü $(rm -rf) ; 'q' \"x\" & [1].mp4"
    shutil.copy(BIG_BUCK_BUNNY, odd)
    code, [result], err = _run([odd], tmp_path / "out", capsys)
    assert code == 0 and err == []
    assert Path(str(result["output"])).name == output_name(odd) == "vidéo_ü_rm_-rf_q_x_1"
    assert all((Path(str(result["output"])) / c["image"]).is_file() for c in result["candidates"])  # type: ignore[attr-defined]


HOSTILE_NAMES = [
    "..mp4",
    ".mp4",
    "....mp4",
    ".hidden.mp4",
    "new\nline.mp4",
    "con.mp4",
    "x" * 240 + ".mp4",
    "a b.mp4",
    "a_b.mp4",  # the same output name as "a b.mp4": must not overwrite it
]


def test_hostile_video_names_write_only_inside_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once, a video named ``..mp4`` renamed --out itself away with every title in it."""
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in HOSTILE_NAMES:
        shutil.copy(BIG_BUCK_BUNNY, videos / name)
    out = tmp_path / "out"
    (out / "earlier-title").mkdir(parents=True)
    (out / "earlier-title" / "manifest.json").write_text("{}")
    sentinel = tmp_path / "sentinel.txt"
    sentinel.write_text("untouched")
    before = sorted(p.name for p in tmp_path.iterdir())
    code, results, err = _run([videos / n for n in HOSTILE_NAMES], out, capsys)
    assert code == 0 and err == []
    folders = [Path(str(r["output"])) for r in results]
    assert all(f.parent == out and f.is_dir() and not f.name.startswith(".") for f in folders)
    assert len(set(folders)) == len(HOSTILE_NAMES)  # nobody overwrote anybody
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing appeared beside --out
    assert sentinel.read_text() == "untouched"
    assert (out / "earlier-title" / "manifest.json").is_file()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f.name for f in folders] + ["earlier-title", INDEX_NAME]
    )  # no hidden .partial or .old folders left behind


def test_globs_and_directories_do_not_follow_link_loops(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    (root / "a" / "b").mkdir(parents=True)
    for video in (root / "a" / "x.mp4", root / "a" / "b" / "y.mp4"):
        shutil.copy(BIG_BUCK_BUNNY, video)
    (root / "a" / "loop").symlink_to(root)
    (root / "a" / "b" / "loop2").symlink_to(root / "a")
    (root / "link.mp4").symlink_to(root / "a" / "x.mp4")  # a link to a file is taken
    expected = sorted([root / "a" / "x.mp4", root / "a" / "b" / "y.mp4"])
    for pattern in (f"{root}/**/*.mp4", str(root)):
        videos, errors = expand_inputs([pattern])
        assert errors == []
        assert sorted(v.resolve() for v in videos) == expected
