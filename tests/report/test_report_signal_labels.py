"""Labels of issue 11 H: attribution in percentage points, log contributions as logs, ordinal
percentiles, CRPS in percentage points, weight changes in percentage points."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from scenarios.report import ordinal


@pytest.mark.parametrize("n, text", [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"),
                                     (12, "12th"), (13, "13th"), (21, "21st"), (63, "63rd"),
                                     (73, "73rd"), (100, "100th"), (102, "102nd"), (111, "111th")])
def test_ordinal(n: int, text: str) -> None:
    assert ordinal(n) == text


def _run() -> object:
    from scenarios.data.memory import MemorySource
    from scenarios.engine import run_scenario
    from scenarios.model import scenario_from_dict

    idx = pd.bdate_range("2024-01-02", "2025-06-30")
    rng = np.random.default_rng(3)
    closes = {s: pd.Series(100 * np.exp(np.cumsum(0.02 * rng.standard_normal(len(idx)))), index=idx)
              for s in ("0700.HK", "9988.HK")}
    data = {"name": "labels", "as_of": "2025-06-30", "horizon": "6M", "universe": ["0700.HK", "9988.HK"],
            "baseline": {"0700.HK": {"eps": 5.0, "dividend_yield": 0.01}, "9988.HK": {"eps": 8.0}},
            "drivers": [{"type": "rerating", "label": "rr", "change": {"dist": "uniform", "low": -0.1, "high": 0.2}},
                        {"type": "earnings_growth", "label": "g", "growth": 0.3}],
            "monte_carlo": {"draws": 1000, "seed": 5, "residual": {"vol": 0.4, "correlation": "none"}}}
    return run_scenario(scenario_from_dict(data), source=MemorySource(closes))


def test_report_shows_shapley_pp_and_labels_logs_as_logs() -> None:
    from scenarios.report import render_report
    from scenarios.report.adapters import view_from_parts

    res = _run()
    view = view_from_parts(res.to_dict(include_draws=False), read_prices=False)
    dec = view.decomposition
    assert dec is not None and set(dec.shapley_pp) == {"rr", "g"}
    np.testing.assert_allclose(dec.base_pp + sum(dec.shapley_pp.values()), dec.point_pp, atol=1e-10)
    np.testing.assert_allclose(dec.point_pp, 100 * res.point_return, atol=1e-10)
    html = render_report(view)
    table = html.split('id="attribution-table"')[1].split("</table>")[0]
    cells = re.findall(r'data-value="([^"]+)" data-field="pp_(\w+)" data-key="([^"]+)">([^<]+)<', table)
    assert len(cells) == 2 * 2 + 2  # two drivers and the dividends row-cell, two symbols
    for value, field, sym, text in cells:
        assert text.endswith(" pp") and float(text[:-3]) == pytest.approx(100 * float(value), abs=0.051)
        if field in dec.shapley_pp:
            j = list(dec.symbols).index(sym)
            assert 100 * float(value) == pytest.approx(dec.shapley_pp[field][j], abs=1e-9)
    logs = html.split('id="decomposition-table"')[1].split("</table>")[0]
    log_cells = re.findall(r'data-field="log_[^"]+" data-key="[^"]+">([^<]+)<', logs)
    assert log_cells and not any("%" in c for c in log_cells)
    assert "percentage points" in html


def test_crps_is_printed_in_pp_in_terminal_and_html() -> None:
    from scenarios.cli.render import crps_text
    from scenarios.report.html import _metrics_table
    from scenarios.report.model import MetricRow

    assert crps_text(0.03124) == "3.12 pp"
    html = _metrics_table([MetricRow("CRPS", 0.03124, "pp", "")])
    assert ">3.12 pp<" in html
