"""Volatility forecasts: history, EWMA (RiskMetrics) and GARCH(1,1) through ``arch``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from valuation import InputRangeError, InputShapeError, NonFiniteInputError, PercentNotFractionError
from valuation.exceptions import MissingDependencyError
from valuation.volatility import (
    ARCH_INSTALL,
    ewma_vol,
    forecast_vol,
    garch_vol,
    history_vol,
)


def _garch_path(n: int, seed: int, omega: float = 2e-6, alpha: float = 0.08,
                beta: float = 0.9) -> np.ndarray:
    rng = np.random.default_rng(seed)
    r = np.empty(n)
    var = omega / (1 - alpha - beta)
    for t in range(n):
        r[t] = np.sqrt(var) * rng.standard_normal()
        var = omega + alpha * r[t] ** 2 + beta * var
    return r


returns_st = hnp.arrays(np.float64, st.integers(2, 300), elements=st.floats(-0.1, 0.1))
#: returns whose squares (also scaled by c >= 0.01) are normal floats: below about 1.5e-154 a
#: square is subnormal and keeps too few bits for vol(c * r) = c * vol(r) to hold in floats
normal_returns_st = hnp.arrays(np.float64, st.integers(2, 300),
                               elements=st.floats(-0.1, 0.1).filter(lambda x: x == 0 or abs(x) >= 1e-150))


# --- history and EWMA against independent computations -----------------------------------------
def test_history_is_the_trailing_sample_sd() -> None:
    r = pd.Series(_garch_path(600, 1))
    out = history_vol(r, 126, lookback=250)
    sd = r.iloc[-250:].std(ddof=1)  # pandas, independently
    assert out.annualised == pytest.approx(sd * np.sqrt(252), rel=1e-12)
    assert out.horizon == pytest.approx(sd * np.sqrt(126), rel=1e-12)
    assert (out.model, out.horizon_periods, out.periods_per_year) == ("history", 126, 252)


@settings(max_examples=60, deadline=None)
@given(r=returns_st, lam=st.floats(0.5, 0.99))
def test_ewma_matches_pandas_ewm(r: np.ndarray, lam: float) -> None:
    s = pd.Series(r)
    expected = np.sqrt((s ** 2).ewm(alpha=1 - lam, adjust=True).mean().iloc[-1])
    assert ewma_vol(r, 1, lam=lam).horizon == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_ewma_is_the_riskmetrics_recursion_in_a_long_sample() -> None:
    r = _garch_path(2000, 2)
    var = r[0] ** 2
    for x in r:  # var_{t+1} = lam var_t + (1 - lam) r_t^2; the seed is forgotten after 2000 days
        var = 0.94 * var + 0.06 * x ** 2
    assert ewma_vol(r, 10).horizon == pytest.approx(np.sqrt(var * 10), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(r=normal_returns_st, c=st.floats(0.01, 100.0), h=st.integers(1, 260))
def test_scaling_returns_by_c_scales_vol_by_c(r: np.ndarray, c: float, h: int) -> None:
    if np.sqrt(np.mean((c * r) ** 2)) > 0.5:  # c * r must still read as fractions
        return
    for model in ("history", "ewma"):
        base = forecast_vol(r, h, model)
        scaled = forecast_vol(r * c, h, model)
        tol = 1e-12 * c * np.sqrt(h) * (np.max(np.abs(r)) + 1e-300)  # rounding of a zero variance
        assert scaled.horizon == pytest.approx(c * base.horizon, rel=1e-9, abs=tol)
        assert scaled.annualised == pytest.approx(c * base.annualised, rel=1e-9, abs=tol * 16)


@settings(max_examples=40, deadline=None)
@given(r=returns_st, h=st.integers(1, 500))
def test_flat_models_scale_with_sqrt_horizon(r: np.ndarray, h: int) -> None:
    for model in ("history", "ewma"):
        one, many = forecast_vol(r, 1, model), forecast_vol(r, h, model)
        assert many.horizon == pytest.approx(one.horizon * np.sqrt(h), rel=1e-12, abs=1e-300)
        assert many.annualised == pytest.approx(one.annualised, rel=1e-12, abs=1e-300)


def test_frames_give_one_value_per_symbol() -> None:
    df = pd.DataFrame({"A": _garch_path(300, 3), "B": 2 * _garch_path(300, 4)})
    for model in ("history", "ewma"):
        out = forecast_vol(df, 20, model)
        assert isinstance(out.horizon, pd.Series) and list(out.horizon.index) == ["A", "B"]
        assert out.horizon["A"] == pytest.approx(forecast_vol(df["A"], 20, model).horizon, rel=1e-12)
    assert forecast_vol(df.to_numpy(), 20, "ewma").horizon.shape == (2,)


# --- GARCH against arch's own forecast ----------------------------------------------------------
def test_garch_matches_arch_forecast() -> None:
    arch = pytest.importorskip("arch", reason="the optional [vol] extra (arch) is not installed")
    r = _garch_path(1500, 5)
    h = 126
    res = arch.arch_model(100 * r, mean="Zero", vol="GARCH", p=1, q=1).fit(disp="off")
    var = res.forecast(horizon=h, reindex=False).variance.to_numpy()[-1]
    expected = np.sqrt(var.sum()) / 100
    out = garch_vol(r, h)
    assert out.horizon == pytest.approx(expected, rel=1e-3)
    assert out.annualised == pytest.approx(expected * np.sqrt(252 / h), rel=1e-3)
    # the true process: the fit recovers a long-run vol near sqrt(omega / (1 - a - b) * 252)
    assert out.annualised == pytest.approx(np.sqrt(2e-6 / 0.02 * 252), rel=0.25)
    # scale equivariance (the fit sees the same unit-free data, up to rounding and the
    # optimiser's tolerance)
    assert garch_vol(7.0 * r, h).horizon == pytest.approx(7.0 * out.horizon, rel=1e-4)
    two = garch_vol(pd.DataFrame({"x": r, "y": 0.5 * r}), h)
    assert two.horizon["y"] == pytest.approx(0.5 * two.horizon["x"], rel=1e-4)


def test_meituan_trailing_vol_versus_ewma_and_garch(snapshot_dir: Path) -> None:
    # Issue 11 (D): as of 2025-06-30 Meituan's trailing 250-day vol was about 56%, inflated by the
    # September 2024 spike; the next six months realised about 36%.
    pytest.importorskip("arch", reason="the optional [vol] extra (arch) is not installed")
    close = pd.read_csv(snapshot_dir / "3690.HK.csv", index_col="date", parse_dates=True)["close"]
    lr = np.log(close).diff().dropna()
    past, future = lr[:"2025-06-30"], lr["2025-07-01":"2025-12-31"]
    h = len(future)
    realised = future.std(ddof=1) * np.sqrt(252)
    hist = history_vol(past, h, lookback=250).annualised
    ewma = ewma_vol(past.iloc[-250:], h).annualised
    assert hist == pytest.approx(0.557, abs=0.005)
    assert realised == pytest.approx(0.361, abs=0.005)
    assert abs(ewma - realised) < abs(hist - realised)  # EWMA has forgotten the spike
    garch = garch_vol(past.iloc[-1000:], h).annualised
    assert 0.2 < garch < 1.0


def test_missing_arch_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "arch", None)  # import arch -> ImportError
    with pytest.raises(MissingDependencyError, match=r"narrative-scenarios\[vol\]") as info:
        garch_vol(_garch_path(200, 6), 10)
    assert ARCH_INSTALL in str(info.value)
    assert isinstance(info.value, ImportError)


def test_bad_inputs() -> None:
    r = _garch_path(300, 7)
    with pytest.raises(PercentNotFractionError, match="percent"):
        history_vol(100 * r, 10)
    with pytest.raises(NonFiniteInputError):
        ewma_vol(np.r_[r, np.nan], 10)
    with pytest.raises(InputShapeError, match="at least 2"):
        history_vol([0.01], 10)
    with pytest.raises(InputShapeError, match="at least 100"):
        garch_vol(r[:50], 10)
    with pytest.raises(InputRangeError, match="horizon_periods"):
        history_vol(r, 0)
    with pytest.raises(InputRangeError, match="lam"):
        ewma_vol(r, 10, lam=1.0)
    with pytest.raises(InputRangeError, match="model"):
        forecast_vol(r, 10, "implied")  # type: ignore[arg-type]
    with pytest.raises(InputShapeError, match="axis 0"):
        history_vol(np.zeros((3, 3, 3)), 10)


_GARCH_SAMPLE = _garch_path(800, 9)


@settings(max_examples=8, deadline=None)
@given(c=st.floats(0.05, 20.0), h=st.integers(1, 250))
def test_garch_scales_with_the_returns(c: float, h: int) -> None:
    pytest.importorskip("arch", reason="the optional [vol] extra (arch) is not installed")
    base = garch_vol(_GARCH_SAMPLE, h)
    scaled = garch_vol(c * _GARCH_SAMPLE, h)
    assert scaled.horizon == pytest.approx(c * base.horizon, rel=1e-4)
    assert np.isfinite(scaled.annualised) and scaled.annualised > 0
