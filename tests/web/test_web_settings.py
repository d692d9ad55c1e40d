"""Settings from the environment: data folder, database URL, limits, the signing key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from backcheck.storage.db import default_database_url
from backcheck.web.settings import DEFAULT_MAX_UPLOAD, load_settings


def test_defaults_live_in_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCHECK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BACKCHECK_DATABASE_URL", raising=False)
    monkeypatch.delenv("BACKCHECK_SECRET_KEY", raising=False)
    monkeypatch.delenv("BACKCHECK_MAX_UPLOAD_BYTES", raising=False)
    settings = load_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'backcheck.db'}"
    assert settings.max_upload_bytes == DEFAULT_MAX_UPLOAD == 500 * 1024 * 1024
    assert settings.allowed_hosts[0] == "127.0.0.1"
    key = tmp_path / "secret.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert load_settings().secret_key == settings.secret_key  # stable across restarts


def test_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCHECK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BACKCHECK_DATABASE_URL", "postgresql+psycopg://u@h:5432/d")
    monkeypatch.setenv("BACKCHECK_MAX_UPLOAD_BYTES", "1234")
    assert default_database_url() == "postgresql+psycopg://u@h:5432/d"
    settings = load_settings(host="myhost.local")
    assert settings.max_upload_bytes == 1234
    assert "myhost.local" in settings.allowed_hosts
    assert load_settings(database_url="sqlite:///x.db").database_url == "sqlite:///x.db"
