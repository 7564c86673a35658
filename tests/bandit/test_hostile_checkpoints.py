"""A checkpoint is data, never a command: what a row can hold is refused before VW sees it."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

import pytest
from sqlalchemy import update

from bandit import (
    ArtworkChooser,
    CorruptModel,
    Learner,
    ThompsonPolicy,
    VWPolicy,
    restore_policy,
)
from bandit.policies.vw_options import header_options
from storage import Log, open_log
from storage.models import CheckpointRow
from tests.bandit.helpers import Clock, add_title, sessions_of


def _with_header_options(model: bytes, options: str) -> bytes:
    """The same VW model bytes with another options string in the header."""
    at = 0
    for _ in range(2):  # version, model id
        (length,) = struct.unpack_from("<I", model, at)
        at += 4 + length
    at += 1 + 8 + 16
    (length,) = struct.unpack_from("<I", model, at)
    text = options.encode() + b"\0"
    return model[:at] + struct.pack("<I", len(text)) + text + model[at + 4 + length :]


@pytest.mark.parametrize(
    "smuggled",
    [
        "-f {out}/written.vw",
        "--final_regressor {out}/written.vw",
        "--readable_model {out}/readable.txt",
        "--invert_hash {out}/inverted.txt",
        "-p {out}/victim.txt",
        "--data /etc/passwd",
        "--daemon --port 26999",
        "-i {out}/other.vw",
        "--initial_regressor {out}/other.vw",
        "--quadratic ua --cb_type mtr; rm",
        "--regcbopt --mellowness {out}/m.txt",
        "--cb_min_cost -1 --cb_max_cost -f {out}/written.vw",
    ],
)
def test_a_model_header_asking_vw_for_files_or_ports_is_refused(
    smuggled: str, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    model = VWPolicy().save()
    assert "--cb_explore_adf" in header_options(model)
    crafted = _with_header_options(
        model, " --cb_adf --cb_explore_adf " + smuggled.format(out=tmp_path)
    )
    with pytest.raises(CorruptModel, match=r"refused|not allowed"):
        restore_policy("vw", json.dumps({"params": {}}), crafted)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim.txt"]
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize(
    "settings",
    [
        {"exploration": "epsilon", "extra_args": "--daemon"},
        {"epsilon": "0.1 -f /tmp/x"},
        {"interactions": ["ua", "u a"]},
        {"learning_rate": 1e9},
    ],
)
def test_checkpoint_arguments_outside_the_typed_settings_are_refused(
    settings: dict[str, object],
) -> None:
    model = VWPolicy().save()
    with pytest.raises(CorruptModel, match="checkpoint refused"):
        restore_policy("vw", json.dumps({"params": settings}), model)


@pytest.mark.parametrize(
    "state",
    [
        [["a", 1, -5.0, 1.0]],
        [["a", 1, float("inf"), 1.0]],
        [["a", "1", 2.0, 1.0]],
        [["a", 1, 2.0]],
        {"a": 1},
        [["a", 1, 0.5, 1.0]],  # a Beta parameter below its prior of 1
    ],
)
def test_a_thompson_state_that_cannot_be_right_is_refused_on_restore(state: object) -> None:
    with pytest.raises(CorruptModel):
        restore_policy("thompson", "{}", json.dumps(state).replace("Infinity", "1e999").encode())


def test_every_model_this_engine_writes_passes_its_own_allowlist() -> None:
    for settings in (
        {},
        {"exploration": "softmax"},
        {"exploration": "bag", "bag": 3},
        {"exploration": "squarecb", "gamma_scale": 50.0, "interactions": ("ua",)},
        {"cb_type": "dr", "power_t": 0.0},
        {"cb_type": "ips"},
    ):
        policy = VWPolicy(**settings)
        restored = restore_policy("vw", policy.describe_args(), policy.save())
        assert isinstance(restored, VWPolicy)


def test_a_checkpoint_row_edited_after_it_was_written_is_refused(log: Log) -> None:
    clock = Clock()
    add_title(log, "t", 2)
    chooser = ArtworkChooser(log, ThompsonPolicy(), reload_every_s=0, clock=clock)
    chooser.choose("t", {"segment": "a"})
    clock.advance(hours=1)
    Learner(log, ThompsonPolicy, clock=clock).run_once()
    with sessions_of(log).begin() as s:  # plausible, well-formed, and not what was written
        s.execute(update(CheckpointRow).values(args=json.dumps({"params": {"draws": 100}})))
    with pytest.raises(CorruptModel, match="digest"):
        Learner(log, clock=clock).run_once()
    assert ArtworkChooser(log).policy_version == "segment_mix:0"  # serving falls back, not down


def test_with_a_key_set_only_checkpoints_signed_with_it_are_served(
    log_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    with open_log(log_url, create=True, checkpoint_key="operator-secret") as signed:
        add_title(signed, "t", 2)
        ArtworkChooser(signed, reload_every_s=0, clock=clock).choose("t", {"segment": "a"})
        clock.advance(hours=1)
        Learner(signed, clock=clock).run_once()
        assert ArtworkChooser(signed).policy_version == "segment_mix:1"
    with open_log(log_url, checkpoint_key="someone-else") as forged:
        assert ArtworkChooser(forged).policy_version == "segment_mix:0"
        with pytest.raises(CorruptModel, match="not signed with this log's checkpoint key"):
            Learner(forged, clock=clock).run_once()
    monkeypatch.setenv("THUMBNAIL_BANDIT_CHECKPOINT_KEY", "operator-secret")
    with open_log(log_url) as from_env:
        assert ArtworkChooser(from_env).policy_version == "segment_mix:1"
    assert not os.environ.get("NOT_A_REAL_VARIABLE")


def test_a_state_nested_past_the_json_reader_is_a_corrupt_model_everywhere(
    log: Log, tmp_path: Path
) -> None:
    """`MAGIC + "[" * 200000 + "]" * 200000`: RecursionError once escaped every mapping, so
    `serve` failed its start-up and `learn` printed an internal error."""
    import subprocess
    import sys

    from bandit.policies.segment_mix import MAGIC

    clock = Clock()
    add_title(log, "t", 2)
    deep = MAGIC + b"[" * 200_000 + b"]" * 200_000 + b"\n" + VWPolicy().save()
    log.write_checkpoint(parent_version=0, policy="segment_mix", args="{}", model=deep, last_seq=0)
    with pytest.raises(CorruptModel):
        restore_policy("segment_mix", "{}", deep)
    chooser = ArtworkChooser(log, clock=clock)  # what a service worker does at start-up
    assert chooser.policy_version == "segment_mix:0"  # serving falls back, not down
    chooser.choose("t", {"segment": "a"})
    if log.dialect == "sqlite":  # the command line, as a user runs it
        url = str(log.url)
        result = subprocess.run(
            [str(Path(sys.executable).parent / "thumbnail-bandit"), "learn", "--db", url],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1
        [line] = result.stderr.splitlines()
        assert line.startswith("error: will not build on checkpoint 1") and "internal" not in line
