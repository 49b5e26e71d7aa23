"""Adapters: distribution text and quantiles, payload discovery, and the statistics shown."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scenarios import metrics as M
from scenarios.report.adapters import describe_param, param_quantiles
from scenarios.report.model import FanChartData, ScatterData, TrackRecord

LEVELS = (0.05, 0.5, 0.95)


def test_quantiles_match_scipy() -> None:
    cases = [
        ({"dist": "normal", "mean": 0.12, "sd": 0.04}, stats.norm(0.12, 0.04)),
        ({"dist": "lognormal", "median": 18.0, "sigma": 0.15}, stats.lognorm(0.15, scale=18.0)),
        ({"dist": "uniform", "low": 80.0, "high": 120.0}, stats.uniform(80.0, 40.0)),
        ({"dist": "triangular", "low": -0.12, "mode": -0.08, "high": -0.02},
         stats.triang(0.4, loc=-0.12, scale=0.10)),
    ]
    for spec, ref in cases:
        got = param_quantiles(spec, LEVELS)
        assert list(got) == list(LEVELS)
        np.testing.assert_allclose([got[q] for q in LEVELS], ref.ppf(LEVELS), rtol=1e-9, atol=1e-12)
    clipped = param_quantiles({"dist": "normal", "mean": 0.0, "sd": 1.0, "clip": [-1.0, 0.5]}, LEVELS)
    assert clipped[0.05] == -1.0 and clipped[0.95] == 0.5 and clipped[0.5] == pytest.approx(0.0, abs=1e-12)
    assert param_quantiles(0.35) == {0.05: 0.35, 0.5: 0.35, 0.95: 0.35}
    assert param_quantiles({"dist": "unknown"}) == {} and param_quantiles("text") == {}


def test_choice_quantile_is_the_discrete_inverse_cdf() -> None:
    spec = {"dist": "choice", "values": [3, 1, 2], "weights": [0.3, 0.2, 0.5]}
    # sorted values 1, 2, 3 with cumulative weights 0.2, 0.7, 1.0
    assert param_quantiles(spec, (0.05, 0.2, 0.5, 0.7, 0.95)) == {0.05: 1.0, 0.2: 1.0, 0.5: 2.0, 0.7: 2.0, 0.95: 3.0}
    equal = param_quantiles({"dist": "choice", "values": [10, 20]}, (0.25, 0.75))
    assert equal == {0.25: 10.0, 0.75: 20.0}


@settings(deadline=None, max_examples=60)
@given(st.floats(-1, 1), st.floats(0.001, 2), st.floats(0, 1), st.floats(0.01, 0.99))
def test_triangular_quantile_property(low: float, width: float, c: float, q: float) -> None:
    high = low + width
    mode = low + c * width
    got = param_quantiles({"dist": "triangular", "low": low, "mode": mode, "high": high}, (q,))[q]
    assert low - 1e-12 <= got <= high + 1e-12
    assert got == pytest.approx(stats.triang(c, loc=low, scale=width).ppf(q), rel=1e-7, abs=1e-9)


def test_describe_param_prints_percents_for_fractions() -> None:
    assert describe_param({"dist": "normal", "mean": 0.12, "sd": 0.04, "clip": [-0.5, 0.6]}, True) == \
        "normal: mean +12.0%, sd 4.0%, clipped to [-50.0%, +60.0%]"
    assert describe_param({"dist": "lognormal", "median": 18, "sigma": 0.15}, False) == \
        "lognormal: median 18, sigma 0.15 (sd of log)"
    assert describe_param({"dist": "choice", "values": [1, 2], "weights": [0.2, 0.8]}, False) == \
        "one of 1 (p=0.2), 2 (p=0.8)"
    assert describe_param(0.35, True) == "+35.0%" and describe_param(250, False) == "250"
    assert describe_param({"0981.HK": 2.0}, False) == "0981.HK: 2"


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(st.floats(-1, 1), st.floats(-1, 1)), min_size=3, max_size=30))
def test_scatter_ic_is_the_metrics_spearman_and_matches_scipy(pairs: list[tuple[float, float]]) -> None:
    p, r = np.array(pairs).T
    got = ScatterData.compute([f"S{i}" for i in range(len(p))], p, r).ic
    if np.ptp(p) == 0 or np.ptp(r) == 0:
        assert got is None
    else:
        assert got == pytest.approx(stats.spearmanr(p, r).statistic, abs=1e-9)


def test_scatter_hit_rate_leaves_zero_returns_out_like_the_backtest() -> None:
    # the example: one realized return of exactly 0 has no direction. The report used to
    # count it as a miss (0.4 here); it now uses the backtest's rule and leaves it out.
    predicted = [0.10, -0.05, 0.03, 0.02, -0.01]
    realized = [0.04, 0.02, -0.01, 0.05, 0.00]
    sc = ScatterData.compute(list("ABCDE"), predicted, realized)
    assert sc.hit_rate == pytest.approx(2 / 4) == M.hit_rate(predicted, realized)
    # the scatter chart draws the zero-return symbol as "no direction", not as a miss
    from scenarios.report.charts import scatter_chart

    fig = scatter_chart(sc)
    labels = [t.get_text() for leg in fig.legends for t in leg.get_texts()]
    assert "No direction (a zero return)" in labels
    counts = {c.get_label(): len(c.get_offsets()) for c in fig.axes[0].collections if c.get_label()
              in ("Direction right", "Direction wrong", "No direction (a zero return)")}
    assert counts == {"Direction right": 2, "Direction wrong": 2, "No direction (a zero return)": 1}
    # missing values are dropped, undefined statistics are None
    assert ScatterData.compute(["A"], [np.nan], [1.0]).hit_rate is None
    assert ScatterData.compute(["A"], [0.1], [0.2]).ic is None


def test_fan_from_draws_quantiles_and_pit() -> None:
    draws = np.arange(1, 101, dtype=float)          # prices 1..100
    fan = FanChartData.from_draws("X", "2025-01-02", "2025-07-02", 50.0, draws, realized_return=0.0)
    assert fan.quantiles[0.5] == pytest.approx(np.quantile(draws, 0.5))
    assert fan.median_return == pytest.approx(50.5 / 50 - 1)
    assert fan.prob_up == pytest.approx(0.5)       # 51..100 above 50
    assert fan.pit == pytest.approx(0.49 + 0.5 * 0.01)   # 49 below, one tie counts half
    with pytest.raises(ValueError):
        FanChartData.from_draws("X", "2025-01-02", "2025-07-02", 0.0, draws)


def test_fan_paths_end_at_the_quantiles() -> None:
    from scenarios.report.charts import fan_paths

    fan = FanChartData.from_draws("X", "2025-01-02", "2025-07-02", 100.0,
                                  100 * np.exp(np.random.default_rng(0).normal(0.05, 0.2, 500)))
    dates, paths = fan_paths(fan)
    assert str(dates[0]) == "2025-01-02" and str(dates[-1]) == "2025-07-02"
    for q, path in paths.items():
        assert path[0] == pytest.approx(100.0) and path[-1] == pytest.approx(fan.quantiles[q])
    # quantile paths never cross
    stacked = np.vstack([paths[q] for q in sorted(paths)])
    assert (np.diff(stacked, axis=0) >= -1e-9).all()


def test_track_record_running_hit_rate() -> None:
    tr = TrackRecord("t", tuple(), np.array([0.1, -0.1, 0.2, 0.1]), np.array([0.05, 0.2, np.nan, 0.3]))
    np.testing.assert_allclose(tr.hits[[0, 1, 3]], [1.0, 0.0, 1.0])
    assert math.isnan(tr.hits[2])
    np.testing.assert_allclose(tr.cumulative_hit_rate, [1.0, 0.5, 0.5, 2 / 3])


def test_sparkline_shapes() -> None:
    from scenarios.report.spark import density_points, sparkline_svg

    x, y, discrete = density_points({"dist": "normal", "mean": 0.12, "sd": 0.04})
    assert not discrete and x[int(np.argmax(y))] == pytest.approx(0.12, abs=0.01)
    assert x.min() == pytest.approx(0.12 - 2.5758 * 0.04, abs=1e-4)
    x, y, _ = density_points({"dist": "normal", "mean": 0.0, "sd": 1.0, "clip": [-0.5, 2.0]})
    assert x.min() == -0.5 and x.max() == 2.0                     # drawn inside the clip range
    x, y, _ = density_points({"dist": "triangular", "low": -0.07, "mode": -0.045, "high": -0.02})
    assert x[int(np.argmax(y))] == pytest.approx(-0.045, abs=0.001) and y[0] == y[-1] == 0
    x, y, _ = density_points({"dist": "lognormal", "median": 18, "sigma": 0.15})
    mode = 18 * math.exp(-0.15 ** 2)                                # lognormal mode
    assert x[int(np.argmax(y))] == pytest.approx(mode, rel=0.02)
    x, y, discrete = density_points({"dist": "choice", "values": [0, 15, 30], "weights": [1, 1, 2]})
    assert discrete and list(y) == [0.25, 0.25, 0.5]
    svg = sparkline_svg({"dist": "uniform", "low": 7, "high": 45}, "uniform from 7 to 45")
    assert svg.startswith('<svg class="spark"') and "<title>uniform from 7 to 45</title>" in svg
    assert " id=" not in svg                                      # nothing to collide on the page
    assert sparkline_svg(0.35) == "" and sparkline_svg({"dist": "normal", "mean": 1, "sd": 0}) == ""


def test_a_symbol_without_forecast_is_skipped_with_a_note() -> None:
    from scenarios.report.adapters import view_from_parts

    result = {"kind": "scenario_result", "name": "x", "symbols": ["A.HK", "B.HK"], "currencies": ["HKD", "HKD"],
              "as_of": "2025-06-30", "horizon": "2025-12-31", "horizon_years": 0.5,
              "baseline_date": ["2025-06-30", "2025-06-30"], "seed": 1, "draws": 3, "summary": [],
              "baseline_price": [10.0, 20.0],
              "predicted_price": [[11.0, None], [12.0, None], [9.0, None]],
              "contribution_means": {"growth": [0.05, None]}, "inputs": {}}
    view = view_from_parts(result, read_prices=False)
    assert [f.symbol for f in view.fans] == ["A.HK"]
    assert "B.HK" in view.notes["forecast"] and view.fans[0].quantiles[0.5] == 11.0


def test_every_engine_driver_type_has_a_decomposition_group() -> None:
    from scenarios.model import DRIVER_TYPES
    from scenarios.report.adapters import DRIVER_GROUPS

    missing = [t for t in DRIVER_TYPES if t != "index_weighting" and t not in DRIVER_GROUPS]
    assert not missing, f"new driver types need a group in DRIVER_GROUPS: {missing}"


def test_residual_noise_is_its_own_decomposition_group() -> None:
    """An engine run with monte_carlo.residual: the noise gets the group "market noise
    (residual)" (never "other"), a driver keeps its group, and the groups still add up to the
    mean log return of the draws (recomputed here from the predicted returns)."""
    import pandas as pd

    from scenarios.data.memory import MemorySource
    from scenarios.engine import run_scenario
    from scenarios.model import scenario_from_dict
    from scenarios.report.adapters import RESIDUAL_GROUP, view_from_parts

    idx = pd.bdate_range("2024-01-02", "2025-06-30")
    rng = np.random.default_rng(3)
    closes = {s: pd.Series(100 * np.exp(np.cumsum(0.02 * rng.standard_normal(len(idx)))), index=idx)
              for s in ("0700.HK", "9988.HK")}
    data = {"name": "noise", "as_of": "2025-06-30", "horizon": "6M", "universe": ["0700.HK", "9988.HK"],
            "drivers": [{"type": "rerating", "label": "rr", "change": {"dist": "uniform", "low": -0.1, "high": 0.2}}],
            "monte_carlo": {"draws": 2000, "seed": 5, "residual": {"vol": 0.5, "correlation": "none",
                                                                   "center": "mean"}}}
    res = run_scenario(scenario_from_dict(data), source=MemorySource(closes))
    for payload in (res.to_dict(include_draws=True), res.to_dict(include_draws=False)):
        dec = view_from_parts(payload, read_prices=False).decomposition
        assert dec is not None
        assert dec.groups == {"rr": "re-rating", "residual": RESIDUAL_GROUP}
        assert list(dec.components) == ["re-rating", RESIDUAL_GROUP] and "other" not in dec.components
        # mean-centred noise: its mean log contribution is -s^2/2 (drift) up to sampling
        sd = np.array([res.residual["per_symbol"][s]["sd"] for s in res.symbols])
        se = sd / math.sqrt(res.draws)
        assert np.all(np.abs(dec.components[RESIDUAL_GROUP] + sd * sd / 2) < 4 * se)
        np.testing.assert_allclose(dec.total_log, np.log1p(res.predicted_return).mean(axis=0), atol=1e-12)
    # a residual whose key a driver took ("market_residual") is found by the result's label
    renamed = res.to_dict(include_draws=False)
    renamed["residual"] = {**renamed["residual"], "label": "market_residual"}
    renamed["contribution_means"] = {("market_residual" if k == "residual" else k): v
                                     for k, v in renamed["contribution_means"].items()}
    dec = view_from_parts(renamed, read_prices=False).decomposition
    assert dec.groups["market_residual"] == RESIDUAL_GROUP
