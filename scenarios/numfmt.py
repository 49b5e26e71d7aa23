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


#: From this magnitude on (as printed: percent for :func:`pct`), a number prints in exponent form
HUGE = 1e9


def _fixed(x: float, digits: int, sign: str, shift: int = 0) -> str:
    """``x * 10**shift`` with ``digits`` decimals, or in exponent form (3 significant digits).

    The exponent form is used from :data:`HUGE` on (after rounding to ``digits``), and when the
    scaled value overflows a float: a value no table column can hold (a growth of 1e150 gives a
    return of some 10**76 percent) would otherwise print every one of its digits, or ``inf``.
    """
    scaled = x * 10.0**shift
    if math.isfinite(scaled) and abs(round(scaled, digits)) < HUGE:
        return f"{scaled:{sign}.{digits}f}"
    mantissa, exponent = f"{x:.2e}".split("e")
    return f"{float(mantissa):{sign}.3g}e{int(exponent) + shift:+03d}"


def pct(v: Any, signed: bool = True, digits: int = 1, missing: str = "n/a") -> str:
    """Format a fraction as a percent: ``0.0394 -> '+3.9%'`` (``signed=False``: ``'3.9%'``).

    From 1e9 percent on, in exponent form (``'+1e+150%'``).
    """
    x = as_finite(v)
    if x is None:
        return missing
    return f"{_fixed(x, digits, '+' if signed else '', shift=2)}%"


def num(v: Any, digits: int = 3, missing: str = "n/a") -> str:
    """Format a plain number with ``digits`` decimals: ``1.23456 -> '1.235'`` (from 1e9 on: ``'1e+12'``)."""
    x = as_finite(v)
    return missing if x is None else _fixed(x, digits, "")


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
