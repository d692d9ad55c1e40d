"""Bodies of the export / import API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ImportCounts(BaseModel):
    """What an import added, and what this database already had."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "interviews_added": 1,
                    "interviews_skipped": 0,
                    "journal_added": 12,
                    "journal_skipped": 3,
                    "analyses_added": 1,
                    "analyses_skipped": 0,
                }
            ]
        }
    )

    interviews_added: int
    interviews_skipped: int
    journal_added: int
    journal_skipped: int
    analyses_added: int
    analyses_skipped: int
