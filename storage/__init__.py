"""The SQL decision/reward log: schema, engine builder and log operations. Imports nothing else
from the project.

``with open_log(url) as log:`` gives a `Log`, the one face of a log: it owns the engine, maps
driver errors to the errors below, writes decisions one way, and answers typed queries. The
session functions underneath take a Session the caller owns and never commit.
"""

from storage.activation import activate
from storage.apprentice import apprentice_summary, set_title_mode, title_mode
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
    ActivationClosed,
    CheckpointConflict,
    CheckpointNotFound,
    ConflictingRecord,
    CorruptCheckpoint,
    DatabaseUnavailable,
    InvalidApiKey,
    InvalidDecision,
    InvalidLogUrl,
    InvalidReward,
    LogNotFound,
    NotActivated,
    RejectedValue,
    SchemaVersionError,
    StorageError,
    UnknownEvent,
    UnknownTitle,
)
from storage.join import join_matured, last_joined_seq, read_joined
from storage.keys import create_key, list_keys, revoke_key, verify_key
from storage.log import CheckpointInfo, Log, open_log, using_log
from storage.queries import JoinedFilter
from storage.records import (
    ActivationReceipt,
    ApiKey,
    ApprenticeSummary,
    Artwork,
    Checkpoint,
    JoinedExample,
    LoggedDecision,
    NewArtwork,
    NewDecision,
    ReplaySums,
    RewardReceipt,
    TitleMode,
    check_reward,
    check_text,
)
from storage.rewards import record_reward
from storage.writer import Decide, DecisionWriter, ServedTitle

__all__ = [
    "ActivationClosed",
    "ActivationReceipt",
    "ApiKey",
    "ApprenticeSummary",
    "Artwork",
    "Checkpoint",
    "CheckpointConflict",
    "CheckpointInfo",
    "CheckpointNotFound",
    "ConflictingRecord",
    "CorruptCheckpoint",
    "DatabaseUnavailable",
    "Decide",
    "DecisionWriter",
    "InvalidApiKey",
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
    "NotActivated",
    "RejectedValue",
    "ReplaySums",
    "RewardReceipt",
    "SchemaVersionError",
    "ServedTitle",
    "StorageError",
    "TitleMode",
    "UnknownEvent",
    "UnknownTitle",
    "activate",
    "active_artworks",
    "apprentice_summary",
    "artworks_by_id",
    "check_reward",
    "check_text",
    "checkpoint_versions",
    "count_decisions",
    "create_key",
    "create_log_engine",
    "head_checkpoint",
    "head_version",
    "join_matured",
    "last_joined_seq",
    "list_keys",
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
    "revoke_key",
    "set_artwork_status",
    "set_title_mode",
    "title_artworks",
    "title_exists",
    "title_mode",
    "using_log",
    "verify_key",
    "write_checkpoint",
]
