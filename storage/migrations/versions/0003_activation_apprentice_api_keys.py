"""Deferred activation of decisions, apprentice mode per title, API keys for the service, and
the extractions already done (so a catalogue re-run skips them).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every decision logged before this revision was shown: it stays activated.
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(
            sa.Column("activated", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("policy_pmf", sa.JSON(), nullable=True))
    with op.batch_alter_table("titles") as batch:
        batch.add_column(
            sa.Column("mode", sa.String(16), nullable=False, server_default="online")
        )
        batch.add_column(sa.Column("baseline_artwork_id", sa.Integer(), nullable=True))
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "extractions",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("title_id", sa.String(200), sa.ForeignKey("titles.id"), nullable=False),
        sa.Column("video", sa.Text(), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("extractions")
    op.drop_table("api_keys")
    with op.batch_alter_table("titles") as batch:
        batch.drop_column("baseline_artwork_id")
        batch.drop_column("mode")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("policy_pmf")
        batch.drop_column("activated")
