"""Fades and luminance dissolves: frames whose brightness ramps steadily are not artwork."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FadeTracker:
    """Flags frames inside runs of monotonic brightness change.

    A fade scales the whole picture, so mean luma moves the same way frame after frame; camera
    motion and action do not keep that up. A run needs ``min_run`` steps of at least
    ``min_step`` luma levels each (a 1 s linear fade from mid-grey moves ~5 levels a frame).
    """

    min_step: float = 1.0
    min_run: int = 5
    flagged: set[int] = field(default_factory=set)

    _previous: float | None = None
    _direction: int = 0
    _run_start: int = 0
    _run_length: int = 0

    def push(self, index: int, luma_mean: float) -> None:
        if self._previous is not None:
            step = luma_mean - self._previous
            direction = (step > 0) - (step < 0) if abs(step) >= self.min_step else 0
            if direction != 0 and direction == self._direction:
                self._run_length += 1
            else:
                self._direction = direction
                self._run_start = index - 1
                self._run_length = 1 if direction else 0
            if self._run_length >= self.min_run:
                self.flagged.update(range(self._run_start, index + 1))
        self._previous = luma_mean

    def forget_before(self, index: int) -> None:
        """Drop flags for frames already decided, so memory does not grow with length."""
        self.flagged = {i for i in self.flagged if i >= index}
