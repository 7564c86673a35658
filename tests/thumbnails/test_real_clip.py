"""Big Buck Bunny: a real H.264 clip, one shot (see examples/media/README.md)."""

from __future__ import annotations

import itertools
from pathlib import Path

from tests.thumbnails.conftest import BIG_BUCK_BUNNY
from thumbnails import analyse_video, extract


def test_real_clip_yields_distinct_sharp_candidates(tmp_path: Path) -> None:
    result = analyse_video(BIG_BUCK_BUNNY, top_k=5)
    assert result.frames_decoded == 132
    assert (result.info.width, result.info.height, result.info.fps) == (1280, 720, 25.0)
    assert result.shots == [(0, 132)]
    assert 2 <= len(result.candidates) <= 5
    for c in result.candidates:
        assert c.crop == (0, 0, 1280, 720)
        assert c.features["sharpness"] > 0.5
        assert abs(c.timestamp_s - c.frame_index / 25) < 1 / 25
    frames = sorted(c.frame_index for c in result.candidates)
    assert min(b - a for a, b in itertools.pairwise(frames)) >= 10  # not neighbours


def test_extract_with_out_returns_candidates_with_their_images(tmp_path: Path) -> None:
    candidates = extract(BIG_BUCK_BUNNY, top_k=2, out=tmp_path)
    assert len(candidates) == 2
    for c in candidates:
        assert c.image is not None and c.image.is_file()
        assert c.image.parent == tmp_path / "bigbuckbunny"
