"""HTML report structure: every section, numbers that match the data, self-contained, deterministic."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from report_htmlparse import parse, pct_text

from scenarios.report import render_report, write_report
from scenarios.report.html import SECTIONS, fmt_num, fmt_pct
from scenarios.report.model import ReportView

pytestmark = pytest.mark.snapshot


@pytest.fixture(scope="module")
def sparse_view(snapshot_dir: Path) -> ReportView:
    from report_synth import synthetic_view

    return synthetic_view(snapshot_dir, with_realized=False, index=False, track=False, draws=300,
                          symbols=("0700.HK", "1810.HK", "9999.HK"))


def _cells(root, table_id: str) -> list:
    tables = root.find_all("table", id=table_id)
    assert len(tables) == 1, table_id
    return [td for td in tables[0].find_all("td") if "data-value" in td.attrs]


def test_every_section_present_with_charts(full_html: str, full_view: ReportView) -> None:
    root = parse(full_html)
    for sid, title in SECTIONS:
        secs = root.find_all("section", id=sid)
        assert len(secs) == 1, sid
        sec = secs[0]
        assert "data-omitted" not in sec.attrs, f"{sid} unexpectedly omitted"
        assert title in sec.find_all("h2")[0].text
        if sid != "inputs":
            assert sec.find_all("svg"), f"section {sid} has no chart"
    # one fan chart per symbol, with title text, axis labels and a legend entry
    fans = [f for f in root.find_all("figure") if f.attrs.get("id", "").startswith("fig-fan-")]
    assert len(fans) == len(full_view.fans)
    for fig, fan in zip(fans, full_view.fans, strict=True):
        text = fig.text
        assert fan.symbol in text and "Price (HKD)" in text and "Return vs baseline" in text
        assert "Predicted 5–95%" in text and "Realized" in text
    # header facts
    h = full_view.header
    facts = {dd.attrs["data-fact"]: dd.text for dd in root.find_all("dd")}
    assert facts["as of"] == h.as_of.isoformat() and facts["horizon"] == h.horizon.isoformat()
    assert facts["data"] == f"csv:snapshot ({len(h.data_sources)} series)"
    assert root.find_all("h1")[0].text == h.title
    assert len(root.find_all("table", id="sources-table")[0].find_all("tr")) == len(h.data_sources) + 1


def test_visible_numbers_match_their_values(full_html: str) -> None:
    """Every numeric cell's text is its data-value, rounded (percent for fractions)."""
    root = parse(full_html)
    tds = [td for td in root.find_all("td") if "data-value" in td.attrs]
    assert len(tds) > 100
    for td in tds:
        value, text = float(td.attrs["data-value"]), td.text
        if text.endswith(" pp"):  # a fraction shown in percentage points
            digits = text[:-3].split(".")[-1] if "." in text else ""
            assert float(text[:-3]) == pytest.approx(100 * value, abs=0.5 * 10 ** -len(digits) + 1e-9), (text, value)
        elif text.endswith("%"):
            decimals = len(text.split(".")[1].rstrip("%")) if "." in text else 0
            assert abs(pct_text(text) - value) <= 0.5 * 10 ** -(decimals + 2) + 1e-12, (text, value)
        else:
            assert float(text.replace(",", "")) == pytest.approx(value, abs=0.5 * 10 ** -len(text.split(".")[-1]))


def test_numbers_equal_run_data_and_view(full_html: str, full_view: ReportView) -> None:
    root = parse(full_html)
    data = json.loads(root.find_all("script", id="run-data")[0].text)
    cells = {(td.attrs["data-key"], td.attrs["data-field"]): float(td.attrs["data-value"])
             for td in _cells(root, "forecast-table")}
    for fan, js in zip(full_view.fans, data["symbols"], strict=True):
        assert js["symbol"] == fan.symbol
        assert cells[(fan.symbol, "baseline_price")] == js["baseline_price"] == fan.baseline_price
        assert cells[(fan.symbol, "median_return")] == js["median_return"]
        assert cells[(fan.symbol, "price_q50")] == js["quantiles"]["0.50"] == fan.quantiles[0.5]
        assert cells[(fan.symbol, "realized_return")] == js["realized_return"]
    sc = {(td.attrs["data-key"], td.attrs["data-field"]): float(td.attrs["data-value"])
          for td in _cells(root, "scatter-table")}
    scatter = data["scatter"]
    for s, p, r in zip(scatter["symbols"], scatter["predicted"], scatter["realized"], strict=True):
        assert sc[(s, "predicted")] == p and sc[(s, "realized")] == r
        assert sc[(s, "error")] == pytest.approx(r - p, abs=1e-15)
    cards = {c.attrs["data-key"]: c for c in root.find_all("div", **{"class": "card"})}
    ic_value = cards["ic"].find_all("div", **{"class": "value"})[0]
    assert float(ic_value.attrs["data-value"]) == data["scatter"]["ic"]
    dec = {(td.attrs["data-key"], td.attrs["data-field"]): float(td.attrs["data-value"])
           for td in _cells(root, "decomposition-table")}
    comps = data["decomposition"]["components"]
    for i, s in enumerate(data["decomposition"]["symbols"]):
        parts = [comps[k][i] for k in comps]
        assert dec[(s, "log_total")] == pytest.approx(sum(parts), abs=1e-15)
        assert dec[(s, "total_simple")] == pytest.approx(np.expm1(sum(parts)), abs=1e-15)
    w = {(td.attrs["data-key"], td.attrs["data-field"]): float(td.attrs["data-value"])
         for td in _cells(root, "weights-table")}
    for s, b, a in zip(data["weights"]["symbols"], data["weights"]["before"], data["weights"]["after"], strict=True):
        assert (w[(s, "weight_before")], w[(s, "weight_after")]) == (b, a)


def test_omitted_sections_say_why(sparse_view: ReportView) -> None:
    html = render_report(sparse_view)
    root = parse(html)
    for sid in ("scatter", "index", "track"):
        sec = root.find_all("section", id=sid)[0]
        assert sec.attrs.get("data-omitted") == "true"
        assert not sec.find_all("svg") and not sec.find_all("table")
        note = sec.find_all("p")[0].text
        assert len(note) > 20
    assert "horizon has not passed" in root.find_all("section", id="scatter")[0].text
    for sid in ("inputs", "forecast", "decomposition"):
        assert "data-omitted" not in root.find_all("section", id=sid)[0].attrs
    # no realized values anywhere: the realized cells print a dash and carry no value
    realized = [td for td in root.find_all("td") if td.attrs.get("data-field") == "realized_return"]
    assert realized and all("data-value" not in td.attrs and td.text == "–" for td in realized)
    assert "Realized" not in "".join(f.text for f in root.find_all("figure"))


def test_self_contained_and_unique_ids(full_html: str) -> None:
    root = parse(full_html)
    assert not root.find_all("link") and not root.find_all("img") and not root.find_all("iframe")
    for s in root.find_all("script"):
        assert s.attrs.get("type") == "application/json" and "src" not in s.attrs
    for el in root.iter():
        for k, v in el.attrs.items():
            if k in ("src", "href", "xlink:href"):
                assert v.startswith("#") or v.startswith("data:"), (el.tag, k, v)
    assert "url(http" not in full_html and "@import" not in full_html
    ids = Counter(el.attrs["id"] for el in root.iter() if "id" in el.attrs)
    dupes = {k: n for k, n in ids.items() if n > 1}
    assert not dupes, f"duplicate ids across inline SVGs: {list(dupes)[:5]}"
    # every in-page reference (clip paths, toc links) resolves
    refs = set(re.findall(r'url\(#([^)]+)\)', full_html)) | {
        el.attrs["href"][1:] for el in root.find_all("a") if el.attrs.get("href", "").startswith("#")}
    assert refs and refs <= set(ids)


def test_deterministic(full_view: ReportView, full_html: str) -> None:
    """Same view -> byte-identical SVG and HTML (fresh figures, fixed salts, no dates)."""
    from scenarios.report import chart_specs
    from scenarios.report.html import render_html

    for spec in [s for s in chart_specs(full_view) if s.id in ("fan-0700-HK", "track-record")]:
        assert spec.svg() == spec.svg()
        assert f'data-chart="{spec.id}"' in full_html
    assert "<dc:date>" not in full_html and "<dc:date" not in full_html
    assert render_html(full_view, {}, version="x") == render_html(full_view, {}, version="x")


def test_formatting_helpers() -> None:
    assert fmt_pct(0.1234) == "+12.3%" and fmt_pct(-0.05, 0) == "-5%" and fmt_pct(0.5, 0, sign=False) == "50%"
    assert fmt_pct(None) == "–" and fmt_pct(float("nan")) == "–"
    assert fmt_num(21814.37) == "21,814.37" and fmt_num(float("inf")) == "–"


def test_write_report_and_pngs(sparse_view: ReportView, tmp_path: Path) -> None:
    from PIL import Image

    one = ReportView(header=sparse_view.header, fans=sparse_view.fans[:1], decomposition=sparse_view.decomposition)
    out = write_report(one, tmp_path / "sub" / "r.html", png_dir=tmp_path / "png")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    pngs = sorted(p.name for p in (tmp_path / "png").glob("*.png"))
    expected = sorted([f"fan-{f.symbol.replace('.', '-')}.png" for f in one.fans] + ["decomposition.png"])
    assert pngs == expected
    with Image.open(tmp_path / "png" / expected[0]) as im:
        assert im.format == "PNG" and im.size[0] >= 1000
        gray = np.asarray(im.convert("L"))
        assert gray.std() > 10 and (gray < 128).mean() > 0.005   # real content, not a blank canvas


@st.composite
def _fans(draw):
    import datetime as dt

    from scenarios.report.model import FanChartData

    n = draw(st.integers(1, 6))
    out = []
    for i in range(n):
        base = draw(st.floats(0.5, 5000))
        qs = sorted(draw(st.lists(st.floats(0.2, 3.0), min_size=5, max_size=5)))
        realized = draw(st.one_of(st.none(), st.floats(-0.9, 3.0)))
        out.append(FanChartData(
            symbol=f"{i:04d}.HK", as_of=dt.date(2025, 1, 2), horizon=dt.date(2025, 7, 2), baseline_price=base,
            quantiles=dict(zip((0.05, 0.25, 0.5, 0.75, 0.95), (base * q for q in qs), strict=True)),
            mean_return=draw(st.floats(-0.9, 3.0)), prob_up=draw(st.floats(0, 1)), realized_return=realized,
            pit=None if realized is None else draw(st.floats(0, 1))))
    return tuple(out)


@settings(deadline=None, max_examples=25)
@given(_fans())
def test_tables_print_their_values_property(fans) -> None:
    """Any forecast table: one row per symbol, each cell's text is its value rounded, no nan/inf."""
    import datetime as dt

    from scenarios.report.html import render_html
    from scenarios.report.model import ReportHeader

    view = ReportView(header=ReportHeader("p", dt.date(2025, 1, 2), dt.date(2025, 7, 2)), fans=fans)
    html = render_html(view, {})
    root = parse(html)
    rows = root.find_all("table", id="forecast-table")[0].find_all("tr")[1:]
    assert [r.attrs["data-symbol"] for r in rows] == [f.symbol for f in fans]
    for td in root.find_all("td"):
        assert "nan" not in td.text.lower() and "inf" not in td.text.lower()
        if "data-value" in td.attrs:
            v, text = float(td.attrs["data-value"]), td.text
            if text.endswith(" pp"):  # a fraction shown in percentage points
                digits = text[:-3].split(".")[-1] if "." in text else ""
                assert float(text[:-3]) == pytest.approx(100 * v, abs=0.5 * 10 ** -len(digits) + 1e-9), (text, v)
            elif text.endswith("%"):
                decimals = len(text.split(".")[1].rstrip("%")) if "." in text else 0
                assert abs(pct_text(text) - v) <= 0.5 * 10 ** -(decimals + 2) + 1e-12
            else:
                assert abs(float(text.replace(",", "")) - v) <= 0.005 + 1e-9
    for f in fans:
        cells = {td.attrs["data-field"]: td for td in root.find_all("td") if td.attrs.get("data-key") == f.symbol}
        assert float(cells["median_return"].attrs["data-value"]) == f.median_return
        assert ("data-value" in cells["realized_return"].attrs) == (f.realized_return is not None)
