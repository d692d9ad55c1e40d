"""Fixtures every test package may use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import launch_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium per test module (a launch costs about a second)."""
    with launch_chromium() as chromium:
        yield chromium
