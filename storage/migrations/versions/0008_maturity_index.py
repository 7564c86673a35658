"""The join's index: decisions by (reward_deadline, event_id, activated), the join's order and
filter, so that picking the matured batch reads the index alone (no sort, no table rows).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_decisions_maturity", "decisions", ["reward_deadline", "event_id", "activated"]
    )
    op.drop_index("ix_decisions_reward_deadline", "decisions")


def downgrade() -> None:
    op.create_index("ix_decisions_reward_deadline", "decisions", ["reward_deadline"])
    op.drop_index("ix_decisions_maturity", "decisions")
