"""Benchmark-relative calls (issue 11 item 10): excess returns over every declared benchmark."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scenarios.backtest.excess import (
    DIVIDEND_CAVEAT,
    basis_of,
    excess_draws,
    excess_track,
    membership_benchmarks,
    residual_only_median,
    score_excess,
)
from scenarios.backtest.forecast import Forecast
from scenarios.backtest.scoring import score_forecast
from scenarios.data.memory import MemorySource

REPO = Path(__file__).resolve().parents[2]
finite = st.floats(-0.9, 5.0, allow_nan=False, allow_infinity=False)


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 6)), elements=finite),
       st.data())
def test_excess_is_stock_minus_benchmark_per_draw(ens: np.ndarray, data) -> None:
    bench = data.draw(hnp.arrays(np.float64, ens.shape[0], elements=finite))
    ex = excess_draws(ens, bench)
    assert ex.shape == ens.shape
    for d in range(ens.shape[0]):
        for i in range(ens.shape[1]):
            assert ex[d, i] == ens[d, i] - bench[d]


def test_excess_draws_reject_mismatched_benchmark_draws() -> None:
    with pytest.raises(ValueError, match="do not match"):
        excess_draws(np.zeros((4, 2)), np.zeros(3))


def test_basis_is_stated_never_silent() -> None:
    assert basis_of("total", "price") == "total - price"
    assert basis_of("price", "price") == "price - price"
    assert "dividend yield" in DIVIDEND_CAVEAT


def test_residual_only_median_is_zero_when_median_centred_and_the_lognormal_median_when_mean_centred() -> None:
    a, h = pd.Timestamp("2024-12-31"), pd.Timestamp("2025-12-31")
    med, how = residual_only_median("^HSI", a, h, {"vol": 0.25, "center": "median"}, None)
    assert med == 0.0 and "median" in how
    med, _ = residual_only_median("^HSI", a, h, None, None)
    assert med == 0.0
    # mean-centred normal noise: exp(-s^2/2) - 1 with s = vol sqrt(years) (independent formula)
    med, how = residual_only_median("^HSI", a, h, {"vol": 0.25, "center": "mean"}, None)
    s = 0.25 * math.sqrt(365 / 365.25)
    assert med == pytest.approx(math.exp(-s * s / 2) - 1, rel=1e-9)


def _fake_forecast(ens: np.ndarray, symbols: list[str], **kw) -> Forecast:
    return Forecast(as_of="2025-01-31", horizon="2025-03-31", symbols=symbols, ensemble=ens, **kw)


def _source() -> MemorySource:
    days = pd.bdate_range("2025-01-02", "2025-04-30")
    lin = lambda a, b: pd.Series(np.linspace(a, b, len(days)), index=days)  # noqa: E731
    return MemorySource({"0700.HK": lin(100, 130), "9988.HK": lin(100, 90), "^HSI": lin(20000, 22000)})


def test_score_excess_against_a_residual_only_benchmark_by_hand() -> None:
    src = _source()
    rng = np.random.default_rng(3)
    ens = np.column_stack([rng.normal(0.08, 0.05, 400), rng.normal(-0.02, 0.05, 400)])
    f = _fake_forecast(ens, ["0700.HK", "9988.HK"], benchmarks=["^HSI"],
                       residual={"vol": 0.2, "center": "median"})
    sc = score_forecast(f, src)
    blk = sc.excess["^HSI"]
    assert blk["basis"] == "total - price"  # stocks total minus an index price return, stated
    rows = {r["symbol"]: r for r in blk["rows"]}
    assert rows["0700.HK"]["basis"] == "total - price" and blk["note"] == DIVIDEND_CAVEAT
    # independent: realized closes of the linear paths on the window's days
    closes = {s: src.get(s, None, None)["close"] for s in ("0700.HK", "9988.HK", "^HSI")}
    r = {s: float(c.loc[:"2025-03-31"].iloc[-1] / c.loc[:"2025-01-31"].iloc[-1] - 1) for s, c in closes.items()}
    for j, s in enumerate(("0700.HK", "9988.HK")):
        assert rows[s]["realized"] == pytest.approx(r[s] - r["^HSI"], abs=1e-12)
        # residual-only, median-centred: the benchmark's forecast is 0, so the predicted excess
        # is the stock's own median
        assert rows[s]["predicted"] == pytest.approx(float(np.median(ens[:, j])), abs=1e-12)
        assert rows[s]["hit"] == float(np.sign(rows[s]["predicted"]) == np.sign(rows[s]["realized"]))
    assert blk["benchmark_predicted"] == 0.0
    assert blk["hit_rate"] == pytest.approx(np.mean([rows[s]["hit"] for s in rows]))
    # basket: equal weights (no index line), per draw then median
    bk = blk["basket"]
    assert bk["predicted"] == pytest.approx(float(np.median(ens.mean(axis=1))), abs=1e-12)
    assert bk["realized"] == pytest.approx((r["0700.HK"] + r["9988.HK"]) / 2 - r["^HSI"], abs=1e-12)


def test_membership_benchmark_uses_the_scenario_index_at_base_weights_per_draw() -> None:
    src = _source()
    rng = np.random.default_rng(5)
    ens = rng.normal(0.0, 0.1, (300, 2))
    before = ens @ np.array([0.7, 0.3])
    f = _fake_forecast(ens, ["0700.HK", "9988.HK"], benchmarks=["^HSI"], benchmark_draws={"^HSI": before})
    table = score_forecast(_fake_forecast(ens, ["0700.HK", "9988.HK"]), src).table
    blk = score_excess(f, table, src)["^HSI"]
    assert "base weights" in blk["benchmark_forecast"]
    for j, r in enumerate(blk["rows"]):
        assert r["predicted"] == pytest.approx(float(np.median(ens[:, j] - before)), abs=1e-12)


def test_membership_benchmarks_of_inputs() -> None:
    assert membership_benchmarks({"universe": "hstech"}) == {"HSTECH.HK"}
    assert membership_benchmarks({"universe": ["0700.HK"], "benchmarks": ["HSTECH.HK", "^HSI"],
                                  "drivers": [{"type": "index_weighting", "benchmark": "HSTECH.HK"}]}
                                 ) == {"HSTECH.HK"}
    assert membership_benchmarks({"universe": ["0700.HK"], "benchmarks": ["^HSI"]}) == set()


@given(st.lists(st.tuples(st.sampled_from(["A", "B", "basket"]), finite, finite, st.booleans()),
                min_size=1, max_size=40))
def test_excess_track_hit_rate_is_the_share_of_same_sign_pairs(rows) -> None:
    recs = [{"benchmark": "^HSI", "symbol": s, "basis": "total - price", "predicted": p,
             "realized": y, "scored": ok, "hit": None} for s, p, y, ok in rows]
    t = excess_track(recs)["^HSI"]
    names = [(p, y) for s, p, y, ok in rows if ok and s != "basket"]
    keep = [(p, y) for p, y in names if p != 0 and y != 0]
    assert t["n_pairs"] == len(names)
    if keep:
        assert t["hit_rate"] == pytest.approx(np.mean([np.sign(p) == np.sign(y) for p, y in keep]))


# ------------------------------------------------------------------ snapshot: a known value

def _csv_close(folder: Path, symbol: str, day: str) -> float:
    """Close on ``day`` read with the csv module (independent of the project)."""
    with open(folder / f"{symbol}.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["date"] == day:
                return float(row["close"])
    raise AssertionError(f"{symbol} has no row {day}")


def test_tencent_excess_over_hstech_2025_is_its_total_minus_the_index_price_return(snapshot_dir: Path,
                                                                                   tmp_path: Path) -> None:
    from scenarios.backtest.scenario import backtest_scenario
    from scenarios.model.loader import load_scenario

    bt = backtest_scenario(load_scenario(REPO / "examples" / "hstech_ai_reweight_2025.yaml"),
                           draws=300, index=False)
    d = bt.to_dict()
    row = next(r for r in d["per_symbol"] if r["symbol"] == "0700.HK")
    start, end = row["start_date"], row["end_date"]
    tencent = _csv_close(snapshot_dir, "0700.HK", end) / _csv_close(snapshot_dir, "0700.HK", start) - 1
    hstech = _csv_close(snapshot_dir, "HSTECH.HK", end) / _csv_close(snapshot_dir, "HSTECH.HK", start) - 1
    ex = d["excess"]["HSTECH.HK"]
    got = next(r for r in ex["rows"] if r["symbol"] == "0700.HK")
    assert got["realized"] == pytest.approx(tencent - hstech, abs=1e-9)
    assert 0.15 < got["realized"] < 0.25   # Tencent +43.9% (total) vs HSTECH +23.5% (price)
    assert got["basis"] == "total - price"
    # the universe is HSTECH's membership: its forecast is the scenario index at base weights
    assert "base weights" in ex["benchmark_forecast"]
    assert ex["benchmark_realized"] == pytest.approx(hstech, abs=1e-9)
    # ^HSI is not the universe's index: its forecast is residual-only. The example's noise is
    # mean-centred (E[1 + R] = 1), so the median of that forecast sits below 0 by about
    # half the horizon variance; median-centred noise gives exactly 0
    hsi = d["excess"]["^HSI"]["benchmark_predicted"]
    assert -0.10 < hsi < 0.0
    text = (REPO / "examples" / "hstech_ai_reweight_2025.yaml").read_text(encoding="utf-8")
    assert "center: mean" in text
    median_file = tmp_path / "hstech_median.yaml"
    median_file.write_text(text.replace("center: mean", "center: median"), encoding="utf-8")
    bt_median = backtest_scenario(load_scenario(median_file), draws=300, index=False)
    assert bt_median.to_dict()["excess"]["^HSI"]["benchmark_predicted"] == 0.0
    # the typed result reads it back, and an unknown key is rejected
    from scenarios.results import SingleBacktestResult, from_backtest

    typed = from_backtest(bt)
    assert typed.excess["HSTECH.HK"].hit_rate == pytest.approx(ex["hit_rate"])
    payload = typed.to_dict()
    payload["excess"]["HSTECH.HK"]["surprise"] = 1
    with pytest.raises(Exception, match="surprise"):
        SingleBacktestResult.model_validate(payload)
    # an older payload without relative calls stays readable
    payload = typed.to_dict()
    payload.pop("excess")
    assert SingleBacktestResult.model_validate(payload).excess == {}
    # the report shows them, per benchmark, with the basis
    from scenarios.report.adapters import view_from_parts
    from scenarios.report.html import render_html

    view = view_from_parts(typed.result, score=typed, read_prices=False)
    blk = next(b for b in view.excess if b.benchmark == "HSTECH.HK")
    assert blk.basis == "total - price" and blk.hit_rate == pytest.approx(ex["hit_rate"])
    row = next(r for r in blk.rows if r.symbol == "0700.HK")
    assert row.realized == pytest.approx(tencent - hstech, abs=1e-9)
    assert blk.rows[-1].symbol.startswith("basket")
    html = render_html(view, {})
    assert "Relative calls: excess over the benchmarks" in html and 'id="excess-table-HSTECH-HK"' in html


def test_walk_forward_scores_relative_calls(snapshot_dir: Path) -> None:
    from scenarios.backtest.scenario import walk_forward_scenario
    from scenarios.model.loader import load_scenario
    from scenarios.results import from_backtest

    sc = load_scenario(REPO / "examples" / "hstech_ai_reweight_2025.yaml")
    wf = walk_forward_scenario(sc, roll="quarterly", start=dt.date(2024, 12, 31), end=dt.date(2025, 3, 31),
                               draws=200, progress=False)
    d = wf.to_dict()
    rows = d["excess_windows"]
    assert {r["benchmark"] for r in rows} == {"HSTECH.HK", "^HSI"}
    track = d["track"]["excess"]["^HSI"]
    mine = [(r["predicted"], r["realized"]) for r in rows
            if r["benchmark"] == "^HSI" and r["scored"] and r["symbol"] != "basket"]
    keep = [(p, y) for p, y in mine if p != 0 and y != 0]
    assert track["n_pairs"] == len(mine) > 0
    assert track["hit_rate"] == pytest.approx(np.mean([np.sign(p) == np.sign(y) for p, y in keep]))
    typed = from_backtest(wf)
    assert typed.track.excess["^HSI"].n_pairs == len(mine)


def test_excess_sign_calls_do_not_move_with_the_seed(snapshot_dir: Path) -> None:
    """The hit on the sign of excess is called on the noise-free excess: seeds 1-3 give the
    same hits and hit rates, and the call equals point forecast minus the benchmark's point."""
    from scenarios.backtest.scenario import backtest_scenario
    from scenarios.model.loader import load_scenario

    sc = load_scenario(REPO / "examples" / "hstech_ai_reweight_2025.yaml")
    runs = [backtest_scenario(sc, draws=200, seed=s, index=False).to_dict()["excess"] for s in (1, 2, 3)]
    for b in ("HSTECH.HK", "^HSI"):
        calls = [[r["noise_free"] for r in x[b]["rows"]] for x in runs]
        hits = [[r["hit"] for r in x[b]["rows"]] for x in runs]
        assert calls[0] == calls[1] == calls[2]
        assert hits[0] == hits[1] == hits[2]
        assert runs[0][b]["hit_rate"] == runs[1][b]["hit_rate"] == runs[2][b]["hit_rate"]
        # the Monte Carlo medians still move with the seed (they are reported, not called on)
        assert [r["predicted"] for r in runs[0][b]["rows"]] != [r["predicted"] for r in runs[1][b]["rows"]]
    # ^HSI is residual-only: its noise-free return is 0, so the call is the point forecast itself
    from scenarios.engine.run import run_scenario

    res = run_scenario(sc, draws=200, seed=1)
    got = [r["noise_free"] for r in runs[0]["^HSI"]["rows"]]
    np.testing.assert_allclose(got, res.point_return, rtol=0, atol=1e-12)
    # HSTECH.HK is the universe's index: its noise-free return is the point at base weights
    hst = [r["noise_free"] for r in runs[0]["HSTECH.HK"]["rows"]]
    np.testing.assert_allclose(hst, res.point_return - res.point_return @ res.index_weights_before,
                               rtol=0, atol=1e-12)
