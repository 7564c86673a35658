"""CSV logs from other systems, target tables, and the replay command."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bandit.replay import (
    BadLog,
    BadTarget,
    StaticTable,
    UniformTarget,
    load_csv_log,
    parse_target,
    run_replay,
)
from thumbnail_bandit.cli.main import main as cli_main


def main(argv: list[str]) -> int:
    """``thumbnail-bandit replay ...``, in this process."""
    return cli_main(["replay", *argv])


HEADER = "event_id,timestamp,segment,action,propensity,reward,candidates,device"
GOOD = [
    "e1,2026-01-01T00:00:00,kids,a,0.5,1,a;b,tv",
    "e2,2026-01-01T00:01:00,kids,b,0.5,0,a;b,tv",
    "e3,2026-01-01T00:02:00,adults,a,0.5,0,a;b,web",
    "e4,2026-01-01T00:03:00,adults,b,0.5,1,a;b,web",
]


def _csv(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "log.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_a_good_log_loads_with_contexts_and_candidates(tmp_path: Path) -> None:
    data = load_csv_log(_csv(tmp_path, GOOD))
    assert data.n == 4 and data.actions == ("a", "b")
    assert data.contexts is not None and data.contexts[0] == {"segment": "kids", "device": "tv"}
    assert data.timestamp is not None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("e5,,kids,a,0,1,a;b,tv", "propensity 0 is not in (0, 1]"),
        ("e5,,kids,a,,1,a;b,tv", "propensity is empty"),
        ("e5,,kids,a,1.5,1,a;b,tv", "propensity 1.5 is not in (0, 1]"),
        ("e5,,kids,a,0.5,2,a;b,tv", "reward 2 is not in [0, 1]"),
        ("e5,,kids,a,0.5,-1,a;b,tv", "reward -1 is not in [0, 1]"),
        ("e5,,kids,c,0.5,1,a;b,tv", "action 'c' is not in"),
        ("e5,,kids,a,0.5,yes,a;b,tv", "reward 'yes' is not a number"),
        ("e5,yesterday,kids,a,0.5,1,a;b,tv", "not ISO 8601"),
    ],
)
def test_bad_rows_name_their_line(tmp_path: Path, row: str, message: str) -> None:
    path = _csv(tmp_path, [*GOOD, row])
    with pytest.raises(BadLog) as error:
        load_csv_log(path)
    assert f"log.csv:6: {message}" in str(error.value) or (
        "log.csv:6: " in str(error.value) and message in str(error.value)
    )


def test_skip_bad_rows_counts_and_lists_them_by_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = ["x1,,kids,a,0,1,a;b,tv", "x2,,kids,a,0,1,a;b,tv", "x3,,kids,a,0.5,7,a;b,tv"]
    data = load_csv_log(_csv(tmp_path, [*GOOD, *bad]), skip_bad_rows=True)
    assert data.n == 4
    assert data.skipped == {
        "propensity outside (0, 1] (first at line 6)": 2,
        "reward outside [0, 1] (first at line 8)": 1,
    }
    code = main(["--log", str(tmp_path / "log.csv"), "--target", "uniform", "--skip-bad-rows"])
    assert code == 0
    assert "skipped 2 bad row(s): propensity outside (0, 1]" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [
        ("segment,action,propensty,reward", ["s,a,0.5,1"], "'propensity' .is 'propensty' it\\?."),
        ("segment,act,propensity,reward", ["s,a,0.5,1"], "missing required column"),
        (HEADER, [], "no usable rows"),
    ],
)
def test_missing_misnamed_columns_and_empty_logs(
    tmp_path: Path, header: str, rows: list[str], message: str
) -> None:
    with pytest.raises(BadLog, match=message):
        load_csv_log(_csv(tmp_path, rows, header))


def test_target_tables(tmp_path: Path) -> None:
    good = tmp_path / "t.csv"
    good.write_text("segment,action,probability\nkids,a,0.9\nkids,b,0.1\n*,b,1\n")
    data = load_csv_log(_csv(tmp_path, GOOD))
    pi = StaticTable.from_csv(good).pmf(data)
    rows, actions = np.repeat([0, 2], 2), np.tile([0, 1], 2)
    assert pi.probability(rows, actions).tolist() == [0.9, 0.1, 0.0, 1.0]  # adults: the default
    bad = tmp_path / "bad.csv"
    bad.write_text("segment,action,probability\nkids,a,0.5\nkids,b,0.4\n")
    with pytest.raises(BadTarget, match=r"'kids' sum to 0\.9, not 1"):
        StaticTable.from_csv(bad)
    nodefault = tmp_path / "nodefault.csv"
    nodefault.write_text("segment,action,probability\nkids,a,1\n")
    with pytest.raises(BadTarget, match="no probabilities for segment 'adults'"):
        StaticTable.from_csv(nodefault).pmf(data)


def test_cli_json_lines_and_html_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _csv(tmp_path, GOOD)
    table = tmp_path / "t.csv"
    table.write_text("segment,action,probability\n*,a,0.5\n*,b,0.5\n")
    out = tmp_path / "report"
    args = ["--log", str(log), "--target", str(table), "--target", "greedy", "--by", "segment"]
    assert main([*args, "--json", "--out", str(out)]) == 0
    *lines, last = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert last == {"report": str(out / "replay.html")}
    assert {"target", "estimator", "estimate", "ci_low", "ci_high", "n", "ess"} <= set(lines[0])
    assert {line["segment"] for line in lines} == {None, "kids", "adults"}
    assert (out / "replay.html").is_file() and (out / "cumulative.png").is_file()
    html = (out / "replay.html").read_text()
    assert all(
        f'src="{png}"' in html for png in ("estimates.png", "segments.png", "cumulative.png")
    )


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _csv(tmp_path, GOOD)
    assert main(["--log", str(tmp_path / "missing.csv"), "--target", "uniform"]) == 1
    assert main(["--log", str(log), "--target", "nonsense"]) == 1
    assert main(["--log", str(log), "--target", "checkpoint:latest"]) == 1
    assert main(["--log", str(log), "--target", "vw:exploration=wild"]) == 1
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 4 and all(e.startswith("error: ") for e in errors)
    # No log named anywhere (no --db, --log, THUMBNAIL_BANDIT_DB or configuration): usage.
    assert main(["--target", "uniform"]) == 2


@settings(max_examples=150, deadline=None)
@given(
    body=st.binary(max_size=400)
    | st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass"))
    | st.lists(
        st.tuples(st.text(max_size=8), st.text(max_size=8), st.text(max_size=8)), max_size=8
    ).map(
        lambda rows: (
            b"action,propensity,reward\n"
            + "".join(f"{a},{p},{r}\n" for a, p, r in rows).encode("utf-8", "surrogatepass")
        )
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]),
)
def test_fuzzed_csv_files_raise_only_bad_log(body: bytes, encoding: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.csv"
        try:
            data = body.decode("utf-8").encode(encoding)
        except (UnicodeDecodeError, UnicodeEncodeError):
            data = body
        path.write_bytes(data)
        try:
            log = load_csv_log(path)
        except BadLog as exc:
            assert "\n" not in str(exc).strip()
            return
        assert log.n >= 1


def test_a_bom_header_and_a_huge_cell(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfaction,propensity,reward\na,0.5,1\nb,0.5,0\n")
    assert load_csv_log(bom).n == 2
    huge = tmp_path / "huge.csv"
    huge.write_text("action,propensity,reward,note\na,0.5,1," + "x" * 200_000 + "\n")
    with pytest.raises(BadLog, match="not a readable CSV"):
        load_csv_log(huge)
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text("action,propensity,reward\na,0.5,1\n", encoding="utf-16")
    with pytest.raises(BadLog, match=r"utf16\.csv:1: not UTF-8"):
        load_csv_log(utf16)


def test_distinct_actions_cost_memory_per_row_not_rows_times_actions(tmp_path: Path) -> None:
    """A 139 KB file of 10,000 rows with distinct actions once took 3.3 GB and 49 s: every
    row was given every action as a candidate, densely. Now the shared set is stored once."""
    wide = tmp_path / "wide.csv"
    wide.write_text(
        "action,propensity,reward\n" + "".join(f"a{i},0.5,{i % 2}\n" for i in range(10_000))
    )
    data = load_csv_log(wide)
    assert len(data.candidates.actions) == 10_000  # one set, not 10,000 x 10,000 cells
    estimates, _ = run_replay(data, [UniformTarget()], bootstrap=10)
    assert {e.estimator for e in estimates} >= {"ips", "snips"}
    with pytest.raises(BadLog, match="100,000,000 cells"):
        run_replay(data, [parse_target("greedy")], bootstrap=0)  # a policy scores every cell
    many = tmp_path / "many.csv"
    many.write_text("action,propensity,reward\n" + "".join(f"a{i},0.5,1\n" for i in range(100_001)))
    with pytest.raises(BadLog, match="more than 100,000 distinct actions"):
        load_csv_log(many)


def test_a_tiny_propensity_gives_estimates_not_a_crash(tmp_path: Path) -> None:
    """1e-160 is a valid propensity, and its weight's square overflows a float: replay once
    ended in an internal OverflowError."""
    import subprocess
    import sys

    REPLAY = [sys.executable, "-m", "thumbnail_bandit", "replay"]
    log = tmp_path / "tiny.csv"
    log.write_text("action,propensity,reward,segment\na,1e-160,1,s\nb,0.5,0,s\na,0.5,1,t\n")
    result = subprocess.run(
        [*REPLAY, "--log", str(log), "--target", "uniform", "--json", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # nor numpy's overflow warnings
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["estimator"] for r in rows} >= {"ips", "snips", "dr"}


def test_time_zone_offsets_in_a_csv_are_honoured(tmp_path: Path) -> None:
    log = tmp_path / "zones.csv"
    log.write_text(
        "action,propensity,reward,timestamp\n"
        "a,0.5,1,2026-01-01T00:30+01:00\n"  # 23:30 UTC on Dec 31: the earlier event
        "b,0.5,0,2026-01-01T00:00+00:00\n"
        "a,0.5,1,2026-01-01T00:10\n"  # no offset: UTC
    )
    data = load_csv_log(log)
    assert data.timestamp is not None
    assert [str(t) for t in data.timestamp] == [
        "2025-12-31T23:30:00.000000",
        "2026-01-01T00:00:00.000000",
        "2026-01-01T00:10:00.000000",
    ]


def test_csv_output_cannot_carry_a_spreadsheet_formula(tmp_path: Path) -> None:
    log = tmp_path / "formula.csv"
    log.write_text(
        "action,propensity,reward,segment\n"
        "a,0.5,1,=cmd|'/c calc'!A1\nb,0.5,0,=cmd|'/c calc'!A1\na,0.5,0,+plain\n"
    )
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--log", str(log), "--target", "uniform", "--by", "segment", "--csv"]) == 0
    cells = [cell for line in out.getvalue().splitlines() for cell in line.split(",")]
    assert "'=cmd|'/c calc'!A1" in cells and "'+plain" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)
