"""Long films in pieces: split at keyframes, analyse the pieces in parallel, merge one result.

A piece (`thumbnails.pipeline.analyse_span`) starts decoding a little before its first frame and
stops a little after its last, so shots, flashes, fades and dissolves at its edges are found as
one pass would find them; its cuts and shortlisted frames are only those of its own range.
`SpanMerger` joins the pieces in order:

* the cuts of all pieces are the film's cuts, so a shot that crosses a boundary is one shot;
* the windows that shortlist a frame are seconds of the video's clock, so a piece cuts them
  where the whole film would; a window cut by a boundary gives its best frame on both sides,
  and the merge keeps the better one (the earlier on a tie), as one pass does;
* the one-per-shot and diversity rules then run once, over the whole film.

Boundary rule, the one place a split film may differ from one pass: each piece's shortlist is
bounded on its own (`thumbnails.shortlist`), then the merge bounds their union again. When a
film has more distinct good windows than the shortlist holds, the weakest frames are evicted in
another order, so a low-ranked candidate can differ; shots never do.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from thumbnails.decode import VideoStream
from thumbnails.pipeline import WINDOW_S, Span
from thumbnails.ranking import Extraction, finish_extraction
from thumbnails.retention import window_of
from thumbnails.shortlist import Shortlist, Shortlisted, shortlist_capacity

#: Pieces are about this long. A film is split only when it is at least twice as long (five
#: minutes): below that, a piece's warm-up and seek cost more than parallel decoding gains.
CHUNK_S = 150.0

Range = tuple[int, int | None]
"""``[start, stop)`` frames of a piece; ``stop`` None: to the end."""


def plan_pieces(path: str | Path, chunk_s: float = CHUNK_S) -> list[Range]:
    """Where to split a video: ``[(0, None)]`` for one shorter than ``2 * chunk_s``, else
    ranges of about ``chunk_s`` that start at keyframes (the container's own, found by seeking,
    not decoding). Raises `VideoUnreadable` like extraction would."""
    if chunk_s <= 0:
        return [(0, None)]  # without opening the file: one process never splits
    with VideoStream(path) as video:
        fps, frames = video.info.fps, video.info.frame_count
    if fps <= 0 or frames <= 0 or frames / fps < 2 * chunk_s:
        return [(0, None)]
    pieces = round(frames / fps / chunk_s)
    targets = [round(i * frames / pieces) for i in range(1, pieces)]
    starts = sorted({k for k in _keyframes_at(path, targets, fps) if 0 < k < frames})
    bounds = [0, *starts]
    return [*itertools.pairwise(bounds), (bounds[-1], None)]


def _keyframes_at(path: str | Path, targets: Sequence[int], fps: float) -> list[int]:
    """The keyframe at or before each target frame. Without PyAV's view of the container, the
    targets themselves: OpenCV seeks to any frame exactly, only less cheaply."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            base = stream.time_base or Fraction(1, 90000)
            first = stream.start_time or 0
            found = []
            for target in targets:
                container.seek(first + int(target / fps / base), stream=stream, backward=True)
                pts = next(
                    (p.pts for p in container.demux(stream) if p.is_keyframe and p.pts is not None),
                    None,
                )
                found.append(target if pts is None else round(float((pts - first) * base) * fps))
            return found
    except (av.error.FFmpegError, IndexError, StopIteration):
        return list(targets)


class SpanMerger:
    """Joins the pieces of one film, in frame order, as they arrive in any order.

    A piece is folded into the film's shortlist as soon as every piece before it is in, so
    memory holds the shortlist and the pieces that came early, not the whole film.
    """

    def __init__(self, plan: Sequence[Range], top_k: int) -> None:
        self.top_k = top_k
        self._starts = [start for start, _ in plan]
        self._waiting: dict[int, Span] = {}
        self._next = 0
        self._boundaries = [0]
        self._spans: list[Span] = []
        self._shortlist: Shortlist | None = None
        self._pending: Shortlisted | None = None
        self._rejected: Counter[str] = Counter()

    @property
    def complete(self) -> bool:
        return self._next == len(self._starts)

    def add(self, span: Span) -> None:
        self._waiting[span.start] = span
        while not self.complete and self._starts[self._next] in self._waiting:
            self._fold(self._waiting.pop(self._starts[self._next]))
            self._next += 1

    def _fold(self, span: Span) -> None:
        # Every cut of a piece lies at or after its start, and pieces come in order: the cuts
        # known so far place every frame of this piece in its shot.
        self._boundaries.extend(span.cuts)
        if self._shortlist is None:
            info = span.info
            self._shortlist = Shortlist(
                shortlist_capacity(self.top_k, info.width * info.height * 3)
            )
        self._spans.append(span)
        self._rejected.update(span.rejected)
        self._edge(span.head)
        for entry in span.shortlist:
            entry.shot = self._shot_of(entry.stats.index)
            self._release()
            self._shortlist.add(entry)
        self._edge(span.tail)

    def _shot_of(self, index: int) -> int:
        return bisect.bisect_right(self._boundaries, index) - 1

    def _edge(self, entry: Shortlisted | None) -> None:
        """A window's best from one side of a boundary: kept back until the other side is
        known, then the better of the two goes on (as one pass keeps a window's best)."""
        if entry is None:
            return
        entry.shot = self._shot_of(entry.stats.index)
        held = self._pending
        if held is not None and _window(held) == _window(entry):
            if entry.quick > held.quick:
                self._pending = entry
            return
        self._release()
        self._pending = entry

    def _release(self) -> None:
        if self._pending is not None:
            assert self._shortlist is not None
            self._shortlist.add(self._pending)
            self._pending = None

    def finish(self) -> Extraction:
        """The film's extraction. Raises `NoUsableFrames` as one pass would."""
        if not self.complete or self._shortlist is None:
            raise ValueError("not every piece of the film is in yet")
        self._release()
        last = max(self._spans, key=lambda s: s.last_index)
        # Where the stream really ended: in the first piece that ran out of frames. Pieces
        # after it (a truncated file whose header claims more) decoded nothing.
        end = next((s for s in self._spans if s.reached_end and s.last_index >= 0), last)
        first = self._spans[0]
        return finish_extraction(
            first.info,
            first.frame_step,
            self._shortlist.entries,
            self._boundaries,
            self._rejected,
            decoded=end.frames_read,
            last_timestamp_s=last.last_timestamp_s,
            top_k=self.top_k,
        )


def _window(entry: Shortlisted) -> tuple[int, int]:
    return window_of(entry.shot, entry.stats.timestamp_s, WINDOW_S)
