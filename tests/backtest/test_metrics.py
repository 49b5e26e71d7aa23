"""Forecast metrics against hand-computed values, an independent reference, and invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import properscoring
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from scenarios import metrics as M

finite = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)
SETTINGS = settings(deadline=None, max_examples=40)


# ---------------------------------------------------------------- hand-computed values

def test_hit_rate_hand() -> None:
    pred = [0.1, -0.2, 0.3, 0.0, 0.05]
    real = [0.2, 0.1, 0.4, 0.3, -0.01]
    # zero forecast has no direction -> 4 pairs: hit, miss, hit, miss
    assert M.hit_rate(pred, real) == 0.5
    np.testing.assert_array_equal(M.directional_hits(pred, real), [1, 0, 1, np.nan, 0])
    assert math.isnan(M.hit_rate([0.0], [1.0]))


def test_spearman_ic_hand_with_ties() -> None:
    pred = [1, 2, 3, 4, 5]
    real = [5, 6, 7, 8, 7]  # ranks 1, 2, 3.5, 5, 3.5 (average ranks for the tie)
    # dx = -2..2, dy = -2, -1, .5, 2, .5 -> sum dxdy = 8, sum dx^2 = 10, sum dy^2 = 9.5
    assert M.spearman_ic(pred, real) == pytest.approx(8 / math.sqrt(95), abs=1e-12)
    assert M.spearman_ic(pred, real) == pytest.approx(stats.spearmanr(pred, real)[0], abs=1e-12)
    assert math.isnan(M.spearman_ic([1, 2, 3], [4, 4, 4]))


def test_ic_tstat_hand() -> None:
    ics = [0.1, 0.2, 0.3]  # mean 0.2, sd 0.1, t = 0.2 / (0.1 / sqrt 3)
    s = M.ic_tstat(ics)
    assert s.mean == pytest.approx(0.2) and s.std == pytest.approx(0.1)
    assert s.tstat == pytest.approx(2 * math.sqrt(3))
    assert s.pvalue == pytest.approx(2 * stats.t.sf(2 * math.sqrt(3), 2))


def test_mae_and_band_hand() -> None:
    assert M.mae([0.1, 0.2, -0.1], [0.0, 0.5, -0.1]) == pytest.approx(0.4 / 3)
    lo, hi, y = [0, 0, 0, 0], [1, 1, 1, 1], [0.5, 1.0, 1.5, np.nan]
    np.testing.assert_array_equal(M.in_band(lo, hi, y), [1, 1, 0, np.nan])
    assert M.band_coverage(lo, hi, y) == pytest.approx(2 / 3)


def test_crps_hand() -> None:
    x, y = np.array([0.1, 0.2, 0.9]), 0.5
    # mean |x - y| = 1.1/3 ; sum_ij |xi - xj| = 2 (0.1 + 0.8 + 0.7) = 3.2 ; 3.2 / (2 * 9)
    expected = 1.1 / 3 - 3.2 / 18
    assert M.crps_ensemble(x, y) == pytest.approx(expected, abs=1e-12)
    assert M.crps_ensemble(x, y, fair=True) == pytest.approx(1.1 / 3 - 3.2 / 12, abs=1e-12)
    # 2-D: members on axis 0 (engine convention) or axis 1 (properscoring convention)
    ens = np.array([[0.1, 0.3], [0.2, 0.3], [0.9, 0.4]])
    out = M.crps_ensemble(ens, [0.5, 0.1])
    np.testing.assert_allclose(out, properscoring.crps_ensemble([0.5, 0.1], ens.T), atol=1e-12)
    np.testing.assert_allclose(M.crps_ensemble(ens.T, [0.5, 0.1], axis=1), out, atol=1e-15)


def test_pit_hand_and_tie_rules() -> None:
    ens = np.array([1.0, 2.0, 2.0, 3.0])
    assert M.pit(ens, 2.5) == 0.75
    assert M.pit(ens, 2.0) == pytest.approx((1 + 0.5 * 2) / 4)  # mid-rank of the tie
    assert M.pit(ens, 0.0) == 0.0 and M.pit(ens, 9.0) == 1.0
    r = M.pit(ens, 2.0, rule="randomized", rng=1)
    assert 0.25 <= r <= 0.75
    # a point ensemble equal to the outcome: randomized PIT is uniform on [0, 1]
    draws = M.pit(np.zeros((5, 4000)), np.zeros(4000), rule="randomized", rng=7)
    assert stats.kstest(draws, "uniform").pvalue > 0.01
    assert np.all(M.pit(np.zeros((5, 3)), np.zeros(3)) == 0.5)


def test_pesaran_timmermann_hand() -> None:
    x = np.array([1, 1, 1, 1, 1, 1, -1, -1, -1, -1], float)
    y = np.array([1, 1, 1, 1, 1, -1, -1, -1, -1, 1], float)
    # P = 0.8, px = py = 0.6, P* = 0.52, V(P) = 0.02496, V(P*) = 0.004224 -> PT = 0.28 / 0.144
    res = M.pesaran_timmermann(x, y)
    assert res.hit_rate == pytest.approx(0.8) and res.expected == pytest.approx(0.52)
    assert res.statistic == pytest.approx(0.28 / 0.144, abs=1e-12)
    assert res.pvalue == pytest.approx(1 - stats.norm.cdf(0.28 / 0.144), abs=1e-12)
    assert res.n == 10
    # no variation in forecast signs: the test is undefined
    assert math.isnan(M.pesaran_timmermann(np.ones(10), y).statistic)


def test_diebold_mariano_hand() -> None:
    e1, e2 = np.array([1.0, 2, 3, 4]), np.array([2.0, 2, 2, 2])
    # squared loss: d = -3, 0, 5, 12; mean 3.5; dc = -6.5, -3.5, 1.5, 8.5
    g0, g1 = 129 / 4, 30.25 / 4
    dm1 = 3.5 / math.sqrt(g0 / 4) * math.sqrt((4 + 1 - 2) / 4)
    r = M.diebold_mariano(e1, e2)
    assert r.statistic == pytest.approx(dm1, abs=1e-12)
    assert r.pvalue == pytest.approx(2 * stats.t.sf(dm1, 3), abs=1e-12)
    assert r.mean_diff == 3.5 and r.variance == "uniform"
    dm2 = 3.5 / math.sqrt((g0 + 2 * g1) / 4) * math.sqrt((4 + 1 - 4 + 2 / 4) / 4)
    r2 = M.diebold_mariano(e1, e2, h=2)
    assert r2.statistic == pytest.approx(dm2, abs=1e-12)
    # Newey-West (Bartlett) weights on request: lag 1 weighted 1 - 1/2
    nw = 3.5 / math.sqrt((g0 + 2 * 0.5 * g1) / 4) * math.sqrt((4 + 1 - 4 + 2 / 4) / 4)
    r3 = M.diebold_mariano(e1, e2, h=2, kernel="bartlett")
    assert r3.statistic == pytest.approx(nw, abs=1e-12) and r3.variance == "bartlett"
    # one-sided: H1 "forecast 2 better" (greater) has half the two-sided p-value here
    assert M.diebold_mariano(e1, e2, alternative="greater").pvalue == pytest.approx(r.pvalue / 2)
    # absolute loss: d = -1, 0, 1, 2
    ra = M.diebold_mariano(e1, e2, loss="absolute", hln=False)
    d = np.array([-1.0, 0, 1, 2])
    z = d.mean() / math.sqrt(d.var() / 4)
    assert ra.statistic == pytest.approx(z) and ra.pvalue == pytest.approx(2 * stats.norm.sf(z))


def test_diebold_mariano_bartlett_fallback() -> None:
    # strongly negatively autocorrelated differentials make the uniform-kernel variance negative
    e1 = np.array([2.0, 0.0] * 10)
    e2 = np.array([0.0, 1.0] * 10)
    d = e1**2 - e2**2
    dc = d - d.mean()
    g0, g1 = dc @ dc / d.size, dc[1:] @ dc[:-1] / d.size
    assert g0 + 2 * g1 < 0  # the uniform kernel fails here
    r = M.diebold_mariano(e1, e2, h=2)
    assert r.variance == "bartlett"
    hln = math.sqrt((20 + 1 - 4 + 2 / 20) / 20)
    assert r.statistic == pytest.approx(d.mean() / math.sqrt((g0 + g1) / 20) * hln)


def test_performance_hand() -> None:
    r = pd.Series([0.10, -0.20, 0.05], index=pd.date_range("2025-01-01", periods=3))
    b = pd.Series([0.00, -0.10, 0.05, 0.9], index=pd.date_range("2025-01-01", periods=4))  # extra date
    assert M.total_return(r) == pytest.approx(1.1 * 0.8 * 1.05 - 1)
    assert M.excess_return(r, b) == pytest.approx((1.1 * 0.8 * 1.05) - (0.9 * 1.05))
    active = np.array([0.10, -0.10, 0.0])
    assert M.tracking_error(r, b) == pytest.approx(active.std(ddof=1) * math.sqrt(252))
    assert M.information_ratio(r, b) == pytest.approx(0.0, abs=1e-12)
    # wealth 1 -> 1.1 -> 0.88 -> 0.924 : drawdown 0.88 / 1.1 - 1 = -0.2
    assert M.max_drawdown(r) == pytest.approx(-0.2)
    assert M.max_drawdown([0.01, 0.02]) == 0.0
    assert M.max_drawdown([-0.5]) == pytest.approx(-0.5)


def test_input_validation() -> None:
    with pytest.raises(ValueError, match="same length"):
        M.mae([1, 2], [1])
    with pytest.raises(ValueError, match="finite"):
        M.crps_ensemble([1.0, np.nan], 0.0)
    with pytest.raises(ValueError, match="h must be"):
        M.diebold_mariano([1, 2], [1, 2], h=0)
    with pytest.raises(ValueError, match="lower bound"):
        M.in_band([1], [0], [0.5])


# ---------------------------------------------------------------- properties

@SETTINGS
@given(arrays(np.float64, st.integers(1, 40), elements=finite), finite)
def test_crps_matches_reference_and_is_nonnegative(ens: np.ndarray, y: float) -> None:
    c = M.crps_ensemble(ens, y)
    assert c >= 0
    assert c == pytest.approx(float(properscoring.crps_ensemble(y, ens)), abs=1e-9)
    # brute-force O(m^2) definition
    brute = np.abs(ens - y).mean() - np.abs(ens[:, None] - ens[None, :]).sum() / (2 * ens.size**2)
    assert c == pytest.approx(brute, abs=1e-9)


@SETTINGS
@given(arrays(np.float64, st.integers(1, 30), elements=finite),
       arrays(np.float64, st.integers(1, 30), elements=finite))
def test_crps_of_point_ensemble_is_absolute_error(x: np.ndarray, y: np.ndarray) -> None:
    n = min(x.size, y.size)
    x, y = x[:n], y[:n]
    crps = M.crps_ensemble(x[None, :], y)  # one member per series
    np.testing.assert_allclose(crps, np.abs(x - y), atol=1e-12)
    assert np.mean(crps) == pytest.approx(M.mae(x, y), abs=1e-12)


@SETTINGS
@given(arrays(np.float64, st.integers(3, 30), elements=st.integers(-50, 50).map(lambda i: i / 10)),
       st.data())
def test_ic_invariant_to_monotone_transforms(x: np.ndarray, data: st.DataObject) -> None:
    # values on a 0.1 grid so that the transforms below keep distinct values distinct
    y = data.draw(arrays(np.float64, x.size, elements=st.integers(-50, 50).map(lambda i: i / 10)))
    ic = M.spearman_ic(x, y)
    if math.isnan(ic):
        return
    assert -1 <= ic <= 1
    assert M.spearman_ic(np.exp(x), y ** 3) == pytest.approx(ic, abs=1e-9)
    assert M.spearman_ic(-x, y) == pytest.approx(-ic, abs=1e-9)
    assert M.spearman_ic(x, x) == pytest.approx(1.0) or len(set(x)) == 1


@SETTINGS
@given(arrays(np.float64, st.integers(1, 30), elements=finite), st.data())
def test_hit_rate_scale_invariant(x: np.ndarray, data: st.DataObject) -> None:
    y = data.draw(arrays(np.float64, x.size, elements=finite))
    h = M.hit_rate(x, y)
    h2 = M.hit_rate(3.0 * x, 2.0 * y)
    assert (math.isnan(h) and math.isnan(h2)) or h == h2
    if not math.isnan(h):
        assert M.hit_rate(-x, y) == pytest.approx(1 - h)


@SETTINGS
@given(arrays(np.float64, st.integers(5, 40), elements=finite), st.data())
def test_dm_antisymmetric(e1: np.ndarray, data: st.DataObject) -> None:
    e2 = data.draw(arrays(np.float64, e1.size, elements=finite))
    h = data.draw(st.integers(1, 3))
    a, b = M.diebold_mariano(e1, e2, h=h), M.diebold_mariano(e2, e1, h=h)
    if math.isnan(a.statistic):
        assert math.isnan(b.statistic)
        return
    assert a.statistic == pytest.approx(-b.statistic, rel=1e-9, abs=1e-9)
    assert a.pvalue == pytest.approx(b.pvalue, rel=1e-9, abs=1e-12)
    assert 0 <= a.pvalue <= 1


@SETTINGS
@given(arrays(np.float64, (st.integers(1, 20).map(lambda m: (m, 3))), elements=finite),
       arrays(np.float64, 3, elements=finite))
def test_pit_in_unit_interval(ens: np.ndarray, y: np.ndarray) -> None:
    p = M.pit(ens, y)
    assert np.all((p >= 0) & (p <= 1))


@SETTINGS
@given(arrays(np.float64, st.integers(1, 50), elements=st.floats(-0.99, 2.0)))
def test_drawdown_bounds(r: np.ndarray) -> None:
    dd = M.max_drawdown(r)
    assert -1 <= dd <= 0
    assert M.total_return(r) == pytest.approx(np.prod(1 + r) - 1)


@SETTINGS
@given(arrays(np.float64, st.integers(1, 40), elements=st.integers(-5, 5).map(float)))
def test_average_ranks_match_scipy(x: np.ndarray) -> None:
    np.testing.assert_allclose(M._rank(x), stats.rankdata(x, method="average"))


def test_pvalues_match_scipy_distributions() -> None:
    for z in (-3.0, -0.5, 0.0, 1.2, 4.0):
        assert M._norm_sf(z) == pytest.approx(stats.norm.sf(z), rel=1e-12, abs=1e-300)
        for df in (1, 2, 3, 4, 9, 30, 101):
            assert M._t_sf(z, df) == pytest.approx(stats.t.sf(z, df), rel=1e-9, abs=1e-14)
