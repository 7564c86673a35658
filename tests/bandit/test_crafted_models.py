"""A model blob can never add a VW option: crafted headers in VW 7, 8 and 9 layouts, an older
layout hidden behind a harmless VW 9 header, model ids, and fuzzed mixtures of all of them.
Every loader (VW and the default's VW member) refuses them before VW sees the bytes, and no
file is touched and no port opened."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bandit import CorruptModel, Policy, SegmentMixPolicy, VWPolicy, restore_policy
from bandit.policies.segment_mix import MAGIC
from tests.bandit.vw_layouts import layout_7, layout_9, polyglot

PORT = 26931
TRAP = "--cb_explore_adf --epsilon 0.05 --predictions victim.txt"


def _as_state(name: str, model: bytes) -> bytes:
    """The model as the named policy stores it (the default wraps its VW member)."""
    if name == "vw":
        return model
    header: dict[str, list[object]] = {"thompson": [], "snips": [], "turned": []}
    return MAGIC + json.dumps(header).encode() + b"\n" + model


def _restore(name: str, model: bytes) -> Policy:
    params = {"exploration": "epsilon"} if name == "vw" else {}
    return restore_policy(name, json.dumps({"params": params}), _as_state(name, model))


@contextlib.contextmanager
def _trap_folder() -> Iterator[Path]:
    """A working folder holding one file a crafted model would truncate; it must stay so."""
    before = Path.cwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            (Path(folder) / "victim.txt").write_text("keep me")
            yield Path(folder)
            assert sorted(p.name for p in Path(folder).iterdir()) == ["victim.txt"]
            assert (Path(folder) / "victim.txt").read_text() == "keep me"
        finally:
            os.chdir(before)
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", PORT)) != 0, "a crafted model opened a port"


def _model() -> bytes:
    return VWPolicy(exploration="epsilon").save()


CRAFTED = {
    "7.6 layout behind a harmless 9 header": lambda m: polyglot(m, TRAP),
    "7.6 layout": lambda m: layout_7(m, TRAP),
    "7.10.2 layout": lambda m: layout_7(m, TRAP, version=b"7.10.2"),
    "8.11 layout": lambda m: layout_9(m, TRAP, version=b"8.11.0"),
    "a model id that is options": lambda m: layout_9(
        m, "--cb_explore_adf --epsilon 0.05", model_id=b"x --predictions victim.txt"
    ),
    "--readable_model": lambda m: layout_9(m, "--cb_explore_adf --readable_model victim.txt"),
    "--daemon": lambda m: layout_9(m, f"--cb_explore_adf --daemon --port {PORT}"),
    "allowed options, not the policy's": lambda m: layout_9(
        m, "--cb_adf --cb_explore_adf --squarecb --gamma_scale 10"
    ),
    "options cut by a NUL": lambda m: layout_9(m, "--cb_explore_adf\0 --predictions victim.txt"),
    "version with trailing words": lambda m: layout_9(m, TRAP, version=b"9.10.0 x"),
}


@pytest.mark.parametrize("policy", ["vw", "segment_mix"])
@pytest.mark.parametrize("craft", sorted(CRAFTED))
def test_a_crafted_model_is_refused_before_vw_reads_it(policy: str, craft: str) -> None:
    blob = CRAFTED[craft](_model())
    with _trap_folder(), pytest.raises(CorruptModel, match=r"refused|layout|not a VW model"):
        _restore(policy, blob)


def test_the_engines_own_models_still_load() -> None:
    for policy in (VWPolicy(exploration="epsilon"), SegmentMixPolicy()):
        with _trap_folder():
            restored = restore_policy(policy.name, policy.describe_args(), policy.save())
        assert type(restored) is type(policy)


VERSIONS = [b"7.6.0", b"7.10.2", b"7.10.3", b"8.0.2", b"8.11.0", b"9.0.0", b"9.10.0", b"10.0.0"]
WORDS = [
    "--cb_adf",
    "--cb_explore_adf",
    "--epsilon 0.05",
    "--cb_type mtr",
    "--csoaa_ldf multiline",
    "--csoaa_rank",
    "--quadratic ua",
    "--quadratic ui",
    "--learning_rate 0.5",
    "--power_t 0.5",
    "--predictions victim.txt",
    "-p victim.txt",
    "--readable_model out.txt",
    "--invert_hash out.txt",
    "-f out.vw",
    f"--daemon --port {PORT}",
    "--data victim.txt",
    "--id x",
]


@settings(max_examples=120, deadline=None)
@given(
    version=st.sampled_from(VERSIONS) | st.binary(max_size=10),
    layout=st.sampled_from(["7", "9", "polyglot"]),
    words=st.lists(st.sampled_from(WORDS), max_size=8),
    model_id=st.sampled_from([b"", b"x", b"a --predictions victim.txt"]),
    policy=st.sampled_from(["vw", "segment_mix"]),
)
def test_no_mixture_of_layout_version_id_and_options_touches_a_file_or_a_port(
    version: bytes, layout: str, words: list[str], model_id: bytes, policy: str
) -> None:
    model, options = _model(), " ".join(words)
    if layout == "7":
        blob = layout_7(model, options, version=version)
    elif layout == "9":
        blob = layout_9(model, options, version=version, model_id=model_id)
    else:
        try:
            blob = polyglot(model, options)
        except AssertionError:
            return  # options too long to hide: not a blob anyone could make this way
    with _trap_folder():
        try:
            restored = _restore(policy, blob)
        except CorruptModel:
            return
    # Accepted: then it holds exactly the policy's own options (what the engine writes).
    assert isinstance(restored, VWPolicy | SegmentMixPolicy)
