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
