"""Newey-West HAC variance of a mean and the overlap-robust IC t-statistic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from valuation import InputRangeError, InputShapeError, NonFiniteInputError
from valuation.hac import (
    hac_directional_test,
    hac_mean_test,
    hac_mean_variance,
    long_run_variance,
    newey_west_lags,
    overlap_robust_ic_tstat,
)

series_st = hnp.arrays(np.float64, st.integers(3, 80), elements=st.floats(-1.0, 1.0))


def test_hand_computation_of_a_small_series() -> None:
    # x = 1, 2, 3, 4 (mean 2.5), e = -1.5, -0.5, 0.5, 1.5, L = 1:
    # g0 = (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25; g1 = (0.75 - 0.25 + 0.75) / 4 = 0.3125
    # S = 1.25 + 2 * (1 - 1/2) * 0.3125 = 1.5625; Var(mean) = S / 4 = 0.390625
    x = [1.0, 2.0, 3.0, 4.0]
    assert long_run_variance(x, lags=1) == pytest.approx(1.5625, rel=1e-15)
    assert hac_mean_variance(x, lags=1) == pytest.approx(0.390625, rel=1e-15)
    res = hac_mean_test(x, lags=1)
    assert res.t == pytest.approx(2.5 / 0.625, rel=1e-15)
    assert res.p_value == pytest.approx(2 * stats.t.sf(4.0, df=3), rel=1e-12)
    assert (res.lags, res.n) == (1, 4)


@settings(max_examples=60, deadline=None)
@given(x=series_st)
def test_zero_lags_is_the_plain_standard_error(x: np.ndarray) -> None:
    assert hac_mean_variance(x, lags=0) == pytest.approx(np.var(x) / len(x), rel=1e-12, abs=1e-300)


@settings(max_examples=60, deadline=None)
@given(x=series_st, data=st.data())
def test_variance_is_never_negative_and_shift_invariant(x: np.ndarray,
                                                        data: st.DataObject) -> None:
    lags = data.draw(st.integers(0, len(x) - 1))
    v = hac_mean_variance(x, lags=lags)
    assert v >= -1e-15
    assert hac_mean_variance(x + 3.0, lags=lags) == pytest.approx(v, rel=1e-9, abs=1e-12)
    assert hac_mean_variance(2.0 * x, lags=lags) == pytest.approx(4.0 * v, rel=1e-12, abs=1e-300)


def test_matches_statsmodels_hac() -> None:
    sm = pytest.importorskip("statsmodels.api", reason="statsmodels (test-only check) missing")
    rng = np.random.default_rng(11)
    e = rng.normal(size=80)
    x = np.convolve(e, np.ones(6), "valid") / 6 + 0.05  # MA(5): six overlapping windows
    for lags in (0, 2, 5, 10):
        ols = sm.OLS(x, np.ones(len(x))).fit(cov_type="HAC",
                                             cov_kwds={"maxlags": lags, "use_correction": False})
        res = hac_mean_test(x, lags=lags)
        assert res.se == pytest.approx(ols.bse[0], rel=1e-10)
        assert res.t == pytest.approx(ols.tvalues[0], rel=1e-10)


def test_overlap_robust_t_is_smaller_than_the_naive_t_on_overlapping_windows() -> None:
    # Monthly ICs of 6-month-horizon forecasts: a common 6-month shock makes neighbours correlated.
    rng = np.random.default_rng(5)
    shocks = rng.normal(0, 0.2, 40)
    ics = np.clip(0.05 + np.convolve(shocks, np.ones(6) / np.sqrt(6), "valid")[:30], -1, 1)
    naive_t = ics.mean() / (ics.std(ddof=1) / np.sqrt(len(ics)))
    robust = overlap_robust_ic_tstat(ics, overlap=6)
    assert robust.lags == 5
    assert abs(robust.t) < abs(naive_t)
    # non-overlapping windows: plain standard error (ddof 0)
    one = overlap_robust_ic_tstat(ics, overlap=1)
    assert one.se == pytest.approx(ics.std(ddof=0) / np.sqrt(len(ics)), rel=1e-12)


def test_rejection_rate_under_the_null_is_much_closer_to_nominal() -> None:
    # MA(5) ICs with mean 0 (6-step overlap), 120 windows: the naive t rejects about 40% of the
    # time at a nominal 5%, the HAC t about 12% (Bartlett HAC is still oversized in samples this
    # short; measured in docs/finance.md).
    rng = np.random.default_rng(21)
    reps, n = 2000, 120
    e = rng.normal(0, 0.1, (reps, n + 5))
    x = sum(e[:, k:k + n] for k in range(6))
    naive = np.abs(x.mean(1) / (x.std(1, ddof=1) / np.sqrt(n))) > stats.t.ppf(0.975, n - 1)
    robust = np.array([hac_mean_test(row, lags=5).p_value < 0.05 for row in x])
    assert naive.mean() > 0.3
    assert 0.03 < robust.mean() < 0.16
    assert robust.mean() < naive.mean() / 2.5


def test_columns_and_pandas() -> None:
    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.normal(size=(50, 3)), columns=["a", "b", "c"])
    res = hac_mean_test(df, lags=3)
    assert isinstance(res.t, pd.Series) and list(res.t.index) == ["a", "b", "c"]
    assert res.t["b"] == pytest.approx(hac_mean_test(df["b"], lags=3).t, rel=1e-12)
    assert newey_west_lags(100) == 4 and newey_west_lags(30) == 3
    assert hac_mean_test(df["a"]).lags == newey_west_lags(50)
    constant = hac_mean_test(np.ones(10), lags=2)
    assert np.isnan(constant.t) and np.isnan(constant.p_value)


def test_bad_inputs() -> None:
    with pytest.raises(InputRangeError, match="overlap"):
        overlap_robust_ic_tstat([0.1, 0.2], overlap=0)
    with pytest.raises(InputRangeError, match=r"\[-1, 1\]"):
        overlap_robust_ic_tstat([0.1, 2.0, 0.3], overlap=2)
    with pytest.raises(InputRangeError, match="below the number of observations"):
        hac_mean_test([0.1, 0.2, 0.3], lags=3)
    with pytest.raises(InputShapeError, match="at least 2"):
        hac_mean_test([0.1])
    with pytest.raises(NonFiniteInputError):
        hac_mean_test([0.1, np.nan, 0.3])
    assert overlap_robust_ic_tstat([0.1, 0.2, 0.3], overlap=12).lags == 2  # capped at T - 1


def test_directional_test_matches_statsmodels_slope_hac() -> None:
    sm = pytest.importorskip("statsmodels.api", reason="statsmodels (test-only check) missing")
    rng = np.random.default_rng(8)
    common = np.convolve(rng.normal(size=70), np.ones(6), "valid")  # overlapping horizons
    predicted = 0.5 * common + rng.normal(size=65)
    realized = common + rng.normal(size=65)
    x = (predicted > 0).astype(float)
    y = (realized > 0).astype(float)
    for lags in (0, 5):
        ols = sm.OLS(y, sm.add_constant(x)).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": False})
        res = hac_directional_test(predicted, realized, lags=lags)
        assert res.slope == pytest.approx(ols.params[1], rel=1e-12)
        assert res.se == pytest.approx(ols.bse[1], rel=1e-10)
        assert res.t == pytest.approx(ols.tvalues[1], rel=1e-10)
    # the slope is the hit rate on predicted ups minus the up rate on predicted downs
    assert res.slope == pytest.approx(y[x == 1].mean() - y[x == 0].mean(), rel=1e-12)


def test_directional_test_without_variation_is_not_a_test() -> None:
    res = hac_directional_test([0.1, 0.2, 0.3, 0.1], [0.1, -0.2, 0.3, 0.1], lags=1)
    assert np.isnan(res.t) and np.isnan(res.p_value)  # every forecast says "up"
    with pytest.raises(InputShapeError, match="equal length"):
        hac_directional_test([0.1, 0.2, 0.3], [0.1, 0.2])


def test_hansen_hodrick_kernel_by_hand_and_fallback() -> None:
    # x = 1, 2, 3, 4, L = 1, uniform weights: S = g0 + 2 g1 = 1.25 + 0.625 = 1.875
    assert long_run_variance([1.0, 2.0, 3.0, 4.0], lags=1, kernel="uniform") == \
        pytest.approx(1.875, rel=1e-15)
    # an alternating series has g1 < 0: S_uniform = g0 + 2 g1 < 0 falls back to Bartlett
    x = np.array([1.0, -1.0] * 5)
    assert long_run_variance(x, lags=1, kernel="uniform") == pytest.approx(
        long_run_variance(x, lags=1), rel=1e-15)
    with pytest.raises(InputRangeError, match="kernel"):
        long_run_variance(x, lags=1, kernel="parzen")  # type: ignore[arg-type]


def test_hansen_hodrick_is_better_sized_on_long_overlapping_records() -> None:
    rng = np.random.default_rng(21)
    reps, n = 1500, 120
    e = rng.normal(0, 0.04, (reps, n + 5))  # ICs with sd about 0.1
    x = sum(e[:, k:k + n] for k in range(6))
    nw = np.mean([overlap_robust_ic_tstat(r, 6).p_value < 0.05 for r in x])
    hh = np.mean([overlap_robust_ic_tstat(r, 6, kernel="uniform").p_value < 0.05 for r in x])
    assert hh < nw
    assert 0.03 < hh < 0.11
