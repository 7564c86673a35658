"""The building blocks on hand-made frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from tests.thumbnails.synthetic import scene
from thumbnails.analysis import FrameAnalyser
from thumbnails.decode import DecodedFrame
from thumbnails.dedupe import Signature
from thumbnails.faces import FaceDetector
from thumbnails.letterbox import active_box, scale_box
from thumbnails.quality import QualityGate, Rejection
from thumbnails.select import Scored, select_diverse
from thumbnails.transitions import FadeTracker


def _stats(bgr: np.ndarray) -> object:
    return FrameAnalyser()(DecodedFrame(0, 0.0, bgr, bgr))


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (np.zeros((180, 320, 3), np.uint8), Rejection.BLACK),
        (np.full((180, 320, 3), 250, np.uint8), Rejection.WHITE),
        (np.full((180, 320, 3), 128, np.uint8), Rejection.FLAT),
        (cv2.GaussianBlur(scene(1, 320, 180), (0, 0), 4), Rejection.BLURRY),
        (scene(1, 320, 180), None),
    ],
)
def test_quality_gate(frame: np.ndarray, reason: Rejection | None) -> None:
    assert QualityGate().check(_stats(frame)) == reason  # type: ignore[arg-type]


def test_letterbox_and_pillarbox() -> None:
    picture = cv2.cvtColor(scene(3, 200, 100), cv2.COLOR_BGR2GRAY)
    framed = np.zeros((140, 260), np.uint8)
    framed[20:120, 30:230] = picture
    assert active_box(framed) == (30, 20, 200, 100)
    assert active_box(picture) == (0, 0, 200, 100)


def test_a_dark_band_on_one_side_is_picture_not_a_bar() -> None:
    picture = cv2.cvtColor(scene(3, 200, 100), cv2.COLOR_BGR2GRAY)
    picture[:30] = 0  # a night sky at the top only
    assert active_box(picture) == (0, 0, 200, 100)


def test_scale_box_never_keeps_a_bar_pixel() -> None:
    assert scale_box((0, 23, 320, 134), 2.0, 640, 360) == (0, 46, 640, 268)
    assert scale_box((0, 0, 320, 180), 2.0, 640, 360) == (0, 0, 640, 360)


def test_fade_tracker_flags_a_ramp_but_not_noise() -> None:
    tracker = FadeTracker()
    levels = [120, 121, 119, 120] + [120 - 6 * i for i in range(1, 15)] + [40, 41, 40]
    for i, level in enumerate(levels):
        tracker.push(i, float(level))
    assert set(range(4, 18)) <= tracker.flagged
    assert not {0, 1, 2, 19, 20} & tracker.flagged


def test_faces_are_found_offline() -> None:
    gray = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)  # type: ignore[no-untyped-call]
    faces = FaceDetector().detect(gray)
    assert len(faces) == 1
    face = faces[0]
    assert 0.3 < face.x + face.w / 2 < 0.55 and 0.1 < face.y + face.h / 2 < 0.35
    assert FaceDetector().detect(cv2.cvtColor(scene(2, 320, 180), cv2.COLOR_BGR2GRAY)) == []


def test_signatures_tell_duplicates_from_other_scenes() -> None:
    a = scene(1, 400, 180)
    same = Signature.of(a[:, :320])
    shifted = Signature.of(a[:, 2:322])
    other = Signature.of(scene(2, 320, 180))
    assert same.duplicates(shifted) and same.same_scene(shifted)
    assert not same.duplicates(other) and not same.same_scene(other)


def test_selection_spreads_over_shots_before_repeating_one() -> None:
    sigs = [Signature.of(scene(seed, 320, 180)) for seed in range(10, 16)]
    items = [
        Scored(0, shot=0, score=0.9, signature=sigs[0]),
        Scored(1, shot=0, score=0.85, signature=sigs[1]),
        Scored(2, shot=0, score=0.8, signature=sigs[2]),
        Scored(3, shot=1, score=0.3, signature=sigs[3]),
        Scored(4, shot=2, score=0.2, signature=sigs[4]),
    ]
    picked = select_diverse(items, 4)
    assert [p.key for p in picked[:3]] == [0, 3, 4]
    assert picked[3].key == 1
    assert [p.key for p in select_diverse(items, 2)] == [0, 3]
