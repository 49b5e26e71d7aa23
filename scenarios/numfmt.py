"""Numbers as text, the one set of formatters for the terminal and the run records.

Ground floor: imports nothing of ``scenarios``. Fractions in, percents out (``0.0394 ->
'+3.9%'``); a missing or non-finite number prints as ``missing`` (``'n/a'`` unless told).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["as_finite", "crps_text", "num", "p_text", "pct"]


def as_finite(v: Any, *, bools: bool = True) -> float | None:
    """``v`` as a finite float, else ``None`` (``None``, NaN, inf, text that is not a number).

    Parameters
    ----------
    v : Any
        The value.
    bools : bool
        Whether ``True``/``False`` count as 1.0/0.0 (otherwise they give ``None``).
    """
    if v is None or (isinstance(v, bool) and not bools):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def pct(v: Any, signed: bool = True, digits: int = 1, missing: str = "n/a") -> str:
    """Format a fraction as a percent: ``0.0394 -> '+3.9%'`` (``signed=False``: ``'3.9%'``)."""
    x = as_finite(v)
    if x is None:
        return missing
    return f"{100 * x:+.{digits}f}%" if signed else f"{100 * x:.{digits}f}%"


def num(v: Any, digits: int = 3, missing: str = "n/a") -> str:
    """Format a plain number with ``digits`` decimals: ``1.23456 -> '1.235'``."""
    x = as_finite(v)
    return missing if x is None else f"{x:.{digits}f}"


def crps_text(v: Any) -> str:
    """Format a CRPS (return units, a fraction inside) as percentage points of return.

    ``0.0312 -> '3.12 pp'``; the one way a CRPS is shown (terminal, ``runs``, the HTML report).
    """
    x = as_finite(v)
    return "n/a" if x is None else f"{100 * x:.2f} pp"


def p_text(v: Any) -> str:
    """Format a p-value: ``'<0.001'`` below 0.001, else three decimals."""
    x = as_finite(v)
    if x is None:
        return "n/a"
    return "<0.001" if x < 0.001 else f"{x:.3f}"
