"""Month arithmetic of horizons (``scenarios.periods``) against pandas offsets.

The independent implementation: pandas ``MonthEnd`` for a month-end start (rolls to the end
of the month ``n`` months later) and ``DateOffset(months=n)`` otherwise (clamps the day), the
conventions bt/ffn rely on.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.model import add_period, scenario_from_dict
from scenarios.periods import add_months, is_month_end, parse_period

SETTINGS = settings(max_examples=300, deadline=None)
DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))


def _pandas_add_months(start: dt.date, months: int) -> dt.date:
    ts = pd.Timestamp(start)
    if ts.is_month_end:
        out = ts + pd.offsets.MonthEnd(months) if months else ts
    else:
        out = ts + pd.DateOffset(months=months)
    return out.date()


@SETTINGS
@given(start=DATES, months=st.integers(-120, 120))
def test_add_months_matches_pandas_offsets(start: dt.date, months: int) -> None:
    assert add_months(start, months) == _pandas_add_months(start, months)


@SETTINGS
@given(start=DATES, n=st.integers(1, 40), unit=st.sampled_from(["M", "Q", "Y", "m", "q", "y"]))
def test_add_period_months_quarters_years(start: dt.date, n: int, unit: str) -> None:
    months = n * {"M": 1, "Q": 3, "Y": 12}[unit.upper()]
    got = add_period(start, f"{n}{unit}")
    assert got == _pandas_add_months(start, months)
    # month ends stay month ends; other days keep their number unless the month is shorter
    if is_month_end(start):
        assert pd.Timestamp(got).is_month_end
    else:
        assert got.day == min(start.day, pd.Timestamp(got).days_in_month)


@SETTINGS
@given(start=DATES, n=st.integers(1, 2000))
def test_days_and_weeks_are_calendar_days(start: dt.date, n: int) -> None:
    assert add_period(start, f"{n}D") == (pd.Timestamp(start) + pd.Timedelta(days=n)).date()
    assert add_period(start, f" {n} w ") == (pd.Timestamp(start) + pd.DateOffset(weeks=n)).date()


@pytest.mark.parametrize("start,period,end", [
    ("2025-09-30", "3M", "2025-12-31"),   # month end -> month end (was 2025-12-30)
    ("2025-01-31", "1M", "2025-02-28"),
    ("2025-02-28", "1M", "2025-03-31"),   # Feb 28 is the end of February 2025
    ("2024-02-28", "1M", "2024-03-28"),   # ... but not of February 2024
    ("2024-02-29", "1Y", "2025-02-28"),
    ("2025-02-28", "1Y", "2026-02-28"),
    ("2023-02-28", "1Y", "2024-02-29"),
    ("2025-01-30", "1M", "2025-02-28"),
    ("2025-04-30", "1M", "2025-05-31"),
    ("2025-05-30", "1M", "2025-06-30"),
    ("2025-06-30", "2Q", "2025-12-31"),
    ("2025-01-15", "1M", "2025-02-15"),
])
def test_documented_examples(start: str, period: str, end: str) -> None:
    assert add_period(dt.date.fromisoformat(start), period) == dt.date.fromisoformat(end)


def test_timestamps_are_accepted_and_bad_periods_rejected() -> None:
    assert add_period(pd.Timestamp("2025-09-30"), "1Q") == dt.date(2025, 12, 31)
    assert parse_period(" 6m ") == (6, "M")
    for bad in ("6", "M6", "6X", "-1M", "1.5M", ""):
        with pytest.raises(ValueError):
            add_period(dt.date(2025, 1, 1), bad)


def _scenario(as_of: str, horizon: str) -> dict:
    return {"name": "h", "as_of": as_of, "horizon": horizon, "universe": ["0700.HK"]}


def test_horizon_date_uses_the_same_rule() -> None:
    s = scenario_from_dict(_scenario("2025-09-30", "3M"))
    assert s.horizon_date() == dt.date(2025, 12, 31)
    assert s.horizon_date(dt.date(2025, 11, 30)) == dt.date(2026, 2, 28)
    assert s.horizon_date(pd.Timestamp("2026-02-28")) == dt.date(2026, 5, 31)
    # a date horizon between two month ends keeps its month count in a walk-forward ...
    s = scenario_from_dict(_scenario("2024-12-31", "2025-12-31"))
    assert s.horizon_date() == dt.date(2025, 12, 31)
    assert s.horizon_date(dt.date(2025, 3, 31)) == dt.date(2026, 3, 31)
    assert s.horizon_date(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    # ... from any other day, or for any other date horizon, the calendar days are kept
    assert s.horizon_date(dt.date(2025, 3, 30)) == dt.date(2026, 3, 30)
    assert s.horizon_date(dt.date(2023, 3, 15)) == dt.date(2024, 3, 14)  # 365 days, leap year
    s = scenario_from_dict(_scenario("2025-12-23", "2026-06-30"))
    assert s.horizon_date(dt.date(2025, 6, 30)) == dt.date(2025, 6, 30) + dt.timedelta(days=189)
