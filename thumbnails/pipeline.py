"""The extraction pipeline: decode -> shots -> quality gate -> shortlist -> features -> dedupe ->
diverse top-K. One streaming pass; memory is bounded by the frame size, not the video length."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from thumbnails.analysis import FrameAnalyser, FrameStats
from thumbnails.decode import DecodedFrame, VideoInfo, VideoStream
from thumbnails.image import Image
from thumbnails.quality import QualityGate, Rejection
from thumbnails.ranking import Extraction, finish_extraction, preload_face_detector
from thumbnails.retention import Keeper, window_of
from thumbnails.scoring import quick_score
from thumbnails.shortlist import Shortlist, Shortlisted, shortlist_capacity
from thumbnails.shots import ShotDetector
from thumbnails.transitions import DissolveDetector, FadeTracker

#: Analysed frames held back before judging one, so fades and flashes around it are known
#: (and at least a dissolve window more, see `DISSOLVE_S`).
LOOKAHEAD = 8
#: Dissolves are tested over windows this long: long enough to tell a blend from motion, short
#: enough that a dissolve of half a second or more fills one.
DISSOLVE_S = 0.5
#: Frames analysed per second of video when the caller does not choose a step. Every frame is
#: decoded; at 25-30 fps every other one is analysed. Skipped frames cost only their decoding
#: (OpenCV's grab(), no colour conversion), which is what keeps extraction near decode speed:
#: see benchmarks/bench_extract.py. Cuts are still placed within ``step - 1`` frames.
ANALYSIS_FPS = 12.0
#: Each shot contributes at most its best frame per window of this many seconds of the video.
WINDOW_S = 1.0
#: A span of a film analysed on its own (`analyse_span`) starts decoding this long before its
#: first frame, so cuts, flashes, fades and dissolves at its edge are judged as in one pass.
WARMUP_S = 2.0


@dataclass(slots=True)
class _Held:
    """A decoded frame waiting for the lookahead to settle."""

    stats: FrameStats
    small: Image
    image: Image | None
    """The full-resolution picture, or None once `Keeper` has let it go."""
    gate: Rejection | None
    """What the quality gate said on arrival (it needs no lookahead)."""
    quick: float


class _Pass:
    """The state of one streaming pass over a video."""

    def __init__(
        self,
        top_k: int,
        gate: QualityGate,
        step: int,
        info: VideoInfo,
        *,
        owned_from: int = 0,
        hold_edges: bool = False,
    ) -> None:
        self.gate = gate
        self.owned_from = owned_from
        """Frames before this one only warm the detectors up: another span judges them."""
        self.hold_edges = hold_edges
        """Keep the first and last windows' best frames out of the shortlist (`head`, `tail`):
        those windows may go on in the neighbouring spans, and the merge picks their best."""
        self.head: Shortlisted | None = None
        self._flushed = False
        self.step = step
        self.shots = ShotDetector()
        self.fades = FadeTracker()
        self.dissolves = DissolveDetector(
            span=max(4, round(DISSOLVE_S * (info.fps or 25.0) / step))
        )
        self.lookahead = max(LOOKAHEAD, self.dissolves.span + 2) * step
        """Frames held back before judging one."""
        self.shortlist = Shortlist(shortlist_capacity(top_k, info.width * info.height * 3))
        self.rejected: Counter[str] = Counter()
        self.keeper = Keeper(WINDOW_S)
        self.held: deque[_Held] = deque()
        self._window: tuple[int, int] | None = None
        self._best: Shortlisted | None = None

    def take(self, frame: DecodedFrame, stats: FrameStats) -> None:
        """Hold a new frame, keeping its full-resolution picture only if it may be picked."""
        self.shots.push(stats)
        self.fades.push(stats.index, stats.luma_mean)
        self.dissolves.push(stats.index, stats.tiny)
        while self.dissolves.cuts:
            self.shots.add_cut(self.dissolves.cuts.pop())
        gate = self.gate.check(stats)
        quick = quick_score(stats)
        keep, dropped = self.keeper.offer(
            stats.index,
            stats.timestamp_s,
            self.shots.latest_start,
            quick if gate is None else None,
        )
        if dropped is not None:
            for held in reversed(self.held):
                if held.stats.index == dropped:
                    held.image = None
                    break
        self.held.append(_Held(stats, frame.small, frame.image if keep else None, gate, quick))

    def judge_until(self, ready: int) -> None:
        while self.held and self.held[0].stats.index <= ready:
            self.judge(self.held.popleft())

    def judge(self, held: _Held) -> None:
        stats = held.stats
        index = stats.index
        if index < self.owned_from:
            self.fades.forget_before(index)
            self.dissolves.forget_before(index)
            return
        shot = self.shots.shot_of(index)
        reason = held.gate
        if reason is None:
            if index in self.shots.flashes:
                reason = Rejection.FLASH
            elif index in self.fades.flagged or index in self.dissolves.flagged:
                reason = Rejection.TRANSITION
            elif self.shots.is_cut(index) or self.shots.is_cut(index + self.step):
                reason = Rejection.TRANSITION  # frames astride a cut can carry codec smear
        self.fades.forget_before(index)
        self.dissolves.forget_before(index)
        if reason is not None:
            self.rejected[reason.value] += 1
            return
        window = window_of(shot, stats.timestamp_s, WINDOW_S)
        quick = held.quick
        if window != self._window:
            self.flush()
            self._window = window
        if held.image is not None and (self._best is None or quick > self._best.quick):
            self._best = Shortlisted.of(stats, shot, held.image, held.small, quick)

    def flush(self) -> None:
        """The window ``_window`` is over: shortlist its best frame."""
        if self._window is None:
            return
        if self.hold_edges and not self._flushed:
            self.head = self._best
        elif self._best is not None:
            self.shortlist.add(self._best)
        self._best = None
        self._flushed = True

    def take_tail(self) -> Shortlisted | None:
        """The last window's best, not flushed: with `hold_edges`, the merge's to place."""
        tail, self._best = self._best, None
        return tail


@dataclass(slots=True)
class Span:
    """What one stretch of a video yielded before ranking: the result of `analyse_span`.

    A whole video is one span. A long film may be several, analysed in parallel and joined by
    `thumbnails.chunks.merge_spans`."""

    info: VideoInfo
    frame_step: int
    start: int
    """The first frame this span owns."""
    stop: int | None
    """The first frame it does not own; None: to the end of the stream."""
    cuts: list[int]
    """Shot starts found among the owned frames (frame 0 is always one and is not listed)."""
    shortlist: list[Shortlisted]
    head: Shortlisted | None
    """The best frame of the first window, held out of `shortlist` (spans of a split film
    only): the window may have begun in the span before."""
    tail: Shortlisted | None
    """Likewise for the last window, which may go on in the next span."""
    rejected: Counter[str]
    frames_read: int
    """Frames decoded up to where the span stopped: the frame count, for the last span."""
    last_index: int
    """The last analysed frame the span owns; -1 if it owns none."""
    last_timestamp_s: float
    reached_end: bool
    """The stream ended inside this span."""


def analyse_span(
    path: str | Path,
    top_k: int = 8,
    *,
    start: int = 0,
    stop: int | None = None,
    gate: QualityGate | None = None,
    frame_step: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Span:
    """Decode and judge frames ``[start, stop)`` of a video; rank nothing.

    A span that starts after frame 0 begins decoding `WARMUP_S` earlier and one that stops
    early decodes on until its last frames are judged, so the detectors see what a single pass
    would. Frames outside the range only inform; they are neither kept nor counted.
    """
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    if frame_step is not None and frame_step < 1:
        raise ValueError(f"frame_step must be at least 1, got {frame_step}")
    analyser = FrameAnalyser()
    split = start > 0 or stop is not None
    last: FrameStats | None = None
    owned: FrameStats | None = None
    reached_end = True
    with VideoStream(path) as video:
        info = video.info
        step = frame_step or auto_frame_step(info.fps)
        run = _Pass(top_k, gate or QualityGate(), step, info, owned_from=start, hold_edges=split)
        if start > 0:
            warmup = max(2 * run.lookahead, round(WARMUP_S * (info.fps or 25.0)))
            video.seek(max(0, start - warmup))
        last_owned = stop - 1 if stop is not None else None
        for frame in video.frames(step):
            stats = analyser(frame)
            run.take(frame, stats)
            del frame  # the picture lives on only if the keeper kept it
            ready = min(run.shots.settled, stats.index - run.lookahead)
            run.judge_until(ready if last_owned is None else min(ready, last_owned))
            if progress is not None and stats.index // 25 != (last.index // 25 if last else -1):
                progress(stats.index + 1, info.frame_count)
            last = stats
            if stats.index >= start and (last_owned is None or stats.index <= last_owned):
                owned = stats
            if last_owned is not None and ready >= last_owned:
                reached_end = False
                break
        frames_read = video.frames_read
    if reached_end and last is not None:
        run.shots.finish(last.index)
        run.judge_until(last.index if last_owned is None else min(last.index, last_owned))
    tail = run.take_tail() if split else None
    if not split:
        run.flush()
    if progress is not None:
        progress(frames_read, info.frame_count)
    end = stop if stop is not None else frames_read
    return Span(
        info=info,
        frame_step=step,
        start=start,
        stop=stop,
        cuts=[b for b in run.shots.boundaries if b > 0 and start <= b < end],
        shortlist=run.shortlist.entries,
        head=run.head,
        tail=tail,
        rejected=run.rejected,
        frames_read=frames_read,
        last_index=owned.index if owned is not None else -1,
        last_timestamp_s=owned.timestamp_s if owned is not None else 0.0,
        reached_end=reached_end,
    )


def analyse_video(
    path: str | Path,
    top_k: int = 8,
    *,
    gate: QualityGate | None = None,
    progress: Callable[[int, int], None] | None = None,
    frame_step: int | None = None,
) -> Extraction:
    """Run the whole pipeline on one video, in one pass.

    Args:
        path: the video file.
        top_k: the most candidates to return; fewer come back if fewer frames are good.
        gate: quality thresholds (defaults documented in `QualityGate`).
        progress: called now and then with the frames decoded so far and the frame count the
            container claims (0 when it does not say).
        frame_step: analyse every n-th frame (1 analyses all). By default, the step that
            analyses about `ANALYSIS_FPS` frames a second.

    Raises:
        VideoUnreadable: missing, empty, not a video, no video stream.
        NoUsableFrames: every frame failed the quality gate.
    """
    preload_face_detector()
    span = analyse_span(path, top_k, gate=gate, progress=progress, frame_step=frame_step)
    return finish_extraction(
        span.info,
        span.frame_step,
        span.shortlist,
        [0, *span.cuts],
        span.rejected,
        decoded=span.frames_read,
        last_timestamp_s=span.last_timestamp_s,
        top_k=top_k,
    )


def auto_frame_step(fps: float) -> int:
    """Analyse about `ANALYSIS_FPS` frames a second: 2 at 24-30 fps, 5 at 60, 1 up to 18."""
    return max(1, round(fps / ANALYSIS_FPS)) if fps > 0 else 1
