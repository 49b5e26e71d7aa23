"""Earnings drivers: capex, subsidy, growth, buyback, fx, shock."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from valuation import InputRangeError, NonFiniteInputError, PercentNotFractionError, price_from_pe
from valuation.drivers.buyback import buyback_accretion, buyback_eps, buyback_shares_retired
from valuation.drivers.capex import (
    capex_eps_drag,
    capex_fcf_change,
    depreciation_schedule,
    fcf_yield,
    plan_depreciation_schedule,
)
from valuation.drivers.fx import convert, cross_rate, invert_rate
from valuation.drivers.growth import grow_eps, margin_change_eps, revenue_uplift_eps
from valuation.drivers.shock import decayed_shock, shock_path
from valuation.drivers.subsidy import (
    retained_user_uplift,
    subsidy_eps_impact,
    subsidy_payback_years,
)

life_st = st.floats(min_value=0.25, max_value=30.0)
capex_st = st.floats(min_value=0.0, max_value=1e4)


# --- capex ------------------------------------------------------------------------------------
def test_amazon_2026_capex_plan() -> None:
    # Seed 002: Amazon's 2026 capex plan of about USD 200bn. Assumptions stated here: depreciated
    # straight-line over 5 years, 21% US tax rate, 10.8bn diluted shares (USD bn / bn shares).
    capex_usd_bn, life, tax, shares_bn = 200.0, 5.0, 0.21, 10.8
    per_year = [capex_eps_drag(capex_usd_bn, life, shares_bn, tax, year=y) for y in range(1, 7)]
    expected = -(200.0 / 5.0) * (1 - 0.21) / 10.8  # USD 40bn a year after tax over 10.8bn shares
    assert per_year[:5] == pytest.approx([expected] * 5, rel=1e-12)
    assert expected == pytest.approx(-2.926, abs=1e-3)
    assert per_year[5] == 0.0  # fully depreciated after five years
    # cash: the whole 200bn leaves in year 1, the tax shield comes back over five years
    assert capex_fcf_change(200.0, 5.0, 0.21) == pytest.approx(-200.0 + 0.21 * 40.0)
    assert capex_fcf_change(200.0, 5.0, 0.21, year=3) == pytest.approx(0.21 * 40.0)
    assert capex_fcf_change(200.0, 5.0, 0.21, shares=10.8) == pytest.approx((-200 + 8.4) / 10.8)


@settings(max_examples=60, deadline=None)
@given(capex=capex_st, life=life_st, n=st.integers(1, 40), half=st.booleans())
def test_schedule_is_straight_line_and_sums_to_capex(capex: float, life: float, n: int,
                                                     half: bool) -> None:
    conv = "half_year" if half else "full_year"
    sched = depreciation_schedule(capex, life, n, convention=conv)
    assert sched.shape == (n,)
    assert np.all(sched >= 0) and np.all(sched <= capex / life * (1 + 1e-12) + 1e-12)
    start = 0.5 if half else 0.0
    # independent computation: integrate a constant rate capex / life over [start, start + life]
    years_covered = min(n, start + life)
    assert sched.sum() == pytest.approx(capex / life * (years_covered - start), rel=1e-9, abs=1e-9)


def test_fractional_life_and_plan() -> None:
    np.testing.assert_allclose(depreciation_schedule(10.0, 2.5, 4), [4.0, 4.0, 2.0, 0.0])
    np.testing.assert_allclose(depreciation_schedule(10.0, 2.5, 4, convention="half_year"),
                               [2.0, 4.0, 4.0, 0.0])
    # a plan of 100 a year for two years, 2-year life: vintages overlap in year 2
    np.testing.assert_allclose(plan_depreciation_schedule([100.0, 100.0], 2.0, 4),
                               [50.0, 100.0, 50.0, 0.0])
    sched = depreciation_schedule(pd.Series([10.0, 20.0], index=["a", "b"]), 2.0, 3)
    assert isinstance(sched, pd.DataFrame) and list(sched.columns) == [1, 2, 3]
    assert list(sched.index) == ["a", "b"]


@settings(max_examples=60, deadline=None)
@given(c1=capex_st, c2=capex_st, life=life_st, shares=st.floats(0.1, 100),
       tax=st.floats(0.0, 0.5), fx=st.floats(0.05, 10), year=st.integers(1, 8))
def test_capex_drag_monotone_and_zero(c1: float, c2: float, life: float, shares: float,
                                      tax: float, fx: float, year: int) -> None:
    lo, hi = sorted((c1, c2))
    d_lo = capex_eps_drag(lo, life, shares, tax, fx, year)
    d_hi = capex_eps_drag(hi, life, shares, tax, fx, year)
    assert d_hi <= d_lo <= 0.0  # larger capex never raises EPS
    assert capex_eps_drag(0.0, life, shares, tax, fx, year) == 0.0  # zero capex changes nothing
    eps = 5.0
    assert price_from_pe(eps + capex_eps_drag(0.0, life, shares, tax, fx, year), 15.0) == \
        price_from_pe(eps, 15.0)


def test_capex_broadcast_over_draws() -> None:
    capex = np.array([[100.0], [200.0]])  # draws
    life = np.array([4.0, 5.0, 6.0])  # symbols
    out = capex_eps_drag(capex, life, 10.0, 0.25)
    np.testing.assert_allclose(out, -(capex / life) * 0.75 / 10.0)
    assert fcf_yield(5.0, 100.0) == pytest.approx(0.05)


def test_capex_invalid() -> None:
    with pytest.raises(InputRangeError, match="useful_life_years must be > 0"):
        capex_eps_drag(100.0, -5.0, 10.0, 0.2)
    with pytest.raises(InputRangeError, match="capex must be >= 0"):
        capex_eps_drag(-1.0, 5.0, 10.0, 0.2)
    with pytest.raises(PercentNotFractionError, match="pass 0.21"):
        capex_eps_drag(100.0, 5.0, 10.0, 21.0)
    with pytest.raises(InputRangeError, match="year must be an integer >= 1"):
        capex_eps_drag(100.0, 5.0, 10.0, 0.2, year=0)
    with pytest.raises(InputRangeError, match="n_years"):
        depreciation_schedule(1.0, 2.0, 0)
    with pytest.raises(NonFiniteInputError):
        depreciation_schedule(np.array([1.0, np.nan]), 2.0, 3)
    with pytest.raises(InputRangeError, match="convention"):
        depreciation_schedule(1.0, 2.0, 3, convention="monthly")  # type: ignore[arg-type]


# --- subsidy ----------------------------------------------------------------------------------
def test_tencent_yuanbao_red_packets() -> None:
    # Seed 003: Tencent's Yuanbao gave out RMB 1bn of red packets. Stated here: 9.2bn shares,
    # 1.10 HKD per CNY (about 7.80 HKD/USD over 7.10 CNY/USD in early 2026).
    fx = cross_rate(7.80, 7.10)
    assert fx == pytest.approx(1.0986, abs=1e-4)
    impact = subsidy_eps_impact(1.0, 9.2, fx=1.10)  # RMB bn over bn shares -> HKD per share
    assert impact == pytest.approx(-1.10 / 9.2)
    assert impact == pytest.approx(-0.1196, abs=1e-4)
    # deductible at a 20% tax rate the hit shrinks to 80%
    assert subsidy_eps_impact(1.0, 9.2, tax_rate=0.2, fx=1.10) == pytest.approx(0.8 * impact)
    # later years: 30m users acquired, 20% retained, RMB 100 ARPU, 30% margin, 20% tax
    uplift = retained_user_uplift(0.03, 0.2, 100.0, 0.3, 9.2, fx=1.10, tax_rate=0.2)
    assert uplift == pytest.approx(0.03 * 0.2 * 100 * 0.3 * 0.8 * 1.10 / 9.2)
    assert subsidy_payback_years(1.0, 0.03, 0.2, 100.0, 0.3) == pytest.approx(1.0 / 0.18)
    assert subsidy_payback_years(1.0, 0.03, 0.0, 100.0, 0.3) == math.inf


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0, 1e3), b=st.floats(0, 1e3), shares=st.floats(0.1, 50), tax=st.floats(0, 0.4))
def test_subsidy_linear_and_nonpositive(a: float, b: float, shares: float, tax: float) -> None:
    ia, ib = subsidy_eps_impact(a, shares, tax), subsidy_eps_impact(b, shares, tax)
    assert ia <= 0 and ib <= 0
    assert subsidy_eps_impact(a + b, shares, tax) == pytest.approx(ia + ib, rel=1e-12, abs=1e-15)


def test_subsidy_invalid() -> None:
    with pytest.raises(PercentNotFractionError):
        retained_user_uplift(1.0, 40.0, 10.0, 0.2, 1.0)
    with pytest.raises(InputRangeError, match="shares must be > 0"):
        subsidy_eps_impact(1.0, 0.0)


# --- growth, buyback, fx ----------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(eps=st.floats(0.01, 100), g=st.floats(-0.9, 2.0), y1=st.floats(0, 5), y2=st.floats(0, 5))
def test_growth_compounds(eps: float, g: float, y1: float, y2: float) -> None:
    assert grow_eps(grow_eps(eps, g, y1), g, y2) == pytest.approx(grow_eps(eps, g, y1 + y2),
                                                                  rel=1e-10)
    assert grow_eps(eps, g, 0.0) == pytest.approx(eps)
    assert grow_eps(eps, g) == pytest.approx(eps * (1 + g), rel=1e-12)


def test_margin_and_revenue_uplift() -> None:
    assert margin_change_eps(100.0, -0.02, 0.25) == pytest.approx(-1.5)
    assert revenue_uplift_eps(100.0, 0.05, 0.3, 0.25) == pytest.approx(100 * 0.05 * 0.3 * 0.75)
    with pytest.raises(PercentNotFractionError):
        margin_change_eps(100.0, 2.0)  # two percentage points is 0.02


@settings(max_examples=60, deadline=None)
@given(eps=st.floats(0.01, 100), frac=st.floats(0, 0.5), price=st.floats(1, 1000),
       shares=st.floats(1, 1e4))
def test_buyback_accretion(eps: float, frac: float, price: float, shares: float) -> None:
    amount = frac * shares * price  # buy back `frac` of the company
    retired = buyback_shares_retired(amount, price, shares)
    assert retired == pytest.approx(frac * shares, rel=1e-12, abs=1e-12)
    new_eps = buyback_eps(eps, amount, price, shares)
    # total earnings unchanged, spread over fewer shares
    assert new_eps * (shares - retired) == pytest.approx(eps * shares, rel=1e-10)
    assert new_eps >= eps * (1 - 1e-12)
    assert buyback_accretion(amount, price, shares) == pytest.approx(1 / (1 - frac) - 1, rel=1e-9,
                                                                     abs=1e-12)


def test_buyback_lost_income_and_invalid() -> None:
    # HKD 10 spent at HKD 100 on 1 share... 1000 shares, EPS 5 (RMB), lost 3% after tax, 1.1 HKD/CNY
    out = buyback_eps(5.0, 1000.0, 100.0, 1000.0, lost_yield=0.03, fx=1.1)
    assert out == pytest.approx((5.0 * 1000 - 1000 / 1.1 * 0.03) / 990.0)
    with pytest.raises(InputRangeError, match="retire every share"):
        buyback_shares_retired(1000.0, 1.0, 1000.0)


def test_fx_direction() -> None:
    assert convert(100.0, 1.08) == pytest.approx(108.0)  # RMB 100 -> HKD 108
    assert convert(convert(100.0, 1.08), invert_rate(1.08)) == pytest.approx(100.0)
    with pytest.raises(InputRangeError, match="fx must be > 0"):
        convert(1.0, 0.0)


# --- shock ------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(shock=st.floats(-0.6, 1.0), hl=st.floats(0.5, 100), n=st.integers(1, 60))
def test_shock_path_sums_to_remaining(shock: float, hl: float, n: int) -> None:
    path = shock_path(shock, hl, n)
    cum = np.cumsum(path)
    expected = np.array([decayed_shock(shock, hl, k) for k in range(n)])
    np.testing.assert_allclose(cum, expected, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(shock_path(shock, hl, n, cumulative=True), expected, rtol=1e-12,
                               atol=1e-15)
    assert path[0] == pytest.approx(math.log1p(shock))


def test_shock_half_life() -> None:
    assert decayed_shock(-0.10, 5.0, 5.0) == pytest.approx(0.5 * math.log(0.9))
    assert decayed_shock(-0.10, 5.0, 0.0) == pytest.approx(math.log(0.9))
    assert decayed_shock(-0.10, math.inf, 100.0) == pytest.approx(math.log(0.9))
    out = decayed_shock(np.array([-0.1, 0.2]), np.array([[1.0], [2.0]]), 2.0)
    assert out.shape == (2, 2)
    with pytest.raises(InputRangeError, match="shock must be > -1"):
        decayed_shock(-1.0, 5.0, 1.0)
    with pytest.raises(InputRangeError, match="elapsed_days"):
        decayed_shock(-0.1, 5.0, -1.0)


@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.float64, (5, 3), elements=st.floats(-0.5, 0.5)))
def test_shock_path_vectorized(shocks: np.ndarray) -> None:
    path = shock_path(shocks, 3.0, 4)
    assert path.shape == (5, 3, 4)
    np.testing.assert_allclose(path.sum(axis=-1), decayed_shock(shocks, 3.0, 3.0), atol=1e-14)
