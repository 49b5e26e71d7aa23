"""The cash-flow lens: ``valuation: {method: fcf_yield}``.

Under fcf_yield the engine's "earnings" state is FCF per share and the multiple is price / FCF
(1 / FCF yield) implied from the as_of close, so P_h = P0 x FCF_h / FCF0 x M_h / M0. Expected
values are written out by hand here, not taken from the engine.

Worked example (Amazon, USD, the snapshot's close on 2026-01-27): FCF0 = USD 38.219bn, FY2024,
Amazon's own ``net_capex`` convention (operating cash flow 115.877 minus PP&E purchases net of
proceeds and incentives 77.658; ``../shared/hkdata/fundamentals/README.md``), over 10.721bn
diluted shares (FY2024, SEC dump). The capex story, checked on the year that has happened: in
2025 net PP&E purchases rose from 77.658 to 128.320 (131.819 gross - 3.499 proceeds; "about USD
128bn"), +50.662bn of cash, while operating cash flow rose from 115.877 to 139.514, +23.637bn:
a net cash hit of 27.025bn, FCF 38.219 -> 11.194 = -70.71%, the article's "about 71% lower" and
USD 11.2bn (claims a002-amzn-fcf-decline, a002-amzn-fcf). The engine, given that net hit as an
``ai_capex`` cash amount and nothing else, must move the price by exactly that factor.
"""

from __future__ import annotations

import copy
import math
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.data.memory import flat_source
from scenarios.engine import run_scenario as _run_scenario
from scenarios.errors import ScenarioError, ScenarioErrors
from scenarios.model import scenario_from_dict

# these tests read every draw of the contributions, EPS or the multiple
run_scenario = partial(_run_scenario, keep_draws=True)

SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

FCF0_BN = 38.219          # USD bn, FY2024, net_capex convention
SHARES_BN = 10.721        # diluted, FY2024
CAPEX_STEP_BN = (131.819 - 3.499) - 77.658   # net PP&E purchases, 2025 minus 2024
OCF_STEP_BN = 139.514 - 115.877              # operating cash flow, 2025 minus 2024
NET_HIT_BN = CAPEX_STEP_BN - OCF_STEP_BN     # 27.025


def _amazon(drivers: list[dict], *, method: str = "fcf_yield", fcf: float = FCF0_BN,
            residual: bool = False, draws: int = 200, seed: int = 1) -> dict[str, Any]:
    base: dict[str, Any] = {"eps": 7.08, "shares": {"value": SHARES_BN, "unit": "bn"},
                            "fcf": {"value": fcf, "unit": "bn"}, "tax_rate": 0.18}
    data: dict[str, Any] = {
        "name": "amzn-fcf", "as_of": "2026-01-27", "horizon": "6M", "universe": ["AMZN"],
        "currency": "USD", "baseline": {"AMZN": base}, "drivers": drivers,
        "monte_carlo": {"draws": draws, "seed": seed}}
    if method != "pe":
        data["valuation"] = {"method": method, "convention": "net_capex"}
    if residual:
        data["monte_carlo"]["residual"] = {"vol": "history", "correlation": "none"}
    return data


def _capex(amount: float) -> dict[str, Any]:
    return {"type": "ai_capex", "label": "capex", "symbols": ["AMZN"], "amount": amount, "unit": "bn",
            "currency": "USD", "useful_life_years": 4}


@pytest.fixture(scope="module")
def csv_source(snapshot_dir: Path) -> Any:
    from scenarios.data.csvdir import CsvDirSource

    return CsvDirSource(snapshot_dir)


def test_amazon_worked_example_fcf_falls_and_price_follows(csv_source) -> None:
    """FCF 38.219 -> 11.194 (USD bn): -70.71%; the noise-free price is P0 x 11.194 / 38.219."""
    fcf_h = FCF0_BN - NET_HIT_BN
    assert NET_HIT_BN == pytest.approx(27.025, abs=1e-9)
    assert fcf_h == pytest.approx(11.194, abs=1e-9)
    assert fcf_h / FCF0_BN - 1 == pytest.approx(-0.70711, abs=1e-5)
    r = run_scenario(scenario_from_dict(_amazon([_capex(NET_HIT_BN)])), source=csv_source)
    p0 = float(r.baseline_price[0])
    np.testing.assert_allclose(r.predicted_price[:, 0], p0 * fcf_h / FCF0_BN, rtol=1e-12)
    # the state is FCF per share: 38.219 / 10.721 = USD 3.5649 -> 11.194 / 10.721 = USD 1.0441
    np.testing.assert_allclose(r.eps[:, 0], fcf_h / SHARES_BN, rtol=1e-12)
    # the multiple is price / FCF = 1 / FCF yield, implied from P0, and unchanged
    np.testing.assert_allclose(r.multiple[:, 0], p0 / (FCF0_BN / SHARES_BN), rtol=1e-12)


def test_capex_under_fcf_is_cash_not_depreciation(csv_source) -> None:
    """The same cash as an EPS drag (pe): after-tax year-1 depreciation, 27.025/4 x 0.82 per share
    on EPS 7.08 (USD 0.517, -7.3%) against -70.7% of FCF under fcf_yield."""
    pe = run_scenario(scenario_from_dict(_amazon([_capex(NET_HIT_BN)], method="pe")), source=csv_source)
    p0 = float(pe.baseline_price[0])
    eps_h = 7.08 - NET_HIT_BN / 4 * (1 - 0.18) / SHARES_BN
    np.testing.assert_allclose(pe.predicted_price[:, 0], p0 * eps_h / 7.08, rtol=1e-12)
    assert 7.08 - eps_h == pytest.approx(0.5168, abs=1e-4)


@SETTINGS
@given(fcf=st.floats(0.5, 500.0), growth=st.floats(-0.5, 1.0), change=st.floats(-0.6, 1.5))
def test_price_is_linear_in_fcf_and_neutral_drivers_leave_p0(fcf: float, growth: float,
                                                            change: float) -> None:
    """Neutral drivers (0 growth, 0 re-rating) give P_h == P0; otherwise P_h = P0 x (1+g)^t x (1+c),
    independent of the FCF level (price linear in FCF with the multiple implied from P0)."""
    src = flat_source({"AMZN": 240.0})
    drivers = [{"type": "earnings_growth", "growth": 0.0}, {"type": "rerating", "change": 0.0}]
    r = run_scenario(scenario_from_dict(_amazon(drivers, fcf=fcf, draws=5)), source=src)
    np.testing.assert_allclose(r.predicted_price, 240.0, rtol=1e-12)
    drivers = [{"type": "earnings_growth", "growth": growth}, {"type": "rerating", "change": change}]
    r = run_scenario(scenario_from_dict(_amazon(drivers, fcf=fcf, draws=5)), source=src)
    expected = 240.0 * math.exp(r.horizon_years * math.log1p(growth)) * (1 + change)
    np.testing.assert_allclose(r.predicted_price, expected, rtol=1e-10)


@SETTINGS
@given(cut=st.floats(0.0, 30.0), scale=st.floats(0.1, 10.0))
def test_capex_cut_scales_price_linearly(cut: float, scale: float) -> None:
    """P_h / P0 = 1 - cut / FCF0: scaling FCF0 and the cut together leaves the price unchanged."""
    src = flat_source({"AMZN": 240.0})
    a = run_scenario(scenario_from_dict(_amazon([_capex(cut)], fcf=38.219 * 2, draws=3)), source=src)
    b = run_scenario(scenario_from_dict(_amazon([_capex(cut * scale)], fcf=38.219 * 2 * scale, draws=3)),
                     source=src)
    np.testing.assert_allclose(a.predicted_price, 240.0 * (1 - cut / (38.219 * 2)), rtol=1e-10)
    np.testing.assert_allclose(a.predicted_price, b.predicted_price, rtol=1e-10)


def test_pe_default_is_unchanged(csv_source) -> None:
    """Without a valuation block the fcf baseline is ignored: the same numbers as before."""
    data = _amazon([_capex(NET_HIT_BN)], method="pe", residual=True)
    r1 = run_scenario(scenario_from_dict(copy.deepcopy(data)), source=csv_source)
    del data["baseline"]["AMZN"]["fcf"]
    data["valuation"] = {"method": "pe"}
    r2 = run_scenario(scenario_from_dict(data), source=csv_source)
    np.testing.assert_array_equal(r1.predicted_price, r2.predicted_price)


@pytest.mark.parametrize("bad", [0.0, -11.2])
def test_non_positive_fcf_is_refused_with_a_hint(bad: float) -> None:
    src = flat_source({"AMZN": 240.0})
    with pytest.raises((ScenarioError, ScenarioErrors)) as info:
        run_scenario(scenario_from_dict(_amazon([], fcf=bad)), source=src)
    text = str(info.value)
    assert "fcf" in text and "> 0" in text and "method pe" in text


def test_fcf_yield_needs_a_convention() -> None:
    data = _amazon([])
    data["valuation"] = {"method": "fcf_yield"}
    with pytest.raises((ScenarioError, ScenarioErrors, ValueError)) as info:
        scenario_from_dict(data)
    assert "convention" in str(info.value)


def test_capex_needs_fcf_under_fcf_yield() -> None:
    data = _amazon([_capex(10)])
    del data["baseline"]["AMZN"]["fcf"]
    with pytest.raises((ScenarioError, ScenarioErrors)) as info:
        run_scenario(scenario_from_dict(data), source=flat_source({"AMZN": 240.0}))
    assert "fcf" in str(info.value)


@SETTINGS
@given(cut=st.floats(0.0, 30.0), growth=st.floats(-0.2, 0.3), years=st.integers(0, 10),
       terminal=st.floats(-0.02, 0.04), spread=st.floats(0.01, 0.15))
def test_fcf_yield_equals_a_market_anchored_dcf_with_unchanged_parameters(
        cut: float, growth: float, years: int, terminal: float, spread: float) -> None:
    """A two-stage DCF anchored at the market price, P_h = P0 x V(FCF_h) / V(FCF0) with the same
    (growth, years, terminal growth, discount rate) at both dates, is the fcf_yield price: V is
    linear in FCF (valuation.cashflow.dcf_value, an independent computation of the ratio)."""
    from valuation.cashflow import dcf_value

    rate = terminal + spread
    fcf0 = 38.219 / 10.721
    fcf_h = (38.219 - cut) / 10.721
    v0 = dcf_value(fcf0, growth, years, terminal, rate)
    vh = dcf_value(fcf_h, growth, years, terminal, rate)
    r = run_scenario(scenario_from_dict(_amazon([_capex(cut)], draws=3)),
                     source=flat_source({"AMZN": 240.0}))
    np.testing.assert_allclose(r.predicted_price, 240.0 * vh / v0, rtol=1e-9)


# ------------------------------------------------------------------ valuation: dcf


def _dcf(drivers: list[dict], dcf: dict[str, Any], *, fcf: float = FCF0_BN, draws: int = 3,
         ) -> dict[str, Any]:
    data = _amazon(drivers, fcf=fcf, draws=draws)
    data["valuation"] = {"method": "dcf", "convention": "net_capex", "dcf": dcf}
    return data


@SETTINGS
@given(cut=st.floats(0.0, 30.0), growth=st.floats(-0.2, 0.3), years=st.integers(0, 10),
       terminal=st.floats(-0.02, 0.04), spread=st.floats(0.01, 0.15))
def test_dcf_with_unchanged_parameters_is_the_fcf_yield_price(cut, growth, years, terminal,
                                                             spread) -> None:
    src = flat_source({"AMZN": 240.0})
    dcf = {"years": years, "growth": growth, "terminal_growth": terminal,
           "discount_rate": terminal + spread}
    a = run_scenario(scenario_from_dict(_dcf([_capex(cut)], dcf)), source=src)
    b = run_scenario(scenario_from_dict(_amazon([_capex(cut)], draws=3)), source=src)
    np.testing.assert_allclose(a.predicted_price, b.predicted_price, rtol=1e-12)


def test_dcf_perpetuity_rate_change_is_the_gordon_ratio_and_the_justified_pe() -> None:
    """A perpetuity (no explicit years) growing 3%: V = FCF (1 + g) / (r - g). The discount rate
    rising from 8% to 9% by the horizon moves the price by (0.08 - 0.03) / (0.09 - 0.03) = 5/6,
    times FCF_h / FCF0; and it is the P/E method on EPS = FCF with the multiple re-rated from the
    justified P/E (1.03 / 0.05 = 20.6) to (1.03 / 0.06 = 17.17)."""
    from valuation.cashflow import justified_pe

    src = flat_source({"AMZN": 240.0})
    cut = 10.0
    dcf = {"years": 0, "growth": 0.0, "terminal_growth": 0.03, "discount_rate": 0.08,
           "at_horizon": {"discount_rate": 0.09}}
    r = run_scenario(scenario_from_dict(_dcf([_capex(cut)], dcf)), source=src)
    expected = 240.0 * (FCF0_BN - cut) / FCF0_BN * (0.05 / 0.06)
    np.testing.assert_allclose(r.predicted_price, expected, rtol=1e-12)
    # the same through the P/E method: EPS = FCF per share, a full-payout perpetuity
    change = float(justified_pe(0.09, 0.03) / justified_pe(0.08, 0.03)) - 1
    assert change == pytest.approx(5 / 6 - 1, abs=1e-12)
    fcf_ps = FCF0_BN / SHARES_BN
    pe_data = _amazon([{"type": "ai_capex", "symbols": ["AMZN"], "amount": cut, "unit": "bn",
                        "useful_life_years": 1, "tax_rate": 0.0},
                       {"type": "rerating", "change": change}], method="pe", draws=3)
    pe_data["baseline"]["AMZN"]["eps"] = fcf_ps
    pe = run_scenario(scenario_from_dict(pe_data), source=src)
    np.testing.assert_allclose(pe.predicted_price, expected, rtol=1e-10)


@SETTINGS
@given(g=st.floats(0.0, 0.25), dg=st.floats(0.005, 0.1), r=st.floats(0.06, 0.12),
       dr=st.floats(0.005, 0.05), years=st.integers(1, 10))
def test_dcf_price_rises_with_growth_and_falls_with_the_discount_rate(g, dg, r, dr, years) -> None:
    src = flat_source({"AMZN": 240.0})
    base = {"years": years, "growth": g, "terminal_growth": 0.02, "discount_rate": r}

    def price(**h: float) -> float:
        res = run_scenario(scenario_from_dict(_dcf([], dict(base, at_horizon=h))), source=src)
        return float(res.predicted_price[0, 0])

    assert price() == pytest.approx(240.0, rel=1e-12)
    assert price(growth=min(g + dg, 1.0)) > 240.0
    assert price(discount_rate=r + dr) < 240.0


@pytest.mark.parametrize("dcf", [
    {"years": 5, "growth": 0.1, "terminal_growth": 0.05, "discount_rate": 0.05},
    {"years": 5, "growth": 0.1, "terminal_growth": 0.03, "discount_rate": 0.09,
     "at_horizon": {"terminal_growth": 0.10}}])
def test_dcf_without_a_terminal_value_is_refused(dcf) -> None:
    with pytest.raises((ScenarioError, ScenarioErrors, ValueError)) as info:
        scenario_from_dict(_dcf([], dcf))
    assert "terminal_growth" in str(info.value)
