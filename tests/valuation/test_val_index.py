"""Index weights, drift, chain-linking, turnover and the rebalance calendar."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from valuation import InputRangeError, InputShapeError, InputTypeError, PercentNotFractionError
from valuation.index import (
    chain_link_index,
    drift_weights,
    equal_weights,
    exclude,
    hang_seng_rebalance_dates,
    market_cap_weights,
    normalize,
    rebalance_mask,
    tilt_weights,
    turnover,
)
from valuation.index.calendar import nth_weekday

rets = st.floats(-0.3, 0.3)


def naive_chain(returns: np.ndarray, targets: np.ndarray, mask: np.ndarray, base: float = 100.0):
    """Day-by-day reference: rebalance, drop NaN names, earn the return, drift."""
    T, N = returns.shape
    level, levels, w, k = base, [], None, 0
    for t in range(T):
        if t == 0 or mask[t]:
            w = targets[k] / targets[k].sum()
            k += 1
        r = returns[t]
        ok = ~np.isnan(r)
        w = np.where(ok, w, 0.0)
        w = w / w.sum()
        rt = np.where(ok, r, 0.0)
        R = float(w @ rt)
        level *= 1 + R
        levels.append(level)
        w = w * (1 + rt) / (1 + R)
    return np.array(levels), w


# --- weights ----------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(caps=hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(0.1, 1e4)),
       fx=st.floats(1e-3, 1e3))
def test_market_cap_weights_ignore_currency(caps: np.ndarray, fx: float) -> None:
    w = market_cap_weights(caps)
    assert abs(w.sum() - 1) < 1e-12
    np.testing.assert_allclose(market_cap_weights(caps * fx), w, rtol=1e-12)
    np.testing.assert_allclose(w, caps / caps.sum(), rtol=1e-12)


def test_weight_builders() -> None:
    caps = pd.Series([400.0, 300.0, 200.0, 100.0], index=["0700.HK", "9988.HK", "3690.HK", "1810.HK"])
    ff = pd.Series([0.7, 1.0, 0.8, 0.5], index=caps.index)
    w = market_cap_weights(caps, ff)
    assert isinstance(w, pd.Series) and w.index.equals(caps.index)
    np.testing.assert_allclose(w.to_numpy(), np.array([280, 300, 160, 50]) / 790)
    np.testing.assert_allclose(equal_weights(4), 0.25)
    np.testing.assert_allclose(equal_weights(np.array([True, False, True, True])), [1 / 3, 0, 1 / 3, 1 / 3])
    em = equal_weights(pd.DataFrame([[True, True], [False, True]], columns=["a", "b"]))
    np.testing.assert_allclose(em.to_numpy(), [[0.5, 0.5], [0.0, 1.0]])
    np.testing.assert_allclose(normalize(np.array([[1.0, 3.0], [2.0, 2.0]])), [[0.25, 0.75], [0.5, 0.5]])
    np.testing.assert_allclose(tilt_weights(np.array([0.5, 0.5]), np.array([1.5, 0.5])), [0.75, 0.25])
    ex = exclude(w, pd.Series([False, True, False, False], index=caps.index))
    assert ex["9988.HK"] == 0.0 and ex.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(ex.to_numpy(), np.array([280, 0, 160, 50]) / 490)


def test_weight_builders_invalid() -> None:
    with pytest.raises(InputRangeError, match="market_caps must be >= 0"):
        market_cap_weights(np.array([1.0, -1.0]))
    with pytest.raises(PercentNotFractionError):
        market_cap_weights(np.array([1.0, 2.0]), np.array([70.0, 100.0]))
    with pytest.raises(InputRangeError, match="no positive weight"):
        exclude(np.array([0.5, 0.5]), np.array([True, True]))
    with pytest.raises(InputTypeError, match="boolean"):
        exclude(np.array([0.5, 0.5]), np.array([1, 0]))
    with pytest.raises(InputRangeError):
        equal_weights(0)
    with pytest.raises(InputShapeError):
        tilt_weights(np.ones(3), np.ones(4))


# --- drift ------------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(r=hnp.arrays(np.float64, (12, 5), elements=rets),
       w=hnp.arrays(np.float64, 5, elements=st.floats(0.01, 1.0)))
def test_drift_path_equals_repeated_single_periods(r: np.ndarray, w: np.ndarray) -> None:
    path = drift_weights(w, r)
    cur = w / w.sum()
    for t in range(r.shape[0]):
        cur = drift_weights(cur, r[t])
        np.testing.assert_allclose(path[t], cur, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(path.sum(axis=1), 1.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(p=hnp.arrays(np.float64, (10, 4), elements=st.floats(1.0, 500.0)),
       w=hnp.arrays(np.float64, 4, elements=st.floats(0.01, 1.0)), fx=st.floats(0.01, 100))
def test_currency_scaling_leaves_returns_and_weights_unchanged(p: np.ndarray, w: np.ndarray,
                                                               fx: float) -> None:
    r1 = p[1:] / p[:-1] - 1
    r2 = (p[1:] * fx) / (p[:-1] * fx) - 1
    np.testing.assert_allclose(drift_weights(w, r2), drift_weights(w, r1), rtol=1e-9, atol=1e-14)
    mask = np.zeros(9, bool)
    mask[[0, 4]] = True
    a = chain_link_index(r1, np.vstack([w, w[::-1]]), mask)
    b = chain_link_index(r2, np.vstack([w, w[::-1]]), mask)
    np.testing.assert_allclose(b.levels, a.levels, rtol=1e-9)
    np.testing.assert_allclose(b.weights, a.weights, rtol=1e-9, atol=1e-14)


def test_drift_pandas_and_nan() -> None:
    r = pd.DataFrame({"a": [0.1, 0.0], "b": [0.0, np.nan], "c": [0.0, 0.1]},
                     index=pd.date_range("2025-01-02", periods=2))
    w = pd.Series([0.4, 0.4, 0.2], index=["a", "b", "c"])
    path = drift_weights(w, r)
    assert isinstance(path, pd.DataFrame) and path.index.equals(r.index)
    # day 2: b has no price -> its holding leaves, the rest renormalizes
    hold = np.array([0.44, 0.0, 0.22])
    np.testing.assert_allclose(path.iloc[1].to_numpy(), hold / hold.sum())
    with pytest.raises(InputRangeError, match="returns must be >= -1"):
        drift_weights(np.array([0.5, 0.5]), np.array([-1.5, 0.0]))


# --- chain-linking ----------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(r=hnp.arrays(np.float64, (20, 1), elements=rets))
def test_index_of_one_stock_is_that_stock(r: np.ndarray) -> None:
    mask = np.zeros(20, bool)
    mask[[0, 7, 15]] = True
    res = chain_link_index(r, np.ones((3, 1)), mask, base=1.0)
    np.testing.assert_allclose(res.returns, r[:, 0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.levels, np.cumprod(1 + r[:, 0]), rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(r=hnp.arrays(np.float64, (15, 4), elements=rets),
       targets=hnp.arrays(np.float64, (3, 4), elements=st.floats(0.0, 1.0)),
       nan_cells=st.lists(st.tuples(st.integers(0, 14), st.integers(1, 3)), max_size=4))
def test_chain_matches_naive_loop_and_is_continuous(r: np.ndarray, targets: np.ndarray,
                                                     nan_cells: list[tuple[int, int]]) -> None:
    targets[:, 0] += 0.1  # name 0 always has a weight and a price
    for t, i in nan_cells:
        r[t, i] = np.nan
    mask = np.zeros(15, bool)
    mask[[0, 5, 10]] = True
    res = chain_link_index(r, targets, mask)
    levels, w_last = naive_chain(r, targets, mask)
    np.testing.assert_allclose(res.levels, levels, rtol=1e-10)
    np.testing.assert_allclose(res.weights[-1], w_last, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(res.weights.sum(axis=1), 1.0, atol=1e-12)
    # continuity: with flat prices on rebalance days the level does not move there
    r0 = r.copy()
    r0[mask] = 0.0
    flat = chain_link_index(r0, targets, mask)
    for t in np.flatnonzero(mask)[1:]:
        assert flat.levels[t] == pytest.approx(flat.levels[t - 1], rel=1e-14)
    # and the new targets take effect at the start of the rebalance day
    for j, t in enumerate(np.flatnonzero(mask)):
        ok = ~np.isnan(r[t])
        expect = np.where(ok, targets[j], 0.0)
        np.testing.assert_allclose(res.start_weights[t], expect / expect.sum(), rtol=1e-12,
                                   atol=1e-15)


def test_daily_rebalanced_index_is_weighted_return() -> None:
    rng = np.random.default_rng(7)
    r = rng.normal(0, 0.02, (30, 5))
    w = rng.dirichlet(np.ones(5))
    res = chain_link_index(r, np.tile(w, (30, 1)), np.ones(30, bool))
    np.testing.assert_allclose(res.returns, r @ w, rtol=1e-12, atol=1e-16)
    # per-day targets and K-row targets agree
    mask = np.zeros(30, bool)
    mask[[0, 12]] = True
    per_day = np.tile(w, (30, 1))
    per_day[12:] = w[::-1]
    a = chain_link_index(r, per_day, mask)
    b = chain_link_index(r, np.vstack([w, w[::-1]]), mask)
    np.testing.assert_allclose(a.levels, b.levels, rtol=1e-14)
    # K+1 rows when day 0 is not a rebalance day: first row = starting weights
    mask2 = mask.copy()
    mask2[0] = False
    c = chain_link_index(r, np.vstack([w, w[::-1]]), mask2)
    np.testing.assert_allclose(c.levels, b.levels, rtol=1e-14)
    assert c.turnover[12] == pytest.approx(turnover(b.weights[11], w[::-1]))


def test_chain_pandas_and_unpacking() -> None:
    idx = pd.bdate_range("2025-03-03", periods=10)
    r = pd.DataFrame(np.random.default_rng(1).normal(0, 0.01, (10, 3)), index=idx,
                     columns=["0700.HK", "9988.HK", "1810.HK"])
    mask = pd.Series(rebalance_mask(idx, ["2025-03-03", "2025-03-10"]), index=idx)
    levels, weights = chain_link_index(r, np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]]), mask)
    assert isinstance(levels, pd.Series) and levels.index.equals(idx)
    assert isinstance(weights, pd.DataFrame) and weights.columns.equals(r.columns)


def test_chain_invalid() -> None:
    r = np.zeros((5, 2))
    with pytest.raises(InputShapeError, match="expected one row per day"):
        chain_link_index(r, np.ones((3, 2)), np.array([1, 0, 0, 0, 1], bool))
    with pytest.raises(InputShapeError, match="must be 2-D"):
        chain_link_index(np.zeros(5), np.ones((1, 1)), np.ones(5, bool))
    with pytest.raises(InputTypeError, match="boolean"):
        chain_link_index(r, np.ones((1, 2)), np.array([1, 0, 0, 0, 0]))
    with pytest.raises(InputShapeError, match=r"\(K, 2\)"):
        chain_link_index(r, np.ones((1, 3)), np.array([1, 0, 0, 0, 0], bool))
    nan_all = np.full((5, 2), np.nan)
    with pytest.raises(InputRangeError, match="no name with weight has a return"):
        chain_link_index(nan_all, np.ones((1, 2)), np.array([1, 0, 0, 0, 0], bool))
    with pytest.raises(InputRangeError, match="base"):
        chain_link_index(r, np.ones((1, 2)), np.array([1, 0, 0, 0, 0], bool), base=0.0)


# --- turnover ---------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(a=hnp.arrays(np.float64, 8, elements=st.floats(0.0, 1.0)),
       b=hnp.arrays(np.float64, 8, elements=st.floats(0.0, 1.0)))
def test_turnover_properties(a: np.ndarray, b: np.ndarray) -> None:
    if a.sum() == 0 or b.sum() == 0:
        return
    a, b = a / a.sum(), b / b.sum()
    t = turnover(a, b)
    assert 0.0 <= t <= 1.0 + 1e-12
    assert t == pytest.approx(turnover(b, a))
    # one-way = what is sold = what is bought
    assert t == pytest.approx(np.clip(b - a, 0, None).sum(), abs=1e-12)
    assert turnover(a, b, two_way=True) == pytest.approx(2 * t)


def test_turnover_known() -> None:
    assert turnover(np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.45, 0.05])) == pytest.approx(0.05)
    df_a = pd.DataFrame([[0.5, 0.5], [1.0, 0.0]], columns=["x", "y"])
    df_b = pd.DataFrame([[0.5, 0.5], [0.0, 1.0]], columns=["x", "y"])
    out = turnover(df_a, df_b)
    assert isinstance(out, pd.Series)
    np.testing.assert_allclose(out.to_numpy(), [0.0, 1.0])


# --- calendar ---------------------------------------------------------------------------------
def test_hang_seng_dates_weekday_business_days() -> None:
    days = pd.bdate_range("2024-11-01", "2026-04-30")
    got = hang_seng_rebalance_dates(days, "2025-01-01", "2026-03-31")
    expected = pd.DatetimeIndex(["2025-03-10", "2025-06-09", "2025-09-08", "2025-12-08",
                                 "2026-03-09"])
    assert list(got.date) == list(expected.date)
    assert nth_weekday(2025, 3) == pd.Timestamp("2025-03-07")


def test_hang_seng_dates_with_hk_holidays() -> None:
    import exchange_calendars as xc

    with warnings.catch_warnings():  # exchange-calendars uses deprecated pandas calls
        warnings.simplefilter("ignore")
        sessions = xc.get_calendar("XHKG").sessions_in_range("2024-01-02", "2026-06-30")
    got = hang_seng_rebalance_dates(sessions, "2024-04-01", "2026-03-31")
    # June 2024: first Friday 7 June, Monday 10 June was the Tuen Ng holiday -> Tuesday 11 June
    assert [str(d.date()) for d in got] == [
        "2024-06-11", "2024-09-09", "2024-12-09", "2025-03-10", "2025-06-09", "2025-09-08",
        "2025-12-08", "2026-03-09"]


def test_calendar_needs_coverage_and_order() -> None:
    # trading days that start a month after a review do not invent its effective date
    days = pd.bdate_range("2025-07-01", "2025-12-31")
    assert list(hang_seng_rebalance_dates(days).date.astype(str)) == ["2025-09-08", "2025-12-08"]
    with pytest.raises(InputShapeError, match="sorted"):
        hang_seng_rebalance_dates(days[::-1])
    with pytest.raises(InputRangeError, match="not trading days"):
        rebalance_mask(days, ["2025-09-07"])


@pytest.mark.snapshot
def test_reference_effective_dates_from_snapshot(snapshot_dir, reference_dir) -> None:
    """Every effective date in the reference review table is produced from the real ^HSI
    trading days."""
    hsi = pd.read_csv(snapshot_dir / "^HSI.csv", usecols=["date"])
    days = pd.DatetimeIndex(pd.to_datetime(hsi["date"]))
    reviews = pd.read_csv(reference_dir / "hstech_reviews.csv")
    eff = pd.DatetimeIndex(pd.to_datetime(reviews["effective"])).unique().sort_values()
    got = hang_seng_rebalance_dates(days, eff[0], eff[-1])
    assert set(eff.date) <= set(got.date)  # the table skips some quarters (e.g. 2024-09)
    assert len(got) == 8  # 2024-06 .. 2026-03: one review per quarter
    assert set(got.month) == {3, 6, 9, 12}
