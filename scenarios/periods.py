"""Calendar periods (``90D``, ``6W``, ``6M``, ``2Q``, ``1Y``) and month arithmetic.

One rule for every date step in the project (scenario horizons, walk-forward roll dates and
window overlaps), the end-of-month convention of pandas ``DateOffset(months=n)`` combined with
``MonthEnd`` as bt/ffn use it:

* if ``start`` is the last calendar day of its month, ``start + nM`` is the last day of the
  target month (2025-09-30 + 3M = 2025-12-31, 2025-02-28 + 1M = 2025-03-31,
  2024-02-29 + 12M = 2025-02-28);
* otherwise the day number is kept, clamped to the target month's length
  (2025-01-31 is a month end, but 2025-01-30 + 1M = 2025-02-28, 2025-01-15 + 1M = 2025-02-15).

``Q`` is 3 months and ``Y`` 12 months; ``D`` and ``W`` are calendar days and weeks.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

__all__ = ["PERIOD_RE", "add_months", "add_period", "is_month_end", "month_end", "parse_period"]

#: ``<count><unit>``, unit one of D W M Q Y (case-insensitive, blanks allowed around)
PERIOD_RE = re.compile(r"^\s*(\d+)\s*([DWMQY])\s*$", re.IGNORECASE)

_MONTHS = {"M": 1, "Q": 3, "Y": 12}


def month_end(year: int, month: int) -> dt.date:
    """Return the last calendar day of ``year``-``month``."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def is_month_end(day: dt.date) -> bool:
    """Whether ``day`` is the last calendar day of its month."""
    return day.day == calendar.monthrange(day.year, day.month)[1]


def add_months(start: dt.date, months: int) -> dt.date:
    """``start`` plus ``months`` calendar months (may be negative) under the module's rule.

    A month-end start gives the target month's end; any other day keeps its number, clamped
    to the target month's length. Accepts ``datetime.date`` (and ``pandas.Timestamp``, a
    ``date`` subclass; the result is a plain ``date``).
    """
    y, mo = divmod(start.month - 1 + int(months), 12)
    year, month = start.year + y, mo + 1
    last = calendar.monthrange(year, month)[1]
    if is_month_end(start):
        return dt.date(year, month, last)
    return dt.date(year, month, min(start.day, last))


def parse_period(period: str) -> tuple[int, str]:
    """``"6M"`` -> ``(6, "M")``; ``ValueError`` for anything that is not a period."""
    m = PERIOD_RE.match(period) if isinstance(period, str) else None
    if not m:
        raise ValueError(f"not a period: {period!r}")
    return int(m.group(1)), m.group(2).upper()


def add_period(start: dt.date, period: str) -> dt.date:
    """``start`` plus a period ``90D``/``6W``/``6M``/``2Q``/``1Y``.

    Days and weeks are calendar days; months, quarters and years follow :func:`add_months` (month
    ends stay month ends).
    """
    n, u = parse_period(period)
    if isinstance(start, dt.datetime):
        start = start.date()
    if u == "D":
        return start + dt.timedelta(days=n)
    if u == "W":
        return start + dt.timedelta(weeks=n)
    return add_months(start, n * _MONTHS[u])
