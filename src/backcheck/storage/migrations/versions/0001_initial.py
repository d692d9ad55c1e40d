"""Initial schema: interviews, journal entries, analysis jobs.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    """Create the three tables."""
    op.create_table(
        "interviews",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("findings", JSON, nullable=False),
        sa.Column("asked", JSON, nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("level", sa.String(20), nullable=True),
    )
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("uid", sa.String(32), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("pain", sa.Integer(), nullable=False),
        sa.Column("locations", JSON, nullable=False),
        sa.Column("radiates", sa.String(20), nullable=False),
        sa.Column("activities", JSON, nullable=False),
        sa.Column("training", sa.Text(), nullable=False),
        sa.Column("response", sa.String(10), nullable=True),
        sa.Column("symptoms", JSON, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_journal_entries_day", "journal_entries", ["day"])
    op.create_table(
        "analysis_jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("stage", sa.String(80), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("lift", sa.String(20), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("container", sa.String(10), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("result", JSON, nullable=True),
    )
    op.create_index("ix_analysis_jobs_status", "analysis_jobs", ["status"])


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_index("ix_analysis_jobs_status", table_name="analysis_jobs")
    op.drop_table("analysis_jobs")
    op.drop_index("ix_journal_entries_day", table_name="journal_entries")
    op.drop_table("journal_entries")
    op.drop_table("interviews")
