"""Which process runs an analysis job, so a restarted server can tell a live worker from a
dead one.

analysis_jobs.worker_pid, worker_started (the process's start time, seconds since the epoch:
a reused pid has another) and worker_host (pids mean nothing on another machine) are written
by the worker when it claims the job.

Revision ID: 0005_i7_job_worker
Revises: 0004_i11_paired_devices
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_i7_job_worker"
down_revision = "0004_i11_paired_devices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the three columns (existing rows: no worker known)."""
    with op.batch_alter_table("analysis_jobs") as batch:
        batch.add_column(sa.Column("worker_pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("worker_started", sa.Float(), nullable=True))
        batch.add_column(sa.Column("worker_host", sa.String(255), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("analysis_jobs") as batch:
        batch.drop_column("worker_host")
        batch.drop_column("worker_started")
        batch.drop_column("worker_pid")
