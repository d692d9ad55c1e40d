"""Paired devices of network mode.

Revision ID: 0004_i11_paired_devices
Revises: 0003_i12_reference
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_i11_paired_devices"
down_revision = "0003_i12_reference"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the paired-devices table."""
    op.create_table(
        "paired_devices",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("paired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("paired_devices")
