"""Settings that need not be typed every time: ``--db`` from ``THUMBNAIL_BANDIT_DB``, and any
option of any command from a TOML file, ``thumbnail-bandit.toml`` in the working folder (or
the file ``THUMBNAIL_BANDIT_CONFIG`` names). A flag overrides the environment, which
overrides the file::

    db = "postgresql://artwork@db-host/artwork"

    [serve]
    port = 8080
    workers = 4
    cors-origin = ["https://www.example.com"]

    [learn]
    every = 60
"""

from __future__ import annotations

import argparse
import difflib
import os
import tomllib
from pathlib import Path
from typing import Any

from thumbnail_bandit.cli.usage import UsageError

DB_ENV = "THUMBNAIL_BANDIT_DB"
CONFIG_ENV = "THUMBNAIL_BANDIT_CONFIG"
CONFIG_FILE = "thumbnail-bandit.toml"
MISSING_DB = (
    "no log named: give --db URL, set THUMBNAIL_BANDIT_DB, or put db = '...' in"
    " thumbnail-bandit.toml"
)


def load() -> tuple[dict[str, Any], Path | None]:
    """The configuration file's tables, and its path (none: empty)."""
    named = os.environ.get(CONFIG_ENV)
    path = Path(named) if named else Path(CONFIG_FILE)
    if not named and not path.is_file():
        return {}, None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), path
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the configuration ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from exc


def apply(parser: argparse.ArgumentParser, config: dict[str, Any], source: Path | None) -> None:
    """Make the file's values, then the environment's ``--db``, the parsers' defaults."""
    commands = _subcommands(parser)
    for key, value in config.items():
        if isinstance(value, dict):
            if key not in commands:
                raise UsageError(f"{source}: no command {key!r}{_near(key, commands)}")
            _set(commands[key], value, f"{source} [{key}]")
        elif key != "db":
            raise UsageError(f"{source}: the top level holds db and [command] tables, not {key!r}")
    db = os.environ.get(DB_ENV) or config.get("db")
    if db is not None:
        for sub in _all_parsers(parser):
            if any(a.dest == "db" for a in sub._actions):
                sub.set_defaults(db=str(db))


def _set(parser: argparse.ArgumentParser, values: dict[str, Any], where: str) -> None:
    options = {
        s.lstrip("-"): a for a in parser._actions for s in a.option_strings if s.startswith("--")
    }
    for key, value in values.items():
        action = options.get(key)
        if action is None or key in ("help", "version"):
            raise UsageError(f"{where}: no option --{key}{_near(key, options)}")
        parser.set_defaults(**{action.dest: value})


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for sub in _subcommands(parser).values():
        found += _all_parsers(sub)
    return found


def _near(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
