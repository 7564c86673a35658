"""Every command, with bad arguments, fails with one line on stderr and no traceback; no
password planted in a URL is ever printed. Run as a user would: the installed console
scripts in a subprocess."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from storage import NewArtwork, open_log
from tests.bandit.replay.learning_log import write_learning_log
from tests.storage.helpers import decision, scribble_over_pages
from tests.thumbnails.conftest import BIG_BUCK_BUNNY

pytestmark = pytest.mark.slow  # seconds, not milliseconds: `pytest -m "not slow"` skips it

BIN = Path(sys.executable).parent
SECRET = "S3cretPW"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with an empty log, a CSV that is not UTF-8, and an image that is not one."""
    work = tmp_path_factory.mktemp("cli")
    subprocess.run([BIN / "thumbnail-bandit", "create", "--db", "log.sqlite"], cwd=work, check=True)
    (work / "latin1.csv").write_bytes(
        "action,propensity,reward,segment\na,0.5,1,caf\xe9\n".encode("latin-1")
    )
    (work / "fake.jpg").write_text("not a picture")
    damaged = work / "damaged.sqlite"
    with open_log(damaged, create=True) as log:
        ids = [a.id for a in log.register("t1", [NewArtwork("a.jpg"), NewArtwork("b.jpg")])]
        log.record_decisions([decision(f"e{i}", ids) for i in range(500)])
    scribble_over_pages(damaged)
    with open_log(work / "learned.sqlite", create=True) as log:
        write_learning_log(log, seed=1, n=600, learn_every=300)
    return work


#: (what, the command as a user types it); {clip} is a real video, {secret} a planted password.
BAD_COMMANDS: list[tuple[str, str]] = [
    ("learn on a typo", "thumbnail-bandit learn --db typo.sqlite"),
    ("learn on a non-URL", "thumbnail-bandit learn --db 'not a url at all'"),
    ("learn on mysql", "thumbnail-bandit learn --db mysql://x"),
    ("password, broken URL", "thumbnail-bandit learn --db 'postgresql ://al:{secret}@h/db'"),
    ("password, no server", "thumbnail-bandit learn --db postgresql://al:{secret}@127.0.0.1:1/d"),
    ("learn --every -1", "thumbnail-bandit learn --db log.sqlite --every -1"),
    ("learn bad setting", "thumbnail-bandit learn --db log.sqlite --set epsilon=7"),
    ("learn extra_args", "thumbnail-bandit learn --db log.sqlite --set extra_args=--daemon"),
    ("learn no settings file", "thumbnail-bandit learn --db log.sqlite --settings none.toml"),
    ("replay no checkpoint", "thumbnail-bandit replay --db log.sqlite --target checkpoint:99"),
    ("replay an empty log", "thumbnail-bandit replay --db log.sqlite --target uniform"),
    ("replay typo", "thumbnail-bandit replay --db typo.sqlite --target uniform"),
    (
        "replay --since, --log",
        "thumbnail-bandit replay --log x.csv --target uniform --since 2026-01-01",
    ),
    ("replay Latin-1 CSV", "thumbnail-bandit replay --log latin1.csv --target uniform"),
    (
        "replay --out /proc",
        "python -m thumbnail_bandit replay --db log.sqlite --target uniform --out /proc/x",
    ),
    ("replay unknown target", "thumbnail-bandit replay --db log.sqlite --target nonsense"),
    ("titles show unknown", "thumbnail-bandit titles show nope --db log.sqlite"),
    ("add-art on a video", "thumbnail-bandit titles add-art --title t --db log.sqlite {clip}"),
    (
        "a PostgreSQL database that does not exist",
        "thumbnail-bandit learn --db postgresql://postgres@127.0.0.1:5432/tb_nowhere",
    ),
    (
        "learn with another policy's setting",
        "thumbnail-bandit learn --db log.sqlite --set exploration=squarecb",
    ),
    ("titles retire unknown", "thumbnail-bandit titles retire 12345 --db log.sqlite"),
    ("add-art not an image", "thumbnail-bandit titles add-art --title t --db log.sqlite fake.jpg"),
    ("mark-bad unknown", "thumbnail-bandit checkpoints mark-bad 3 --db log.sqlite"),
    ("extract to mysql", "thumbnails extract {clip} --out out --db mysql://x"),
    (
        "extract, password",
        "thumbnail-bandit extract {clip} --out out --db 'postgresql ://b:{secret}@h/d'",
    ),
    ("python -m thumbnail_bandit", "python -m thumbnail_bandit learn --db typo.sqlite"),
    ("learn a damaged log", "thumbnail-bandit learn --db damaged.sqlite"),
    ("replay a damaged log", "thumbnail-bandit replay --db damaged.sqlite --target uniform"),
    ("titles of a damaged log", "thumbnail-bandit titles list --db damaged.sqlite"),
    ("serve a typo", "thumbnail-bandit serve --db typo.sqlite"),
    ("serve, password", "thumbnail-bandit serve --db postgresql://al:{secret}@127.0.0.1:1/d"),
    ("serve --workers 0", "thumbnail-bandit serve --db log.sqlite --workers 0"),
    ("serve --port 70000", "thumbnail-bandit serve --db log.sqlite --port 70000"),
    ("serve --rate 0", "thumbnail-bandit serve --db log.sqlite --rate 0"),
    ("serve on a foreign address", "thumbnail-bandit serve --db log.sqlite --host 192.0.2.1"),
    ("keys on a typo", "thumbnail-bandit keys list --db typo.sqlite"),
    ("keys bad name", "thumbnail-bandit keys create --db log.sqlite --name 'a b' --scope rank"),
    ("keys revoke unknown", "thumbnail-bandit keys revoke --db log.sqlite --name nobody"),
    ("mode of an unknown title", "thumbnail-bandit titles mode nope online --db log.sqlite"),
    ("an unknown decision", "thumbnail-bandit decision nope --db log.sqlite"),
    ("ray, nobody there", "thumbnails extract {clip} --out out --ray 127.0.0.1:1"),
    ("ray client, nobody there", "thumbnails extract {clip} --out out --ray ray://127.0.0.1:1"),
    ("ray, not an address", "thumbnails extract {clip} --out out --ray nonsense"),
]


#: Arguments out of range or that do not fit together: usage errors, exit status 2.
USAGE_ERRORS = {
    "learn --every -1",
    "replay --since, --log",
    "serve --workers 0",
    "serve --port 70000",
    "serve --rate 0",
}


@pytest.mark.parametrize(("what", "line"), BAD_COMMANDS, ids=[w for w, _ in BAD_COMMANDS])
def test_a_bad_command_is_one_line_without_a_traceback(what: str, line: str, workdir: Path) -> None:
    command = shlex.split(line.format(clip=BIG_BUCK_BUNNY, secret=SECRET))
    program = [sys.executable] if command[0] == "python" else [str(BIN / command[0])]
    result = subprocess.run(
        [*program, *command[1:]],
        cwd=workdir,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=120,
    )
    assert result.returncode == (2 if what in USAGE_ERRORS else 1), (what, result.stderr)
    assert result.stdout == ""  # nothing half-done on stdout either
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), (what, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    assert SECRET not in result.stderr + result.stdout
    assert not (workdir / "typo.sqlite").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["thumbnail-bandit", "learn"],
        ["thumbnail-bandit", "replay", "--db", "log.sqlite"],
        ["thumbnail-bandit", "nosuchcommand"],
        ["thumbnail-bandit", "replay", "--db", "log.sqlite", "--target", "uniform", "--clip", "-1"],
        ["thumbnails", "extract", "x.mp4", "--out", "o", "--top-k", "0"],
        [
            "thumbnail-bandit",
            "keys",
            "create",
            "--db",
            "log.sqlite",
            "--name",
            "x",
            "--scope",
            "root",
        ],
        ["thumbnail-bandit", "titles", "mode", "t", "sometimes", "--db", "log.sqlite"],
        ["thumbnails", "extract", "x.mp4", "--out", "o", "--ray", "--workers", "2"],
    ],
)
def test_usage_errors_exit_2_without_a_traceback(command: list[str], workdir: Path) -> None:
    result = subprocess.run(
        [str(BIN / command[0]), *command[1:]], cwd=workdir, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(("usage:", command[0], "error:"))


def test_version_everywhere(workdir: Path) -> None:
    for command in (
        ["thumbnail-bandit", "--version"],
        ["thumbnail-bandit", "learn", "--version"],
        ["thumbnail-bandit", "extract", "--version"],
        ["thumbnails", "--version"],
    ):
        result = subprocess.run(
            [str(BIN / command[0]), *command[1:]], cwd=workdir, capture_output=True, text=True
        )
        assert result.returncode == 0 and result.stdout.strip().endswith("0.1.0"), command


def _cli(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "thumbnail-bandit"), *args], cwd=workdir, capture_output=True, text=True
    )


def test_keys_print_their_token_once_and_list_without_it(tmp_path: Path) -> None:
    assert _cli(tmp_path, "create", "--db", "log.sqlite").returncode == 0
    created = _cli(
        tmp_path, "keys", "create", "--db", "log.sqlite", "--name", "tv", "--scope", "rank"
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()  # stdout is the token alone, for scripts
    assert token.startswith("tbk_") and "shown this once" in created.stderr
    listing = _cli(tmp_path, "keys", "list", "--db", "log.sqlite", "--json")
    assert json.loads(listing.stdout)[0]["name"] == "tv" and token not in listing.stdout
    assert _cli(tmp_path, "keys", "revoke", "--db", "log.sqlite", "--name", "tv").returncode == 0
    with open_log(tmp_path / "log.sqlite") as log:
        assert log.verify_key(token) is None


def test_changing_the_policy_of_a_learned_log_needs_restart_from_scratch(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from bandit import ArtworkChooser
    from storage import NewArtwork, open_log

    with open_log(tmp_path / "log.sqlite", create=True) as log:
        log.register("t", [NewArtwork("a.jpg"), NewArtwork("b.jpg")])
        past = datetime.now(UTC) - timedelta(days=1)
        chooser = ArtworkChooser(log, clock=lambda: past)
        for i in range(20):
            chooser.choose("t", {"segment": "a"}, event_id=f"e{i}")
        chooser.close()
    assert _cli(tmp_path, "learn", "--db", "log.sqlite").returncode == 0
    refused = _cli(tmp_path, "learn", "--db", "log.sqlite", "--policy", "thompson")
    assert refused.returncode == 1 and "--restart-from-scratch" in refused.stderr
    same = _cli(tmp_path, "learn", "--db", "log.sqlite", "--set", "floor_share=0.02")
    assert same.returncode == 0, same.stderr  # the settings the log already has
    settings = tmp_path / "thompson.toml"
    settings.write_text('policy = "thompson"\n[params]\ndraws = 500\n')
    restarted = _cli(
        tmp_path,
        "learn",
        "--db",
        "log.sqlite",
        "--settings",
        str(settings),
        "--restart-from-scratch",
    )
    assert restarted.returncode == 0, restarted.stderr
    assert "learned 20" in restarted.stdout  # the whole log, from the start
    with open_log(tmp_path / "log.sqlite") as log:
        head = log.head_checkpoint()
        assert head is not None and head.policy == "thompson" and head.last_seq == 20
    listing = _cli(tmp_path, "checkpoints", "list", "--db", "log.sqlite")
    assert listing.stdout.split("\n")[0].startswith("2\t")


def test_a_checkpoint_from_before_a_parameter_existed_keeps_its_settings() -> None:
    """A checkpoint written before ``floor`` and ``mellowness`` existed stores no value for
    them; it holds the same policy as settings that leave them at their defaults."""
    import json

    from thumbnail_bandit.cli.settings import PolicySettings, same_policy

    old = {"exploration": "epsilon", "epsilon": 0.05, "interactions": ["ua", "ui"]}
    args = json.dumps({"params": old})
    assert same_policy(PolicySettings("vw", {"exploration": "epsilon"}), "vw", args)
    assert not same_policy(PolicySettings("vw", {"exploration": "squarecb"}), "vw", args)
    assert not same_policy(PolicySettings("vw", {}), "thompson", args)
    assert not same_policy(PolicySettings("vw", {}), "vw", '{"params": {"epsilon": 7}}')


def test_still_images_are_registered_by_their_content(tmp_path: Path) -> None:
    import shutil

    import cv2
    import skimage.data

    first = tmp_path / "key_art.png"
    astronaut = skimage.data.astronaut()  # type: ignore[no-untyped-call]
    cv2.imwrite(str(first), astronaut[:, :, ::-1])
    copy = tmp_path / "copied" / "same_picture.png"
    copy.parent.mkdir()
    shutil.copy(first, copy)
    added = _cli(
        tmp_path, "titles", "add-art", "--title", "film", "--db", "new.sqlite", "--json", str(first)
    )
    assert added.returncode == 0, added.stderr
    [row] = json.loads(added.stdout)
    again = _cli(
        tmp_path, "titles", "add-art", "--title", "film", "--db", "new.sqlite", "--json", str(copy)
    )
    assert json.loads(again.stdout)[0]["id"] == row["id"]  # the same artwork, moved
    shown = json.loads(
        _cli(tmp_path, "titles", "show", "film", "--db", "new.sqlite", "--json").stdout
    )
    assert len(shown) == 1 and shown[0]["image"] == str(copy.resolve())
    assert shown[0]["features"]["face_count"] >= 1
    assert _cli(tmp_path, "titles", "retire", str(row["id"]), "--db", "new.sqlite").returncode == 0
    listing = _cli(tmp_path, "titles", "list", "--db", "new.sqlite").stdout
    assert listing.strip() == "film\t0 active of 1\tonline"
