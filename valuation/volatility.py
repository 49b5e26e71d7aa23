"""Volatility forecasts for a horizon: trailing history, EWMA (RiskMetrics) and GARCH(1,1).

Input: per-period LOG returns as fractions (0.012 = 1.2% a day), time on axis 0: shape ``(T,)``
for one series or ``(T, n_symbols)``; a Series or a DataFrame (one column per symbol). NaN is
refused: align and drop missing sessions first.

Output: :class:`VolForecast` with, per series,

``horizon``
    standard deviation of the log return summed over the next ``horizon_periods`` periods
    (fraction, not annualised: 0.15 = a 15% one-sigma move over the horizon);
``annualised``
    the same forecast variance per period, scaled to a year:
    ``horizon * sqrt(periods_per_year / horizon_periods)`` (fraction per sqrt(year)).

Models

``history``
    sample standard deviation (``ddof=1``, demeaned) of the last ``lookback`` returns; flat term
    structure, so ``horizon = sd * sqrt(h)``.
``ewma``
    RiskMetrics (1996): zero-mean exponentially weighted variance with decay ``lam`` (0.94 for
    daily data), normalised weights ``(1 - lam) lam ** k / (1 - lam ** T)`` over the whole sample
    (no seed value); flat term structure, ``horizon = sd * sqrt(h)``.
``garch``
    GARCH(1,1) with zero mean and normal errors, fitted by maximum likelihood with the ``arch``
    package (an optional extra: ``pip install 'narrative-scenarios[vol]'``); the horizon variance
    is the sum of the ``h`` per-period variance forecasts, which revert towards the long-run
    variance ``omega / (1 - alpha - beta)``. The series is divided by its own standard deviation
    before the fit (and the result multiplied back), so the forecast scales exactly with the data.

Every model is scale-equivariant: multiplying the returns by ``c > 0`` multiplies the vols by ``c``.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from ._types import ArrayLike, FloatArray
from ._validate import as_float_array, check_finite
from .exceptions import (
    ConvergenceError,
    InputRangeError,
    InputShapeError,
    MissingDependencyError,
    PercentNotFractionError,
)

__all__ = [
    "VolModel",
    "VolForecast",
    "RISKMETRICS_LAMBDA",
    "ARCH_INSTALL",
    "history_vol",
    "ewma_vol",
    "garch_vol",
    "forecast_vol",
]

VolModel = Literal["history", "ewma", "garch"]

#: RiskMetrics decay for daily returns.
RISKMETRICS_LAMBDA = 0.94
#: The install command named when ``arch`` is missing.
ARCH_INSTALL = "pip install 'narrative-scenarios[vol]'  (or: pip install arch)"
#: Fewest returns a GARCH(1,1) fit accepts.
MIN_GARCH_OBS = 100


class VolForecast(NamedTuple):
    """A volatility forecast over a horizon.

    Attributes
    ----------
    annualised : float, ndarray (n_symbols,) or Series
        Fraction per sqrt(year) (0.36 = 36% a year).
    horizon : same kind as ``annualised``
        Standard deviation of the horizon's summed log return (fraction, not annualised).
    horizon_periods : int
        Number of periods (sessions) ahead.
    periods_per_year : int
        Periods in a year used to annualise (252 trading days).
    model : "history", "ewma" or "garch"
    """

    annualised: ArrayLike
    horizon: ArrayLike
    horizon_periods: int
    periods_per_year: int
    model: VolModel


def _int(value: object, name: str, func: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < minimum:
        raise InputRangeError(f"{func}: {name} must be an integer >= {minimum} (got {value!r})")
    return int(value)


def _returns(returns: ArrayLike, func: str, min_obs: int) -> FloatArray:
    r = as_float_array(returns, "returns", func)
    if r.ndim not in (1, 2):
        raise InputShapeError(f"{func}: returns must have shape (T,) or (T, n_symbols), time on "
                              f"axis 0 (got {r.shape})")
    check_finite(r, "returns", func)
    if r.shape[0] < min_obs:
        raise InputShapeError(f"{func}: needs at least {min_obs} returns on axis 0 (got "
                              f"{r.shape[0]})")
    sd = np.sqrt(np.mean(r * r, axis=0))
    if bool(np.any(sd > 0.5)):
        raise PercentNotFractionError(f"{func}: returns are fractions per period (0.012 = 1.2%); a "
                                      f"root-mean-square of {float(np.max(sd)):g} per period looks "
                                      "like percent: divide by 100")
    return r


def _wrap(values: FloatArray, returns: ArrayLike) -> ArrayLike:
    if isinstance(returns, pd.DataFrame):
        return pd.Series(values, index=returns.columns)
    if values.ndim == 0:
        return float(values)
    return values


def _forecast(returns: ArrayLike, horizon_var: FloatArray, h: int, ppy: int,
              model: VolModel) -> VolForecast:
    horizon = np.sqrt(horizon_var)
    return VolForecast(_wrap(horizon * np.sqrt(ppy / h), returns), _wrap(horizon, returns), h, ppy,
                       model)


def history_vol(returns: ArrayLike, horizon_periods: int, *, lookback: int = 250,
                periods_per_year: int = 252) -> VolForecast:
    """Trailing-history volatility: sample sd (``ddof=1``) of the last ``lookback`` returns.

    Parameters
    ----------
    returns : array (T,) or (T, n_symbols), Series or DataFrame
        Per-period log returns, fractions, time on axis 0 (``T >= 2``).
    horizon_periods : int >= 1
        Periods ahead (sessions to the horizon).
    lookback : int >= 2
        Most recent returns used (all of them when ``T < lookback``).
    periods_per_year : int >= 1
        252 for trading days.

    Returns
    -------
    VolForecast
        ``horizon = sd * sqrt(horizon_periods)``, ``annualised = sd * sqrt(periods_per_year)``.
    """
    f = "history_vol"
    h = _int(horizon_periods, "horizon_periods", f, 1)
    n = _int(lookback, "lookback", f, 2)
    ppy = _int(periods_per_year, "periods_per_year", f, 1)
    r = _returns(returns, f, 2)[-n:]
    var = np.var(r, axis=0, ddof=1)
    return _forecast(returns, var * h, h, ppy, "history")


def ewma_vol(returns: ArrayLike, horizon_periods: int, *, lam: float = RISKMETRICS_LAMBDA,
             periods_per_year: int = 252) -> VolForecast:
    """EWMA (RiskMetrics) volatility: zero-mean variance with exponentially decaying weights.

    ``var = sum_k w_k r_{T-k}^2`` with ``w_k = (1 - lam) lam ** k / (1 - lam ** T)``, ``k = 0..T-1``
    (weights summing to 1; as ``T`` grows this is the RiskMetrics recursion
    ``var_{t+1} = lam var_t + (1 - lam) r_t^2``).

    Parameters
    ----------
    returns : array (T,) or (T, n_symbols), Series or DataFrame
        Per-period log returns, fractions, time on axis 0 (``T >= 1``).
    horizon_periods : int >= 1
        Periods ahead.
    lam : float in (0, 1)
        Decay (0.94 = RiskMetrics daily; the half-life is ``log(0.5) / log(lam)`` = 11.2 periods).
    periods_per_year : int >= 1

    Returns
    -------
    VolForecast
        Flat term structure: ``horizon = sd * sqrt(horizon_periods)``.

    Examples
    --------
    >>> out = ewma_vol([0.01, -0.01] * 150, 4)   # 1% a day in size
    >>> round(out.horizon, 6), round(out.annualised, 4)
    (0.02, 0.1587)
    """
    f = "ewma_vol"
    h = _int(horizon_periods, "horizon_periods", f, 1)
    ppy = _int(periods_per_year, "periods_per_year", f, 1)
    if isinstance(lam, bool) or not isinstance(lam, (float, int, np.floating)) or not 0.0 < lam < 1.0:
        raise InputRangeError(f"{f}: lam must be a number in (0, 1) (got {lam!r}); RiskMetrics "
                              "uses 0.94 for daily returns")
    r = _returns(returns, f, 1)
    t = r.shape[0]
    k = np.arange(t - 1, -1, -1, dtype=np.float64)  # age of each observation, newest = 0
    w = (1.0 - lam) * lam ** k / (1.0 - lam ** t)
    var = np.tensordot(w, r * r, axes=(0, 0))
    return _forecast(returns, np.asarray(var) * h, h, ppy, "ewma")


def _arch_model() -> Any:
    try:
        from arch import arch_model
    except ImportError as exc:
        raise MissingDependencyError(
            f"garch volatility needs the optional package 'arch', which is not installed: "
            f"{ARCH_INSTALL}") from exc
    return arch_model


def _garch_one(r: FloatArray, h: int, func: str, column: int | None) -> float:
    arch_model = _arch_model()
    scale = float(np.sqrt(np.mean(r * r)))
    where = "" if column is None else f" (column {column})"
    if scale == 0.0:
        raise InputRangeError(f"{func}: returns are all zero{where}: a GARCH model cannot be fitted")
    z = r / scale * 10.0  # unit-free data of rms 10, inside arch's preferred 1..1000 range
    model = arch_model(z, mean="Zero", vol="GARCH", p=1, q=1, dist="normal", rescale=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(disp="off", show_warning=False)
    if res.convergence_flag != 0:
        raise ConvergenceError(f"{func}: the GARCH(1,1) fit did not converge{where} "
                               f"(optimizer flag {res.convergence_flag})")
    var = res.forecast(horizon=h, reindex=False).variance.to_numpy()[-1]
    return float(np.sum(var)) * (scale / 10.0) ** 2


def garch_vol(returns: ArrayLike, horizon_periods: int, *,
              periods_per_year: int = 252) -> VolForecast:
    """GARCH(1,1) volatility forecast over a horizon (zero mean, normal errors, ``arch`` package).

    Parameters
    ----------
    returns : array (T,) or (T, n_symbols), Series or DataFrame
        Per-period log returns, fractions, time on axis 0, ``T >= 100``. Each column is fitted on
        its own.
    horizon_periods : int >= 1
        Periods ahead; the horizon variance is the sum of the per-period forecasts.
    periods_per_year : int >= 1

    Returns
    -------
    VolForecast

    Raises
    ------
    MissingDependencyError
        ``arch`` is not installed (the message names the install command).
    ConvergenceError
        The likelihood optimiser did not converge.
    """
    f = "garch_vol"
    h = _int(horizon_periods, "horizon_periods", f, 1)
    ppy = _int(periods_per_year, "periods_per_year", f, 1)
    _arch_model()  # fail before validating when the extra is missing
    r = _returns(returns, f, MIN_GARCH_OBS)
    if r.ndim == 1:
        var: FloatArray = np.asarray(_garch_one(r, h, f, None))
    else:
        var = np.array([_garch_one(r[:, j], h, f, j) for j in range(r.shape[1])])
    return _forecast(returns, var, h, ppy, "garch")


def forecast_vol(returns: ArrayLike, horizon_periods: int, model: VolModel, *,
                 lookback: int = 250, lam: float = RISKMETRICS_LAMBDA,
                 periods_per_year: int = 252) -> VolForecast:
    """Return the volatility forecast of the named model.

    Dispatch to :func:`history_vol`, :func:`ewma_vol` or :func:`garch_vol` by name (the
    schema's ``vol: history | ewma | garch``); ``lookback`` applies to history, ``lam`` to EWMA.
    """
    if model == "history":
        return history_vol(returns, horizon_periods, lookback=lookback,
                           periods_per_year=periods_per_year)
    if model == "ewma":
        return ewma_vol(returns, horizon_periods, lam=lam, periods_per_year=periods_per_year)
    if model == "garch":
        return garch_vol(returns, horizon_periods, periods_per_year=periods_per_year)
    raise InputRangeError(f"forecast_vol: model must be 'history', 'ewma' or 'garch' (got {model!r})")
