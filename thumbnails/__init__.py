"""Video to ranked, diverse candidate artwork: decode, shots, quality gate, features, dedupe,
selection, and the output folder with images, contact sheet and manifest; whole catalogues
with `extract_catalogue` (local worker processes or a Ray cluster, skipping work already done)."""

from thumbnails.candidate import FEATURES, Candidate
from thumbnails.cli import CatalogueRun, extract_catalogue
from thumbnails.decode import VideoInfo, VideoStream
from thumbnails.errors import (
    ImageUnreadable,
    NoUsableFrames,
    OutputError,
    RayUnavailable,
    ThumbnailsError,
    VideoUnreadable,
)
from thumbnails.output import (
    EncodedOutput,
    WrittenOutput,
    encode_output,
    write_encoded,
    write_output,
)
from thumbnails.pipeline import Extraction, analyse_video, extract
from thumbnails.quality import QualityGate
from thumbnails.still import StillImage, describe_image

__all__ = [
    "FEATURES",
    "Candidate",
    "CatalogueRun",
    "EncodedOutput",
    "Extraction",
    "ImageUnreadable",
    "NoUsableFrames",
    "OutputError",
    "QualityGate",
    "RayUnavailable",
    "StillImage",
    "ThumbnailsError",
    "VideoInfo",
    "VideoStream",
    "VideoUnreadable",
    "WrittenOutput",
    "analyse_video",
    "describe_image",
    "encode_output",
    "extract",
    "extract_catalogue",
    "write_encoded",
    "write_output",
]
