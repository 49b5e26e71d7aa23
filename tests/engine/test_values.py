"""Engine numbers against independent hand computations and the real snapshot."""

from __future__ import annotations

import datetime as dt
import json
import math
from functools import partial

import numpy as np
import pandas as pd
import pytest

from scenarios.data.memory import MemorySource, flat_source
from scenarios.engine import ScenarioResult
from scenarios.engine import run_scenario as _run_scenario
from scenarios.errors import ScenarioError
from scenarios.model import load_scenario, scenario_from_dict

# these tests read every draw of the contributions, EPS or the multiple
run_scenario = partial(_run_scenario, keep_draws=True)


def _fixed(**over) -> dict:
    data = {
        "name": "fixed",
        "as_of": "2025-06-30",
        "horizon": "2026-06-30",
        "universe": ["0700.HK", "9988.HK"],
        "fx": {"CNYHKD": 1.09},
        "baseline": {
            "0700.HK": {"currency": "CNY", "eps": 27.0, "shares": {"value": 9.15, "unit": "bn"},
                        "tax_rate": 0.2, "dividend_yield": 0.01},
            "9988.HK": {"currency": "CNY", "eps": 6.7, "shares": {"value": 19.3, "unit": "bn"},
                        "sales": {"value": 996.3, "unit": "bn"}},
        },
        "drivers": [
            {"type": "earnings_growth", "label": "growth", "growth": 0.10},
            {"type": "ai_capex", "label": "capex", "symbols": ["0700.HK"], "amount": 100, "unit": "bn",
             "currency": "CNY", "useful_life_years": 5},
            {"type": "revenue_uplift", "label": "cloud", "symbols": ["9988.HK"], "uplift": 0.05,
             "margin": 0.2, "tax_rate": 0.15},
            {"type": "rerating", "label": "revert", "symbols": ["0700.HK"], "target": 20,
             "half_life_years": 1.0},
            {"type": "sentiment_shock", "label": "rumour", "symbols": ["9988.HK"], "shock": -0.08,
             "half_life_days": 20, "date": "2025-06-21"},
        ],
        "monte_carlo": {"draws": 50, "seed": 1},
    }
    data.update(over)
    return data


def test_fixed_parameters_match_a_hand_computation() -> None:
    src = flat_source({"0700.HK": 500.0, "9988.HK": 120.0})
    r = run_scenario(scenario_from_dict(_fixed()), source=src)
    years = 365 / 365.25
    # Tencent: EPS in HKD, growth, capex drag (year 1 depreciation after tax, per share, in HKD)
    eps0 = 27.0 * 1.09
    eps = eps0 * 1.10 ** years
    eps -= 100e9 / 5 * (1 - 0.2) * 1.09 / 9.15e9
    m0 = 500.0 / eps0
    m = m0 + (20 - m0) * (1 - 0.5 ** (years / 1.0))
    p_tencent = eps * m * 1.01 ** years
    # Alibaba: growth, AI revenue uplift on sales per share, fading shock (9 days before as_of)
    eps0_b = 6.7 * 1.09
    eps_b = eps0_b * 1.10 ** years + 996.3e9 * 1.09 / 19.3e9 * 0.05 * 0.2 * (1 - 0.15)
    shock_now = math.log(0.92) * 0.5 ** (9 / 20)
    shock_h = math.log(0.92) * 0.5 ** ((9 + 365) / 20)
    p_alibaba = 120.0 * (eps_b / eps0_b) * math.exp(shock_h - shock_now)
    np.testing.assert_allclose(r.predicted_price[0], [p_tencent, p_alibaba], rtol=1e-12)
    assert np.all(r.predicted_price == r.predicted_price[0])  # fixed parameters: every draw equal
    np.testing.assert_allclose(r.multiple[0, 0], m, rtol=1e-12)
    np.testing.assert_allclose(r.eps[0], [eps, eps_b], rtol=1e-12)
    # the per-driver log terms, by hand, and the driver that moved each stock most
    grown, grown_b = eps0 * 1.10 ** years, eps0_b * 1.10 ** years
    hand = [{"growth": math.log(grown / eps0), "capex": math.log(eps / grown),
             "revert": math.log(m / m0), "dividends": years * math.log(1.01)},
            {"growth": math.log(grown_b / eps0_b), "cloud": math.log(eps_b / grown_b),
             "rumour": shock_h - shock_now}]
    for j, terms in enumerate(hand):
        for k, v in terms.items():
            np.testing.assert_allclose(r.contributions[k][0, j], v, rtol=1e-12)
    assert r.summary()["top_driver"].tolist() == [max(t, key=lambda k: abs(t[k])) for t in hand]


def test_index_line_tilt_exclude_and_cap_against_hand_weights() -> None:
    src = flat_source({"0700.HK": 500.0, "9988.HK": 120.0, "3690.HK": 100.0, "1810.HK": 50.0})
    data = {
        "name": "idx", "as_of": "2025-06-30", "horizon": "3M",
        "universe": ["0700.HK", "9988.HK", "3690.HK", "1810.HK"],
        "themes": {"chips": ["3690.HK"], "gadgets": ["1810.HK"]},
        "baseline": {"0700.HK": {"market_cap": {"value": 6, "unit": "tn"}},
                     "9988.HK": {"market_cap": {"value": 3, "unit": "tn"}},
                     "3690.HK": {"shares": {"value": 10, "unit": "bn"}},   # 10bn x 100 = 1tn
                     "1810.HK": {"market_cap": {"value": 1, "unit": "tn"}}},
        "drivers": [
            {"type": "rerating", "label": "up", "change": {"dist": "uniform", "low": -0.1, "high": 0.3},
             "per_symbol": True},
            {"type": "index_weighting", "scheme": "market_cap", "tilts": {"chips": 2.0},
             "exclude": ["gadgets"], "cap": 0.5},
        ],
        "monte_carlo": {"draws": 2000, "seed": 5},
    }
    r = run_scenario(scenario_from_dict(data), source=src)
    np.testing.assert_allclose(r.index_weights_before, [6 / 11, 3 / 11, 1 / 11, 1 / 11], rtol=1e-12)
    # tilt: [6, 3, 2, 1]; exclude gadgets: [6, 3, 2, 0] / 11; cap 0.5 -> [0.5, 0.3, 0.2, 0]
    np.testing.assert_allclose(r.index_weights_after, [0.5, 0.3, 0.2, 0.0], atol=1e-12)
    np.testing.assert_allclose(r.index_return, r.predicted_return @ np.array([0.5, 0.3, 0.2, 0.0]),
                               rtol=1e-12)
    np.testing.assert_allclose(r.index_return_before,
                               r.predicted_return @ (np.array([6, 3, 1, 1]) / 11), rtol=1e-12)
    assert r.index_scheme == "market_cap"


def test_equal_weights_without_an_index_driver(source) -> None:
    data = {"name": "eq", "as_of": "2025-06-30", "horizon": "90D", "universe": ["0700.HK", "9988.HK", "3690.HK"],
            "drivers": [{"type": "rerating", "change": {"dist": "normal", "mean": 0, "sd": 0.1},
                         "per_symbol": True}], "monte_carlo": {"draws": 300}}
    r = run_scenario(scenario_from_dict(data), source=source)
    assert r.index_scheme == "equal"
    # per_symbol: independent draws per symbol (not one shared draw)
    assert abs(np.corrcoef(r.predicted_return[:, 0], r.predicted_return[:, 1])[0, 1]) < 0.2
    np.testing.assert_allclose(r.index_return, r.predicted_return.mean(axis=1), rtol=1e-12)
    assert np.isnan(r.eps).all() and np.isnan(r.multiple).all()  # no baseline EPS: not reported


def test_walk_forward_as_of_moves_period_horizons_and_keeps_date_offsets(source) -> None:
    data = {"name": "wf", "as_of": "2025-06-30", "horizon": "6M", "universe": ["0700.HK"],
            "drivers": [{"type": "earnings_growth", "growth": 0.2}], "monte_carlo": {"draws": 10}}
    r = run_scenario(scenario_from_dict(data), source=source, as_of="2025-09-30")
    # a month end plus 6M is a month end (scenarios.periods), 182 days here
    assert (r.as_of, r.horizon) == ("2025-09-30", "2026-03-31")
    np.testing.assert_allclose(r.predicted_return, 1.2 ** (182 / 365.25) - 1, rtol=1e-12)
    data["horizon"] = "2025-12-31"  # 184 days after 2025-06-30
    r = run_scenario(scenario_from_dict(data), source=source, as_of=dt.date(2025, 9, 1))
    assert r.horizon == "2026-03-04"
    # month end to month end, moved to a month end: the month count (6) is kept
    r = run_scenario(scenario_from_dict(data), source=source, as_of=dt.date(2025, 9, 30))
    assert r.horizon == "2026-03-31"


def test_sampled_parameters_follow_their_distributions(source) -> None:
    data = {"name": "d", "as_of": "2025-06-30", "horizon": "1Y", "universe": ["0700.HK"],
            "drivers": [{"type": "rerating", "change": {"dist": "triangular", "low": -0.2, "mode": 0.0,
                                                        "high": 0.4}}],
            "monte_carlo": {"draws": 20000, "seed": 9}}
    r = run_scenario(scenario_from_dict(data), source=source)
    change = r.predicted_return[:, 0]  # only driver: return = multiple change
    from scipy import stats

    tri = stats.triang(c=0.2 / 0.6, loc=-0.2, scale=0.6)
    assert stats.kstest(change, tri.cdf).pvalue > 1e-3
    assert abs(change.mean() - tri.mean()) < 4 * tri.std() / math.sqrt(len(change))


def test_result_round_trips_through_json(source) -> None:
    data = _fixed(universe=["0700.HK", "9988.HK", "3690.HK"], benchmarks=["^HSI"])
    data["drivers"][0]["growth"] = {"dist": "normal", "mean": 0.1, "sd": 0.05}
    r = run_scenario(scenario_from_dict(data), source=source)
    text = json.dumps(r.to_dict(), allow_nan=False)
    back = ScenarioResult.from_dict(json.loads(text))
    for name in ("predicted_price", "predicted_return", "eps", "multiple", "baseline_price",
                 "index_return", "index_weights_after"):
        assert np.array_equal(getattr(back, name), getattr(r, name), equal_nan=True), name
    assert back.contributions.keys() == r.contributions.keys()
    assert all(np.array_equal(back.contributions[k], r.contributions[k]) for k in r.contributions)
    assert back.to_dict() == json.loads(text)
    assert r.to_dict()["inputs"]["resolved"]["universe"] == ["0700.HK", "9988.HK", "3690.HK"]
    assert r.data_sources["^HSI"]["last"] == "2025-06-30" and r.benchmarks["^HSI"]["level"] == 20000.0
    small = r.to_dict(include_draws=False)
    assert "predicted_price" not in small and len(small["summary"]) == 3
    with pytest.raises(ValueError, match="without draws"):
        ScenarioResult.from_dict(small)


def test_summary_matches_an_independent_computation(source) -> None:
    data = _fixed()
    data["drivers"][0]["growth"] = {"dist": "uniform", "low": -0.1, "high": 0.3}
    data["monte_carlo"]["draws"] = 5000
    r = run_scenario(scenario_from_dict(data), source=source)
    s = r.summary()
    ret = r.predicted_price / r.baseline_price - 1
    np.testing.assert_allclose(s["median_return"], np.median(ret, axis=0), rtol=1e-9)
    np.testing.assert_allclose(s["return_p05"], np.percentile(ret, 5, axis=0), rtol=1e-9)
    np.testing.assert_allclose(s["prob_up"], (ret > 0).mean(axis=0))
    assert list(s.index) == ["0700.HK", "9988.HK"]


def test_eps_floor_warns(source) -> None:
    data = _fixed()
    data["drivers"][1]["amount"] = {"dist": "uniform", "low": 0, "high": 5000}
    r = run_scenario(scenario_from_dict(data), source=source)
    assert np.all(r.eps[:, 0] >= 0.01 * 27.0 * 1.09 - 1e-12)
    assert any("floored" in w and w.startswith("0700.HK") for w in r.warnings)


def test_engine_errors_are_located(tmp_path, monkeypatch, source) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s.yaml").write_text(
        "name: s\nas_of: 2025-06-30\nhorizon: 6M\nuniverse: [0700.HK, 0001.HK]\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        run_scenario(load_scenario("s.yaml"), source=source)
    assert str(info.value) == ("s.yaml:4:21 universe[1]: unknown symbol 0001.HK: the price source "
                               "(memory) has no data for it")


@pytest.mark.snapshot
def test_baseline_prices_come_from_the_real_snapshot(snapshot_dir, monkeypatch) -> None:
    monkeypatch.setenv("SCENARIOS_PRICES", str(snapshot_dir))
    data = {"name": "snap", "as_of": "2025-12-31", "horizon": "3M", "universe": ["0700.HK"],
            "benchmarks": ["^HSI"], "drivers": [{"type": "earnings_growth", "growth": 0.0}],
            "monte_carlo": {"draws": 100}}
    r = run_scenario(scenario_from_dict(data))
    assert r.baseline_date == ["2025-12-31"]
    assert round(float(r.baseline_price[0]), 2) == 592.10
    assert np.all(np.round(r.predicted_price, 2) == 592.10)
    data.update(as_of="2025-02-15", horizon="2025-03-15")  # a Saturday: last close is Friday 02-14
    r = run_scenario(scenario_from_dict(data))
    assert r.data_sources["^HSI"]["last"] == "2025-02-14"
    data.update(as_of="2025-02-13")
    r = run_scenario(scenario_from_dict(data))
    assert round(r.benchmarks["^HSI"]["level"], 2) == 21814.37


@pytest.mark.snapshot
def test_the_fixture_scenario_runs_on_the_snapshot_quickly(snapshot_dir, monkeypatch) -> None:
    monkeypatch.setenv("SCENARIOS_PRICES", str(snapshot_dir))
    from pathlib import Path

    s = load_scenario(Path(__file__).parents[1] / "model" / "fixtures" / "tencent_small.yaml")
    r = run_scenario(s, draws=10_000)
    assert r.predicted_price.shape == (10_000, 2)
    # the VAT rumour (2026-02-03, -8%, 20-day half-life) has mostly faded by 2026-08-12:
    # its contribution is log(0.92) * (2^(-190/20) - 2^(-9/20)) for every draw
    expected = math.log(0.92) * (0.5 ** (190 / 20) - 0.5 ** (9 / 20))
    np.testing.assert_allclose(r.contributions["vat-rumour"][:, 0], expected, rtol=1e-12)
    assert np.all(r.contributions["vat-rumour"][:, 1] == 0.0)


def test_implied_scheme_recovers_the_weights_of_a_synthetic_index() -> None:
    rng = np.random.default_rng(8)
    days = pd.bdate_range("2025-01-02", "2025-12-31")
    names = ["0700.HK", "9988.HK", "3690.HK", "1810.HK"]
    rets = rng.normal(0.0005, 0.02, (len(days), len(names)))
    w_true = np.array([0.4, 0.3, 0.2, 0.1])
    closes = {s: pd.Series(100 * np.cumprod(1 + rets[:, j]), index=days) for j, s in enumerate(names)}
    # a constant-weight (daily rebalanced) index that is not a Hang Seng index: the single fit
    # over lookback_days (a Hang Seng benchmark goes through the replica, tests/backtest/test_one_index.py)
    closes["IDX.HK"] = pd.Series(5000 * np.cumprod(1 + rets @ w_true), index=days)
    # after as_of the "index" goes haywire: must not matter
    closes["IDX.HK"] = closes["IDX.HK"].where(days <= "2025-06-30", 1.0)
    data = {"name": "implied", "as_of": "2025-06-30", "horizon": "3M", "universe": names,
            "benchmarks": ["IDX.HK"],
            "drivers": [{"type": "index_weighting", "scheme": "implied", "lookback_days": 100,
                         "tilts": {"1810.HK": 3.0}}],
            "monte_carlo": {"draws": 10}}
    r = run_scenario(scenario_from_dict(data), source=MemorySource(closes))
    np.testing.assert_allclose(r.index_weights_before, w_true, atol=1e-8)
    np.testing.assert_allclose(r.index_weights_after, np.array([0.4, 0.3, 0.2, 0.3]) / 1.2, atol=1e-8)


def test_pe_cross_check_warns_when_far_from_the_implied_multiple(tmp_path, monkeypatch, source) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pe.yaml").write_text(
        "name: pe\nas_of: 2025-06-30\nhorizon: 6M\nuniverse: [0700.HK, 9988.HK]\n"
        "baseline:\n  0700.HK: {eps: 25, pe: 35}\n  9988.HK: {eps: 10, pe: 11}\n", encoding="utf-8")
    r = run_scenario(load_scenario("pe.yaml"), source=source)
    # 0700.HK: 500 / 25 = P/E 20 vs 35 given -> warning; 9988.HK: 120 / 10 = 12 vs 11 -> fine
    assert r.warnings == ["pe.yaml:6:26 baseline.0700.HK.pe: warning: pe 35 is far from the P/E "
                          "implied by the 2025-06-30 close and eps (20.0); the engine uses the implied one"]


def test_fx_change_moves_only_foreign_reporting_eps(source) -> None:
    data = {"name": "fx", "as_of": "2025-06-30", "horizon": "6M", "universe": ["0700.HK", "9988.HK"],
            "fx": {"CNYHKD": 1.08},
            "baseline": {"0700.HK": {"currency": "CNY", "eps": 25.0}, "9988.HK": {"eps": 10.0}},
            "drivers": [{"type": "fx_change", "label": "cny", "change": {"dist": "uniform", "low": -0.05,
                                                                         "high": 0.05}}],
            "monte_carlo": {"draws": 1000, "seed": 2}}
    r = run_scenario(scenario_from_dict(data), source=source)
    c = r.contributions["cny"]
    assert np.all(c[:, 1] == 0.0) and c[:, 0].min() >= math.log(0.95) and c[:, 0].max() <= math.log(1.05)
    np.testing.assert_allclose(r.eps[:, 0], 25.0 * 1.08 * np.exp(c[:, 0]), rtol=1e-12)
    np.testing.assert_allclose(r.predicted_price[:, 0] / 500.0, np.exp(c[:, 0]), rtol=1e-12)


def test_too_many_cells_is_a_clear_error(source) -> None:
    s = scenario_from_dict({"name": "big", "as_of": "2025-06-30", "horizon": "6M",
                            "universe": ["0700.HK", "9988.HK"]})
    with pytest.raises(ScenarioError, match=r"60,000,000 cells is more than this engine holds"):
        run_scenario(s, source=source, draws=30_000_000)
