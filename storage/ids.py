"""The rules for ids, defined once: the log checks them on every write, and the layers above
(the chooser, the HTTP schema) check the same rule earlier, with their own error.

>>> EVENT_ID.check("home-row-1", ValueError)
'home-row-1'
>>> EVENT_ID.check("a b", ValueError)
Traceback (most recent call last):
ValueError: event id may only hold letters, digits and . _ : - (got 'a b')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class IdRule:
    """What an id may be: a string of 1 to ``max_length`` characters that both databases can
    store (valid Unicode, no control character), matching ``pattern`` when there is one."""

    what: str
    """How messages name it: ``"event id"``."""
    max_length: int
    pattern: str | None = None
    """A regular expression the whole id must match; None: any printable text."""
    allowed: str = ""
    """The pattern in words, for messages."""
    _compiled: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = None if self.pattern is None else re.compile(self.pattern)
        object.__setattr__(self, "_compiled", compiled)

    def check(self, value: object, error: type[Exception], what: str | None = None) -> str:
        """``value`` if it follows the rule, else ``error`` with a message that says why."""
        name = what or self.what
        if not isinstance(value, str):
            raise error(f"{name} must be a string, got {type(value).__name__}")
        if not 0 < len(value) <= self.max_length:
            raise error(f"{name} must be 1-{self.max_length} characters, got {len(value)}")
        check_printable(name, value, error)
        if self._compiled is not None and not self._compiled.fullmatch(value):
            raise error(f"{name} may only hold {self.allowed} (got {value[:80]!r})")
        return value


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_printable(what: str, text: str, error: type[Exception]) -> None:
    """Refuse text that a log should not hold: control characters (NUL, which PostgreSQL
    cannot store; tabs, newlines and the rest, which forge lines in terminals and logs) and
    lone surrogates (not valid Unicode, so not storable as UTF-8)."""
    if _CONTROL.search(text):
        raise error(f"{what} contains a control character (NUL or similar)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise error(f"{what} is not valid Unicode (it has a lone surrogate)") from None


EVENT_ID = IdRule("event id", 64, r"[A-Za-z0-9._:-]+", allowed="letters, digits and . _ : -")
"""A decision's id: safe in a URL path, a log line and a file name as it is."""

TITLE_ID = IdRule("title id", 200)
"""A title's id: any printable text (a site's own catalogue ids)."""

KEY_NAME = IdRule(
    "key name",
    100,
    r"[A-Za-z0-9][A-Za-z0-9._-]*",
    allowed="letters, digits and . _ - (starting with a letter or digit)",
)
"""An API key's name."""

SIGNAL_NAME = IdRule(
    "signal name",
    64,
    r"[a-z][a-z0-9_]*",
    allowed="lower-case letters, digits and _ (starting with a letter)",
)
"""A signal's name (``click``, ``play``, ``watch_minutes``): also a name in reward
expressions, so it is an identifier."""

SIGNAL_ID = IdRule("signal id", 64, r"[A-Za-z0-9._:-]+", allowed="letters, digits and . _ : -")
"""The caller's id for one signal, so that a retry is recorded once."""

EXPERIMENT_NAME = IdRule(
    "experiment name",
    24,
    r"[a-z][a-z0-9_-]*",
    allowed="lower-case letters, digits, _ and - (starting with a letter)",
)
"""An online experiment's name."""

ARM_NAME = IdRule("arm name", 16, r"[a-z][a-z0-9_]*", allowed="lower-case letters, digits and _")
"""An experiment arm's name (``control``, ``challenger``)."""

UNIT_ID = IdRule("unit id", 128)
"""The member or device an experiment assigns, as the client knows it; only its keyed hash
is stored."""
