"""What a saved Vowpal Wabbit model may carry. A model's header holds options, and VW applies
them when it loads the model: a crafted checkpoint could otherwise ask VW to write files
(``-f``, ``--readable_model``, ``--invert_hash``), truncate one (``-p``), read one
(``--data``) or listen on a port (``--daemon``).

So a model is data only if its header says nothing but what the policy's own validated
arguments would: `check_model_header` reads the header in the one layout this engine's VW
writes and refuses everything else before VW sees the bytes.

* **One layout.** VW picks the header's layout from the version string at its start (a
  7.x header has no model id and a list of pairs, for one). Every VW 9 release writes the
  same layout (its last layout change was in 8.11), so only a version of the form ``9.x.y``
  is read; a blob that claims any other version is refused, whatever it holds.
* **No model id.** VW turns a non-empty id into ``--id <id>``, words and all.
* **The policy's own options.** The options must be exactly those a fresh model with the
  same validated arguments writes (the random generator's saved state aside), not merely
  options from an allowlist; an allowlist backs that up where no policy is given.

Strings are read as VW reads them, up to their first NUL.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from bandit.errors import CorruptModel

_NUMBER = re.compile(r"^-?\d+(\.\d+)?(e-?\d+)?$")
_NAMESPACE_PAIR = re.compile(r"^[uai]{2}$")
#: The versions whose header layout `read_header` reads (VW 9's; see the module docstring).
_VERSION = re.compile(r"9\.\d{1,3}\.\d{1,3}")

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

#: How long the header may claim a string is (VW's own are tiny).
_MAX_HEADER_STRING = 4096
#: VW's default hash size, the one this engine uses.
BITS = 18


@dataclass(frozen=True, slots=True)
class ModelHeader:
    """The parts of a VW 9 model header that VW turns into options."""

    version: str
    model_id: str
    bits: int
    options: tuple[str, ...]
    """The option words, as VW splits them."""

    def comparable(self) -> tuple[str, ...]:
        """The options without the random generator's saved state, which learning moves."""
        words, out = list(self.options), []
        i = 0
        while i < len(words):
            if words[i] == "--random_seed":
                i += 2
                continue
            out.append(words[i])
            i += 1
        return tuple(out)


def _take_string(data: bytes, at: int) -> tuple[str, int]:
    """A length-prefixed string, as VW reads it: up to its first NUL."""
    if at + 4 > len(data):
        raise CorruptModel("the model bytes end inside their header")
    (length,) = struct.unpack_from("<I", data, at)
    end = at + 4 + length
    if length > _MAX_HEADER_STRING or end > len(data):
        raise CorruptModel("the model header is malformed (a string runs past its end)")
    raw = data[at + 4 : end].split(b"\x00", 1)[0]
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise CorruptModel("the model header holds bytes that are not text") from None
    if not text.isprintable():
        raise CorruptModel("the model header holds control characters")
    return text, end


def read_header(data: bytes) -> ModelHeader:
    """The header of VW 9 model bytes; CorruptModel for any other layout or a malformed one."""
    version, at = _take_string(data, 0)
    if not _VERSION.fullmatch(version):
        raise CorruptModel(
            f"the model claims Vowpal Wabbit version {version[:20]!r}; only models in VW 9's"
            " layout are read (another layout would be parsed differently by VW than here)"
        )
    model_id, at = _take_string(data, at)
    if at + 1 + 8 + 16 > len(data) or data[at : at + 1] != b"m":
        raise CorruptModel("the model bytes end inside their header, or are not a VW model")
    at += 1 + 8  # 'm' and the min/max label floats
    bits, lda, ngrams, skips = struct.unpack_from("<IIII", data, at)
    if lda or ngrams or skips:
        raise CorruptModel("the model uses LDA, n-grams or skips, which this engine never sets")
    options, _ = _take_string(data, at + 16)
    return ModelHeader(version, model_id, bits, tuple(options.split()))


def header_options(data: bytes) -> list[str]:
    """The option words a VW 9 model's header holds (``--cb_type mtr ...``)."""
    return list(read_header(data).options)


def check_options(words: list[str] | tuple[str, ...]) -> None:
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


def check_model_header(data: bytes, expected: ModelHeader | None = None) -> None:
    """Refuse VW model bytes whose header could make VW do anything but load these weights:
    another layout, a model id, options outside `ALLOWED`, and, given the header a fresh
    model of the same policy writes, any option that differs from it."""
    header = read_header(data)
    if header.model_id:
        raise CorruptModel("the model carries a model id, which this engine never sets; refused")
    check_options(header.options)
    if expected is None:
        return
    if header.bits != expected.bits or header.comparable() != expected.comparable():
        raise CorruptModel(
            "the model's options are not those of the policy its checkpoint names"
            f" ({' '.join(header.comparable())[:160]!r}); refused (a checkpoint is data,"
            " never a command)"
        )
