"""Titles you name: ``extract --title`` for one video, ``--titles`` a CSV map for a folder,
and the titles listed, with their artwork counts, by ``titles list`` and ``GET /v1/titles``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import storage
from tests.thumbnails.synthetic import StoryVideo
from thumbnail_bandit.cli.extract import thumbnails_main
from thumbnail_bandit.cli.main import main as cli_main
from thumbnail_bandit.service import ServiceSettings, create_app


def _status(argv: list[str]) -> int:
    try:
        return cli_main(argv)
    except SystemExit as exit_info:  # argparse's own usage errors
        return int(exit_info.code or 0)


def test_one_video_under_the_title_id_you_give(
    story: StoryVideo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, out = tmp_path / "log.sqlite", tmp_path / "out"
    copy = tmp_path / "stock two (copy).mp4"
    shutil.copy(story.path, copy)
    argv = ["extract", str(copy), "--title", "Stock Two", "--top-k", "2", "--out", str(out)]
    assert cli_main([*argv, "--db", str(db), "--quiet"]) == 0
    with storage.open_log(db) as log:
        assert log.titles() == ["Stock Two"]  # not stock_two_copy
        assert all("Stock_Two" in a.image_path for a in log.artworks("Stock Two"))
    assert cli_main(["titles", "list", "--db", str(db)]) == 0
    assert "Stock Two\t2 active of 2\tonline" in capsys.readouterr().out


def test_a_folder_mapped_by_a_csv(story: StoryVideo, tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    folder.mkdir()
    for name in ("a.mp4", "b.mp4", "c.mp4"):
        shutil.copy(story.path, folder / name)
    mapping = folder / "titles.csv"
    mapping.write_text("video,title\na.mp4,tt0001\nb.mp4,tt0002\nmissing.mp4,tt0009\n")
    db = tmp_path / "log.sqlite"
    argv = ["extract", str(folder / "a.mp4"), str(folder / "b.mp4"), str(folder / "c.mp4")]
    argv += ["--titles", str(mapping), "--top-k", "1", "--out", str(tmp_path / "out")]
    assert thumbnails_main([*argv, "--db", str(db), "--quiet"]) == 0
    with storage.open_log(db) as log:
        assert log.titles() == ["c", "tt0001", "tt0002"]  # c is not in the map: its file name


@pytest.mark.parametrize(
    ("extra", "mapping"),
    [
        (["--title", "two videos"], None),
        (["--title", "bad\nid"], None),
        (["--title", "x" * 201], None),
        (["--titles", "MAP"], "video,title\na.mp4,same\nb.mp4,same\n"),
        (["--titles", "MAP"], "file,name\na.mp4,x\n"),
        (["--titles", "MAP"], "video,title\na.mp4,\n"),
        (["--title", "t", "--titles", "MAP"], "video,title\n"),
    ],
)
def test_bad_titles_are_usage_errors(
    extra: list[str], mapping: str | None, story: StoryVideo, tmp_path: Path
) -> None:
    videos = [tmp_path / "a.mp4", tmp_path / "b.mp4"]
    for video in videos:
        shutil.copy(story.path, video)
    if mapping is not None:
        (tmp_path / "map.csv").write_text(mapping)
    extra = [str(tmp_path / "map.csv") if e == "MAP" else e for e in extra]
    argv = ["extract", *map(str, videos), *extra, "--out", str(tmp_path / "out")]
    assert _status(argv) == 2
    assert not (tmp_path / "out").exists()


def test_the_service_lists_titles_a_page_at_a_time(tmp_path: Path) -> None:
    db = str(tmp_path / "log.sqlite")
    with storage.open_log(db, create=True) as log:
        for i in range(5):
            art = log.register(f"t{i}", [storage.NewArtwork(f"/a/{i}-{j}.jpg") for j in range(3)])
        log.set_artwork_status([art[0].id], "retired")
        _, token = log.create_key("site", ["rank"])
    with TestClient(create_app(ServiceSettings(db=db))) as client:
        headers = {"Authorization": f"Bearer {token}"}
        first = client.get("/v1/titles", params={"limit": 2}, headers=headers).json()
        assert [t["title_id"] for t in first["titles"]] == ["t0", "t1"]
        assert first["titles"][0] == {
            "title_id": "t0",
            "name": "t0",
            "mode": "online",
            "artworks": 3,
            "active": 3,
        }
        seen, after = [], None
        while True:
            params: dict[str, str | int] = {"limit": 2, **({"after": after} if after else {})}
            page = client.get("/v1/titles", params=params, headers=headers).json()
            seen += page["titles"]
            if page["next"] is None:
                break
            after = page["next"]
        assert [t["title_id"] for t in seen] == [f"t{i}" for i in range(5)]
        assert seen[4]["active"] == 2
        assert client.get("/v1/titles").status_code == 401
        assert client.get("/v1/titles", params={"limit": 0}, headers=headers).status_code == 422
