"""Shot boundaries from HSV frame differences, robust to flashes and to fades through black.

Like PySceneDetect's content detector, a cut is a frame whose mean absolute HSV difference from
the previous frame exceeds a threshold. Two additions:

* a flash (a few bright or changed frames after which the picture returns) is not a cut: a
  candidate cut is confirmed only if none of the next ``flash_frames`` frames looks like the
  frame before it again;
* a fade out to black and back in changes little per frame, so it never crosses the threshold;
  instead, the end of a run of at least ``dark_run`` near-black (or near-white) frames starts a
  new shot.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field

import cv2

from thumbnails.analysis import FrameStats
from thumbnails.image import Image


def hsv_difference(a: Image, b: Image) -> float:
    """Mean absolute difference over H, S and V (0-255 scale), as PySceneDetect's content_val."""
    return sum(cv2.mean(cv2.absdiff(a, b))[:3]) / 3.0


@dataclass
class ShotDetector:
    threshold: float = 27.0
    """PySceneDetect's ContentDetector default, on the same HSV scale."""
    flash_frames: int = 3
    """A change that reverts within this many frames (120 ms at 25 fps) is a flash."""
    dark_run: int = 4
    """Near-black or near-white runs of this many frames split shots (longer than any flash)."""
    dark_mean: float = 28.0
    bright_mean: float = 230.0

    boundaries: list[int] = field(default_factory=lambda: [0])
    """Start frame of every shot found so far; decisions are final up to `settled`."""
    flashes: set[int] = field(default_factory=set)
    """Frames found to be inside a flash."""
    settled: int = -1
    """Every frame up to this index has its final shot and flash status."""

    _boundary_set: set[int] = field(default_factory=set)
    _recent: deque[tuple[int, Image]] = field(default_factory=lambda: deque(maxlen=8))
    _pending: tuple[int, Image] | None = None
    _extreme_since: int | None = None
    """First frame of the current near-black or near-white run."""

    def push(self, stats: FrameStats) -> None:
        index, hsv = stats.index, stats.hsv
        extreme = stats.luma_mean < self.dark_mean or stats.luma_mean > self.bright_mean
        flash_ended = False
        if self._pending is not None:
            start, before = self._pending
            if hsv_difference(before, hsv) < self.threshold:
                self.flashes.update(range(start, index))
                self._pending = None
                flash_ended = True  # back to the picture before the flash: not a new cut
            elif index - start >= self.flash_frames:
                self._cut(start)
                self._pending = None
        # Hue and saturation are noise in near-black frames: there, only the run rule applies.
        both_extreme = extreme and self._extreme_since is not None
        if (
            self._pending is None
            and not flash_ended
            and self._recent
            and not both_extreme
            and hsv_difference(self._recent[-1][1], hsv) > self.threshold
        ):
            self._pending = (index, self._recent[-1][1])
        run = index - self._extreme_since if self._extreme_since is not None else 0
        if not extreme and run >= self.dark_run and self._pending is None:
            self._cut(index)
        if not extreme:
            self._extreme_since = None
        elif self._extreme_since is None:
            self._extreme_since = index
        self._recent.append((index, hsv))
        self.settled = index - self.flash_frames - 1 if self._pending else index

    def finish(self, last_index: int) -> None:
        """No more frames: a pending cut whose flash window never closed is a cut."""
        if self._pending is not None:
            self._cut(self._pending[0])
            self._pending = None
        self.settled = last_index

    def add_cut(self, index: int) -> None:
        """A shot change found by other means (a dissolve). ``index`` must not be settled and
        judged yet; `thumbnails.pipeline` holds frames back long enough for that."""
        self._cut(index)

    def _cut(self, index: int) -> None:
        if index > 0 and index not in self._boundary_set:
            bisect.insort(self.boundaries, index)
            self._boundary_set.add(index)

    @property
    def latest_start(self) -> int:
        """The start of the shot the newest frame belongs to, counting a cut not yet confirmed."""
        return self._pending[0] if self._pending is not None else self.boundaries[-1]

    def shot_of(self, index: int) -> int:
        """The shot index of a settled frame."""
        return bisect.bisect_right(self.boundaries, index) - 1

    def is_cut(self, index: int) -> bool:
        """True if a shot starts at ``index`` (other than the first)."""
        return index > 0 and index in self._boundary_set

    def shots(self, frame_count: int) -> list[tuple[int, int]]:
        """Shots as ``[start, end)`` frame ranges."""
        ends = [*self.boundaries[1:], frame_count]
        return [(start, end) for start, end in zip(self.boundaries, ends, strict=True)]
