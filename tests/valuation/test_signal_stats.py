"""Panel (Driscoll-Kraay) directional test and Monte Carlo standard errors (issue 11, item 5)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from valuation.hac import hac_directional_test, panel_directional_test
from valuation.mc_error import median_standard_error, probability_standard_error


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 60), lags=st.integers(0, 6))
@example(seed=223, n=5, lags=0)  # a perfect fit: rounding once gave t = -9e15 vs -4.5e15, not NaN
def test_one_pair_per_window_is_the_time_series_test(seed: int, n: int, lags: int) -> None:
    rng = np.random.default_rng(seed)
    p, r = rng.standard_normal(n), rng.standard_normal(n)
    a = hac_directional_test(p, r, lags=min(lags, n - 1))
    b = panel_directional_test(p, r, np.arange(n), lags=lags)
    if math.isnan(a.slope):
        assert math.isnan(b.slope)
        return
    assert b.slope == pytest.approx(a.slope, abs=1e-12)
    assert b.se == pytest.approx(a.se, rel=1e-10, abs=1e-14)
    np.testing.assert_allclose(b.t, a.t, rtol=1e-10)  # both NaN for a perfect fit (se 0)


def test_panel_test_is_invariant_to_pair_order_within_windows() -> None:
    rng = np.random.default_rng(4)
    w = np.repeat(np.arange(20), 6)
    p, r = rng.standard_normal(w.size), rng.standard_normal(w.size) + 0.3
    perm = rng.permutation(w.size)
    a = panel_directional_test(p, r, w, lags=2)
    b = panel_directional_test(p[perm], r[perm], w[perm], lags=2)
    assert (a.slope, a.n) == pytest.approx((b.slope, b.n))
    assert a.se == pytest.approx(b.se, rel=1e-12)


def test_panel_test_size_under_correlated_names() -> None:
    """Names of one window move together (one market factor): pooled pairs look like 6x the
    evidence. The panel test clusters them: at a nominal 5% it rejects far less than the
    pairs-as-independent regression (measured, 400 simulated walks of 30 windows)."""
    rng = np.random.default_rng(11)
    rej_panel = rej_iid = 0
    for _ in range(400):
        w = np.repeat(np.arange(30), 6)
        factor_p = np.repeat(rng.standard_normal(30), 6)
        factor_r = np.repeat(rng.standard_normal(30), 6)
        p = factor_p + 0.3 * rng.standard_normal(w.size)
        r = factor_r + 0.3 * rng.standard_normal(w.size)
        rej_panel += panel_directional_test(p, r, w, lags=0).p_value < 0.05
        rej_iid += panel_directional_test(p, r, np.arange(w.size), lags=0).p_value < 0.05
    assert rej_iid / 400 > 0.25
    assert rej_panel / 400 < 0.12


def test_median_standard_error_matches_normal_theory() -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal((10_000, 200))
    se = median_standard_error(x)
    assert float(se.mean()) == pytest.approx(math.sqrt(math.pi / 2) / math.sqrt(10_000), rel=0.03)
    assert float(np.median(x, axis=0).std()) == pytest.approx(float(se.mean()), rel=0.15)


def test_probability_standard_error() -> None:
    assert probability_standard_error(0.5, 10_000) == pytest.approx(0.005)
    assert float(probability_standard_error(0.0, 100)) == 0.0
