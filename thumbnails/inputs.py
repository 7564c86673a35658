"""Turn the CLI's inputs (files, directories, globs) into a list of videos, or clear errors."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

VIDEO_SUFFIXES = frozenset(
    {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".wmv", ".flv"}
)


@dataclass(frozen=True, slots=True)
class InputError:
    path: str
    reason: str


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
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
            )
            if not found:
                suffixes = ", ".join(sorted(VIDEO_SUFFIXES))
                errors.append(InputError(raw, f"no video files found (looked for {suffixes})"))
            for p in found:
                add(p)
        elif path.exists():
            add(path)
        elif glob.has_magic(raw):
            matches = sorted(Path(m) for m in glob.glob(raw, recursive=True) if Path(m).is_file())
            if not matches:
                errors.append(InputError(raw, "the pattern matches no files"))
            for p in matches:
                add(p)
        else:
            errors.append(InputError(raw, "no such file or directory"))
    return videos, errors
