"""Forecast and performance metrics: pure functions on arrays or Series (empyrical style).

No I/O, no clock, no state. Every function validates its inputs first (``ValueError`` with the
argument's name), accepts lists, numpy arrays and pandas Series, and returns plain floats or
numpy arrays. All returns are simple returns as fractions (0.05 = 5%).

Pairs and missing values
    Functions that take a forecast and a realization (``hit_rate``, ``spearman_ic``, ``mae``,
    ``band_coverage``, ``pesaran_timmermann``, ``diebold_mariano``, ``tracking_error`` ...)
    accept two same-length arrays, or two Series which are first aligned on their index (inner
    join). Pairs where either side is NaN are dropped. With nothing left the result is NaN.

Forecast-quality metrics (cross-section of symbols, or a time series of forecasts)
    :func:`hit_rate` (directional accuracy), :func:`spearman_ic`, :func:`ic_tstat`,
    :func:`mae`, :func:`band_coverage`, :func:`pit`, :func:`crps_ensemble`,
    :func:`pesaran_timmermann`, :func:`diebold_mariano`.

Performance metrics (daily return series)
    :func:`total_return`, :func:`excess_return`, :func:`tracking_error`,
    :func:`information_ratio`, :func:`max_drawdown`. Annualization uses
    :data:`TRADING_DAYS` = 252 trading days per year (square-root-of-time for volatilities).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "DMResult", "ICSummary", "PTResult", "TRADING_DAYS", "band_coverage", "crps_ensemble",
    "diebold_mariano", "directional_hits", "dm_test", "excess_return", "hit_rate", "ic_tstat",
    "in_band", "information_ratio", "mae", "max_drawdown", "pesaran_timmermann", "pit",
    "spearman_ic", "total_return", "tracking_error",
]

#: Trading days per year used to annualize daily statistics.
TRADING_DAYS: int = 252

ArrayLike = Sequence[float] | np.ndarray | pd.Series


# --------------------------------------------------------------------------------------
# input helpers
# --------------------------------------------------------------------------------------

def _vec(x: ArrayLike, name: str) -> np.ndarray:
    """1-D float64 copy of ``x`` (Series values, lists, arrays); raises on other shapes."""
    if isinstance(x, pd.DataFrame):
        raise ValueError(f"{name} must be one-dimensional, got a DataFrame")
    arr = np.asarray(x.to_numpy() if isinstance(x, pd.Series) else x, dtype="float64")
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _pair(a: ArrayLike, b: ArrayLike, na: str, nb: str) -> tuple[np.ndarray, np.ndarray]:
    """Align two inputs (Series on index), check lengths, drop pairs with a NaN."""
    if isinstance(a, pd.Series) and isinstance(b, pd.Series):
        a, b = a.align(b, join="inner")
    x, y = _vec(a, na), _vec(b, nb)
    if x.shape != y.shape:
        raise ValueError(f"{na} and {nb} must have the same length, got {x.size} and {y.size}")
    keep = ~(np.isnan(x) | np.isnan(y))
    return x[keep], y[keep]


def _rank(x: np.ndarray) -> np.ndarray:
    """Return average ranks (1-based, ties averaged).

    Average ranks (1-based; ties get the mean of the ranks they span), like
    ``scipy.stats.rankdata(method="average")`` without importing scipy.stats (slow to import).
    """
    n = x.size
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    edges = np.flatnonzero(np.concatenate(([True], xs[1:] != xs[:-1], [True])))
    avg = (edges[:-1] + 1 + edges[1:]) / 2.0
    out = np.empty(n, dtype="float64")
    out[order] = np.repeat(avg, np.diff(edges))
    return out


def _norm_sf(z: float) -> float:
    """Upper tail of the standard normal."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _t_sf(t: float, df: int) -> float:
    """Upper tail of Student's t with an integer ``df >= 1`` degrees of freedom.

    Exact finite series (Abramowitz & Stegun 26.7.3-26.7.4) for ``A = P(|T| < |t|)`` with
    ``theta = atan(|t| / sqrt(df))``, then ``sf = (1 - A) / 2`` (mirrored for ``t < 0``);
    O(df) and free of scipy.special's import time. Absolute error ~1e-16.
    """
    if df < 1 or int(df) != df:
        raise ValueError(f"df must be an integer >= 1, got {df!r}")
    df = int(df)
    if math.isinf(t):
        return 0.0 if t > 0 else 1.0
    x = abs(t)
    theta = math.atan(x / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    sin_t = math.sin(theta)
    if df % 2 == 1:
        total, term = 0.0, 1.0
        if df > 1:
            total = 1.0
            for k in range(1, (df - 1) // 2):
                term *= (2 * k) / (2 * k + 1) * c2
                total += term
            a = 2.0 / math.pi * (theta + sin_t * math.cos(theta) * total)
        else:
            a = 2.0 / math.pi * theta
    else:
        total, term = 1.0, 1.0
        for k in range(1, df // 2):
            term *= (2 * k - 1) / (2 * k) * c2
            total += term
        a = sin_t * total
    upper = max(0.0, 0.5 * (1.0 - a))
    return upper if t >= 0 else 1.0 - upper


# --------------------------------------------------------------------------------------
# direction
# --------------------------------------------------------------------------------------

def directional_hits(predicted: ArrayLike, realized: ArrayLike) -> np.ndarray:
    """Per-pair direction hit: 1.0 when signs agree, 0.0 when they differ, NaN when undefined.

    A pair has no direction (NaN) when either value is exactly zero or NaN. Index alignment is
    not applied here: the output matches the inputs element by element.
    """
    x, y = _vec(predicted, "predicted"), _vec(realized, "realized")
    if x.shape != y.shape:
        raise ValueError(f"predicted and realized must have the same length, got {x.size} and {y.size}")
    sx, sy = np.sign(x), np.sign(y)
    out = (sx == sy).astype("float64")
    out[(sx == 0) | (sy == 0) | np.isnan(x) | np.isnan(y)] = np.nan
    return out


def hit_rate(predicted: ArrayLike, realized: ArrayLike) -> float:
    """Fraction of pairs whose predicted and realized returns have the same sign.

    Pairs where either value is zero (no direction) or NaN are left out. NaN if none is left.

    The zero rule (the one rule of the project: backtest, walk-forward and report): a return of
    exactly zero (a flat forecast, a suspended stock, an unchanged close) has no direction, so
    it is neither a hit nor a miss. Counting it as a miss would punish a "no view" forecast as
    if it had been wrong and make the rate depend on rounding; it is also how the
    Pesaran-Timmermann test (:func:`pesaran_timmermann`) treats such pairs, so the hit rate and
    its test always use the same pairs.
    """
    x, y = _pair(predicted, realized, "predicted", "realized")
    keep = (x != 0) & (y != 0)
    if not keep.any():
        return math.nan
    return float(np.mean(np.sign(x[keep]) == np.sign(y[keep])))


@dataclass(frozen=True)
class PTResult:
    """Pesaran-Timmermann (1992) test of directional predictability.

    ``statistic`` is asymptotically N(0, 1) under independence of predicted and realized
    signs; ``pvalue`` is one-sided (H1: the forecasts get the direction right more often than
    chance, i.e. ``statistic > 0``). ``hit_rate`` is the observed fraction of sign matches,
    ``expected`` the rate expected under independence, ``n`` the pairs used.
    """

    statistic: float
    pvalue: float
    hit_rate: float
    expected: float
    n: int


def pesaran_timmermann(predicted: ArrayLike, realized: ArrayLike) -> PTResult:
    """Pesaran-Timmermann sign test.

    With ``P`` the hit rate, ``px`` / ``py`` the fractions of positive forecasts / outcomes and
    ``P* = py px + (1 - py)(1 - px)``::

        V(P)  = P* (1 - P*) / n
        V(P*) = (2py - 1)^2 px (1 - px) / n + (2px - 1)^2 py (1 - py) / n
                + 4 py px (1 - py) (1 - px) / n^2
        PT    = (P - P*) / sqrt(V(P) - V(P*))

    Pairs with a zero or NaN on either side are dropped. When ``V(P) - V(P*) <= 0`` (e.g. all
    forecasts have the same sign: the test has no power) the statistic and p-value are NaN.
    """
    x, y = _pair(predicted, realized, "predicted", "realized")
    keep = (x != 0) & (y != 0)
    x, y = x[keep], y[keep]
    n = int(x.size)
    if n == 0:
        return PTResult(math.nan, math.nan, math.nan, math.nan, 0)
    ux, uy = x > 0, y > 0
    p = float(np.mean(ux == uy))
    px, py = float(ux.mean()), float(uy.mean())
    p_star = py * px + (1 - py) * (1 - px)
    v_p = p_star * (1 - p_star) / n
    v_star = ((2 * py - 1) ** 2 * px * (1 - px) / n + (2 * px - 1) ** 2 * py * (1 - py) / n
              + 4 * py * px * (1 - py) * (1 - px) / n**2)
    denom = v_p - v_star
    if not denom > 1e-15:
        return PTResult(math.nan, math.nan, p, p_star, n)
    stat = (p - p_star) / math.sqrt(denom)
    return PTResult(float(stat), _norm_sf(stat), p, p_star, n)


# --------------------------------------------------------------------------------------
# rank correlation
# --------------------------------------------------------------------------------------

def spearman_ic(predicted: ArrayLike, realized: ArrayLike) -> float:
    """Information coefficient: Spearman rank correlation of predicted and realized returns.

    The Pearson correlation of the average ranks (ties share the mean rank). NaN with fewer
    than 2 pairs or when either side is constant.
    """
    x, y = _pair(predicted, realized, "predicted", "realized")
    if x.size < 2:
        return math.nan
    rx, ry = _rank(x), _rank(y)
    rx -= rx.mean()
    ry -= ry.mean()
    den = math.sqrt(float(rx @ rx) * float(ry @ ry))
    if den == 0.0:
        return math.nan
    return float(np.clip(float(rx @ ry) / den, -1.0, 1.0))


@dataclass(frozen=True)
class ICSummary:
    """Mean IC with its t-statistic and two-sided p-value.

    The t-statistic is ``mean / (std / sqrt(n))`` (std ddof=1); the p-value is from Student's t with
    ``n - 1`` degrees of freedom.
    """

    mean: float
    std: float
    tstat: float
    pvalue: float
    n: int


def ic_tstat(ics: ArrayLike) -> ICSummary:
    """t-test of the mean IC against zero (NaN ICs are dropped; NaN stats with n < 2)."""
    v = _vec(ics, "ics")
    v = v[~np.isnan(v)]
    n = int(v.size)
    if n == 0:
        return ICSummary(math.nan, math.nan, math.nan, math.nan, 0)
    mean = float(v.mean())
    if n < 2:
        return ICSummary(mean, math.nan, math.nan, math.nan, n)
    sd = float(v.std(ddof=1))
    if sd == 0.0:
        t = math.copysign(math.inf, mean) if mean != 0 else math.nan
        p = 0.0 if mean != 0 else math.nan
        return ICSummary(mean, sd, t, p, n)
    t = mean / (sd / math.sqrt(n))
    return ICSummary(mean, sd, float(t), 2.0 * _t_sf(abs(t), n - 1), n)


# --------------------------------------------------------------------------------------
# point and interval errors
# --------------------------------------------------------------------------------------

def mae(predicted: ArrayLike, realized: ArrayLike) -> float:
    """Mean absolute error ``mean(|predicted - realized|)`` (same units as the inputs)."""
    x, y = _pair(predicted, realized, "predicted", "realized")
    return float(np.mean(np.abs(x - y))) if x.size else math.nan


def in_band(lower: ArrayLike, upper: ArrayLike, realized: ArrayLike) -> np.ndarray:
    """Per element: 1.0 if ``lower <= realized <= upper`` (inclusive), 0.0 if not, NaN if any is NaN."""
    lo, hi, y = _vec(lower, "lower"), _vec(upper, "upper"), _vec(realized, "realized")
    if not (lo.shape == hi.shape == y.shape):
        raise ValueError(f"lower, upper and realized must have the same length, got "
                         f"{lo.size}, {hi.size} and {y.size}")
    if np.any(lo > hi):
        raise ValueError("every lower bound must be <= its upper bound")
    out = ((y >= lo) & (y <= hi)).astype("float64")
    out[np.isnan(lo) | np.isnan(hi) | np.isnan(y)] = np.nan
    return out


def band_coverage(lower: ArrayLike, upper: ArrayLike, realized: ArrayLike) -> float:
    """Fraction of realizations inside their band (inclusive).

    Compare with the band's nominal probability (0.90 for a 5%-95% band). NaN entries are left out.
    """
    hits = in_band(lower, upper, realized)
    hits = hits[~np.isnan(hits)]
    return float(hits.mean()) if hits.size else math.nan


# --------------------------------------------------------------------------------------
# ensemble scores
# --------------------------------------------------------------------------------------

def _ensemble(ensemble: ArrayLike | np.ndarray, realized: ArrayLike | float, axis: int
              ) -> tuple[np.ndarray, np.ndarray, bool]:
    """Ensemble as (m, k) with members on axis 0, realized as (k,); scalar flag for the output."""
    e = np.asarray(ensemble.to_numpy() if isinstance(ensemble, (pd.Series, pd.DataFrame)) else ensemble,
                   dtype="float64")
    y = np.asarray(realized.to_numpy() if isinstance(realized, pd.Series) else realized, dtype="float64")
    if e.ndim == 0 or e.ndim > 2:
        raise ValueError(f"ensemble must be 1-D (members) or 2-D (members x series), got shape {e.shape}")
    if e.ndim == 2 and axis in (1, -1):
        e = e.T
    elif axis not in (0, 1, -1) or (e.ndim == 1 and axis not in (0, -1)):
        raise ValueError(f"axis must be 0 or 1, got {axis}")
    if e.shape[0] == 0:
        raise ValueError("the ensemble has no members")
    scalar = e.ndim == 1 and y.ndim == 0
    if e.ndim == 1:
        e = e[:, None]
    y = y.reshape(-1)
    if y.size != e.shape[1]:
        raise ValueError(f"realized has {y.size} values for {e.shape[1]} ensemble series")
    if not np.all(np.isfinite(e)):
        raise ValueError("ensemble members must be finite (no NaN or inf)")
    return e, y, scalar


def crps_ensemble(ensemble: ArrayLike | np.ndarray, realized: ArrayLike | float, *, axis: int = 0,
                  fair: bool = False) -> float | np.ndarray:
    """Continuous ranked probability score of an ensemble forecast (lower is better).

    For members ``x_1..x_m`` and realization ``y`` (the empirical-CDF CRPS, as in
    ``properscoring.crps_ensemble``)::

        CRPS = mean_i |x_i - y| - 1/(2 m^2) sum_ij |x_i - x_j|

    computed exactly in ``O(m log m)`` with the sorted ensemble
    ``sum_ij |x_i - x_j| = 2 sum_i (2i - m - 1) x_(i)`` (``i`` 1-based). ``fair=True`` gives the
    unbiased ("fair") CRPS with ``1/(2 m (m - 1))`` instead of ``1/(2 m^2)``.

    Same units as the inputs (a fraction for returns). With one member it equals
    ``|x_1 - y|`` (the absolute error). ``ensemble`` is ``(m,)`` with a scalar ``realized``, or
    ``(m, k)`` with ``k`` realizations (members along ``axis``, default 0 like the engine's
    ``(draws, symbols)`` arrays); returns a float or a ``(k,)`` array. NaN realizations give NaN.
    """
    e, y, scalar = _ensemble(ensemble, realized, axis)
    m = e.shape[0]
    s = np.sort(e, axis=0)
    coef = (2.0 * np.arange(1, m + 1) - m - 1.0)[:, None]
    spread = (coef * s).sum(axis=0)  # = 0.5 * sum_ij |x_i - x_j|
    abs_err = np.abs(e - y[None, :]).mean(axis=0)
    if fair:
        if m < 2:
            raise ValueError("the fair CRPS needs at least 2 ensemble members")
        out = abs_err - spread / (m * (m - 1))
    else:
        out = abs_err - spread / (m * m)
    out = np.maximum(out, 0.0) if not fair else out  # clip float round-off below 0
    out[np.isnan(y)] = np.nan
    return float(out[0]) if scalar else out


def pit(ensemble: ArrayLike | np.ndarray, realized: ArrayLike | float, *, axis: int = 0,
        rule: Literal["mid", "randomized"] = "mid",
        rng: np.random.Generator | int | None = None) -> float | np.ndarray:
    """Probability integral transform: where the realization falls in the ensemble, in [0, 1].

    With ``b = #{x_i < y}`` (members below) and ``t = #{x_i == y}`` (ties) out of ``m``::

        PIT = (b + V * t) / m

    i.e. ``F(y-) + V (F(y) - F(y-))`` for the empirical CDF ``F``. ``rule="mid"`` uses
    ``V = 1/2`` (deterministic mid-rank); ``rule="randomized"`` draws ``V ~ U(0, 1)`` from ``rng``
    (the randomized PIT, exactly uniform for a calibrated forecast even with ties). Without ties
    both rules give ``b / m``. A calibrated forecast has uniform PITs; too many near 0 or 1
    means the bands are too narrow. Shapes as in :func:`crps_ensemble`; NaN realizations give NaN.
    """
    if rule not in ("mid", "randomized"):
        raise ValueError(f"rule must be 'mid' or 'randomized', got {rule!r}")
    e, y, scalar = _ensemble(ensemble, realized, axis)
    m = e.shape[0]
    below = (e < y[None, :]).sum(axis=0).astype("float64")
    ties = (e == y[None, :]).sum(axis=0).astype("float64")
    if rule == "mid":
        v = np.full(y.shape, 0.5)
    else:
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        v = gen.uniform(0.0, 1.0, size=y.shape)
    out = (below + v * ties) / m
    out[np.isnan(y)] = np.nan
    return float(out[0]) if scalar else out


# --------------------------------------------------------------------------------------
# forecast comparison
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DMResult:
    """Diebold-Mariano (1995) test with the Harvey-Leybourne-Newbold (1997) correction.

    ``mean_diff`` is the mean loss differential ``mean(L(e1) - L(e2))``: negative means
    forecast 1 has the smaller loss. ``pvalue`` is for ``alternative``; ``variance`` names the
    long-run variance estimator actually used.
    """

    statistic: float
    pvalue: float
    mean_diff: float
    n: int
    h: int
    loss: str
    alternative: str
    variance: str


def diebold_mariano(errors1: ArrayLike, errors2: ArrayLike, *, h: int = 1,
                    loss: Literal["squared", "absolute"] = "squared",
                    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
                    hln: bool = True, kernel: Literal["uniform", "bartlett"] = "uniform") -> DMResult:
    """Compare two forecasts' accuracy from their error series (same target, same dates).

    ``d_t = L(e1_t) - L(e2_t)`` with ``L(e) = e^2`` or ``|e|``. The long-run variance of
    ``d`` uses ``h - 1`` autocovariance lags (``h`` = forecast horizon in sampling steps;
    ``h`` step-ahead errors are MA(h-1)) with the truncated uniform kernel of the original
    test: ``V = (g_0 + 2 sum_{k=1}^{h-1} g_k) / T`` (``g_k`` autocovariances with divisor
    ``T``). If that estimate is not positive it falls back to Newey-West Bartlett weights
    ``1 - k/h`` (always >= 0); ``variance`` in the result says which was used.
    ``DM = mean(d) / sqrt(V)``; with ``hln=True`` it is multiplied by
    ``sqrt((T + 1 - 2h + h(h - 1)/T) / T)`` and compared with Student's t with ``T - 1``
    degrees of freedom (else with N(0, 1)).

    ``alternative="less"``: H1 forecast 1 is more accurate (smaller loss);
    ``"greater"``: forecast 2 is more accurate; ``"two-sided"``: they differ.
    ``kernel="bartlett"`` uses the Newey-West weights from the start (``h - 1`` lags).

    The default (uniform kernel, HLN, t(T-1)) is the test of Harvey, Leybourne and Newbold
    (1997) as implemented by R's ``forecast::dm.test``.
    """
    if loss not in ("squared", "absolute"):
        raise ValueError(f"loss must be 'squared' or 'absolute', got {loss!r}")
    e1, e2 = _pair(errors1, errors2, "errors1", "errors2")
    d = (e1**2 - e2**2) if loss == "squared" else (np.abs(e1) - np.abs(e2))
    return dm_test(d, h=h, loss=loss, alternative=alternative, hln=hln, kernel=kernel)


def dm_test(loss_diff: ArrayLike, *, h: int = 1, loss: str = "custom",
            alternative: Literal["two-sided", "less", "greater"] = "two-sided",
            hln: bool = True, kernel: Literal["uniform", "bartlett"] = "uniform") -> DMResult:
    """Diebold-Mariano test on a given loss-differential series ``d_t = L1_t - L2_t``.

    The engine of :func:`diebold_mariano` (see there for the variance and the correction);
    use it directly when the losses are not single errors, e.g. the cross-sectional mean loss
    of a forecast of many stocks at each date (a panel DM). ``loss`` is only a label.
    """
    if alternative not in ("two-sided", "less", "greater"):
        raise ValueError(f"alternative must be 'two-sided', 'less' or 'greater', got {alternative!r}")
    if kernel not in ("uniform", "bartlett"):
        raise ValueError(f"kernel must be 'uniform' or 'bartlett', got {kernel!r}")
    if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
        raise ValueError(f"h must be an integer >= 1, got {h!r}")
    h = int(h)
    d = _vec(loss_diff, "loss_diff")
    d = d[~np.isnan(d)]
    T = int(d.size)
    nan = DMResult(math.nan, math.nan, float(d.mean()) if T else math.nan, T, h, loss, alternative, "none")
    if T < 2 or h >= T:
        return nan
    dbar = float(d.mean())
    dc = d - dbar
    gammas = np.array([float(dc[k:] @ dc[: T - k]) / T for k in range(h)])
    var_name = "uniform"
    lrv = gammas[0] + 2.0 * gammas[1:].sum() if kernel == "uniform" else -1.0
    if not lrv > 0:
        weights = 1.0 - np.arange(1, h) / h
        lrv = gammas[0] + 2.0 * float((weights * gammas[1:]).sum())
        var_name = "bartlett"
    if not lrv > 0:
        if dbar == 0.0:
            return nan
        # identical non-zero differentials every period: infinitely significant
        stat = math.copysign(math.inf, dbar)
    else:
        stat = dbar / math.sqrt(lrv / T)
        if hln:
            stat *= math.sqrt((T + 1 - 2 * h + h * (h - 1) / T) / T)
    def sf(z: float) -> float:
        return _t_sf(z, T - 1) if hln else _norm_sf(z)

    if alternative == "two-sided":
        p = 2.0 * sf(abs(stat))
    elif alternative == "less":
        p = sf(-stat)
    else:
        p = sf(stat)
    return DMResult(float(stat), min(p, 1.0), dbar, T, h, loss, alternative, var_name)


# --------------------------------------------------------------------------------------
# performance of return series
# --------------------------------------------------------------------------------------

def total_return(returns: ArrayLike) -> float:
    """Compounded return ``prod(1 + r) - 1`` of a series of simple returns (NaN skipped)."""
    r = _vec(returns, "returns")
    r = r[~np.isnan(r)]
    return float(np.prod(1.0 + r) - 1.0) if r.size else math.nan


def excess_return(returns: ArrayLike, benchmark: ArrayLike) -> float:
    """Return the excess total return of ``returns`` over ``benchmark`` (fraction points).

    Total return of ``returns`` minus total return of ``benchmark`` over the same dates: an
    arithmetic difference of compounded returns.
    """
    r, b = _pair(returns, benchmark, "returns", "benchmark")
    if not r.size:
        return math.nan
    return float(np.prod(1.0 + r) - np.prod(1.0 + b))


def tracking_error(returns: ArrayLike, benchmark: ArrayLike, *, periods: int = TRADING_DAYS) -> float:
    """Annualized tracking error: ``std(r - b, ddof=1) * sqrt(periods)``.

    ``returns`` and ``benchmark`` are per-period (daily by default) simple returns; NaN with
    fewer than 2 pairs.
    """
    r, b = _pair(returns, benchmark, "returns", "benchmark")
    if r.size < 2:
        return math.nan
    return float(np.std(r - b, ddof=1) * math.sqrt(periods))


def information_ratio(returns: ArrayLike, benchmark: ArrayLike, *, periods: int = TRADING_DAYS) -> float:
    """Annualized information ratio: ``mean(r - b) * periods / tracking_error``.

    NaN with fewer than 2 pairs or a zero tracking error.
    """
    r, b = _pair(returns, benchmark, "returns", "benchmark")
    if r.size < 2:
        return math.nan
    active = r - b
    sd = float(np.std(active, ddof=1))
    if sd == 0.0:
        return math.nan
    return float(active.mean() / sd * math.sqrt(periods))


def max_drawdown(returns: ArrayLike) -> float:
    """Largest peak-to-trough fall of the wealth path ``prod(1 + r)`` starting at 1.

    Returned as a non-positive fraction (-0.25 = a 25% drawdown), 0.0 if wealth never falls;
    NaN returns are skipped.
    """
    r = _vec(returns, "returns")
    r = r[~np.isnan(r)]
    if not r.size:
        return math.nan
    wealth = np.concatenate(([1.0], np.cumprod(1.0 + r)))
    peak = np.maximum.accumulate(wealth)
    return float(np.min(wealth / peak - 1.0))
