"""Tiny inline SVG density sketches of driver distributions.

No matplotlib: a few hundred bytes each, drawn from the analytic density, deterministic.

:func:`density_points` gives the curve (x, density) of a distribution dict as written in a
scenario (``{dist: normal, mean: .., sd: ..}``, ``lognormal``, ``uniform``, ``triangular``,
``choice``), restricted to its ``clip`` range; :func:`sparkline_svg` draws it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape
from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = ["density_points", "sparkline_svg"]

_N = 64


def _grid(lo: float, hi: float, clip: Any) -> np.ndarray:
    if clip:
        lo, hi = max(lo, float(clip[0])), min(hi, float(clip[1]))
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return np.empty(0)
    return np.linspace(lo, hi, _N)


def density_points(spec: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, bool]:
    """(x, density, discrete) of a distribution dict; empty arrays for anything else.

    Continuous kinds span their 0.5 %..99.5 % quantiles (whole support for uniform and
    triangular) cut to ``clip``; ``choice`` returns its values and weights (``discrete=True``).
    """
    kind = spec.get("dist")
    clip = spec.get("clip")
    empty = (np.empty(0), np.empty(0), False)
    try:
        if kind == "normal":
            m, s = float(spec["mean"]), float(spec["sd"])
            if s <= 0:
                return empty
            z = NormalDist().inv_cdf(0.995)
            x = _grid(m - z * s, m + z * s, clip)
            return x, np.exp(-0.5 * ((x - m) / s) ** 2), False
        if kind == "lognormal":
            med, sig = float(spec["median"]), float(spec["sigma"])
            if sig <= 0:
                return empty
            z = NormalDist().inv_cdf(0.995)
            x = _grid(med * math.exp(-z * sig), med * math.exp(z * sig), clip)
            x = x[x > 0]
            return x, np.exp(-0.5 * (np.log(x / med) / sig) ** 2) / x, False
        if kind == "uniform":
            lo, hi = float(spec["low"]), float(spec["high"])
            span = hi - lo
            if span <= 0:
                return empty
            x = _grid(lo - 0.08 * span, hi + 0.08 * span, None)
            return x, ((x >= lo) & (x <= hi)).astype(float), False
        if kind == "triangular":
            lo, mode, hi = float(spec["low"]), float(spec["mode"]), float(spec["high"])
            if hi <= lo:
                return empty
            x = _grid(lo, hi, clip)
            up = np.where(mode > lo, (x - lo) / max(mode - lo, 1e-300), 1.0)
            down = np.where(hi > mode, (hi - x) / max(hi - mode, 1e-300), 1.0)
            return x, np.clip(np.where(x <= mode, up, down), 0.0, None), False
        if kind == "choice":
            vals = np.asarray(spec["values"], dtype=float)
            w = np.asarray(spec.get("weights") or np.ones(vals.size), dtype=float)
            if vals.size == 0 or w.sum() <= 0:
                return empty
            return vals, w / w.sum(), True
    except (KeyError, TypeError, ValueError):
        return empty
    return empty


def sparkline_svg(spec: Any, label: str = "", width: int = 120, height: int = 26) -> str:
    """Return an inline ``<svg>`` sketch of the density of ``spec`` ('' when it is not a distribution)."""
    if not isinstance(spec, Mapping):
        return ""
    x, y, discrete = density_points(spec)
    if x.size == 0 or not np.isfinite(y).all() or y.max() <= 0:
        return ""
    pad = 2.0
    lo, hi = float(x.min()), float(x.max())
    span = hi - lo if hi > lo else 1.0
    if discrete:
        lo, span = lo - 0.1 * span, span * 1.2
    sx = (x - lo) / span * (width - 2 * pad) + pad
    sy = height - pad - y / y.max() * (height - 2 * pad)
    title = f"<title>{escape(label)}</title>" if label else ""
    if discrete:
        bars = "".join(f'<line x1="{a:.1f}" y1="{height - pad:.1f}" x2="{a:.1f}" y2="{b:.1f}"/>'
                       for a, b in zip(sx, sy, strict=True))
        body = f'<g stroke="#2f6fb0" stroke-width="3">{bars}</g>'
    else:
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(sx, sy, strict=True))
        base = height - pad
        body = (f'<polygon points="{sx[0]:.1f},{base:.1f} {pts} {sx[-1]:.1f},{base:.1f}" '
                f'fill="#2f6fb0" fill-opacity="0.22" stroke="none"/>'
                f'<polyline points="{pts}" fill="none" stroke="#2f6fb0" stroke-width="1.2"/>')
    axis = (f'<line x1="{pad}" y1="{height - pad:.1f}" x2="{width - pad}" y2="{height - pad:.1f}" '
            f'stroke="#9aa5b1" stroke-width="0.6"/>')
    return (f'<svg class="spark" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">{title}{axis}{body}</svg>')
