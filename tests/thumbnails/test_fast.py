"""``--fast``: keyframes find shots and picks, full frames refine them. Its candidates cover
the shots, and carry the index, timestamp and pixels the full pass gives the same frame."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.thumbnails.conftest import BIG_BUCK_BUNNY
from tests.thumbnails.encoded import film_shots, write_film, write_h264
from tests.thumbnails.synthetic import StoryVideo, make_long_video, pan, scene
from thumbnail_bandit.cli.extract import thumbnails_main as main
from thumbnails import Extraction, analyse_video
from thumbnails.keyframes import analyse_keyframes


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> StoryVideo:
    """cv2.VideoWriter's MPEG-4: a keyframe every 12 frames."""
    return make_long_video(tmp_path_factory.mktemp("fast") / "film.mp4")


@pytest.fixture(scope="module")
def h264(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[int, int]]]:
    """H.264 as a broadcaster encodes it: a keyframe every second at least, and at cuts."""
    shots = film_shots(40, seed=5)
    path = tmp_path_factory.mktemp("fast") / "h264.mp4"
    return write_film(path, shots, width=640, height=360, keyframe_s=1.0, seed=5), shots


def _coverage(extraction: Extraction, shots: list[tuple[int, int]], fps: float = 25) -> float:
    long = [(a, b) for a, b in shots if (b - a) / fps > 2]
    hit = {s for c in extraction.candidates for s in long if s[0] <= c.frame_index < s[1]}
    return len(hit) / len(long)


def _shots_of(film: StoryVideo) -> list[tuple[int, int]]:
    """The film's real shots: a flash inside a shot does not split it."""
    merged: list[list[int]] = []
    for s in film.segments:
        if merged and s.label == "flash":
            continue
        if merged and film.label_of(merged[-1][0]) == s.label:
            merged[-1][1] = s.end
        elif s.good:
            merged.append([s.start, s.end])
    return [(a, b) for a, b in merged]


def test_fast_candidates_cover_nine_shots_in_ten(
    film: StoryVideo, h264: tuple[Path, list[tuple[int, int]]]
) -> None:
    shots = _shots_of(film)
    assert _coverage(analyse_keyframes(film.path, len(shots) + 4), shots) >= 0.9
    path, truth = h264
    assert _coverage(analyse_keyframes(path, len(truth)), truth) >= 0.9


def test_fast_candidates_are_the_full_pass_frames(
    film: StoryVideo, h264: tuple[Path, list[tuple[int, int]]]
) -> None:
    """The same index, timestamp and pixels that decoding every frame gives that frame."""
    for path in (film.path, h264[0]):
        fast = analyse_keyframes(path, 6)
        assert len(fast.candidates) == 6
        wanted = {c.frame_index for c in fast.candidates}
        capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        seen = {}
        for index in range(max(wanted) + 1):
            ok, image = capture.read()
            assert ok
            if index in wanted:
                seen[index] = (capture.get(cv2.CAP_PROP_POS_MSEC) / 1000, image)
        for candidate, crop in zip(fast.candidates, fast.crops, strict=True):
            timestamp, image = seen[candidate.frame_index]
            assert candidate.timestamp_s == pytest.approx(timestamp, abs=1e-6)
            x, y, w, h = candidate.crop
            assert np.array_equal(crop, image[y : y + h, x : x + w])
        assert fast.frames_decoded == analyse_video(path, 1).frames_decoded
        assert any(note.startswith("fast mode:") for note in fast.notes)


def test_fast_mode_counts_frames_of_a_variable_frame_rate(tmp_path: Path) -> None:
    """Gaps between frames of 20 to 90 ms and one of two seconds: an index is the frame's
    place in the stream, not its time times a nominal rate."""
    frames = pan(scene(11), 30) + pan(scene(12), 30) + pan(scene(13), 30)
    pts = [0]
    for i, gap in enumerate(([20, 45, 90, 33] * 23)[: len(frames) - 1], start=1):
        pts.append(pts[-1] + gap + (2000 if i == 60 else 0))
    path = write_h264(tmp_path / "vfr.mp4", frames, pts_ms=pts)
    fast = analyse_keyframes(path, top_k=6)
    assert fast.candidates
    for c in fast.candidates:
        assert c.timestamp_s == pytest.approx(pts[c.frame_index] / 1000, abs=0.001)


def test_fast_mode_turns_phone_video_upright(tmp_path: Path) -> None:
    def portrait(seed: int) -> np.ndarray:
        picture = scene(seed, width=360, height=640)
        picture[:40] = (0, 0, 255)
        return picture

    frames = [portrait(21)] * 30 + [portrait(22)] * 30
    path = write_h264(tmp_path / "phone.mp4", frames, rotation_deg=90)
    fast = analyse_keyframes(path, top_k=4)
    assert fast.candidates
    for c, crop in zip(fast.candidates, fast.crops, strict=True):
        assert c.crop[2] < c.crop[3]  # portrait, as displayed
        blue, green, red = (float(v) for v in crop[:30].reshape(-1, 3).mean(axis=0))
        assert red > 200 and blue < 60 and green < 60  # the band is on top: upright


def test_fast_is_its_own_work_for_re_runs(
    film: StoryVideo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"

    def run(*flags: str) -> dict[str, object]:
        code = main(["extract", str(film.path), "--out", str(out), "--json", "--quiet", *flags])
        assert code == 0
        [result] = json.loads(capsys.readouterr().out)
        return dict(result)

    first = run("--fast")
    assert any(str(n).startswith("fast mode") for n in first["notes"])  # type: ignore[attr-defined]
    assert run("--fast").get("skipped") is True
    full = run()  # a fast first pass does not stand in for the full one
    assert not full.get("skipped")
    assert not any(str(n).startswith("fast mode") for n in full["notes"])  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", ["not-a-video.mp4", "empty.mp4", "missing.mp4"])
def test_a_bad_input_in_fast_mode_is_one_line(
    bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / bad
    if bad == "not-a-video.mp4":
        path.write_bytes(b"\x00\x01 this is no video" * 100)
    elif bad == "empty.mp4":
        path.write_bytes(b"")
    good = tmp_path / "good.mp4"
    shutil.copy(BIG_BUCK_BUNNY, good)
    out = tmp_path / "out"
    code = main(["extract", str(path), str(good), "--out", str(out), "--fast", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and err[0].startswith(f"error: {path}: ") and "Traceback" not in err[0]
    assert (out / "good" / "manifest.json").is_file()
    assert not (out / output_name_of(path)).exists()


def output_name_of(path: Path) -> str:
    return path.stem


def test_fast_mode_on_a_truncated_film_keeps_what_precedes_the_cut(tmp_path: Path) -> None:
    source = write_film(
        tmp_path / "whole.mp4", film_shots(30, seed=4), width=320, height=180, faststart=True
    )
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(source.read_bytes()[: int(source.stat().st_size * 0.6)])
    fast = analyse_keyframes(cut, 4)
    full = analyse_video(cut, 4)
    assert fast.candidates and all(c.frame_index < full.frames_decoded for c in fast.candidates)
    assert any("truncated?" in note for note in fast.notes)


def test_a_clip_with_fewer_keyframes_than_candidates_gets_the_full_pass() -> None:
    """The Big Buck Bunny clip has one keyframe in 5 s: one candidate is all keyframes could
    give, so fast mode runs the full pass and says so."""
    fast = analyse_keyframes(BIG_BUCK_BUNNY, 3)
    full = analyse_video(BIG_BUCK_BUNNY, 3)
    assert [c.frame_index for c in fast.candidates] == [c.frame_index for c in full.candidates]
    assert fast.notes[-1] == "fast mode: only 1 keyframe for 3 candidates; ran the full pass"
