"""Reference sets and the analysis an assessment uses.

analysis_jobs.is_reference marks a lifter's reference set (compared with later clips of the
same lift); interviews.analysis_id is the analysis the lifter chose for that assessment, so
the newest video is never merged in silently.

Revision ID: 0003_i12_reference
Revises: 0002_i9_sessions
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_i12_reference"
down_revision = "0002_i9_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two columns (existing rows: not a reference, no analysis chosen)."""
    with op.batch_alter_table("analysis_jobs") as batch:
        batch.add_column(
            sa.Column("is_reference", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("interviews") as batch:
        batch.add_column(sa.Column("analysis_id", sa.String(32), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("interviews") as batch:
        batch.drop_column("analysis_id")
    with op.batch_alter_table("analysis_jobs") as batch:
        batch.drop_column("is_reference")
