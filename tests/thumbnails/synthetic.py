"""Videos with known ground truth, written with cv2.VideoWriter for the tests.

`make_story_video` lays out, at 25 fps and 640x360: distinct shots A-F, black, white, a blurred
stretch, a fade to black, a letterboxed shot, a repeat of shot A, a flat grey card and a
two-frame white flash inside shot F.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[Any]
FPS = 25
WIDTH, HEIGHT = 640, 360
BAR = 45  # letterbox bar height in the letterboxed shot


def scene(seed: int, width: int = WIDTH + 100, height: int = HEIGHT) -> Image:
    """A sharp, colourful, textured canvas; each seed has its own palette and layout."""
    rng = np.random.default_rng(seed)
    size = max(width, height) / (WIDTH + 100)  # shapes scale with the canvas
    base_hue = (seed * 37) % 180
    hsv = np.zeros((height, width, 3), np.uint8)
    hsv[..., 0] = base_hue
    hsv[..., 1] = 120
    hsv[..., 2] = rng.integers(60, 200, (height, width), dtype=np.uint8) // 4 + 90
    canvas = cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)
    for _ in range(60):
        hue = int((base_hue + rng.integers(-25, 25)) % 180)
        colour = cv2.cvtColor(
            np.array([[[hue, int(rng.integers(120, 255)), int(rng.integers(40, 255))]]], np.uint8),
            cv2.COLOR_HSV2BGR,
        )[0, 0]
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        if rng.random() < 0.5:
            w, h = (int(rng.integers(10, 120) * size) for _ in range(2))
            cv2.rectangle(canvas, (x, y), (x + w, y + h), colour.tolist(), -1)
        else:
            cv2.circle(canvas, (x, y), int(rng.integers(8, 60) * size), colour.tolist(), -1)
    return canvas


def pan(canvas: Image, n: int, width: int = WIDTH) -> list[Image]:
    """``n`` frames panning slowly (one pixel every other frame) across ``canvas``."""
    return [np.ascontiguousarray(canvas[:, i // 2 : i // 2 + width]) for i in range(n)]


@dataclass(frozen=True)
class Segment:
    label: str
    """Content label: A-F for real shots (a repeat keeps its label), or the kind of bad stretch."""
    start: int
    end: int
    good: bool
    """Whether any frame of this stretch may become a candidate."""


@dataclass(frozen=True)
class StoryVideo:
    path: Path
    segments: list[Segment]
    frame_count: int

    def label_of(self, frame: int) -> str:
        return next(s.label for s in self.segments if s.start <= frame < s.end)

    def is_good(self, frame: int) -> bool:
        return next(s.good for s in self.segments if s.start <= frame < s.end)

    @property
    def cuts(self) -> list[int]:
        return [s.start for s in self.segments[1:]]


def write_video(path: Path, frames: Iterable[Image], fps: float = FPS) -> None:
    frames = iter(frames)
    first = next(frames)
    height, width = first.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    assert writer.isOpened(), f"cannot write {path}"
    writer.write(first)
    for frame in frames:
        writer.write(frame)
    writer.release()


def make_story_video(
    path: Path, write: Callable[[Path, list[Image]], object] = write_video
) -> StoryVideo:
    a, b, c, d, e, f = (scene(seed) for seed in (1, 2, 3, 4, 5, 6))
    black = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    white = np.full((HEIGHT, WIDTH, 3), 255, np.uint8)
    grey = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)
    shot_a = pan(a, 50)
    plan: list[tuple[str, bool, list[Image]]] = [
        ("A", True, shot_a),
        ("black", False, [black] * 12),
        ("B", True, pan(b, 50)),
        ("C-blurred", False, [cv2.GaussianBlur(x, (0, 0), 4) for x in pan(c, 25)]),
        ("C", True, pan(c, 50)[25:]),
        ("D", True, pan(d, 40)),
        (
            "fade",
            False,
            [(x * (1 - (i + 1) / 25)).astype(np.uint8) for i, x in enumerate(pan(d, 65)[40:])],
        ),
        ("E", True, [_letterbox(x) for x in pan(e, 50)]),
        ("white", False, [white] * 12),
        ("A", True, shot_a),
        ("grey", False, [grey] * 12),
    ]
    f_frames = pan(f, 50)
    plan += [
        ("F", True, f_frames[:24]),
        ("flash", False, [white, white]),
        ("F", True, f_frames[26:]),
    ]
    segments, frames, start = [], [], 0
    for label, good, stretch in plan:
        segments.append(Segment(label, start, start + len(stretch), good))
        frames += stretch
        start += len(stretch)
    write(path, frames)
    return StoryVideo(path, segments, len(frames))


def _letterbox(frame: Image) -> Image:
    boxed = np.zeros_like(frame)
    inner = cv2.resize(frame, (WIDTH, HEIGHT - 2 * BAR))
    boxed[BAR : HEIGHT - BAR] = inner
    return boxed


def make_clip(path: Path, n: int, make: Callable[[int], Image], fps: float = FPS) -> Path:
    write_video(path, (make(i) for i in range(n)), fps)
    return path


def make_long_video(path: Path, shots: int = 12, shot_frames: int = 125) -> StoryVideo:
    """A minute of 5 s panning shots to split into pieces, with the hard cases at places a
    piece boundary may fall: shot 4 fades out to black, shot 7 holds a two-frame white flash,
    and 20 black frames follow shot 9."""
    black = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    segments: list[Segment] = []
    frames: list[Image] = []

    def add(label: str, good: bool, stretch: list[Image]) -> None:
        start = len(frames)
        segments.append(Segment(label, start, start + len(stretch), good))
        frames.extend(stretch)

    for i in range(shots):
        shot = pan(scene(100 + i), shot_frames)
        if i == 4:
            fade = [(x * (1 - (j + 1) / 25)).astype(np.uint8) for j, x in enumerate(shot[-25:])]
            add(f"S{i}", True, shot[:-25])
            add("fade", False, fade)
        elif i == 7:
            add(f"S{i}", True, shot[:60])
            add("flash", False, [np.full_like(shot[0], 255)] * 2)
            add(f"S{i}", True, shot[62:])
        else:
            add(f"S{i}", True, shot)
        if i == 9:
            add("black", False, [black] * 20)
    write_video(path, frames)
    return StoryVideo(path, segments, len(frames))
