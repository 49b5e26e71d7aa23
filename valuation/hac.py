"""Newey-West (HAC) variance of a sample mean, and the overlap-robust t-statistic of IC means.

Walk-forward windows whose horizons overlap give autocorrelated scores: with a 6-month horizon
re-forecast every month, six consecutive ICs share most of their realised returns. The plain
``t = mean / (sd / sqrt(T))`` then overstates the evidence. The Newey-West (1987) estimator of the
long-run variance with Bartlett weights,

    S = g_0 + 2 * sum_{k=1..L} (1 - k / (L + 1)) * g_k,
    g_k = (1/T) * sum_{t=k+1..T} (x_t - xbar)(x_{t-k} - xbar),

gives ``Var(xbar) = S / T``, which stays positive (the Bartlett kernel is positive semi-definite).
For scores over horizons that span ``m`` forecast steps, ``MA(m - 1)`` dependence is the natural
model, hence ``L = m - 1`` (:func:`overlap_robust_ic_tstat`). Without a known overlap the
Newey-West (1994) rule ``L = floor(4 (T / 100) ** (2/9))`` is used.

Direction (hit-rate) skill over overlapping windows: :func:`hac_directional_test` regresses the
realised up/down indicator on the predicted one and tests the slope with the same HAC variance
(the regression form of the Pesaran-Timmermann test, Pesaran and Timmermann 2009).

p-values are two-sided from Student's t with ``T - 1`` degrees of freedom (slightly more cautious
than the normal in short track records). Inputs: a series on axis 0, shape ``(T,)`` or ``(T, k)``
(one column per series); a Series or a DataFrame. NaN is refused.
"""

from __future__ import annotations

import math
from typing import Any, Literal, NamedTuple, cast

import numpy as np
import pandas as pd

from ._types import ArrayLike, FloatArray
from ._validate import as_float_array, check_finite
from .exceptions import InputRangeError, InputShapeError


def _exact_zero(resid: FloatArray) -> FloatArray:
    """Set rounding noise in the residuals of a regression of 0/1 indicators to exactly zero.

    The residuals are rationals with denominators of order ``n**2`` (O(1) in size), so anything
    below 1e-12 is the rounding of an exact fit; left in, it gives a standard error of ~1e-17
    and a meaningless t-statistic of ~1e15 instead of NaN (a perfect fit has no test).

    Parameters
    ----------
    resid : ndarray of float, shape (T,)
        Residuals of the directional regression (fractions of 1).

    Returns
    -------
    ndarray of float, shape (T,)
        The same residuals with those below 1e-12 in absolute value set to 0.
    """
    return np.where(np.abs(resid) < 1e-12, 0.0, resid)


def _t_sf(t: FloatArray | float, df: int) -> Any:
    """Student-t survival function (``scipy.stats.t.sf``).

    scipy.stats is imported on first use (it takes about 0.3 s to import, and most commands never
    test anything).
    """
    from scipy import stats

    return stats.t.sf(t, df=df)

__all__ = [
    "Kernel",
    "HACMeanTest",
    "newey_west_lags",
    "long_run_variance",
    "hac_mean_variance",
    "hac_mean_test",
    "overlap_robust_ic_tstat",
    "DirectionalTest",
    "hac_directional_test",
    "panel_directional_test",
]


#: Lag weights: ``"bartlett"`` (Newey-West, ``1 - k / (L + 1)``, never negative) or ``"uniform"``
#: (Hansen-Hodrick, weight 1 up to ``L``: unbiased for an MA(L) series, but it can go negative, in
#: which case the Bartlett value is used).
Kernel = Literal["bartlett", "uniform"]


class HACMeanTest(NamedTuple):
    """t-test of a mean with a Newey-West standard error.

    Attributes
    ----------
    mean : float / ndarray (k,) / Series
        Sample mean, in the unit of the data (an IC is a correlation, unitless).
    se : same kind
        HAC standard error of the mean, ``sqrt(S / T)``.
    t : same kind
        ``(mean - null) / se`` (NaN when ``se == 0``).
    p_value : same kind
        Two-sided, Student t with ``n - 1`` degrees of freedom (NaN when ``t`` is).
    lags : int
        Bartlett truncation lag ``L`` used.
    n : int
        Number of observations ``T``.
    """

    mean: ArrayLike
    se: ArrayLike
    t: ArrayLike
    p_value: ArrayLike
    lags: int
    n: int


def newey_west_lags(n: int) -> int:
    """Newey-West (1994) automatic lag ``floor(4 * (n / 100) ** (2/9))`` for ``n`` observations."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputRangeError(f"newey_west_lags: n must be an integer >= 1 (got {n!r})")
    return int(math.floor(4.0 * (int(n) / 100.0) ** (2.0 / 9.0)))


def _series(x: ArrayLike, func: str) -> FloatArray:
    a = as_float_array(x, "x", func)
    if a.ndim not in (1, 2):
        raise InputShapeError(f"{func}: x must have shape (T,) or (T, k), time on axis 0 "
                              f"(got {a.shape})")
    check_finite(a, "x", func)
    if a.shape[0] < 2:
        raise InputShapeError(f"{func}: needs at least 2 observations on axis 0 (got {a.shape[0]})")
    return a


def _lags(lags: int | None, n: int, func: str) -> int:
    if lags is None:
        return newey_west_lags(n)
    if isinstance(lags, bool) or not isinstance(lags, (int, np.integer)) or lags < 0:
        raise InputRangeError(f"{func}: lags must be an integer >= 0 or None (got {lags!r})")
    if lags >= n:
        raise InputRangeError(f"{func}: lags must be below the number of observations "
                              f"(got lags={lags} with {n} observations)")
    return int(lags)


def _wrap(values: FloatArray, x: ArrayLike) -> ArrayLike:
    if isinstance(x, pd.DataFrame):
        return pd.Series(values, index=x.columns)
    if values.ndim == 0:
        return float(values)
    return values


def _lrv(a: FloatArray, lags: int, kernel: str = "bartlett") -> FloatArray:
    t = a.shape[0]
    e = a - a.mean(axis=0)
    g0 = np.sum(e * e, axis=0) / t
    bartlett, uniform = g0, g0
    for k in range(1, lags + 1):
        gk = np.sum(e[k:] * e[:-k], axis=0) / t
        bartlett = bartlett + 2.0 * (1.0 - k / (lags + 1.0)) * gk
        uniform = uniform + 2.0 * gk
    if kernel == "uniform":
        return np.asarray(np.where(uniform > 0, uniform, bartlett))
    return np.asarray(bartlett)


def _kernel(kernel: str, func: str) -> str:
    if kernel not in ("bartlett", "uniform"):
        raise InputRangeError(f"{func}: kernel must be 'bartlett' (Newey-West) or 'uniform' "
                              f"(Hansen-Hodrick) (got {kernel!r})")
    return kernel


def long_run_variance(x: ArrayLike, *, lags: int | None = None,
                      kernel: Kernel = "bartlett") -> ArrayLike:
    """Newey-West long-run variance ``S`` (Bartlett kernel) of a series.

    Parameters
    ----------
    x : array (T,) or (T, k), Series or DataFrame
        The series, time on axis 0, at least 2 observations, finite.
    lags : int >= 0 or None
        Truncation lag ``L < T``; ``None`` = :func:`newey_west_lags`. ``L = 0`` gives the
        population variance (``ddof=0``).
    kernel : "bartlett" or "uniform"
        Newey-West (default) or Hansen-Hodrick weights (:data:`Kernel`).

    Returns
    -------
    ``S`` in the squared unit of ``x``: float for one series, ``(k,)`` / Series for several.

    Examples
    --------
    >>> long_run_variance([1.0, 2.0, 3.0, 4.0], lags=1)   # 1.25 + 2 * 0.5 * 0.3125
    1.5625
    """
    f = "long_run_variance"
    a = _series(x, f)
    return _wrap(_lrv(a, _lags(lags, a.shape[0], f), _kernel(kernel, f)), x)


def hac_mean_variance(x: ArrayLike, *, lags: int | None = None,
                      kernel: Kernel = "bartlett") -> ArrayLike:
    """HAC variance of the sample mean, ``S / T`` (see :func:`long_run_variance`)."""
    f = "hac_mean_variance"
    a = _series(x, f)
    return _wrap(_lrv(a, _lags(lags, a.shape[0], f), _kernel(kernel, f)) / a.shape[0], x)


def hac_mean_test(x: ArrayLike, *, lags: int | None = None, null: float = 0.0,
                  kernel: Kernel = "bartlett") -> HACMeanTest:
    """t-test that the mean of an autocorrelated series equals ``null``, with a HAC standard error.

    Parameters
    ----------
    x : array (T,) or (T, k), Series or DataFrame
        The series (e.g. one IC per walk-forward window), time on axis 0.
    lags : int >= 0 or None
        Bartlett truncation lag; ``None`` = :func:`newey_west_lags`.
    null : float
        Mean under the null hypothesis (0 for "no skill").
    kernel : "bartlett" or "uniform"
        Newey-West (default) or Hansen-Hodrick weights (:data:`Kernel`).

    Returns
    -------
    HACMeanTest
    """
    f = "hac_mean_test"
    a = _series(x, f)
    n = a.shape[0]
    lag = _lags(lags, n, f)
    kern = _kernel(kernel, f)
    if not isinstance(null, (int, float, np.floating, np.integer)) or not math.isfinite(null):
        raise InputRangeError(f"{f}: null must be a finite number (got {null!r})")
    mean = a.mean(axis=0)
    se = np.sqrt(_lrv(a, lag, kern) / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, (mean - null) / np.where(se > 0, se, 1.0), np.nan)
    p = np.where(np.isnan(t), np.nan, 2.0 * _t_sf(np.abs(np.nan_to_num(t)), df=n - 1))
    return HACMeanTest(_wrap(np.asarray(mean), x), _wrap(se, x), _wrap(np.asarray(t), x),
                       _wrap(np.asarray(p), x), lag, n)


def overlap_robust_ic_tstat(ics: ArrayLike, overlap: int, *,
                            kernel: Kernel = "bartlett") -> HACMeanTest:
    """t-statistic of a mean IC over windows whose horizons overlap.

    Parameters
    ----------
    ics : array (T,) or Series
        One information coefficient per walk-forward window, in time order (unitless, in
        [-1, 1]). Windows with "no signal" or "too few names" must be left out beforehand.
    overlap : int >= 1
        How many forecast steps one horizon spans: ``ceil(horizon / step)`` (a 6-month horizon
        re-forecast monthly has ``overlap = 6``; non-overlapping windows have 1). The Bartlett lag
        is ``overlap - 1``, capped at ``T - 1``.
    kernel : "bartlett" or "uniform"
        Newey-West (default) or Hansen-Hodrick; the latter is better sized with 60 or more
        windows (measured in ``docs/finance.md``).

    Returns
    -------
    HACMeanTest
        With ``overlap = 1`` the standard error is ``sd(ddof=0) / sqrt(T)``.
    """
    f = "overlap_robust_ic_tstat"
    if isinstance(overlap, bool) or not isinstance(overlap, (int, np.integer)) or overlap < 1:
        raise InputRangeError(f"{f}: overlap must be an integer >= 1 (got {overlap!r})")
    a = _series(ics, f)
    if a.ndim != 1:
        raise InputShapeError(f"{f}: ics must be one series, shape (T,) (got {a.shape})")
    if bool(np.any(np.abs(a) > 1.0)):
        raise InputRangeError(f"{f}: an IC is a correlation in [-1, 1] (got "
                              f"{float(a[np.abs(a) > 1.0][0])!r})")
    return hac_mean_test(ics, lags=min(int(overlap) - 1, a.shape[0] - 1), kernel=kernel)


class DirectionalTest(NamedTuple):
    """Overlap-robust test of directional skill.

    Attributes
    ----------
    slope : float
        OLS slope of ``1{realised > 0}`` on ``1{predicted > 0}``: the hit rate on predicted ups
        minus the up rate on predicted downs (unitless, in [-1, 1]; 0 = no skill).
    se : float
        Newey-West standard error of the slope.
    t, p_value : float
        ``slope / se`` and its two-sided Student-t p-value (``n - 2`` degrees of freedom); NaN
        when every forecast (or every outcome) has the same sign: no test is possible.
    lags : int
    n : int
    """

    slope: float
    se: float
    t: float
    p_value: float
    lags: int
    n: int


def hac_directional_test(predicted: ArrayLike, realized: ArrayLike, *,
                         lags: int | None = None) -> DirectionalTest:
    """Directional skill test robust to overlapping windows (regression Pesaran-Timmermann).

    Regresses ``y_t = 1{realized_t > 0}`` on ``x_t = 1{predicted_t > 0}`` with a constant;
    under independence of forecast and outcome the slope is 0. The slope's variance is the
    Newey-West sandwich ``LRV(x~_t e_t) / (T var(x)^2)`` (``x~`` demeaned ``x``, ``e`` the OLS
    residual), the standard HAC slope variance.

    Parameters
    ----------
    predicted, realized : array (T,) or Series
        Predicted and realised returns (fractions) per window, in time order, finite.
    lags : int >= 0 or None
        Bartlett lag (``overlap - 1`` for overlapping horizons); ``None`` =
        :func:`newey_west_lags`.

    Returns
    -------
    DirectionalTest
    """
    f = "hac_directional_test"
    p = _series(predicted, f)
    r = _series(realized, f)
    if p.ndim != 1 or p.shape != r.shape:
        raise InputShapeError(f"{f}: predicted and realized must be two series of equal length "
                              f"(got {p.shape} and {r.shape})")
    n = p.shape[0]
    if n < 3:
        raise InputShapeError(f"{f}: needs at least 3 windows (got {n})")
    lag = _lags(lags, n, f)
    x = (p > 0).astype(np.float64)
    y = (r > 0).astype(np.float64)
    xd = x - x.mean()
    sxx = float(np.mean(xd * xd))
    if sxx == 0.0 or float(np.var(y)) == 0.0:
        return DirectionalTest(float("nan"), float("nan"), float("nan"), float("nan"), lag, n)
    slope = float(np.mean(xd * (y - y.mean())) / sxx)
    resid = _exact_zero((y - y.mean()) - slope * xd)
    se = float(np.sqrt(_lrv_uncentred(xd * resid, lag) / n) / sxx)
    t = slope / se if se > 0 else float("nan")
    pv = float(2.0 * _t_sf(abs(t), df=n - 2)) if math.isfinite(t) else float("nan")
    return DirectionalTest(slope, se, t, pv, lag, n)


def _lrv_uncentred(u: FloatArray, lags: int) -> float:
    """Bartlett long-run variance of a mean-zero score (no demeaning)."""
    t = int(u.shape[0])
    s = float(np.sum(u * u)) / t
    for k in range(1, lags + 1):
        s += 2.0 * (1.0 - k / (lags + 1.0)) * float(np.sum(u[k:] * u[:-k])) / t
    return s


def panel_directional_test(predicted: ArrayLike, realized: ArrayLike, window: ArrayLike, *,
                           lags: int) -> DirectionalTest:
    """:func:`hac_directional_test` for a walk-forward's pooled (window, symbol) pairs.

    The same regression of ``1{realized > 0}`` on ``1{predicted > 0}`` over every pair, with the
    slope's score summed within each window before the Bartlett long-run variance is taken over
    windows (Driscoll-Kraay): robust to the correlation of names within a window (one market)
    and to overlapping horizons across windows (``lags = overlap - 1``). With one pair per
    window it equals :func:`hac_directional_test` (slope, se, t).

    Parameters
    ----------
    predicted, realized : array (N,)
        Predicted and realised returns (fractions) of the pooled pairs, finite.
    window : array (N,)
        Window number of each pair (any sortable labels; windows are taken in sorted order,
        which must be time order).
    lags : int >= 0
        Bartlett lag over windows.

    Returns
    -------
    DirectionalTest
        ``n`` is the number of windows; the p-value is two-sided Student t with ``n - 1``
        degrees of freedom; NaN when every forecast (or outcome) has the same sign or fewer
        than 3 windows are given.
    """
    f = "panel_directional_test"
    p = _series(predicted, f)
    r = _series(realized, f)
    g = np.asarray(window)
    if p.ndim != 1 or p.shape != r.shape or g.shape != p.shape:
        raise InputShapeError(f"{f}: predicted, realized and window must be three series of equal "
                              f"length (got {p.shape}, {r.shape} and {g.shape})")
    if isinstance(lags, bool) or not isinstance(lags, (int, np.integer)) or lags < 0:
        raise InputRangeError(f"{f}: lags must be an integer >= 0 (got {lags!r})")
    labels, code = np.unique(g, return_inverse=True)
    t_n = labels.size
    nan = float("nan")
    lag = min(int(lags), max(t_n - 1, 0))
    x = (p > 0).astype(np.float64)
    y = (r > 0).astype(np.float64)
    xd = x - x.mean()
    sxx = float(np.sum(xd * xd))
    if t_n < 3 or sxx == 0.0 or float(np.var(y)) == 0.0:
        return DirectionalTest(nan, nan, nan, nan, lag, t_n)
    slope = float(np.sum(xd * (y - y.mean())) / sxx)
    resid = _exact_zero((y - y.mean()) - slope * xd)
    scores = cast(FloatArray, np.bincount(code, weights=xd * resid, minlength=t_n))  # one summed score per window
    se = float(np.sqrt(_lrv_uncentred(scores, lag) * t_n) / sxx)
    t = slope / se if se > 0 else nan
    pv = float(2.0 * _t_sf(abs(t), df=t_n - 1)) if math.isfinite(t) else nan
    return DirectionalTest(slope, se, t, pv, lag, t_n)
