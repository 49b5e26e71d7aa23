"""The walk-forward scores the realised P&L of every window against that window's P&L draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scenarios.backtest.scenario import walk_forward_scenario
from scenarios.data.memory import synthetic_source
from scenarios.model.schema import Scenario


def test_walk_forward_pnl_windows_and_track() -> None:
    properscoring = pytest.importorskip("properscoring")
    src = synthetic_source(["AAA.HK", "^HSI"], seed=11, start="2023-01-02", end="2026-06-30")
    sc = Scenario.model_validate({
        "name": "wf-pnl", "as_of": "2024-06-30", "horizon": "3M", "universe": ["AAA.HK"],
        "benchmarks": ["^HSI"], "monte_carlo": {"draws": 300, "seed": 1, "residual": "history"},
        "portfolio": {"positions": [{"symbol": "AAA.HK", "side": "long", "weight": 1},
                                    {"symbol": "^HSI", "side": "short", "weight": 1}],
                      "costs_bps": 5},
    })
    bt = walk_forward_scenario(sc, roll="quarterly", start="2024-06-30", end="2025-06-30", source=src,
                               progress=False)
    pnl = bt.to_dict()["pnl"]
    windows = pnl["windows"]
    assert [w["as_of"] for w in windows] == ["2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31",
                                             "2025-06-30"]
    closes = {s: src.get(s)["close"] for s in ("AAA.HK", "^HSI")}

    def ret(s: str, a: str, h: str) -> float:
        c = closes[s]
        return float(c.loc[:pd.Timestamp(h)].iloc[-1] / c.loc[:pd.Timestamp(a)].iloc[-1] - 1)

    for w in windows:
        expected = ret("AAA.HK", w["as_of"], w["horizon"]) - ret("^HSI", w["as_of"], w["horizon"])
        assert w["realized_before_costs"] * 2 == pytest.approx(expected, abs=1e-12)
        assert w["scored"] and 0 <= w["pit"] <= 1
    # CRPS of one window against properscoring, from the same draws re-run at that as_of
    from scenarios.engine import run_scenario

    res = run_scenario(sc, source=src, as_of="2024-12-31")
    w = windows[2]
    assert w["crps"] == pytest.approx(float(properscoring.crps_ensemble(w["realized"], res.pnl.per_gross)),
                                      rel=1e-9)
    track = pnl["track"]
    assert track["n_scored"] == 5
    assert track["coverage"] == pytest.approx(np.mean([w["inside"] for w in windows]))
    assert track["mean_pit"] == pytest.approx(np.mean([w["pit"] for w in windows]))
    from scenarios.results import from_backtest

    typed = from_backtest(bt)
    assert typed.pnl is not None and typed.pnl.track.n_scored == 5
    # the report of the walk-forward draws the fan of the scenario's own as_of with that window's
    # realised P&L
    from scenarios.report.adapters import view_from_parts
    from scenarios.results import RunResult

    run = RunResult.from_engine(run_scenario(sc, source=src))
    view = view_from_parts(run, walk_forward=typed, source=src, read_prices=False)
    assert view.pnl is not None and view.pnl.realized == typed.pnl.windows[0].realized
    assert view.pnl.quantiles[0.5] == pytest.approx(run.pnl.median)

