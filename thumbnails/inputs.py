"""Turn the CLI's inputs (files, directories, globs) into a list of videos, or clear errors.

Directory searches and ``**`` never follow symbolic links to directories, so a folder with a
link loop is searched once and the search ends; a link to a file is taken like the file.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".wmv", ".flv"}
)


@dataclass(frozen=True, slots=True)
class InputError:
    path: str
    reason: str


def _walk_files(root: Path) -> Iterator[Path]:
    """Every file below ``root``; symbolic links to directories are not entered."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file():  # a link to a file counts; a dangling link does not
                yield path


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A regex for a glob over '/'-separated paths: ``**/`` any folders, ``*`` and ``?``
    within one name, ``[...]`` a character class."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end].replace("\\", "\\\\")
            out.append("[^" + body[1:] + "]" if body.startswith("!") else "[" + body + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _glob(pattern: str) -> list[Path]:
    parts = Path(pattern).parts
    fixed = next((i for i, part in enumerate(parts) if glob.has_magic(part)), len(parts))
    root = Path(*parts[:fixed]) if fixed else Path(".")
    if not root.is_dir():
        return []
    rest = _pattern_regex("/".join(parts[fixed:]))
    return [p for p in _walk_files(root) if rest.match(p.relative_to(root).as_posix())]


def expand_inputs(inputs: list[str]) -> tuple[list[Path], list[InputError]]:
    """Files are taken as given (whatever their suffix), directories are searched recursively
    for video suffixes, and patterns with ``*?[`` are globbed (``**`` recurses)."""
    videos: list[Path] = []
    errors: list[InputError] = []
    seen: set[Path] = set()

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            videos.append(path)

    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found = [p for p in _walk_files(path) if p.suffix.lower() in VIDEO_SUFFIXES]
            if not found:
                suffixes = ", ".join(sorted(VIDEO_SUFFIXES))
                errors.append(InputError(raw, f"no video files found (looked for {suffixes})"))
            for p in found:
                add(p)
        elif path.exists():
            add(path)
        elif glob.has_magic(raw):
            matches = _glob(raw)
            if not matches:
                errors.append(InputError(raw, "the pattern matches no files"))
            for p in matches:
                add(p)
        else:
            errors.append(InputError(raw, "no such file or directory"))
    return videos, errors
