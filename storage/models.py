"""The SQL schema, as SQLAlchemy 2.0 typed ORM classes. Models declare columns and never query."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python, naive UTC in the database, so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("datetimes written to the log must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads it from the class)
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class TitleRow(Base):
    __tablename__ = "titles"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]
    mode: Mapped[str] = mapped_column(String(16), default="online", server_default="online")
    """``online``: the policy chooses. ``apprentice``: the baseline artwork is served and
    logged, and the policy learns from its rewards (see `storage.apprentice`)."""
    baseline_artwork_id: Mapped[int | None]
    """The editorial default artwork. No foreign key: titles and artworks would refer to each
    other; `storage.apprentice.set_title_mode` checks that it belongs to the title."""


class ArtworkRow(Base):
    __tablename__ = "artworks"
    # An artwork is its picture: the same bytes registered again from another path are the
    # same artwork (rows from before migration 0002 have no hash and are matched by path).
    __table_args__ = (
        UniqueConstraint("title_id", "content_sha256", name="uq_artworks_title_content"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id"), index=True)
    image_path: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    """Also the address the service serves the image at (``/artwork/<sha256>``)."""
    frame_index: Mapped[int | None]
    timestamp_s: Mapped[float | None] = mapped_column(Double)
    features: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime]


class DecisionRow(Base):
    __tablename__ = "decisions"
    # The join's order and filter: it picks a matured batch from this index alone.
    __table_args__ = (Index("ix_decisions_maturity", "reward_deadline", "event_id", "activated"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime]
    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id"))
    context: Mapped[dict[str, Any]]
    candidate_ids: Mapped[list[Any]]
    pmf: Mapped[list[Any]]
    artwork_id: Mapped[int] = mapped_column(ForeignKey("artworks.id"))
    probability: Mapped[float] = mapped_column(Double)
    policy_version: Mapped[str] = mapped_column(String(100))
    exploration: Mapped[dict[str, Any]]
    reward_deadline: Mapped[datetime]
    activated: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """False for a deferred decision (ranked, not yet shown): never joined, so never learned."""
    policy_pmf: Mapped[list[Any] | None]
    """Apprentice mode: the policy's own pmf over ``candidate_ids``, beside the baseline that
    was served (whose pmf entry is 1)."""
    experiment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    """The online experiment this decision took part in (None: none)."""
    arm: Mapped[str | None] = mapped_column(String(32))
    """Its arm in that experiment."""
    arm_probability: Mapped[float | None] = mapped_column(Double)
    """The chance the assignment gave that arm (its share, or more once an arm stopped)."""
    unit: Mapped[str | None] = mapped_column(String(32))
    """The unit (member or device) assigned, as a keyed hash of the id the client sent."""


class RewardRow(Base):
    """Append-only: one row per event (the first reward wins); never updated."""

    __tablename__ = "rewards"

    event_id: Mapped[str] = mapped_column(ForeignKey("decisions.event_id"), primary_key=True)
    value: Mapped[float] = mapped_column(Double)
    received_at: Mapped[datetime]
    late: Mapped[bool] = mapped_column(Boolean)


class JoinedExampleRow(Base):
    __tablename__ = "joined_examples"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(ForeignKey("decisions.event_id"), unique=True)
    reward: Mapped[float] = mapped_column(Double)
    rewarded: Mapped[bool] = mapped_column(Boolean)
    joined_at: Mapped[datetime]


class ApiKeyRow(Base):
    """An API key of the decision service. Only a hash of its secret is stored."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    """The key's public part: it finds the row, and may be shown and logged."""
    name: Mapped[str] = mapped_column(String(100), unique=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[Any]]
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ExtractionRow(Base):
    """One video extracted with one set of settings (see ``thumbnails.memo``): a re-run of
    the catalogue skips it while its output folder is there."""

    __tablename__ = "extractions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id"))
    video: Mapped[str] = mapped_column(Text)
    output: Mapped[str] = mapped_column(Text)
    """The output folder the result was written to."""
    created_at: Mapped[datetime]


class CheckpointRow(Base):
    __tablename__ = "checkpoints"

    __table_args__ = (
        UniqueConstraint("reward", "parent_version", name="uq_checkpoints_reward_parent"),
    )

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    parent_version: Mapped[int] = mapped_column(Integer)
    """The lineage's previous checkpoint (0 for its first); UNIQUE within the lineage."""
    reward: Mapped[str] = mapped_column(String(64), server_default="reward")
    """The reward definition this lineage optimises (``reward``: what reward() sends)."""
    reward_version: Mapped[int | None] = mapped_column(Integer)
    """The definition's version it learned under (None for the built-in ``reward``)."""
    policy: Mapped[str] = mapped_column(String(50))
    args: Mapped[str] = mapped_column(Text)
    model: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    last_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    digest: Mapped[str | None] = mapped_column(String(64))
    """sha256 over every field that rebuilds the policy (see storage.checkpoints)."""
    signature: Mapped[str | None] = mapped_column(String(64))
    """HMAC-SHA256 of the digest under the operator's key, when one is set."""
    bad_reason: Mapped[str | None] = mapped_column(Text)
    """Set when an operator or a chooser marked the checkpoint bad; it is then never served."""


class LogSettingRow(Base):
    """A log-wide setting every worker reads (the active reward definition)."""

    __tablename__ = "log_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


class SamplingSaltRow(Base):
    """A secret mixed into every decision's sampling draw, so that no client can choose its
    draw by choosing its event id. The newest is in use; older ones stay, so any decision can
    be reproduced by whoever holds the log (each decision's exploration record names its
    salt's id)."""

    __tablename__ = "sampling_salts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class SignalRow(Base):
    """Append-only: every named signal a decision received (click, play, watch_minutes, ...),
    as it arrived; never updated. Reward definitions turn them into rewards."""

    __tablename__ = "signals"
    __table_args__ = (UniqueConstraint("event_id", "signal_id", name="uq_signals_event_signal"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("decisions.event_id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Double)
    signal_id: Mapped[str | None] = mapped_column(String(64))
    """The caller's id for a retried signal; NULL ones never collide."""
    received_at: Mapped[datetime]
    late: Mapped[bool] = mapped_column(Boolean)
    """Came after the decision's window or its join: kept, never learned."""


class RewardDefinitionRow(Base):
    """How signals become one reward: a version of a named definition, never changed once
    written (a change is the next version)."""

    __tablename__ = "reward_definitions"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    expression: Mapped[str] = mapped_column(Text)
    window_s: Mapped[float] = mapped_column(Double)
    """Signals that arrive within this many seconds of the decision count."""
    default_value: Mapped[float] = mapped_column(Double)
    """The reward when no signal the expression reads arrived in the window."""
    combine: Mapped[dict[str, Any]]
    """Per signal name: first, last, sum or max of its values in the window."""
    low: Mapped[float] = mapped_column(Double)
    high: Mapped[float] = mapped_column(Double)
    """The expression's range, mapped onto [0, 1]."""
    created_at: Mapped[datetime]


class ExperimentRow(Base):
    """An online experiment: arms with traffic shares over some titles, judged by a reward
    definition. Its arms' states change (stopped); everything else is set at its start."""

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    titles: Mapped[list[Any]]
    arms: Mapped[list[Any]]
    """``[{"name", "spec", "share", "stopped"}]``, control first."""
    reward: Mapped[str] = mapped_column(String(64))
    salt_id: Mapped[int] = mapped_column(Integer)
    """The sampling salt that keys the unit hash for the experiment's whole life (a rotation
    later does not move units between arms)."""
    status: Mapped[str] = mapped_column(String(16))
    """``running``, ``stopped`` or ``promoted``."""
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class ExperimentTitleRow(Base):
    """The titles of running experiments: the primary key keeps one experiment per title."""

    __tablename__ = "experiment_titles"

    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id"), primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"))


class ExperimentChangeRow(Base):
    """Append-only: what happened to an experiment (start, forced start, arm stopped,
    stopped, promoted), when, and the evidence."""

    __tablename__ = "experiment_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))
    arm: Mapped[str | None] = mapped_column(String(32))
    evidence: Mapped[dict[str, Any]]


class TitlePolicyRow(Base):
    """What serves a title after an experiment promoted an arm other than the head."""

    __tablename__ = "title_policies"

    title_id: Mapped[str] = mapped_column(ForeignKey("titles.id"), primary_key=True)
    spec: Mapped[str] = mapped_column(String(200))
    """What serves the title: ``checkpoint:N``, ``baseline``, or ``POLICY_SPEC|LINEAGE``."""
    experiment_id: Mapped[int | None] = mapped_column(ForeignKey("experiments.id"))
    set_at: Mapped[datetime]
