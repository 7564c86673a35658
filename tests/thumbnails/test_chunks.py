"""A long film in pieces: split at keyframes, analysed apart, merged into the result of one
pass (shots exactly; candidates exactly unless the documented shortlist rule applies)."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import av
import pytest

import thumbnails.chunks
import thumbnails.pipeline
from tests.thumbnails.encoded import film_shots, write_film
from tests.thumbnails.synthetic import StoryVideo, make_long_video
from thumbnails import CatalogueRun, Extracted, Extraction, analyse_video, extract_catalogue
from thumbnails.chunks import SpanMerger, plan_pieces
from thumbnails.pipeline import analyse_span

THUMBNAILS = Path(sys.executable).parent / "thumbnails"
#: Piece lengths in seconds: boundaries land in shots, in the fade, the flash and the black.
PIECES_S = [5.0, 7.0, 10.0, 13.0]


@pytest.fixture(scope="module")
def film(tmp_path_factory: pytest.TempPathFactory) -> StoryVideo:
    return make_long_video(tmp_path_factory.mktemp("film") / "film.mp4")


def _in_pieces(path: Path, chunk_s: float, top_k: int, backwards: bool = False) -> Extraction:
    plan = plan_pieces(path, chunk_s)
    merger = SpanMerger(plan, top_k)
    for start, stop in reversed(plan) if backwards else plan:
        merger.add(analyse_span(path, top_k, start=start, stop=stop))
    return merger.finish()


def _shot_changes(film: StoryVideo) -> list[int]:
    shots = [s for s in film.segments if s.label.startswith("S")]
    return [b.start for a, b in itertools.pairwise(shots) if a.label != b.label]


def _ranked(extraction: Extraction) -> list[tuple[int, float]]:
    return [(c.frame_index, round(c.score, 9)) for c in extraction.candidates]


def test_pieces_start_at_keyframes_and_cover_the_film(film: StoryVideo) -> None:
    for chunk_s in PIECES_S:
        plan = plan_pieces(film.path, chunk_s)
        assert len(plan) == round(film.frame_count / 25 / chunk_s)
        assert plan[0][0] == 0 and plan[-1][1] is None
        for (_, stop), (start, _) in itertools.pairwise(plan):
            assert stop == start  # no gap, no overlap
    with av.open(str(film.path)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or 25)
        base = stream.time_base
        assert base is not None
        keyframes = {
            round(float(p.pts * base) * rate)
            for p in container.demux(stream)
            if p.is_keyframe and p.pts is not None
        }
    assert {start for start, _ in plan_pieces(film.path, 7.0)} <= keyframes


def test_short_films_and_a_zero_length_are_not_split(film: StoryVideo) -> None:
    assert plan_pieces(film.path, 40.0) == [(0, None)]  # shorter than two pieces
    assert plan_pieces(film.path, 0) == [(0, None)]


@pytest.mark.parametrize("chunk_s", PIECES_S)
def test_with_room_for_every_window_pieces_give_exactly_one_pass(
    film: StoryVideo, chunk_s: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a shortlist that evicts nothing, the boundary rule never applies: the same shots,
    the same candidates in the same order with the same scores, the same rejections."""
    roomy = lambda top_k, frame_bytes: 1000  # noqa: E731
    monkeypatch.setattr(thumbnails.pipeline, "shortlist_capacity", roomy)
    monkeypatch.setattr(thumbnails.chunks, "shortlist_capacity", roomy)
    whole = analyse_video(film.path, 6)
    pieces = _in_pieces(film.path, chunk_s, 6, backwards=True)  # arrival order does not matter
    assert pieces.shots == whole.shots
    starts = [start for start, _ in whole.shots]
    for cut in _shot_changes(film):  # and they are the film's: every cut between two shots
        assert min(abs(start - cut) for start in starts) <= 2, (cut, starts)
    assert _ranked(pieces) == _ranked(whole)
    assert pieces.rejected == whole.rejected
    assert (pieces.frames_decoded, pieces.duration_s) == (whole.frames_decoded, whole.duration_s)
    assert [c.crop for c in pieces.candidates] == [c.crop for c in whole.candidates]


@pytest.mark.parametrize("chunk_s", PIECES_S)
def test_with_the_default_shortlist_shots_match_and_candidates_nearly(
    film: StoryVideo, chunk_s: float
) -> None:
    """The boundary rule: each piece bounds its own shortlist, so once a film has more good
    windows than the shortlist holds, one weak candidate may differ. Shots never do."""
    whole = analyse_video(film.path, 6)
    pieces = _in_pieces(film.path, chunk_s, 6)
    assert pieces.shots == whole.shots
    same = {c.frame_index for c in pieces.candidates} & {c.frame_index for c in whole.candidates}
    assert len(same) >= len(whole.candidates) - 1
    assert pieces.candidates[0].frame_index == whole.candidates[0].frame_index


def test_the_catalogue_splits_a_long_film_across_workers(film: StoryVideo, tmp_path: Path) -> None:
    out = tmp_path / "out"
    [result] = extract_catalogue(
        [film.path], CatalogueRun(out=out, top_k=6, workers=2, chunk_s=10.0)
    )
    assert isinstance(result, Extracted), result
    expected = _in_pieces(film.path, 10.0, 6)
    assert [c["frame_index"] for c in result.manifest["candidates"]] == [
        c.frame_index for c in expected.candidates
    ]
    manifest = json.loads((out / "film" / "manifest.json").read_text())
    assert manifest["shots"] == [list(s) for s in expected.shots]


@pytest.mark.slow
def test_ray_splits_a_long_film_as_local_workers_do(film: StoryVideo, tmp_path: Path) -> None:
    runs = {}
    for how, flags in (("workers", ["--workers", "2"]), ("ray", ["--ray"])):
        command = [str(THUMBNAILS), "extract", str(film.path), "--out", str(tmp_path / how)]
        done = subprocess.run(
            [*command, "--quiet", "--chunk-seconds", "10", *flags, "--top-k", "6"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        runs[how] = tmp_path / how / "film"
    for file in sorted(runs["workers"].iterdir()):
        assert (runs["ray"] / file.name).read_bytes() == file.read_bytes(), file


@pytest.mark.parametrize("value", ["-1", "nan", "soon"])
def test_a_bad_chunk_length_is_a_usage_error(value: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [THUMBNAILS, "extract", "x.mp4", "--out", str(tmp_path), "--chunk-seconds", value],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "--chunk-seconds" in done.stderr and "Traceback" not in done.stderr


def test_a_truncated_film_in_pieces_ends_where_one_pass_ends(tmp_path: Path) -> None:
    """The header claims 60 s, the bytes hold about 35: later pieces decode nothing, and the
    merge still ends the film, its last shot and its note where the stream really ends."""
    source = write_film(
        tmp_path / "whole.mp4", film_shots(60, seed=4), width=320, height=180, faststart=True
    )
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(source.read_bytes()[: int(source.stat().st_size * 0.6)])
    whole = analyse_video(cut, 6)
    assert any("truncated?" in note for note in whole.notes)
    pieces = _in_pieces(cut, 10.0, 6)
    assert (pieces.frames_decoded, pieces.shots, pieces.notes) == (
        whole.frames_decoded,
        whole.shots,
        whole.notes,
    )
    assert _ranked(pieces) == _ranked(whole)
