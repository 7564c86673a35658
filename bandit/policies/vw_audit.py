"""Reading Vowpal Wabbit's audit: each feature's share of an artwork's score.

VW prints its audit (feature name, hash, value, weight) to the process's standard output, so
the audit is captured at the file-descriptor level, under a lock. `VWPolicy.explain` runs it on
a workspace loaded from the serving model's bytes: the serving workspace is never touched.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import tempfile
import threading
from collections.abc import Iterator

_STDOUT_LOCK = threading.Lock()
_LIBC = ctypes.CDLL(None)


@contextlib.contextmanager
def captured_stdout() -> Iterator[list[str]]:
    out: list[str] = []
    with _STDOUT_LOCK, tempfile.TemporaryFile(mode="w+b") as sink:
        _LIBC.fflush(None)
        saved = os.dup(1)
        os.dup2(sink.fileno(), 1)
        try:
            yield out
        finally:
            _LIBC.fflush(None)
            os.dup2(saved, 1)
            os.close(saved)
            sink.seek(0)
            out.append(sink.read().decode(errors="replace"))


def parse_audit(text: str, n_actions: int) -> list[list[tuple[str, float]]]:
    """[[(feature, value * weight), ...] per action] from VW's audit of one example.

    The audit prints, per action, a prediction line and then a tab-separated line of
    ``name:hash:value:weight@...`` entries; the entries' products sum to the cost estimate.
    """
    lines = [line for line in text.splitlines() if line.startswith("\t")]
    actions = []
    for line in lines:
        terms = []
        for entry in line.strip().split("\t"):
            parts = entry.split(":")
            if len(parts) < 4:
                continue
            name, value, weight = parts[0], float(parts[2]), float(parts[3].split("@")[0])
            terms.append((name, value * weight))
        actions.append(terms)
    if len(actions) != n_actions:
        raise ValueError(f"VW audit listed {len(actions)} actions, expected {n_actions}")
    return actions
