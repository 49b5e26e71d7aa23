"""HTML of the report: one self-contained page (inline CSS and SVG, no script, no network).

Every number in a table cell carries its exact value in a ``data-value`` attribute (a fraction
for returns and weights, the currency amount for prices) next to the printed text (percents,
rounded), so tools and tests can read the page without parsing formatted text. The page also
embeds the numbers it shows as JSON in ``<script type="application/json" id="run-data">``
(data, not code: browsers never execute it).

Section ids (stable, for links and tests): ``summary``, ``inputs``, ``forecast``, ``scatter``,
``index``, ``decomposition``, ``track``. A section without data keeps its id, with the class
``omitted`` and a one-line note saying why.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from importlib import resources

import numpy as np

from scenarios.report.model import (
    FAN_QUANTILES,
    FanChartData,
    MetricRow,
    ReportView,
)
from scenarios.report.spark import sparkline_svg

__all__ = ["SECTIONS", "Chart", "fmt_num", "fmt_pct", "render_html", "run_data"]

#: (id, title) of every section, in page order.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("inputs", "Scenario inputs"),
    ("forecast", "Forecast by symbol"),
    ("scatter", "Predicted vs realized"),
    ("index", "Index counterfactual"),
    ("decomposition", "Return decomposition"),
    ("track", "Walk-forward track record"),
)


@dataclass(frozen=True)
class Chart:
    """A rendered chart: stable id, title, caption and the inline ``<svg>`` markup."""

    id: str
    title: str
    caption: str
    svg: str


# --------------------------------------------------------------------------------------
# formatting (fractions in, percents out)
# --------------------------------------------------------------------------------------

def _finite(x: object) -> bool:
    return isinstance(x, (int, float, np.floating, np.integer)) and math.isfinite(float(x))


def fmt_pct(x: float | None, decimals: int = 1, sign: bool = True) -> str:
    """``0.1234 -> '+12.3%'``; ``None``/NaN -> ``'–'``."""
    if not _finite(x):
        return "–"
    v = float(x) * 100  # type: ignore[arg-type]
    if round(v, decimals) == 0:
        v = 0.0   # no "-0.0%"
        return f"{v:.{decimals}f}%"
    return f"{v:+.{decimals}f}%" if sign else f"{v:.{decimals}f}%"


def fmt_num(x: float | None, decimals: int = 2) -> str:
    """``1234.5 -> '1,234.50'``; ``None``/NaN -> ``'–'``."""
    if not _finite(x):
        return "–"
    return f"{float(x):,.{decimals}f}"  # type: ignore[arg-type]


def _cell(value: float | None, text: str, *, field: str = "", key: str = "", signed: bool = False) -> str:
    """Return a numeric ``<td>`` with its exact value in ``data-value``."""
    classes = ["num"]
    if not _finite(value):
        classes.append("na")
        dv = ""
    else:
        v = float(value)  # type: ignore[arg-type]
        dv = f' data-value="{v!r}"'
        if signed and v != 0:
            classes.append("pos" if v > 0 else "neg")
    attrs = f' data-field="{escape(field)}"' if field else ""
    attrs += f' data-key="{escape(key)}"' if key else ""
    return f'<td class="{" ".join(classes)}"{dv}{attrs}>{escape(text)}</td>'


def _decimals(v: float | None) -> int:
    """Decimals that show a plain number sensibly (18.5 -> 2, 0.0123 -> 4, 1234567 -> 0)."""
    if not _finite(v) or v == 0:
        return 2
    mag = abs(float(v))  # type: ignore[arg-type]
    return 0 if mag >= 10_000 else 2 if mag >= 1 else min(6, 2 - int(math.floor(math.log10(mag))))


def _pct_cell(value: float | None, field: str = "", key: str = "", decimals: int = 1,
              signed: bool = True) -> str:
    return _cell(value, fmt_pct(value, decimals, sign=signed), field=field, key=key, signed=signed)


def _log_cell(value: float | None, field: str = "", key: str = "") -> str:
    """Return a log-return contribution: a signed plain number (never a percent)."""
    text = "–" if not _finite(value) else f"{float(value):+.3f}"  # type: ignore[arg-type]
    return _cell(value, text, field=field, key=key, signed=True)


def _pp_cell(value: float | None, field: str = "", key: str = "", decimals: int = 1) -> str:
    """Return a difference of fractions shown in percentage points.

    The value is a difference of returns or weights stored as a fraction (``data-value`` 0.031),
    shown as ``+3.1 pp``.
    """
    text = "–" if not _finite(value) else f"{100 * float(value):+.{decimals}f} pp"  # type: ignore[arg-type]
    return _cell(value, text, field=field, key=key, signed=True)


def _num_cell(value: float | None, field: str = "", key: str = "", decimals: int = 2) -> str:
    return _cell(value, fmt_num(value, decimals), field=field, key=key)


def _table(headers: Sequence[tuple[str, bool]], rows: Iterable[str], table_id: str) -> str:
    head = "".join(f'<th{" class=num" if num else ""} scope="col">{escape(h)}</th>' for h, num in headers)
    body = "\n".join(rows)
    return (f'<div class="table-wrap"><table id="{escape(table_id)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>\n{body}\n</tbody></table></div>")


_VIEWBOX = re.compile(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"')


def _figure(chart: Chart) -> str:
    """``<figure>`` around a chart.

    Charts drawn narrower than 7 inches get the ``narrow`` class (CSS caps their width so their text
    keeps the size it was drawn at).
    """
    match = _VIEWBOX.search(chart.svg)
    narrow = " narrow" if match and float(match.group(1)) < 7 * 72 else ""
    return (f'<figure class="chart{narrow}" id="fig-{escape(chart.id)}">{chart.svg}'
            f"<figcaption>{escape(chart.caption)}</figcaption></figure>")


def _section(sid: str, title: str, body: str, intro: str = "") -> str:
    intro_html = f'<p class="intro">{escape(intro)}</p>' if intro else ""
    return (f'<section class="section" id="{sid}" data-section="{sid}">'
            f"<h2>{escape(title)}</h2>{intro_html}{body}</section>")


def _omitted(sid: str, title: str, note: str) -> str:
    return (f'<section class="section omitted" id="{sid}" data-section="{sid}" data-omitted="true">'
            f'<h2>{escape(title)}</h2><p class="note">{escape(note)}</p></section>')


# --------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------

def _header(view: ReportView) -> str:
    h = view.header
    facts: list[tuple[str, str]] = [
        ("As of", h.as_of.isoformat()),
        ("Horizon", h.horizon.isoformat()),
        ("Horizon length", f"{(h.horizon - h.as_of).days} days"),
        ("Kind", h.kind),
    ]
    if h.draws is not None:
        facts.append(("Draws", f"{h.draws:,}"))
    if h.seed is not None:
        facts.append(("Seed", str(h.seed)))
    if h.run_id:
        facts.append(("Run", h.run_id))
    if h.file_sha256:
        facts.append(("File SHA-256", h.file_sha256[:12]))
    facts.append(("Stock returns", f"{h.return_kind} (adjusted closes)"))
    if h.data_sources:
        names = sorted({r.source for r in h.data_sources})
        facts.append(("Data", f"{', '.join(names)} ({len(h.data_sources)} series)"))
    dl = "".join(f'<div><dt>{escape(k)}</dt><dd data-fact="{escape(k.lower())}">{escape(v)}</dd></div>'
                 for k, v in facts)
    title = h.title or h.name
    sub = f"Scenario <code>{escape(h.name)}</code>" if h.title and h.title != h.name else "Scenario report"
    lede = f'<p class="lede">{escape(h.description)}</p>' if h.description else ""
    return (f'<header class="report-header"><div class="page"><p class="eyebrow">{sub}</p>'
            f'<h1 id="report-title">{escape(title)}</h1>{lede}<dl class="facts">{dl}</dl></div></header>')


def _toc(view: ReportView, present: Mapping[str, bool]) -> str:
    links = ['<a href="#summary">Summary</a>', '<a href="#sources">Data sources</a>']
    for sid, title in SECTIONS:
        cls = "" if present.get(sid) else ' class="off"'
        links.insert(-1, f'<a href="#{sid}"{cls}>{escape(title)}</a>')
    return f'<nav class="toc">{"".join(links)}</nav>'


def _summary_cards(view: ReportView) -> str:
    cards: list[str] = []

    def card(label: str, value: float | None, text: str, sub: str, key: str) -> None:
        dv = f' data-value="{float(value)!r}"' if _finite(value) else ""  # type: ignore[arg-type]
        cards.append(f'<div class="card" data-key="{key}"><div class="label">{escape(label)}</div>'
                     f'<div class="value"{dv}>{escape(text)}</div><div class="sub">{escape(sub)}</div></div>')

    fans = view.fans
    if fans:
        med = float(np.median([f.median_return for f in fans]))
        card("Median predicted return", med, fmt_pct(med), f"median over {len(fans)} symbols", "median_predicted")
        up = float(np.mean([f.median_return > 0 for f in fans]))
        card("Symbols predicted up", up, fmt_pct(up, 0, sign=False), "median forecast above baseline", "share_up")
    ir = view.index_return
    if ir.get("median") is not None:
        card("Index return (median)", ir["median"], fmt_pct(ir["median"]),
             f"5–95%: {fmt_pct(ir.get('p05'))} to {fmt_pct(ir.get('p95'))}", "index_median")
    if view.scatter is not None:
        sc = view.scatter
        card("Information coefficient", sc.ic, "–" if sc.ic is None else f"{sc.ic:+.2f}",
             "Spearman, predicted vs realized", "ic")
        card("Hit rate", sc.hit_rate, fmt_pct(sc.hit_rate, 0, sign=False), "direction right", "hit_rate")
    if not cards:
        return '<div id="summary"></div>'
    return f'<div class="cards" id="summary">{"".join(cards)}</div>'


def _inputs(view: ReportView) -> str:
    inp = view.inputs
    if inp is None or not (inp.drivers or inp.claims):
        return _omitted("inputs", "Scenario inputs", view.notes.get("inputs", "The run recorded no drivers."))
    levels = (0.05, 0.5, 0.95)
    rows = []
    for d in inp.drivers:
        qcells = []
        for q in levels:
            v = d.quantiles.get(q)
            if d.unit == "fraction":
                qcells.append(_pct_cell(v, field=f"q{int(q * 100):02d}", key=f"{d.name}.{d.parameter}"))
            else:
                qcells.append(_cell(v, fmt_num(v, _decimals(v)), field=f"q{int(q * 100):02d}",
                                    key=f"{d.name}.{d.parameter}"))
        tags = "".join(f'<span class="tag">{escape(c)}</span>' for c in d.claims) or "–"
        note = f'<br><span class="note">{escape(d.note)}</span>' if d.note else ""
        kind = f'<br><span class="note">{escape(d.kind)}</span>' if d.kind and d.kind != d.name else ""
        rows.append(f'<tr data-driver="{escape(d.name)}" data-parameter="{escape(d.parameter)}">'
                    f'<td class="sym">{escape(d.name)}{kind}</td><td>{escape(d.parameter or "–")}</td>'
                    f"<td>{escape(d.applies_to)}</td><td>{escape(d.distribution)}{note}</td>"
                    f'<td class="shape">{sparkline_svg(d.spec, d.distribution) if d.spec else ""}</td>'
                    f"{''.join(qcells)}<td>{tags}</td></tr>")
    body = ""
    if inp.symbols:
        n = len(inp.symbols)
        body += f'<p>Universe ({n} symbol{"" if n == 1 else "s"}): {escape(", ".join(inp.symbols))}</p>'
    if rows:
        body += "<h3>Drivers and their distributions</h3>" + _table(
            [("Driver", False), ("Parameter", False), ("Applies to", False), ("Distribution", False),
             ("Shape", False), ("5%", True),
             ("Median", True), ("95%", True), ("Claims", False)], rows, "drivers-table")
    if inp.parameters:
        prow = [f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in inp.parameters.items()]
        body += "<h3>Other settings</h3>" + _table([("Setting", False), ("Value", False)], prow, "settings-table")
    if inp.claims:
        crow = []
        for c in inp.claims:
            src = f"<code>{escape(c.source)}</code>" if c.source else "–"
            used = "".join(f'<span class="tag">{escape(x)}</span>' for x in c.drivers) or "–"
            crow.append(f'<tr data-claim="{escape(c.id)}"><td class="sym">{escape(c.id)}</td>'
                        f"<td>{escape(c.text)}</td><td>{src}</td><td>{used}</td></tr>")
        body += "<h3>Article claims the drivers rest on</h3>" + _table(
            [("Claim", False), ("What the article says (paraphrase)", False), ("Source", False),
             ("Drivers", False)], crow, "claims-table")
    return _section("inputs", "Scenario inputs", body,
                    "What the scenario assumes: each driver's distribution (sampled once per draw) "
                    "and the article claims behind it. Percent values are fractions of price or "
                    "earnings as stated per driver.")


def _forecast(view: ReportView, charts: Mapping[str, Chart]) -> str:
    if not view.fans:
        return _omitted("forecast", "Forecast by symbol", view.notes.get("forecast", "No symbol forecasts."))
    rows = []
    named = any(f.name for f in view.fans)
    for f in view.fans:
        rows.append(
            f'<tr data-symbol="{escape(f.symbol)}"><td class="sym">{escape(f.symbol)}</td>'
            + (f"<td>{escape(f.name or '')}</td>" if named else "")
            + _num_cell(f.baseline_price, "baseline_price", f.symbol)
            + "".join(_num_cell(f.quantiles.get(q), f"price_q{int(q * 100):02d}", f.symbol) for q in (0.05, 0.5, 0.95))
            + _pct_cell(f.median_return, "median_return", f.symbol)
            + _pct_cell(f.mean_return, "mean_return", f.symbol)
            + _pct_cell(f.prob_up, "prob_up", f.symbol, decimals=0, signed=False)
            + _pct_cell(f.realized_return, "realized_return", f.symbol)
            + _pct_cell(f.pit, "pit", f.symbol, decimals=0, signed=False)
            + "</tr>")
    table = _table([("Symbol", False)] + ([("Name", False)] if named else []) + [("Baseline", True), ("P5 price", True),
                    ("Median price", True), ("P95 price", True), ("Median return", True),
                    ("Mean return", True), ("P(up)", True), ("Realized", True), ("PIT", True)],
                   rows, "forecast-table")
    figs = "".join(_figure(c) for k, c in charts.items() if k.startswith("fan-"))
    note = view.notes.get("forecast", "")
    note_html = f'<p class="note">{escape(note)}</p>' if note else ""
    return _section("forecast", "Forecast by symbol", table + note_html + f'<div class="grid2">{figs}</div>',
                    f"Predicted price at the horizon ({view.header.horizon.isoformat()}) from the baseline "
                    f"close at as_of. Returns are {view.header.return_kind} returns; PIT is the share of "
                    "draws below the realized price (a calibrated model spreads PITs evenly). In the "
                    "charts the shaded bands are the 25–75% and 5–95% ranges of the predicted price at "
                    "the horizon, joined to the baseline along a square-root-of-time path (the model "
                    "predicts the horizon only); the realized path, once known, is drawn on top.")


def _metrics_table(metrics: Sequence[MetricRow], table_id: str = "metrics-table") -> str:
    rows = []
    for m in metrics:
        if m.unit == "fraction":
            cell = _pct_cell(m.value, "metric", m.name, signed=False)
        elif m.unit == "pp":  # a fraction of return shown in percentage points (CRPS)
            text = "–" if not _finite(m.value) else f"{100 * float(m.value):.2f} pp"  # type: ignore[arg-type]
            cell = _cell(m.value, text, field="metric", key=m.name)
        else:
            integral = _finite(m.value) and float(m.value).is_integer()  # type: ignore[arg-type]
            cell = _num_cell(m.value, "metric", m.name, decimals=0 if integral else 3)
        rows.append(f'<tr data-metric="{escape(m.name)}"><td>{escape(m.name)}</td>{cell}'
                    f"<td>{escape(m.help)}</td></tr>")
    return _table([("Metric", False), ("Value", True), ("Meaning", False)], rows, table_id)


def _scatter(view: ReportView, charts: Mapping[str, Chart]) -> str:
    sc = view.scatter
    if sc is None:
        return _omitted("scatter", "Predicted vs realized", view.notes.get(
            "scatter", "The horizon has not passed yet: nothing realized to compare with."))
    rows = [
        f'<tr data-symbol="{escape(s)}"><td class="sym">{escape(s)}</td>'
        + _pct_cell(p, "predicted", s) + _pct_cell(r, "realized", s) + _pct_cell(
            (r - p) if _finite(r) and _finite(p) else None, "error", s) + "</tr>"
        for s, p, r in zip(sc.symbols, sc.predicted, sc.realized, strict=True)
    ]
    table = _table([("Symbol", False), ("Predicted", True), ("Realized", True), ("Realized − predicted", True)],
                   rows, "scatter-table")
    fig = _figure(charts["scatter"]) if "scatter" in charts else ""
    body = f'<div class="grid2 side">{fig}<div>{table}</div></div>'
    if view.metrics:
        body += "<h3>Scores</h3>" + _metrics_table(view.metrics)
    body += _excess(view)
    return _section("scatter", "Predicted vs realized", body,
                    "Each point is one symbol: the median predicted return against what happened by the "
                    "horizon. IC is the Spearman rank correlation across symbols; hit rate is the share "
                    "of symbols whose direction was right.")


def _excess(view: ReportView) -> str:
    """Relative calls: excess return over each declared benchmark, with its basis."""
    if not view.excess:
        return ""
    body = "<h3>Relative calls: excess over the benchmarks</h3>"
    for blk in view.excess:
        hr = fmt_pct(blk.hit_rate, 0, sign=False)
        line = (f"{escape(blk.benchmark)}: hit rate on the sign of excess {escape(hr)} over "
                f"{blk.n_scored} scored {'(as_of, symbol) pairs' if not blk.rows else 'names'}")
        if blk.basket_hit_rate is not None or blk.n_baskets:
            line += (f"; baskets {escape(fmt_pct(blk.basket_hit_rate, 0, sign=False))} over "
                     f"{blk.n_baskets} windows")
        line += f". Basis: {escape(blk.basis or 'unknown')}."
        if blk.forecast:
            line += f" Benchmark forecast: {escape(blk.forecast)}."
        body += f'<p data-benchmark="{escape(blk.benchmark)}">{line}</p>'
        if blk.note:
            body += f'<p class="note">{escape(blk.note)}</p>'
        if blk.rows:
            rows = [f'<tr data-symbol="{escape(r.symbol)}" data-benchmark="{escape(blk.benchmark)}">'
                    f'<td class="sym">{escape(r.symbol)}</td>'
                    + _pct_cell(r.predicted, "excess_predicted", r.symbol)
                    + _pct_cell(r.realized, "excess_realized", r.symbol)
                    + f'<td>{"-" if r.hit is None else ("yes" if r.hit else "no")}</td></tr>'
                    for r in blk.rows]
            body += ("<details><summary>Excess over " + escape(blk.benchmark) + " per symbol</summary>"
                     + _table([("Symbol", False), ("Predicted excess", True), ("Realized excess", True),
                               ("Sign right", False)], rows,
                              "excess-table-" + "".join(c if c.isalnum() else "-" for c in blk.benchmark))
                     + "</details>")
    return body


def _index(view: ReportView, charts: Mapping[str, Chart]) -> str:
    if view.index_lines is None and view.weights is None and not view.index_return:
        return _omitted("index", "Index counterfactual", view.notes.get(
            "index", "Not an index scenario: no counterfactual index or re-weighting to show."))
    body = ""
    if view.index_return:
        ir = view.index_return
        cols = [(k, h) for k, h in (("p05", "5%"), ("p25", "25%"), ("median", "Median"), ("p75", "75%"),
                                    ("p95", "95%"), ("mean", "Mean")) if ir.get(k) is not None]
        cells = "".join(_pct_cell(ir.get(k), "index_return", k) for k, _ in cols)
        body += "<h3>Predicted index return</h3>" + _table(
            [(h, True) for _, h in cols], [f"<tr>{cells}</tr>"], "index-return-table")
    if view.index_metrics:
        body += "<h3>Index forecast vs the realized index</h3>" + _metrics_table(view.index_metrics,
                                                                                 "index-metrics-table")
    if "index-lines" in charts:
        body += _figure(charts["index-lines"])
        assert view.index_lines is not None
        rows = [f'<tr data-line="{escape(k)}"><td>{escape(k)}</td>{_pct_cell(v, "cumulative_return", k)}</tr>'
                for k, v in view.index_lines.total_returns().items()]
        body += _table([("Line", False), ("Cumulative return", True)], rows, "index-lines-table")
    elif view.notes.get("index_lines"):
        body += f'<p class="note">{escape(view.notes["index_lines"])}</p>'
    if view.index_vs:
        vrows = [f'<tr data-line="{escape(r.label)}"><td>{escape(r.label)}</td>'
                 + _pct_cell(r.total_return, "total_return", r.label)
                 + _pct_cell(r.excess_return, "excess_return", r.label)
                 + _pct_cell(r.tracking_error, "tracking_error", r.label, signed=False)
                 + _num_cell(r.information_ratio, "information_ratio", r.label)
                 + _pct_cell(r.max_drawdown, "max_drawdown", r.label) + "</tr>" for r in view.index_vs]
        body += "<h3>Simulated scenario index vs the benchmarks</h3>" + _table(
            [("Line", False), ("Total return", True), ("Scenario minus line", True),
             ("Tracking error (ann.)", True), ("Information ratio", True), ("Max drawdown", True)],
            vrows, "index-vs-table")
    if "index-weights" in charts and view.weights is not None:
        w = view.weights
        body += _figure(charts["index-weights"])
        rows = [f'<tr data-symbol="{escape(s)}"><td class="sym">{escape(s)}</td>'
                + _pct_cell(b, "weight_before", s, 2, signed=False) + _pct_cell(a, "weight_after", s, 2, signed=False)
                + _pp_cell((a - b) if _finite(a) and _finite(b) else None, "weight_change", s, 2) + "</tr>"
                for s, b, a in zip(w.symbols, w.before, w.after, strict=True)]
        if w.caption:
            body += f'<p class="note" id="weights-caption">{escape(w.caption)}</p>'
        body += "<details><summary>Weights table</summary>" + _table(
            [("Symbol", False), (w.before_label, True), (w.after_label, True), ("Change (pp)", True)], rows,
            "weights-table") + "</details>"
    return _section("index", "Index counterfactual", body,
                    "HSI and HSTECH are price indexes (dividends not reinvested); baskets built from "
                    "adjusted closes are total returns. Each line and table says which.")


def _decomposition(view: ReportView, charts: Mapping[str, Chart]) -> str:
    dec = view.decomposition
    if dec is None:
        return _omitted("decomposition", "Return decomposition", view.notes.get(
            "decomposition", "The run recorded no per-driver contributions."))
    labels = list(dec.components)
    total = dec.total_log
    rows = []
    for i, s in enumerate(dec.symbols):
        cells = "".join(_log_cell(float(dec.components[k][i]), f"log_{k}", s) for k in labels)
        rows.append(f'<tr data-symbol="{escape(s)}"><td class="sym">{escape(s)}</td>{cells}'
                    + _log_cell(float(total[i]), "log_total", s)
                    + _pct_cell(float(np.expm1(total[i])), "total_simple", s) + "</tr>")
    table = _table([("Symbol", False)] + [(f"{k} (log)", True) for k in labels]
                   + [("Total (log)", True), ("exp(total) − 1", True)], rows, "decomposition-table")
    table = ("<p>Mean log-return contributions over the draws (natural logs, not percentages: "
             "−0.105 is a factor of exp(−0.105) = 0.90).</p>" + table)
    if len(dec.symbols) > 12 or dec.shapley_pp:
        table = f"<details><summary>Log contributions ({len(dec.symbols)} symbols)</summary>{table}</details>"
    body = (_figure(charts["decomposition"]) if "decomposition" in charts else "")
    if dec.shapley_pp:
        drivers = list(dec.shapley_pp)
        arows = []
        for i, s in enumerate(dec.symbols):
            cells = "".join(_pp_cell(float(dec.shapley_pp[k][i]) / 100.0, f"pp_{k}", s) for k in drivers)
            base = dec.base_pp[i] if dec.base_pp is not None else None
            point = dec.point_pp[i] if dec.point_pp is not None else None
            arows.append(f'<tr data-symbol="{escape(s)}"><td class="sym">{escape(s)}</td>{cells}'
                         + _pp_cell(None if base is None else base / 100.0, "pp_base", s)
                         + _pct_cell(None if point is None else point / 100.0, "noise_free", s) + "</tr>")
        body += ("<p>Order-invariant attribution (exact Shapley over the drivers) of the noise-free "
                 "forecast (every parameter at its mean, no market noise), in percentage points "
                 "(pp) of simple return: the drivers' pp plus the dividend carry add up to the "
                 "noise-free return exactly.</p>"
                 + _table([("Symbol", False)] + [(f"{k} (pp)", True) for k in drivers]
                          + [("no driver: dividends (pp)", True), ("noise-free return", True)],
                          arows, "attribution-table"))
    body += table
    if dec.detail:
        drivers = list(dec.detail)
        drows = []
        for i, s in enumerate(dec.symbols):
            cells = "".join(_pct_cell(float(dec.detail[k][i]), f"driver_{k}", s) for k in drivers)
            drows.append(f'<tr data-symbol="{escape(s)}"><td class="sym">{escape(s)}</td>{cells}</tr>')
        heads = [(f"{k} ({dec.groups.get(k, '?')})", True) for k in drivers]
        body += ("<details><summary>Per driver</summary>"
                 + _table([("Symbol", False)] + heads, drows, "decomposition-detail-table") + "</details>")
    return _section("decomposition", "Return decomposition", body,
                    "Percentage points (pp) of simple return, Shapley over the drivers, add up to "
                    "the noise-free return. Log-return contributions (natural logs, labelled log) add "
                    "up exactly too: earnings growth + change of the multiple (re-rating) + dividends "
                    "(+ the market noise of monte_carlo.residual, its own group) = log(1 + total "
                    "return), averaged over draws.")


def _track(view: ReportView, charts: Mapping[str, Chart]) -> str:
    tr = view.track
    if tr is None:
        return _omitted("track", "Walk-forward track record", view.notes.get(
            "track", "Not a walk-forward backtest: one forecast date only."))
    hits = tr.cumulative_hit_rate
    rows = []
    for i, d in enumerate(tr.as_of):
        key = d.isoformat()
        lo = tr.lower[i] if tr.lower.size else None
        hi = tr.upper[i] if tr.upper.size else None
        ic = tr.ic[i] if tr.ic.size else None
        hr = tr.hit_rate[i] if tr.hit_rate.size else None
        rows.append(f'<tr data-date="{key}"><td>{key}</td>' + _pct_cell(tr.predicted[i], "predicted", key)
                    + _pct_cell(lo, "lower", key) + _pct_cell(hi, "upper", key)
                    + _pct_cell(tr.realized[i], "realized", key)
                    + _num_cell(ic, "ic", key, 2) + _pct_cell(hr, "hit_rate", key, 0, signed=False)
                    + _pct_cell(hits[i], "hit_rate_running", key, 0, signed=False)
                    + "</tr>")
    lo_h, hi_h = (tr.band.replace("%", "").split("–") + ["", ""])[:2]
    table = _table([("As of", False), ("Predicted", True), (f"{lo_h}%", True), (f"{hi_h}%", True),
                    ("Realized", True), ("IC", True), ("Hit rate", True), ("Hit rate (running)", True)],
                   rows, "track-table")
    body = (_figure(charts["track-record"]) if "track-record" in charts else "") + \
        f"<details><summary>Table of all {len(tr.as_of)} forecast windows</summary>{table}</details>"
    if view.notes.get("track_notes"):
        body += f'<p class="note">{escape(view.notes["track_notes"])}</p>'
    if view.track_metrics:
        body += "<h3>Track-record scores</h3>" + _metrics_table(view.track_metrics, "track-metrics-table")
    return _section("track", "Walk-forward track record", body,
                    "The scenario re-run at each forecast date with only the data known then, scored "
                    "at its horizon.")


def _sources(view: ReportView) -> str:
    ds = view.header.data_sources
    if not ds:
        return ('<section class="section omitted" id="sources"><h2>Data sources</h2>'
                '<p class="note">The run recorded no data sources.</p></section>')
    rows = [f"<tr><td class=\"sym\">{escape(r.symbol)}</td><td>{escape(r.source)}</td>"
            f"<td>{r.first.isoformat() if r.first else '–'}</td><td>{r.last.isoformat() if r.last else '–'}</td></tr>"
            for r in ds]
    return _section("sources", "Data sources", _table(
        [("Series", False), ("Source", False), ("First date used", False), ("Last date used", False)],
        rows, "sources-table"), "Every price series the run read, with the range it used. Stock closes "
        "are adjusted for dividends and splits; index levels are not.")


# --------------------------------------------------------------------------------------
# page
# --------------------------------------------------------------------------------------

def _json_default(obj: object) -> object:
    if isinstance(obj, np.ndarray):
        return [None if not math.isfinite(v) else float(v) for v in obj.astype(float).tolist()]
    if isinstance(obj, (np.floating, np.integer)):
        return float(obj) if math.isfinite(float(obj)) else None
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise TypeError(type(obj).__name__)


def _clean(obj: object) -> object:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def run_data(view: ReportView) -> dict[str, object]:
    """Return the numbers the page shows, as plain JSON-able data (embedded as ``#run-data``)."""
    h = view.header

    def fan(f: FanChartData) -> dict[str, object]:
        return {
            "symbol": f.symbol, "baseline_price": f.baseline_price,
            "quantiles": {f"{q:.2f}": f.quantiles[q] for q in FAN_QUANTILES if q in f.quantiles},
            "median_return": f.median_return, "mean_return": f.mean_return, "prob_up": f.prob_up,
            "realized_return": f.realized_return, "pit": f.pit,
        }

    out: dict[str, object] = {
        "name": h.name, "kind": h.kind, "run_id": h.run_id, "as_of": h.as_of.isoformat(),
        "horizon": h.horizon.isoformat(), "seed": h.seed, "draws": h.draws,
        "return_kind": h.return_kind, "symbols": [fan(f) for f in view.fans],
    }
    if view.scatter is not None:
        sc = view.scatter
        out["scatter"] = {"symbols": list(sc.symbols), "predicted": sc.predicted, "realized": sc.realized,
                          "ic": sc.ic, "hit_rate": sc.hit_rate}
    if view.metrics:
        out["metrics"] = {m.name: m.value for m in view.metrics}
    if view.index_return:
        out["index_return"] = dict(view.index_return)
    if view.weights is not None:
        out["weights"] = {"symbols": list(view.weights.symbols), "before": view.weights.before,
                          "after": view.weights.after}
    if view.excess:
        out["excess"] = {b.benchmark: {"basis": b.basis, "hit_rate": b.hit_rate, "n_scored": b.n_scored,
                                       "rows": [{"symbol": r.symbol, "predicted": r.predicted,
                                                 "realized": r.realized, "hit": r.hit} for r in b.rows]}
                         for b in view.excess}
    if view.decomposition is not None:
        out["decomposition"] = {"symbols": list(view.decomposition.symbols),
                                "components": dict(view.decomposition.components)}
    if view.track is not None:
        out["track"] = {"as_of": list(view.track.as_of), "predicted": view.track.predicted,
                        "realized": view.track.realized}
    return _clean(json.loads(json.dumps(out, default=_json_default)))  # type: ignore[return-value]


def _css() -> str:
    return resources.files("scenarios.report").joinpath("assets/report.css").read_text(encoding="utf-8")


def _sensitivity(view: ReportView, charts: Mapping[str, Chart]) -> str:
    """Return the tornado (``scenarios sensitivity``): chart and one row per symbol and parameter."""
    t = view.tornado
    rows = "".join(
        f"<tr><td>{escape(s)}</td><td>{escape(b.param)}</td><td>{fmt_pct(b.low_return)}</td>"
        f"<td>{fmt_pct(b.high_return)}</td><td>{100 * b.swing:.1f} pp</td></tr>"
        for s in t.symbols for b in t.bars[s])
    table = ("<table><thead><tr><th>symbol</th><th>parameter</th><th>return at low</th>"
             "<th>return at high</th><th>swing</th></tr></thead><tbody>" + rows + "</tbody></table>")
    body = (_figure(charts["tornado"]) if "tornado" in charts else "") + table
    return _section("sensitivity", "Sensitivity (tornado)", body,
                    "Noise-free returns at each parameter's 5th and 95th percentile, the others at "
                    "their means; swing in percentage points.")


def render_html(view: ReportView, charts: Mapping[str, Chart], *, version: str | None = None) -> str:
    """Return the whole page as a string.

    ``charts`` maps chart id -> :class:`Chart` (see
    :func:`scenarios.report.build_charts`); missing charts are simply not shown.
    """
    builders: dict[str, Callable[[], str]] = {
        "inputs": lambda: _inputs(view),
        "forecast": lambda: _forecast(view, charts),
        "scatter": lambda: _scatter(view, charts),
        "index": lambda: _index(view, charts),
        "decomposition": lambda: _decomposition(view, charts),
        "track": lambda: _track(view, charts),
    }
    sections = {sid: builders[sid]() for sid, _ in SECTIONS}
    if view.tornado is not None:  # after the decomposition: what moves the noise-free return most
        items = list(sections.items())
        at = next((i + 1 for i, (k, _) in enumerate(items) if k == "decomposition"), len(items))
        sections = dict(items[:at] + [("sensitivity", _sensitivity(view, charts))] + items[at:])
    if view.pnl is not None:  # the portfolio block's P&L, after the forecast (scenarios.report.pnl)
        from scenarios.report.pnl import pnl_section

        items = list(sections.items())
        at = next((i + 1 for i, (k, _) in enumerate(items) if k == "forecast"), len(items))
        sections = dict(items[:at] + [("pnl", pnl_section(view.pnl, charts))] + items[at:])
    present = {sid: 'data-omitted="true"' not in html for sid, html in sections.items()}
    data = json.dumps(run_data(view), ensure_ascii=False, sort_keys=True, allow_nan=False)
    # inside <script> the HTML parser ends the block at "</script" and enters an escaped state at
    # "<!--": JSON's own \u escapes keep "<", ">" and "&" out of the block (JSON.parse restores them)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    title = view.header.title or view.header.name
    footer = (f"<footer>Generated by narrative-scenarios{(' ' + escape(version)) if version else ''}. "
              "Fractions are stored, percents printed. Forecasts are scenario outputs, not advice.</footer>")
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}: scenario report</title>",
        f"<style>{_css()}</style>",
        f'<script type="application/json" id="run-data">{data}</script>',
        "</head><body>",
        _header(view),
        '<main class="page">',
        _toc(view, present),
        _summary_cards(view),
        *sections.values(),
        _sources(view),
        footer,
        "</main></body></html>",
        "",
    ])
