"""Alembic environment: runs online against the engine passed in the config's attributes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from backcheck.storage.models import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("run migrations through backcheck.storage.migrate (no engine given)")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
