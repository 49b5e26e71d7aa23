"""Fixtures for the backtest tests (fakes live in backtest_fakes.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.data.csvdir import CsvDirSource


@pytest.fixture(scope="session")
def csv_source(snapshot_dir: Path) -> CsvDirSource:
    return CsvDirSource(snapshot_dir)
