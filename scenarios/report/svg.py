"""The report's charts written as SVG text directly (no matplotlib).

Fan charts, the P&L fan, predicted vs realized, the index lines, weights, the decomposition, the
tornado and the walk-forward track record.

matplotlib builds a whole artist tree, lays it out and serialises it for each figure: 30 fan
charts cost seconds. These charts are bands, lines, bars and markers on linear (or date) axes,
so this module writes them as a few kilobytes of text each, in milliseconds, with the look of
:mod:`scenarios.report.charts` (same colours, sizes in points, titles, legends) which still
draws the PNGs for slides (``--png``).

Every chart is one ``<svg class="chart-svg" role="img">`` with a ``<title>`` and ``<desc>``
(accessible name and caption), ``data-chart`` set to its id, sizes in points (``viewBox``, so
the page scales it) and element ids prefixed with the chart id (unique on the page). Text from
files (symbols, names, labels) is escaped. Key numbers carry their exact value: tick labels
``data-value`` (axis units: a price, or a fraction for returns), the fan's median and realized
markers ``data-value`` (the horizon price), so tests and tools can check the drawing against the
result. Output is deterministic (no dates, no random ids).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from html import escape
from typing import Any

import numpy as np

from scenarios.report.model import (
    RESIDUAL_GROUP,
    DecompositionBars,
    FanChartData,
    IndexLines,
    PnlFanData,
    ScatterData,
    TrackRecord,
    WeightsBars,
)

__all__ = [
    "PALETTE", "decomposition_svg", "fan_paths", "fan_svg", "index_svg", "nice_ticks", "pnl_fan_svg",
    "scatter_svg", "tornado_svg", "track_svg", "weights_svg",
]

#: Colors (colorblind-safe, Okabe-Ito based), shared with :mod:`scenarios.report.charts`.
PALETTE = {
    "ink": "#1f2933",
    "muted": "#7b8794",
    "grid": "#e4e7eb",
    "fan": "#2f6fb0",
    "realized": "#d55e00",
    "positive": "#009e73",
    "negative": "#cc3311",
    "accent": "#e69f00",
    "alt": "#56b4e9",
    "purple": "#8e6bbf",
}
SERIES = ["#2f6fb0", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#8e6bbf", "#7b8794"]
_TICK = "#52606d"
_SPINE = "#9aa5b1"
_FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
PT = 72.0     # points per inch: sizes are in points, like the matplotlib figures


# --------------------------------------------------------------------------------------
# geometry shared with the PNG renderer
# --------------------------------------------------------------------------------------

def fan_paths(data: FanChartData, steps: int = 48) -> tuple[np.ndarray, dict[float, np.ndarray]]:
    """Dates and quantile price paths of the fan, from the baseline at ``as_of`` to the horizon.

    The model predicts the horizon only; the fan joins the baseline to each horizon quantile
    along a diffusion shape: in log price, the median moves linearly in time and the spread
    around it grows with the square root of time. At the horizon each path equals its quantile
    exactly.
    """
    start, end = np.datetime64(data.as_of, "D"), np.datetime64(data.horizon, "D")
    total = max(int((end - start).astype(int)), 1)
    offsets = np.linspace(0.0, float(total), steps + 1)
    frac = offsets / total
    dates = start + np.round(offsets).astype("timedelta64[D]")
    base = np.log(data.baseline_price)
    mid = np.log(data.quantiles[0.5]) - base
    paths: dict[float, np.ndarray] = {}
    for q, v in data.quantiles.items():
        dev = np.log(v) - base - mid
        paths[q] = np.exp(base + frac * mid + np.sqrt(frac) * dev)
    # the horizon point is the quantile itself (exp(log(v)) can differ from v in the last bit)
    for q, v in data.quantiles.items():
        paths[q][-1] = v
    return dates, paths


# --------------------------------------------------------------------------------------
# scales and ticks
# --------------------------------------------------------------------------------------

_EPOCH = dt.date(1970, 1, 1)


def _days(values: Iterable[object]) -> np.ndarray:
    """Day numbers (days since 1970-01-01) of dates or datetime64 values."""
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values)
    if arr.size == 0:
        return np.empty(0)
    if np.issubdtype(arr.dtype, np.datetime64):
        return arr.astype("datetime64[D]").astype(np.int64).astype(float)
    return np.array([(d - _EPOCH).days if isinstance(d, dt.date) else float(d) for d in arr], dtype=float)


def _day(d: dt.date) -> float:
    return float((d - _EPOCH).days)


def nice_ticks(lo: float, hi: float, n: int = 5) -> np.ndarray:
    """At most about ``n + 1`` round tick values in ``[lo, hi]`` (steps 1, 2, 2.5, 5 x 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return np.array([lo]) if math.isfinite(lo) else np.empty(0)
    raw = (hi - lo) / max(n, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1.0, 2.0, 2.5, 5.0, 10.0) if s * mag >= raw * (1 - 1e-9))
    first = math.ceil(lo / step - 1e-9) * step
    ticks = first + step * np.arange(math.floor((hi - first) / step + 1e-9) + 1)
    ticks[np.abs(ticks) < step * 1e-9] = 0.0
    return ticks


def _step_decimals(ticks: np.ndarray, scale: float = 1.0) -> int:
    """Decimals that print every tick distinctly (``scale`` 100 for percents)."""
    if ticks.size < 2:
        return 0
    step = float(np.min(np.diff(ticks))) * scale
    for d in range(7):
        if abs(round(step, d) - step) < step * 1e-6:
            return d
    return 6


def _pct_labels(ticks: np.ndarray, decimals: int | None = None) -> list[str]:
    d = _step_decimals(ticks, 100.0) if decimals is None else decimals
    return [f"{0.0 if abs(v * 100) < 10 ** -(d + 2) else v * 100:.{d}f}%" for v in ticks]


def _num_labels(ticks: np.ndarray) -> list[str]:
    d = _step_decimals(ticks)
    return [f"{0.0 if abs(v) < 10 ** -(d + 2) else v:,.{d}f}" for v in ticks]


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_ticks(lo: float, hi: float, max_ticks: int = 7) -> tuple[list[float], list[str]]:
    """Return tick day numbers and labels in ``[lo, hi]``.

    Month starts (every 1, 2, 3, 4 or 6 months) labelled ``Mar``, January ticks labelled with the
    year (``2025``); years for long ranges; days for ranges of a few weeks. The year shows on the
    first tick when no tick names it.
    """
    a, b = _EPOCH + dt.timedelta(days=math.ceil(lo)), _EPOCH + dt.timedelta(days=math.floor(hi))
    if b < a:
        return [], []
    span = (b - a).days
    if span <= 75:
        for every in (1, 2, 3, 7, 14, 28):
            days = [a + dt.timedelta(days=i) for i in range(0, span + 1, every)]
            if len(days) <= max_ticks:
                break
        labels = [f"{_MONTHS[d.month - 1]} {d.day:02d}" for d in days]
        labels[0] += f" {days[0].year}"
        return [_day(d) for d in days], labels
    for every in (1, 2, 3, 4, 6, 12, 24, 60, 120):
        first = a.year * 12 + a.month - 1 + (0 if a.day == 1 else 1)
        first = math.ceil(first / every) * every
        months = range(first, b.year * 12 + b.month, every)
        days = [dt.date(m // 12, m % 12 + 1, 1) for m in months]
        days = [d for d in days if a <= d <= b]
        if len(days) <= max_ticks:
            break
    if every >= 12:
        return [_day(d) for d in days], [str(d.year) for d in days]
    labels = [str(d.year) if d.month == 1 else _MONTHS[d.month - 1] for d in days]
    if labels and not any(d.month == 1 for d in days):
        labels[0] = f"{labels[0]} {days[0].year}"
    return [_day(d) for d in days], labels


class Scale:
    """Linear map from data ``[d0, d1]`` to canvas ``[r0, r1]`` (points)."""

    def __init__(self, d0: float, d1: float, r0: float, r1: float) -> None:
        if not (math.isfinite(d0) and math.isfinite(d1)) or d1 <= d0:
            mid = d0 if math.isfinite(d0) else 0.0
            half = max(abs(mid) * 0.05, 1e-9)
            d0, d1 = mid - half, mid + half
        self.d0, self.d1, self.r0, self.r1 = float(d0), float(d1), float(r0), float(r1)
        self._k = (self.r1 - self.r0) / (self.d1 - self.d0)

    def __call__(self, v: float) -> float:
        return self.r0 + (float(v) - self.d0) * self._k

    def many(self, v: np.ndarray) -> np.ndarray:
        """:meth:`__call__` of every element."""
        return self.r0 + (np.asarray(v, dtype=float) - self.d0) * self._k


def _limits(values: Iterable[Any], margin: float = 0.05) -> tuple[float, float]:
    """Finite min and max of ``values`` widened by ``margin`` of the range on each side."""
    parts = [np.atleast_1d(np.asarray(v, dtype=float)).ravel() for v in values]
    arr = np.concatenate(parts) if parts else np.empty(0)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return -1.0, 1.0
    lo, hi = float(arr.min()), float(arr.max())
    if hi <= lo:
        pad = max(abs(lo) * 0.05, 0.01)
        return lo - pad, hi + pad
    pad = (hi - lo) * margin
    return lo - pad, hi + pad


# --------------------------------------------------------------------------------------
# the canvas
# --------------------------------------------------------------------------------------

def _f(v: float) -> str:
    return f"{v:.2f}"


def text_width(text: str, size: float) -> float:
    """Approximate width in points of ``text`` at font ``size`` (DejaVu Sans averages)."""
    wide = sum(1 for c in text if c in "MWmw%@") + 0.5 * sum(1 for c in text if c.isupper())
    narrow = sum(1 for c in text if c in "ilj.,:;|!'()[] ")
    return size * (0.6 * len(text) + 0.25 * wide - 0.3 * narrow)


def path_d(xs: np.ndarray, ys: np.ndarray, close: bool = False) -> str:
    """SVG path data through the points, a new segment after every non-finite point."""
    ok = np.isfinite(xs) & np.isfinite(ys)
    parts: list[str] = []
    pen = False
    for x, y, good in zip(xs.tolist(), ys.tolist(), ok.tolist(), strict=True):
        if not good:
            pen = False
            continue
        parts.append(f"{'L' if pen else 'M'}{x:.2f} {y:.2f}")
        pen = True
    if close and parts:
        parts.append("Z")
    return "".join(parts)


class Canvas:
    """An SVG document in points: a list of element strings and a few drawing helpers."""

    def __init__(self, chart_id: str, title: str, caption: str, width: float, height: float) -> None:
        self.id, self.title, self.caption = chart_id, title, caption
        self.width, self.height = width, height
        self.parts: list[str] = []
        self._clips = 0

    # -- primitives ------------------------------------------------------------------------
    def add(self, element: str) -> None:
        self.parts.append(element)

    def path(self, d: str, *, stroke: str = "none", width: float = 1.0, fill: str = "none",
             opacity: float | None = None, dash: str | None = None, clip: str | None = None,
             extra: str = "") -> None:
        if not d:
            return
        attrs = f'd="{d}" fill="{fill}"'
        if stroke != "none":
            attrs += f' stroke="{stroke}" stroke-width="{width:g}" stroke-linejoin="round"'
            if dash:
                attrs += f' stroke-dasharray="{dash}"'
        if opacity is not None:
            attrs += f' fill-opacity="{opacity:g}"' if fill != "none" else f' stroke-opacity="{opacity:g}"'
        if clip:
            attrs += f' clip-path="url(#{clip})"'
        self.parts.append(f"<path {attrs}{extra}/>")

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, width: float = 0.8,
             dash: str | None = None, clip: str | None = None) -> None:
        self.path(f"M{x1:.2f} {y1:.2f}L{x2:.2f} {y2:.2f}", stroke=stroke, width=width, dash=dash, clip=clip)

    def text(self, x: float, y: float, text: str, *, size: float = 8.0, color: str = _TICK,
             anchor: str = "start", baseline: str = "auto", weight: str | None = None,
             rotate: float | None = None, extra: str = "") -> None:
        attrs = f'x="{x:.2f}" y="{y:.2f}" font-size="{size:g}" fill="{color}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if baseline != "auto":
            attrs += f' dominant-baseline="{baseline}"'
        if weight:
            attrs += f' font-weight="{weight}"'
        if rotate is not None:
            attrs += f' transform="rotate({rotate:g} {x:.2f} {y:.2f})"'
        self.parts.append(f"<text {attrs}{extra}>{escape(text, quote=False)}</text>")

    def marker(self, x: float, y: float, kind: str, size: float, color: str, *, edge: str | None = None,
               extra: str = "") -> None:
        """Draw a marker of ``size`` points (diameter): ``o`` circle, ``D`` diamond, ``X`` cross."""
        r = size / 2
        stroke = f' stroke="{edge}" stroke-width="0.6"' if edge else ""
        if kind == "o":
            self.parts.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{r:.2f}" fill="{color}"{stroke}{extra}/>')
        elif kind == "D":
            d = f"M{x:.2f} {y - r:.2f}L{x + r:.2f} {y:.2f}L{x:.2f} {y + r:.2f}L{x - r:.2f} {y:.2f}Z"
            self.parts.append(f'<path d="{d}" fill="{color}"{stroke}{extra}/>')
        else:  # X: a filled cross
            a, b = r, r * 0.38
            pts = [(-a, -a + b), (-a + b, -a), (0, -b), (a - b, -a), (a, -a + b), (b, 0), (a, a - b),
                   (a - b, a), (0, b), (-a + b, a), (-a, a - b), (-b, 0)]
            d = "M" + "L".join(f"{x + px:.2f} {y + py:.2f}" for px, py in pts) + "Z"
            self.parts.append(f'<path d="{d}" fill="{color}"{stroke}{extra}/>')

    def clip_rect(self, x0: float, y0: float, x1: float, y1: float) -> str:
        """Define a clip rectangle; returns its (page-unique) id."""
        self._clips += 1
        cid = f"{self.id}-clip{self._clips}"
        self.parts.append(f'<clipPath id="{cid}"><rect x="{x0:.2f}" y="{y0:.2f}" width="{x1 - x0:.2f}" '
                          f'height="{y1 - y0:.2f}"/></clipPath>')
        return cid

    # -- furniture -------------------------------------------------------------------------
    def title_text(self, x: float, y: float, text: str, max_width: float) -> None:
        size = 10.5
        while size > 7.5 and text_width(text, size) > max_width:
            size -= 0.5
        self.text(x, y, text, size=size, color=PALETTE["ink"], weight="bold")

    def legend(self, items: Sequence[tuple[str, dict[str, object]]], y: float, size: float = 7.5,
               x0: float | None = None, x1: float | None = None) -> float:
        """Draw legend entries centred in rows from ``y`` down; return the y below the last row.

        An entry is a label and a style with ``kind`` ``band``/``line``/``marker``/``bar``.
        """
        if not items:
            return y
        left = 6.0 if x0 is None else x0
        right = self.width - 6.0 if x1 is None else x1
        handle, gap = 16.0, 10.0
        widths = [handle + 4 + text_width(label, size) for label, _ in items]
        rows: list[list[int]] = [[]]
        used = 0.0
        for i, w in enumerate(widths):
            if rows[-1] and used + gap + w > right - left:
                rows.append([])
                used = 0.0
            used += (gap if rows[-1] else 0.0) + w
            rows[-1].append(i)
        line_h = size * 1.6
        for r, row in enumerate(rows):
            total = sum(widths[i] for i in row) + gap * (len(row) - 1)
            x = left + (right - left - total) / 2
            cy = y + r * line_h
            for i in row:
                label, style = items[i]
                self._handle(x, cy, handle, style)
                self.text(x + handle + 4, cy, label, size=size, color=PALETTE["ink"], baseline="central")
                x += widths[i] + gap
        return y + len(rows) * line_h

    def _handle(self, x: float, cy: float, w: float, style: dict[str, object]) -> None:
        kind = style.get("kind", "line")
        color = str(style.get("color", PALETTE["ink"]))
        if kind in ("band", "bar"):
            op = style.get("opacity")
            self.path(f"M{x:.2f} {cy - 3.5:.2f}h{w:.2f}v7h{-w:.2f}Z", fill=color,
                      opacity=None if op is None else float(op))  # type: ignore[arg-type]
        elif kind == "marker":
            self.marker(x + w / 2, cy, str(style.get("marker", "o")), float(style.get("size", 5.0)), color)  # type: ignore[arg-type]
        else:
            self.line(x, cy, x + w, cy, color, float(style.get("width", 1.3)), style.get("dash"))  # type: ignore[arg-type]

    def svg(self) -> str:
        cid = escape(self.id, quote=True)
        title = escape(self.title, quote=True)
        head = (f'<svg class="chart-svg" role="img" aria-label="{title}" data-chart="{cid}" id="svg-{cid}" '
                f'viewBox="0 0 {self.width:.1f} {self.height:.1f}" xmlns="http://www.w3.org/2000/svg" '
                f'font-family="{_FONT}">'
                f"<title>{escape(self.title, quote=False)}</title>"
                + (f"<desc>{escape(self.caption, quote=False)}</desc>" if self.caption else "")
                + f'<rect width="{self.width:.1f}" height="{self.height:.1f}" fill="#ffffff"/>')
        return head + "".join(self.parts) + "</svg>"


class Axes:
    """A plot area on a :class:`Canvas`: box in points, x and y scales, grid, spines, ticks."""

    def __init__(self, cv: Canvas, box: tuple[float, float, float, float],
                 xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
        self.cv = cv
        self.x0, self.y0, self.x1, self.y1 = box            # left, top, right, bottom
        self.x = Scale(xlim[0], xlim[1], self.x0, self.x1)
        self.y = Scale(ylim[0], ylim[1], self.y1, self.y0)  # y grows upwards
        self.clip = cv.clip_rect(self.x0, self.y0, self.x1, self.y1)

    def inside_x(self, v: float) -> bool:
        return self.x.d0 - 1e-9 <= v <= self.x.d1 + 1e-9

    def inside_y(self, v: float) -> bool:
        return self.y.d0 - 1e-9 <= v <= self.y.d1 + 1e-9

    def yticks(self, values: Sequence[float], labels: Sequence[str], *, grid: bool = True,
               side: str = "left", at: Callable[[float], float] | None = None, role: str = "y") -> None:
        pos = at or self.y
        for v, lab in zip(values, labels, strict=True):
            yy = pos(v)
            if not (self.y0 - 0.01 <= yy <= self.y1 + 0.01):
                continue
            if grid:
                self.cv.line(self.x0, yy, self.x1, yy, PALETTE["grid"], 0.7)
            if side == "left":
                self.cv.line(self.x0 - 3.5, yy, self.x0, yy, _SPINE, 0.8)
                self.cv.text(self.x0 - 5.5, yy, lab, anchor="end", baseline="central",
                             extra=f' data-axis="{role}" data-value="{float(v)!r}"')
            else:
                self.cv.line(self.x1, yy, self.x1 + 3.5, yy, _SPINE, 0.8)
                self.cv.text(self.x1 + 5.5, yy, lab, baseline="central",
                             extra=f' data-axis="{role}" data-value="{float(v)!r}"')

    def xticks(self, values: Sequence[float], labels: Sequence[str], *, grid: bool = True,
               role: str = "x", draw_labels: bool = True) -> None:
        for v, lab in zip(values, labels, strict=True):
            xx = float(self.x(v))
            if not (self.x0 - 0.01 <= xx <= self.x1 + 0.01):
                continue
            if grid:
                self.cv.line(xx, self.y0, xx, self.y1, PALETTE["grid"], 0.7)
            self.cv.line(xx, self.y1, xx, self.y1 + 3.5, _SPINE, 0.8)
            if draw_labels:
                self.cv.text(xx, self.y1 + 13, lab, anchor="middle",
                             extra=f' data-axis="{role}" data-value="{float(v)!r}"')

    def spines(self, right: bool = False) -> None:
        self.cv.line(self.x0, self.y0, self.x0, self.y1, _SPINE, 0.8)
        self.cv.line(self.x0, self.y1, self.x1, self.y1, _SPINE, 0.8)
        if right:
            self.cv.line(self.x1, self.y0, self.x1, self.y1, _SPINE, 0.8)

    def hline(self, v: float, color: str, width: float = 0.7, dash: str | None = None) -> None:
        if self.inside_y(v):
            yy = float(self.y(v))
            self.cv.line(self.x0, yy, self.x1, yy, color, width, dash)

    def vline(self, v: float, color: str, width: float = 0.8, dash: str | None = None) -> None:
        if self.inside_x(v):
            xx = float(self.x(v))
            self.cv.line(xx, self.y0, xx, self.y1, color, width, dash)

    def line(self, xs: np.ndarray, ys: np.ndarray, color: str, width: float = 1.3,
             dash: str | None = None, extra: str = "") -> None:
        self.cv.path(path_d(self.x.many(np.asarray(xs, float)), self.y.many(np.asarray(ys, float))),
                     stroke=color, width=width, dash=dash, clip=self.clip, extra=extra)

    def band(self, xs: np.ndarray, lo: np.ndarray, hi: np.ndarray, color: str, opacity: float,
             extra: str = "") -> None:
        xs = np.asarray(xs, float)
        px = np.concatenate([xs, xs[::-1]])
        py = np.concatenate([np.asarray(hi, float), np.asarray(lo, float)[::-1]])
        ok = np.isfinite(px) & np.isfinite(py)
        self.cv.path(path_d(self.x.many(px[ok]), self.y.many(py[ok]), close=True), fill=color,
                     opacity=opacity, clip=self.clip, extra=extra)

    def ylabel(self, text: str, x: float | None = None, right: bool = False) -> None:
        xx = (self.x1 + 46 if right else self.x0 - 40) if x is None else x
        self.cv.text(xx, (self.y0 + self.y1) / 2, text, size=9, color=PALETTE["ink"], anchor="middle",
                     rotate=90 if right else -90)

    def xlabel(self, text: str, dy: float = 27) -> None:
        self.cv.text((self.x0 + self.x1) / 2, self.y1 + dy, text, size=9, color=PALETTE["ink"], anchor="middle")


def _fmt_pct(x: float, decimals: int = 1) -> str:
    return f"{x * 100:+.{decimals}f}%"


def _label_width(labels: Iterable[str], size: float = 8.0) -> float:
    return max((text_width(s, size) for s in labels), default=0.0)


# --------------------------------------------------------------------------------------
# fan charts
# --------------------------------------------------------------------------------------

def _band_style(lo: float, hi: float) -> tuple[str, float]:
    return f"{lo * 100:.0f}–{hi * 100:.0f}%", 0.16 if (lo, hi) == (0.05, 0.95) else 0.32


def fan_svg(data: FanChartData, chart_id: str, title: str = "", caption: str = "") -> str:
    """Draw the history to ``as_of`` and the predicted price distribution fanning out to the horizon.

    The realized path goes on top when known. Left axis: price; right axis: return vs the baseline.
    """
    cv = Canvas(chart_id, title or f"{data.symbol} fan chart", caption, 6.2 * PT, 3.7 * PT)
    box = (0.72 * PT, 0.36 * PT, cv.width - 0.78 * PT, cv.height - 0.78 * PT)
    dates, paths = fan_paths(data)
    fx = _days(dates)
    hx = _days(data.history_dates)
    rx = _days(data.realized_dates)
    hz = _day(data.horizon)
    base = data.baseline_price
    q50 = data.quantiles[0.5]
    rp = None if data.realized_return is None else base * (1 + data.realized_return)
    x_lo, x_hi = _limits([fx, hx, rx], margin=0.02)
    x_hi += (x_hi - x_lo) * 0.24      # room for the annotations at the horizon
    ylim = _limits([data.history_prices, data.realized_prices, *paths.values(), [base],
                    [] if rp is None else [rp]])
    ax = Axes(cv, box, (x_lo, x_hi), ylim)
    ticks = nice_ticks(*ylim)
    ax.yticks(ticks.tolist(), _num_labels(ticks))
    xt, xl = date_ticks(x_lo, x_hi)
    ax.xticks(xt, xl)
    # right axis: the return vs the baseline, r = p / base - 1
    rt = nice_ticks(ylim[0] / base - 1.0, ylim[1] / base - 1.0)
    ax.yticks(rt.tolist(), _pct_labels(rt), grid=False, side="right", at=lambda r: ax.y(base * (1 + r)),
              role="y2")
    legend: list[tuple[str, dict[str, object]]] = []
    if hx.size:
        ax.line(hx, np.asarray(data.history_prices, float), PALETTE["ink"], 1.1, extra=' data-role="history"')
        legend.append(("History (adjusted close)", {"color": PALETTE["ink"], "width": 1.1}))
    _fan_bands(ax, fx, paths, legend, "Predicted")
    if rx.size:
        ax.line(rx, np.asarray(data.realized_prices, float), PALETTE["realized"], 1.4,
                extra=' data-role="realized"')
        legend.append(("Realized", {"color": PALETTE["realized"], "width": 1.4}))
    ax.vline(_day(data.as_of), PALETTE["muted"], 0.8, "1.3 2.2")
    ax.hline(base, PALETTE["muted"], 0.6, "1 1.65")
    xh, ym = float(ax.x(hz)), float(ax.y(q50))
    cv.marker(xh, ym, "o", 5.5, PALETTE["fan"], extra=f' data-role="median-end" data-value="{q50!r}"')
    cv.text(xh + 6, ym, f"median {_fmt_pct(data.median_return)}", size=7.5, color=PALETTE["fan"],
            baseline="central")
    if rp is not None:
        yr = float(ax.y(rp))
        cv.marker(xh, yr, "D", 6.4, PALETTE["realized"], extra=f' data-role="realized-end" data-value="{rp!r}"')
        cv.text(xh + 6, yr + (9 if rp < q50 else -9), f"realized {_fmt_pct(data.realized_return or 0.0)}",
                size=7.5, color=PALETTE["realized"], baseline="central")
    ax.spines(right=True)
    ax.ylabel(f"Price ({data.currency})")
    ax.ylabel("Return vs baseline", right=True)
    name = f" {data.name}" if data.name else ""
    cv.title_text(ax.x0, ax.y0 - 10, f"{data.symbol}{name}: predicted price at {data.horizon.isoformat()}",
                  cv.width - ax.x0 - 6)
    cv.legend(legend, cv.height - 0.78 * PT + 28, size=7.2)
    return cv.svg()


def _fan_bands(ax: Axes, fx: np.ndarray, paths: dict[float, np.ndarray], legend: list[tuple[str, dict[str, object]]],
               what: str) -> None:
    """Draw a fan's 5-95% and 25-75% bands and its dashed median path, with their legend entries.

    ``paths`` maps quantile levels to values along ``fx``; ``what`` starts the bands' legend text
    (``Predicted``, ``Predicted P&L``).
    """
    for lo, hi in ((0.05, 0.95), (0.25, 0.75)):
        if lo in paths and hi in paths:
            label, op = _band_style(lo, hi)
            ax.band(fx, paths[lo], paths[hi], PALETTE["fan"], op,
                    extra=f' data-role="band-{lo * 100:02.0f}-{hi * 100:02.0f}"')
            legend.append((f"{what} {label}", {"kind": "band", "color": PALETTE["fan"], "opacity": op}))
    ax.line(fx, paths[0.5], PALETTE["fan"], 1.5, dash="5.5 2.4", extra=' data-role="median"')
    legend.append(("Predicted median", {"color": PALETTE["fan"], "width": 1.5, "dash": "5.5 2.4"}))


def pnl_fan_svg(data: PnlFanData, chart_id: str = "pnl-fan", title: str = "", caption: str = "") -> str:
    """Draw the portfolio P&L fan (percent of gross notional) with the realised path when known."""
    from scenarios.report.pnl import fan_paths as pnl_paths

    cv = Canvas(chart_id, title or "Portfolio P&L fan chart", caption, 6.2 * PT, 3.7 * PT)
    box = (0.72 * PT, 0.36 * PT, cv.width - 0.78 * PT, cv.height - 0.62 * PT)
    dates, paths = pnl_paths(data)
    fx = _days(dates)
    rx = _days(data.realized_dates)
    hz = _day(data.horizon)
    q50 = data.quantiles[0.5]
    x_lo, x_hi = _limits([fx, rx], margin=0.02)
    x_hi += (x_hi - x_lo) * 0.22
    ylim = _limits([*paths.values(), data.realized_path, [0.0],
                    [] if data.realized is None else [data.realized]])
    ax = Axes(cv, box, (x_lo, x_hi), ylim)
    ticks = nice_ticks(*ylim)
    ax.yticks(ticks.tolist(), _pct_labels(ticks))
    xt, xl = date_ticks(x_lo, x_hi)
    ax.xticks(xt, xl)
    legend: list[tuple[str, dict[str, object]]] = []
    _fan_bands(ax, fx, paths, legend, "Predicted P&L")
    xh, ym = float(ax.x(hz)), float(ax.y(q50))
    cv.marker(xh, ym, "o", 4.0, PALETTE["fan"], extra=f' data-role="median-end" data-value="{q50!r}"')
    cv.text(xh + 6, ym, f"median {_fmt_pct(q50)}", size=7.5, color=PALETTE["fan"], baseline="central")
    if rx.size:
        ax.line(rx, data.realized_path, PALETTE["realized"], 1.3, extra=' data-role="realized"')
        legend.append(("Realised (before costs)", {"color": PALETTE["realized"], "width": 1.3}))
    if data.realized is not None:
        yr = float(ax.y(data.realized))
        cv.marker(xh, yr, "D", 6.4, PALETTE["realized"],
                  extra=f' data-role="realized-end" data-value="{data.realized!r}"')
        cv.text(xh + 6, yr + (-9 if data.realized >= q50 else 9), f"realised {_fmt_pct(data.realized)}",
                size=7.5, color=PALETTE["realized"], baseline="central")
    ax.hline(0.0, PALETTE["muted"], 0.6, "1 1.65")
    ax.spines()
    ax.ylabel(f"P&L, % of gross notional ({data.base_currency})")
    cv.title_text(ax.x0, ax.y0 - 10, f"Portfolio P&L at {data.horizon.isoformat()}: {', '.join(data.positions)}",
                  cv.width - ax.x0 - 6)
    cv.legend(legend, ax.y1 + 30, size=7.2)
    return cv.svg()


# --------------------------------------------------------------------------------------
# predicted vs realized
# --------------------------------------------------------------------------------------

def scatter_svg(data: ScatterData, chart_id: str = "scatter", title: str = "", caption: str = "",
                label_max: int = 12) -> str:
    """Draw the point forecast (x) against the realized return (y) per symbol, with the 45° line.

    With more than ``label_max`` symbols only the largest misses and the extremes are named.
    """
    from scenarios.metrics import directional_hits

    cv = Canvas(chart_id, title or "Predicted vs realized return", caption, 6.2 * PT, 4.6 * PT)
    p, r = np.asarray(data.predicted, float), np.asarray(data.realized, float)
    ok = np.isfinite(p) & np.isfinite(r)
    vals = np.concatenate([p[ok], r[ok]]) if ok.any() else np.array([-0.1, 0.1])
    lo, hi = float(np.min(vals)), float(np.max(vals))
    pad = max((hi - lo) * 0.12, 0.02)
    lo, hi = lo - pad, hi + pad
    ticks = nice_ticks(lo, hi)
    labels = _pct_labels(ticks)
    left = 14 + _label_width(labels) + 22
    box = (left, 30.0, cv.width - 14.0, cv.height - 62.0)
    ax = Axes(cv, box, (lo, hi), (lo, hi))
    ax.yticks(ticks.tolist(), labels)
    ax.xticks(ticks.tolist(), labels)
    legend: list[tuple[str, dict[str, object]]] = []
    if data.lower.size and data.upper.size:
        lw, up = np.asarray(data.lower, float), np.asarray(data.upper, float)
        segs = "".join(f"M{ax.x(a):.2f} {ax.y(c):.2f}L{ax.x(b):.2f} {ax.y(c):.2f}"
                       for a, b, c in zip(lw[ok], up[ok], r[ok], strict=True)
                       if math.isfinite(a) and math.isfinite(b))
        cv.path(segs, stroke=PALETTE["fan"], width=1.0, opacity=0.35, clip=ax.clip)
        legend.append((f"Predicted {data.interval}", {"color": PALETTE["fan"], "width": 1.0}))
    ax.line(np.array([lo, hi]), np.array([lo, hi]), PALETTE["muted"], 0.9, dash="3.3 1.4")
    ax.hline(0.0, _SPINE, 0.7)
    ax.vline(0.0, _SPINE, 0.7)
    # the hit rate's rule (scenarios.metrics.directional_hits): a zero return has no
    # direction, so it is neither right nor wrong
    hits = np.nan_to_num(directional_hits(p, r), nan=-1.0)
    groups = ((hits == 1.0, "o", PALETTE["positive"], "Direction right"),
              (hits == 0.0, "X", PALETTE["negative"], "Direction wrong"),
              ((hits != 1.0) & (hits != 0.0), "o", PALETTE["muted"], "No direction (a zero return)"))
    syms = list(data.symbols)
    for mask, kind, color, label in groups:
        idx = np.flatnonzero(ok & mask)
        if idx.size == 0 and label.startswith("No direction"):
            continue
        for i in idx:
            cv.marker(float(ax.x(p[i])), float(ax.y(r[i])), kind, 6.4, color, edge="#ffffff",
                      extra=f' data-symbol="{escape(syms[i], quote=True)}"')
        legend.append((label, {"kind": "marker", "marker": kind, "color": color, "size": 6.0}))
    legend.append(("Perfect forecast", {"color": PALETTE["muted"], "width": 0.9, "dash": "3.3 1.4"}))
    okidx = np.flatnonzero(ok)
    px, ry = p[ok], r[ok]
    if okidx.size > label_max:    # crowded: name only the largest misses and the extremes
        keep = set(np.argsort(-np.abs(ry - px), kind="stable")[:label_max - 2].tolist())
        keep |= {int(np.argmax(ry)), int(np.argmin(ry))}
    else:
        keep = set(range(okidx.size))
    for k in sorted(keep):
        j = int(okidx[k])
        cv.text(ax.x(p[j]) + 4, ax.y(r[j]) - 3, syms[j].removesuffix(".HK"), size=7, color="#3e4c59")
    ax.spines()
    ax.xlabel("Predicted return (median of draws)")
    ax.ylabel("Realized return", x=14)
    ic = "n/a" if data.ic is None else f"{data.ic:+.2f}"
    hr = "n/a" if data.hit_rate is None else f"{data.hit_rate * 100:.0f}%"
    cv.title_text(ax.x0, 18, f"Predicted vs realized return: IC {ic}, hit rate {hr} (n = {int(ok.sum())})",
                  cv.width - ax.x0 - 6)
    cv.legend(legend, ax.y1 + 44, size=7.5)
    return cv.svg()


# --------------------------------------------------------------------------------------
# index lines and weights
# --------------------------------------------------------------------------------------

def index_svg(data: IndexLines, chart_id: str = "index-lines", title: str = "", caption: str = "") -> str:
    """Cumulative price return of the counterfactual index and the actual indexes."""
    cv = Canvas(chart_id, title or "Counterfactual vs actual index", caption, 9.0 * PT, 3.8 * PT)
    x = _days(data.dates)
    rel = [data.relative(line) for line in data.lines]
    ylim = _limits([*rel, [0.0]])
    xlim = _limits([x], margin=0.02)
    ticks = nice_ticks(*ylim)
    labels = _pct_labels(ticks, 0 if _step_decimals(ticks, 100.0) == 0 else None)
    left = 14 + _label_width(labels) + 22
    n_rows = 1 + int(sum(text_width(line.label, 7.5) + 30 for line in data.lines) > cv.width - 12)
    ax = Axes(cv, (left, 30.0, cv.width - 14.0, cv.height - 44.0 - 12.0 * n_rows), xlim, ylim)
    ax.yticks(ticks.tolist(), labels)
    xt, xl = date_ticks(*xlim)
    ax.xticks(xt, xl)
    ax.hline(0.0, _SPINE, 0.7)
    for when, label in data.markers:
        ax.vline(_day(when), PALETTE["muted"], 0.8, "1.3 2.2")
        if ax.inside_x(_day(when)):
            cv.text(float(ax.x(_day(when))) + 3, ax.y0 + 10, label, size=7, color=PALETTE["muted"])
    colors = iter(SERIES)
    legend: list[tuple[str, dict[str, object]]] = []
    for line, values in zip(data.lines, rel, strict=True):
        cf = line.role == "counterfactual"
        color = PALETTE["realized"] if cf else next(colors)
        width, dash = (2.0, "7.4 3.2") if cf else (1.3, None)
        ax.line(x, values, color, width, dash=dash, extra=f' data-line="{escape(line.label, quote=True)}"')
        legend.append((line.label, {"color": color, "width": width, "dash": dash}))
    ax.spines()
    ax.ylabel("Cumulative price return", x=14)
    cv.title_text(ax.x0, 18, "Counterfactual index vs actual indexes" + (
        "" if data.base is not None else " (rebased at the first date)"), cv.width - ax.x0 - 6)
    cv.legend(legend, ax.y1 + 30, size=7.5)
    return cv.svg()


def _hbar_layout(cv: Canvas, labels: Sequence[str], title_h: float = 30.0, bottom: float = 58.0
                 ) -> tuple[float, float, float, float]:
    left = 12 + _label_width(labels) + 8
    return (left, title_h, cv.width - 16.0, cv.height - bottom)


def weights_svg(data: WeightsBars, chart_id: str = "index-weights", title: str = "", caption: str = "",
                top: int = 30) -> str:
    """Horizontal bars of index weights before and after re-weighting (largest ``top`` names)."""
    order = np.argsort(-np.nan_to_num(np.maximum(data.before, data.after)), kind="stable")[:top]
    syms = [data.symbols[i] for i in order]
    before, after = np.asarray(data.before, float)[order], np.asarray(data.after, float)[order]
    cv = Canvas(chart_id, title or "Index weights before and after", caption, 6.2 * PT,
                (1.2 + 0.26 * len(syms)) * PT)
    xlim = _limits([before, after, [0.0]])
    xlim = (min(0.0, xlim[0]), xlim[1]) if np.nanmin(np.concatenate([before, after, [0.0]])) >= 0 else xlim
    ax = Axes(cv, _hbar_layout(cv, syms), xlim, (-0.5 - 0.1, len(syms) - 0.5 + 0.1))
    ticks = nice_ticks(*xlim)
    ax.xticks(ticks.tolist(), _pct_labels(ticks, 0 if _step_decimals(ticks, 100.0) == 0 else None))
    h = 0.38
    rows = []
    for k, s in enumerate(syms):
        yc = len(syms) - 1 - k            # largest on top
        for v, off, color, role in ((before[k], h / 2, _SPINE, "before"), (after[k], -h / 2, PALETTE["fan"], "after")):
            if not math.isfinite(v):
                continue
            x0, x1 = float(ax.x(0.0)), float(ax.x(v))
            y_top = float(ax.y(yc + off + h / 2))
            rows.append(f'<rect x="{min(x0, x1):.2f}" y="{y_top:.2f}" width="{abs(x1 - x0):.2f}" '
                        f'height="{float(ax.y(yc + off - h / 2)) - y_top:.2f}" fill="{color}" '
                        f'data-symbol="{escape(s, quote=True)}" data-role="{role}" data-value="{float(v)!r}"/>')
        cv.line(ax.x0 - 3.5, float(ax.y(yc)), ax.x0, float(ax.y(yc)), _SPINE, 0.8)
        cv.text(ax.x0 - 5.5, float(ax.y(yc)), s, baseline="central", anchor="end")
    cv.parts.extend(rows)
    ax.spines()
    ax.xlabel("Index weight", dy=26)
    cv.title_text(ax.x0, 18, "Index weights before and after re-weighting", cv.width - ax.x0 - 6)
    cv.legend([(data.before_label, {"kind": "bar", "color": _SPINE}),
               (data.after_label, {"kind": "bar", "color": PALETTE["fan"]})], ax.y1 + 42, size=8)
    return cv.svg()


# --------------------------------------------------------------------------------------
# decomposition
# --------------------------------------------------------------------------------------

def decomposition_svg(data: DecompositionBars, chart_id: str = "decomposition", title: str = "",
                      caption: str = "") -> str:
    """Draw diverging stacked bars per symbol; the diamond is the total.

    Each driver's Shapley contribution in percentage points of the noise-free simple return when the
    run has an attribution, else each component's mean log-return contribution (natural logs).
    """
    syms = list(data.symbols)
    pp = bool(data.shapley_pp)
    source = {k: np.asarray(v, float) for k, v in data.shapley_pp.items()} if pp else data.components
    comps = {k: np.nan_to_num(np.asarray(v, float)) for k, v in source.items()}
    n = len(syms)
    pos, neg = np.zeros(n), np.zeros(n)
    stacks = []
    for label, v in comps.items():
        left = np.where(v >= 0, pos, neg)
        stacks.append((label, left, v))
        pos = pos + np.where(v >= 0, v, 0)
        neg = neg + np.where(v < 0, v, 0)
    total = pos + neg
    cv = Canvas(chart_id, title or "Return decomposition", caption, 6.2 * PT, (1.3 + 0.3 * n) * PT)
    leg_rows = 1 + int(sum(text_width(k, 7.5) + 30 for k in comps) + 110 > cv.width - 12)
    ax = Axes(cv, _hbar_layout(cv, syms, bottom=48.0 + 12.0 * leg_rows), _limits([pos, neg, total, [0.0]]),
              (-0.5 - 0.1, n - 0.5 + 0.1))
    ticks = nice_ticks(ax.x.d0, ax.x.d1)
    ax.xticks(ticks.tolist(), [f"{v:+.0f} pp" if pp else f"{v:+.2f}" for v in ticks])
    colors = {"earnings": PALETTE["fan"], "re-rating": PALETTE["accent"], "dividends": PALETTE["positive"],
              RESIDUAL_GROUP: PALETTE["muted"]}
    fallback = iter(SERIES[3:] + SERIES[:3])
    legend: list[tuple[str, dict[str, object]]] = []
    h = 0.6
    for label, left, v in stacks:
        color = colors.get(label.lower()) or next(fallback)
        legend.append((label, {"kind": "bar", "color": color}))
        for k in range(n):
            if v[k] == 0:
                continue
            yc = n - 1 - k
            xa, xb = float(ax.x(left[k])), float(ax.x(left[k] + v[k]))
            y_top = float(ax.y(yc + h / 2))
            cv.add(f'<rect x="{min(xa, xb):.2f}" y="{y_top:.2f}" width="{abs(xb - xa):.2f}" '
                   f'height="{float(ax.y(yc - h / 2)) - y_top:.2f}" fill="{color}" stroke="#ffffff" '
                   f'stroke-width="0.5" data-symbol="{escape(syms[k], quote=True)}" '
                   f'data-part="{escape(label, quote=True)}" data-value="{float(v[k])!r}"/>')
    ax.vline(0.0, _TICK, 0.8)
    for k, s in enumerate(syms):
        ys = ax.y(n - 1 - k)
        cv.marker(ax.x(total[k]), ys, "D", 6.0, PALETTE["ink"],
                  extra=f' data-role="total" data-symbol="{escape(s, quote=True)}" data-value="{float(total[k])!r}"')
        cv.line(ax.x0 - 3.5, ys, ax.x0, ys, _SPINE, 0.8)
        cv.text(ax.x0 - 5.5, ys, s, baseline="central", anchor="end")
    legend.append(("Drivers' total (pp)" if pp else "Total (log)",
                   {"kind": "marker", "marker": "D", "color": PALETTE["ink"], "size": 6.0}))
    ax.spines()
    if pp:
        ax.xlabel("Contribution to the noise-free return, percentage points (Shapley)", dy=26)
        head = "Return attribution by driver (percentage points)"
    else:
        ax.xlabel("Contribution to log(1 + total return), natural log (mean over draws)", dy=26)
        head = "Return decomposition (log contributions)"
    cv.title_text(ax.x0, 18, head, cv.width - ax.x0 - 6)
    cv.legend(legend, ax.y1 + 42, size=7.5)
    return cv.svg()


# --------------------------------------------------------------------------------------
# sensitivity tornado
# --------------------------------------------------------------------------------------

def tornado_svg(t: Any, chart_id: str = "tornado", title: str = "", caption: str = "") -> str:
    """Draw the tornado of :mod:`scenarios.sensitivity`: one panel per symbol, a bar per parameter.

    Each bar runs from the parameter's low to its high return around the noise-free return, in
    percent; red: the low value, blue: the high value; largest swing on top.
    """
    symbols = list(t.symbols)
    bars_of = t.bars
    base_of = t.base
    panel_h = [max(1, len(bars_of[s])) * 0.45 * PT + 62.0 for s in symbols]
    cv = Canvas(chart_id, title or "Sensitivity (tornado)", caption, 8.0 * PT, max(2.5 * PT, sum(panel_h) + 8))
    params = [b.param for s in symbols for b in bars_of[s]]
    left = 12 + _label_width(params) + 8
    y = 4.0
    for s, ph in zip(symbols, panel_h, strict=True):
        bars = list(bars_of[s])
        base = float(base_of[s])
        xs = [base] + [v for b in bars for v in (b.low_return, b.high_return)]
        ax = Axes(cv, (left, y + 24.0, cv.width - 16.0, y + ph - 36.0), _limits([xs]),
                  (-0.5 - 0.1, max(1, len(bars)) - 0.5 + 0.1))
        ticks = nice_ticks(ax.x.d0, ax.x.d1)
        ax.xticks(ticks.tolist(), _pct_labels(ticks))
        for k, b in enumerate(bars):         # largest swing first, drawn on top
            yc = len(bars) - 1 - k
            y_top, y_bot = float(ax.y(yc + 0.3)), float(ax.y(yc - 0.3))
            for v, color, role in ((b.low_return, "#c0504d", "low"), (b.high_return, "#4f81bd", "high")):
                xa, xb = float(ax.x(base)), float(ax.x(v))
                cv.add(f'<rect x="{min(xa, xb):.2f}" y="{y_top:.2f}" width="{abs(xb - xa):.2f}" '
                       f'height="{y_bot - y_top:.2f}" fill="{color}" data-symbol="{escape(s, quote=True)}" '
                       f'data-param="{escape(b.param, quote=True)}" data-role="{role}" data-value="{float(v)!r}"/>')
            cv.text(ax.x0 - 5.5, float(ax.y(yc)), b.param, baseline="central", anchor="end")
        ax.vline(base, "#000000", 0.8)
        ax.spines()
        ax.xlabel("simple return at the horizon, % (red: low value, blue: high value)", dy=26)
        cv.text(ax.x0, y + 16, f"{s}: noise-free return {100 * base:+.1f}%", size=10, color=PALETTE["ink"],
                weight="bold")
        y += ph
    return cv.svg()


# --------------------------------------------------------------------------------------
# walk-forward track record
# --------------------------------------------------------------------------------------

def track_svg(data: TrackRecord, chart_id: str = "track-record", title: str = "", caption: str = "") -> str:
    """Draw forecast vs realized return per ``as_of`` date (top) and the running hit rate and IC (bottom)."""
    cv = Canvas(chart_id, title or "Walk-forward track record", caption, 9.0 * PT, 5.0 * PT)
    x = _days(data.as_of)
    xlim = _limits([x], margin=0.05) if len(x) > 1 else (
        (float(x[0]) - 30.0, float(x[0]) + 30.0) if len(x) else (0.0, 1.0))
    top_vals = [data.predicted, data.realized, data.lower, data.upper, [0.0]]
    tlim = _limits(top_vals)
    tt = nice_ticks(*tlim)
    tl = _pct_labels(tt)
    left = 14 + _label_width(tl + ["100%", "-20%"]) + 22
    right = cv.width - 14.0
    legend_h = 26.0
    plot_top, plot_bottom = 30.0, cv.height - 38.0 - legend_h
    gap = 10.0
    h_top = (plot_bottom - plot_top - gap) * 3 / 4.6
    top = Axes(cv, (left, plot_top, right, plot_top + h_top), xlim, tlim)
    top.yticks(tt.tolist(), tl)
    xt, xl = date_ticks(*xlim)
    top.xticks(xt, xl, draw_labels=False)
    legend: list[tuple[str, dict[str, object]]] = []
    if data.lower.size and data.upper.size:
        top.band(x, data.lower, data.upper, PALETTE["fan"], 0.18)
        legend.append((f"Predicted {data.band}", {"kind": "band", "color": PALETTE["fan"], "opacity": 0.18}))
    top.hline(0.0, _SPINE, 0.7)
    top.line(x, data.predicted, PALETTE["fan"], 1.4)
    for xi, v in zip(x, np.asarray(data.predicted, float), strict=True):
        if math.isfinite(v):
            cv.marker(float(top.x(xi)), float(top.y(v)), "o", 4.2, PALETTE["fan"])
    legend.append(("Predicted (median)", {"color": PALETTE["fan"], "width": 1.4}))
    for xi, v in zip(x, np.asarray(data.realized, float), strict=True):
        if math.isfinite(v):
            cv.marker(float(top.x(xi)), float(top.y(v)), "D", 5.6, PALETTE["realized"],
                      extra=f' data-role="realized" data-value="{float(v)!r}"')
    legend.append(("Realized", {"kind": "marker", "marker": "D", "color": PALETTE["realized"], "size": 5.6}))
    top.spines()
    top.ylabel("Return to horizon", x=14)
    cv.title_text(top.x0, 18, f"Walk-forward track record: {data.label}", right - top.x0)
    ic = np.asarray(data.ic, float)
    lo_b = min(-0.2, float(np.nanmin(ic)) - 0.05) if ic.size and np.isfinite(ic).any() else 0.0
    bot = Axes(cv, (left, plot_top + h_top + gap, right, plot_bottom), xlim, (lo_b, 1.0))
    bt = nice_ticks(lo_b, 1.0, 4)
    bot.yticks(bt.tolist(), [f"{v * 100:.0f}%" for v in bt], role="y-bottom")
    bot.xticks(xt, xl)
    if ic.size:
        width = max((x[-1] - x[0]) / max(len(x), 1) * 0.6, 1.0) if len(x) > 1 else 5.0
        for xi, v in zip(x, ic, strict=True):
            if not math.isfinite(v):
                continue
            xa, xb = float(bot.x(xi - width / 2)), float(bot.x(xi + width / 2))
            ya, yb = float(bot.y(max(v, 0.0))), float(bot.y(min(v, 0.0)))
            color = PALETTE["alt"] if v >= 0 else PALETTE["negative"]
            cv.add(f'<rect x="{xa:.2f}" y="{ya:.2f}" width="{xb - xa:.2f}" height="{yb - ya:.2f}" '
                   f'fill="{color}" fill-opacity="0.7" data-role="ic" data-value="{float(v)!r}"/>')
        legend.append(("IC (per date)", {"kind": "bar", "color": PALETTE["alt"], "opacity": 0.7}))
    if data.hit_rate.size:
        for xi, v in zip(x, np.asarray(data.hit_rate, float), strict=True):
            if math.isfinite(v):
                cv.marker(float(bot.x(xi)), float(bot.y(v)), "o", 4.9, PALETTE["positive"])
        legend.insert(len(legend) - (1 if ic.size else 0),
                      ("Hit rate (window)", {"kind": "marker", "color": PALETTE["positive"], "size": 4.9}))
    bot.line(x, data.cumulative_hit_rate, PALETTE["positive"], 1.4)
    legend.append(("Hit rate (running)", {"color": PALETTE["positive"], "width": 1.4}))
    bot.hline(0.5, PALETTE["muted"], 0.7, "1.1 1.8")
    bot.hline(0.0, _SPINE, 0.7)
    bot.spines()
    bot.ylabel("Hit rate / IC", x=14)
    bot.xlabel("Forecast date (as_of)", dy=26)
    cv.legend(legend, cv.height - legend_h + 4, size=7.5)
    return cv.svg()
