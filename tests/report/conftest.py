"""Fixtures for report tests: view-models from small synthetic draws plus real snapshot prices."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_synth import SYMBOLS, synthetic_view

from scenarios.report.model import ReportView


@pytest.fixture(scope="session")
def full_view(snapshot_dir: Path) -> ReportView:
    return synthetic_view(snapshot_dir, symbols=SYMBOLS[:5])


@pytest.fixture(scope="session")
def full_html(full_view: ReportView) -> str:
    from scenarios.report import render_report

    return render_report(full_view)
