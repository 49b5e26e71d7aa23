"""Score one :class:`~scenarios.backtest.forecast.Forecast` against realized returns.

Per symbol: the median predicted return and the ``band`` quantiles (default 5%-95%) against
the realized return over the same window, with the error (``median - realized``),
inside-the-band, PIT (mid-rank rule) and CRPS, and the direction hit of the SIGNAL: the
noise-free forecast (``point``: every parameter at its mean, residual off), or the median for a
forecast without one (naive benchmarks). Monte Carlo medians carry sampling noise (the random
streams are keyed by symbol, so that noise even keeps its rank from window to window), which
is why direction and rank are never scored on them when a noise-free forecast exists: the hit
rate and the IC then do not depend on the seed.

IC: the Spearman correlation of the signal with the realized returns, reported only when at
least :data:`MIN_IC_NAMES` names are scored (``ic_status = "too few names"``: with 2-3 names an
IC can only be +-1 or +-0.5) and the signal's cross-sectional range exceeds
:data:`IC_SPREAD_TOLERANCE` (``"no signal"``: an identical-driver cross-section has nothing to
rank). Otherwise ``ic`` is NaN and the window is left out of the track record's IC statistics.

Across symbols: hit rate, Spearman IC, MAE, band coverage and mean CRPS over the *scored* symbols:
those whose realized window is complete (``partial="include"`` also scores windows cut short by the
end of the data; unavailable ones are never scored). Every row carries its return kind: stocks are
compared as total returns, indexes as price returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from scenarios import metrics as M
from scenarios.backtest.forecast import Forecast
from scenarios.backtest.realized import CloseCache, realized_return, realized_returns, summarize_kinds
from scenarios.data.base import PriceSource

__all__ = ["IC_SPREAD_TOLERANCE", "MIN_IC_NAMES", "MIN_INDEX_COVERAGE", "PER_SYMBOL_COLUMNS",
           "ForecastScore", "ic_status", "score_forecast"]

#: Fewest scored names for a cross-sectional IC (below: "too few names").
MIN_IC_NAMES: int = 5

#: A cross-section whose signals span no more than this (fraction of return: 0.0001 = 0.01 pp)
#: has nothing to rank: its IC is "no signal".
IC_SPREAD_TOLERANCE: float = 1e-4


def ic_status(signal: Any) -> str:
    """Return the IC status of the scored names' signals.

    ``"ok"``, ``"too few names"`` (fewer than :data:`MIN_IC_NAMES`) or ``"no signal"`` (the
    signals' range is at most :data:`IC_SPREAD_TOLERANCE`) for the scored names' signals.
    """
    x = np.asarray(signal, dtype="float64")
    x = x[np.isfinite(x)]
    if x.size < MIN_IC_NAMES:
        return "too few names"
    if float(x.max() - x.min()) <= IC_SPREAD_TOLERANCE:
        return "no signal"
    return "ok"

#: Least share of the index weight with complete realized windows for the index to be scored.
MIN_INDEX_COVERAGE: float = 0.90

PER_SYMBOL_COLUMNS = [
    "symbol", "kind", "predicted", "lower", "upper", "realized", "status", "scored", "hit",
    "error", "inside", "pit", "crps", "start_date", "end_date", "note", "signal",
]


@dataclass
class ForecastScore:
    """Result of :func:`score_forecast`.

    ``table`` has one row per symbol (columns :data:`PER_SYMBOL_COLUMNS`; returns as fractions);
    ``summary`` holds the cross-sectional metrics (``n_symbols``, ``n_scored``, ``hit_rate``,
    ``ic``, ``mae``, ``coverage``, ``nominal_coverage``, ``crps``, ``mean_pit``, ``return_kind``,
    ``status``); ``index`` the scenario's index forecast vs the realized return of the same
    portfolio (and the benchmark index's return) when it has one; ``notes`` human sentences (partial
    windows ...).
    """

    as_of: pd.Timestamp
    horizon: pd.Timestamp
    table: pd.DataFrame
    summary: dict[str, Any]
    index: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    #: benchmark -> relative-call scores (:func:`scenarios.backtest.excess.score_excess`)
    excess: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the score as a JSON-ready dict (dates as ISO strings, NaN as None)."""
        rows = []
        for rec in self.table.to_dict(orient="records"):
            for k in ("start_date", "end_date"):
                v = rec.get(k)
                rec[k] = None if v is None or pd.isna(v) else pd.Timestamp(v).date().isoformat()
            rows.append(rec)
        return {"as_of": self.as_of.date().isoformat(), "horizon": self.horizon.date().isoformat(),
                "summary": self.summary, "per_symbol": rows, "index": self.index, "notes": list(self.notes),
                "excess": self.excess}


def _check_band(band: tuple[float, float]) -> tuple[float, float]:
    lo, hi = band
    if not (0.0 <= lo < hi <= 1.0):
        raise ValueError(f"band must be two quantiles 0 <= lower < upper <= 1, got {band}")
    return float(lo), float(hi)


def score_forecast(forecast: Forecast, source: PriceSource | None = None, *,
                   band: tuple[float, float] = (0.05, 0.95),
                   partial: Literal["exclude", "include"] = "exclude",
                   realized: pd.DataFrame | None = None,
                   cache: CloseCache | None = None) -> ForecastScore:
    """Score ``forecast`` against realized returns from ``forecast.as_of`` to ``forecast.horizon``.

    ``realized`` may be given (a :func:`~scenarios.backtest.realized.realized_returns` frame)
    to avoid reloading prices; otherwise it is read from ``source`` (through ``cache``, a
    :class:`~scenarios.backtest.realized.CloseCache`, when given).
    """
    if partial not in ("exclude", "include"):
        raise ValueError(f"partial must be 'exclude' or 'include', got {partial!r}")
    lo_q, hi_q = _check_band(band)
    f = forecast
    if realized is None:
        realized = realized_returns(f.symbols, f.as_of, f.horizon, source, cache=cache)
    realized = realized.reindex(f.symbols)
    med = f.median()
    lo, hi = f.band(lo_q, hi_q)
    y = realized["return"].to_numpy(dtype="float64")
    status = realized["status"].fillna("unavailable").astype(object).to_numpy()
    ok = status == "complete"
    if partial == "include":
        ok |= status == "partial"
    ok &= np.isfinite(y)
    y_scored = np.where(ok, y, np.nan)

    sig = f.signal()
    hits = M.directional_hits(sig, y_scored)
    inside = M.in_band(lo, hi, y_scored)
    pit = M.pit(f.ensemble, y_scored)
    crps = M.crps_ensemble(f.ensemble, y_scored)
    table = pd.DataFrame({
        "symbol": f.symbols, "kind": f.kinds, "predicted": med, "lower": lo, "upper": hi,
        "realized": y, "status": status, "scored": ok, "hit": hits, "error": med - y_scored,
        "inside": inside, "pit": pit, "crps": crps,
        "start_date": realized["start_date"].to_numpy(), "end_date": realized["end_date"].to_numpy(),
        "note": realized["note"].fillna("").astype(object).to_numpy(), "signal": sig,
    })[PER_SYMBOL_COLUMNS]

    sc = table.loc[table["scored"]]
    n = int(len(sc))
    kinds = sorted(set(sc["kind"])) if n else sorted(set(f.kinds))
    ics = ic_status(sc["signal"])
    summary: dict[str, Any] = {
        "n_symbols": len(f.symbols), "n_scored": n,
        "hit_rate": M.hit_rate(sc["signal"], sc["realized"]) if n else math.nan,
        "ic": M.spearman_ic(sc["signal"], sc["realized"]) if ics == "ok" else math.nan,
        "ic_status": ics, "signal": f.signal_kind,
        "mae": M.mae(sc["predicted"], sc["realized"]) if n else math.nan,
        "coverage": float(sc["inside"].mean()) if n else math.nan,
        "nominal_coverage": hi_q - lo_q,
        "crps": float(sc["crps"].mean()) if n else math.nan,
        "mean_pit": float(sc["pit"].mean()) if n else math.nan,
        "return_kind": summarize_kinds(kinds),
        "draws": f.draws,
    }
    notes: list[str] = []
    n_partial = int((status == "partial").sum())
    n_unavail = int((status == "unavailable").sum())
    if n == 0:
        summary["status"] = "not scoreable"
        last = realized["end_date"].max()
        notes.append(
            f"not scoreable: no symbol has realized prices over the whole window "
            f"{f.as_of.date()} to {f.horizon.date()}"
            + (f" (the data ends {pd.Timestamp(last).date()})" if pd.notna(last) else ""))
    else:
        summary["status"] = "complete" if bool((status == "complete").all()) else "partial"
    if n_partial:
        ends = sorted({pd.Timestamp(d).date().isoformat() for d in
                       realized.loc[realized["status"] == "partial", "end_date"] if pd.notna(d)})
        notes.append(
            f"partial window for {n_partial} symbol(s): their data ends ({', '.join(ends[:3])}) before "
            f"the horizon {f.horizon.date()}; "
            + ("they are scored on the shorter window" if partial == "include"
               else "they are shown but not scored (use --partial include to score them)"))
    if n_unavail:
        names = [s for s, st in zip(f.symbols, status, strict=True) if st == "unavailable"]
        notes.append(f"no realized return for {', '.join(names[:6])}"
                     + (" ..." if len(names) > 6 else "") + " (see the note column)")
    if n and ics != "ok":
        notes.append(f"IC: {ics} ("
                     + (f"{n} scored name(s); an IC needs at least {MIN_IC_NAMES}" if ics == "too few names"
                        else f"the {f.signal_kind} forecasts span at most {100 * IC_SPREAD_TOLERANCE:g} pp "
                             "across the names: nothing to rank")
                     + ")")
    if len(kinds) > 1:
        notes.append("the cross-section mixes total returns (stocks) and price returns (indexes)")
    if f.baseline_dates is not None:
        off = [f"{s} ({pd.Timestamp(d).date()} vs {b.date()})"
               for s, d, b, ok_ in zip(f.symbols, table["start_date"], f.baseline_dates, ok, strict=True)
               if ok_ and pd.notna(d) and pd.Timestamp(d) != b]
        if off:
            notes.append("realized windows starting on another day than the forecast's baseline close: "
                         + ", ".join(off[:5]))

    index = (_score_index(f, source, (lo_q, hi_q), partial, table, cache)
             if f.index_return is not None else None)
    excess = _score_excess(f, table, source, cache)
    return ForecastScore(f.as_of, f.horizon, table, summary, index, notes, excess)


# --- benchmark-relative calls (issue 11 item 10): kept apart, see scenarios.backtest.excess ---

def _score_excess(f: Forecast, table: pd.DataFrame, source: PriceSource | None,
                  cache: CloseCache | None) -> dict[str, dict[str, Any]]:
    """Excess-return scores against every declared benchmark (empty without benchmarks)."""
    if not getattr(f, "benchmarks", None):
        return {}
    from scenarios.backtest.excess import score_excess

    return score_excess(f, table, source, cache)


def _score_index(f: Forecast, source: PriceSource | None, band: tuple[float, float],
                 partial: str, table: pd.DataFrame, cache: CloseCache | None = None) -> dict[str, Any]:
    """Return the scenario's index forecast against the realized return of the same portfolio.

    The realized counterpart is ``sum_i w_i * realized_i`` with the forecast's
    ``index_weights`` (fixed at ``as_of``, buy and hold): a total return, like the predicted
    one. Names without a complete window are dropped and the other weights scaled up, as
    long as the scored names carry at least :data:`MIN_INDEX_COVERAGE` of the weight
    (``weight_covered`` says how much; below it the index is not scoreable). The actual
    benchmark index's price return over the window is reported next to it, for context.
    """
    assert f.index_return is not None
    ens = f.index_return
    med = float(np.median(ens))
    lo, hi = (float(v) for v in np.quantile(ens, band))
    bench = f.index_benchmark or "HSTECH.HK"
    b = realized_return(bench, f.as_of, f.horizon, source, cache=cache)
    out: dict[str, Any] = {
        "target": "scenario portfolio (weights at as_of, buy and hold)", "kind": "total",
        "predicted": med, "lower": lo, "upper": hi, "realized": math.nan, "scored": False,
        "benchmark": bench, "benchmark_kind": b.kind, "benchmark_realized": b.value,
        "benchmark_status": b.status, "note": "",
    }
    if f.index_weights is None:
        out["note"] = "the forecast carries no index weights"
        return out
    w = f.index_weights
    held = w > 0
    scored = table["scored"].to_numpy(dtype=bool)
    use = held & scored
    covered = float(w[use].sum() / w[held].sum()) if w[held].sum() > 0 else 0.0
    out["weight_covered"] = covered
    missing = [s for s, h, ok in zip(f.symbols, held, scored, strict=True) if h and not ok]
    if covered < MIN_INDEX_COVERAGE:
        out["note"] = (f"not scoreable: no complete realized return for {', '.join(missing[:5])}"
                       + (" ..." if len(missing) > 5 else "")
                       + f" ({100 * (1 - covered):.1f}% of the index weight)")
        return out
    if missing:
        out["note"] = (f"realized over {100 * covered:.1f}% of the weight: {', '.join(missing[:5])} "
                       "lack a complete window and the other weights are scaled up")
    y = float(w[use] @ table["realized"].to_numpy(dtype="float64")[use] / w[use].sum())
    # direction of the noise-free index (the same weights on the noise-free returns), else the median
    sig = float(f.point @ w) if f.point is not None else med
    out.update(realized=y, scored=True, hit=float(M.directional_hits([sig], [y])[0]), error=med - y,
               inside=bool(lo <= y <= hi), pit=float(M.pit(ens, y)), crps=float(M.crps_ensemble(ens, y)))
    return out
