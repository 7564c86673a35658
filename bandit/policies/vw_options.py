"""Which Vowpal Wabbit options a model may carry. A saved VW model stores options in its
header, and VW applies them when the model is loaded: a crafted checkpoint could otherwise ask
VW to write files (``-f``, ``--readable_model``, ``--invert_hash``), truncate one (``-p``),
read one (``--data``) or listen on a port (``--daemon``). Models are read only after their
header passes `check_model_header`; arguments are only ever built from typed parameters.
"""

from __future__ import annotations

import re
import struct

from bandit.errors import CorruptModel

_NUMBER = re.compile(r"^-?\d+(\.\d+)?(e-?\d+)?$")
_NAMESPACE_PAIR = re.compile(r"^[uai]{2}$")

#: Option -> None for a flag, or a check for its one value. Everything else is refused.
ALLOWED: dict[str, re.Pattern[str] | None] = {
    "--cb_adf": None,
    "--cb_explore_adf": None,
    "--cb_type": re.compile(r"^(ips|dr|mtr|dm)$"),
    "--csoaa_ldf": re.compile(r"^multiline$"),
    "--csoaa_rank": None,
    "--epsilon": _NUMBER,
    "--softmax": None,
    "--lambda": _NUMBER,
    "--bag": _NUMBER,
    "--squarecb": None,
    "--gamma_scale": _NUMBER,
    "--gamma_exponent": _NUMBER,
    "--regcbopt": None,
    "--mellowness": _NUMBER,
    "--cb_min_cost": _NUMBER,
    "--cb_max_cost": _NUMBER,
    "--learning_rate": _NUMBER,
    "--power_t": _NUMBER,
    "--l2": _NUMBER,
    "--quadratic": _NAMESPACE_PAIR,
    "--random_seed": _NUMBER,
}

#: How far into the bytes the header may claim its strings reach (VW's own are tiny).
_MAX_HEADER_STRING = 4096


def _take_string(data: bytes, at: int) -> tuple[str, int]:
    if at + 4 > len(data):
        raise CorruptModel("the model bytes end inside their header")
    (length,) = struct.unpack_from("<I", data, at)
    end = at + 4 + length
    if length > _MAX_HEADER_STRING or end > len(data):
        raise CorruptModel("the model header is malformed (a string runs past its end)")
    return data[at + 4 : end].rstrip(b"\x00").decode("ascii", "replace"), end


def header_options(data: bytes) -> list[str]:
    """The option words a VW 9 model's header holds (``--cb_type mtr ...``)."""
    _version, at = _take_string(data, 0)
    _model_id, at = _take_string(data, at)
    at += 1 + 8  # 'm' and the min/max label floats
    if at + 16 > len(data):
        raise CorruptModel("the model bytes end inside their header")
    _bits, lda, ngrams, skips = struct.unpack_from("<IIII", data, at)
    if lda or ngrams or skips:
        raise CorruptModel("the model uses LDA, n-grams or skips, which this engine never sets")
    options, _ = _take_string(data, at + 16)
    return options.split()


def check_options(words: list[str]) -> None:
    """Raise CorruptModel unless every option is allowed, with a value of the right form."""
    i = 0
    while i < len(words):
        option = words[i]
        if option not in ALLOWED:
            raise CorruptModel(
                f"the model asks Vowpal Wabbit for {option!r}, which this engine never sets;"
                " refused (a checkpoint is data, never a command)"
            )
        pattern = ALLOWED[option]
        if pattern is None:
            i += 1
            continue
        value = words[i + 1] if i + 1 < len(words) else ""
        if not pattern.match(value):
            raise CorruptModel(f"the model sets {option} to {value!r}, which is not allowed")
        i += 2


def check_model_header(data: bytes) -> None:
    """Refuse VW model bytes whose header carries any option outside `ALLOWED`."""
    check_options(header_options(data))
