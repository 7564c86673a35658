"""The SQL decision/reward log: schema, engine builder and log operations. Imports nothing else
from the project. Every operation takes a Session the caller owns and never commits."""

from storage.catalog import (
    active_artworks,
    artworks_by_id,
    list_titles,
    register_artworks,
    register_title,
    retire_artworks,
    title_exists,
)
from storage.checkpoints import head_checkpoint, head_version, load_checkpoint, write_checkpoint
from storage.decisions import count_decisions, get_decision, record_decision, record_decisions
from storage.engine import create_log_engine, redact
from storage.errors import (
    CheckpointConflict,
    ConflictingRecord,
    CorruptCheckpoint,
    DatabaseUnavailable,
    InvalidDecision,
    InvalidReward,
    SchemaVersionError,
    StorageError,
    UnknownEvent,
    UnknownTitle,
)
from storage.join import join_matured, last_joined_seq, read_joined
from storage.log import open_log, session_factory, using_log
from storage.records import (
    Artwork,
    Checkpoint,
    JoinedExample,
    NewArtwork,
    NewDecision,
    RewardReceipt,
    check_reward,
)
from storage.rewards import record_reward
from storage.writer import DecisionWriter

__all__ = [
    "Artwork",
    "Checkpoint",
    "CheckpointConflict",
    "ConflictingRecord",
    "CorruptCheckpoint",
    "DatabaseUnavailable",
    "DecisionWriter",
    "InvalidDecision",
    "InvalidReward",
    "JoinedExample",
    "NewArtwork",
    "NewDecision",
    "RewardReceipt",
    "SchemaVersionError",
    "StorageError",
    "UnknownEvent",
    "UnknownTitle",
    "active_artworks",
    "artworks_by_id",
    "check_reward",
    "count_decisions",
    "create_log_engine",
    "get_decision",
    "head_checkpoint",
    "head_version",
    "join_matured",
    "last_joined_seq",
    "list_titles",
    "load_checkpoint",
    "open_log",
    "read_joined",
    "record_decision",
    "record_decisions",
    "record_reward",
    "redact",
    "register_artworks",
    "register_title",
    "retire_artworks",
    "session_factory",
    "title_exists",
    "using_log",
    "write_checkpoint",
]
