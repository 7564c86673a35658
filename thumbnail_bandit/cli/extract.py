"""``thumbnail-bandit extract`` (and the ``thumbnails extract`` command): candidate artwork
out of videos, into ``--out`` and, with ``--db``, into the log.

Exit status: 0 all went well, 1 some inputs failed, 2 usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
from pathlib import Path
from typing import Any

import storage
from thumbnail_bandit.catalogue_log import LogDoneStore
from thumbnail_bandit.cli.boundary import fail, printable
from thumbnail_bandit.cli.program import run_parsed, versioned
from thumbnail_bandit.cli.usage import UsageError
from thumbnail_bandit.progress import CatalogueBars
from thumbnails import (
    CatalogueResult,
    CatalogueRun,
    DoneStore,
    Failed,
    Runner,
    RunnerUnavailable,
    Skipped,
    extract_catalogue,
)
from thumbnails.chunks import CHUNK_S
from thumbnails.inputs import expand_inputs


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    extract = commands.add_parser(
        "extract",
        help="extract candidate artwork from videos",
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
    extract.add_argument("--top-k", type=int, default=8, help="candidates per video (default 8)")
    named = extract.add_mutually_exclusive_group()
    named.add_argument(
        "--title",
        metavar="ID",
        help="the title id of the one video given (default: its file name, made safe)",
    )
    named.add_argument(
        "--titles",
        type=Path,
        metavar="CSV",
        help="title ids for a folder of videos: a CSV with columns video,title (video paths"
        " relative to the CSV's folder); videos not in it are named after their files",
    )
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
    extract.set_defaults(run=run, log_optional=True)  # without a log: folders only


def _check(args: argparse.Namespace) -> None:
    if args.top_k < 1:
        raise UsageError("--top-k must be at least 1")
    if args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if args.frame_step is not None and args.frame_step < 1:
        raise UsageError("--frame-step must be at least 1")
    if not args.chunk_seconds >= 0:  # also refuses nan
        raise UsageError("--chunk-seconds must be 0 (never split) or more")
    if args.ray is not None and args.workers > 1:
        raise UsageError("--ray schedules the videos itself; leave out --workers")


def run(args: argparse.Namespace) -> int:
    _check(args)
    videos, input_errors = expand_inputs(args.videos)
    titles = _titles(args, videos)
    unreadable = [Failed(Path(e.path), e.reason) for e in input_errors]
    for bad in unreadable:
        _report_failure(bad)
    run_settings = CatalogueRun(
        out=args.out,
        top_k=args.top_k,
        frame_step=args.frame_step,
        workers=args.workers,
        chunk_s=args.chunk_seconds,
        fast=args.fast,
        force=args.force,
    )
    with contextlib.ExitStack() as resources:
        done: DoneStore | None = None
        if args.db and videos:
            try:
                log = resources.enter_context(storage.open_log(args.db, create=True))
            except storage.StorageError as exc:
                return fail(f"--db: {exc}")
            done = LogDoneStore(log, args.out)
        bars = CatalogueBars(len(videos), enabled=not args.quiet and sys.stderr.isatty())
        resources.callback(bars.close)
        try:
            extracted = extract_catalogue(
                videos,
                run_settings,
                titles=titles,
                done=done,
                runner=_runner(args.ray),
                progress=bars,
            )
        except RunnerUnavailable as exc:
            return fail(str(exc))
    for result in extracted:
        _report(result, as_json=args.json)
    results: list[CatalogueResult] = [*unreadable, *extracted]
    skipped = sum(isinstance(r, Skipped) for r in results)
    if skipped:
        failed = sum(isinstance(r, Failed) for r in results)
        summary = f"{len(results) - skipped - failed} extracted, {skipped} skipped, {failed} failed"
        print(f"{summary} (--force extracts them again)", file=sys.stderr)
    if args.json:
        print(json.dumps([_as_json(r) for r in results], indent=2, ensure_ascii=False))
    return 1 if any(isinstance(r, Failed) for r in results) else 0


def _titles(args: argparse.Namespace, videos: list[Path]) -> dict[Path, str]:
    """The titles named by --title or --titles, checked by the log's rule for title ids."""
    if args.title is not None:
        if len(videos) != 1:
            raise UsageError(
                f"--title names one video, and {len(videos)} were given; for several, map"
                " them with --titles FILE.csv"
            )
        return {videos[0]: _checked(args.title, "--title")}
    if args.titles is None:
        return {}
    by_path = {video.resolve(): video for video in videos}
    titles: dict[Path, str] = {}
    try:
        with args.titles.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            if not {"video", "title"} <= set(reader.fieldnames or ()):
                raise UsageError(f"--titles {args.titles}: the header must name video,title")
            for line, row in enumerate(reader, start=2):
                where = f"--titles {args.titles}, line {line}"
                video = by_path.get((args.titles.parent / (row["video"] or "")).resolve())
                title = _checked(row["title"], where)
                if title in titles.values():
                    raise UsageError(f"{where}: title {title!r} is named twice")
                if video is not None:  # the map may cover more than this run extracts
                    titles[video] = title
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsageError(f"--titles {args.titles}: cannot read it ({exc})") from exc
    return titles


def _checked(title: str | None, where: str) -> str:
    return storage.TITLE_ID.check(title, UsageError, f"{where}: the title id")


def _runner(ray: str | None) -> Runner | None:
    if ray is None:
        return None
    from thumbnail_bandit.ray_runner import RayRunner  # Ray is an extra: only when asked

    return RayRunner(ray)


def _report_failure(result: Failed) -> None:
    print(f"error: {printable(str(result.video))}: {printable(result.reason)}", file=sys.stderr)


def _report(result: CatalogueResult, *, as_json: bool) -> None:
    if isinstance(result, Failed):
        _report_failure(result)
    elif as_json:
        return
    elif isinstance(result, Skipped):
        print(f"{printable(str(result.video))} -> {result.folder}/ (already extracted; skipped)")
    else:
        notes = "; ".join(result.notes)
        print(
            f"{printable(str(result.video))} -> {result.folder}/"
            f" ({result.candidate_count} candidates{'; ' + notes if notes else ''})"
        )


def _as_json(result: CatalogueResult) -> dict[str, Any]:
    """The command's JSON document for one video: its manifest with ``output`` (and
    ``skipped``), or ``{"video", "error"}``."""
    if isinstance(result, Failed):
        return {"video": str(result.video), "error": result.reason}
    document = {**result.manifest, "output": str(result.folder)}
    if isinstance(result, Skipped):
        document["skipped"] = True
    return document


def thumbnails_main(argv: list[str] | None = None) -> int:
    """The ``thumbnails`` command: ``thumbnails extract ...``, as ``thumbnail-bandit extract``."""
    parser = argparse.ArgumentParser(
        prog="thumbnails", description="Pull ranked, diverse candidate artwork out of videos."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add_parser(commands)
    versioned(parser)
    versioned(commands.choices["extract"])
    return run_parsed(parser, sys.argv[1:] if argv is None else argv)
