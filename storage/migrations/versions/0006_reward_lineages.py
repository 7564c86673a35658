"""Checkpoints name the reward definition they optimise, each definition its own lineage (one
winner per parent within a lineage); a table of log-wide settings holds the active definition.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# 0001 left the UNIQUE on parent_version unnamed: PostgreSQL calls it this, and SQLite's
# batch rebuild names it by this convention so that it can be dropped.
_PG_PARENT_UNIQUE = "checkpoints_parent_version_key"
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique() -> str:
    return (
        _PG_PARENT_UNIQUE
        if op.get_bind().dialect.name == "postgresql"
        else "uq_checkpoints_parent_version"
    )


def upgrade() -> None:
    with op.batch_alter_table("checkpoints", naming_convention=_NAMING) as batch:
        batch.add_column(
            sa.Column("reward", sa.String(64), nullable=False, server_default="reward")
        )
        batch.add_column(sa.Column("reward_version", sa.Integer(), nullable=True))
        batch.drop_constraint(_old_unique(), type_="unique")
        batch.create_unique_constraint(
            "uq_checkpoints_reward_parent", ["reward", "parent_version"]
        )
    op.create_table(
        "log_settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("log_settings")
    # Only the built-in lineage fits the old one-chain schema.
    op.execute("DELETE FROM checkpoints WHERE reward <> 'reward'")
    with op.batch_alter_table("checkpoints", naming_convention=_NAMING) as batch:
        batch.drop_constraint("uq_checkpoints_reward_parent", type_="unique")
        batch.create_unique_constraint(_old_unique(), ["parent_version"])
        batch.drop_column("reward_version")
        batch.drop_column("reward")
