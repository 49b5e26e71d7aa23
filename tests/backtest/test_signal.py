"""Signal without noise (issue 11, item 5): hit rate and IC score the noise-free forecast.

Prices are a synthetic random walk (in memory), so realized returns have both signs; the
scenario gives each name its own growth so the noise-free cross-section has something to rank.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scenarios import api
from scenarios.backtest.forecast import Forecast
from scenarios.backtest.scoring import (
    IC_SPREAD_TOLERANCE,
    MIN_IC_NAMES,
    ic_status,
    score_forecast,
)
from scenarios.data.memory import synthetic_source
from scenarios.model import scenario_from_dict

SYMS = ["0700.HK", "9988.HK", "3690.HK", "1810.HK", "0981.HK", "9618.HK"]


@pytest.fixture(scope="module")
def source() -> Any:
    return synthetic_source(SYMS, start="2023-01-02", end="2025-12-31", seed=7, vol=0.025)


def _scenario(growths: list[float], *, symbols: list[str] = SYMS) -> Any:
    drivers = [{"type": "earnings_growth", "label": f"g-{s[:4]}", "symbols": [s],
                "growth": {"dist": "normal", "mean": g, "sd": 0.10, "clip": [-0.5, 0.8]}}
               for s, g in zip(symbols, growths, strict=True)]
    return scenario_from_dict({
        "name": "signal", "as_of": "2024-03-28", "horizon": "3M", "universe": symbols,
        "currency": "HKD", "baseline": {s: {"eps": 5.0} for s in symbols}, "drivers": drivers,
        "monte_carlo": {"draws": 400, "seed": 1, "residual": {"vol": "history", "correlation": "none"}},
    })


GROWTHS = [-0.20, 0.15, -0.05, 0.30, -0.12, 0.06]


def test_seeds_give_identical_hit_rate_and_ic(source: Any) -> None:
    sc = _scenario(GROWTHS)
    out, medians = [], []
    for seed in range(1, 6):
        r = next(iter(api.iter_backtest(sc, seed=seed, source=source, index=False)))
        out.append(r.score_summary)
        medians.append([row.predicted for row in r.per_symbol])
    hits = {o.hit_rate for o in out}
    ics = {o.ic for o in out}
    assert len(hits) == 1 and len(ics) == 1, (hits, ics)
    assert out[0].ic_status == "ok" and out[0].signal == "noise-free"
    assert math.isfinite(out[0].ic)
    assert len({tuple(m) for m in medians}) > 1  # the Monte Carlo medians DO move with the seed


def test_ic_is_the_spearman_of_the_noise_free_forecast(source: Any) -> None:
    r = next(iter(api.iter_backtest(_scenario(GROWTHS), source=source, index=False)))
    rows = [p for p in r.per_symbol if p.scored]
    sig = [p.signal for p in rows]
    real = [p.realized for p in rows]
    assert r.score_summary.ic == pytest.approx(stats.spearmanr(sig, real).statistic, abs=1e-12)
    # more growth, higher noise-free forecast: the signal ranks like the growth inputs
    by_sym = {p.symbol: p.signal for p in r.per_symbol}
    assert stats.spearmanr([by_sym[s] for s in SYMS], GROWTHS).statistic == pytest.approx(1.0)


def test_identical_driver_cross_section_has_no_signal(source: Any) -> None:
    sc = scenario_from_dict({
        "name": "same", "as_of": "2024-03-28", "horizon": "3M", "universe": SYMS, "currency": "HKD",
        "drivers": [{"type": "earnings_growth", "label": "growth", "per_symbol": True,
                     "growth": {"dist": "normal", "mean": 0.08, "sd": 0.10, "clip": [-0.5, 0.8]}}],
        "monte_carlo": {"draws": 400, "seed": 13, "residual": {"vol": "history", "correlation": "none"}},
    })
    r = next(iter(api.iter_backtest(sc, source=source, index=False)))
    assert r.score_summary.ic_status == "no signal"
    assert r.score_summary.ic is None
    assert any("no signal" in n for n in r.notes)


def test_too_few_names(source: Any) -> None:
    few = SYMS[:MIN_IC_NAMES - 1]
    r = next(iter(api.iter_backtest(_scenario(GROWTHS[:len(few)], symbols=few), source=source,
                                    index=False)))
    assert r.score_summary.ic_status == "too few names" and r.score_summary.ic is None
    assert r.score_summary.hit_rate is not None  # the hit rate is still scored


def test_ic_status_rule() -> None:
    assert ic_status([0.1, 0.2, 0.3, 0.4]) == "too few names"
    assert ic_status([0.1] * 5) == "no signal"
    assert ic_status([0.1, 0.1, 0.1, 0.1, 0.1 + 0.5 * IC_SPREAD_TOLERANCE]) == "no signal"
    assert ic_status([0.1, 0.1, 0.1, 0.1, 0.1 + 2 * IC_SPREAD_TOLERANCE]) == "ok"


def test_a_forecast_without_point_scores_its_median() -> None:
    f = Forecast(as_of="2024-01-02", horizon="2024-04-02", symbols=["A.HK", "B.HK"],
                 ensemble=np.array([[0.1, -0.1], [0.3, -0.3]]))
    assert f.signal_kind == "median" and np.allclose(f.signal(), [0.2, -0.2])
    g = Forecast(as_of="2024-01-02", horizon="2024-04-02", symbols=["A.HK", "B.HK"],
                 ensemble=np.array([[0.1, -0.1], [0.3, -0.3]]), point=[-0.01, 0.02])
    realized = pd.DataFrame({"return": [0.05, 0.04], "status": ["complete"] * 2,
                             "start_date": [pd.Timestamp("2024-01-02")] * 2,
                             "end_date": [pd.Timestamp("2024-04-02")] * 2, "note": [""] * 2},
                            index=["A.HK", "B.HK"])
    s = score_forecast(g, realized=realized)
    assert list(s.table["hit"]) == [0.0, 1.0]  # the point's signs, not the median's
    assert s.summary["hit_rate"] == 0.5


def test_walk_forward_track_uses_hac_and_leaves_no_signal_windows_out(source: Any) -> None:
    r = next(iter(api.iter_backtest(_scenario(GROWTHS), roll="monthly", start="2024-01-31",
                                    end="2025-03-31", source=source, index=False)))
    t = r.track
    ok = [w.ic for w in r.windows if w.ic_status == "ok" and w.ic is not None]
    assert t.ic_n == len(ok) >= 10
    assert t.mean_ic == pytest.approx(float(np.mean(ok)))
    # Hansen-Hodrick with h - 1 lags: by hand
    h = t.h
    assert h == 3 and t.ic_lags == 2
    x = np.asarray(ok) - np.mean(ok)
    n = x.size
    g = [float(np.sum(x[k:] * x[:n - k])) / n for k in range(h)]
    lrv = g[0] + 2 * sum(g[1:])
    if lrv <= 0:  # the Bartlett fallback
        lrv = g[0] + 2 * sum((1 - k / h) * g[k] for k in range(1, h))
    assert t.ic_se == pytest.approx(math.sqrt(lrv / n), rel=1e-10)
    assert t.ic_tstat == pytest.approx(np.mean(ok) / math.sqrt(lrv / n), rel=1e-10)
    assert t.pt_hac_lags == 2 and t.signal == "noise-free"
    # seed-independent track record
    r2 = next(iter(api.iter_backtest(_scenario(GROWTHS), roll="monthly", start="2024-01-31",
                                     end="2025-03-31", seed=5, source=source, index=False)))
    assert (r2.track.hit_rate, r2.track.mean_ic, r2.track.ic_tstat, r2.track.pt_hac_pvalue) == \
        (t.hit_rate, t.mean_ic, t.ic_tstat, t.pt_hac_pvalue)
