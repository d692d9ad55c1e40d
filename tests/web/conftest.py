"""Web fixtures: an app on a temporary SQLite database with a fake analysis runner, and a
CSRF-aware TestClient. Helpers live in web_support.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backcheck.web.app import create_app
from backcheck.web.settings import Settings
from tests.web.web_support import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
