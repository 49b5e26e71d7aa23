"""The cash-flow lens: FCF conventions, FCF-yield valuation, two-stage DCF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from valuation import InputRangeError, InputShapeError, PercentNotFractionError, price_from_pe
from valuation.cashflow import (
    FCF_DEFINITIONS,
    FreeCashFlow,
    dcf_value,
    dcf_value_from_flows,
    free_cash_flow,
    gordon_value,
    implied_fcf_yield,
    justified_pe,
    price_from_fcf_yield,
)


def _dcf_by_hand(cf0: float, g: float, n: int, gt: float, r: float) -> float:
    """Year-by-year loop, independent of the closed form."""
    value, cf = 0.0, cf0
    for t in range(1, n + 1):
        cf *= 1 + g
        value += cf / (1 + r) ** t
    return value + cf * (1 + gt) / (r - gt) / (1 + r) ** n


# --- Amazon 2024: the two conventions -----------------------------------------------------------
@pytest.fixture(scope="module")
def amzn(snapshot_dir: Path) -> dict[str, Any]:
    """yfinance cash-flow statement of Amazon (../shared/hkdata/fundamentals beside the prices)."""
    path = snapshot_dir.parent / "fundamentals" / "yfinance" / "AMZN.json"
    if not path.is_file():
        pytest.fail(f"fundamentals snapshot not found beside the prices: {path}", pytrace=False)
    return json.loads(path.read_text(encoding="utf-8"))


def test_amazon_2024_fcf_under_both_conventions_from_the_snapshot(amzn: dict[str, Any]) -> None:
    cf = amzn["cashflow"]["2024-12-31"]
    ocf = cf["Operating Cash Flow"] / 1e9
    purchases = -cf["Purchase Of PPE"] / 1e9  # stored negative
    proceeds = cf["Sale Of PPE"] / 1e9  # proceeds from property and equipment sales and incentives
    gross = free_cash_flow(ocf, purchases, convention="gross_capex")
    net = free_cash_flow(ocf, purchases, convention="net_capex", ppe_proceeds=proceeds)
    assert gross.value == pytest.approx(32.878, abs=5e-4)  # yfinance's "Free Cash Flow"
    assert net.value == pytest.approx(38.219, abs=5e-4)  # Amazon's own FCF (10-K)
    # each number agrees with the field it claims to reproduce
    assert gross.value == pytest.approx(cf["Free Cash Flow"] / 1e9, abs=1e-9)
    assert purchases - proceeds == pytest.approx(-cf["Net PPE Purchase And Sale"] / 1e9, abs=1e-9)
    assert (gross.convention, net.convention) == ("gross_capex", "net_capex")
    assert "yfinance" in gross.definition and "Amazon" in net.definition
    # per share, with the share count saved with the statements
    shares_bn = amzn["info"]["sharesOutstanding"] / 1e9
    ps = net.per_share(shares_bn)
    assert ps.per_share_basis and ps.convention == "net_capex"
    assert ps.value == pytest.approx(38.219 / shares_bn, rel=1e-4)


def test_amazon_2025_fcf_fall_depends_on_the_convention(amzn: dict[str, Any]) -> None:
    # 2025: capex USD 131.8bn. FCF fell about 77% (gross) or 71% (Amazon's own) from 2024: a
    # 6-point gap from the convention alone.
    def both(year: str) -> tuple[float, float]:
        cf = amzn["cashflow"][year]
        ocf, buy, sale = (cf["Operating Cash Flow"], -cf["Purchase Of PPE"], cf["Sale Of PPE"])
        gross = free_cash_flow(ocf, buy, convention="gross_capex").value
        net = free_cash_flow(ocf, buy, convention="net_capex", ppe_proceeds=sale).value
        return float(gross) / 1e9, float(net) / 1e9

    g24, n24 = both("2024-12-31")
    g25, n25 = both("2025-12-31")
    assert (g25, n25) == pytest.approx((139.514 - 131.819, 139.514 - 131.819 + 3.499), abs=5e-4)
    assert g25 / g24 - 1 == pytest.approx(-0.766, abs=5e-4)
    assert n25 / n24 - 1 == pytest.approx(-0.707, abs=5e-4)


def test_amazon_fcf_yield_worked_example() -> None:
    # Amazon 2024 stated figures (10-K): OCF 115.877, PP&E purchases 82.999, proceeds and
    # incentives 5.341 (USD bn); ~10.76bn shares. At a 2.5% FCF yield on Amazon's own FCF:
    net = free_cash_flow(115.877, 82.999, convention="net_capex", ppe_proceeds=5.341)
    fcf_ps = net.per_share(10.757).value
    assert fcf_ps == pytest.approx(38.219 / 10.757, rel=1e-12)
    price = price_from_fcf_yield(fcf_ps, 0.025)
    assert price == pytest.approx(142.12, abs=0.01)
    assert implied_fcf_yield(fcf_ps, price) == pytest.approx(0.025, rel=1e-12)
    # "FCF falls 70% as capex rises": at the same yield the FCF-lens price falls 70% too.
    assert price_from_fcf_yield(0.3 * fcf_ps, 0.025) == pytest.approx(0.3 * price, rel=1e-12)


def test_two_stage_dcf_worked_example() -> None:
    # FCF USD 3.55 a share, 15% growth for 5 years, 3% after, 9% discount rate.
    v = dcf_value(3.55, 0.15, 5, 0.03, 0.09)
    assert v == pytest.approx(_dcf_by_hand(3.55, 0.15, 5, 0.03, 0.09), rel=1e-12)
    # by hand: explicit PVs 3.745 + 3.952 + 4.169 + 4.399 + 4.641 = 20.905; terminal value
    # 7.1403 x 1.03 / 0.06 = 122.575, discounted by 1.09 ** 5 = 1.5386: 79.666; total 100.57
    assert v == pytest.approx(20.905 + 79.666, abs=0.002)
    # Gordon with the same inputs from year 0: 3.55 x 1.03 / 0.06
    assert gordon_value(3.55, 0.03, 0.09) == pytest.approx(60.94, abs=0.01)


# --- properties -------------------------------------------------------------------------------
cf_st = st.floats(0.01, 1e3)
g_st = st.floats(-0.3, 0.5)
r_st = st.floats(0.02, 0.25)
n_st = st.integers(0, 15)


@settings(max_examples=80, deadline=None)
@given(cf=cf_st, g=g_st, n=n_st, r=r_st, gt=st.floats(-0.05, 0.2))
def test_dcf_matches_a_year_by_year_loop(cf: float, g: float, n: int, r: float, gt: float) -> None:
    assume(r - gt > 1e-3)
    assert dcf_value(cf, g, n, gt, r) == pytest.approx(_dcf_by_hand(cf, g, n, gt, r), rel=1e-9)


@settings(max_examples=80, deadline=None)
@given(cf=cf_st, g1=g_st, g2=g_st, n=st.integers(1, 15), r=r_st, gt=st.floats(-0.05, 0.015))
def test_value_increases_with_growth(cf: float, g1: float, g2: float, n: int, r: float,
                                     gt: float) -> None:
    lo, hi = sorted((g1, g2))
    assume(hi - lo > 1e-6)
    assert dcf_value(cf, hi, n, gt, r) > dcf_value(cf, lo, n, gt, r)
    # terminal growth too
    assert dcf_value(cf, lo, n, gt + 0.004, r) > dcf_value(cf, lo, n, gt, r)


@settings(max_examples=80, deadline=None)
@given(cf=cf_st, g=g_st, n=n_st, r1=r_st, r2=r_st, gt=st.floats(-0.05, 0.015))
def test_value_decreases_with_the_discount_rate(cf: float, g: float, n: int, r1: float, r2: float,
                                                gt: float) -> None:
    lo, hi = sorted((r1, r2))
    assume(hi - lo > 1e-6)
    assert dcf_value(cf, g, n, gt, hi) < dcf_value(cf, g, n, gt, lo)


@settings(max_examples=80, deadline=None)
@given(cf=cf_st, g=st.floats(-0.1, 0.12), n=n_st, r=r_st)
def test_gordon_identity_and_dcf_equals_pe_for_a_perpetuity(cf: float, g: float, n: int,
                                                             r: float) -> None:
    assume(r - g > 1e-3)
    gordon = cf * (1 + g) / (r - g)
    # with the explicit growth equal to the terminal growth, the horizon n does not matter
    assert dcf_value(cf, g, n, g, r) == pytest.approx(gordon, rel=1e-9)
    assert gordon_value(cf, g, r) == pytest.approx(gordon, rel=1e-12)
    # P/E valuation at the justified multiple = the DCF of a full-payout perpetuity
    assert price_from_pe(cf, justified_pe(r, g)) == pytest.approx(dcf_value(cf, g, n, g, r),
                                                                  rel=1e-9)
    assert justified_pe(r, g, basis="forward") * cf * (1 + g) == pytest.approx(gordon, rel=1e-12)
    # the Gordon value one year on has grown by g: the price return is the growth
    assert gordon_value(cf * (1 + g), g, r) / gordon_value(cf, g, r) == pytest.approx(1 + g,
                                                                                     rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(ocf=st.floats(-50, 500), capex=st.floats(0, 300), proceeds=st.floats(0, 30))
def test_net_convention_exceeds_gross_by_the_proceeds(ocf: float, capex: float,
                                                      proceeds: float) -> None:
    gross = free_cash_flow(ocf, capex, convention="gross_capex").value
    net = free_cash_flow(ocf, capex, convention="net_capex", ppe_proceeds=proceeds).value
    assert net - gross == pytest.approx(proceeds, abs=1e-9)


def test_shapes_and_pandas() -> None:
    syms = pd.Index(["AMZN", "MSFT"])
    draws = pd.DataFrame({"AMZN": [0.05, 0.10, 0.15], "MSFT": [0.05, 0.10, 0.15]})
    out = dcf_value(pd.Series([3.55, 9.0], index=syms), draws, 5, 0.03, 0.09)
    assert isinstance(out, pd.DataFrame) and out.shape == (3, 2)
    assert out.iloc[:, 0].is_monotonic_increasing
    arr = dcf_value(np.array([1.0, 2.0]), np.array([[0.0], [0.1]]), 3, 0.02, 0.08)
    assert arr.shape == (2, 2)
    assert arr[1, 1] == pytest.approx(_dcf_by_hand(2.0, 0.1, 3, 0.02, 0.08), rel=1e-12)
    fcf = free_cash_flow(pd.Series([115.877, 118.5], index=syms), pd.Series([82.999, 44.5],
                                                                           index=syms),
                         convention="gross_capex")
    assert isinstance(fcf, FreeCashFlow) and isinstance(fcf.value, pd.Series)
    assert set(FCF_DEFINITIONS) == {"gross_capex", "net_capex"}


def test_bad_inputs_are_refused_with_the_reason() -> None:
    with pytest.raises(InputRangeError, match="refusing r - g_T <= 0"):
        dcf_value(1.0, 0.1, 5, 0.09, 0.09)
    with pytest.raises(InputRangeError, match="refusing r - g_T <= 0"):
        gordon_value(1.0, 0.10, 0.08)
    with pytest.raises(InputRangeError, match="refusing r - g <= 0"):
        justified_pe(0.05, 0.06)
    with pytest.raises(PercentNotFractionError, match="discount_rate"):
        dcf_value(1.0, 0.1, 5, 0.03, 9.0)
    with pytest.raises(InputRangeError, match="years"):
        dcf_value(1.0, 0.1, -1, 0.03, 0.09)
    with pytest.raises(InputRangeError, match="needs ppe_proceeds"):
        free_cash_flow(115.877, 82.999, convention="net_capex")
    with pytest.raises(InputRangeError, match="only used by convention='net_capex'"):
        free_cash_flow(115.877, 82.999, convention="gross_capex", ppe_proceeds=5.341)
    with pytest.raises(InputRangeError, match="positive magnitude"):
        free_cash_flow(115.877, -82.999, convention="gross_capex")
    with pytest.raises(InputRangeError, match="convention"):
        free_cash_flow(1.0, 1.0, convention="levered")  # type: ignore[arg-type]
    with pytest.raises(InputRangeError, match="fcf_per_share must be > 0"):
        price_from_fcf_yield(-1.0, 0.03)
    assert np.isnan(price_from_fcf_yield(np.array([-1.0, 1.0]), 0.03, on_invalid="nan")[0])
    with pytest.raises(InputRangeError, match="already per share"):
        free_cash_flow(1.0, 0.5, convention="gross_capex").per_share(1.0).per_share(1.0)


@settings(max_examples=60, deadline=None)
@given(cf=cf_st, g=g_st, n=st.integers(1, 15), r=r_st, gt=st.floats(-0.05, 0.015))
def test_explicit_path_equals_two_stage_when_geometric(cf: float, g: float, n: int, r: float,
                                                       gt: float) -> None:
    path = cf * (1 + g) ** np.arange(1, n + 1)
    assert dcf_value_from_flows(path, gt, r) == pytest.approx(dcf_value(cf, g, n, gt, r), rel=1e-9)


def test_explicit_path_capex_dip() -> None:
    # FCF USD 3.55 falls 70% while capex peaks, then recovers: 1.065, 2.0, 3.8, then +3% a year.
    path = [1.065, 2.0, 3.8]
    by_hand = (1.065 / 1.09 + 2.0 / 1.09 ** 2 + 3.8 / 1.09 ** 3
               + 3.8 * 1.03 / 0.06 / 1.09 ** 3)
    assert dcf_value_from_flows(path, 0.03, 0.09) == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(55.97, abs=0.005)  # docs/finance.md
    table = pd.DataFrame([path, [1.0, 1.0, 1.0]], index=["AMZN", "X"])
    out = dcf_value_from_flows(table, pd.Series([0.03, 0.0], index=table.index), 0.09)
    assert isinstance(out, pd.Series)
    assert out["X"] == pytest.approx(1.0 / 0.09, rel=1e-12)  # a level perpetuity
    draws = dcf_value_from_flows(np.ones((4, 2, 3)), 0.0, np.array([0.08, 0.10]))
    assert draws.shape == (4, 2)
    with pytest.raises(InputRangeError, match="refusing r - g_T <= 0"):
        dcf_value_from_flows(path, 0.09, 0.09)
    with pytest.raises(InputShapeError, match="last axis"):
        dcf_value_from_flows(3.0, 0.03, 0.09)
