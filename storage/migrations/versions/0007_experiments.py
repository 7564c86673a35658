"""Online experiments: experiments, the titles running ones hold, their change history, the
policies promoted arms leave on titles, and each decision's experiment, arm, arm probability
and unit.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(32), nullable=False, unique=True),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("arms", sa.JSON(), nullable=False),
        sa.Column("reward", sa.String(64), nullable=False),
        sa.Column("salt_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "experiment_titles",
        sa.Column("title_id", sa.String(200), sa.ForeignKey("titles.id"), primary_key=True),
        sa.Column(
            "experiment_id", sa.Integer(), sa.ForeignKey("experiments.id"), nullable=False
        ),
    )
    op.create_table(
        "experiment_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "experiment_id", sa.Integer(), sa.ForeignKey("experiments.id"), nullable=False
        ),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("arm", sa.String(32), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
    )
    op.create_index(
        "ix_experiment_changes_experiment_id", "experiment_changes", ["experiment_id"]
    )
    op.create_table(
        "title_policies",
        sa.Column("title_id", sa.String(200), sa.ForeignKey("titles.id"), primary_key=True),
        sa.Column("spec", sa.String(200), nullable=False),
        sa.Column("experiment_id", sa.Integer(), sa.ForeignKey("experiments.id"), nullable=True),
        sa.Column("set_at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("experiment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("arm", sa.String(32), nullable=True))
        batch.add_column(sa.Column("arm_probability", sa.Double(), nullable=True))
        batch.add_column(sa.Column("unit", sa.String(32), nullable=True))
    op.create_index("ix_decisions_experiment_id", "decisions", ["experiment_id"])


def downgrade() -> None:
    op.drop_index("ix_decisions_experiment_id", "decisions")
    with op.batch_alter_table("decisions") as batch:
        for column in ("unit", "arm_probability", "arm", "experiment_id"):
            batch.drop_column(column)
    op.drop_table("title_policies")
    op.drop_index("ix_experiment_changes_experiment_id", "experiment_changes")
    op.drop_table("experiment_changes")
    op.drop_table("experiment_titles")
    op.drop_table("experiments")
