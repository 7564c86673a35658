"""Write one video's output folder: cropped images, a contact sheet and manifest.json; and
`extract`, the one-call way from a video to its candidates (and their folder).

The folder appears whole or not at all: everything is written to a hidden sibling first and
renamed into place, so an interrupted run never leaves a half-written folder behind.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from thumbnails.candidate import Candidate
from thumbnails.errors import OutputError
from thumbnails.image import Image
from thumbnails.pipeline import analyse_video
from thumbnails.ranking import Extraction

JPEG_QUALITY = 92
TILE_WIDTH = 320


@dataclass(frozen=True, slots=True)
class WrittenOutput:
    folder: Path
    manifest: dict[str, Any]
    candidates: list[Candidate]
    """The candidates with their ``image`` set to the written file."""


#: Longest folder name written, in UTF-8 bytes: file systems allow 255 bytes, and the staging
#: and retired names (`write_encoded`) add 19 to the folder's name. (A title id is 200
#: characters at most; one of CJK characters takes 3 bytes each.)
MAX_NAME_BYTES = 200
_UNSAFE_CHARS = re.compile(r"[^\w.\-]+")
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


def output_name(video: Path) -> str:
    """The folder name for a video: its file name without the extension, made safe.

    The name is always one plain folder inside ``--out``: separators, spaces and control
    characters become ``_``; leading dots go (no hidden folders, never ``.`` or ``..``);
    reserved Windows names get a ``_``; an empty result is ``video``; a name over
    `MAX_NAME_BYTES` of UTF-8 is cut at a character and given a short hash of the original, so
    distinct long names stay distinct.

    >>> [output_name(Path(p)) for p in ["Big Buck Bunny.mp4", "..mp4", ".hidden.mkv", "con.avi"]]
    ['Big_Buck_Bunny', 'video', 'hidden', 'con_']
    """
    return safe_folder_name(video.stem or video.name)


def safe_folder_name(stem: str) -> str:
    """`output_name` for any text (a title id, say): one plain, visible folder name.

    >>> safe_folder_name("Stock two (copy)")
    'Stock_two_copy'
    """
    name = _UNSAFE_CHARS.sub("_", stem).strip("_").lstrip(".").rstrip("._")
    if not name or set(name) <= {"_", "."}:
        name = "video"
    if _WINDOWS_RESERVED.match(name):
        name += "_"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        digest = hashlib.sha256(stem.encode("utf-8", "surrogateescape")).hexdigest()[:8]
        head = name.encode("utf-8")[: MAX_NAME_BYTES - 9].decode("utf-8", "ignore")
        name = f"{head}-{digest}"
    return name


def _contact_sheet(crops: list[Image], candidates: list[Candidate]) -> Image:
    tiles: list[Image] = []
    for crop, candidate in zip(crops, candidates, strict=True):
        h, w = crop.shape[:2]
        tile = cv2.resize(crop, (TILE_WIDTH, max(1, round(h * TILE_WIDTH / w))))
        label = f"#{len(tiles) + 1}  {candidate.timestamp_s:.2f}s  score {candidate.score:.2f}"
        band = np.zeros((28, TILE_WIDTH, 3), np.uint8)
        cv2.putText(band, label, (6, 19), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
        tiles.append(np.vstack([tile, band]))
    columns = min(4, len(tiles))
    height = max(t.shape[0] for t in tiles)
    padded = [np.pad(t, ((0, height - t.shape[0]), (0, 0), (0, 0))) for t in tiles]
    padded += [np.zeros_like(padded[0])] * (-len(padded) % columns)
    rows = [np.hstack(padded[i : i + columns]) for i in range(0, len(padded), columns)]
    sheet: Image = np.vstack(rows)
    return sheet


def manifest_of(result: Extraction, images: list[str]) -> dict[str, Any]:
    info = result.info
    return {
        "video": str(info.path),
        "duration_s": round(result.duration_s, 3),
        "fps": info.fps,
        "width": info.width,
        "height": info.height,
        "rotation_deg": info.rotation_deg,
        "frames_decoded": result.frames_decoded,
        "frame_step": result.frame_step,
        "shots": [list(shot) for shot in result.shots],
        "rejected_frames": result.rejected,
        "face_detector": result.face_backend,
        "notes": result.notes,
        "candidates": [
            {
                "rank": rank,
                "frame_index": c.frame_index,
                "timestamp_s": round(c.timestamp_s, 4),
                "shot_index": c.shot_index,
                "crop": list(c.crop),
                "image": image,
                "score": round(c.score, 4),
                "features": {name: round(value, 4) for name, value in c.features.items()},
            }
            for rank, (c, image) in enumerate(zip(result.candidates, images, strict=True), 1)
        ],
    }


@dataclass(frozen=True, slots=True)
class EncodedOutput:
    """One video's output folder as bytes, ready to write: what a worker process or a Ray
    task returns to the driver, which alone writes to ``--out``."""

    video: Path
    files: dict[str, bytes]
    """File name -> content: the JPEGs, contact_sheet.png and manifest.json."""
    manifest: dict[str, Any]
    candidates: list[Candidate]
    images: list[str]
    """Each candidate's image file name, in rank order."""


def _encode(image: Image, extension: str, params: list[int], what: str) -> bytes:
    ok, buffer = cv2.imencode(extension, image, params)
    if not ok:
        raise OutputError(f"could not encode {what}")
    return bytes(buffer)


def encode_output(result: Extraction) -> EncodedOutput:
    """Encode the cropped images, the contact sheet and the manifest; touches no disk."""
    files: dict[str, bytes] = {}
    images = []
    for rank, (crop, c) in enumerate(zip(result.crops, result.candidates, strict=True), 1):
        image = f"rank{rank:02d}_frame{c.frame_index:06d}.jpg"
        files[image] = _encode(crop, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY], image)
        images.append(image)
    sheet = _contact_sheet(result.crops, result.candidates)
    files["contact_sheet.png"] = _encode(sheet, ".png", [], "contact_sheet.png")
    manifest = manifest_of(result, images)
    files["manifest.json"] = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
    return EncodedOutput(result.info.path, files, manifest, list(result.candidates), images)


def write_output(result: Extraction, out_root: Path, name: str | None = None) -> WrittenOutput:
    """Write ``out_root/<name>/`` atomically, replacing an earlier run's folder."""
    return write_encoded(encode_output(result), out_root, name)


def write_encoded(encoded: EncodedOutput, out_root: Path, name: str | None = None) -> WrittenOutput:
    """Write an encoded folder as ``out_root/<name>/``: whole, or not at all."""
    folder = out_root / (name or output_name(encoded.video))
    if (
        folder.name != folder.as_posix().rsplit("/", 1)[-1]
        or folder.parent != out_root
        or (folder.name in ("", ".", "..") or folder.name.startswith("."))
    ):
        raise OutputError(f"{folder}: an output name must be one plain folder inside {out_root}")
    staging = out_root / f".{folder.name}.partial-{uuid.uuid4().hex[:8]}"
    try:
        out_root.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        for file_name, content in encoded.files.items():
            (staging / file_name).write_bytes(content)
        _swap_into_place(staging, folder)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"{folder}: cannot write output ({exc.strerror or exc})") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    candidates = [
        dataclasses.replace(c, image=folder / image)
        for c, image in zip(encoded.candidates, encoded.images, strict=True)
    ]
    return WrittenOutput(folder, encoded.manifest, candidates)


def _swap_into_place(staging: Path, folder: Path) -> None:
    if not folder.exists():
        os.rename(staging, folder)
        return
    retired = folder.with_name(f".{folder.name}.old-{uuid.uuid4().hex[:8]}")
    os.rename(folder, retired)
    os.rename(staging, folder)
    shutil.rmtree(retired, ignore_errors=True)


def extract(
    path: str | Path,
    top_k: int = 8,
    *,
    out: str | Path | None = None,
    frame_step: int | None = None,
) -> list[Candidate]:
    """Ranked, diverse candidate artwork from one video.

    With ``out``, also writes ``out/<video name>/`` (images, contact sheet, manifest.json) and
    the returned candidates carry their image paths.

    >>> from thumbnails import extract                          # doctest: +SKIP
    >>> for c in extract("clip.mp4", top_k=5):                  # doctest: +SKIP
    ...     print(c.timestamp_s, round(c.score, 2), c.features["sharpness"])
    """
    result = analyse_video(path, top_k, frame_step=frame_step)
    if out is None:
        return result.candidates
    return write_output(result, Path(out)).candidates
