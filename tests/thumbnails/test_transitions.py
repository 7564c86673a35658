"""Dissolves: told apart from cuts, fades and camera motion, and never used as artwork."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from examples.demo_media import SHOT_FRAMES, TITLES, write_title
from tests.thumbnails.synthetic import WIDTH, Image, pan, scene, write_video
from thumbnails import analyse_video
from thumbnails.transitions import DissolveDetector

SPAN = 12  # half a second at 25 fps, as the pipeline sets it when every frame is analysed


def _dissolve(n: int, before: int = 40, after: int = 40) -> list[Image]:
    """Shot A for ``before`` frames, an ``n``-frame cross-dissolve to shot B, then B; both
    shots keep panning through the blend, as an editor's dissolve does."""
    a, b = pan(scene(31), before + n), pan(scene(32), n + after)
    weights = np.linspace(0, 1, n + 2)[1:-1]
    mixed = [cv2.addWeighted(a[before + i], 1 - w, b[i], w, 0) for i, w in enumerate(weights)]
    return a[:before] + mixed + b[n:]


def _detect(frames: list[Image]) -> DissolveDetector:
    detector = DissolveDetector(span=SPAN)
    for index, frame in enumerate(frames):
        grey = cv2.cvtColor(cv2.resize(frame, (160, 90)), cv2.COLOR_BGR2GRAY)
        detector.push(index, grey.astype(np.float32))
    return detector


@pytest.mark.parametrize("length", [12, 25, 50])
def test_a_dissolve_is_flagged_and_splits_the_shot(length: int) -> None:
    detector = _detect(_dissolve(length))
    blend = set(range(40, 40 + length))
    assert len(blend & detector.flagged) >= 0.7 * length
    assert not detector.flagged & (set(range(0, 28)) | set(range(40 + length + 12, 80 + length)))
    assert len(detector.cuts) == 1 and 40 <= detector.cuts[0] < 40 + length


def test_cuts_fades_and_camera_motion_are_not_dissolves() -> None:
    a, b = scene(41), scene(42)
    fast_pan = [
        np.ascontiguousarray(scene(43, 1400, 360)[:, 8 * i : 8 * i + WIDTH]) for i in range(80)
    ]
    zoom = [
        cv2.resize(a[int(i) : 360 - int(i), int(i * 16 / 9) : 740 - int(i * 16 / 9)], (WIDTH, 360))
        for i in np.linspace(0, 100, 60)
    ]
    fade = [(b[:, :WIDTH] * (1 - i / 30)).astype(np.uint8) for i in range(30)]
    cut = pan(a, 30) + pan(b, 30)
    for frames in (fast_pan, zoom, fade, cut):
        detector = _detect(frames)
        assert not detector.flagged and not detector.cuts


@pytest.mark.parametrize("frame_step", [1, None], ids=["every-frame", "default-step"])
def test_no_candidate_comes_from_a_dissolve(tmp_path: Path, frame_step: int | None) -> None:
    path = tmp_path / "dissolve.mp4"
    write_video(path, _dissolve(25))
    result = analyse_video(path, top_k=6, frame_step=frame_step)
    assert result.candidates
    assert not [c.frame_index for c in result.candidates if 40 <= c.frame_index < 65]
    assert any(40 <= start < 65 for start, _ in result.shots)  # the dissolve changes shot
    assert {c.frame_index < 40 for c in result.candidates} == {True, False}  # both shots
    assert result.rejected["part of a transition (fade, dissolve or cut)"] >= 20 / result.frame_step


@pytest.mark.parametrize("title", sorted(TITLES))
def test_slow_zooms_are_not_dissolves(tmp_path: Path, title: str) -> None:
    """The demo's titles: four slow zooms each, cut hard. A slow zoom changes the picture
    steadily and, over half a second, almost linearly; only the variance dip tells it from a
    dissolve (without it, shots split after the dark-to-bright cut in space-mission)."""
    path = write_title(title, tmp_path)
    for frame_step in (1, None):
        shots = analyse_video(path, top_k=4, frame_step=frame_step).shots
        assert [start for start, _ in shots] == [i * SHOT_FRAMES for i in range(4)]
