"""Gradual transitions: fades and cross-dissolves. Their frames are not artwork."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from thumbnails.image import Image


@dataclass
class FadeTracker:
    """Flags frames inside runs of monotonic brightness change.

    A fade scales the whole picture, so mean luma moves the same way frame after frame; camera
    motion and action do not keep that up. A run must last ``min_run`` frames, moving at least
    ``min_step`` luma levels a frame at every step (a 1 s linear fade from mid-grey moves ~5
    levels a frame). Frames may come with gaps (every n-th frame analysed); the step is then
    measured per frame.
    """

    min_step: float = 1.0
    min_run: int = 5
    flagged: set[int] = field(default_factory=set)

    _previous: float | None = None
    _previous_index: int = 0
    _direction: int = 0
    _run_start: int = 0

    def push(self, index: int, luma_mean: float) -> None:
        if self._previous is not None:
            frames = max(1, index - self._previous_index)
            step = luma_mean - self._previous
            direction = (step > 0) - (step < 0) if abs(step) >= self.min_step * frames else 0
            if direction == 0 or direction != self._direction:
                self._direction = direction
                self._run_start = self._previous_index
            if direction != 0 and index - self._run_start >= self.min_run:
                self.flagged.update(range(self._run_start, index + 1))
        self._previous, self._previous_index = luma_mean, index

    def forget_before(self, index: int) -> None:
        """Drop flags for frames already decided, so memory does not grow with length."""
        self.flagged = {i for i in self.flagged if i >= index}


@dataclass
class DissolveDetector:
    """Flags cross-dissolves, and says where each one changes shot.

    In a dissolve each frame is a blend of the outgoing and incoming pictures, so over a short
    window (``span`` analysed frames, about half a second):

    * the picture changes a lot from the first frame to the last (``min_change``), yet
    * no single step carries much of that change (``max_jump``; a cut does), and every step
      carries some (``min_steady``);
    * the middle frame looks like the average of the ends (``max_ghost``). Fast camera motion
      fails this: the average of two shifted pictures is a ghosted double image, the real
      middle frame is not. Measured here: dissolves 0.10-0.30 of the change, pans and zooms
      and Big Buck Bunny's camera moves 0.50 and up;
    * the middle frame has less contrast than the ends (``max_variance_ratio``): blending two
      unrelated pictures lowers the variance, by a quarter at the middle of a dissolve
      (Alattar's variance dip). Slow motion, which can pass the previous test because a small
      shift is nearly linear, keeps its variance (a slow zoom here: within 0.5%);
    * the last frame is not the first one scaled and shifted in brightness
      (``min_unexplained``): that is a fade or a lighting change, left to `FadeTracker`.
      Fades leave 0.00-0.17 of the change unexplained, dissolves 0.5-0.75.

    Differences are mean absolute grey levels (0-255) on a small grey copy of each frame.
    """

    span: int
    min_change: float = 8.0
    """Grey levels. Low, so that a 2-second dissolve (the test's changes ~10 grey levels in half
    a second) still counts; camera motion often exceeds it (Big Buck Bunny: 20+) and is told
    apart by the other tests."""
    max_jump: float = 0.5
    min_steady: float = 0.25
    max_ghost: float = 0.3
    max_variance_ratio: float = 0.97
    min_unexplained: float = 0.35
    flagged: set[int] = field(default_factory=set)
    cuts: list[int] = field(default_factory=list)
    """The middle frame of each dissolve found, where its new shot starts; the caller takes
    them from here (`thumbnails.pipeline` hands them to the shot detector)."""

    _frames: deque[tuple[int, Image]] = field(default_factory=deque)
    _steps: deque[float] = field(default_factory=deque)
    _inside: bool = False

    def push(self, index: int, tiny: Image) -> None:
        """Add the next analysed frame; ``tiny`` is a small float32 grey copy of it."""
        if self._frames:
            self._steps.append(_difference(tiny, self._frames[-1][1]))
        self._frames.append((index, tiny))
        if len(self._frames) > self.span + 1:
            self._frames.popleft()
            self._steps.popleft()
        found = len(self._frames) == self.span + 1 and self._is_dissolve()
        if found:
            self.flagged.update(range(self._frames[0][0], index + 1))
            if not self._inside:
                self.cuts.append(self._frames[self.span // 2][0])
        self._inside = found

    def forget_before(self, index: int) -> None:
        self.flagged = {i for i in self.flagged if i >= index}

    def _is_dissolve(self) -> bool:
        first, middle, last = (
            self._frames[0][1],
            self._frames[self.span // 2][1],
            self._frames[-1][1],
        )
        change = _difference(first, last)
        if change < self.min_change:
            return False
        if max(self._steps) > self.max_jump * change:
            return False
        if min(self._steps) < self.min_steady * change / self.span:
            return False
        if _difference(middle, (first + last) / 2) > self.max_ghost * change:
            return False
        ends = (float(first.var()) + float(last.var())) / 2
        if float(middle.var()) > self.max_variance_ratio * ends:
            return False
        unexplained = min(_affine_residual(last, first), _affine_residual(first, last))
        return unexplained >= self.min_unexplained * change


def _difference(a: Image, b: Image) -> float:
    return float(cv2.norm(a, b, cv2.NORM_L1)) / a.size


def _affine_residual(target: Image, source: Image) -> float:
    """Mean absolute error of the best fit ``target ~ gain * source + offset``."""
    x, y = source.ravel().astype(np.float64), target.ravel().astype(np.float64)
    x_mean, y_mean = x.mean(), y.mean()
    spread = float(((x - x_mean) ** 2).sum())
    gain = float(((x - x_mean) * (y - y_mean)).sum()) / spread if spread > 0 else 0.0
    return float(np.abs(y - y_mean - gain * (x - x_mean)).mean())
