"""The SQL decision/reward log: schema, engine builder and log operations. Imports nothing else
from the project.

``with open_log(url) as log:`` gives a `Log`, the one face of a log: it owns the engine, maps
driver errors to the errors below, writes decisions one way, and answers typed queries. The
session functions underneath take a Session the caller owns and never commit.
"""

from storage.catalog import (
    active_artworks,
    artworks_by_id,
    list_titles,
    register_artworks,
    register_title,
    retire_artworks,
    set_artwork_status,
    title_artworks,
    title_exists,
)
from storage.checkpoints import (
    checkpoint_versions,
    head_checkpoint,
    head_version,
    load_checkpoint,
    mark_checkpoint_bad,
    write_checkpoint,
)
from storage.decisions import count_decisions
from storage.engine import create_log_engine, redact
from storage.errors import (
    CheckpointConflict,
    CheckpointNotFound,
    ConflictingRecord,
    CorruptCheckpoint,
    DatabaseUnavailable,
    InvalidDecision,
    InvalidLogUrl,
    InvalidReward,
    LogNotFound,
    RejectedValue,
    SchemaVersionError,
    StorageError,
    UnknownEvent,
    UnknownTitle,
)
from storage.join import join_matured, last_joined_seq, read_joined
from storage.log import CheckpointInfo, Log, open_log, using_log
from storage.queries import JoinedFilter
from storage.records import (
    Artwork,
    Checkpoint,
    JoinedExample,
    LoggedDecision,
    NewArtwork,
    NewDecision,
    ReplaySums,
    RewardReceipt,
    check_reward,
    check_text,
)
from storage.rewards import record_reward
from storage.writer import DecisionWriter

__all__ = [
    "Artwork",
    "Checkpoint",
    "CheckpointConflict",
    "CheckpointInfo",
    "CheckpointNotFound",
    "ConflictingRecord",
    "CorruptCheckpoint",
    "DatabaseUnavailable",
    "DecisionWriter",
    "InvalidDecision",
    "InvalidLogUrl",
    "InvalidReward",
    "JoinedExample",
    "JoinedFilter",
    "Log",
    "LogNotFound",
    "LoggedDecision",
    "NewArtwork",
    "NewDecision",
    "RejectedValue",
    "ReplaySums",
    "RewardReceipt",
    "SchemaVersionError",
    "StorageError",
    "UnknownEvent",
    "UnknownTitle",
    "active_artworks",
    "artworks_by_id",
    "check_reward",
    "check_text",
    "checkpoint_versions",
    "count_decisions",
    "create_log_engine",
    "head_checkpoint",
    "head_version",
    "join_matured",
    "last_joined_seq",
    "list_titles",
    "load_checkpoint",
    "mark_checkpoint_bad",
    "open_log",
    "read_joined",
    "record_reward",
    "redact",
    "register_artworks",
    "register_title",
    "retire_artworks",
    "set_artwork_status",
    "title_artworks",
    "title_exists",
    "using_log",
    "write_checkpoint",
]
