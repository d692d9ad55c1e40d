"""Durable storage: SQLAlchemy 2 models, engine set-up (SQLite WAL or PostgreSQL), migrations."""

from backcheck.storage.db import Database, default_database_url, open_database
from backcheck.storage.models import AnalysisJob, Base, Interview, JournalEntry, PairedDevice

__all__ = [
    "AnalysisJob",
    "Base",
    "Database",
    "Interview",
    "JournalEntry",
    "PairedDevice",
    "default_database_url",
    "open_database",
]
