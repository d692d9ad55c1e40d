"""Journal entries gain a response per activity and a logged programme session.

Revision ID: 0002_i9_sessions
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_i9_sessions"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    """Add the two nullable JSON columns; old entries keep their single response."""
    with op.batch_alter_table("journal_entries") as batch:
        batch.add_column(sa.Column("responses", JSON, nullable=True))
        batch.add_column(sa.Column("session", JSON, nullable=True))


def downgrade() -> None:
    """Drop them again (per-activity answers and sessions are lost)."""
    with op.batch_alter_table("journal_entries") as batch:
        batch.drop_column("session")
        batch.drop_column("responses")
