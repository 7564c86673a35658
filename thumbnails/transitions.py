"""Fades and luminance dissolves: frames whose brightness ramps steadily are not artwork."""

from __future__ import annotations

from dataclasses import dataclass, field


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
