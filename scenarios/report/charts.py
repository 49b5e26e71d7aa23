"""The report's charts drawn with matplotlib, for PNGs (``--png``, slides).

The page's inline charts are written as SVG text by :mod:`scenarios.report.svg` (the same charts, no
matplotlib). :func:`to_svg` stays for tests and tools that want matplotlib's SVG of a figure.

Agg, object-oriented API: no pyplot state.

Figures are built with :class:`~matplotlib.figure.Figure` on an Agg canvas, never through
``pyplot``: nothing is registered globally, so nothing needs closing and the process backend is
left alone. Each ``*_chart`` function takes a view-model object and returns a
:class:`matplotlib.figure.Figure`. :func:`to_svg` turns a figure into an inline ``<svg>`` string
(deterministic: fixed hash salt per chart, no date in the metadata, text kept as text), and
:func:`to_png` writes a PNG for slides.

Why matplotlib for PNGs: it is already a dependency (a pure wheel from the package index) and
rasterises without a browser; plotly's static export (kaleido 1.x) needs its own Chrome install,
which cannot happen offline.

Return axes print percents (values are fractions); price axes print the currency.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from scenarios.metrics import directional_hits
from scenarios.report import svg as _svg
from scenarios.report.model import (
    RESIDUAL_GROUP,
    DecompositionBars,
    FanChartData,
    IndexLines,
    ScatterData,
    TrackRecord,
    WeightsBars,
)
from scenarios.report.svg import fan_paths

__all__ = [
    "PALETTE", "decomposition_chart", "fan_chart", "fan_paths", "index_chart", "scatter_chart", "style",
    "to_png", "to_svg", "track_chart", "weights_chart",
]

PALETTE, _SERIES = _svg.PALETTE, _svg.SERIES   # one palette for the SVG and the PNG charts

_RC = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10.0,
    "axes.labelsize": 9.0,
    "axes.labelcolor": PALETTE["ink"],
    "axes.edgecolor": "#9aa5b1",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": PALETTE["grid"],
    "grid.linewidth": 0.7,
    "xtick.color": "#52606d",
    "ytick.color": "#52606d",
    "xtick.labelsize": 8.0,
    "ytick.labelsize": 8.0,
    "legend.fontsize": 8.0,
    "legend.frameon": False,
    "text.color": PALETTE["ink"],
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",          # text stays text: selectable, searchable, small
    "svg.hashsalt": "narrative-scenarios",
    "path.simplify": True,
}

_PCT = PercentFormatter(xmax=1.0, decimals=0)


@contextmanager
def style() -> Iterator[None]:
    """Apply the report's matplotlib style (rc settings) for the duration of a ``with`` block."""
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        yield


def _figure(width: float, height: float, margins: tuple[float, float, float, float] | None = None) -> Figure:
    """Return a figure on an Agg canvas.

    ``margins`` (left, right, top, bottom, in inches) fixes the axes position instead of the
    constrained layout: about 2.5x faster to draw, used for the per-symbol fan charts whose layout
    never changes.
    """
    if margins is None:
        fig = Figure(figsize=(width, height), layout="constrained")
    else:
        left, right, top, bottom = margins
        fig = Figure(figsize=(width, height))
        fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                            bottom=bottom / height)
    FigureCanvasAgg(fig)
    return fig


def _pct_axis(axis: object, decimals: int | None = None) -> None:
    axis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=decimals))  # type: ignore[attr-defined]


def _dates(values: Sequence[dt.date]) -> np.ndarray:
    return np.array([np.datetime64(d, "D") for d in values], dtype="datetime64[D]")


def _fmt_pct(x: float, decimals: int = 1, sign: bool = True) -> str:
    return f"{x * 100:+.{decimals}f}%" if sign else f"{x * 100:.{decimals}f}%"


def _date_axis(ax: object) -> None:
    loc = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(loc)  # type: ignore[attr-defined]
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------
# fan chart
# --------------------------------------------------------------------------------------

def fan_chart(data: FanChartData) -> Figure:
    """Draw a symbol's fan chart: history, forecast and realized path.

    History to ``as_of``, the predicted distribution fanning out to the horizon, and the
    realized path on top when known. Left axis: price; right axis: return vs the baseline.
    """
    with style():
        fig = _figure(6.2, 3.7, margins=(0.72, 0.78, 0.36, 0.78))
        ax = fig.add_subplot()
        if len(data.history_dates):
            ax.plot(_dates(data.history_dates), data.history_prices, color=PALETTE["ink"], lw=1.1,
                    label="History (adjusted close)")
        dates, paths = fan_paths(data)
        for (lo, hi), alpha in (((0.05, 0.95), 0.16), ((0.25, 0.75), 0.32)):
            if lo in paths and hi in paths:
                ax.fill_between(dates, paths[lo], paths[hi], color=PALETTE["fan"], alpha=alpha, lw=0,
                                label=f"Predicted {lo * 100:.0f}–{hi * 100:.0f}%")
        ax.plot(dates, paths[0.5], color=PALETTE["fan"], lw=1.5, ls="--", label="Predicted median")
        if len(data.realized_dates):
            ax.plot(_dates(data.realized_dates), data.realized_prices, color=PALETTE["realized"],
                    lw=1.4, label="Realized")
        hz = np.datetime64(data.horizon, "D")
        ax.plot([hz], [data.quantiles[0.5]], marker="o", ms=4, color=PALETTE["fan"])
        ax.annotate(f"median {_fmt_pct(data.median_return)}", (hz, data.quantiles[0.5]),
                    xytext=(6, 0), textcoords="offset points", va="center", fontsize=7.5,
                    color=PALETTE["fan"])
        if data.realized_return is not None:
            rp = data.baseline_price * (1 + data.realized_return)
            ax.plot([hz], [rp], marker="D", ms=4.5, color=PALETTE["realized"], zorder=5)
            ax.annotate(f"realized {_fmt_pct(data.realized_return)}", (hz, rp), xytext=(6, -9 if
                        rp < data.quantiles[0.5] else 9), textcoords="offset points", va="center",
                        fontsize=7.5, color=PALETTE["realized"])
        ax.axvline(np.datetime64(data.as_of, "D"), color=PALETTE["muted"], lw=0.8, ls=":")  # type: ignore[arg-type]
        ax.axhline(data.baseline_price, color=PALETTE["muted"], lw=0.6, ls=":")
        _date_axis(ax)
        ax.set_ylabel(f"Price ({data.currency})")
        name = f" {data.name}" if data.name else ""
        ax.set_title(f"{data.symbol}{name}: predicted price at {data.horizon.isoformat()}")
        base = data.baseline_price
        sec = ax.secondary_yaxis("right", functions=(lambda p: p / base - 1.0, lambda r: (1.0 + r) * base))  # type: ignore[operator]
        sec.yaxis.set_major_formatter(_PCT)
        sec.set_ylabel("Return vs baseline")
        ax.margins(x=0.02)
        xmin, xmax = ax.get_xlim()
        ax.set_xlim(xmin, xmax + (xmax - xmin) * 0.24)   # room for the annotations
        fig.legend(loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=5, fontsize=7.2,
                   handlelength=1.6, columnspacing=1.2)
    return fig


# --------------------------------------------------------------------------------------
# predicted vs realized scatter
# --------------------------------------------------------------------------------------

def scatter_chart(data: ScatterData, label_max: int = 12) -> Figure:
    """Point forecast (x) against realized return (y) per symbol, with the 45° line.

    With more than ``label_max`` symbols only the largest misses and the extremes are named
    (the table beside the chart lists every symbol).
    """
    with style():
        fig = _figure(6.2, 4.6)
        ax = fig.add_subplot()
        p, r = data.predicted, data.realized
        ok = np.isfinite(p) & np.isfinite(r)
        if data.lower.size and data.upper.size:
            ax.errorbar(p[ok], r[ok], xerr=np.vstack([p[ok] - data.lower[ok], data.upper[ok] - p[ok]]),
                        fmt="none", ecolor=PALETTE["fan"], alpha=0.35, lw=1.0,
                        label=f"Predicted {data.interval}")
        # the hit rate's rule (scenarios.metrics.directional_hits): a zero return has no
        # direction, so it is neither right nor wrong
        hits = np.nan_to_num(directional_hits(p, r), nan=-1.0)
        hit, miss = hits == 1.0, hits == 0.0
        ax.scatter(p[ok & hit], r[ok & hit], s=28, color=PALETTE["positive"], zorder=3,
                   label="Direction right", edgecolor="white", linewidth=0.6)
        ax.scatter(p[ok & miss], r[ok & miss], s=28, color=PALETTE["negative"], zorder=3,
                   label="Direction wrong", marker="X", edgecolor="white", linewidth=0.4)
        flat = ok & ~hit & ~miss
        if flat.any():
            ax.scatter(p[flat], r[flat], s=28, color=PALETTE["muted"], zorder=3,
                       label="No direction (a zero return)", edgecolor="white", linewidth=0.6)
        syms = np.asarray(data.symbols)[ok]
        px, ry = p[ok], r[ok]
        if syms.size > label_max:    # crowded: name only the largest misses and the extremes
            keep = set(np.argsort(-np.abs(ry - px), kind="stable")[:label_max - 2].tolist())
            keep |= {int(np.argmax(ry)), int(np.argmin(ry))}
        else:
            keep = set(range(syms.size))
        for i in sorted(keep):
            ax.annotate(str(syms[i]).removesuffix(".HK"), (px[i], ry[i]), xytext=(4, 3),
                        textcoords="offset points", fontsize=7, color="#3e4c59")
        vals = np.concatenate([p[ok], r[ok]]) if ok.any() else np.array([-0.1, 0.1])
        lo, hi = float(np.min(vals)), float(np.max(vals))
        pad = max((hi - lo) * 0.12, 0.02)
        lo, hi = lo - pad, hi + pad
        ax.plot([lo, hi], [lo, hi], color=PALETTE["muted"], lw=0.9, ls="--", label="Perfect forecast")
        ax.axhline(0, color="#9aa5b1", lw=0.7)
        ax.axvline(0, color="#9aa5b1", lw=0.7)
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        _pct_axis(ax.xaxis)
        _pct_axis(ax.yaxis)
        ax.set_xlabel("Predicted return (median of draws)")
        ax.set_ylabel("Realized return")
        ic = "n/a" if data.ic is None else f"{data.ic:+.2f}"
        hr = "n/a" if data.hit_rate is None else f"{data.hit_rate * 100:.0f}%"
        ax.set_title(f"Predicted vs realized return: IC {ic}, hit rate {hr} (n = {int(ok.sum())})")
        fig.legend(loc="outside lower center", ncols=4, fontsize=7.5)
    return fig


# --------------------------------------------------------------------------------------
# index lines and weights
# --------------------------------------------------------------------------------------

def index_chart(data: IndexLines) -> Figure:
    """Cumulative price return of the counterfactual index and the actual indexes."""
    with style():
        fig = _figure(9.0, 3.8)
        ax = fig.add_subplot()
        x = _dates(data.dates)
        colors = iter(_SERIES)
        for line in data.lines:
            cf = line.role == "counterfactual"
            ax.plot(x, data.relative(line), lw=2.0 if cf else 1.3, ls="--" if cf else "-",
                    color=PALETTE["realized"] if cf else next(colors), label=line.label)
        for when, label in data.markers:
            ax.axvline(np.datetime64(when, "D"), color=PALETTE["muted"], lw=0.8, ls=":")  # type: ignore[arg-type]
            ax.annotate(label, (np.datetime64(when, "D"), 1.0), xycoords=("data", "axes fraction"),
                        xytext=(3, -10), textcoords="offset points", fontsize=7, color=PALETTE["muted"])
        ax.axhline(0, color="#9aa5b1", lw=0.7)
        _pct_axis(ax.yaxis, decimals=0)
        _date_axis(ax)
        ax.set_ylabel("Cumulative price return")
        ax.set_title("Counterfactual index vs actual indexes" + (
            "" if data.base is not None else " (rebased at the first date)"))
        ax.legend(loc="best")
    return fig


def weights_chart(data: WeightsBars, top: int = 30) -> Figure:
    """Horizontal bars of index weights before and after re-weighting (largest ``top`` names)."""
    order = np.argsort(-np.nan_to_num(np.maximum(data.before, data.after)), kind="stable")[:top]
    syms = [data.symbols[i] for i in order][::-1]
    before, after = data.before[order][::-1], data.after[order][::-1]
    with style():
        fig = _figure(6.2, 1.2 + 0.26 * len(syms))
        ax = fig.add_subplot()
        y = np.arange(len(syms))
        h = 0.38
        ax.barh(y + h / 2, before, height=h, color="#9aa5b1", label=data.before_label)
        ax.barh(y - h / 2, after, height=h, color=PALETTE["fan"], label=data.after_label)
        ax.set_yticks(y, syms)
        ax.grid(axis="y", visible=False)
        _pct_axis(ax.xaxis, decimals=0)
        ax.set_xlabel("Index weight")
        ax.set_title("Index weights before and after re-weighting")
        fig.legend(loc="outside lower center", ncols=2)
    return fig


# --------------------------------------------------------------------------------------
# decomposition
# --------------------------------------------------------------------------------------

def decomposition_chart(data: DecompositionBars) -> Figure:
    """Diverging stacked bars per symbol.

    Each driver's Shapley contribution in percentage points of the noise-free simple return when the
    run has an attribution, else each component's mean log-return contribution (natural logs, not
    percents); the diamond is the total.
    """
    syms = list(data.symbols)[::-1]
    pp = bool(data.shapley_pp)
    source = {k: np.asarray(v, float) for k, v in data.shapley_pp.items()} if pp else data.components
    comps = {k: np.asarray(v, float)[::-1] for k, v in source.items()}
    with style():
        fig = _figure(6.2, 1.3 + 0.3 * len(syms))
        ax = fig.add_subplot()
        y = np.arange(len(syms))
        pos, neg = np.zeros(len(syms)), np.zeros(len(syms))
        colors = {"earnings": PALETTE["fan"], "re-rating": PALETTE["accent"], "dividends": PALETTE["positive"],
                  RESIDUAL_GROUP: PALETTE["muted"]}
        fallback = iter(_SERIES[3:] + _SERIES[:3])
        for label, vals in comps.items():
            v = np.nan_to_num(vals)
            left = np.where(v >= 0, pos, neg)
            ax.barh(y, v, left=left, height=0.6, color=colors.get(label.lower()) or next(fallback),
                    label=label, edgecolor="white", linewidth=0.5)
            pos += np.where(v >= 0, v, 0)
            neg += np.where(v < 0, v, 0)
        total = pos + neg
        ax.scatter(total, y, marker="D", s=22, color=PALETTE["ink"], zorder=4,
                   label="Drivers' total (pp)" if pp else "Total (log)")
        ax.axvline(0, color="#52606d", lw=0.8)
        ax.set_yticks(y, syms)
        ax.grid(axis="y", visible=False)
        if pp:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:+.0f} pp"))
            ax.set_xlabel("Contribution to the noise-free return, percentage points (Shapley)")
            ax.set_title("Return attribution by driver (percentage points)")
        else:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:+.2f}"))
            ax.set_xlabel("Contribution to log(1 + total return), natural log (mean over draws)")
            ax.set_title("Return decomposition (log contributions)")
        fig.legend(loc="outside lower center", ncols=len(comps) + 1)
    return fig


# --------------------------------------------------------------------------------------
# walk-forward track record
# --------------------------------------------------------------------------------------

def track_chart(data: TrackRecord) -> Figure:
    """Forecast vs realized return per ``as_of`` date (top) and the running hit rate / IC (bottom)."""
    x = _dates(data.as_of)
    with style():
        fig = _figure(9.0, 5.0)
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.6])
        if data.lower.size and data.upper.size:
            top.fill_between(x, data.lower, data.upper, color=PALETTE["fan"], alpha=0.18, lw=0,
                             label=f"Predicted {data.band}")
        top.plot(x, data.predicted, color=PALETTE["fan"], lw=1.4, marker="o", ms=3, label="Predicted (median)")
        top.plot(x, data.realized, color=PALETTE["realized"], lw=0, marker="D", ms=4, label="Realized")
        top.axhline(0, color="#9aa5b1", lw=0.7)
        _pct_axis(top.yaxis)
        top.set_ylabel("Return to horizon")
        top.set_title(f"Walk-forward track record: {data.label}")
        if data.hit_rate.size:
            bottom.plot(x, data.hit_rate, color=PALETTE["positive"], lw=0, marker="o", ms=3.5,
                        label="Hit rate (window)")
        bottom.plot(x, data.cumulative_hit_rate, color=PALETTE["positive"], lw=1.4, label="Hit rate (running)")
        if data.ic.size:
            width = max((x[-1] - x[0]).astype(int) / max(len(x), 1) * 0.6, 1.0) if len(x) > 1 else 5.0
            bottom.bar(x, data.ic, width=width, color=np.where(np.nan_to_num(data.ic) >= 0, PALETTE["alt"],
                       PALETTE["negative"]), alpha=0.7, label="IC (per date)")
        bottom.axhline(0.5, color=PALETTE["muted"], lw=0.7, ls=":")
        bottom.axhline(0, color="#9aa5b1", lw=0.7)
        bottom.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%"))
        bottom.set_ylim(min(-0.2, float(np.nanmin(data.ic)) - 0.05)
                        if data.ic.size and np.isfinite(data.ic).any() else 0, 1.0)
        bottom.set_ylabel("Hit rate / IC")
        handles, labels = [], []
        for ax in (top, bottom):
            h, lab = ax.get_legend_handles_labels()
            handles += h
            labels += lab
        fig.legend(handles, labels, loc="outside lower center", ncols=6)
        _date_axis(bottom)
        bottom.set_xlabel("Forecast date (as_of)")
    return fig


# --------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------

_SVG_ROOT = re.compile(r"<svg\b[^>]*>", re.S)


def to_svg(fig: Figure, chart_id: str, title: str = "") -> str:
    """Inline ``<svg>`` markup of ``fig`` (no XML prolog; scales to its container).

    Deterministic: the hash salt is ``chart_id`` (so clip-path ids differ between charts on one
    page and repeat across runs), the metadata carry no date, and text is kept as text.
    """
    buf = io.StringIO()
    with matplotlib.rc_context({**_RC, "svg.hashsalt": chart_id, "svg.id": f"svg-{chart_id}"}):  # type: ignore[dict-item]
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "narrative-scenarios"})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)  # RDF boilerplate
    match = _SVG_ROOT.search(text)
    assert match is not None
    root = match.group(0)
    new_root = re.sub(r'\s(width|height)="[^"]*"', "", root)
    from html import escape

    label = escape(title or chart_id, quote=True)
    new_root = new_root.replace("<svg", f'<svg class="chart-svg" role="img" aria-label="{label}"'
                                f' data-chart="{escape(chart_id, quote=True)}"', 1)
    text = text.replace(root, new_root, 1).strip()
    return _scope_ids(text, chart_id)


_ID = re.compile(r'\bid="([^"]+)"')


def _scope_ids(svg: str, chart_id: str) -> str:
    """Prefix every element id (and every ``#id`` reference) with ``chart_id``.

    matplotlib names groups ``figure_1``, ``axes_1`` ... in every SVG; inline on one page those
    ids would collide (and a ``url(#clip)`` could resolve into another chart).
    """
    root_id = f"svg-{chart_id}"
    ids = {m for m in _ID.findall(svg) if m != root_id}
    if not ids:
        return svg
    names = "|".join(re.escape(i) for i in sorted(ids, key=len, reverse=True))
    pattern = re.compile(rf'(\bid="|url\(#|href="#)({names})(?=[")])')
    return pattern.sub(lambda m: f"{m.group(1)}{chart_id}-{m.group(2)}", svg)


def to_png(fig: Figure, path: str | Path, dpi: int = 200) -> Path:
    """Write ``fig`` as a PNG (for slides) and return the path."""
    from scenarios.outputs import atomic_path, check_folder

    path = Path(path)
    check_folder(path.parent, "--png")
    with matplotlib.rc_context(_RC), atomic_path(path, "--png") as tmp:  # type: ignore[arg-type]
        fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": "narrative-scenarios"})
    return path
