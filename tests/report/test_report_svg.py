"""The page's charts written as SVG text (scenarios.report.svg): every chart there, well-formed XML,
text from files escaped, and the drawing agrees with the numbers (read back through the axis ticks)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.report import build_charts, chart_specs, render_report
from scenarios.report.model import (
    DecompositionBars,
    FanChartData,
    ReportHeader,
    ReportView,
    WeightsBars,
)
from scenarios.report.svg import date_ticks, fan_svg, nice_ticks

NS = "{http://www.w3.org/2000/svg}"
AS_OF, HORIZON = dt.date(2025, 1, 2), dt.date(2025, 7, 2)


def _xml(svg: str) -> ET.Element:
    return ET.fromstring(svg)   # raises on anything that is not well-formed XML


def _y_of_value(root: ET.Element, axis: str = "y"):
    """The chart's own data -> y map, read back from two tick labels (value, y position)."""
    ticks = [(float(t.attrib["data-value"]), float(t.attrib["y"])) for t in root.iter(f"{NS}text")
             if t.attrib.get("data-axis") == axis]
    assert len(ticks) >= 2, "an axis needs two labelled ticks"
    (v0, y0), (v1, y1) = ticks[0], ticks[-1]
    return lambda v: y0 + (v - v0) * (y1 - y0) / (v1 - v0), abs((y1 - y0) / (v1 - v0))


def _fan(symbol: str = "0700.HK", *, name: str | None = None, realized: float | None = 0.12,
         base: float = 400.0, qs: tuple[float, ...] = (0.8, 0.92, 1.05, 1.2, 1.4)) -> FanChartData:
    days = [AS_OF - dt.timedelta(days=i) for i in range(120, -1, -1)]
    hist = base * np.exp(np.linspace(-0.2, 0.0, len(days)))
    real_days = [AS_OF + dt.timedelta(days=i) for i in range(182)]
    real = base * np.exp(np.linspace(0.0, math.log1p(realized), len(real_days))) if realized is not None else None
    kw = {"realized_dates": tuple(real_days), "realized_prices": real} if real is not None else {}
    return FanChartData(symbol=symbol, as_of=AS_OF, horizon=HORIZON, baseline_price=base,
                        quantiles=dict(zip((0.05, 0.25, 0.5, 0.75, 0.95), (base * q for q in qs), strict=True)),
                        mean_return=0.06, prob_up=0.6, history_dates=tuple(days), history_prices=hist,
                        realized_return=realized, pit=0.7 if realized is not None else None, name=name, **kw)


def test_every_chart_is_there_and_well_formed(full_view: ReportView, full_html: str) -> None:
    charts = build_charts(full_view)
    specs = chart_specs(full_view)
    assert list(charts) == [s.id for s in specs]
    assert {"scatter", "index-lines", "index-weights", "decomposition", "track-record"} <= set(charts)
    assert len([c for c in charts if c.startswith("fan-")]) == len(full_view.fans)
    for spec in specs:
        root = _xml(charts[spec.id].svg)
        assert root.tag == f"{NS}svg" and root.attrib["role"] == "img"
        assert root.attrib["data-chart"] == spec.id and root.attrib["id"] == f"svg-{spec.id}"
        assert root.find(f"{NS}title").text == spec.title           # accessible name
        assert root.find(f"{NS}desc").text == spec.caption          # and description
        assert re.fullmatch(r"0 0 [0-9.]+ [0-9.]+", root.attrib["viewBox"])
        assert len(list(root.iter(f"{NS}path"))) >= 5 and len(list(root.iter(f"{NS}text"))) >= 5
        assert f'data-chart="{spec.id}"' in full_html
        # clip paths are referenced by page-unique ids
        for el in root.iter():
            for ref in re.findall(r"url\(#([^)]+)\)", el.attrib.get("clip-path", "")):
                assert ref.startswith(f"{spec.id}-")


def test_fan_numbers_match_the_result(full_view: ReportView) -> None:
    """The median marker sits at the median price and the realized marker at the realized price,
    on the chart's own price axis; the median path ends there; the return axis agrees."""
    for fan in full_view.fans:
        root = _xml(fan_svg(fan, "f", "t"))
        y_of, pt_per_unit = _y_of_value(root)
        tol = 0.05 / pt_per_unit                   # coordinates are written to 0.01 pt
        med = next(e for e in root.iter() if e.attrib.get("data-role") == "median-end")
        assert float(med.attrib["data-value"]) == fan.quantiles[0.5]
        assert float(med.attrib["cy"]) == pytest.approx(y_of(fan.quantiles[0.5]), abs=0.05)
        path = next(e for e in root.iter(f"{NS}path") if e.attrib.get("data-role") == "median")
        last_y = float(path.attrib["d"].split(" ")[-1])
        assert (y_of(fan.quantiles[0.5]) - last_y) / pt_per_unit == pytest.approx(0.0, abs=tol)
        text = "".join(root.itertext())
        assert f"median {100 * fan.median_return:+.1f}%" in text
        if fan.realized_return is not None:
            rp = fan.baseline_price * (1 + fan.realized_return)
            real = next(e for e in root.iter() if e.attrib.get("data-role") == "realized-end")
            assert float(real.attrib["data-value"]) == pytest.approx(rp, rel=1e-12)
            assert f"realized {100 * fan.realized_return:+.1f}%" in text
        # the right axis: a return tick r sits where the price base * (1 + r) is
        for t in root.iter(f"{NS}text"):
            if t.attrib.get("data-axis") == "y2":
                r = float(t.attrib["data-value"])
                assert float(t.attrib["y"]) == pytest.approx(y_of(fan.baseline_price * (1 + r)), abs=0.02)


def test_bars_match_the_weights_and_the_decomposition(full_view: ReportView) -> None:
    charts = build_charts(full_view)
    w = full_view.weights
    root = _xml(charts["index-weights"].svg)
    bars = {(e.attrib["data-symbol"], e.attrib["data-role"]): e for e in root.iter(f"{NS}rect")
            if "data-role" in e.attrib}
    for s, b, a in zip(w.symbols, w.before, w.after, strict=True):
        assert float(bars[(s, "before")].attrib["data-value"]) == b
        assert float(bars[(s, "after")].attrib["data-value"]) == a
        # widths are proportional to the weights (bars start at 0)
        ratio = float(bars[(s, "after")].attrib["width"]) / float(bars[(s, "before")].attrib["width"])
        assert ratio == pytest.approx(a / b, rel=2e-3)
    dec = full_view.decomposition
    root = _xml(charts["decomposition"].svg)
    totals = {e.attrib["data-symbol"]: float(e.attrib["data-value"]) for e in root.iter()
              if e.attrib.get("data-role") == "total"}
    for i, s in enumerate(dec.symbols):
        assert totals[s] == pytest.approx(float(dec.total_log[i]), abs=1e-15)


def test_text_from_files_is_escaped() -> None:
    evil = '<script>alert("x")</script> & \'q\''
    fan = _fan("A&B<1>.HK", name=evil)
    dec = DecompositionBars(("A&B<1>.HK",), {evil: np.array([0.02]), "earnings": np.array([0.01])})
    w = WeightsBars(("A&B<1>.HK", "X.HK"), np.array([0.6, 0.4]), np.array([0.5, 0.5]),
                    before_label=evil, after_label="after")
    view = ReportView(header=ReportHeader("n", AS_OF, HORIZON), fans=(fan,), decomposition=dec, weights=w)
    charts = build_charts(view)
    for c in charts.values():
        root = _xml(c.svg)
        assert "<script" not in c.svg and not list(root.iter(f"{NS}script")) and not list(root.iter("script"))
    text = "".join(_xml(charts[next(k for k in charts if k.startswith("fan-"))].svg).itertext())
    assert f"A&B<1>.HK {evil}: predicted price" in text          # shown verbatim once parsed
    assert evil in "".join(_xml(charts["decomposition"].svg).itertext())
    assert evil in "".join(_xml(charts["index-weights"].svg).itertext())


def test_the_embedded_data_carry_no_draws(full_view: ReportView, full_html: str) -> None:
    """The report shows quantiles and summaries: no list in #run-data is as long as the draws."""
    data = re.search(r'<script type="application/json" id="run-data">(.*?)</script>', full_html, re.DOTALL)
    assert data is not None
    draws = full_view.header.draws
    assert draws and draws >= 1000

    def lengths(obj):
        if isinstance(obj, list):
            yield len(obj)
            for v in obj:
                yield from lengths(v)
        elif isinstance(obj, dict):
            for v in obj.values():
                yield from lengths(v)

    assert max(lengths(json.loads(data.group(1)))) < draws
    assert len(full_html) < 400_000     # five fans and six charts: a few hundred KiB at most


def test_the_page_needs_no_matplotlib() -> None:
    """Rendering the HTML (every chart) never imports matplotlib; only --png does."""
    code = (
        "import sys, datetime as dt, numpy as np\n"
        "from scenarios.report import render_report\n"
        "from scenarios.report.model import *\n"
        "f = FanChartData.from_draws('0700.HK', dt.date(2025,1,2), dt.date(2025,7,2), 400.0,"
        " 400 * np.exp(np.random.default_rng(0).normal(0, .2, 500)), realized_return=0.1)\n"
        "v = ReportView(header=ReportHeader('n', dt.date(2025,1,2), dt.date(2025,7,2)), fans=(f,),"
        " scatter=ScatterData.compute(['0700.HK', '1810.HK'], [0.1, -0.1], [0.2, 0.05]),"
        " decomposition=DecompositionBars(('0700.HK',), {'earnings': np.array([0.1])}))\n"
        "html = render_report(v)\n"
        "assert html.count('class=\"chart-svg\"') == 3, html.count('class=\"chart-svg\"')\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_deterministic_svg(full_view: ReportView) -> None:
    for spec in chart_specs(full_view):
        assert spec.svg() == spec.svg()


# --------------------------------------------------------------------------------------
# ticks and properties
# --------------------------------------------------------------------------------------

@settings(deadline=None, max_examples=100)
@given(st.floats(-1e6, 1e6), st.floats(1e-6, 1e6))
def test_nice_ticks_property(lo: float, span: float) -> None:
    span = max(span, abs(lo) * 1e-6)      # a range resolvable in floats at this magnitude
    hi = lo + span
    t = nice_ticks(lo, hi)
    assert 1 <= t.size <= 8
    assert (t >= lo - span * 1e-9).all() and (t <= hi + span * 1e-9).all()
    if t.size > 1:
        step = np.diff(t)
        assert np.allclose(step, step[0], rtol=1e-6)
        mant = step[0] / 10 ** math.floor(math.log10(step[0]))
        assert any(math.isclose(mant, m, rel_tol=1e-6) for m in (1, 2, 2.5, 5, 10))


def test_date_ticks_known_ranges() -> None:
    def days(d: dt.date) -> float:
        return float((d - dt.date(1970, 1, 1)).days)

    ticks, labels = date_ticks(days(dt.date(2024, 12, 20)), days(dt.date(2025, 12, 31)))
    assert labels == ["2025", "Mar", "May", "Jul", "Sep", "Nov"]
    assert ticks[0] == days(dt.date(2025, 1, 1))
    _, labels = date_ticks(days(dt.date(2025, 3, 10)), days(dt.date(2025, 8, 1)))
    assert labels == ["Apr 2025", "May", "Jun", "Jul", "Aug"]
    _, labels = date_ticks(days(dt.date(2025, 3, 1)), days(dt.date(2025, 3, 20)))
    assert labels[0] == "Mar 01 2025" and len(labels) <= 7
    _, labels = date_ticks(days(dt.date(2010, 1, 1)), days(dt.date(2025, 1, 1)))
    assert all(lab.isdigit() for lab in labels) and len(labels) <= 7


@settings(deadline=None, max_examples=25)
@given(base=st.floats(0.05, 50_000), qs=st.lists(st.floats(0.2, 4.0), min_size=5, max_size=5),
       realized=st.one_of(st.none(), st.floats(-0.95, 5.0)))
def test_fan_svg_property(base: float, qs: list[float], realized: float | None) -> None:
    """Any fan: well-formed, no NaN in the drawing, the median marker on the median price."""
    fan = _fan(base=base, qs=tuple(sorted(qs)), realized=realized)
    svg = fan_svg(fan, "p", "t")
    values = re.findall(r'="([^"]*)"', svg)
    assert not [v for v in values if re.search(r"(?<![a-z])(nan|inf)(?![a-z])", v.lower())]
    root = _xml(svg)
    y_of, _ = _y_of_value(root)
    med = next(e for e in root.iter() if e.attrib.get("data-role") == "median-end")
    # (tick positions are written to 0.01 pt: reading the map back from them costs a few 0.01 pt)
    assert float(med.attrib["cy"]) == pytest.approx(y_of(fan.quantiles[0.5]), abs=0.05)
    # every drawn point lies on the canvas
    w, h = (float(x) for x in root.attrib["viewBox"].split()[2:])
    for p in root.iter(f"{NS}path"):
        if p.attrib.get("clip-path"):
            continue
        for x, y in re.findall(r"[ML](-?[0-9.]+) (-?[0-9.]+)", p.attrib["d"]):   # absolute points
            assert -1 <= float(x) <= w + 1 and -1 <= float(y) <= h + 1


def test_png_still_drawn_for_slides(full_view: ReportView, tmp_path: Path) -> None:
    one = ReportView(header=full_view.header, fans=full_view.fans[:1], track=full_view.track)
    render_report(one, png_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.png")) == sorted(
        [f"{s.id}.png" for s in chart_specs(one)])
