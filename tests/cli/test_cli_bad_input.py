"""Hostile and careless input to the CLI: every failure is one short line and exit status 2.

Each case here was a defect on the landed main (issue 7, defect 8): a traceback, a hang, an
echo of a huge value, a multi-line box, or raw terminal control characters copied from the
input into the error line.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.web_support import free_port

BACKCHECK = [sys.executable, "-m", "backcheck"]
# Any C0 control character but newline, DEL, and the C1 range: none may reach a terminal raw.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
# An error line is short: the reason and a few words of context, never the whole input.
MAX_ERROR_LINE = 400


def run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, as a shell runs it; a hang fails the test, never the suite."""
    return subprocess.run(
        [*BACKCHECK, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> str:
    """Exit 2, a single short stderr line without control characters, containing ``needle``."""
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[:2000]
    line = lines[0]
    assert len(line) <= MAX_ERROR_LINE, line[:1000]
    assert not CONTROL.search(line), repr(line)
    assert not re.search(r"[╭╰│─]", line), line  # no rich box drawn around it
    assert needle in line, line
    return line


def case_file(tmp_path: Path, text: str, name: str = "case.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_5000_digit_integer_is_one_line(tmp_path: Path) -> None:
    path = case_file(tmp_path, '{"findings": {"pain_score": ' + "7" * 5000 + "}}")
    assert_one_line_error(run("assess", "-i", str(path)), "number")


def test_30000_deep_nesting_is_one_line(tmp_path: Path) -> None:
    path = case_file(tmp_path, '{"findings": ' + "[" * 30_000 + "]" * 30_000 + "}")
    assert_one_line_error(run("assess", "-i", str(path)), "nested")


def test_answers_file_deep_nesting_is_one_line(tmp_path: Path) -> None:
    path = case_file(tmp_path, "[" * 30_000 + "]" * 30_000)
    assert_one_line_error(run("interview", "-a", str(path)), "nested")


def test_huge_value_is_not_echoed(tmp_path: Path) -> None:
    """A 1 MB string answer: the error names the finding and shows only a short prefix."""
    value = "A" * 1_000_000
    path = case_file(tmp_path, json.dumps({"findings": {"saddle_numbness": value}}))
    line = assert_one_line_error(run("assess", "-i", str(path)), "saddle_numbness")
    assert "A" * 100 not in line


def test_huge_unknown_key_is_not_echoed(tmp_path: Path) -> None:
    key = "k" * 1_000_000
    path = case_file(tmp_path, json.dumps({"findings": {key: True}}))
    line = assert_one_line_error(run("assess", "-i", str(path)), "unknown finding")
    assert "k" * 100 not in line


def test_200_mb_case_file_is_refused_unread(tmp_path: Path) -> None:
    """Far larger than any case: refused by its size (a sparse file, so the test stays cheap)."""
    path = tmp_path / "case.json"
    with path.open("wb") as f:
        f.truncate(200 * 1024 * 1024)
    assert_one_line_error(run("assess", "-i", str(path)), "too large")


def test_fifo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "case.json"
    os.mkfifo(fifo)
    assert_one_line_error(run("assess", "-i", str(fifo), timeout=30), "not a regular file")


def test_unreadable_file_is_one_line(tmp_path: Path) -> None:
    """A file the user may not read (as root every file is readable: a directory stands in
    for the open failing, and a file of undecodable bytes for the read failing)."""
    assert_one_line_error(run("assess", "-i", str(tmp_path)), "directory")
    binary = tmp_path / "case.json"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    assert_one_line_error(run("assess", "-i", str(binary)), "cannot read")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_permission_denied_is_one_line(tmp_path: Path) -> None:
    path = case_file(tmp_path, '{"findings": {}}')
    path.chmod(0)
    assert_one_line_error(run("assess", "-i", str(path)), "permission")


def test_control_characters_in_input_are_not_printed(tmp_path: Path) -> None:
    hostile = "\x1b[2J\x1b]0;owned\x07\x9b31m"
    path = case_file(tmp_path, json.dumps({"findings": {hostile: True}}))
    line = assert_one_line_error(run("assess", "-i", str(path)), "unknown finding")
    assert "\\x1b" in line  # shown escaped, so the user still sees what was there
    value = case_file(tmp_path, json.dumps({"findings": {"lift": hostile}}), "value.json")
    assert_one_line_error(run("assess", "-i", str(value)), "lift")


def test_control_characters_in_the_path_are_not_printed(tmp_path: Path) -> None:
    missing = tmp_path / "\x1b[31mcase\x07.json"
    assert_one_line_error(run("assess", "-i", str(missing)), "no such file")


def test_control_characters_in_a_json_error_are_not_printed(tmp_path: Path) -> None:
    path = case_file(tmp_path, '{"findings": {"lift": "\x1b[31m')
    assert_one_line_error(run("assess", "-i", str(path)), "not valid JSON")


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("BACKCHECK_MAX_UPLOAD_BYTES", "abc", "BACKCHECK_MAX_UPLOAD_BYTES"),
        ("BACKCHECK_MAX_UPLOAD_BYTES", "-5", "BACKCHECK_MAX_UPLOAD_BYTES"),
        ("BACKCHECK_JOB_TIMEOUT_S", "nan", "BACKCHECK_JOB_TIMEOUT_S"),
        ("BACKCHECK_JOB_TIMEOUT_S", "inf", "BACKCHECK_JOB_TIMEOUT_S"),
        ("BACKCHECK_JOB_TIMEOUT_S", "0", "BACKCHECK_JOB_TIMEOUT_S"),
    ],
)
def test_bad_environment_settings_are_refused(
    tmp_path: Path, name: str, value: str, needle: str
) -> None:
    """`serve` refuses a bad setting before it starts; a server that started anyway is a fail."""
    env = {"BACKCHECK_DATA_DIR": str(tmp_path), name: value}
    process = subprocess.Popen(
        [*BACKCHECK, "serve", "--port", str(free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "120", **env},
    )
    try:
        stdout, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=15)
        pytest.fail(f"the server started with {name}={value!r}: {stdout}{stderr}")
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert_one_line_error(result, needle)


def test_story_fifo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "story.txt"
    os.mkfifo(fifo)
    assert_one_line_error(run("assess", "--story", str(fifo), timeout=30), "not a regular file")
