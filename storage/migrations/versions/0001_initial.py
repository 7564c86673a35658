"""The decision/reward log: titles, artworks, decisions, rewards, joined examples, checkpoints.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "titles",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "artworks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("title_id", sa.String(200), sa.ForeignKey("titles.id"), nullable=False),
        sa.Column("image_path", sa.Text(), nullable=False),
        sa.Column("frame_index", sa.Integer(), nullable=True),
        sa.Column("timestamp_s", sa.Double(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("title_id", "image_path", name="uq_artworks_title_image"),
    )
    op.create_index("ix_artworks_title_id", "artworks", ["title_id"])
    op.create_table(
        "decisions",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("title_id", sa.String(200), sa.ForeignKey("titles.id"), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("candidate_ids", sa.JSON(), nullable=False),
        sa.Column("pmf", sa.JSON(), nullable=False),
        sa.Column("artwork_id", sa.Integer(), sa.ForeignKey("artworks.id"), nullable=False),
        sa.Column("probability", sa.Double(), nullable=False),
        sa.Column("policy_version", sa.String(100), nullable=False),
        sa.Column("exploration", sa.JSON(), nullable=False),
        sa.Column("reward_deadline", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_decisions_reward_deadline", "decisions", ["reward_deadline"])
    op.create_table(
        "rewards",
        sa.Column(
            "event_id", sa.String(64), sa.ForeignKey("decisions.event_id"), primary_key=True
        ),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "joined_examples",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column(
            "event_id",
            sa.String(64),
            sa.ForeignKey("decisions.event_id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("reward", sa.Double(), nullable=False),
        sa.Column("rewarded", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "checkpoints",
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("parent_version", sa.Integer(), nullable=False, unique=True),
        sa.Column("policy", sa.String(50), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("checkpoints", "joined_examples", "rewards", "decisions", "artworks", "titles"):
        op.drop_table(table)
