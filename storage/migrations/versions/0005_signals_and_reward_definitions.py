"""Named signals per decision (click, play, watch_minutes, ...), append-only; reward
definitions, versioned, that turn them into rewards.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column(
            "event_id", sa.String(64), sa.ForeignKey("decisions.event_id"), nullable=False
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("signal_id", sa.String(64), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("event_id", "signal_id", name="uq_signals_event_signal"),
    )
    op.create_index("ix_signals_event_id", "signals", ["event_id"])
    op.create_table(
        "reward_definitions",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("expression", sa.Text(), nullable=False),
        sa.Column("window_s", sa.Double(), nullable=False),
        sa.Column("default_value", sa.Double(), nullable=False),
        sa.Column("combine", sa.JSON(), nullable=False),
        sa.Column("low", sa.Double(), nullable=False),
        sa.Column("high", sa.Double(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reward_definitions")
    op.drop_index("ix_signals_event_id", table_name="signals")
    op.drop_table("signals")
