"""One-at-a-time sensitivity (tornado) on the noise-free path (issue 12, section 2).

Expected values are computed by hand from the price model of docs/scenario-format.md,
``P_h = P0 x (EPS_h / EPS0) x (M_h / M0)`` (no dividends, no cash items, residual off), with
scipy's normal quantiles; pinned rows are checked against separate noise-free runs of the
scenario with that parameter written as a fixed number.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from scenarios.data.memory import flat_source
from scenarios.engine.noise_free import point_forecast
from scenarios.errors import ScenarioError
from scenarios.model import scenario_from_dict
from scenarios.model.resolved import resolve_scenario
from scenarios.sensitivity import tornado

PRICES = {"0700.HK": 500.0, "9988.HK": 120.0}
AS_OF, HORIZON = "2025-06-30", "2025-12-31"
YEARS = (dt.date(2025, 12, 31) - dt.date(2025, 6, 30)).days / 365.25  # calendar days / 365.25

DRIVERS = [
    {"type": "earnings_growth", "label": "growth",
     "growth": {"dist": "normal", "mean": 0.10, "sd": 0.05}},
    {"type": "rerating", "label": "derate", "change": {"dist": "uniform", "low": -0.20, "high": 0.0}},
    {"type": "earnings_growth", "label": "decline", "growth": -0.10,
     "years": {"dist": "uniform", "low": 0.5, "high": 1.5}},
    {"type": "earnings_growth", "label": "flat", "growth": {"dist": "normal", "mean": 0.02, "sd": 0.0}},
]


def _scenario(drivers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "sens", "as_of": AS_OF, "horizon": HORIZON, "universe": list(PRICES),
        "currency": "HKD",
        "baseline": {s: {"eps": p / 18, "dividend_yield": 0.0} for s, p in PRICES.items()},
        "drivers": drivers,
        "monte_carlo": {"draws": 200, "seed": 3, "residual": {"vol": 0.3, "correlation": "none"}},
    }


@pytest.fixture(scope="module")
def source() -> Any:
    return flat_source(PRICES)


def _resolved(source: Any, drivers: list[dict[str, Any]]) -> Any:
    return resolve_scenario(scenario_from_dict(_scenario(drivers)), source=source)


def _hand(g: float, c: float, decline_years: float) -> float:
    """Simple return of the price model: EPS compounds at g for YEARS and at -10% for
    decline_years, the multiple moves by (1 + c), flat 2% growth for YEARS."""
    return (1 + g) ** YEARS * 0.9 ** decline_years * 1.02 ** YEARS * (1 + c) - 1


def test_tornado_matches_hand_computation(source: Any) -> None:
    t = tornado(_resolved(source, DRIVERS))
    z05, z95 = stats.norm.ppf([0.05, 0.95])
    g_mean, c_mean, y_mean = 0.10, -0.10, 1.0
    expected = {
        "drivers[growth].growth": (_hand(0.10 + 0.05 * z05, c_mean, y_mean),
                                   _hand(0.10 + 0.05 * z95, c_mean, y_mean)),
        "drivers[derate].change": (_hand(g_mean, -0.19, y_mean), _hand(g_mean, -0.01, y_mean)),
        "drivers[decline].years": (_hand(g_mean, c_mean, 0.55), _hand(g_mean, c_mean, 1.45)),
        "drivers[flat].growth": (_hand(g_mean, c_mean, y_mean), _hand(g_mean, c_mean, y_mean)),
    }
    order = sorted(expected, key=lambda k: -abs(expected[k][1] - expected[k][0]))
    # by hand: re-rating 18% of the multiple > 1 - 0.9^0.9 of EPS > growth over half a year > 0
    assert order == ["drivers[derate].change", "drivers[decline].years",
                     "drivers[growth].growth", "drivers[flat].growth"]
    for s in PRICES:
        assert t.base[s] == pytest.approx(_hand(g_mean, c_mean, y_mean), abs=1e-12)
        assert [b.param for b in t.bars[s]] == order
        for b in t.bars[s]:
            lo, hi = expected[b.param]
            assert b.low_return == pytest.approx(lo, abs=1e-12)
            assert b.high_return == pytest.approx(hi, abs=1e-12)
        signs = {b.param: np.sign(b.high_return - b.low_return) for b in t.bars[s]}
        assert signs == {"drivers[derate].change": 1, "drivers[decline].years": -1,
                         "drivers[growth].growth": 1, "drivers[flat].growth": 0}
    # the basket of two symbols that move alike moves like them (index weights sum to 1)
    assert t.symbols == (*PRICES, "index")
    assert t.base["index"] == pytest.approx(t.base["0700.HK"], abs=1e-12)
    for a, b in zip(t.bars["index"], t.bars["0700.HK"], strict=True):
        assert a.param == b.param
        assert (a.low_return, a.high_return) == pytest.approx((b.low_return, b.high_return), abs=1e-12)


def test_vary_overrides_the_percentiles(source: Any) -> None:
    t = tornado(_resolved(source, DRIVERS), vary={"drivers[growth].growth": (0.0, 0.3)})
    bar = next(b for b in t.bars["0700.HK"] if b.param == "drivers[growth].growth")
    assert (bar.low_value, bar.high_value) == (0.0, 0.3)
    assert bar.low_return == pytest.approx(_hand(0.0, -0.1, 1.0), abs=1e-12)
    assert bar.high_return == pytest.approx(_hand(0.3, -0.1, 1.0), abs=1e-12)
    assert t.ranges["drivers[growth].growth"] == "given"


def test_unknown_parameter_lists_the_valid_names(source: Any) -> None:
    with pytest.raises(ScenarioError) as exc:
        tornado(_resolved(source, DRIVERS), vary={"drivers[growth].growht": (0.0, 0.3)})
    msg = str(exc.value)
    assert exc.value.exit_code == 2
    assert "drivers[growth].growht" in msg and "drivers[derate].change" in msg


def test_a_reversed_vary_range_is_refused(source: Any) -> None:
    """``--vary P=0.3:0`` used to label 0.3 as the low bar; ``--tilt`` already refused it."""
    with pytest.raises(ScenarioError, match=r"need LOW <= HIGH \(got 0.3:0\)") as exc:
        tornado(_resolved(source, DRIVERS), vary={"drivers[growth].growth": (0.3, 0.0)})
    assert exc.value.field == "--vary"
    t = tornado(_resolved(source, DRIVERS), vary={"drivers[growth].growth": (0.1, 0.1)})  # equal: a point
    assert t.ranges["drivers[growth].growth"] == "given"


@pytest.mark.parametrize("per_symbol", [False, True])
def test_a_vary_value_the_driver_refuses_blames_the_option(source: Any, per_symbol: bool) -> None:
    """A ``--vary`` value the parameter's field would refuse in the file is ``--vary``'s error,
    naming the value in the file's units, in the tornado and in the two-way table; a valid range
    still runs. A multiple change of -300% used to print a NaN return with exit 0, a growth of
    -300% blamed the driver's line of the file."""
    from scenarios.sensitivity import two_way

    drivers = copy.deepcopy(DRIVERS)
    drivers[0]["per_symbol"] = per_symbol
    rs = _resolved(source, drivers)
    with pytest.raises(ScenarioError, match=r"^--vary: drivers\[growth\]\.growth=-3:0\.1: the value -3 is "
                                            r"refused: must be > -1 \(got -3\)$") as exc:
        tornado(rs, vary={"drivers[growth].growth": (-3.0, 0.1)})
    assert exc.value.field == "--vary" and exc.value.file is None and exc.value.line is None
    with pytest.raises(ScenarioError, match=r"drivers\[derate\]\.change=-3:0: the value -3 is refused"):
        tornado(rs, vary={"drivers[derate].change": (-3.0, 0.0)})
    with pytest.raises(ScenarioError, match=r"drivers\[derate\]\.change=-1:0: the value -1 is refused"):
        two_way(rs, "drivers[growth].growth", "drivers[derate].change", levels=3,
                vary={"drivers[derate].change": (-1.0, 0.0)})
    t = two_way(rs, "drivers[growth].growth", "drivers[derate].change", levels=3,
                vary={"drivers[growth].growth": (-0.5, 0.5)})
    assert t.values1 == (-0.5, 0.0, 0.5)
    assert all(np.isfinite(v).all() for line in t.median.values() for v in line)


def test_a_value_the_engine_refuses_is_the_options_error_not_a_bug(source: Any, monkeypatch) -> None:
    """A value inside the field's bounds that the engine still refuses (``valuation`` raises a
    ValueError such as InputRangeError) or that gives no finite return: ``--vary``'s error,
    never exit 70."""
    from scenarios import sensitivity
    from valuation.exceptions import InputRangeError

    rs = _resolved(source, DRIVERS)
    real = sensitivity.coalition_returns

    def refusing(rs_: Any, mask: Any, *, sampler: Any) -> Any:
        if sampler.draws == 1:  # the check of one --vary value
            raise InputRangeError("value adjustment must be > -1 (got -1)")
        return real(rs_, mask, sampler=sampler)

    monkeypatch.setattr(sensitivity, "coalition_returns", refusing)
    with pytest.raises(ScenarioError, match=r"growth=0:0\.1: the value 0 is refused: value adjustment") as exc:
        tornado(rs, vary={"drivers[growth].growth": (0.0, 0.1)})
    assert exc.value.exit_code == 2
    monkeypatch.setattr(sensitivity, "coalition_returns",
                        lambda rs_, mask, *, sampler: np.full((sampler.draws, 2), np.nan))
    with pytest.raises(ScenarioError, match="not a finite number"):
        tornado(rs, vary={"drivers[growth].growth": (0.0, 0.1)})


@pytest.mark.parametrize("per_symbol", [False, True])
def test_pinned_rows_equal_runs_with_the_value_fixed(source: Any, per_symbol: bool) -> None:
    """Each low/high return equals the noise-free forecast of the scenario with that parameter
    written as the fixed number (an independent engine path, no pinning)."""
    drivers = copy.deepcopy(DRIVERS)
    drivers[0]["per_symbol"] = per_symbol
    t = tornado(_resolved(source, drivers))
    for b in t.bars["9988.HK"]:
        label, field = b.param[len("drivers["):].split("].")
        for value, got in ((b.low_value, b.low_return), (b.high_value, b.high_return)):
            fixed = copy.deepcopy(drivers)
            next(d for d in fixed if d["label"] == label)[field] = value
            want = point_forecast(_resolved(source, fixed))[list(PRICES).index("9988.HK")]
            assert got == pytest.approx(float(want), abs=1e-12)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mean=st.floats(-0.5, 1.0), sd=st.floats(0.0, 0.3), rer=st.floats(-0.5, 0.5))
def test_zero_spread_has_zero_swing(source: Any, mean: float, sd: float, rer: float) -> None:
    drivers = [
        {"type": "earnings_growth", "label": "g", "growth": {"dist": "normal", "mean": mean, "sd": 0.0}},
        {"type": "earnings_growth", "label": "h",
         "growth": {"dist": "normal", "mean": 0.05, "sd": sd, "clip": [-0.5, 1.0]}},
        {"type": "rerating", "label": "r", "change": {"dist": "normal", "mean": rer, "sd": 0.0,
                                                      "clip": [-0.9, 2.0]}},
    ]
    t = tornado(_resolved(source, drivers))
    for s in PRICES:
        by = {b.param: b for b in t.bars[s]}
        for zero in ("drivers[g].growth", "drivers[r].change"):
            assert by[zero].swing == 0.0
            assert by[zero].low_return == by[zero].high_return == t.base[s]
        if sd == 0.0:
            assert by["drivers[h].growth"].swing == 0.0
        elif sd >= 1e-6:
            assert by["drivers[h].growth"].swing > 0


def test_cli_json_chart_and_exit_2(tmp_path: Any, capsys: Any) -> None:
    from scenarios.cli.app import main

    code = main(["sensitivity", "examples/tencent_feb_2026.yaml", "-f", "json", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    bars = data["results"][0]["symbols"]["0700.HK"]["bars"]
    swings = [b["swing"] for b in bars]
    assert swings == sorted(swings, reverse=True) and swings[0] > 0
    assert (tmp_path / "tornado.png").stat().st_size > 0 and (tmp_path / "tornado.svg").stat().st_size > 0
    assert main(["sensitivity", "examples/tencent_feb_2026.yaml", "--vary", "nope=1:2"]) == 2
    assert "drivers[growth].growth" in capsys.readouterr().err
    assert main(["sensitivity", "examples/tencent_feb_2026.yaml", "--vary", "x=a:b"]) == 2
    # a value outside the parameter's domain is a located input error, not a bug
    assert main(["sensitivity", "examples/tencent_feb_2026.yaml", "--vary", "drivers[growth].growth=-2:0"]) == 2
    err = capsys.readouterr().err
    assert "the value -2 is refused: must be > -1 (got -2)" in err
    # ... named as the option's, not as the driver line of the file (which holds a valid range)
    assert "--vary: drivers[growth].growth=-2:0:" in err and "tencent_feb_2026.yaml:" not in err, err
    assert main(["sensitivity", "examples/tencent_feb_2026.yaml"]) == 0
    assert "drivers[ai-gap].change" in capsys.readouterr().out


# ------------------------------------------------------------------------------ two-way table

def test_two_way_cell_equals_a_run_with_the_values_written(source: Any) -> None:
    """Common random numbers: a cell is, draw for draw, the Monte Carlo of the scenario with the
    two parameters written as fixed numbers (same seed; the other streams are keyed by name)."""
    from scenarios.engine.run import run_resolved
    from scenarios.sensitivity import two_way

    drivers = copy.deepcopy(DRIVERS)
    drivers[0]["per_symbol"] = True
    tw = two_way(_resolved(source, drivers), "drivers[growth].growth", "drivers[derate].change", levels=3)
    assert tw.lines == (*PRICES, "index")
    i, j = 2, 0
    fixed = copy.deepcopy(drivers)
    fixed[0]["growth"], fixed[1]["change"] = tw.values1[i], tw.values2[j]
    ref = run_resolved(_resolved(source, fixed))
    for k, s in enumerate(PRICES):
        r = ref.predicted_return[:, k]
        assert tw.median[s][i][j] == pytest.approx(float(np.median(r)), abs=1e-12)
        assert tw.prob_up[s][i][j] == float((r > 0).mean())
    assert tw.median["index"][i][j] == pytest.approx(float(np.median(ref.index_return)), abs=1e-12)
    # values: 5th, 50th, 95th percentiles of the growth law; uniform change -0.19, -0.10, -0.01
    assert tw.values1 == pytest.approx(tuple(0.10 + 0.05 * stats.norm.ppf([0.05, 0.5, 0.95])), abs=1e-9)
    assert tw.values2 == pytest.approx((-0.19, -0.10, -0.01), abs=1e-12)


def test_two_way_is_monotone_in_monotone_parameters(source: Any) -> None:
    """Every draw's return rises with growth and with the re-rating, and the cells share their
    random numbers, so the median and P(up) are non-decreasing along both axes."""
    from scenarios.sensitivity import two_way

    tw = two_way(_resolved(source, DRIVERS), "drivers[growth].growth", "drivers[derate].change", levels=4)
    for ln in tw.lines:
        for grid in (np.array(tw.median[ln]), np.array(tw.prob_up[ln])):
            assert (np.diff(grid, axis=0) >= -1e-12).all() and (np.diff(grid, axis=1) >= -1e-12).all()
        assert tw.median[ln][-1][-1] > tw.median[ln][0][0]


def test_two_way_bad_names_exit_2(source: Any, capsys: Any) -> None:
    from scenarios.cli.app import main
    from scenarios.sensitivity import two_way

    with pytest.raises(ScenarioError, match="expected one of"):
        two_way(_resolved(source, DRIVERS), "drivers[growth].growth", "drivers[nope].x")
    with pytest.raises(ScenarioError, match="two different"):
        two_way(_resolved(source, DRIVERS), "drivers[growth].growth", "drivers[growth].growth")
    assert main(["sensitivity", "examples/tencent_feb_2026.yaml", "--two-way",
                 "drivers[growth].growth", "nope"]) == 2
    assert "drivers[ai-gap].change" in capsys.readouterr().err
    assert main(["sensitivity", "examples/tencent_feb_2026.yaml", "--two-way", "drivers[growth].growth",
                 "drivers[ai-gap].change", "--levels", "2", "--draws", "500", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    cell = data["two_way"][0]["lines"]["0700.HK"]
    assert len(cell["median"]) == 2 and all(0.0 <= p <= 1.0 for row in cell["prob_up"] for p in row)


def test_xlsx_sheets_read_back_equal_the_json(tmp_path: Any, capsys: Any) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from scenarios.cli.app import main

    args = ["sensitivity", "examples/tencent_feb_2026.yaml"]
    assert main([*args, "-f", "json"]) == 0
    bars = json.loads(capsys.readouterr().out)["results"][0]["symbols"]["0700.HK"]["bars"]
    assert main([*args, "-f", "xlsx", "--out", str(tmp_path)]) == 0
    ws = openpyxl.load_workbook(tmp_path / "sensitivity.xlsx")["tornado"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [b["param"] for b in bars]
    for r, b in zip(rows, bars, strict=True):
        assert (r[3], r[4], r[6], r[7], r[8]) == pytest.approx(  # xlsx keeps ~15 significant digits
            (b["low_value"], b["high_value"], b["low_return"], b["high_return"], b["swing"]), rel=1e-13)
    assert ws.cell(2, 9).number_format == "0.00%"
    assert "sensitivity.xlsx" in capsys.readouterr().out
    tw = ["--two-way", "drivers[growth].growth", "drivers[ai-gap].change", "--levels", "2", "--draws", "300"]
    assert main([*args, *tw, "-f", "json"]) == 0
    grid = json.loads(capsys.readouterr().out)["two_way"][0]
    assert main([*args, *tw, "-f", "xlsx", "--out", str(tmp_path / "tw")]) == 0
    rows = list(openpyxl.load_workbook(tmp_path / "tw" / "sensitivity.xlsx")["two-way"]
                .iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4
    for (line, a, b, med, pup) in rows:
        i = int(np.argmin(np.abs(np.array(grid["values1"]) - a)))
        j = int(np.argmin(np.abs(np.array(grid["values2"]) - b)))
        assert (a, b) == pytest.approx((grid["values1"][i], grid["values2"][j]), rel=1e-13)
        assert med == pytest.approx(grid["lines"][line]["median"][i][j], rel=1e-13)
        assert pup == pytest.approx(grid["lines"][line]["prob_up"][i][j], rel=1e-13)
    assert main([*args, "-f", "xlsx"]) == 2
