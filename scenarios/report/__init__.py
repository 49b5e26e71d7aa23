"""Self-contained HTML reports (inline SVG charts, no network) and PNG charts for slides.

Pipeline: typed result (:mod:`scenarios.results`) --:mod:`.sources` / :mod:`.adapters`-->
:class:`~scenarios.report.model.ReportView` --:func:`build_charts`--> charts (SVG text written by
:mod:`.svg`; matplotlib, :mod:`.charts`, only for ``--png``) --> :func:`render_report` (HTML
string) / :func:`write_report` (file, optional PNGs).

Public API::

    view = view_for_result(result)                 # scenarios.report.sources
    html = render_report(view)                     # one self-contained page
    write_report(view, "report.html", png_dir="slides/")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from valuation._lazy import lazy_names

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from scenarios.report.html import Chart
    from scenarios.report.model import ReportView

__all__ = ["ChartSpec", "ReportView", "build_charts", "chart_specs", "render_report", "write_report"]

# ReportView's module (30 ms of pydantic models) loads on first use: `scenarios run` imports
# scenarios.report.scored to keep a recorded run's score, and needs no view
__getattr__, __dir__ = lazy_names(__name__, globals(), {"ReportView": "scenarios.report.model"},
                                  listed=__all__)


@dataclass(frozen=True)
class ChartSpec:
    """A chart the report will draw.

    Its id (also the PNG file name), title, caption, the matplotlib figure factory (``make``, for
    PNGs) and the inline SVG writer (``svg``, for the page: :mod:`scenarios.report.svg`, no
    matplotlib).
    """

    id: str
    title: str
    caption: str
    make: Callable[[], Figure]
    svg: Callable[[], str]


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
    from scenarios.report import svg as s

    def mpl(name: str) -> Callable[..., Figure]:   # matplotlib only when a PNG is asked for
        def draw(*args: object) -> Figure:
            from scenarios.report import charts

            return getattr(charts, name)(*args)
        return draw

    specs: list[ChartSpec] = []

    def add(cid: str, title: str, caption: str, png: Callable[[], Figure], svg: Callable[..., str],
            data: object) -> None:
        # the page's SVG and the --png figure of one chart, under one id, title and caption
        specs.append(ChartSpec(cid, title, caption, png, partial(svg, data, cid, title, caption)))

    for f in view.fans:
        caption = (f"{f.symbol}: {100 * f.prob_up:.0f}% of draws end above the baseline"
                   + (f"; realized {100 * f.realized_return:+.1f}% sits at the "
                      f"{ordinal(round(100 * f.pit))} percentile of the draws."
                      if f.realized_return is not None and f.pit is not None else "."))
        cid, title = f"fan-{_slug(f.symbol)}", f"{f.symbol} fan chart"
        add(cid, title, caption, partial(mpl("fan_chart"), f), s.fan_svg, f)
    if view.scatter is not None:
        sc = view.scatter
        cap = ("Green: direction right; red: wrong. Horizontal bars: the predicted "
               f"{sc.interval} range. Dashed: perfect forecast.")
        add("scatter", "Predicted vs realized return", cap, partial(mpl("scatter_chart"), sc), s.scatter_svg, sc)
    if view.index_lines is not None:
        start = ("the close before the first date (every line rebased to 100 there)"
                 if view.index_lines.base is not None else "the first common date")
        il = view.index_lines
        cap = (f"Cumulative return from {start}; dashed: the counterfactual "
               "(re-weighted) index. Vertical lines: as_of and rebalance days.")
        add("index-lines", "Counterfactual vs actual index", cap, partial(mpl("index_chart"), il), s.index_svg, il)
    if view.weights is not None:
        w = view.weights
        cap = "Grey: weights before re-weighting; blue: after."
        add("index-weights", "Index weights before and after", cap, partial(mpl("weights_chart"), w),
            s.weights_svg, w)
    if view.decomposition is not None:
        dec = view.decomposition
        cap = ("Each driver's contribution in percentage points of the noise-free "
               "return (exact Shapley, order-invariant); the diamond is the drivers' "
               "sum (the dividend carry is in the table)."
               if dec.shapley_pp else
               "Stacked log-return contributions per symbol (natural logs, mean over "
               "draws); the diamond is their sum, log(1 + total return).")
        add("decomposition", "Return decomposition", cap, partial(mpl("decomposition_chart"), dec),
            s.decomposition_svg, dec)
    if view.tornado is not None:
        t = view.tornado
        cap = ("Each random driver parameter swept from its 5th to its 95th "
               "percentile, every other at its mean, no market noise (red: low value, "
               "blue: high value), around the noise-free return.")

        def tornado_png() -> Figure:
            from scenarios.sensitivity import tornado_figure

            return tornado_figure(t)

        add("tornado", "Sensitivity (tornado)", cap, tornado_png, s.tornado_svg, t)
    if view.track is not None:
        tr = view.track
        cap = ("Top: forecast (median and 5–95% band) and realized return per "
               "forecast date. Bottom: running hit rate and per-date IC.")
        add("track-record", "Walk-forward track record", cap, partial(mpl("track_chart"), tr), s.track_svg, tr)
    if view.pnl is not None:  # the portfolio block (scenarios.report.pnl)
        pnl = view.pnl
        caption = (f"P&L per unit of gross notional ({pnl.base_currency}): {100 * pnl.prob_loss:.0f}% of "
                   "draws lose" + (f"; realised {100 * pnl.realized:+.1f}%" if pnl.realized is not None else "")
                   + ". Bands joined to 0 at as_of (the horizon is what is predicted).")

        def pnl_png() -> Figure:
            from scenarios.report.pnl import pnl_fan_chart

            return pnl_fan_chart(pnl)

        add("pnl-fan", "Portfolio P&L fan chart", caption, pnl_png, s.pnl_fan_svg, pnl)
    return specs


def build_charts(view: ReportView, png_dir: str | Path | None = None) -> dict[str, Chart]:
    """Write every chart's inline SVG for the page, and PNGs when ``png_dir`` is given.

    The SVG is written directly (milliseconds a chart, no matplotlib); ``<png_dir>/<id>.png`` is
    drawn with matplotlib (:mod:`scenarios.report.charts`) for slides.
    """
    from scenarios.progress import progress
    from scenarios.report.html import Chart

    out: dict[str, Chart] = {}
    specs = chart_specs(view)
    for spec in specs:
        out[spec.id] = Chart(spec.id, spec.title, spec.caption, spec.svg())
    if png_dir is not None:
        c = _charts_module()

        for spec in progress(specs, total=len(specs), description="drawing PNG charts"):
            c.to_png(spec.make(), Path(png_dir) / f"{spec.id}.png")
    return out


def _charts_module() -> Any:
    """:mod:`scenarios.report.charts` (matplotlib), or a :class:`ScenarioError` when matplotlib cannot start.

    matplotlib reads ``MPLBACKEND`` and ``MPLCONFIGDIR`` when it is imported; a bad value there is
    the environment's problem, not a bug.
    """
    try:
        from scenarios.report import charts
    except Exception as exc:  # noqa: BLE001 - whatever matplotlib raises while it starts
        from scenarios.errors import ScenarioError, foreign_reason

        raise ScenarioError(f"matplotlib could not start ({foreign_reason(exc)}); check MPLBACKEND "
                            "and MPLCONFIGDIR", field="--png") from None
    return charts


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
