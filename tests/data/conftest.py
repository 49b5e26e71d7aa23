"""Fixtures of the data-layer tests (helpers live in ``_yfshapes``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from _yfshapes import snapshot_frame


@pytest.fixture
def tencent(snapshot_dir: Path) -> pd.DataFrame:
    """0700.HK 2024-2025 from the snapshot (plain pandas read)."""
    return snapshot_frame(snapshot_dir, "0700.HK").loc["2024-01-01":"2025-12-31"]


@pytest.fixture(scope="session")
def snapshot_source(snapshot_dir: Path):
    """One CsvDirSource over the snapshot for the whole session (its parse memo is shared)."""
    from scenarios.data import CsvDirSource

    return CsvDirSource(snapshot_dir)
