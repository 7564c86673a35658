"""Per-log secret salts for the sampling draw, the first one made here (at `create` for a new
log, at upgrade for an existing one); artworks found by their content hash (the address the
service serves them at).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    salts = op.create_table(
        "sampling_salts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    now = datetime.now(UTC).replace(tzinfo=None)  # the log keeps naive UTC
    op.bulk_insert(salts, [{"id": 1, "secret": secrets.token_hex(32), "created_at": now}])
    op.create_index("ix_artworks_content_sha256", "artworks", ["content_sha256"])


def downgrade() -> None:
    op.drop_index("ix_artworks_content_sha256", table_name="artworks")
    op.drop_table("sampling_salts")
