"""Fixtures of the fundamentals tests.

``fundamentals_dir`` is ``fundamentals/`` beside the price snapshot (``$SCENARIOS_PRICES``):
skipped with the reason when the variable is unset, a loud failure when it is set but the
folder is missing (the same rule as ``snapshot_dir``).
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def fundamentals_dir(snapshot_dir: Path) -> Path:
    path = snapshot_dir.parent / "fundamentals"
    if not (path / "yfinance").is_dir() or not (path / "sec").is_dir():
        pytest.fail(f"the fundamentals snapshot is not beside the price snapshot: {path} "
                    "(expected yfinance/ and sec/ subfolders)", pytrace=False)
    return path


@pytest.fixture(scope="session")
def fund_folder(fundamentals_dir: Path):
    from scenarios.data.fundamentals import FundamentalsDir

    return FundamentalsDir(fundamentals_dir)


@pytest.fixture
def fund_env(monkeypatch: pytest.MonkeyPatch, fundamentals_dir: Path) -> Path:
    """Point SCENARIOS_FUNDAMENTALS at the snapshot (the engine's default resolver reads it)."""
    monkeypatch.setenv("SCENARIOS_FUNDAMENTALS", str(fundamentals_dir))
    return fundamentals_dir


@pytest.fixture(scope="session")
def snapshot_source(snapshot_dir: Path):
    from scenarios.data import CsvDirSource

    return CsvDirSource(snapshot_dir)
