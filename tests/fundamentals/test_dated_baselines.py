"""Dated baseline series (``eps: {2023-12-31: 11.887, 2024-12-31: 20.486}``): point in time.

The value a run uses is the latest period known at its ``as_of``, known from period end + the
fundamentals layer's reporting lag (the same rule as ``eps: from_data``) unless an explicit
``known:`` says otherwise. Tencent's IFRS diluted EPS from the snapshot's yfinance dump
(``../shared/hkdata/fundamentals``): FY2023 RMB 11.887, FY2024 RMB 20.486; diluted shares
9.610bn and 9.408bn.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.backtest.forecast import scenario_forecaster
from scenarios.backtest.scenario import walk_forward_scenario
from scenarios.data.fundamentals.lags import DEFAULT_LAGS
from scenarios.engine import run_scenario
from scenarios.errors import ScenarioError, ScenarioErrors
from scenarios.model import load_scenario, scenario_from_dict
from scenarios.model.dated import DatedSeries
from scenarios.model.from_data import fill_baselines
from scenarios.model.point_in_time import constant_fundamentals_note, known_from, pick_known

EPS_SERIES = {dt.date(2023, 12, 31): 11.887, dt.date(2024, 12, 31): 20.486}


def _tencent(as_of: str, baseline: dict, horizon: str = "3M") -> dict:
    return {"name": "t", "as_of": as_of, "horizon": horizon, "universe": ["0700.HK"], "currency": "HKD",
            "fx": {"CNYHKD": 1.08},
            "baseline": {"0700.HK": {"currency": "CNY", "shares": {"value": 9.4, "unit": "bn"}, **baseline}},
            # recurring: an EPS drag of CNY 30bn / shares, so the forecast depends on baseline EPS
            "drivers": [{"type": "subsidy", "symbols": ["0700.HK"], "amount": 30, "unit": "bn",
                         "currency": "CNY", "recurrence": "recurring"}],
            "monte_carlo": {"draws": 50, "seed": 3}}


# ------------------------------------------------------------------------------ schema


def test_short_and_long_forms_validate_and_plain_values_still_work() -> None:
    s = scenario_from_dict(_tencent("2025-04-01", {
        "eps": EPS_SERIES,
        "sales": {"unit": "bn", "source": "annual reports", "2023-12-31": 609.015, "2024-12-31": 660.257},
        "tax_rate": [{"period": "2024-12-31", "value": 0.2, "known": "2025-03-19"}]}))
    b = s.baseline["0700.HK"]
    assert b.eps is None and b.sales is None and b.shares.value == 9.4  # plain {value, unit} kept
    assert [v.value for v in b.dated.eps.values] == [11.887, 20.486]
    assert {v.unit for v in b.dated.sales.values} == {"bn"}
    assert b.dated.sales.values[0].source == "annual reports"
    assert b.dated.tax_rate.values[0].known == dt.date(2025, 3, 19)
    plain = scenario_from_dict(_tencent("2025-04-01", {"eps": 20.5}))
    assert plain.baseline["0700.HK"].eps.value == 20.5 and plain.baseline["0700.HK"].dated is None


def _yaml(tmp_path: Path, eps_block: str) -> Path:
    p = tmp_path / "dated.yaml"
    p.write_text(f"""\
name: dated
as_of: 2025-04-01
horizon: 3M
universe: [0700.HK]
currency: HKD
fx: {{CNYHKD: 1.08}}
baseline:
  0700.HK:
    currency: CNY
    shares: {{value: 9.4, unit: bn}}
{eps_block}
""", encoding="utf-8")
    return p


@pytest.mark.parametrize(("block", "expect"), [
    ("    eps: {2023-12-31: 11.887, fiscal: 20.5}", "expected fiscal period ends (YYYY-MM-DD) as keys"),
    ("    eps: {2023-12-31: 11.887, 2024-12-31: abc}", "2024-12-31: expected a number"),
    ("    eps: [{period: 2024-12-31, value: 20.5, known: 2024-06-30}]", "is before the period end"),
    ("    eps: [{period: 2024-12-31, value: 20.5}, {period: 2024-12-31, value: 21}]", "appears twice"),
    ("    eps: {2023-12-31: 11.887, 2024-12-31: -1}", "2024-12-31: must be > 0"),
    ("    eps: {unit: bn, 2024-12-31: 20.5}", "it takes no unit"),
    ("    eps: []", "at least one"),
    ("    eps: [{period: 2024-12-31}]", "required"),
    ("    tax_rate: {2024-12-31: 20}", "fraction in [0, 1)"),
])
def test_malformed_dated_series_is_a_located_error(tmp_path: Path, block: str, expect: str) -> None:
    p = _yaml(tmp_path, block)
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(p)
    err = info.value.errors[0]
    field = block.strip().split(":")[0]
    assert err.file is not None and err.file.endswith("dated.yaml")
    assert err.line == 11 and err.column is not None  # the line of the field
    assert err.field.startswith(f"baseline.0700.HK.{field}")
    assert expect in str(err)


# ------------------------------------------------------------------------------ the lag rule


def test_same_known_from_as_from_data_for_tencent_fy2024(fund_env, snapshot_source) -> None:
    """Both paths use the fundamentals layer's rule: FY2024 (HK annual, 3 months) is known
    from 2025-03-31, and a changed rule moves both the same way."""
    dated = scenario_from_dict(_tencent("2025-04-01", {"eps": EPS_SERIES}))
    data = scenario_from_dict(_tencent("2025-04-01", {"eps": "from_data"}))
    r_dated = run_scenario(dated, source=snapshot_source)
    r_data = run_scenario(data, source=snapshot_source)
    a = r_dated.inputs["resolved"]["fundamentals"]["0700.HK"]["eps"]
    b = r_data.inputs["resolved"]["fundamentals"]["0700.HK"]["eps"]
    assert a["known_from"] == b["known_from"] == "2025-03-31"
    assert a["period_end"] == b["period_end"] == "2024-12-31"
    assert a["value"] == b["value"] == 20.486  # the typed value is the snapshot's FY2024 diluted EPS
    assert r_dated.inputs["baseline"]["0700.HK"]["eps"]["value"] == 20.486
    np.testing.assert_array_equal(r_dated.eps, r_data.eps)
    # both switch from FY2023 to FY2024 on the same day
    series = {dt.date(y, 12, 31): v for y, v in ((2022, 19.341), (2023, 11.887), (2024, 20.486))}
    for day, period in (("2024-03-30", "2022-12-31"), ("2024-03-31", "2023-12-31"),
                        ("2025-03-30", "2023-12-31"), ("2025-03-31", "2024-12-31")):
        when = dt.date.fromisoformat(day)
        _, rd = fill_baselines(scenario_from_dict(_tencent(day, {"eps": series})), when)
        _, rf = fill_baselines(scenario_from_dict(_tencent(day, {"eps": "from_data"})), when)
        assert rd["0700.HK"]["eps"]["period_end"] == rf["0700.HK"]["eps"]["period_end"] == period
        assert rd["0700.HK"]["eps"]["known_from"] == rf["0700.HK"]["eps"]["known_from"]
        assert rd["0700.HK"]["eps"]["value"] == rf["0700.HK"]["eps"]["value"]
    # the lag rule is the layer's: the 2024 value under a changed rule, through the same function
    lags = DEFAULT_LAGS.with_overrides("HK.FY=4M")
    v = DatedSeries.model_validate(EPS_SERIES).values[1]
    assert known_from("0700.HK", v)[0] == DEFAULT_LAGS.known_from("0700.HK", pd.Timestamp(v.period), "FY").date()
    assert known_from("0700.HK", v, lags)[0] == dt.date(2025, 4, 30)


def test_configured_lag_moves_the_dated_path_like_the_data_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIOS_REPORTING_LAGS", "HK.FY=4M")
    s = scenario_from_dict(_tencent("2025-04-15", {"eps": EPS_SERIES}))
    _, rec = fill_baselines(s, dt.date(2025, 4, 15))
    assert rec["0700.HK"]["eps"]["period_end"] == "2023-12-31"  # FY2024 now known from 2025-04-30
    _, rec = fill_baselines(s, dt.date(2025, 4, 30))
    assert rec["0700.HK"]["eps"]["known_from"] == "2025-04-30"


def test_explicit_known_wins_over_the_lag_rule() -> None:
    eps = [{"period": "2023-12-31", "value": 11.887},
           {"period": "2024-12-31", "value": 20.486, "known": "2025-03-19"}]  # results day
    s = scenario_from_dict(_tencent("2025-03-20", {"eps": eps}))
    filled, rec = fill_baselines(s, dt.date(2025, 3, 20))
    assert filled.baseline["0700.HK"].eps.value == 20.486
    assert rec["0700.HK"]["eps"]["known_from"] == "2025-03-19"
    assert rec["0700.HK"]["eps"]["known_rule"] == "explicit known:"
    _, rec = fill_baselines(s, dt.date(2025, 3, 18))
    assert rec["0700.HK"]["eps"]["period_end"] == "2023-12-31"


def test_nothing_known_yet_is_a_located_error_with_the_first_known_date(tmp_path: Path, snapshot_source) -> None:
    p = _yaml(tmp_path, "    eps: {2024-12-31: 20.486}")
    s = load_scenario(p)
    with pytest.raises(ScenarioError) as info:
        run_scenario(s, source=snapshot_source, as_of="2025-03-28")
    err = info.value
    assert err.file.endswith("dated.yaml") and (err.line, err.field) == (11, "baseline.0700.HK.eps")
    assert "0700.HK" in err.message and "as_of 2025-03-28" in err.message
    assert "known from 2025-03-31" in err.message
    assert run_scenario(s, source=snapshot_source).inputs["baseline"]["0700.HK"]["eps"]["value"] == 20.486


# ------------------------------------------------------------------------------ walk-forward


def test_forecast_changes_after_the_known_date_and_not_before(snapshot_source) -> None:
    """Altering the FY2024 value leaves every forecast before 2025-03-31 unchanged and changes
    those from 2025-03-31 on; each window equals the plain-number run of the value known then."""
    dated = scenario_from_dict(_tencent("2025-01-02", {"eps": EPS_SERIES}))
    altered = scenario_from_dict(_tencent("2025-01-02", {"eps": {**EPS_SERIES, dt.date(2024, 12, 31): 40.0}}))
    f_dated = scenario_forecaster(dated, source=snapshot_source)
    f_alt = scenario_forecaster(altered, source=snapshot_source)
    for day, known_value in (("2025-02-28", 11.887), ("2025-03-28", 11.887), ("2025-03-31", 20.486),
                             ("2025-06-30", 20.486)):
        a = f_dated(pd.Timestamp(day)).ensemble
        b = f_alt(pd.Timestamp(day)).ensemble
        plain = scenario_from_dict(_tencent("2025-01-02", {"eps": known_value}))
        np.testing.assert_array_equal(a, scenario_forecaster(plain, source=snapshot_source)(pd.Timestamp(day)).ensemble)
        if day < "2025-03-31":
            np.testing.assert_array_equal(a, b)
        else:
            assert not np.allclose(a, b)


def test_walk_forward_notes_constant_fundamentals_only_for_plain_numbers(snapshot_source) -> None:
    kw = dict(roll="quarterly", start="2024-12-31", end="2025-06-30", source=snapshot_source, draws=30,
              progress=False)
    plain = walk_forward_scenario(scenario_from_dict(_tencent("2024-12-31", {"eps": 20.486})), **kw)
    notes = plain.result.to_dict()["notes"]  # the track record carries it
    assert any("fundamentals are constant across windows" in n and "0700.HK: eps, shares" in n for n in notes)
    dated = walk_forward_scenario(scenario_from_dict(_tencent("2024-12-31", {
        "eps": EPS_SERIES, "shares": {"unit": "bn", "2023-12-31": 9.610, "2024-12-31": 9.408}})), **kw)
    assert not any("constant across windows" in n for n in dated.result.notes)
    assert len(dated.result.scores) == len(plain.result.scores) >= 2


def test_constant_note_names_the_plain_symbols_only() -> None:
    s = scenario_from_dict({**_tencent("2025-04-01", {"eps": EPS_SERIES}), "universe": ["0700.HK", "9988.HK"],
                            "baseline": {"0700.HK": {"eps": EPS_SERIES, "shares": {"unit": "bn", "2024-12-31": 9.4}},
                                         "9988.HK": {"eps": 7.0, "shares": 19.0}}})
    note = constant_fundamentals_note(s)
    assert note is not None and "9988.HK: eps, shares" in note and "0700.HK" not in note
    s2 = scenario_from_dict({**_tencent("2025-04-01", {"eps": EPS_SERIES}), "baseline": {"0700.HK": {"eps": EPS_SERIES,
                                                                                                     "shares": 9.4}}})
    assert constant_fundamentals_note(s2) is None


# ------------------------------------------------------------------------------ property

_days = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2027, 12, 31))


@st.composite
def _series(draw: st.DrawFn) -> DatedSeries:
    ends = draw(st.lists(_days, min_size=1, max_size=8, unique=True))
    out = []
    for end in ends:
        item = {"period": end, "value": draw(st.floats(0.01, 1e3)),
                "period_type": draw(st.sampled_from(["FY", "Q", "TTM"]))}
        if draw(st.booleans()):
            item["known"] = end + dt.timedelta(days=draw(st.integers(0, 400)))
        out.append(item)
    return DatedSeries.model_validate(out)


@settings(max_examples=200, deadline=None)
@given(series=_series(), as_of=_days, symbol=st.sampled_from(["0700.HK", "MSFT", "BABA"]))
def test_no_value_known_after_as_of_is_ever_used(series: DatedSeries, as_of: dt.date, symbol: str) -> None:
    got = pick_known(symbol, series, as_of)
    known = [(v, known_from(symbol, v)[0]) for v in series.values]
    visible = [v for v, day in known if day <= as_of]
    if got is None:
        assert not visible
        return
    v, day, _ = got
    assert day <= as_of and day == known_from(symbol, v)[0]
    assert v.period == max(x.period for x in visible)  # the latest period known then
    # rewriting every value not yet known changes nothing
    shuffled = DatedSeries.model_validate([
        {**x.model_dump(), "value": x.value * 3 + 1} if d > as_of else x.model_dump() for x, d in known])
    again = pick_known(symbol, shuffled, as_of)
    assert again is not None and again[0].value == v.value and again[0].period == v.period


def test_walk_forward_example_tax_rates_are_the_ones_known_at_each_window(fund_env, snapshot_source) -> None:
    from scenarios.model.point_in_time import constant_fundamentals_note as note

    s = load_scenario(Path(__file__).resolve().parents[2] / "examples" / "us_capex_walkforward_2023_2025.yaml")
    assert note(s) is None
    expect = {"2023-09-30": {"MSFT": 0.190, "AMZN": 0.18, "GOOGL": 0.159, "META": 0.195},
              "2024-03-31": {"MSFT": 0.190, "AMZN": 0.190, "GOOGL": 0.139, "META": 0.176},
              "2025-06-30": {"MSFT": 0.182, "AMZN": 0.135, "GOOGL": 0.164, "META": 0.118}}
    for day, rates in expect.items():
        filled, rec = fill_baselines(s, dt.date.fromisoformat(day))
        for sym, rate in rates.items():
            assert filled.baseline[sym].tax_rate.value == rate
            assert rec[sym]["tax_rate"]["known_from"] <= day and rec[sym]["eps"]["mode"] == "from_data"


def test_dated_money_needs_an_fx_rate_at_load() -> None:
    d = _tencent("2025-04-01", {"eps": EPS_SERIES})
    d.pop("fx")
    with pytest.raises(ScenarioErrors) as info:
        scenario_from_dict(d)
    assert any(e.field == "baseline.0700.HK.currency" and "CNYHKD" in e.message for e in info.value.errors)


def test_market_cap_weights_accept_dated_shares(snapshot_source) -> None:
    d = _tencent("2025-04-01", {"eps": EPS_SERIES})
    d["universe"] = ["0700.HK", "9988.HK"]
    d["baseline"] = {"0700.HK": {"shares": {"unit": "bn", "2023-12-31": 9.610, "2024-12-31": 9.408}},
                     "9988.HK": {"shares": {"unit": "bn", "2024-03-31": 20.5}}}
    d["drivers"] = [{"type": "index_weighting", "scheme": "market_cap"}]
    r = run_scenario(scenario_from_dict(d), source=snapshot_source)
    assert r.inputs["baseline"]["0700.HK"]["shares"]["value"] == 9.408
    assert r.inputs["resolved"]["fundamentals"]["9988.HK"]["shares"]["known_from"] == "2024-06-30"


@pytest.mark.parametrize(("block", "expect"), [
    ("    eps: {2024: 20.5}", "such as 2024-12-31"),
    ("    eps: {2024-13-31: 20.5}", "must be a date YYYY-MM-DD"),
    ("    eps: {2024-12-31: 20.5, known: 2025-01-01}", "known: goes with each value"),
    ("    eps: [{period: 2024-12-31, value: 20.5, knwn: 2025-01-01}]", "unknown field"),
])
def test_more_malformed_series_name_the_fix(tmp_path: Path, block: str, expect: str) -> None:
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(_yaml(tmp_path, block))
    err = info.value.errors[0]
    assert err.line == 11 and err.field.startswith("baseline.0700.HK.eps") and expect in err.message


def test_extends_replaces_a_value_by_a_series_and_merges_two_series(tmp_path: Path) -> None:
    parent = _yaml(tmp_path, "    eps: {2023-12-31: 11.887, 2024-12-31: 20.486}")
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {parent.name}\nname: child\nbaseline:\n  0700.HK:\n"
                     "    eps: {value: 27.2, source: non-IFRS TTM}\n", encoding="utf-8")
    b = load_scenario(child).baseline["0700.HK"]
    assert b.eps.value == 27.2 and b.dated is None
    child.write_text(f"extends: {parent.name}\nname: child\nbaseline:\n  0700.HK:\n"
                     "    eps: {2024-12-31: 21.0, 2025-12-31: 24.153}\n", encoding="utf-8")
    b = load_scenario(child).baseline["0700.HK"]
    assert [(str(v.period), v.value) for v in b.dated.eps.values] == \
        [("2023-12-31", 11.887), ("2024-12-31", 21.0), ("2025-12-31", 24.153)]
    back = tmp_path / "back.yaml"
    back.write_text("extends: child.yaml\nname: back\nbaseline:\n  0700.HK:\n    eps: 20.0\n", encoding="utf-8")
    assert load_scenario(back).baseline["0700.HK"].eps.value == 20.0


def test_walk_forward_window_before_every_known_date_fails_with_the_located_error(snapshot_source) -> None:
    s = scenario_from_dict(_tencent("2024-12-31", {"eps": {dt.date(2023, 12, 31): 11.887}}))
    wf = walk_forward_scenario(s, roll="quarterly", start="2023-12-31", end="2024-06-30", source=snapshot_source,
                               draws=30, progress=False)
    windows = wf.result.to_dict()["windows"]
    first = windows[0]
    assert first["status"] == "failed" and "baseline.0700.HK.eps" in first["error"]
    assert "known from 2024-03-31" in first["error"]
    assert [w["status"] for w in windows[1:]] and all(w["status"] != "failed" for w in windows[1:])


@settings(max_examples=40, deadline=None)
@given(series=_series(), as_of=st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2027, 12, 31)))
def test_fill_baselines_never_uses_a_value_known_after_as_of(series: DatedSeries, as_of: dt.date) -> None:
    raw = [v.model_dump() for v in series.values]
    s = scenario_from_dict(_tencent(as_of.isoformat(), {"eps": raw}, horizon="3M"), check=False)
    try:
        filled, rec = fill_baselines(s, as_of)
    except ScenarioError as exc:
        assert all(known_from("0700.HK", v)[0] > as_of for v in series.values)
        assert "is known from" in exc.message
        return
    echo = rec["0700.HK"]["eps"]
    assert dt.date.fromisoformat(echo["known_from"]) <= as_of
    assert filled.baseline["0700.HK"].eps.value == echo["value"]
    later = [v for v in series.values if known_from("0700.HK", v)[0] <= as_of]
    assert echo["period_end"] == max(v.period for v in later).isoformat()
