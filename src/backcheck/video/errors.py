"""Domain errors of the video adapter: the CLI turns them into one line and exit status 2."""

from __future__ import annotations


class VideoError(Exception):
    """Bad or unusable input video. `code` is stable (tests and callers match on it)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]"
