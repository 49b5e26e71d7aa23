"""Exchange calendars: which exchange a symbol trades on, and the on-disk session cache."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.data import exchange_calendar as cal


def _clear() -> None:
    cal._calendar_arrays.cache_clear()
    cal._all_sessions.cache_clear()
    cal._early_closes.cache_clear()


def test_calendar_names() -> None:
    assert [cal.calendar_name(s) for s in ("700.HK", "^HSI", "688256.SS", "300308.SZ", "MSFT", "^GSPC")] == \
        ["XHKG", "XHKG", "XSHG", "XSHG", "XNYS", "XNYS"]


def test_sessions_match_exchange_calendars_and_cache_survives_a_new_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import exchange_calendars as xcals

    _clear()
    got = cal.sessions("0700.HK", "2025-01-01", "2025-12-31")
    import warnings

    with warnings.catch_warnings():  # exchange-calendars' own pandas-4 deprecations
        warnings.simplefilter("ignore")
        direct = xcals.get_calendar("XHKG").sessions_in_range("2025-01-01", "2025-12-31")
    assert got.equals(pd.DatetimeIndex(direct.tz_localize(None) if direct.tz else direct).as_unit("ns"))
    assert pd.Timestamp("2025-01-29") not in got  # Lunar New Year
    early = cal.early_closes("0700.HK")
    bounds = cal.calendar_bounds("0700.HK")
    assert list(cal._cache_file("XHKG").parent.glob("XHKG-*.npz"))

    # a "new process": memo cleared and the library unusable -> everything comes from the cache
    _clear()
    def boom(name: str) -> None:
        raise AssertionError("the calendar was rebuilt instead of read from the cache")
    monkeypatch.setattr(cal, "get_calendar", boom)
    assert cal.sessions("0700.HK", "2025-01-01", "2025-12-31").equals(got)
    assert cal.early_closes("0700.HK").equals(early)
    assert cal.calendar_bounds("0700.HK") == bounds
    _clear()


def test_damaged_cache_is_rebuilt() -> None:
    _clear()
    cal.sessions("MSFT", "2025-01-01", "2025-01-31")
    path = cal._cache_file("XNYS")
    path.write_bytes(b"not a numpy archive")
    _clear()
    assert len(cal.sessions("MSFT", "2025-01-01", "2025-01-31")) == 20  # Jan 1 and MLK day closed
    _clear()


@settings(max_examples=200, deadline=None)
@given(a=st.integers(-400, 16_000), span=st.integers(-30, 4_000), name=st.sampled_from(["0700.HK", "MSFT"]))
def test_sessions_by_binary_search_equal_the_date_mask(a: int, span: int, name: str) -> None:
    """:func:`sessions` cuts the ascending sessions at two binary searches: the mask's rows, exactly."""
    lo = pd.Timestamp("1985-06-01") + pd.Timedelta(days=a)
    hi = lo + pd.Timedelta(days=span)
    s = cal._all_sessions(cal.calendar_name(name))
    for start, end in ((lo, hi), (lo.date().isoformat(), hi), (lo + pd.Timedelta(hours=15), hi)):
        got = cal.sessions(name, start, end)
        want = s[(s >= pd.Timestamp(start)) & (s <= pd.Timestamp(end))]
        assert got.equals(want) and got.freq == want.freq and got.name == want.name
        assert got.dtype == want.dtype
