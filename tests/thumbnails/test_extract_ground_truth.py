"""Extraction against a video whose every stretch is known (see synthetic.py)."""

from __future__ import annotations

from tests.thumbnails.synthetic import BAR, FPS, HEIGHT, WIDTH, StoryVideo
from thumbnails import Extraction, analyse_video

DISTINCT_SHOTS = {"A", "B", "C", "D", "E", "F"}


def test_no_candidate_comes_from_a_bad_stretch(story: StoryVideo, frame_step: int | None) -> None:
    result = analyse_video(story.path, top_k=20, frame_step=frame_step)
    assert result.candidates
    for c in result.candidates:
        assert story.is_good(c.frame_index), (c.frame_index, story.label_of(c.frame_index))


def test_every_distinct_shot_first_and_the_repeat_only_once(
    story: StoryVideo, story_top6: Extraction
) -> None:
    labels = [story.label_of(c.frame_index) for c in story_top6.candidates]
    assert sorted(labels) == sorted(DISTINCT_SHOTS)  # one each: A's repeat adds nothing


def test_the_repeated_shot_never_yields_two_look_alikes(
    story: StoryVideo, frame_step: int | None
) -> None:
    result = analyse_video(story.path, top_k=20, frame_step=frame_step)
    a_frames = [c.frame_index for c in result.candidates if story.label_of(c.frame_index) == "A"]
    assert len(a_frames) == 1
    # ...and the shortfall is reported, not padded with bad frames.
    assert any("usable candidates (asked for 20)" in note for note in result.notes)


def test_crops_exclude_the_letterbox_bars(story: StoryVideo, story_top6: Extraction) -> None:
    for c, crop in zip(story_top6.candidates, story_top6.crops, strict=True):
        x, y, w, h = c.crop
        if story.label_of(c.frame_index) == "E":
            assert (x, w) == (0, WIDTH)
            assert BAR <= y <= BAR + 2 and HEIGHT - BAR - 2 <= y + h <= HEIGHT - BAR
            assert crop[:2].mean() > 40 and crop[-2:].mean() > 40  # no black rows kept
        else:
            assert c.crop == (0, 0, WIDTH, HEIGHT)
        assert crop.shape[:2] == (h, w)


def test_timestamps_are_within_one_frame(story_top6: Extraction) -> None:
    for c in story_top6.candidates:
        assert abs(c.timestamp_s - c.frame_index / FPS) <= 1 / FPS


def test_hard_cuts_are_found_and_flashes_are_not_cuts(
    story: StoryVideo, story_top6: Extraction
) -> None:
    starts = [start for start, _ in story_top6.shots]
    hard_cuts = [50, 62, 112, 162, 227, 277, 289, 339, 351]  # see make_story_video's plan
    for cut in hard_cuts:
        assert any(abs(cut - s) <= 1 for s in starts), (cut, starts)
    flash = next(s for s in story.segments if s.label == "flash")
    assert not any(flash.start - 1 <= s <= flash.end + 1 for s in starts)
    assert story_top6.shots[-1][1] == story.frame_count
    ends = [end for _, end in story_top6.shots]
    assert starts[1:] == ends[:-1]


def test_bad_stretches_are_counted_by_reason(story_top6: Extraction) -> None:
    # Counts are of analysed frames: every frame, or every n-th one.
    rejected, step = story_top6.rejected, story_top6.frame_step
    assert rejected["blurry"] >= 20 / step  # the blurred stretch is 25 frames
    assert rejected["near-black"] >= 12 / step
    assert rejected["near-white or overexposed"] >= (12 + 2) / step  # white stretch and flash
    assert rejected["flat, low-contrast or uniform"] >= 12 / step


def test_features_are_named_and_in_range(story_top6: Extraction) -> None:
    from thumbnails import FEATURES

    for c in story_top6.candidates:
        assert set(c.features) == set(FEATURES)
        assert 0.0 <= c.score <= 1.0
    scores = [c.score for c in story_top6.candidates]
    assert scores == sorted(scores, reverse=True)


def test_progress_is_reported_every_25_frames_with_the_total(
    story: StoryVideo, frame_step: int | None
) -> None:
    calls: list[tuple[int, int]] = []
    result = analyse_video(
        story.path, top_k=3, frame_step=frame_step, progress=lambda *a: calls.append(a)
    )
    done = [frames for frames, _ in calls]
    assert done == sorted(done) and done[-1] == result.frames_decoded == story.frame_count
    assert {total for _, total in calls} == {story.frame_count}
    assert len(calls) >= story.frame_count // 25
