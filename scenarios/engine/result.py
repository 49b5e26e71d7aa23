"""The output of one Monte Carlo scenario run (:class:`ScenarioResult`).

Arrays are numpy ``(draws, n_symbols)`` unless noted; symbol order is ``symbols``. Prices are in
each symbol's listing currency (``currencies``) on the adjusted-close basis, so a stock's returns
are total returns; an index level in the universe (``^HSI``, ``HSTECH.HK``:
:func:`scenarios.data.symbols.is_index`) gives price returns. ``return_kinds`` says which per symbol
(``"total" | "price"``), ``return_kind`` for the whole run (``"mixed"`` when both occur).
``contributions[driver]`` are log-return terms whose sum over drivers is ``log1p(predicted_return)``
(to rounding): LOG contributions, never percentages. A run keeps their means over the draws
(``contribution_mean[driver]``, per symbol) and every draw of them (and of ``eps`` and ``multiple``)
only when asked to (``run_scenario(..., keep_draws=True)``, ``scenarios run --keep-draws``);
otherwise ``contributions`` is empty and ``eps``/``multiple`` are None. ``point_return`` is the
noise-free forecast (parameters at their means, residual off; :mod:`scenarios.engine.noise_free`)
and ``attribution`` its exact Shapley split over the drivers in PERCENTAGE POINTS of simple return
(``Attribution.to_dict()``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from scenarios.engine.pnl import PnlDraws

_ARRAYS_2D = ("predicted_price", "predicted_return", "eps", "multiple")
_ARRAYS_1D = ("baseline_price", "index_weights_before", "index_weights_after", "index_return",
              "index_return_before")

SCHEMA_VERSION = 1


def combined_return_kind(kinds: list[str]) -> str:
    """Return the common return kind of ``kinds``.

    ``"total"`` or ``"price"`` when every kind is that one, ``"mixed"`` otherwise (and
    ``"total"`` for no kinds at all).
    """
    found = set(kinds)
    if len(found) > 1:
        return "mixed"
    return found.pop() if found else "total"


def _to_list(a: np.ndarray | None) -> Any:
    if a is None:
        return None
    arr = np.asarray(a, dtype=np.float64)
    if np.isfinite(arr).all():
        return arr.tolist()
    obj = arr.astype(object)
    obj[~np.isfinite(arr)] = None
    return obj.tolist()


#: rows of a ``(draws, n)`` array tested at a time by :func:`_all_finite` and
#: :func:`_count_positive` (a boolean temporary of this many rows, not of the whole array)
CHECK_ROWS = 16_384


def _all_finite(a: np.ndarray) -> bool:
    """``numpy.isfinite(a).all()`` for a 2-D ``a``, :data:`CHECK_ROWS` rows at a time."""
    return all(bool(np.isfinite(a[i:i + CHECK_ROWS]).all()) for i in range(0, a.shape[0], CHECK_ROWS))


def _count_positive(a: np.ndarray) -> np.ndarray:
    """``numpy.count_nonzero(a > 0, axis=0)`` for a 2-D ``a``, :data:`CHECK_ROWS` rows at a time."""
    count = np.zeros(a.shape[1], dtype=np.intp)
    for i in range(0, a.shape[0], CHECK_ROWS):
        count += np.count_nonzero(a[i:i + CHECK_ROWS] > 0, axis=0)
    return count


#: a summary of at least this many cells finds the order statistics of half its columns on a
#: helper thread (numpy's partition releases the GIL); the values do not depend on it
PARALLEL_CELLS = 2_000_000


def _column_quantiles(a: np.ndarray, q: list[float], ranks: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`valuation.mc_error.quantiles_and_order_statistics` of a 2-D ``a`` along its draws.

    Each column's values are found on its own, so a large ``a`` is done in two halves of its
    columns at once (the same values, bit for bit).
    """
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    from valuation.mc_error import quantiles_and_order_statistics

    half = a.shape[1] // 2
    if a.size < PARALLEL_CELLS or half == 0:
        return quantiles_and_order_statistics(a, q, ranks)
    with ThreadPoolExecutor(1, thread_name_prefix="scenarios-summary") as pool:
        right = pool.submit(contextvars.copy_context().run, quantiles_and_order_statistics,
                            a[:, half:], q, ranks)
        left = quantiles_and_order_statistics(a[:, :half], q, ranks)
        other = right.result()
    return (np.concatenate([left[0], other[0]], axis=1),
            np.concatenate([left[1], other[1]], axis=1))


def _from_list(x: Any) -> np.ndarray | None:
    if x is None:
        return None
    return np.array(x, dtype=np.float64)  # None -> nan


def _clean(v: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python, NaN/inf to None."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return _to_list(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


@dataclass
class ScenarioResult:
    """Predicted prices, returns and their decomposition for one scenario."""

    name: str
    symbols: list[str]
    currencies: list[str]
    as_of: str
    horizon: str
    horizon_years: float
    baseline_price: np.ndarray
    baseline_date: list[str]
    predicted_price: np.ndarray
    predicted_return: np.ndarray
    eps: np.ndarray | None
    multiple: np.ndarray | None
    contributions: dict[str, np.ndarray]
    seed: int
    draws: int
    index_scheme: str | None = None
    index_return: np.ndarray | None = None
    index_return_before: np.ndarray | None = None
    index_weights_before: np.ndarray | None = None
    index_weights_after: np.ndarray | None = None
    benchmarks: dict[str, dict[str, Any]] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    data_sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    file: str | None = None
    file_sha256: str | None = None
    warnings: list[str] = field(default_factory=list)
    #: how the data were read (a half-day close used, a stale as_of bar replaced): not problems
    notes: list[str] = field(default_factory=list)
    grid_point: dict[str, Any] = field(default_factory=dict)
    return_kind: str = "total"
    #: the residual market noise (``ResidualSpec.to_dict()``: label, per-symbol vol, sessions,
    #: sd, drift, correlation...), None when the scenario has none
    residual: dict[str, Any] | None = None
    #: the noise-free forecast per symbol (simple return, fraction); None in older results
    point_return: np.ndarray | None = None
    #: Shapley attribution of ``point_return`` in percentage points (``Attribution.to_dict()``)
    attribution: dict[str, Any] | None = None
    #: the ``portfolio:`` block's P&L draws (:class:`scenarios.engine.pnl.PnlDraws`), None without one
    pnl: PnlDraws | None = None
    #: driver label -> mean log contribution per symbol over the draws (``(n,)``); computed
    #: from ``contributions`` when not given
    contribution_mean: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.contribution_mean and self.contributions:
            self.contribution_mean = {k: v.mean(axis=0) for k, v in self.contributions.items()}

    @property
    def draws_kept(self) -> bool:
        """True when every draw of the per-driver contributions is held (``keep_draws``)."""
        return bool(self.contributions) or not self.contribution_mean

    # ------------------------------------------------------------------ views
    @property
    def n_symbols(self) -> int:
        """Number of symbols in the result."""
        return len(self.symbols)

    def log_return(self) -> np.ndarray:
        """Sum of the driver contributions, ``(draws, n_symbols)`` (needs ``keep_draws``)."""
        if not self.draws_kept:
            raise ValueError("this run kept the per-driver contributions as means only; run it "
                             "with keep_draws=True (scenarios run --keep-draws) for every draw")
        total = np.zeros_like(self.predicted_return)
        for c in self.contributions.values():
            total = total + c
        return total

    @property
    def return_kinds(self) -> list[str]:
        """Return kind per symbol: ``"total"`` or ``"price"``.

        Per symbol, ``"total"`` (a stock: adjusted closes) or ``"price"`` (an index level),
        by :func:`scenarios.data.symbols.return_kind`.
        """
        from scenarios.data.symbols import return_kind

        return [return_kind(s) for s in self.symbols]

    def _line_kind(self, weights: np.ndarray | None) -> str:
        """Return kind of a weighted line.

        That of its members with a non-zero weight (``"mixed"`` when stocks and indexes are
        combined).
        """
        kinds = self.return_kinds
        if weights is not None and len(weights) == len(kinds):
            w = np.nan_to_num(np.asarray(weights, dtype=np.float64))
            kinds = [k for k, x in zip(kinds, w, strict=True) if x != 0] or kinds
        return combined_return_kind(kinds)

    @property
    def residual_label(self) -> str | None:
        """Key of the residual market noise in ``contributions`` (None without one)."""
        return (self.residual or {}).get("label")

    def attribution_pp(self) -> Any:
        """Return the Shapley contributions, driver x symbol (percentage points).

        A DataFrame; the contributions are to the noise-free forecast's simple return. None when the
        run has no attribution.
        """
        import pandas as pd

        a = self.attribution
        if not a or not a.get("drivers"):
            return None
        return pd.DataFrame({s: [a["contributions_pp"][d][j] for d in a["drivers"]]
                             for j, s in enumerate(a["symbols"])},
                            index=pd.Index(a["drivers"], name="driver"))

    def top_driver(self) -> list[str | None]:
        """Per symbol, the driver that moves it most.

        The largest Shapley contribution (pp of the noise-free return) in absolute value; for a
        result without an attribution, the largest mean log contribution. None when every
        contribution is zero. The residual noise is not a driver and is never named here.
        """
        pp = self.attribution_pp()
        if pp is not None:
            out_pp: list[str | None] = []
            for s in self.symbols:
                col = pp[s].abs()
                out_pp.append(str(col.idxmax()) if float(col.max()) > 0 else None)
            return out_pp
        out: list[str | None] = []
        noise = self.residual_label
        names = [k for k in self.contribution_mean if k != noise]
        if not names:
            return [None] * self.n_symbols
        means = np.stack([self.contribution_mean[k] for k in names])  # (k, n)
        for j in range(self.n_symbols):
            col = np.abs(means[:, j])
            i = int(np.argmax(col))
            out.append(names[i] if col[i] > 0 else None)
        return out

    def contribution_means(self) -> Any:
        """DataFrame symbol x driver of mean log contributions."""
        import pandas as pd

        data = dict(self.contribution_mean)
        return pd.DataFrame(data, index=pd.Index(self.symbols, name="symbol"))

    def summary(self, quantiles: tuple[float, float] = (0.05, 0.95)) -> Any:
        """Per-symbol table: baseline, median/mean predictions and the ``quantiles`` band.

        Columns: ``currency``, ``return_kind`` (total/price), ``baseline_date``, ``baseline_price``,
        ``median_price``, ``price_p05``, ``price_p95``, ``mean_price``, ``mean_return``,
        ``median_return``, ``return_p05``, ``return_p95``, ``prob_up``, ``top_driver``,
        ``top_driver_log`` (returns as fractions; ``p05``/``p95`` named after ``quantiles``).
        """
        import pandas as pd

        lo, hi = quantiles
        tag_lo, tag_hi = f"p{round(lo * 100):02d}", f"p{round(hi * 100):02d}"
        from valuation.mc_error import (
            median_se_ranks,
            median_standard_error,
            probability_standard_error,
        )

        ret = self.predicted_return
        draws = ret.shape[0]
        if draws >= 2 and not _all_finite(ret):
            median_standard_error(ret)  # raises its located error, as before
        # the band, the median and the order statistics of the median's standard error, from
        # one partition (numpy.quantile's values, bit for bit)
        q_ret, around_median = _column_quantiles(
            ret, [lo, 0.5, hi], median_se_ranks(draws) if draws >= 2 else ())
        # price = P0 * (1 + return) is increasing and affine, so its quantiles (with linear
        # interpolation) are the same map of the return quantiles
        q_px = self.baseline_price * (1.0 + q_ret)
        top = self.top_driver()
        means = self.contribution_mean
        top_val = [float(means[t][j]) if t is not None and t in means else 0.0
                   for j, t in enumerate(top)]
        pp = self.attribution_pp()
        top_pp = [float(pp.at[t, s]) if pp is not None and t is not None else math.nan
                  for s, t in zip(self.symbols, top, strict=True)]
        point = (self.point_return if self.point_return is not None
                 else np.full(self.n_symbols, np.nan))
        prob_up = _count_positive(ret) / draws  # = (ret > 0).mean(axis=0), exactly
        mean_return = ret.mean(axis=0)
        med_se = (0.5 * (around_median[1] - around_median[0]) if draws >= 2
                  else np.full(self.n_symbols, np.nan))
        df = pd.DataFrame({
            "currency": self.currencies,
            "return_kind": self.return_kinds,
            "baseline_date": self.baseline_date,
            "baseline_price": self.baseline_price,
            "median_price": q_px[1],
            f"price_{tag_lo}": q_px[0],
            f"price_{tag_hi}": q_px[2],
            "mean_price": self.baseline_price * (1.0 + mean_return),
            "mean_return": mean_return,
            "median_return": q_ret[1],
            f"return_{tag_lo}": q_ret[0],
            f"return_{tag_hi}": q_ret[2],
            "prob_up": prob_up,
            "top_driver": top,
            "top_driver_log": top_val,
            "top_driver_pp": top_pp,
            "point_return": point,
            "median_return_se": med_se,
            "prob_up_se": probability_standard_error(prob_up, draws),
        }, index=pd.Index(self.symbols, name="symbol"))
        return df

    def index_summary(self, quantiles: tuple[float, float] = (0.05, 0.95)) -> Any:
        """Return the index-level rows.

        ``after`` = re-weighted, ``before`` = baseline weights; an empty frame when the run has no
        index line. ``return_kind`` is that of the weighted members (total for stocks, price for
        index levels, ``mixed``).
        """
        import pandas as pd

        from valuation.mc_error import quantiles_and_order_statistics

        lo, hi = quantiles
        tag_lo, tag_hi = f"p{round(lo * 100):02d}", f"p{round(hi * 100):02d}"
        rows = {}
        for label, arr, w in (("index", self.index_return, self.index_weights_after),
                              ("index (baseline weights)", self.index_return_before, self.index_weights_before)):
            if arr is None:
                continue
            q = quantiles_and_order_statistics(arr, [lo, 0.5, hi])[0]  # numpy.quantile's, bit for bit
            rows[label] = {"return_kind": self._line_kind(w),
                           "mean_return": float(arr.mean()), "median_return": q[1],
                           f"return_{tag_lo}": q[0], f"return_{tag_hi}": q[2],
                           "prob_up": float((arr > 0).mean())}
        return pd.DataFrame.from_dict(rows, orient="index")

    # ------------------------------------------------------------------ serialization
    def to_dict(self, *, include_draws: bool = True) -> dict[str, Any]:
        """Return a JSON-safe dict (NaN -> None).

        With ``include_draws`` (default) every draw the result holds is kept and :meth:`from_dict`
        round-trips exactly; without, only the summaries and inputs.
        """
        summary = self.summary()
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "kind": "scenario_result",
            "name": self.name,
            "symbols": list(self.symbols),
            "currencies": list(self.currencies),
            "as_of": self.as_of,
            "horizon": self.horizon,
            "horizon_years": self.horizon_years,
            "baseline_date": list(self.baseline_date),
            "seed": self.seed,
            "draws": self.draws,
            "index_scheme": self.index_scheme,
            "return_kind": self.return_kind,
            "return_kinds": dict(zip(self.symbols, self.return_kinds, strict=True)),
            "benchmarks": _clean(self.benchmarks),
            "inputs": _clean(self.inputs),
            "data_sources": _clean(self.data_sources),
            "file": self.file,
            "file_sha256": self.file_sha256,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "grid_point": _clean(self.grid_point),
            "residual": _clean(self.residual),
            "summary": _clean(summary.reset_index().to_dict(orient="records")),
            "index_summary": _clean(self.index_summary().reset_index(names="line").to_dict(orient="records")),
            "contribution_means": _clean(dict(self.contribution_mean)),
            "attribution": _clean(self.attribution),
        }
        for name in _ARRAYS_1D:
            out[name] = _to_list(getattr(self, name)) if name in ("baseline_price", "index_weights_before",
                                                                  "index_weights_after") else None
        if self.pnl is not None:
            from scenarios.engine.pnl import pnl_summary

            out["pnl"] = _clean(pnl_summary(self.pnl, include_draws=include_draws))
        if include_draws:
            for name in _ARRAYS_2D:
                out[name] = _to_list(getattr(self, name))
            out["contributions"] = {k: _to_list(v) for k, v in self.contributions.items()}
            out["index_return"] = _to_list(self.index_return)
            out["index_return_before"] = _to_list(self.index_return_before)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScenarioResult:
        """Inverse of :meth:`to_dict` (needs ``include_draws=True``)."""
        if "predicted_price" not in data:
            raise ValueError("this result was saved without draws (to_dict(include_draws=False)); "
                             "it cannot be rebuilt")
        kw: dict[str, Any] = {k: data.get(k) for k in (
            "name", "symbols", "currencies", "as_of", "horizon", "horizon_years", "baseline_date",
            "seed", "draws", "index_scheme", "benchmarks", "inputs", "data_sources", "file",
            "file_sha256", "warnings", "notes", "grid_point", "return_kind", "residual",
            "attribution")}
        kw["benchmarks"] = kw["benchmarks"] or {}
        kw["inputs"] = kw["inputs"] or {}
        kw["data_sources"] = kw["data_sources"] or {}
        kw["warnings"] = kw["warnings"] or []
        kw["notes"] = kw["notes"] or []
        kw["grid_point"] = kw["grid_point"] or {}
        kw["return_kind"] = kw["return_kind"] or "total"
        for name in _ARRAYS_2D + _ARRAYS_1D:
            kw[name] = _from_list(data.get(name))
        a = kw["attribution"]
        kw["point_return"] = (np.array(a["total_pp"], dtype=np.float64) / 100.0
                              if a and a.get("total_pp") is not None else None)
        kw["contributions"] = {k: _from_list(v) for k, v in (data.get("contributions") or {}).items()}
        kw["contribution_mean"] = {k: _from_list(v) for k, v in (data.get("contribution_means") or {}).items()}
        return cls(**kw)
