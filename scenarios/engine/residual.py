"""Residual market noise: the part of a stock's return that no driver explains.

Without it a scenario's distribution reflects only the uncertainty of its driver parameters
(a driver-free stock would be predicted with certainty). ``monte_carlo.residual`` adds, per
symbol ``j`` and draw, one more log-return term labelled ``residual``::

    residual_j = drift_j + s_j * Z_j,        s_j = scale * vol_j * sqrt(T_j / 252)

* ``vol_j`` is annualized, from the daily log returns of the adjusted closes on or before
  ``as_of`` (read through the run's :class:`~scenarios.data.view.PriceView`: no look-ahead),
  by :func:`valuation.volatility.forecast_vol` (see :func:`estimate_vol`): ``history`` =
  ``sd(ddof 1) * sqrt(252)`` of the last ``lookback_days`` returns; ``ewma`` = RiskMetrics
  (lambda 0.94) over the same window; ``garch`` = GARCH(1,1) through the optional ``arch``
  package over the last ``garch_days`` returns, whose horizon variance (the sum of the per-session
  forecasts) is returned as ``vol_j^2 * T_j / 252``. A number is used as given; ``by_symbol``
  overrides per symbol.
* ``T_j`` counts the trading sessions of the symbol's exchange (``scenarios.data.exchange_calendar``)
  after its baseline close and on or before the horizon. Sessions past the end of the calendar
  (far future dates) are counted as business days. With the same 252 on both sides the shock
  has the variance of ``T_j`` daily returns of the estimation window.
* ``Z`` has unit variance: ``normal``, or ``student_t`` with ``df`` degrees of freedom scaled to
  unit variance (``t * sqrt((df - 2) / df)``) and clipped at +-:data:`T_CLIP` sd (so that a
  mean-centred residual has a finite mean; the clipped mass is about 1e-4 for df = 5).
* Cross-section: ``correlation: none`` (independent), a constant in [0, 1) (one common factor
  with that pairwise correlation), ``factor`` (one factor: loadings = correlation of each
  symbol's daily log returns with the ``factor`` series - default the first benchmark, else the
  equal-weight average of the universe - over the lookback window, on the days both have),
  ``history`` (the pairwise correlation matrix of the daily log returns over the lookback
  window, pairs with fewer than 20 common days set to 0, repaired to the nearest positive
  definite matrix by clipping eigenvalues and used through its Cholesky factor). With
  ``student_t`` and a correlation the draws are multivariate t (one chi-square per draw, shared
  by the symbols: market-wide fat tails); with ``none`` each symbol has its own.
* ``center: mean`` (default): ``drift_j = -log E[exp(s_j Z)]`` (``-s_j^2 / 2`` for a normal),
  so the expected price equals the drivers' price. Means aggregate: an index (weights x simple
  returns) then has the expected return of its drivers, exactly the weighted mean of its
  members' expected returns, and neutral drivers give E[return] = 0 for every member and the
  index. The median return is below the drivers' by about ``s_j^2 / 2`` (-0.18 in log, -16.5%
  simple, for 60% vol over a year) and a neutral scenario has P(up) < 50%. ``center: median``:
  ``drift_j = 0``, the drivers' price is the median outcome; the expected price is then higher
  than the drivers' by ``E[exp(s_j Z)]`` (``exp(s_j^2 / 2)``: +20% for a 60%-vol stock over a
  year), and an index, whose vol is lower than its members', has a median above theirs. No
  centring makes medians aggregate (the median of a sum is not the sum of medians): the result
  reports both (``mean_return`` and ``median_return``). Chosen by
  ``benchmarks/calibration.py`` (docs/backtesting.md, "Calibration of the market noise").

Random streams (see :mod:`scenarios.engine.sampling`): ``monte_carlo.residual/<symbol>`` per
symbol, ``monte_carlo.residual/factor``, ``monte_carlo.residual/chi2[/<symbol>]``: same seed ->
same numbers, the first ``k`` draws do not depend on the draw count, and drivers never share a
stream with the residual.

Computation (the numbers do not depend on it): the per-symbol streams are drawn into the rows of
one ``(n, draws)`` buffer, the second half of them on a helper thread (numpy's generators release
the GIL while they fill an array; each stream is drawn by one thread, so the draws are the same
whatever the scheduling); with ``correlation: history`` the product with the Cholesky factor is
taken in tiles of :func:`tile_rows` rows (:func:`correlate`).

Note: the historical volatility already contains the news a driver models, so a driver's
uncertainty and the residual overlap somewhat; ``scale`` < 1 shrinks the residual if wanted.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scenarios.metrics import TRADING_DAYS  # sessions per year (annualizing volatility)

#: Student-t residuals are clipped at this many standard deviations
T_CLIP = 10.0
#: pairs of symbols with fewer common daily returns get correlation 0 (``correlation: history``)
MIN_PAIR_DAYS = 20
#: stream key prefix of the residual
STREAM = "monte_carlo.residual"
#: the largest log-return sd of the residual over the horizon: beyond it the 5% quantile of the
#: price is below 1% of P0 even before any centring drift, and a mean-centred draw can underflow
#: to a price of exactly 0 (a return of -100%) in floating point
MAX_SD = 3.0
#: the lowest log return a residual draw may reach (drift + sd x the lowest shock: -T_CLIP for
#: student_t, -8.5 for a normal, whose draws below that have probability < 2e-17): a price of
#: exp(-30) = 9e-14 x P0 is still a return above -100% in floating point
MIN_LOG_RETURN = -30.0
#: the lowest normal shock considered reachable (as the drivers' normal parameters)
NORMAL_FLOOR = 8.5
#: rows per tile of the Cholesky product, the largest that fits (:func:`tile_rows`); each
#: divides 1,000, so blocks of a multiple of 1,000 draws (the engine's 25,000) cut no tile
TILE_LADDER = (250, 200, 100, 50, 40, 20, 10, 8, 4, 2)
#: OpenBLAS computes a matrix product of ``rows x n`` by ``n x n`` on one thread when
#: ``rows * n * n`` is at most this (``SMP_THRESHOLD_MIN * GEMM_MULTITHREAD_THRESHOLD``)
ONE_THREAD_PRODUCT = 65_536 * 4
#: below this many variates (draws x streams) the streams are drawn on the calling thread only
THREAD_MIN_VARIATES = 200_000


class ResidualDataError(ValueError):
    """A residual that cannot be built.

    Too little price history, the optional ``arch`` package missing for ``garch``, a fit that does
    not converge or forecasts above ``schema.VOL_MAX``, a horizon sd above :data:`MAX_SD` or draws
    below :data:`MIN_LOG_RETURN`. The message names the symbol; ``where`` is the field under
    ``monte_carlo.residual`` that asked for it (``("vol",)`` or ``("by_symbol", symbol)``).
    """

    def __init__(self, message: str, symbol: str | None = None,
                 where: tuple[str, ...] = ("vol",)) -> None:
        super().__init__(message)
        self.symbol = symbol
        self.where = where


@dataclass
class ResidualSpec:
    """The resolved residual of one run (one entry per symbol, universe order)."""

    label: str
    symbols: list[str]
    vol: np.ndarray            # annualized, after ``scale``
    vol_source: list[str]      # "history" or "given"
    n_returns: list[int | None]
    sessions: np.ndarray       # trading sessions from the baseline close to the horizon
    sd: np.ndarray             # vol * sqrt(sessions / 252): sd of the log residual
    drift: np.ndarray          # log drift added to every draw
    dist: str
    df: float | None
    center: str
    correlation: str | float
    factor: str | None = None
    loadings: np.ndarray | None = None     # factor / constant correlation
    corr: np.ndarray | None = None         # history: the (repaired) correlation matrix
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe description (what ``ScenarioResult.residual`` holds)."""
        out: dict[str, Any] = {
            "label": self.label, "dist": self.dist, "df": self.df, "center": self.center,
            "correlation": self.correlation, "factor": self.factor,
            "trading_days_per_year": TRADING_DAYS,
            "per_symbol": {s: {"vol": float(self.vol[j]), "vol_source": self.vol_source[j],
                               "n_returns": self.n_returns[j], "sessions": int(self.sessions[j]),
                               "sd": float(self.sd[j]), "drift": float(self.drift[j])}
                           for j, s in enumerate(self.symbols)},
            "notes": list(self.notes),
        }
        if self.loadings is not None:
            out["loadings"] = [float(x) for x in self.loadings]
        if self.corr is not None:
            n = len(self.symbols)
            off = self.corr[~np.eye(n, dtype=bool)]
            out["mean_pairwise_correlation"] = float(off.mean()) if off.size else None
        return out


# ---------------------------------------------------------------------------- pure helpers


def log_returns(closes: Any, lookback: int) -> Any:
    """Return the last ``lookback`` daily log returns of a close Series (NaN closes dropped first).

    A float64 Series on an index without a ``freq`` (every price frame's) is done on its array:
    the same ``log`` and subtraction as pandas' ``diff``, bit for bit, without four intermediate
    Series. Anything else goes through pandas.
    """
    import pandas as pd

    if not (isinstance(closes, pd.Series) and closes.dtype == np.float64
            and getattr(closes.index, "freq", None) is None):
        c = closes.dropna()
        c = c[c > 0]
        r = np.log(c).diff().iloc[1:]
        return r.iloc[-lookback:]
    values = closes.to_numpy()
    with np.errstate(invalid="ignore"):
        keep = values > 0  # NaN compares False: dropna, then the positive closes
    logs = np.log(values[keep])
    diffs = logs[1:] - logs[:-1]
    return pd.Series(diffs[-lookback:], index=closes.index[keep][1:][-lookback:], name=closes.name)


def _closes(view: Any, symbol: str, lookback: int) -> Any:
    """Return the estimation window's closes.

    Screened by the view when it can (bad rows stop the run or are dropped; one-day spikes are left
    out with a warning), else the raw closes.
    """
    screened = getattr(view, "screened_close", None)
    return screened(symbol, lookback) if callable(screened) else view.close(symbol)


def annualized_vol(returns: Any) -> float:
    """``sd(returns, ddof=1) * sqrt(252)`` of daily log returns (fraction per year)."""
    r = np.asarray(returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    if r.size < 2:
        return float("nan")
    return float(np.std(r, ddof=1) * math.sqrt(TRADING_DAYS))


def trading_sessions(symbol: str, after: dt.date, until: dt.date) -> int:
    """Return the sessions of ``symbol``'s exchange in ``(after, until]``.

    Business days stand in beyond the calendar's last session.
    """
    import pandas as pd

    from scenarios.data.exchange_calendar import calendar_bounds, sessions

    if until <= after:
        return 0
    start = pd.Timestamp(after) + pd.Timedelta(days=1)
    end = pd.Timestamp(until)
    try:
        first, last = calendar_bounds(symbol)
    except Exception:  # noqa: BLE001 - no calendar available: business days
        return int(np.busday_count(start.date(), (end + pd.Timedelta(days=1)).date()))
    n = 0
    lo = max(start, first)
    if lo <= min(end, last):
        n += len(sessions(symbol, lo, min(end, last)))
    if start < first:
        n += int(np.busday_count(start.date(), min(end + pd.Timedelta(days=1), first).date()))
    if end > last:
        n += int(np.busday_count(max(start, last + pd.Timedelta(days=1)).date(),
                                 (end + pd.Timedelta(days=1)).date()))
    return n


def _t_scale(df: float) -> float:
    return math.sqrt((df - 2.0) / df)


def log_mgf(s: np.ndarray, dist: str, df: float | None = None) -> np.ndarray:
    """``log E[exp(s Z)]`` for the unit-variance ``Z`` of :func:`standard_shocks`.

    Normal: ``s^2 / 2``. Student t (clipped at +-:data:`T_CLIP`): numerical integration of the
    density on [-T_CLIP, T_CLIP] (composite Simpson, 20,001 points) plus the clipped mass at
    the bounds (``scipy.special.stdtr``).
    """
    s = np.asarray(s, dtype=np.float64)
    if dist == "normal":
        return 0.5 * s * s
    from scipy.special import stdtr

    assert df is not None
    k = _t_scale(df)
    z = np.linspace(-T_CLIP, T_CLIP, 20_001)
    t = z / k
    logc = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    pdf = np.exp(logc - (df + 1) / 2 * np.log1p(t * t / df)) / k
    w = np.ones_like(z)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    h = z[1] - z[0]
    tail = float(stdtr(df, -T_CLIP / k))  # P(Z < -T_CLIP) = P(Z > T_CLIP)
    out = np.empty(s.shape)
    for i, si in np.ndenumerate(s):
        inner = float((w * np.exp(si * z) * pdf).sum() * h / 3.0)
        out[i] = math.log(inner + tail * (math.exp(-si * T_CLIP) + math.exp(si * T_CLIP)))
    return out


def nearest_correlation(c: np.ndarray, floor: float = 1e-8) -> np.ndarray:
    """Return a positive definite correlation matrix near ``c``.

    Eigenvalues are clipped at ``floor``, then the matrix is rescaled to a unit diagonal (it stays
    symmetric). ``c`` itself when it already qualifies.
    """
    c = 0.5 * (np.asarray(c, dtype=np.float64) + np.asarray(c, dtype=np.float64).T)
    vals, vecs = np.linalg.eigh(c)
    if vals.min() >= floor:
        return c
    fixed = (vecs * np.maximum(vals, floor)) @ vecs.T
    d = np.sqrt(np.diag(fixed))
    fixed = fixed / np.outer(d, d)
    np.fill_diagonal(fixed, 1.0)
    return fixed


def tile_rows(n: int) -> int:
    """Return the rows per tile of the Cholesky product of ``n`` symbols (:func:`correlate`).

    The largest of :data:`TILE_LADDER` (250 for up to 32 symbols) whose tile, one row more
    included, keeps ``rows * n * n`` within :data:`ONE_THREAD_PRODUCT`: OpenBLAS then computes
    the tile on one thread, and every row with the same multi-row kernel (up to 362 symbols;
    2 rows beyond).
    """
    for rows in TILE_LADDER:
        if (rows + 1) * n * n <= ONE_THREAD_PRODUCT:
            return rows
    return TILE_LADDER[-1]


def tile_bounds(rows: int, n: int) -> list[int]:
    """Return the row bounds of the tiles of :func:`correlate` for ``rows`` rows of ``n`` symbols.

    Every :func:`tile_rows` rows from the first; a lone last row joins the tile before it (a
    one-row product is a matrix-vector product in BLAS, whose bits differ from the row's in a
    tile).
    """
    bounds = [*range(0, rows, tile_rows(n)), rows]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] == 1:
        del bounds[-2]
    return bounds


def blocks_keep_tiles(block_rows: int, draws: int, n: int) -> bool:
    """Tell whether blocks of ``block_rows`` draws cut a run of ``draws`` at tile bounds only.

    True when the blocks' Cholesky products, each from its block's first row
    (:func:`correlate`), give the rows of the whole run's product bit for bit: one block, or
    blocks of a multiple of :func:`tile_rows` rows whose last block is not one lone row.
    """
    if block_rows >= draws:
        return True
    return block_rows % tile_rows(n) == 0 and draws % block_rows != 1


def correlate(e: np.ndarray, chol_t: np.ndarray) -> np.ndarray:
    """Return ``e @ chol_t`` (C order), ``e`` ``(rows, n)``, in tiles of :func:`tile_bounds`.

    Bit for bit the single product's rows wherever BLAS computes those with its multi-row
    kernel (always on one thread: any ``rows`` then; on several, OpenBLAS splits the rows among
    them and a thread's odd share ends in a one-row kernel: measured with OpenBLAS 0.3.31 on
    2 threads, any ``rows`` that is a multiple of 8 or below 585), and, unlike it, the same bits
    whatever the number of BLAS threads. One ``(rows, n)`` result, no other temporary of that
    size.
    """
    rows, n = e.shape[0], chol_t.shape[1]
    z = np.empty((rows, n))
    bounds = tile_bounds(rows, n)
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        np.matmul(e[lo:hi], chol_t, out=z[lo:hi])
    return z


def draw_streams(gens: Sequence[np.random.Generator], draws: int,
                 fill: Callable[[np.random.Generator, np.ndarray], Any] | None = None) -> np.ndarray:
    """Return ``(len(gens), draws)``: row ``j`` the next ``draws`` variates of ``gens[j]``.

    ``fill(gen, row)`` writes them (default standard normals). With at least
    :data:`THREAD_MIN_VARIATES` variates, the second half of the rows is drawn on a helper
    thread (numpy releases the GIL while it fills an array); each generator is used by one
    thread only, so the numbers are those of drawing the rows one after the other.
    """
    def normals(g: np.random.Generator, row: np.ndarray) -> Any:
        return g.standard_normal(out=row)

    fill_row = fill or normals
    out = np.empty((len(gens), draws))

    def rows(lo: int, hi: int) -> None:
        for j in range(lo, hi):
            fill_row(gens[j], out[j])

    half = len(gens) // 2
    if half == 0 or len(gens) * draws < THREAD_MIN_VARIATES:
        rows(0, len(gens))
        return out
    failed: list[BaseException] = []

    def helper() -> None:
        try:
            rows(half, len(gens))
        except BaseException as exc:  # noqa: BLE001 - re-raised on the calling thread
            failed.append(exc)

    t = threading.Thread(target=helper, name="residual-streams", daemon=True)
    t.start()
    try:
        rows(0, half)
    finally:
        t.join()
    if failed:
        raise failed[0]
    return out


def standard_shocks(generator: Any, symbols: list[str], draws: int, *, dist: str = "normal",
                    df: float | None = None, correlation: str | float = "none",
                    loadings: np.ndarray | None = None, chol: np.ndarray | None = None) -> np.ndarray:
    """Unit-variance shocks ``(draws, n)`` (C order) with the requested cross-section.

    ``generator(key)`` returns the numpy Generator of a stream key (``Sampler.generator``;
    called on the calling thread, in symbol order).
    ``loadings`` (factor or constant correlation): ``Z_j = b_j F + sqrt(1 - b_j^2) e_j``;
    ``chol`` (history): ``Z = e @ chol.T`` (:func:`correlate`); otherwise independent.
    The streams are drawn by :func:`draw_streams`.
    """
    n = len(symbols)
    e = draw_streams([generator(f"{STREAM}/{sym}") for sym in symbols], draws).T  # column j: symbols[j]
    if loadings is not None:
        b = np.asarray(loadings, dtype=np.float64)
        f = generator(f"{STREAM}/factor").standard_normal(draws)[:, None]
        z = np.multiply(e, np.sqrt(np.maximum(1.0 - b * b, 0.0)), out=np.empty((draws, n)))
        z += f * b  # = f b + e sqrt(1 - b^2): floating-point addition commutes
    elif chol is not None:
        z = correlate(e, chol.T)
    else:
        z = np.empty((draws, n))
        z[...] = e
    del e
    if dist == "student_t":
        assert df is not None
        if correlation == "none" or n == 1:
            def chi2(g: np.random.Generator, row: np.ndarray) -> Any:
                row[...] = g.chisquare(df, row.shape[0])
                return row

            w = draw_streams([generator(f"{STREAM}/chi2/{sym}") for sym in symbols], draws, chi2).T
        else:
            w = generator(f"{STREAM}/chi2").chisquare(df, draws)[:, None]
        z *= _t_scale(df) / np.sqrt(w / df)
        np.clip(z, -T_CLIP, T_CLIP, out=z)
    return z


def estimate_vol(returns: Any, model: str, sessions: int, *, sym: str, as_of: Any, min_days: int,
                 where: tuple[str, ...] = ("vol",)) -> float:
    """Return the annualized volatility of ``sym`` forecast by ``model`` (fraction).

    ``model`` is ``history``, ``ewma`` or ``garch``, fitted on the daily log ``returns``; the
    forecast over the ``sessions`` to the horizon comes from
    :func:`valuation.volatility.forecast_vol`: ``forecast.horizon * sqrt(252 / sessions)``, so
    that ``vol * sqrt(sessions / 252)`` is the model's horizon sd (flat for history and EWMA,
    mean-reverting for GARCH).

    Raises :class:`ResidualDataError` (too few returns, ``arch`` missing, no convergence, a
    forecast above ``schema.VOL_MAX``).
    """
    from valuation.exceptions import MissingDependencyError, ValuationError
    from valuation.volatility import MIN_GARCH_OBS, forecast_vol

    need = max(min_days, MIN_GARCH_OBS) if model == "garch" else min_days
    day = getattr(as_of, "date", lambda: as_of)()
    r = np.asarray(returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    if r.size < need:
        raise ResidualDataError(
            f"vol {model}: {sym} has {r.size} daily returns on or before {day} (needs {need}); "
            f"give it a vol in by_symbol (e.g. by_symbol: {{{sym}: 0.4}})"
            + (" or lower min_days" if need == min_days else ""), sym, where)
    try:
        fc = forecast_vol(r, max(int(sessions), 1), model,  # type: ignore[arg-type]
                          lookback=r.size, periods_per_year=TRADING_DAYS)
    except MissingDependencyError as exc:
        raise ResidualDataError(f"vol garch ({sym}): {exc}", sym, where) from None
    except ValuationError as exc:
        raise ResidualDataError(f"vol {model} ({sym}, returns to {day}): {exc}; use another vol "
                                f"model or give it a vol in by_symbol", sym, where) from None
    from scenarios.model.schema import VOL_MAX

    out = float(fc.annualised)  # type: ignore[arg-type]
    if not math.isfinite(out) or out > VOL_MAX:
        raise ResidualDataError(
            f"vol {model}: the forecast for {sym} from returns to {day} is {out:.3g} a year "
            f"(above {VOL_MAX:g}: an explosive fit or a broken price series); use another "
            f"vol model or give it a vol in by_symbol", sym, where)
    return out


# ---------------------------------------------------------------------------- resolution


def resolve_residual(cfg: Any, symbols: list[str], view: Any, baseline_dates: list[dt.date],
                     horizon: dt.date, benchmarks: list[str], label: str = "residual") -> ResidualSpec:
    """Return the residual volatilities, horizons and correlation for ``symbols``.

    Volatilities, horizons and cross-section of ``cfg`` (a ``schema.Residual``) for
    ``symbols``, from prices on or before ``view.as_of`` only.

    Raises :class:`ResidualDataError` when ``history`` lacks ``min_days`` returns.
    """
    import pandas as pd

    n = len(symbols)
    vol = np.empty(n)
    source: list[str] = []
    counts: list[int | None] = []
    wheres: list[tuple[str, ...]] = []
    returns: dict[str, Any] = {}
    need_history = cfg.correlation in ("history", "factor") and n > 1
    sessions = np.array([trading_sessions(s, d, horizon) for s, d in zip(symbols, baseline_dates, strict=True)],
                        dtype=np.float64)

    for j, sym in enumerate(symbols):
        given = cfg.by_symbol.get(sym, cfg.vol)
        where = ("by_symbol", sym) if sym in cfg.by_symbol else ("vol",)
        wheres.append(where)
        if given in ("history", "ewma") or need_history:
            returns[sym] = log_returns(_closes(view, sym, cfg.lookback_days), cfg.lookback_days)
        if isinstance(given, str):
            r = (log_returns(_closes(view, sym, cfg.garch_days), cfg.garch_days) if given == "garch"
                 else returns[sym])
            vol[j] = estimate_vol(r, given, int(sessions[j]), sym=sym, as_of=view.as_of,
                                  min_days=cfg.min_days, where=where)
            source.append(given)
            counts.append(len(r))
        else:
            vol[j] = float(given)
            source.append("given")
            counts.append(None)
    vol = vol * cfg.scale
    sd = vol * np.sqrt(sessions / TRADING_DAYS)
    for j in np.flatnonzero(~(sd <= MAX_SD)):  # type: ignore[assignment]
        raise ResidualDataError(
            f"{symbols[j]}: vol {vol[j]:.3g} a year (after scale) over {int(sessions[j])} sessions "
            f"gives a log-return sd of {sd[j]:.2f}, above {MAX_SD:g} (the 5%-95% band would span "
            f"more than a factor of {math.exp(2 * 1.645 * MAX_SD):,.0f}); lower the vol or the "
            f"horizon", symbols[j], wheres[j])
    df = float(cfg.df) if cfg.dist == "student_t" else None
    drift = -log_mgf(sd, cfg.dist, df) if cfg.center == "mean" else np.zeros(n)
    lowest = drift - sd * (T_CLIP if cfg.dist == "student_t" else NORMAL_FLOOR)
    for j in np.flatnonzero(lowest < MIN_LOG_RETURN):  # type: ignore[assignment]
        raise ResidualDataError(
            f"{symbols[j]}: a log-return sd of {sd[j]:.2f} ({cfg.dist}, center {cfg.center}: drift "
            f"{drift[j]:.2f}) lets a draw reach a log return of {lowest[j]:.1f}, a price of "
            f"exactly 0 in floating point (the floor is {MIN_LOG_RETURN:g}); lower the vol or the "
            f"horizon" + (", or use dist: normal" if cfg.dist == "student_t" else ""),
            symbols[j], wheres[j])
    spec = ResidualSpec(label=label, symbols=list(symbols), vol=vol, vol_source=source,
                        n_returns=counts, sessions=sessions, sd=sd, drift=drift, dist=cfg.dist,
                        df=df, center=cfg.center, correlation=cfg.correlation)
    if n == 1 or cfg.correlation == "none":
        return spec
    if isinstance(cfg.correlation, float):
        spec.loadings = np.full(n, math.sqrt(cfg.correlation))
        return spec
    frame = pd.DataFrame(returns)
    if cfg.correlation == "factor":
        factor = cfg.factor or (benchmarks[0] if benchmarks else None)
        if factor is not None:
            f = log_returns(_closes(view, factor, cfg.lookback_days), cfg.lookback_days)
            spec.factor = factor
        else:
            f = frame.mean(axis=1, skipna=True)
            spec.factor = "equal-weight universe"
        load = np.zeros(n)
        for j, sym in enumerate(symbols):
            pair = pd.concat([frame[sym], f], axis=1, join="inner").dropna()
            if len(pair) >= MIN_PAIR_DAYS:
                rho = float(np.corrcoef(pair.iloc[:, 0], pair.iloc[:, 1])[0, 1])
                load[j] = min(max(rho, -0.999), 0.999) if np.isfinite(rho) else 0.0
            else:
                spec.notes.append(f"{sym}: fewer than {MIN_PAIR_DAYS} days in common with the "
                                  f"factor; loading 0")
        spec.loadings = load
        return spec
    corr = frame.corr(min_periods=MIN_PAIR_DAYS).reindex(index=symbols, columns=symbols)
    c = np.array(corr.to_numpy(dtype=np.float64, na_value=np.nan))
    if np.isnan(c).any():
        spec.notes.append(f"{int(np.isnan(c).sum() // 2)} pairs with fewer than {MIN_PAIR_DAYS} "
                          "common days: correlation 0")
        c = np.where(np.isnan(c), 0.0, c)
    np.fill_diagonal(c, 1.0)
    spec.corr = nearest_correlation(c)
    return spec


def residual_draws(spec: ResidualSpec, generator: Any, draws: int) -> np.ndarray:
    """Return the ``(draws, n)`` log-return contribution ``drift + sd * Z`` of ``spec``.

    With ``correlation: history``, rows ``a..b`` of a run drawn in blocks (the streams continued
    from row ``a``) are those of one call for the whole run when the blocks cut it at tile bounds
    (:func:`blocks_keep_tiles`).
    """
    chol = np.linalg.cholesky(spec.corr) if spec.corr is not None else None
    z = standard_shocks(generator, spec.symbols, draws, dist=spec.dist, df=spec.df,
                        correlation=spec.correlation, loadings=spec.loadings, chol=chol)
    z *= spec.sd
    z += spec.drift
    return z
