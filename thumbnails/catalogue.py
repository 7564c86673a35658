"""Whole catalogues: extract many videos, skip those already done, write each folder once.

>>> from thumbnails import CatalogueRun, extract_catalogue       # doctest: +SKIP
>>> for result in extract_catalogue(videos, CatalogueRun(out=Path("frames"), workers=2)):
...     print(result)                                             # doctest: +SKIP

A runner computes (`thumbnails.work`: in this process, local worker processes, or one the
caller passes in, such as the front door's Ray runner); this module, in the caller's process,
merges the pieces of long films, writes the output folders and records what was done. Where the
record is kept is the caller's choice too: an index in the output folder by default, or any
`DoneStore` (the front door keeps it in the decision log).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from thumbnails.chunks import CHUNK_S, Range, SpanMerger, plan_pieces
from thumbnails.errors import ThumbnailsError
from thumbnails.memo import DoneIndex, sampled_fingerprint, work_key
from thumbnails.output import (
    EncodedOutput,
    encode_output,
    output_name,
    safe_folder_name,
    write_encoded,
)
from thumbnails.pipeline import Span
from thumbnails.work import (
    Failed,
    FrameProgress,
    Job,
    Outcome,
    ProcessPool,
    Runner,
    Task,
    extract_job,
    failure,
)


@dataclass(frozen=True, slots=True)
class CatalogueRun:
    """How `extract_catalogue` runs."""

    out: Path
    """The output folder: one sub-folder per video, written by the calling process alone."""
    top_k: int = 8
    frame_step: int | None = None
    workers: int = 1
    """Videos (or pieces) extracted at once in local worker processes; ignored when a runner
    is passed to `extract_catalogue`."""
    chunk_s: float = CHUNK_S
    """In parallel runs, a film at least twice this long is split into pieces of about this
    many seconds, analysed in parallel (`thumbnails.chunks`); 0: never split."""
    fast: bool = False
    """Keyframes only, then full frames around the picks (`thumbnails.keyframes`)."""
    force: bool = False
    """Extract again videos already done with the same content and settings."""

    def __post_init__(self) -> None:
        if self.top_k < 1 or self.workers < 1:
            raise ValueError("top_k and workers must be at least 1")
        if self.frame_step is not None and self.frame_step < 1:
            raise ValueError("frame_step must be at least 1")
        if not self.chunk_s >= 0:  # also refuses nan
            raise ValueError("chunk_s must be 0 (never split) or more")


@dataclass(frozen=True, slots=True)
class _Done:
    video: Path
    folder: Path
    manifest: Mapping[str, Any]
    """The folder's ``manifest.json``."""
    title: str = ""
    """The title it stands for: the one the caller named, else the folder's name."""

    def __post_init__(self) -> None:
        if not self.title:
            object.__setattr__(self, "title", self.folder.name)


@dataclass(frozen=True, slots=True)
class Extracted(_Done):
    """A video extracted by this run into ``folder``."""

    @property
    def candidate_count(self) -> int:
        return len(self.manifest["candidates"])

    @property
    def notes(self) -> list[str]:
        """What the extraction wants the user to know (a short clip, a fallback taken)."""
        return list(self.manifest.get("notes", []))


@dataclass(frozen=True, slots=True)
class Skipped(_Done):
    """A video done before with the same content and settings; its folder was kept."""


CatalogueResult = Extracted | Skipped | Failed
"""One video's outcome in a catalogue run."""


class DoneStore(Protocol):
    """Where a run finds and records the work it has done, keyed by content and settings."""

    def done_folder(self, key: str) -> Path | None:
        """The folder holding the result for ``key`` inside this run's ``out``, if any."""

    def record(self, key: str | None, result: Extracted) -> None:
        """Remember ``result`` under ``key`` (None: the video could not be fingerprinted).
        May raise `ThumbnailsError` or `OSError`: that video is then reported failed."""


class CatalogueProgress(Protocol):
    """What a run reports while it goes; every call comes from the caller's process."""

    def frames(self, job: Job, decoded: int, total: int) -> None:
        """Frames decoded of the video extracted in this process (one-process runs only)."""

    def finished(self, job: Job, result: CatalogueResult) -> None:
        """A video is done: extracted, skipped or failed."""


class FolderIndex:
    """The default `DoneStore`: a small index file in ``out`` (`thumbnails.memo`)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self._index = DoneIndex(out)

    def done_folder(self, key: str) -> Path | None:
        name = self._index.folder(key)
        return None if name is None else self.out / name

    def record(self, key: str | None, result: Extracted) -> None:
        if key is not None:
            self._index.record(key, result.folder.name)


def package_version() -> str:
    """The installed distribution's version: part of every work key, so an upgrade
    extracts again."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("thumbnail-bandit")
    except PackageNotFoundError:  # a source tree that was never installed
        return "unknown"


def extract_catalogue(
    videos: Sequence[Path],
    run: CatalogueRun,
    *,
    titles: Mapping[Path, str] | None = None,
    done: DoneStore | None = None,
    runner: Runner | None = None,
    progress: CatalogueProgress | None = None,
) -> list[CatalogueResult]:
    """Extract every video, skipping those done before, and write their folders.

    Args:
        videos: the video files, in the order results are returned.
        run: the settings.
        titles: the title a video stands for, by its path; its folder is named after it.
            A video not in it stands for its folder, named after the file.
        done: where work done is found and recorded; default an index in ``run.out``.
        runner: where tasks run; default this process (``run.workers == 1``) or a pool of
            ``run.workers`` local processes.
        progress: told as frames decode and videos finish.

    Returns one result per video, in order. Raises nothing for a bad video (it is `Failed`);
    whatever the runner raises when it cannot start (`RunnerUnavailable`).
    """
    jobs = _jobs(videos, run, titles or {})
    store = done if done is not None else FolderIndex(run.out)
    keys = _WorkKeys(run)
    results: dict[int, CatalogueResult] = {}
    todo = []
    for job in jobs:
        skipped = None if run.force else _skipped(job, keys.of(job), store)
        if skipped is None:
            todo.append(job)
        else:
            results[job.index] = skipped
            if progress is not None:
                progress.finished(job, skipped)
    parallel = None
    if runner is not None or run.workers > 1:
        parallel = _ParallelRun(todo, run.chunk_s, progress)
    if parallel is None or (runner is None and len(parallel.tasks) <= 1):
        for job in todo:  # one process: frame by frame progress
            report = None if progress is None else _frames_of(progress, job)
            results[job.index] = _written(job, extract_job(job, report))
            if progress is not None:
                progress.finished(job, results[job.index])
    else:
        (runner or ProcessPool(run.workers))(parallel.tasks, parallel.take)
        results.update(parallel.results)
    return [_recorded(results[job.index], job, keys.of(job), store) for job in jobs]


def _jobs(videos: Sequence[Path], run: CatalogueRun, titles: Mapping[Path, str]) -> list[Job]:
    names: set[str] = set()
    jobs = []
    for index, video in enumerate(videos):
        title = titles.get(video)
        name = base = output_name(video) if title is None else safe_folder_name(title)
        suffix = 2
        while name in names:
            name, suffix = f"{base}-{suffix}", suffix + 1
        names.add(name)
        jobs.append(Job(index, video, name, run.top_k, run.out, run.frame_step, run.fast, title))
    return jobs


class _WorkKeys:
    """Each job's work key (`thumbnails.memo`), computed once; None if unreadable."""

    def __init__(self, run: CatalogueRun) -> None:
        self.settings: dict[str, object] = {
            "top_k": run.top_k,
            "frame_step": run.frame_step,
            "version": package_version(),
        }
        if run.fast:  # only then: keys of full runs stay those of earlier versions
            self.settings["fast"] = True
        self._keys: dict[int, str | None] = {}

    def of(self, job: Job) -> str | None:
        if job.index not in self._keys:
            try:
                # The folder name too: the same film under two names is two titles, two folders.
                fingerprint = sampled_fingerprint(job.video)
                named = {**self.settings, "name": job.name}
                if job.title is not None:  # keys of unnamed runs stay those of earlier versions
                    named["title"] = job.title
                self._keys[job.index] = work_key(fingerprint, named)
            except OSError:
                self._keys[job.index] = None  # extraction itself reports the unreadable file
        return self._keys[job.index]


def _skipped(job: Job, key: str | None, store: DoneStore) -> Skipped | None:
    folder = None if key is None else store.done_folder(key)
    if folder is None or not (folder / "manifest.json").is_file():
        return None
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    return Skipped(job.video, folder, manifest, job.title or "")


def _frames_of(progress: CatalogueProgress, job: Job) -> FrameProgress:
    return lambda decoded, total: progress.frames(job, decoded, total)


def _written(job: Job, outcome: EncodedOutput | Failed) -> Extracted | Failed:
    """Write a video's folder, whole or not at all."""
    if isinstance(outcome, Failed):
        return outcome
    try:
        written = write_encoded(outcome, job.out, job.name)
    except ThumbnailsError as exc:
        return failure(job.video, exc)
    return Extracted(job.video, written.folder, written.manifest, job.title or "")


def _recorded(
    result: CatalogueResult, job: Job, key: str | None, store: DoneStore
) -> CatalogueResult:
    if not isinstance(result, Extracted):
        return result
    try:  # the calling process alone records: one transaction per title in a log
        store.record(key, result)
    except (ThumbnailsError, OSError) as exc:
        return failure(job.video, exc)
    return result


class _ParallelRun:
    """The tasks of a parallel run, and the caller's side of their outcomes: each video's
    folder is written once every task of it is in (its pieces merged first)."""

    def __init__(
        self, jobs: Sequence[Job], chunk_s: float, progress: CatalogueProgress | None
    ) -> None:
        self.tasks: list[Task] = []
        self.results: dict[int, CatalogueResult] = {}
        self._progress = progress
        self._mergers: dict[int, SpanMerger] = {}
        for job in jobs:
            plan = [(0, None)] if job.fast else _plan(job, chunk_s)
            if len(plan) == 1:
                self.tasks.append(Task(job))
                continue
            self._mergers[job.index] = SpanMerger(plan, job.top_k)
            self.tasks += [Task(job, piece) for piece in plan]

    def take(self, task: Task, outcome: Outcome) -> None:
        job = task.job
        if job.index in self.results:
            return  # a piece of a video that failed already
        if isinstance(outcome, Span):
            merger = self._mergers[job.index]
            merger.add(outcome)
            if not merger.complete:
                return
            try:
                outcome = encode_output(merger.finish())
            except Exception as exc:  # a bug must not cost the other videos their run
                outcome = failure(job.video, exc)
        self._mergers.pop(job.index, None)
        result = self.results[job.index] = _written(job, outcome)
        if self._progress is not None:
            self._progress.finished(job, result)


def _plan(job: Job, chunk_s: float) -> list[Range]:
    try:
        return plan_pieces(job.video, chunk_s)
    except ThumbnailsError:
        return [(0, None)]  # the whole-video task reports it, as a single process would
