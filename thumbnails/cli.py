"""The ``thumbnails`` command: ``thumbnails extract VIDEO... --top-k N --out DIR``.

The only module of the package that imports `storage` (for ``--db``).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from thumbnails.chunks import CHUNK_S, Range, SpanMerger, plan_pieces
from thumbnails.errors import RayUnavailable, ThumbnailsError
from thumbnails.inputs import expand_inputs
from thumbnails.keyframes import analyse_keyframes
from thumbnails.memo import DoneIndex, sampled_fingerprint, work_key
from thumbnails.output import EncodedOutput, encode_output, output_name, write_encoded
from thumbnails.pipeline import Span, analyse_span, analyse_video

if TYPE_CHECKING:
    from storage import Log


@dataclass(frozen=True, slots=True)
class Job:
    index: int
    video: Path
    name: str
    top_k: int
    out: Path
    frame_step: int | None = None
    fast: bool = False


@dataclass(frozen=True, slots=True)
class Task:
    """One unit of work for a worker: a whole video, or one piece of a long film."""

    job: Job
    piece: Range | None = None
    """None: the whole video, ranked and encoded by the worker. A range: that piece's frames,
    judged but not ranked (`thumbnails.chunks`); the driver merges the pieces."""


def register_manifest(log: Log, manifest: dict[str, Any], key: str | None = None) -> None:
    """Register one extracted video's title and artworks in one transaction: all or none,
    with the extraction's key (`thumbnails.memo`) when given.

    An artwork is identified by its image's content hash, so extracting the same video again,
    into any folder, updates its artworks instead of adding copies.
    """
    from storage import NewArtwork

    folder = Path(manifest["output"])
    artworks = []
    for c in manifest["candidates"]:
        image = (folder / c["image"]).resolve()
        artworks.append(
            NewArtwork(
                image_path=str(image),
                timestamp_s=c["timestamp_s"],
                frame_index=c["frame_index"],
                features=c["features"],
                content_sha256=hashlib.sha256(image.read_bytes()).hexdigest(),
            )
        )
    extraction = None if key is None else (key, manifest["video"], str(folder.resolve()))
    log.register(folder.name, artworks, name=Path(manifest["video"]).name, extraction=extraction)


@dataclass(frozen=True, slots=True)
class CatalogueRun:
    """How `extract_catalogue` runs: the command line's options, as a record."""

    out: Path
    """The output folder: one sub-folder per video, written by this process alone."""
    top_k: int = 8
    frame_step: int | None = None
    workers: int = 1
    """Videos extracted at once in local worker processes (ignored with ``ray``)."""
    ray: str | None = None
    """``"local"`` for a local Ray cluster, or a cluster address; None: no Ray."""
    chunk_s: float = CHUNK_S
    """With several workers or Ray, a film at least twice this long is split into pieces of
    about this many seconds, analysed in parallel (`thumbnails.chunks`); 0: never split."""
    fast: bool = False
    """Keyframes only, then full frames around the picks (`thumbnails.keyframes`)."""
    force: bool = False
    """Extract again videos already done with the same content and settings."""
    progress: bool = False
    """Progress bars on stderr."""


Failure = dict[str, str]
"""``{"video": ..., "error": ...}``: one line of what went wrong with one video."""


def extract_job(
    job: Job, progress: Callable[[int, int, int], None] | None = None
) -> EncodedOutput | Failure:
    """Extract one video into bytes; writes nothing. Runs in a worker process or a Ray task.
    Never raises: a failure is returned, so it costs only this video."""

    def report(frames: int, total: int) -> None:
        if progress is not None:
            progress(job.index, frames, total)

    try:
        if job.fast:
            result = analyse_keyframes(job.video, job.top_k, frame_step=job.frame_step)
        else:
            result = analyse_video(job.video, job.top_k, progress=report, frame_step=job.frame_step)
        return encode_output(result)
    except Exception as exc:  # a bug must not cost the other videos their run
        return _failure(job, exc)


def run_task(task: Task) -> EncodedOutput | Span | Failure:
    """A worker's or a Ray task's share of the work. Never raises."""
    if task.piece is None:
        return extract_job(task.job)
    job, (start, stop) = task.job, task.piece
    try:
        return analyse_span(job.video, job.top_k, start=start, stop=stop, frame_step=job.frame_step)
    except Exception as exc:
        return _failure(job, exc)


def _failure(job: Job, exc: Exception) -> Failure:
    if isinstance(exc, ThumbnailsError):
        return {"video": str(job.video), "error": _reason(exc, job.video)}
    # A bug must not cost the other videos their run; it still says what it was.
    return {"video": str(job.video), "error": f"internal error: {type(exc).__name__}: {exc}"}


def finish_job(job: Job, extracted: EncodedOutput | Failure) -> dict[str, Any]:
    """The driver's half: write the folder (whole or not at all); returns the manifest with
    its ``output`` folder, or the failure."""
    if isinstance(extracted, dict):
        return extracted
    try:
        written = write_encoded(extracted, job.out, job.name)
    except ThumbnailsError as exc:
        return {"video": str(job.video), "error": _reason(exc, job.video)}
    manifest = dict(written.manifest)
    manifest["output"] = str(written.folder)
    return manifest


def run_job(job: Job, progress: Callable[[int, int, int], None] | None = None) -> dict[str, Any]:
    """Extract one video and write its folder, in this process. Never raises."""
    return finish_job(job, extract_job(job, progress))


def _reason(exc: Exception, video: Path) -> str:
    text = str(exc)
    prefix = f"{video}: "
    return text[len(prefix) :] if text.startswith(prefix) else text


def single_threaded_opencv() -> None:
    """For a process that is one of several extracting at once: OpenCV's own threads would
    only contend with the other processes' (measured here on 2 cores, 4 titles: two such
    workers 4.7 s, two with OpenCV's default threads 5.4 s, one process 5.1 s)."""
    import cv2

    cv2.setNumThreads(1)


class _Bars:
    """One progress bar per video; silent when not on a terminal or with --quiet."""

    def __init__(self, jobs: Sequence[Job], enabled: bool) -> None:
        self.enabled = enabled
        self._jobs = {job.index: job for job in jobs}
        self._bars: dict[int, Any] = {}

    def update(self, index: int, frames: int, total: int) -> None:
        if not self.enabled:
            return
        bar = self._bars.get(index)
        if bar is None:
            name = self._jobs[index].video.name
            bar = self._bars[index] = tqdm(
                total=total or None, desc=name[:30], unit="frame", leave=False, file=sys.stderr
            )
        bar.update(frames - bar.n)

    def close(self, index: int) -> None:
        bar = self._bars.pop(index, None)
        if bar is not None:
            bar.close()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("thumbnail-bandit")
    except PackageNotFoundError:
        return "unknown"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thumbnails", description="Pull ranked, diverse candidate artwork out of videos."
    )
    version = _version()
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser(
        "extract",
        help="extract candidates from videos",
        description="Write OUT/<video name>/ with cropped JPEGs, contact_sheet.png and"
        " manifest.json for each video. Exit status: 0 all went well, 1 some inputs failed,"
        " 2 usage error.",
    )
    extract.add_argument(
        "videos",
        nargs="+",
        metavar="VIDEO",
        help="files, directories or globs ('dir/**/*.mp4'); directory searches never follow"
        " symbolic links to directories (links to files are taken)",
    )
    extract.add_argument("--version", action="version", version=f"thumbnails {version}")
    extract.add_argument("--top-k", type=int, default=8, help="candidates per video (default 8)")
    extract.add_argument("--out", type=Path, required=True, help="output directory")
    extract.add_argument(
        "--db",
        help="register titles and artworks in this log (SQLite path or URL, PostgreSQL URL);"
        " created if missing",
    )
    extract.add_argument("--json", action="store_true", help="print a JSON array of manifests")
    extract.add_argument("--workers", type=int, default=1, help="videos processed in parallel")
    extract.add_argument("--quiet", action="store_true", help="no progress bars")
    extract.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run one task per video on the Ray cluster at ADDRESS ('auto', 'ray://host:10001');"
        " alone, on a local cluster (needs the ray extra)",
    )
    extract.add_argument(
        "--force", action="store_true", help="extract again videos already done with these settings"
    )
    extract.add_argument(
        "--fast",
        action="store_true",
        help="a first pass: find shots and pick frames from keyframes only, then decode full"
        " frames only around the picks (several times faster; shots at keyframe precision)",
    )
    extract.add_argument(
        "--chunk-seconds",
        type=float,
        default=CHUNK_S,
        metavar="S",
        help=f"with --workers or --ray, split films at least 2*S long into pieces of about S"
        f" seconds, analysed in parallel (default {CHUNK_S:g}; 0: never split)",
    )
    extract.add_argument(
        "--frame-step",
        type=int,
        metavar="N",
        help="analyse every N-th frame (1 = every frame; default: about 12 a second)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # stdout was closed early (`| head`): not an error of ours, and no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.top_k < 1:
        parser.error("--top-k must be at least 1")
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.frame_step is not None and args.frame_step < 1:
        parser.error("--frame-step must be at least 1")
    if not args.chunk_seconds >= 0:  # also refuses nan
        parser.error("--chunk-seconds must be 0 (never split) or more")
    if args.ray is not None and args.workers > 1:
        parser.error("--ray schedules the videos itself; leave out --workers")
    videos, input_errors = expand_inputs(args.videos)
    results: list[dict[str, Any]] = [{"video": e.path, "error": e.reason} for e in input_errors]
    for result in results:
        print(f"error: {result['video']}: {result['error']}", file=sys.stderr)
    with contextlib.ExitStack() as resources:
        log = None
        if args.db and videos:
            from storage import StorageError, open_log

            try:
                log = resources.enter_context(open_log(args.db, create=True))
            except StorageError as exc:
                print(f"error: --db: {exc}", file=sys.stderr)
                return 1
        return _extract_all(args, videos, results, log)


def extract_catalogue(
    videos: Sequence[Path], run: CatalogueRun, log: Log | None = None
) -> list[dict[str, Any]]:
    """Extract every video (skipping those already done), write their folders and register
    them in ``log``: the Python side of ``thumbnails extract``. Returns one result per video,
    in order: its manifest with ``output`` (and ``"skipped": True`` if it was done before),
    or ``{"video", "error"}``. Raises nothing for a bad video; `RayUnavailable` if ``ray`` is
    given and cannot be had.
    """
    from storage import StorageError

    names: set[str] = set()
    jobs = []
    for index, video in enumerate(videos):
        name = output_name(video)
        suffix = 2
        while name in names:
            name, suffix = f"{output_name(video)}-{suffix}", suffix + 1
        names.add(name)
        jobs.append(Job(index, video, name, run.top_k, run.out, run.frame_step, run.fast))
    done = _DoneWork(run, log)
    todo, outcomes = [], {}
    for job in jobs:
        outcome = done.skip(job)
        if outcome is None:
            todo.append(job)
        else:
            outcomes[job.index] = outcome
    parallel = _Catalogue(todo, run.chunk_s if run.ray or run.workers > 1 else 0)
    if run.ray is None and (run.workers == 1 or len(parallel.tasks) <= 1):
        bars = _Bars(todo, enabled=run.progress)
        for job in todo:  # one process: a bar per video, frame by frame
            outcomes[job.index] = run_job(job, bars.update)
            bars.close(job.index)
    else:
        bar = _CatalogueBar(len(todo), len(jobs) - len(todo), enabled=run.progress)
        parallel.on_result = bar.done
        try:
            if run.ray is not None:
                from thumbnails.ray_runner import run_on_ray

                address = None if run.ray == "local" else run.ray
                run_on_ray(parallel.tasks, address, parallel.take)
            else:
                _run_in_processes(parallel.tasks, run.workers, parallel.take)
        finally:
            bar.close()
        outcomes.update(parallel.results)
    results = []
    for job in jobs:
        result = outcomes[job.index]
        if "error" not in result and not result.get("skipped"):
            try:  # the driver alone writes to the log: one transaction per title
                done.record(job, result)
            except (StorageError, OSError) as exc:
                result = {"video": result["video"], "error": f"--db: {exc}"}
        results.append(result)
    return results


def _extract_all(
    args: argparse.Namespace, videos: list[Path], results: list[dict[str, Any]], log: Log | None
) -> int:
    run = CatalogueRun(
        out=args.out,
        top_k=args.top_k,
        frame_step=args.frame_step,
        workers=args.workers,
        ray=args.ray,
        chunk_s=args.chunk_seconds,
        fast=args.fast,
        force=args.force,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    try:
        extracted = extract_catalogue(videos, run, log)
    except RayUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts = {"extracted": 0, "skipped": 0, "failed": 0}
    for result in extracted:
        results.append(result)
        if "error" in result:
            counts["failed"] += 1
            print(f"error: {result['video']}: {result['error']}", file=sys.stderr)
        elif result.get("skipped"):
            counts["skipped"] += 1
            if not args.json:
                print(f"{result['video']} -> {result['output']}/ (already extracted; skipped)")
        else:
            counts["extracted"] += 1
            if not args.json:
                notes = "; ".join(result["notes"])
                print(
                    f"{result['video']} -> {result['output']}/"
                    f" ({len(result['candidates'])} candidates{'; ' + notes if notes else ''})"
                )
    if counts["skipped"]:
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        print(f"{summary} (--force extracts them again)", file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    return 1 if any("error" in r for r in results) else 0


class _DoneWork:
    """Which videos were already extracted with these settings: the log's record with --db,
    else the index in --out (`thumbnails.memo`)."""

    def __init__(self, run: CatalogueRun, log: Log | None) -> None:
        self.force = run.force
        self.log = log
        self.index = DoneIndex(run.out)
        self.settings: dict[str, object] = {
            "top_k": run.top_k,
            "frame_step": run.frame_step,
            "version": _version(),
        }
        if run.fast:  # only then: keys of full runs stay those of earlier versions
            self.settings["fast"] = True
        self.keys: dict[int, str] = {}

    def skip(self, job: Job) -> dict[str, Any] | None:
        """The skipped result for a video done before, else None (and the video runs)."""
        try:
            # The folder name too: the same film under two names is two titles, two folders.
            key = work_key(sampled_fingerprint(job.video), {**self.settings, "name": job.name})
        except OSError:
            return None  # extraction itself reports the unreadable file
        self.keys[job.index] = key
        if self.force:
            return None
        if self.log is not None:
            stored = self.log.extraction_output(key)
            # Done into another --out is not done here: this folder would stay empty.
            folder = Path(stored) if stored else None
            if folder is not None and folder.parent != job.out.resolve():
                folder = None
        else:
            name = self.index.folder(key)
            folder = job.out / name if name else None
        if folder is None or not (folder / "manifest.json").is_file():
            return None
        try:
            manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError):
            return None
        return {**manifest, "output": str(folder), "skipped": True}

    def record(self, job: Job, manifest: dict[str, Any]) -> None:
        key = self.keys.get(job.index)
        if self.log is not None:
            register_manifest(self.log, manifest, key)
        elif key is not None:
            self.index.record(key, Path(manifest["output"]).name)


class _Catalogue:
    """The work of a parallel run as tasks, and the driver's side of their outcomes: each
    video's folder is written once every task of it is in (its pieces merged first)."""

    def __init__(self, jobs: Sequence[Job], chunk_s: float) -> None:
        self.tasks: list[Task] = []
        self.results: dict[int, dict[str, Any]] = {}
        self._mergers: dict[int, SpanMerger] = {}
        self.on_result: Callable[[dict[str, Any]], None] = lambda result: None
        for job in jobs:
            plan = [(0, None)] if job.fast else _plan(job, chunk_s)
            if len(plan) == 1:
                self.tasks.append(Task(job))
                continue
            self._mergers[job.index] = SpanMerger(plan, job.top_k)
            self.tasks += [Task(job, piece) for piece in plan]

    def take(self, task: Task, outcome: EncodedOutput | Span | Failure) -> None:
        job = task.job
        if job.index in self.results:
            return  # a piece of a video that failed already
        if isinstance(outcome, Span):
            merger = self._mergers[job.index]
            merger.add(outcome)
            if not merger.complete:
                return
            del self._mergers[job.index]
            try:
                outcome = encode_output(merger.finish())
            except Exception as exc:
                outcome = _failure(job, exc)
        self._mergers.pop(job.index, None)
        result = finish_job(job, outcome)
        self.results[job.index] = result
        self.on_result(result)


def _plan(job: Job, chunk_s: float) -> list[Range]:
    try:
        return plan_pieces(job.video, chunk_s)
    except ThumbnailsError:
        return [(0, None)]  # the whole-video task reports it, as a single process would


class _CatalogueBar:
    """One bar over the catalogue: videos done, failed and skipped, and frames a second."""

    def __init__(self, total: int, skipped: int, enabled: bool) -> None:
        self._bar = tqdm(total=total, unit="video", disable=not enabled, file=sys.stderr)
        self._skipped = skipped
        self._failed = 0
        self._frames = 0
        self._started = time.monotonic()

    def done(self, result: dict[str, Any]) -> None:
        self._failed += "error" in result
        self._frames += int(result.get("frames_decoded", 0))
        elapsed = max(time.monotonic() - self._started, 1e-9)
        self._bar.set_postfix(
            failed=self._failed,
            skipped=self._skipped,
            fps=f"{self._frames / elapsed:.0f}",
            refresh=False,
        )
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


def _run_in_processes(
    tasks: Sequence[Task],
    workers: int,
    on_done: Callable[[Task, EncodedOutput | Span | Failure], None],
) -> None:
    """Run the tasks in local worker processes; ``on_done`` runs here, in the driver."""
    context = multiprocessing.get_context("spawn")  # no fork: cv2 and tqdm hold threads
    with ProcessPoolExecutor(
        max(1, min(workers, len(tasks))), mp_context=context, initializer=single_threaded_opencv
    ) as pool:
        futures = {pool.submit(run_task, task): task for task in tasks}
        for future in as_completed(futures):
            task = futures[future]
            on_done(task, _outcome(future, task.job))


def _outcome(
    future: Future[EncodedOutput | Span | Failure], job: Job
) -> EncodedOutput | Span | Failure:
    """A worker's result; a worker that died (killed, out of memory) fails its video only."""
    try:
        return future.result()
    except Exception as exc:
        return {"video": str(job.video), "error": f"the worker process failed: {exc}"}


if __name__ == "__main__":
    sys.exit(main())
