"""The report's portfolio P&L.

A fan chart of the predicted P&L (per unit of gross notional) from as_of to the horizon, the
realised P&L path on top once known, and a small table.

The engine predicts the horizon only: the fan joins 0 at as_of to the horizon quantiles with the
median moving linearly in time and the spread around it growing with the square root of time
(no path is simulated); at the horizon each band edge is the quantile of the draws exactly.
The realised path is the buy-and-hold P&L before costs on each session, from the legs' closes
(stocks adjusted, index levels not), the end point after costs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np

from scenarios.report.model import PnlFanData
from scenarios.results import PnlForecast, PnlScore, RunResult

__all__ = ["pnl_fan_chart", "pnl_fan_data", "pnl_section"]


def _realized_path(run: RunResult, pnl: PnlForecast, source: Any) -> tuple[tuple[dt.date, ...], np.ndarray]:
    """Return the daily realised P&L before costs per unit of gross.

    Empty when a leg has no prices, or when the index leg is held (its daily path needs every
    member).
    """
    import pandas as pd

    from scenarios.report.adapters import _prices

    if any(p.source == "index" for p in pnl.positions):
        return (), np.empty(0)
    a, h = dt.date.fromisoformat(run.as_of[:10]), dt.date.fromisoformat(run.horizon[:10])
    cols = {}
    for p in pnl.positions:
        days, closes = _prices(p.symbol, a - dt.timedelta(days=14), h, source)
        if not days:
            return (), np.empty(0)
        s = pd.Series(closes, index=pd.DatetimeIndex(days))
        base = s.loc[:pd.Timestamp(a)]
        if base.empty or len(s.loc[pd.Timestamp(a) + pd.Timedelta(days=1):]) == 0:
            return (), np.empty(0)
        cols[p.symbol] = s.loc[pd.Timestamp(a) + pd.Timedelta(days=1):] / float(base.iloc[-1]) - 1.0
    frame = pd.DataFrame(cols).sort_index().ffill().dropna()
    if frame.empty:
        return (), np.empty(0)
    pnl_path = sum(((1.0 if p.side == "long" else -1.0) * p.notional
                    * ((1 + frame[p.symbol]) * (1 + p.fx_change) - 1.0)) for p in pnl.positions) / pnl.gross_notional
    dates = (a, *(d.date() for d in frame.index))
    return dates, np.concatenate([[0.0], np.asarray(pnl_path, dtype=np.float64)])


def pnl_fan_data(run: RunResult, score: PnlScore | None = None, source: Any = None,
                 read_prices: bool = True) -> PnlFanData | None:
    """Return the fan of ``run.pnl`` (None without a portfolio), with the realised P&L of ``score``."""
    p = run.pnl
    if p is None or p.median is None or p.p05 is None or p.p95 is None:
        return None
    q = {0.05: p.p05, 0.5: p.median, 0.95: p.p95}
    if p.p25 is not None and p.p75 is not None:
        q.update({0.25: p.p25, 0.75: p.p75})
    dates: tuple[dt.date, ...] = ()
    path = np.empty(0)
    if score is not None and score.realized is not None and read_prices:
        dates, path = _realized_path(run, p, source)
    return PnlFanData(
        as_of=dt.date.fromisoformat(run.as_of[:10]), horizon=dt.date.fromisoformat(run.horizon[:10]),
        base_currency=p.base_currency, quantiles={float(k): float(v) for k, v in q.items()},
        mean=float(p.mean or 0.0), prob_loss=float(p.prob_loss or 0.0), var_05=p.var_05, es_05=p.es_05,
        return_basis=p.return_basis, positions=tuple(f"{x.side} {x.symbol} {x.notional:g}" for x in p.positions),
        costs_bps=p.costs_bps, realized=score.realized if score is not None else None,
        realized_basis=score.return_basis if score is not None else None,
        pit=score.pit if score is not None else None, realized_dates=dates, realized_path=path)


def fan_paths(data: PnlFanData, steps: int = 48) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """Dates and quantile paths of the fan (see the module docstring)."""
    start, end = np.datetime64(data.as_of, "D"), np.datetime64(data.horizon, "D")
    total = max(int((end - start).astype(int)), 1)
    offsets = np.linspace(0.0, float(total), steps + 1)
    frac = offsets / total
    dates = start + np.round(offsets).astype("timedelta64[D]")
    mid = data.quantiles[0.5]
    return dates, {q: frac * mid + np.sqrt(frac) * (v - mid) for q, v in data.quantiles.items()}


def pnl_fan_chart(data: PnlFanData) -> Any:
    """Return the P&L fan (percent of gross notional) with the realised path when known."""
    from scenarios.report.charts import (
        _PCT,
        PALETTE,
        _date_axis,
        _figure,
        _fmt_pct,
        style,
    )

    with style():
        fig = _figure(6.2, 3.7, margins=(0.72, 0.78, 0.36, 0.4))
        ax = fig.add_subplot()
        dates, paths = fan_paths(data)
        for (lo, hi), alpha in (((0.05, 0.95), 0.16), ((0.25, 0.75), 0.32)):
            if lo in paths and hi in paths:
                ax.fill_between(dates, paths[lo], paths[hi], color=PALETTE["fan"], alpha=alpha, lw=0,
                                label=f"Predicted P&L {lo * 100:.0f}–{hi * 100:.0f}%")
        ax.plot(dates, paths[0.5], color=PALETTE["fan"], lw=1.5, ls="--", label="Predicted median")
        hz = np.datetime64(data.horizon, "D")
        ax.annotate(f"median {_fmt_pct(data.quantiles[0.5])}", (hz, data.quantiles[0.5]), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=7.5, color=PALETTE["fan"])
        if len(data.realized_dates):
            ax.plot(np.array([np.datetime64(d, "D") for d in data.realized_dates]), data.realized_path,
                    color=PALETTE["realized"], lw=1.3, label="Realised (before costs)")
        if data.realized is not None:
            ax.plot([hz], [data.realized], marker="D", ms=4.5, color=PALETTE["realized"], zorder=5)
            ax.annotate(f"realised {_fmt_pct(data.realized)}", (hz, data.realized),
                        xytext=(6, 9 if data.realized >= data.quantiles[0.5] else -9),
                        textcoords="offset points", va="center", fontsize=7.5, color=PALETTE["realized"])
        ax.axhline(0.0, color=PALETTE["muted"], lw=0.6, ls=":")
        _date_axis(ax)
        ax.yaxis.set_major_formatter(_PCT)
        ax.set_ylabel(f"P&L, % of gross notional ({data.base_currency})")
        ax.set_title(f"Portfolio P&L at {data.horizon.isoformat()}: {', '.join(data.positions)}")
        ax.margins(x=0.02)
        xmin, xmax = ax.get_xlim()
        ax.set_xlim(xmin, xmax + (xmax - xmin) * 0.22)
        fig.legend(loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=4, fontsize=7.2,
                   handlelength=1.6, columnspacing=1.2)
    return fig


def pnl_section(data: PnlFanData, charts: Mapping[str, Any]) -> str:
    """Return the HTML section (figure, a table of the distribution, the return basis)."""
    from html import escape

    from scenarios.report.html import _figure, _pct_cell, _section, _table

    cells = [("Expected", data.mean, "mean"), ("Median", data.quantiles[0.5], "median"),
             ("5%", data.quantiles[0.05], "p05"), ("95%", data.quantiles[0.95], "p95"),
             ("P(loss)", data.prob_loss, "prob_loss"), ("5% VaR (loss)", data.var_05, "var_05"),
             ("5% ES (loss)", data.es_05, "es_05")]
    if data.realized is not None:
        cells.append(("Realised", data.realized, "realized"))
    unsigned = {"prob_loss", "var_05", "es_05"}
    row = "<tr>" + "".join(_pct_cell(v, f, "pnl", signed=f not in unsigned) for _, v, f in cells) + "</tr>"
    table = _table([(h, True) for h, _, _ in cells], [row], "pnl-table")
    body = (_figure(charts["pnl-fan"]) if "pnl-fan" in charts else "") + table
    basis = data.realized_basis or data.return_basis
    body += f'<p class="note">Return basis: {escape(basis)}. Costs: {data.costs_bps:g} bps of notional traded.</p>'
    return _section("pnl", "Portfolio P&L", body,
                    f"P&L in {data.base_currency} per unit of gross notional, buy and hold from as_of "
                    "to the horizon, after costs; value-at-risk and expected shortfall are losses.")
