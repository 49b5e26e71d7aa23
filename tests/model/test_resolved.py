"""The resolve step: a loaded scenario -> an immutable ResolvedScenario the engine runs."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.data.memory import flat_source, synthetic_source
from scenarios.engine.run import run_resolved, run_scenario
from scenarios.errors import ScenarioError
from scenarios.model import load_scenario, scenario_from_dict
from scenarios.model.resolved import ResolvedScenario, resolve_scenario

ROOT = Path(__file__).resolve().parents[2]
PRICES = {"0700.HK": 400.0, "9988.HK": 120.0, "AAPL": 200.0}

DATA = {
    "name": "resolve", "as_of": "2026-02-12", "horizon": "6M", "universe": ["0700.HK", "9988.HK"],
    "currency": "HKD", "fx": {"CNYHKD": 1.09},
    "baseline": {
        "0700.HK": {"currency": "CNY", "eps": 27.0, "shares": {"value": 9.15, "unit": "bn"},
                    "sales": {"value": 700, "unit": "bn"}, "tax_rate": 0.2},
        "9988.HK": {"eps": 7.5, "shares": {"value": 19.3, "unit": "bn"}, "dividend_yield": 0.01},
    },
    "drivers": [
        {"type": "earnings_growth", "growth": 0.1},
        {"type": "buyback", "symbols": ["0700.HK"], "amount": 8, "unit": "bn", "currency": "USD",
         "fx": 7.8},
        {"type": "ai_capex", "amount": 100, "unit": "bn", "currency": "CNY", "useful_life_years": 5},
        {"type": "fx_change", "change": 0.02},
        {"type": "rerating", "enabled": False, "change": 0.1},
    ],
    "monte_carlo": {"draws": 400, "seed": 7},
}


def _resolve(data=DATA, **kw) -> ResolvedScenario:
    return resolve_scenario(scenario_from_dict(data), source=flat_source(PRICES), **kw)


def test_baseline_arrays_are_in_the_price_currency() -> None:
    rs = _resolve()
    b = rs.baseline
    assert rs.symbols == ("0700.HK", "9988.HK") and rs.currencies == ("HKD", "HKD")
    np.testing.assert_array_equal(b.price, [400.0, 120.0])
    # 0700 reports in CNY: EPS and sales per share are converted at 1.09 HKD per CNY
    assert b.eps[0] == pytest.approx(27.0 * 1.09, rel=1e-15) and b.eps[1] == 7.5
    assert b.sales_ps[0] == pytest.approx(700e9 * 1.09 / 9.15e9, rel=1e-15)
    assert np.isnan(b.sales_ps[1])
    np.testing.assert_array_equal(b.tax, [0.2, 0.0])
    np.testing.assert_array_equal(b.dividend_yield, [0.0, 0.01])
    np.testing.assert_allclose(b.multiple, [400 / (27 * 1.09), 120 / 7.5], rtol=1e-15)
    assert rs.years == pytest.approx((rs.horizon - rs.as_of).days / 365.25)
    assert (rs.draws, rs.seed) == (400, 7)


def test_drivers_have_their_targets_and_fx() -> None:
    rs = _resolve()
    by = {rd.label: rd for rd in rs.drivers}
    assert list(by) == ["earnings_growth", "buyback", "ai_capex", "fx_change"]  # disabled one left out
    assert by["earnings_growth"].targets == ("0700.HK", "9988.HK") and by["earnings_growth"].fx is None
    assert by["buyback"].targets == ("0700.HK",) and by["buyback"].fx is None  # fx drawn from the driver
    # CNY money: 1.09 HKD per CNY for both (9988 lists and reports in HKD but the money is CNY)
    np.testing.assert_array_equal(by["ai_capex"].fx, [1.09, 1.09])
    assert by["fx_change"].targets == ("0700.HK",)  # only the symbol reporting in another currency
    assert [rd.position for rd in rs.drivers] == [0, 1, 2, 3]


def test_resolved_scenario_is_immutable() -> None:
    rs = _resolve()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rs.draws = 5  # type: ignore[misc]
    for arr in (rs.baseline.price, rs.baseline.eps, rs.drivers[2].fx):
        with pytest.raises(ValueError):
            arr[0] = 1.0
    with pytest.raises(TypeError):
        rs.inputs["name"] = "x"  # type: ignore[index]


def test_run_scenario_is_resolve_then_run() -> None:
    sc = scenario_from_dict(DATA)
    src = synthetic_source(["0700.HK", "9988.HK"], seed=2)
    a = run_scenario(sc, source=src, draws=300, seed=11)
    b = run_resolved(resolve_scenario(sc, source=src, draws=300, seed=11))
    np.testing.assert_array_equal(a.predicted_price, b.predicted_price)
    assert a.contributions.keys() == b.contributions.keys()
    assert a.to_dict(include_draws=False) == b.to_dict(include_draws=False)


def test_as_of_override_moves_the_cut_off_and_a_period_horizon() -> None:
    rs = _resolve(as_of="2025-12-31")
    assert str(rs.as_of) == "2025-12-31" and str(rs.horizon) == "2026-06-30"
    assert rs.prices.as_of.date() == rs.as_of


def test_errors_are_located_in_the_file() -> None:
    sc = load_scenario(ROOT / "examples" / "tencent_feb_2026.yaml")
    with pytest.raises(ScenarioError) as exc:
        # a source with some data but not these symbols (an empty one explains the setup
        # instead: nothing is available offline, issue 16)
        resolve_scenario(sc, source=flat_source({"9988.HK": 120.0}), draws=10)
    assert "unknown symbol" in str(exc.value) and exc.value.line is not None
    assert exc.value.file.endswith("tencent_feb_2026.yaml")
    # a missing FX rate for a driver's money currency is found by the resolve step, at the driver
    bad = dict(DATA, drivers=[{"type": "ai_capex", "amount": 1, "currency": "EUR", "fx": None,
                               "useful_life_years": 5}])
    bad["drivers"][0].pop("fx")
    sc = scenario_from_dict(bad, check=False)
    with pytest.raises(ScenarioError) as exc:
        resolve_scenario(sc, source=flat_source(PRICES))
    assert exc.value.field == "drivers[0].currency" and "no FX rate from EUR to HKD" in exc.value.message


def test_nothing_outside_the_model_reads_the_yaml_document() -> None:
    offenders = []
    for path in (ROOT / "scenarios").rglob("*.py"):
        if "model" in path.relative_to(ROOT / "scenarios").parts[:1]:
            continue
        if re.search(r"\._doc\b", path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@settings(max_examples=30, deadline=None)
@given(eps=st.floats(0.01, 500), rate=st.floats(0.01, 20), sales=st.floats(0.0, 5000),
       shares=st.floats(0.1, 50), inverse=st.booleans())
def test_baseline_conversion_property(eps: float, rate: float, sales: float, shares: float,
                                      inverse: bool) -> None:
    """EPS and sales per share in the price currency = reporting figures x FX, whether the table
    gives CNYHKD or its inverse HKDCNY; a money driver in CNY gets the same FX per target."""
    data = {
        "name": "prop", "as_of": "2026-02-12", "horizon": "6M", "universe": ["0700.HK"],
        "fx": {"HKDCNY": 1 / rate} if inverse else {"CNYHKD": rate},
        "baseline": {"0700.HK": {"currency": "CNY", "eps": eps, "sales": {"value": sales, "unit": "bn"},
                                 "shares": {"value": shares, "unit": "bn"}}},
        "drivers": [{"type": "ai_capex", "amount": 1, "currency": "CNY", "useful_life_years": 5}],
        "monte_carlo": {"draws": 10},
    }
    rs = _resolve(data)
    fx = 1 / (1 / rate) if inverse else rate
    assert rs.baseline.eps[0] == pytest.approx(eps * fx, rel=1e-12)
    assert rs.baseline.sales_ps[0] == pytest.approx(sales * 1e9 * fx / (shares * 1e9), rel=1e-12, abs=1e-300)
    assert rs.drivers[0].fx[0] == pytest.approx(fx, rel=1e-12)
    assert rs.baseline.multiple[0] == pytest.approx(400.0 / (eps * fx), rel=1e-12)
