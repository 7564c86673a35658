"""Extraction on H.264 with what real footage carries: the target codec, variable frame rate,
and rotation metadata (phone video). Written with PyAV, see encoded.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.thumbnails.encoded import write_h264
from tests.thumbnails.synthetic import HEIGHT, WIDTH, StoryVideo, make_story_video, pan, scene
from thumbnails import analyse_video

DISTINCT_SHOTS = {"A", "B", "C", "D", "E", "F"}


@pytest.fixture(scope="module")
def h264_story(tmp_path_factory: pytest.TempPathFactory) -> StoryVideo:
    path = tmp_path_factory.mktemp("h264") / "story.mp4"
    return make_story_video(path, write=lambda p, frames: write_h264(p, frames))


def test_h264_story_keeps_the_ground_truth(h264_story: StoryVideo) -> None:
    every = analyse_video(h264_story.path, top_k=20)
    assert every.candidates
    assert all(h264_story.is_good(c.frame_index) for c in every.candidates)
    top6 = analyse_video(h264_story.path, top_k=6)
    assert {h264_story.label_of(c.frame_index) for c in top6.candidates} == DISTINCT_SHOTS
    starts = [start for start, _ in top6.shots]
    for cut in [50, 62, 112, 162, 227, 277, 289, 339, 351]:
        assert any(abs(cut - s) <= 1 for s in starts), (cut, starts)


@pytest.mark.parametrize("frame_step", [1, None], ids=["every-frame", "default-step"])
def test_variable_frame_rate_timestamps_come_from_the_stream(
    tmp_path: Path, frame_step: int | None
) -> None:
    # Three shots; frame spacing wanders between 20 and 90 ms, and the third shot starts after
    # a two-second gap, so index / fps would be wrong by up to seconds.
    frames = pan(scene(11), 30) + pan(scene(12), 30) + pan(scene(13), 30)
    gaps = [20, 45, 90, 33] * 23
    pts = [0]
    for i, gap in enumerate(gaps[: len(frames) - 1], start=1):
        pts.append(pts[-1] + gap + (2000 if i == 60 else 0))
    path = write_h264(tmp_path / "vfr.mp4", frames, pts_ms=pts)
    result = analyse_video(path, top_k=6, frame_step=frame_step)
    assert len(result.candidates) == 3
    for c in result.candidates:
        assert c.timestamp_s == pytest.approx(pts[c.frame_index] / 1000, abs=0.001)
    assert [start for start, _ in result.shots][1:] == [30, 60]
    assert result.duration_s >= pts[-1] / 1000


def test_rotation_metadata_is_honoured(tmp_path: Path) -> None:
    # Portrait pictures with a red band along their top, stored landscape with a display
    # rotation, as a phone records them.
    def portrait(seed: int) -> np.ndarray:
        picture = scene(seed, width=HEIGHT, height=WIDTH)
        picture[:40] = (0, 0, 255)
        return picture

    frames = [portrait(21)] * 30 + [portrait(22)] * 30
    path = write_h264(tmp_path / "phone.mp4", frames, rotation_deg=90)
    result = analyse_video(path, top_k=4)
    assert (result.info.width, result.info.height) == (frames[0].shape[1], frames[0].shape[0])
    assert result.info.rotation_deg in (90, 270)
    assert result.candidates
    for c, crop in zip(result.candidates, result.crops, strict=True):
        _, _, w, h = c.crop
        assert w < h  # portrait, as displayed
        blue, green, red = (float(v) for v in crop[:30].reshape(-1, 3).mean(axis=0))
        assert red > 200 and blue < 60 and green < 60  # the band is on top: upright
