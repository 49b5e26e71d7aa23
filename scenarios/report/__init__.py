"""Self-contained HTML reports (inline SVG charts, no network) and PNG charts for slides.

Pipeline: typed result (:mod:`scenarios.results`) --:mod:`.sources` / :mod:`.adapters`-->
:class:`~scenarios.report.model.ReportView` --:func:`build_charts`--> charts (matplotlib) -->
:func:`render_report` (HTML string) / :func:`write_report` (file, optional PNGs).

Public API::

    view = view_for_result(result)                 # scenarios.report.sources
    html = render_report(view)                     # one self-contained page
    write_report(view, "report.html", png_dir="slides/")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scenarios.report.model import ReportView

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from scenarios.report.html import Chart

__all__ = ["ChartSpec", "ReportView", "build_charts", "chart_specs", "render_report", "write_report"]


@dataclass(frozen=True)
class ChartSpec:
    """A chart the report will draw: id (also the PNG file name), title, caption, figure factory."""

    id: str
    title: str
    caption: str
    make: Callable[[], Figure]


def ordinal(n: int) -> str:
    """English ordinal of an integer: 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 63rd, 73rd."""
    if 10 <= abs(n) % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(abs(n) % 10, "th")
    return f"{n}{suffix}"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")


def chart_specs(view: ReportView) -> list[ChartSpec]:
    """Every chart ``view`` has data for, in page order."""
    from scenarios.report import charts as c

    specs: list[ChartSpec] = []
    for f in view.fans:
        caption = (f"{f.symbol}: {100 * f.prob_up:.0f}% of draws end above the baseline"
                   + (f"; realized {100 * f.realized_return:+.1f}% sits at the "
                      f"{ordinal(round(100 * f.pit))} percentile of the draws."
                      if f.realized_return is not None and f.pit is not None else "."))
        specs.append(ChartSpec(f"fan-{_slug(f.symbol)}", f"{f.symbol} fan chart", caption,
                               lambda f=f: c.fan_chart(f)))  # type: ignore[misc]
    if view.scatter is not None:
        specs.append(ChartSpec("scatter", "Predicted vs realized return",
                               "Green: direction right; red: wrong. Horizontal bars: the predicted "
                               f"{view.scatter.interval} range. Dashed: perfect forecast.",
                               lambda: c.scatter_chart(view.scatter)))  # type: ignore[arg-type]
    if view.index_lines is not None:
        start = ("the close before the first date (every line rebased to 100 there)"
                 if view.index_lines.base is not None else "the first common date")
        specs.append(ChartSpec("index-lines", "Counterfactual vs actual index",
                               f"Cumulative return from {start}; dashed: the counterfactual "
                               "(re-weighted) index. Vertical lines: as_of and rebalance days.",
                               lambda: c.index_chart(view.index_lines)))  # type: ignore[arg-type]
    if view.weights is not None:
        specs.append(ChartSpec("index-weights", "Index weights before and after",
                               "Grey: weights before re-weighting; blue: after.",
                               lambda: c.weights_chart(view.weights)))  # type: ignore[arg-type]
    if view.decomposition is not None:
        specs.append(ChartSpec("decomposition", "Return decomposition",
                               ("Each driver's contribution in percentage points of the noise-free "
                                "return (exact Shapley, order-invariant); the diamond is the drivers' "
                                "sum (the dividend carry is in the table)."
                                if view.decomposition.shapley_pp else
                                "Stacked log-return contributions per symbol (natural logs, mean over "
                                "draws); the diamond is their sum, log(1 + total return)."),
                               lambda: c.decomposition_chart(view.decomposition)))  # type: ignore[arg-type]
    if view.tornado is not None:
        from scenarios.sensitivity import tornado_figure

        t = view.tornado
        specs.append(ChartSpec("tornado", "Sensitivity (tornado)",
                               "Each random driver parameter swept from its 5th to its 95th "
                               "percentile, every other at its mean, no market noise (red: low value, "
                               "blue: high value), around the noise-free return.",
                               lambda: tornado_figure(t)))
    if view.track is not None:
        specs.append(ChartSpec("track-record", "Walk-forward track record",
                               "Top: forecast (median and 5–95% band) and realized return per "
                               "forecast date. Bottom: running hit rate and per-date IC.",
                               lambda: c.track_chart(view.track)))  # type: ignore[arg-type]
    if view.pnl is not None:  # the portfolio block (scenarios.report.pnl)
        from scenarios.report.pnl import pnl_fan_chart

        pnl = view.pnl
        caption = (f"P&L per unit of gross notional ({pnl.base_currency}): {100 * pnl.prob_loss:.0f}% of "
                   "draws lose" + (f"; realised {100 * pnl.realized:+.1f}%" if pnl.realized is not None else "")
                   + ". Bands joined to 0 at as_of (the horizon is what is predicted).")
        specs.append(ChartSpec("pnl-fan", "Portfolio P&L fan chart", caption, lambda: pnl_fan_chart(pnl)))
    return specs


def build_charts(view: ReportView, png_dir: str | Path | None = None) -> dict[str, Chart]:
    """Draw every chart once: inline SVG for the page, and ``<png_dir>/<id>.png`` when asked."""
    from scenarios.progress import progress
    from scenarios.report import charts as c
    from scenarios.report.html import Chart

    out: dict[str, Chart] = {}
    specs = chart_specs(view)
    for spec in progress(specs, total=len(specs), description="drawing charts"):
        fig = spec.make()
        out[spec.id] = Chart(spec.id, spec.title, spec.caption, c.to_svg(fig, spec.id, spec.title))
        if png_dir is not None:
            c.to_png(fig, Path(png_dir) / f"{spec.id}.png")
    return out


def render_report(view: ReportView, png_dir: str | Path | None = None) -> str:
    """Return the report as one self-contained HTML string (optionally also writing PNGs)."""
    from scenarios import __version__
    from scenarios.report.html import render_html

    return render_html(view, build_charts(view, png_dir), version=__version__)


def write_report(view: ReportView, out: str | Path, png_dir: str | Path | None = None) -> Path:
    """Write the HTML report to ``out`` (parent folders created) and return its path."""
    from scenarios.outputs import check_folder, write_text

    path = Path(out)
    check_folder(path.parent)
    return write_text(path, render_report(view, png_dir))
