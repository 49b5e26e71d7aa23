"""Fixtures for engine tests: small in-memory price sources (no files, no network)."""

from __future__ import annotations

import pytest

from scenarios.data.memory import MemorySource, flat_source


@pytest.fixture
def source() -> MemorySource:
    return flat_source({"0700.HK": 500.0, "9988.HK": 120.0, "3690.HK": 100.0, "^HSI": 20000.0})
