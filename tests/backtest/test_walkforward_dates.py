"""Walk-forward date stepping uses the project's month rule (``scenarios.periods``)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.backtest.walkforward import horizon_steps, roll_dates
from scenarios.model import add_period

SETTINGS = settings(max_examples=150, deadline=None)
DATES = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))


@SETTINGS
@given(start=DATES, days=st.integers(0, 3000), roll=st.sampled_from(["monthly", "quarterly"]))
def test_roll_dates_are_pandas_month_and_quarter_ends(start: dt.date, days: int, roll: str) -> None:
    end = start + dt.timedelta(days=days)
    freq = "ME" if roll == "monthly" else "QE-DEC"
    expected = list(pd.date_range(start, end, freq=freq))
    assert roll_dates(start, end, roll) == expected  # type: ignore[arg-type]


@SETTINGS
@given(k=st.integers(0, 200), n=st.integers(1, 8), unit=st.sampled_from(["M", "Q", "Y"]),
       roll=st.sampled_from(["monthly", "quarterly"]))
def test_a_month_horizon_from_a_roll_date_spans_whole_steps(k: int, n: int, unit: str, roll: str) -> None:
    """From a month end, a horizon of ``m`` months spans ceil(m / step) roll steps exactly,
    whatever the month lengths (the old 365.25 / 12 approximation needed a tolerance)."""
    as_of = pd.Timestamp("2000-01-31") + pd.offsets.MonthEnd(k)
    step = 1 if roll == "monthly" else 3
    months = n * {"M": 1, "Q": 3, "Y": 12}[unit]
    horizon = add_period(as_of, f"{n}{unit}")
    assert pd.Timestamp(horizon).is_month_end
    assert horizon_steps(as_of, horizon, roll) == max(1, -(-months // step))  # type: ignore[arg-type]


def test_steps_around_quarter_ends() -> None:
    assert horizon_steps("2025-09-30", "2025-12-31", "quarterly") == 1
    assert horizon_steps("2025-09-30", "2026-03-31", "quarterly") == 2
    assert horizon_steps("2025-12-31", "2026-03-31", "monthly") == 3
    assert horizon_steps("2025-06-30", "2025-09-28", "quarterly") == 1     # 90D
    assert horizon_steps("2025-06-30", "2025-10-10", "quarterly") == 2     # 10 days into the next
