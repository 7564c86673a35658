"""The SQL decision/reward log: schema, engine and log operations. Imports nothing else from
the project.

``with open_log(url) as log:`` gives a `Log`, the one face of a log: it owns the engine, maps
driver errors to the errors below, writes decisions one way, and answers typed queries with
the records below. The session functions underneath (`storage.catalog`, `storage.join`, ...)
take a Session the caller owns and never commit; they are for the log's own tests and tools.
"""

from storage.engine import redact
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
    InvalidSignal,
    LogNotFound,
    NotActivated,
    RejectedValue,
    SchemaVersionError,
    StorageError,
    UnknownDefinition,
    UnknownEvent,
    UnknownTitle,
)
from storage.ids import EVENT_ID, KEY_NAME, SIGNAL_ID, SIGNAL_NAME, TITLE_ID, IdRule
from storage.log import CheckpointInfo, Log
from storage.opening import open_log, using_log
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
    SamplingSalt,
    TitleMode,
    TitleSummary,
    Waiting,
    same_json,
)
from storage.reward_definitions import BUILT_IN_REWARD, COMBINERS, RewardDefinition
from storage.signals import MAX_SIGNALS_PER_EVENT, Signal, SignalReceipt
from storage.writer import Decide, DecisionWriter, ServedTitle

__all__ = [
    "BUILT_IN_REWARD",
    "COMBINERS",
    "EVENT_ID",
    "KEY_NAME",
    "MAX_SIGNALS_PER_EVENT",
    "SIGNAL_ID",
    "SIGNAL_NAME",
    "TITLE_ID",
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
    "IdRule",
    "InvalidApiKey",
    "InvalidDecision",
    "InvalidLogUrl",
    "InvalidReward",
    "InvalidSignal",
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
    "RewardDefinition",
    "RewardReceipt",
    "SamplingSalt",
    "SchemaVersionError",
    "ServedTitle",
    "Signal",
    "SignalReceipt",
    "StorageError",
    "TitleMode",
    "TitleSummary",
    "UnknownDefinition",
    "UnknownEvent",
    "UnknownTitle",
    "Waiting",
    "open_log",
    "redact",
    "same_json",
    "using_log",
]
