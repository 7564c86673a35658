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
from thumbnails.retention import Keeper
from thumbnails.select import Scored, select_diverse
from thumbnails.shortlist import MEMORY_BUDGET, shortlist_capacity
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


def test_fade_tracker_measures_steps_per_frame_when_frames_are_skipped() -> None:
    # The same ramp seen at every other frame: each step spans two frames.
    tracker = FadeTracker()
    levels = [120, 121, 119, 120] + [120 - 6 * i for i in range(1, 15)] + [40, 41, 40]
    for i in range(0, len(levels), 2):
        tracker.push(i, float(levels[i]))
    assert set(range(4, 18)) <= tracker.flagged
    assert not {0, 20} & tracker.flagged
    # A slow drift that moves enough per step but not per frame is not a fade.
    drift = FadeTracker()
    for i in range(0, 40, 4):
        drift.push(i, 100.0 + 1.5 * i / 4)
    assert not drift.flagged


def test_keeper_holds_the_best_few_of_each_window() -> None:
    keeper = Keeper(window_s=1.0, per_window=2)
    assert keeper.offer(0, 0.0, 0, 0.5) == (True, None)
    assert keeper.offer(1, 0.1, 0, 0.3) == (True, None)
    assert keeper.offer(2, 0.2, 0, 0.4) == (True, 1)  # evicts the weakest kept frame
    assert keeper.offer(3, 0.3, 0, 0.1) == (False, None)
    assert keeper.offer(4, 0.4, 0, None) == (False, None)  # the gate rejected it
    # A new second, or a new shot, starts a new window: the weak frame is kept again.
    assert keeper.offer(25, 1.0, 0, 0.1) == (True, None)
    assert keeper.offer(30, 1.2, 30, 0.05) == (True, None)


def test_keeper_windows_follow_the_video_clock_back_after_a_false_cut() -> None:
    keeper = Keeper(window_s=1.0, per_window=1)
    keeper.offer(0, 0.0, 0, 0.5)
    keeper.offer(20, 0.8, 20, 0.5)  # a possible cut that turns out to be a flash
    # Back in shot 0 at 0.9 s: still the video's first second, where 0.5 is already kept.
    assert keeper.offer(22, 0.9, 0, 0.4) == (False, None)
    assert keeper.offer(23, 0.95, 0, 0.6) == (True, 0)
    # Windows are seconds of the video, not of the shot: a shot starting at 1.5 s shares
    # its first window with nobody, and its second starts at 2.0 s.
    assert keeper.offer(40, 1.5, 40, 0.5) == (True, None)
    assert keeper.offer(45, 1.9, 40, 0.4) == (False, None)
    assert keeper.offer(50, 2.0, 40, 0.1) == (True, None)


def test_shortlist_capacity_shrinks_for_large_frames_but_keeps_room_for_top_k() -> None:
    hd, uhd = 1920 * 1080 * 3, 3840 * 2160 * 3
    assert shortlist_capacity(8, hd) == 22
    assert shortlist_capacity(2, hd) == 12
    assert shortlist_capacity(8, uhd) == 10
    assert shortlist_capacity(8, uhd) * uhd <= MEMORY_BUDGET
    assert shortlist_capacity(40, uhd) == 42  # never fewer places than top_k needs


def test_faces_are_found_offline() -> None:
    gray = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)  # type: ignore[no-untyped-call]
    faces = FaceDetector().detect(gray)
    assert len(faces) == 1
    face = faces[0]
    assert 0.3 < face.x + face.w / 2 < 0.55 and 0.1 < face.y + face.h / 2 < 0.35
    assert FaceDetector().detect(cv2.cvtColor(scene(2, 320, 180), cv2.COLOR_BGR2GRAY)) == []


def test_faces_fall_back_to_scikit_image_without_opencv_cascades(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What OpenCV 5's wheel would give us: no CascadeClassifier."""
    monkeypatch.delattr(cv2, "CascadeClassifier")
    detector = FaceDetector()
    assert detector.backend == "skimage-lbp"
    gray = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY)  # type: ignore[no-untyped-call]
    faces = detector.detect(gray)
    assert any(0.3 < f.x + f.w / 2 < 0.55 and 0.1 < f.y + f.h / 2 < 0.35 for f in faces)


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
