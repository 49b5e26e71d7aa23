"""The HTML report of a scenario with a portfolio block has a P&L fan chart and table."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "long_smic_short_hstech_2025.yaml"


def _value(html: str, field: str) -> float:
    m = re.search(rf'<td class="[^"]*" data-value="([^"]+)" data-field="{field}" data-key="pnl">', html)
    assert m, field
    return float(m.group(1))


def test_report_has_pnl_fan_and_realised_pnl(snapshot_dir: Path) -> None:
    from scenarios.backtest.scenario import backtest_scenario
    from scenarios.data.csvdir import CsvDirSource
    from scenarios.model import load_scenario
    from scenarios.report import chart_specs, render_report
    from scenarios.report.adapters import view_from_parts
    from scenarios.report.pnl import fan_paths
    from scenarios.results import from_backtest

    src = CsvDirSource(snapshot_dir)
    bt = from_backtest(backtest_scenario(load_scenario(EXAMPLE), source=src, draws=2000, index=False))
    view = view_from_parts(bt.result, score=bt, source=src)
    assert view.pnl is not None and "pnl-fan" in [s.id for s in chart_specs(view)]
    # the fan ends at the horizon quantiles exactly and starts at 0
    _, paths = fan_paths(view.pnl)
    for q, v in view.pnl.quantiles.items():
        assert paths[q][-1] == pytest.approx(v) and paths[q][0] == 0.0
    # realised daily path: before costs, ends at the backtest's realised P&L before costs
    assert view.pnl.realized_path[-1] == pytest.approx(bt.pnl.realized_before_costs, abs=1e-12)
    assert view.pnl.realized_dates[-1].isoformat() == "2025-12-31"
    html = render_report(view)
    assert 'id="pnl"' in html and 'id="fig-pnl-fan"' in html
    assert html.index('id="forecast"') < html.index('id="pnl"') < html.index('id="scatter"')
    assert _value(html, "realized") == bt.pnl.realized
    assert _value(html, "median") == pytest.approx(bt.result.pnl.median)
    assert _value(html, "es_05") >= _value(html, "var_05")
    assert "0981.HK total return" in html and "HSTECH.HK price return" in html
    assert np.isfinite(view.pnl.realized_path).all()


def test_report_without_portfolio_has_no_pnl_section(snapshot_dir: Path) -> None:
    from scenarios.data.csvdir import CsvDirSource
    from scenarios.engine import run_scenario
    from scenarios.model import load_scenario
    from scenarios.report import render_report
    from scenarios.report.adapters import view_from_parts
    from scenarios.results import RunResult

    src = CsvDirSource(snapshot_dir)
    sc = load_scenario(EXAMPLE).model_copy(update={"portfolio": None})
    res = RunResult.from_engine(run_scenario(sc, source=src, draws=200))
    assert res.pnl is None and "pnl" not in res.to_dict()
    html = render_report(view_from_parts(res, source=src, read_prices=False))
    assert 'id="pnl"' not in html
