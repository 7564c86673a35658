"""Artworks are identified by their content hash; checkpoints carry a digest, an optional
signature and a bad mark.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite can only drop a constraint by rebuilding the table.
    with op.batch_alter_table("artworks") as batch:
        batch.add_column(sa.Column("content_sha256", sa.String(64), nullable=True))
        batch.drop_constraint("uq_artworks_title_image", type_="unique")
        batch.create_unique_constraint(
            "uq_artworks_title_content", ["title_id", "content_sha256"]
        )
    with op.batch_alter_table("checkpoints") as batch:
        batch.add_column(sa.Column("digest", sa.String(64), nullable=True))
        batch.add_column(sa.Column("signature", sa.String(64), nullable=True))
        batch.add_column(sa.Column("bad_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkpoints") as batch:
        batch.drop_column("bad_reason")
        batch.drop_column("signature")
        batch.drop_column("digest")
    with op.batch_alter_table("artworks") as batch:
        batch.drop_constraint("uq_artworks_title_content", type_="unique")
        batch.create_unique_constraint("uq_artworks_title_image", ["title_id", "image_path"])
        batch.drop_column("content_sha256")
