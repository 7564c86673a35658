"""Video to ranked, diverse candidate artwork: decode, shots, quality gate, features, dedupe,
selection, and the output folder with images, contact sheet and manifest."""

from thumbnails.candidate import FEATURES, Candidate
from thumbnails.decode import VideoInfo, VideoStream
from thumbnails.errors import (
    ImageUnreadable,
    NoUsableFrames,
    OutputError,
    ThumbnailsError,
    VideoUnreadable,
)
from thumbnails.output import WrittenOutput, write_output
from thumbnails.pipeline import Extraction, analyse_video, extract
from thumbnails.quality import QualityGate
from thumbnails.still import StillImage, describe_image

__all__ = [
    "FEATURES",
    "Candidate",
    "Extraction",
    "ImageUnreadable",
    "NoUsableFrames",
    "OutputError",
    "QualityGate",
    "StillImage",
    "ThumbnailsError",
    "VideoInfo",
    "VideoStream",
    "VideoUnreadable",
    "WrittenOutput",
    "analyse_video",
    "describe_image",
    "extract",
    "write_output",
]
