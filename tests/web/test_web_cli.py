"""`backcheck serve` from the command line: the bad cases end in one line, not a trace."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from backcheck.cli.app import app


def test_unreachable_database_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCHECK_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(
        app, ["serve", "--database-url", "postgresql+psycopg://me:secret@127.0.0.1:1/x"]
    )
    assert result.exit_code == 2
    assert "cannot open the database" in result.output
    assert "secret" not in result.output and "Traceback" not in result.output


def test_bad_port_is_refused() -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code == 2


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_serve_refuses_a_non_loopback_host(
    host: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKCHECK_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["serve", "--host", host])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "--network" in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "backcheck.db").exists()  # refused before anything started


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_are_local(host: str) -> None:
    from backcheck.cli.serve import is_loopback

    assert is_loopback(host)
