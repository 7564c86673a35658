"""Which full-resolution frames to hold while the lookahead decides about them.

A frame is judged several frames after it is decoded (flashes, fades and cuts need the frames
that follow). Holding every full-resolution frame for that long costs more than the analysis
itself: each held 720p frame is 2.7 MB of fresh memory, and touching it for the first time is
page faults. Measured on the Big Buck Bunny clip: holding 12 frames alone added ~14% to the
decode time, while the whole per-frame analysis added ~1%.

So each frame keeps its full-resolution picture only if it passes the quality gate and ranks
among the best few of its provisional window, the best-of-window the judge picks from later.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

#: Frames kept per provisional window. More than one, because the lookahead can still reject
#: the best (a flash, the frame astride a cut, the start of a fade).
KEEP_PER_WINDOW = 3


def window_of(shot: int, timestamp_s: float, window_s: float) -> tuple[int, int]:
    """A window is a shot's share of one stretch of ``window_s`` seconds of the video's own
    clock. The clock is the stream's, not the shot's: a piece of a long film analysed on its
    own then cuts its windows where the whole film would (`thumbnails.chunks`)."""
    return shot, int(timestamp_s // window_s)


@dataclass
class Keeper:
    """Tracks the best few frames of each recent provisional window.

    A provisional window is a window (`window_of`) of the latest possible shot start (a cut the
    shot detector has seen but not yet confirmed counts as one), so it never spans a real cut.
    """

    window_s: float
    per_window: int = KEEP_PER_WINDOW
    _kept: dict[tuple[int, int], list[tuple[float, int]]] = field(default_factory=dict)
    """Per recent window, a min-heap of ``(quick score, frame index)`` of the frames kept."""

    def offer(
        self, index: int, timestamp_s: float, shot_start: int, quick: float | None
    ) -> tuple[bool, int | None]:
        """Whether frame ``index`` keeps its picture, and which earlier frame, if any, gives
        its picture up. ``quick`` is None for a frame the quality gate rejects.
        ``shot_start`` is the latest shot start the detector knows of, confirmed or not."""
        window = window_of(shot_start, timestamp_s, self.window_s)
        if window not in self._kept:
            self._kept[window] = []
            if len(self._kept) > 4:  # frames come in order: old windows get no more offers
                del self._kept[next(iter(self._kept))]
        if quick is None:
            return False, None
        top = self._kept[window]
        if len(top) < self.per_window:
            heapq.heappush(top, (quick, index))
            return True, None
        if quick <= top[0][0]:
            return False, None
        _, dropped = heapq.heapreplace(top, (quick, index))
        return True, dropped
