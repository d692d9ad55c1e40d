"""Reading the user's files and reporting bad input: one plain line, exit status 2.

The input is hostile or careless as often as it is right: a case file may be a FIFO, a
200 MB dump, a 30,000-deep nest of brackets, a 5000-digit number, or hold terminal escape
sequences. None of that may hang the command, print a traceback, echo the input whole, or
reach the user's terminal raw.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any, NoReturn

import typer

# A case or answers file is a few kB; a video analysis a few hundred. Far past that it is not
# one of ours, and reading it whole would only cost memory.
MAX_JSON_FILE_BYTES = 10 * 1024 * 1024
# JSON numbers longer than this are no answer to any question (and Python's int parser
# refuses past 4300 digits with an exception of its own).
MAX_NUMBER_DIGITS = 20
# Shown at most, of anything taken from the input (a path, a key, a value).
MAX_SHOWN_CHARS = 200

# C0 and C1 control characters, DEL, and the bidirectional overrides that reorder a line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, limit: int = MAX_SHOWN_CHARS * 2) -> str:
    """``text`` safe for a terminal: control characters shown as escapes, cut to ``limit``."""
    if len(text) > limit:
        text = text[:limit] + "..."
    return _UNPRINTABLE.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def fail(message: str) -> NoReturn:
    """Print a one-line error (made printable) and exit with status 2."""
    typer.echo(f"backcheck: error: {printable(message)}", err=True)
    raise typer.Exit(2)


def _number(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _NumberTooLongError(len(text.lstrip("-")))
    return int(text)


class _NumberTooLongError(ValueError):
    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


def parse_json_text(text: str) -> Any:
    """``json.loads`` that turns a huge number or a deep nest into ValueError with a message.

    Raises ``ValueError`` with a short, printable explanation for every way ``text`` can be
    bad JSON (``json.JSONDecodeError`` is one).
    """
    try:
        return json.loads(text, parse_int=_number)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except _NumberTooLongError as exc:
        raise ValueError(
            f"a number in it has {exc.digits} digits: no answer needs more than {MAX_NUMBER_DIGITS}"
        ) from None
    except RecursionError:
        raise ValueError("it is nested too deeply to be a case or an analysis") from None
    except ValueError as exc:  # e.g. a number past Python's own digit limit
        raise ValueError(f"not valid JSON ({str(exc).split(':')[0]})") from None


class UserFileError(ValueError):
    """A file the user named cannot be used; the message says why, in one line."""


def read_user_file(path: Path, what: str, max_bytes: int) -> bytes:
    """The bytes of a small regular file the user named, or UserFileError saying why not.

    Never blocks on a FIFO or a device, and never reads more than ``max_bytes`` + 1.
    """
    label = f"{what} {path}"
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting forever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise UserFileError(f"{label}: no such file") from None
    except PermissionError:
        raise UserFileError(f"{label}: permission denied (you may not read this file)") from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise UserFileError(f"{label}: cannot open it ({reason})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UserFileError(f"{label}: is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise UserFileError(
                f"{label}: not a regular file (a pipe or a device): save it to a file first"
            )
        if info.st_size > max_bytes:
            raise UserFileError(f"{label}: too large ({_size(info.st_size)}; a {what} is small)")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise UserFileError(f"{label}: cannot read it ({reason})") from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise UserFileError(f"{label}: too large (a {what} is small)")
    return data


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} kB"


def read_json_file(path: Path, what: str) -> Any:
    """Read a JSON file, turning every failure into a one-line message (and exit 2)."""
    label = f"{what} {path}"
    try:
        data = read_user_file(path, what, MAX_JSON_FILE_BYTES)
    except UserFileError as exc:
        fail(str(exc))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        fail(f"{label}: cannot read it: it is not UTF-8 text (is it the right file?)")
    if not text.strip():
        fail(f"{label}: the file is empty")
    try:
        return parse_json_text(text)
    except ValueError as exc:
        fail(f"{label}: {exc}")
