"""The units of a catalogue run and how they are computed: a `Task` is a whole video or one
piece of a long film; `run_task` turns it into an `Outcome` and never raises, so one bad video
costs only itself. Runners decide where tasks run: `run_inline` here, `ProcessPool` in local
worker processes, or any callable of the same shape (the front door passes a Ray runner).

Runners compute and return; they write nothing. The caller's process alone writes the output
folders and the record of work done (`thumbnails.catalogue`).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from thumbnails.chunks import Range
from thumbnails.errors import ThumbnailsError
from thumbnails.keyframes import analyse_keyframes
from thumbnails.output import EncodedOutput, encode_output
from thumbnails.pipeline import Span, analyse_span, analyse_video


@dataclass(frozen=True, slots=True)
class Failed:
    """A video that could not be extracted, and why (one line, without the file name)."""

    video: Path
    reason: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """One video of a catalogue run, with the settings it is extracted with."""

    index: int
    """Its place in the run's list of videos."""
    video: Path
    name: str
    """The folder it is written to, inside ``out``."""
    top_k: int
    out: Path
    frame_step: int | None = None
    fast: bool = False
    title: str | None = None
    """The title the caller named for this video; None: the folder name stands for it."""


@dataclass(frozen=True, slots=True)
class Task:
    """One unit of work for a runner: a whole video, or one piece of a long film."""

    job: Job
    piece: Range | None = None
    """None: the whole video, ranked and encoded by the runner. A range: that piece's frames,
    judged but not ranked (`thumbnails.chunks`); the caller merges the pieces."""


Outcome = EncodedOutput | Span | Failed
"""What a task gives back: a whole video's encoded folder, a piece, or a failure."""

FrameProgress = Callable[[int, int], None]
"""``(frames decoded, frames the container claims)`` for the video being extracted."""

Runner = Callable[[Sequence[Task], Callable[[Task, Outcome], None]], None]
"""Runs every task and calls the callback, in the caller's process, as each one finishes."""


def failure(video: Path, exc: BaseException) -> Failed:
    """The `Failed` for an exception raised while extracting ``video``."""
    if isinstance(exc, ThumbnailsError):
        text, prefix = str(exc), f"{video}: "
        return Failed(video, text.removeprefix(prefix))
    # A bug must not cost the other videos their run; it still says what it was.
    return Failed(video, f"internal error: {type(exc).__name__}: {exc}")


def extract_job(job: Job, progress: FrameProgress | None = None) -> EncodedOutput | Failed:
    """Extract one video into bytes; writes nothing. Never raises."""
    try:
        if job.fast:
            result = analyse_keyframes(job.video, job.top_k, frame_step=job.frame_step)
        else:
            result = analyse_video(
                job.video, job.top_k, progress=progress, frame_step=job.frame_step
            )
        return encode_output(result)
    except Exception as exc:  # a bug must not cost the other videos their run
        return failure(job.video, exc)


def run_task(task: Task) -> Outcome:
    """A runner's share of the work: one task, computed here. Never raises."""
    if task.piece is None:
        return extract_job(task.job)
    job, (start, stop) = task.job, task.piece
    try:
        return analyse_span(job.video, job.top_k, start=start, stop=stop, frame_step=job.frame_step)
    except Exception as exc:
        return failure(job.video, exc)


def single_threaded_opencv() -> None:
    """For a process that is one of several extracting at once: OpenCV's own threads would
    only contend with the other processes' (measured on 2 cores, 4 titles: two such workers
    4.7 s, two with OpenCV's default threads 5.4 s, one process 5.1 s)."""
    import cv2

    cv2.setNumThreads(1)


def run_inline(tasks: Sequence[Task], on_done: Callable[[Task, Outcome], None]) -> None:
    """Run the tasks one after the other in this process."""
    for task in tasks:
        on_done(task, run_task(task))


@dataclass(frozen=True, slots=True)
class ProcessPool:
    """A `Runner` over local worker processes (spawned, never forked: OpenCV and the
    progress bars hold threads)."""

    workers: int

    def __call__(self, tasks: Sequence[Task], on_done: Callable[[Task, Outcome], None]) -> None:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max(1, min(self.workers, len(tasks))),
            mp_context=context,
            initializer=single_threaded_opencv,
        ) as pool:
            futures = {pool.submit(run_task, task): task for task in tasks}
            for future in as_completed(futures):
                task = futures[future]
                on_done(task, _outcome(future, task.job))


def _outcome(future: Future[Outcome], job: Job) -> Outcome:
    """A worker's result; a worker that died (killed, out of memory) fails its video only."""
    try:
        return future.result()
    except Exception as exc:
        return Failed(job.video, f"the worker process failed: {exc}")
