"""Video to ranked, diverse candidate artwork: decode, shots, quality gate, features, dedupe,
selection, and the output folder with images, contact sheet and manifest; whole catalogues
with `extract_catalogue` (in this process, local worker processes, or a runner passed in,
skipping work already done)."""

from thumbnails.candidate import FEATURES, Candidate
from thumbnails.catalogue import (
    CatalogueProgress,
    CatalogueResult,
    CatalogueRun,
    DoneStore,
    Extracted,
    Skipped,
    extract_catalogue,
)
from thumbnails.decode import VideoInfo, VideoStream
from thumbnails.errors import (
    ImageUnreadable,
    NoUsableFrames,
    OutputError,
    RunnerUnavailable,
    ThumbnailsError,
    VideoUnreadable,
)
from thumbnails.output import (
    EncodedOutput,
    WrittenOutput,
    encode_output,
    extract,
    write_encoded,
    write_output,
)
from thumbnails.pipeline import analyse_video
from thumbnails.quality import QualityGate
from thumbnails.ranking import Extraction
from thumbnails.still import StillImage, describe_image
from thumbnails.work import Failed, Job, Runner, Task

__all__ = [
    "FEATURES",
    "Candidate",
    "CatalogueProgress",
    "CatalogueResult",
    "CatalogueRun",
    "DoneStore",
    "EncodedOutput",
    "Extracted",
    "Extraction",
    "Failed",
    "ImageUnreadable",
    "Job",
    "NoUsableFrames",
    "OutputError",
    "QualityGate",
    "Runner",
    "RunnerUnavailable",
    "Skipped",
    "StillImage",
    "Task",
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
