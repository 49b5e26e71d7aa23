"""Cash items valued as cash: one-off, programme (PV), recurring (at the multiple), buybacks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from valuation import InputRangeError, InputShapeError, PercentNotFractionError, price_from_pe
from valuation.cash_items import (
    after_tax_cash_per_share,
    buyback_log_contribution,
    buyback_value_per_share,
    cash_item_value_change,
    one_off_log_contribution,
    one_off_value_change,
    programme_present_value,
    programme_value_change,
    recurring_eps_change,
    recurring_value_change,
    value_change_log_contribution,
)
from valuation.cashflow import justified_pe

# Inputs of examples/spring_festival_subsidies_2026.yaml and examples/tencent_feb_2026.yaml:
# 9.2bn shares, RMB 27.2 EPS, 1.12 HKD per CNY, 20% tax rate; Yuanbao's red packets RMB 1bn.
TENCENT_SHARES_BN, TENCENT_EPS_RMB, CNYHKD = 9.2, 27.2, 1.12
TENCENT_CLOSE_2026_02_09 = 553.550598  # 0700.HK close in the snapshot


# --- worked examples --------------------------------------------------------------------------
@pytest.mark.parametrize("tax, expected", [(0.20, 0.0974), (0.25, 0.0913)])
def test_tencent_yuanbao_one_off_is_ten_hk_cents_not_1_77(tax: float, expected: float) -> None:
    cash_ps = after_tax_cash_per_share(1.0, TENCENT_SHARES_BN, tax_rate=tax, fx=CNYHKD)
    # independent: RMB 1bn x (1 - tax) = after-tax RMB, x 1.12 = HKD, / 9.2bn shares
    assert cash_ps == pytest.approx(1e9 * (1 - tax) * 1.12 / 9.2e9, rel=1e-12)
    assert cash_ps == pytest.approx(expected, abs=5e-5)
    assert one_off_value_change(1.0, TENCENT_SHARES_BN, tax_rate=tax, fx=CNYHKD) == -cash_ps

    # The old model: the same amount as an EPS cut capitalised at the P/E.
    eps_hkd = TENCENT_EPS_RMB * CNYHKD
    pe = TENCENT_CLOSE_2026_02_09 / eps_hkd
    old = price_from_pe(eps_hkd, pe) - price_from_pe(eps_hkd - cash_ps, pe)
    assert pe == pytest.approx(18.17, abs=0.01)
    if tax == 0.20:
        assert old == pytest.approx(1.77, abs=0.005)  # the number the issue measured
    assert old / cash_ps == pytest.approx(pe, rel=1e-9)  # 18x too much


def test_closes_used_in_the_worked_examples_are_the_snapshot_closes(snapshot_dir: Path) -> None:
    def close(symbol: str, day: str) -> float:
        return float(pd.read_csv(snapshot_dir / f"{symbol}.csv", index_col="date").loc[day, "close"])

    assert close("0700.HK", "2026-02-09") == pytest.approx(TENCENT_CLOSE_2026_02_09, abs=1e-6)
    assert close("9988.HK", "2026-02-09") == pytest.approx(157.72, abs=0.005)
    assert close("3690.HK", "2025-06-30") == pytest.approx(125.30, abs=0.005)


def test_docs_worked_examples_qwen_programme_buyback() -> None:
    # Alibaba Qwen RMB 3bn: 19.318bn shares, RMB 6.70 EPS, close HKD 157.72: HKD 0.139 of cash,
    # HKD 2.92 when capitalised at the P/E of 21.0 (21 times).
    cash = after_tax_cash_per_share(3.0, 19.318, tax_rate=0.2, fx=CNYHKD)
    pe = 157.72 / (6.70 * CNYHKD)
    assert cash == pytest.approx(0.139, abs=5e-4)
    assert pe == pytest.approx(21.0, abs=0.05) and cash * pe == pytest.approx(2.92, abs=0.005)
    # RMB 1bn a year for three years at 9%: PV RMB 2.531bn, HKD 0.2465 a Tencent share after tax
    assert programme_present_value([1.0, 1.0, 1.0], 0.09) == pytest.approx(2.531, abs=5e-4)
    assert programme_value_change([1.0, 1.0, 1.0], 9.2, 0.09, tax_rate=0.2, fx=CNYHKD) == \
        pytest.approx(-0.2465, abs=5e-5)
    # HKD 80bn at HKD 553.55 when the share is worth 553.55 (neutral) or 600 (accretive)
    assert buyback_value_per_share(553.55, 80.0, 553.55, 9.2) == pytest.approx(553.55, rel=1e-12)
    assert buyback_value_per_share(600.0, 80.0, 553.55, 9.2) == pytest.approx(600.74, abs=0.005)


def test_meituan_delivery_war_is_about_five_hkd_a_share() -> None:
    # ../shared/repro/delivery_war_h2_2025.yaml: RMB 35bn (mode), 6.1bn shares, 1.095 HKD/CNY,
    # 20% tax: about HKD 5.03 a share, 4.0% of the 2025-06-30 close of HKD 125.30.
    cash_ps = after_tax_cash_per_share(35.0, 6.1, tax_rate=0.20, fx=1.095)
    assert cash_ps == pytest.approx(35 * 0.8 * 1.095 / 6.1, rel=1e-12)
    assert cash_ps == pytest.approx(5.03, abs=0.005)
    log_c = one_off_log_contribution(35.0, 6.1, 125.30, tax_rate=0.20, fx=1.095)
    assert np.expm1(log_c) == pytest.approx(-0.0401, abs=5e-4)  # -4.0%, not -78.6%


@pytest.mark.parametrize("growth", [-0.2, 0.0, 0.12, 0.5])
def test_one_off_moves_every_quantile_by_the_cash_at_any_horizon(growth: float) -> None:
    # The acceptance: with only the one-off, the median price change against the same
    # run without it equals the after-tax cash per share, whatever the horizon price.
    rng = np.random.default_rng(7)
    p_without = TENCENT_CLOSE_2026_02_09 * (1 + growth) * np.exp(rng.normal(0, 0.3, 20_001))
    c = one_off_log_contribution(1.0, TENCENT_SHARES_BN, p_without, tax_rate=0.2, fx=CNYHKD)
    p_with = np.exp(np.log(p_without) + c)
    cash_ps = after_tax_cash_per_share(1.0, TENCENT_SHARES_BN, tax_rate=0.2, fx=CNYHKD)
    assert np.median(p_without) - np.median(p_with) == pytest.approx(cash_ps, rel=1e-9)
    for q in (0.05, 0.5, 0.95):
        assert np.quantile(p_without, q) - np.quantile(p_with, q) == pytest.approx(cash_ps, rel=1e-6)


# --- properties -------------------------------------------------------------------------------
amount_st = st.floats(0.0, 1e3)
shares_st = st.floats(0.01, 1e3)
tax_st = st.floats(0.0, 0.6)
fx_st = st.floats(0.01, 10.0)
rate_st = st.floats(0.0, 0.3)


@settings(max_examples=80, deadline=None)
@given(a1=amount_st, a2=amount_st, n=shares_st, t=tax_st, fx=fx_st, pe=st.floats(1.0, 80.0))
def test_one_off_is_linear_in_cash_and_ignores_the_multiple(a1: float, a2: float, n: float,
                                                            t: float, fx: float, pe: float) -> None:
    both = one_off_value_change(a1 + a2, n, tax_rate=t, fx=fx)
    parts = one_off_value_change(a1, n, tax_rate=t, fx=fx) + one_off_value_change(a2, n, tax_rate=t,
                                                                                   fx=fx)
    assert both == pytest.approx(parts, rel=1e-12, abs=1e-12)
    # recurring = the same yearly cash at the multiple; one-off never depends on it
    rec = recurring_value_change(a1, n, pe, tax_rate=t, fx=fx)
    assert rec == pytest.approx(pe * one_off_value_change(a1, n, tax_rate=t, fx=fx), rel=1e-12,
                                abs=1e-12)
    assert recurring_eps_change(a1, n, tax_rate=t, fx=fx) == one_off_value_change(a1, n, tax_rate=t,
                                                                                  fx=fx)


@settings(max_examples=80, deadline=None)
@given(dv=st.floats(-0.9, 5.0), p=st.floats(0.1, 1e4))
def test_log_contribution_turns_p_into_p_plus_dv(dv: float, p: float) -> None:
    c = value_change_log_contribution(dv * p, p)
    assert p * np.exp(c) == pytest.approx(p + dv * p, rel=1e-12, abs=1e-9 * p)


@settings(max_examples=60, deadline=None)
@given(amounts=st.lists(st.floats(0.0, 100.0), min_size=1, max_size=12), r1=rate_st, r2=rate_st)
def test_programme_pv_is_a_discounted_sum_decreasing_in_the_rate(amounts: list[float], r1: float,
                                                                 r2: float) -> None:
    a = np.array(amounts)
    expected = sum(x / (1 + r1) ** (k + 1) for k, x in enumerate(amounts))  # independent loop
    assert programme_present_value(a, r1) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert programme_present_value(a, 0.0) == pytest.approx(a.sum(), rel=1e-12, abs=1e-12)
    lo, hi = sorted((r1, r2))
    assert programme_present_value(a, hi) <= programme_present_value(a, lo) + 1e-9
    # timing: start = end x (1 + r); mid = end x sqrt(1 + r)
    end = programme_present_value(a, r1)
    assert programme_present_value(a, r1, timing="start") == pytest.approx(end * (1 + r1), rel=1e-12,
                                                                           abs=1e-12)
    assert programme_present_value(a, r1, timing="mid") == pytest.approx(end * (1 + r1) ** 0.5,
                                                                         rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(a=amount_st, n=shares_st, t=tax_st, fx=fx_st, r=rate_st)
def test_one_year_programme_paid_now_is_the_one_off(a: float, n: float, t: float, fx: float,
                                                   r: float) -> None:
    prog = programme_value_change([a], n, r, tax_rate=t, fx=fx, timing="start")
    assert prog == pytest.approx(one_off_value_change(a, n, tax_rate=t, fx=fx), rel=1e-12, abs=1e-15)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.1, 100.0), r=st.floats(0.03, 0.2), g=st.floats(-0.05, 0.02))
def test_recurring_at_the_gordon_multiple_is_the_pv_of_the_perpetual_cost(a: float, r: float,
                                                                           g: float) -> None:
    # A cost a a year, growing at g forever, paid at each year end: PV = a / (r - g) = a x forward
    # P/E. Compare with a long (truncated) programme of the same costs.
    pe_fwd = justified_pe(r, g, basis="forward")
    rec = recurring_value_change(a, 1.0, pe_fwd)
    years = np.arange(3000)
    prog = programme_value_change(a * (1 + g) ** years, 1.0, r)
    assert rec == pytest.approx(prog, rel=1e-9)


@settings(max_examples=80, deadline=None)
@given(v=st.floats(1.0, 1e3), frac=st.floats(0.0, 0.4), n=st.floats(0.1, 100.0),
       disc=st.floats(0.5, 1.5))
def test_buyback_creates_value_only_when_bought_below_value(v: float, frac: float, n: float,
                                                            disc: float) -> None:
    b = frac * v * n  # spend up to 40% of the equity value (never every share at 0.5 x value)
    assert buyback_value_per_share(v, b, v, n) == pytest.approx(v, rel=1e-12)
    assert buyback_log_contribution(v, b, v, n) == pytest.approx(0.0, abs=1e-12)
    p_buy = v * disc
    new = buyback_value_per_share(v, b, p_buy, n)
    # independent: equity after the cash leaves, over the shares left
    assert new == pytest.approx((v * n - b) / (n - b / p_buy), rel=1e-12)
    if frac > 1e-6 and disc < 1 - 1e-6:
        assert new > v
    if frac > 1e-6 and disc > 1 + 1e-6:
        assert new < v


# --- shapes and errors ------------------------------------------------------------------------
def test_pandas_and_draws_round_trip() -> None:
    shares = pd.Series([9.2, 19.318], index=["0700.HK", "9988.HK"])
    out = after_tax_cash_per_share(pd.Series([1.0, 3.0], index=shares.index), shares,
                                   tax_rate=0.2, fx=1.12)
    assert isinstance(out, pd.Series) and list(out.index) == list(shares.index)
    # Qwen's RMB 3bn: 3 x 0.8 x 1.12 / 19.318 = HKD 0.139
    assert out["9988.HK"] == pytest.approx(0.1391, abs=1e-4)
    draws = pd.DataFrame(np.full((4, 2), 500.0), columns=shares.index)
    logs = one_off_log_contribution(pd.Series([1.0, 3.0], index=shares.index), shares, draws,
                                    tax_rate=0.2, fx=1.12)
    assert isinstance(logs, pd.DataFrame) and logs.shape == (4, 2)
    table = pd.DataFrame([[1.0, 1.0, 1.0], [2.0, 0.0, 0.0]], index=shares.index,
                         columns=[2026, 2027, 2028])
    pv = programme_present_value(table, pd.Series([0.1, 0.0], index=shares.index))
    assert isinstance(pv, pd.Series)
    assert pv.tolist() == pytest.approx([1 / 1.1 + 1 / 1.1 ** 2 + 1 / 1.1 ** 3, 2.0])
    assert programme_present_value(np.ones((5, 2, 3)), 0.0).shape == (5, 2)


def test_bad_inputs_are_named() -> None:
    with pytest.raises(PercentNotFractionError, match="tax_rate"):
        after_tax_cash_per_share(1.0, 9.2, tax_rate=20)
    with pytest.raises(InputRangeError, match="shares"):
        after_tax_cash_per_share(1.0, 0.0)
    with pytest.raises(InputRangeError, match="wipes out the price"):
        one_off_log_contribution(100.0, 1.0, 50.0)
    nan = one_off_log_contribution(100.0, 1.0, np.array([50.0, 500.0]), on_invalid="nan")
    assert np.isnan(nan[0]) and np.isfinite(nan[1])
    with pytest.raises(PercentNotFractionError, match="discount_rate"):
        programme_present_value([1.0, 2.0], 9)
    with pytest.raises(InputShapeError, match="last axis"):
        programme_present_value(5.0, 0.1)
    with pytest.raises(InputShapeError, match="broadcast"):
        programme_present_value(np.ones((3, 2)), [0.1, 0.2])
    with pytest.raises(InputRangeError, match="timing"):
        programme_present_value([1.0], 0.1, timing="later")  # type: ignore[arg-type]
    with pytest.raises(InputRangeError, match="retire every share"):
        buyback_value_per_share(10.0, 50.0, 5.0, 10.0)
    with pytest.raises(InputRangeError, match="whole equity"):
        buyback_value_per_share(10.0, 100.0, 20.0, 10.0)


def test_one_entry_point_by_recurrence() -> None:
    kw = {"tax_rate": 0.2, "fx": CNYHKD}
    assert cash_item_value_change("one_off", 1.0, 9.2, **kw) == \
        one_off_value_change(1.0, 9.2, **kw)
    assert cash_item_value_change("recurring", 1.0, 9.2, pe=18.17, **kw) == \
        pytest.approx(18.17 * one_off_value_change(1.0, 9.2, **kw), rel=1e-12)
    assert cash_item_value_change("programme", [1.0, 1.0], 9.2, discount_rate=0.0, **kw) == \
        pytest.approx(2 * one_off_value_change(1.0, 9.2, **kw), rel=1e-12)
    with pytest.raises(InputRangeError, match="pe and discount_rate do not apply"):
        cash_item_value_change("one_off", 1.0, 9.2, pe=18.17)
    with pytest.raises(InputRangeError, match="pe is required"):
        cash_item_value_change("recurring", 1.0, 9.2)
    with pytest.raises(InputRangeError, match="needs discount_rate"):
        cash_item_value_change("programme", [1.0], 9.2)
    with pytest.raises(InputRangeError, match="recurrence must be"):
        cash_item_value_change("sometimes", 1.0, 9.2)  # type: ignore[arg-type]
