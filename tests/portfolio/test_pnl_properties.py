"""Properties of the portfolio P&L (issue 12, section 3): the pure maths (valuation.pnl) and the
engine's P&L of a ``portfolio:`` block on synthetic random-walk prices."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.data.memory import synthetic_source
from scenarios.engine import run_scenario as _run_scenario
from scenarios.model.schema import Scenario
from valuation.exceptions import InputRangeError, InputShapeError
from valuation.pnl import long_short_pnl, pnl_risk

# these tests read every draw of the contributions, EPS or the multiple
run_scenario = partial(_run_scenario, keep_draws=True)

returns = st.floats(min_value=-0.95, max_value=5.0, allow_nan=False)
bps = st.floats(min_value=0.0, max_value=500.0, allow_nan=False)
fx = st.floats(min_value=-0.5, max_value=1.0, allow_nan=False)


# ------------------------------------------------------------------ valuation.pnl


@given(st.lists(st.tuples(returns, returns), min_size=1, max_size=30))
def test_pair_one_to_one_is_the_difference_of_returns(pairs: list[tuple[float, float]]) -> None:
    r = np.array(pairs)
    pnl, costs, _ = long_short_pnl(r, [1, -1], [1.0, 1.0])
    np.testing.assert_allclose(pnl, r[:, 0] - r[:, 1], rtol=0, atol=1e-12)
    assert (costs == 0).all()


@given(st.lists(st.tuples(returns, returns), min_size=1, max_size=30), bps, st.booleans(),
       st.floats(min_value=0.1, max_value=1e7))
def test_costs_lower_pnl_by_exactly_bps_of_notional_traded(pairs, b, close, size) -> None:
    r = np.array(pairs)
    n = np.array([size, 2.0 * size])
    before, free, _ = long_short_pnl(r, [1, -1], n)
    assert (free == 0).all()
    after, costs, traded = long_short_pnl(r, [1, -1], n, costs_bps=b, close_at_horizon=close)
    # notional traded written out by hand: open both legs, close them at their horizon values
    hand = n.sum() + ((1 + r) * n).sum(axis=1) if close else np.full(len(r), n.sum())
    np.testing.assert_allclose(traded, hand, rtol=1e-12)
    np.testing.assert_allclose(costs, b / 1e4 * hand, rtol=1e-12, atol=0)
    np.testing.assert_allclose(before - after, b / 1e4 * hand, rtol=1e-9, atol=1e-9 * size)


@given(st.lists(st.tuples(returns, returns), min_size=1, max_size=30), fx)
def test_fx_change_compounds_and_zero_change_is_local(pairs, f) -> None:
    r = np.array(pairs)
    local, _, _ = long_short_pnl(r, [1, -1], [1.0, 1.0])
    unchanged, _, _ = long_short_pnl(r, [1, -1], [1.0, 1.0], fx_change=[0.0, 0.0])
    np.testing.assert_array_equal(local, unchanged)
    moved, _, _ = long_short_pnl(r, [1, -1], [1.0, 1.0], fx_change=[f, 0.0])
    np.testing.assert_allclose(moved, (1 + r[:, 0]) * (1 + f) - 1 - r[:, 1], atol=1e-12)


def test_bad_inputs_are_named() -> None:
    with pytest.raises(InputShapeError, match="signs"):
        long_short_pnl(np.zeros((3, 2)), [1], [1.0, 1.0])
    with pytest.raises(InputRangeError, match="notionals"):
        long_short_pnl(np.zeros((3, 2)), [1, -1], [1.0, -1.0])
    with pytest.raises(InputRangeError, match="-100%"):
        long_short_pnl(np.full((3, 1), -1.0), [1], [1.0])


@given(st.lists(st.floats(min_value=-1, max_value=1, allow_nan=False), min_size=2, max_size=200))
def test_risk_summary_against_numpy(xs: list[float]) -> None:
    x = np.array(xs)
    risk = pnl_risk(x)
    q05 = np.quantile(x, 0.05)
    assert risk.var_05 == pytest.approx(-q05)
    assert risk.es_05 == pytest.approx(-x[x <= q05].mean())
    assert risk.es_05 >= risk.var_05 - 1e-15          # ES is never below VaR
    assert risk.prob_loss == pytest.approx((x < 0).mean())
    assert risk.p05 <= risk.median <= risk.p95


# ------------------------------------------------------------------ engine


def _scenario(portfolio: dict, *, universe=("AAA.HK", "BBB.HK"), residual: object = "history",
              fx: dict | None = None, drivers: list | None = None) -> Scenario:
    return Scenario.model_validate({
        "name": "pnl-prop", "as_of": "2025-06-30", "horizon": "2025-12-31",
        "universe": list(universe), "benchmarks": ["^HSI"], "fx": fx or {},
        "drivers": drivers if drivers is not None else [
            {"type": "earnings_growth", "growth": {"dist": "normal", "mean": 0.05, "sd": 0.1},
             "per_symbol": True}],
        "monte_carlo": {"draws": 400, "seed": 7, "residual": residual},
        "portfolio": portfolio,
    })


@pytest.fixture(scope="module")
def source():
    return synthetic_source(["AAA.HK", "BBB.HK", "^HSI", "NVDA"], seed=3)


PAIR = {"positions": [{"symbol": "AAA.HK", "side": "long", "weight": 1},
                      {"symbol": "BBB.HK", "side": "short", "weight": 1}]}


def test_engine_pair_equals_difference_of_predicted_returns(source) -> None:
    res = run_scenario(_scenario(PAIR), source=source)
    r = res.predicted_return
    np.testing.assert_allclose(res.pnl.before_costs * res.pnl.gross, r[:, 0] - r[:, 1], atol=1e-12)
    np.testing.assert_array_equal(res.pnl.per_gross, res.pnl.before_costs)  # no costs stated


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(b=bps, close=st.booleans())
def test_engine_costs_exactly_bps_of_notional_traded(source, b: float, close: bool) -> None:
    free = run_scenario(_scenario(PAIR), source=source).pnl
    paid = run_scenario(_scenario({**PAIR, "costs_bps": b, "close_at_horizon": close}), source=source).pnl
    np.testing.assert_allclose(free.before_costs, paid.before_costs, rtol=0, atol=1e-15)  # same draws
    r = paid.leg_returns
    traded = 2.0 + ((1 + r).sum(axis=1) if close else 0.0)
    np.testing.assert_allclose((free.per_gross - paid.per_gross) * paid.gross, b / 1e4 * traded,
                               rtol=1e-9, atol=1e-13)


def test_engine_long_index_and_benchmark_legs(source) -> None:
    pf = {"positions": [{"symbol": "index", "side": "long", "weight": 2},
                        {"symbol": "^HSI", "side": "short", "weight": 1}]}
    res = run_scenario(_scenario(pf), source=source)
    p = res.pnl
    np.testing.assert_array_equal(p.leg_returns[:, 0], res.index_return)
    hsi = p.leg_returns[:, 1]
    np.testing.assert_allclose(p.per_gross * 3, 2 * res.index_return - hsi, atol=1e-12)
    # residual only: the benchmark's log return has median ~0 and the sd of its own history
    info = p.benchmark_forecast["per_symbol"]["^HSI"]
    log_h = np.log1p(hsi)
    assert abs(np.median(log_h)) < 4 * info["sd"] / np.sqrt(len(hsi))
    assert np.std(log_h) == pytest.approx(info["sd"], rel=0.12)
    assert p.positions[1]["return_kind"] == "price" and "price return" in p.basis


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rate=st.floats(min_value=0.05, max_value=20.0))
def test_fx_level_leaves_pnl_per_gross_unchanged_and_fx_one_is_local(source, rate: float) -> None:
    """A USD stock in an HKD-base portfolio: with FX = 1 the P&L is the local (USD) P&L; with any
    rate, notionals stated in USD and converted at that rate give the same P&L per gross."""
    uni = ("AAA.HK", "NVDA")
    drivers: list = []
    local = run_scenario(_scenario({"base_currency": "USD", "positions": [
        {"symbol": "NVDA", "side": "long", "weight": 1},
        {"symbol": "AAA.HK", "side": "short", "weight": 1}]}, universe=uni, fx={"USDHKD": 1.0},
        drivers=drivers), source=source)
    one = run_scenario(_scenario({"base_currency": "HKD", "positions": [
        {"symbol": "NVDA", "side": "long", "weight": 1},
        {"symbol": "AAA.HK", "side": "short", "weight": 1}]}, universe=uni, fx={"USDHKD": 1.0},
        drivers=drivers), source=source)
    np.testing.assert_array_equal(one.pnl.per_gross, local.pnl.per_gross)
    conv = run_scenario(_scenario({"base_currency": "HKD", "positions": [
        {"symbol": "NVDA", "side": "long", "notional": 1000.0, "currency": "USD"},
        {"symbol": "AAA.HK", "side": "short", "notional": 1000.0 * rate}]}, universe=uni,
        fx={"USDHKD": rate}, drivers=drivers), source=source)
    assert conv.pnl.gross == pytest.approx(2000.0 * rate)
    np.testing.assert_allclose(conv.pnl.per_gross, local.pnl.per_gross, atol=1e-12)
    assert conv.pnl.positions[0]["fx_as_of"] == pytest.approx(rate)


def test_no_residual_gives_benchmark_its_own_noise_and_says_so(source) -> None:
    pf = {"positions": [{"symbol": "AAA.HK", "side": "long", "weight": 1},
                        {"symbol": "^HSI", "side": "short", "weight": 1}]}
    res = run_scenario(_scenario(pf, residual=None, drivers=[]), source=source)
    assert (res.predicted_return == 0).all()
    assert np.std(res.pnl.leg_returns[:, 1]) > 0
    assert any("no monte_carlo.residual" in n for n in res.pnl.notes)


@pytest.mark.parametrize("correlation", ["history", "factor", 0.4, "none"])
def test_benchmark_noise_tied_to_the_stocks_noise_of_the_same_draws(correlation) -> None:
    """With several stocks, the benchmark's simulated noise has the stated correlation with each
    stock's residual contribution of the run (so the stocks' shocks are the run's own)."""
    import pandas as pd

    idx = pd.bdate_range("2023-01-02", "2025-12-31")
    rng = np.random.default_rng(5)
    market = rng.normal(0, 0.012, len(idx))
    closes = {s: pd.Series(100 * np.exp(np.cumsum(b * market + rng.normal(0, 0.01, len(idx)))), index=idx)
              for s, b in (("AAA.HK", 1.4), ("BBB.HK", 0.8), ("CCC.HK", 0.2))}
    closes["^HSI"] = pd.Series(20000 * np.exp(np.cumsum(market + rng.normal(0, 0.003, len(idx)))), index=idx)
    from scenarios.data.memory import MemorySource

    src = MemorySource(closes)
    sc = Scenario.model_validate({
        "name": "corr", "as_of": "2025-06-30", "horizon": "2025-12-31",
        "universe": ["AAA.HK", "BBB.HK", "CCC.HK"], "benchmarks": ["^HSI"],
        "monte_carlo": {"draws": 6000, "seed": 3, "residual": {"vol": "history", "correlation": correlation}},
        "portfolio": {"positions": [{"symbol": "AAA.HK", "side": "long", "weight": 1},
                                    {"symbol": "^HSI", "side": "short", "weight": 1}]}})
    res = run_scenario(sc, source=src)
    bench = np.log1p(res.pnl.leg_returns[:, 1])
    info = res.pnl.benchmark_forecast["per_symbol"]["^HSI"]
    for j, s in enumerate(res.symbols):
        sim = np.corrcoef(res.contributions["residual"][:, j], bench)[0, 1]
        target = info.get("correlation_with", {}).get(s, 0.0)
        assert sim == pytest.approx(target, abs=0.04), (s, sim, target)
    if correlation == "history":   # the stated correlation is that of the daily log returns
        r = pd.DataFrame({s: np.log(c).diff() for s, c in closes.items()}).loc[:"2025-06-30"].iloc[-250:]
        assert info["correlation_with"]["AAA.HK"] == pytest.approx(r.corr().loc["AAA.HK", "^HSI"], abs=1e-9)
        assert info["correlation_with"]["AAA.HK"] > 0.8


def test_index_level_in_the_universe_is_a_price_return_leg(source) -> None:
    pf = {"positions": [{"symbol": "AAA.HK", "side": "long", "weight": 1},
                        {"symbol": "^HSI", "side": "short", "weight": 1}]}
    res = run_scenario(_scenario(pf, universe=("AAA.HK", "^HSI")), source=source)
    assert res.pnl.positions[1]["source"] == "stock"            # the universe member's own forecast
    assert res.pnl.positions[1]["return_kind"] == "price"
    np.testing.assert_array_equal(res.pnl.leg_returns[:, 1], res.predicted_return[:, 1])
    assert "short ^HSI: price return" in res.pnl.basis and "long AAA.HK: total return" in res.pnl.basis
