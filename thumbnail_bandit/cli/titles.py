"""``thumbnail-bandit titles ...``: the titles and artworks the log serves."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import storage
from thumbnail_bandit.cli.usage import CommandFailed
from thumbnails import describe_image


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    titles = commands.add_parser("titles", help="list titles and artworks; retire, restore, add")
    actions = titles.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="every title with its artwork counts")
    show = actions.add_parser("show", help="one title's artworks with their features")
    show.add_argument("title")
    retire = actions.add_parser("retire", help="stop serving artworks (their history stays)")
    restore = actions.add_parser("restore", help="serve retired artworks again")
    for parser in (retire, restore):
        parser.add_argument("artwork_ids", nargs="+", type=int, metavar="ARTWORK_ID")
    add_art = actions.add_parser(
        "add-art",
        help="register still images (key art) under a title",
        description="Compute the same features as for video frames and register the images"
        " under TITLE, created if new. An image is identified by its content: the same picture"
        " from another path updates its artwork.",
    )
    add_art.add_argument("--title", required=True)
    add_art.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    mode = actions.add_parser(
        "mode",
        help="serve a title online (the policy chooses) or in apprentice mode",
        description="apprentice: serve the baseline artwork and log it, with the policy's own"
        " pmf beside it; the policy learns from the baseline's rewards. online: the policy"
        " chooses.",
    )
    mode.add_argument("title")
    mode.add_argument("mode", choices=["online", "apprentice"])
    mode.add_argument("--baseline", type=int, metavar="ARTWORK_ID", help="the editorial default")
    for parser in (listing, show, retire, restore, add_art, mode):
        parser.add_argument("--db", help="the log (SQLite path or URL, PostgreSQL)")
        parser.add_argument("--json", action="store_true", help="JSON on stdout")
    titles.set_defaults(run=run_titles)


def run_titles(args: argparse.Namespace) -> int:
    if args.action == "add-art":
        return _add_art(args)
    with storage.open_log(args.db) as log:
        if args.action == "list":
            rows: list[dict[str, object]] = []
            after = None
            while page := log.title_page(after, limit=1000):
                rows += [dataclasses.asdict(t) for t in page]
                after = page[-1].title_id
            if not rows and not args.json:
                print(
                    "no titles yet: `thumbnail-bandit extract --db` registers them", file=sys.stderr
                )
            _print(
                args,
                rows,
                lambda r: f"{r['title_id']}\t{r['active']} active of {r['artworks']}\t{r['mode']}",
            )
        elif args.action == "show":
            rows = [
                {"id": a.id, "status": a.status, "image": a.image_path, "features": a.features}
                for a in log.artworks(args.title, active_only=False)
            ]
            _print(args, rows, lambda r: f"{r['id']}\t{r['status']}\t{r['image']}")
        elif args.action == "mode":
            served = log.set_title_mode(args.title, args.mode, args.baseline)
            baseline = served.baseline_artwork_id
            print(f"{served.title_id}: {served.mode} (baseline artwork: {baseline or 'none'})")
        else:
            status = "retired" if args.action == "retire" else "active"
            found = log.set_artwork_status(args.artwork_ids, status)
            if found < len(set(args.artwork_ids)):
                known = {a for t in log.titles() for a in _ids(log, t)}
                missing = sorted(set(args.artwork_ids) - known)
                raise CommandFailed(f"no artwork with id(s) {missing}; nothing was changed")
            print(f"{status}: {' '.join(map(str, args.artwork_ids))}")
    return 0


def _ids(log: storage.Log, title: str) -> set[int]:
    return {a.id for a in log.artworks(title, active_only=False)}


def _add_art(args: argparse.Namespace) -> int:
    stills = [describe_image(path) for path in args.images]  # all readable, or nothing written
    with storage.open_log(args.db, create=True) as log:
        registered = log.register(
            args.title,
            [
                storage.NewArtwork(
                    image_path=str(s.path.resolve()),
                    features=s.features,
                    content_sha256=s.content_sha256,
                )
                for s in stills
            ],
        )
    rows = [
        {"id": a.id, "image": a.image_path, "score": round(s.score, 4)}
        for a, s in zip(registered, stills, strict=True)
    ]
    _print(args, rows, lambda r: f"{r['id']}\t{r['score']}\t{r['image']}")
    return 0


def _print(args: argparse.Namespace, rows: list[dict[str, object]], line: object) -> None:
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        print(line(row))  # type: ignore[operator]
