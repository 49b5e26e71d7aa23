"""PriceView: nothing after as_of is ever visible (no look-ahead by construction)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.data import COLUMNS, CsvDirSource, PriceView
from scenarios.data.csvdir import slice_frame
from scenarios.errors import DataUnavailableError, LookAheadError


class FrameSource:
    """In-memory PriceSource that records every request."""

    name = "memory"

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames
        self.requests: list[tuple[str, object, object]] = []

    def get(self, symbol, start=None, end=None) -> pd.DataFrame:
        self.requests.append((symbol, start, end))
        if symbol not in self.frames:
            raise DataUnavailableError(symbol)
        return slice_frame(self.frames[symbol], start, end)

    def symbols(self) -> list[str]:
        return sorted(self.frames)


def _frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    idx = pd.bdate_range("2024-01-01", periods=n, name="date").as_unit("ns")
    rng = np.random.default_rng(seed)
    c = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    return pd.DataFrame({"open": c, "high": c * 1.01, "low": c * 0.99, "close": c,
                         "volume": rng.uniform(1e6, 2e6, n), "dividends": 0.0}, index=idx)


FRAME = _frame()


def test_requests_after_as_of_raise() -> None:
    view = PriceView(FrameSource({"0700.HK": FRAME}), "2024-06-28")
    with pytest.raises(LookAheadError, match="after this view's as_of 2024-06-28"):
        view.history("0700.HK", end="2024-07-01")
    with pytest.raises(LookAheadError):
        view.history("0700.HK", start="2024-07-02")
    with pytest.raises(LookAheadError):
        view.close("700.HK", "2024-01-01", "2025-01-01")
    # the boundary itself is visible
    assert view.history("0700.HK", end="2024-06-28").index[-1] == pd.Timestamp("2024-06-28")


def test_frames_never_contain_rows_after_as_of() -> None:
    src = FrameSource({"0700.HK": FRAME})
    view = PriceView(src, "2024-06-28 15:00")  # a time of day is cut to the date
    h = view.history("0700.HK")
    assert h.index.max() == pd.Timestamp("2024-06-28") and (h.index <= view.as_of).all()
    assert list(h.columns) == list(COLUMNS)
    assert all(end is not None and pd.Timestamp(end) <= view.as_of for _, _, end in src.requests)
    # mutating a returned frame does not leak into later answers
    h.loc[:, "close"] = -1.0
    assert (view.close("0700.HK") > 0).all()


def test_last_close_and_staleness() -> None:
    view = PriceView(FrameSource({"0700.HK": FRAME}), "2024-06-30")  # a Sunday
    d, c = view.last_close("0700.HK")
    assert d == pd.Timestamp("2024-06-28") and c == FRAME.loc["2024-06-28", "close"]
    late = PriceView(FrameSource({"0700.HK": FRAME}), "2030-01-01")
    with pytest.raises(DataUnavailableError, match="stale"):
        late.last_close("0700.HK")


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(0, len(FRAME) - 1), factor=st.floats(0.01, 100), extra=st.integers(0, 30),
       start_back=st.integers(0, 400))
def test_changing_the_future_changes_nothing_visible(cut: int, factor: float, extra: int, start_back: int) -> None:
    as_of = FRAME.index[cut]
    future = FRAME.index > as_of
    altered = FRAME.copy()
    altered.loc[future, ["open", "high", "low", "close"]] *= factor
    altered.loc[future, "volume"] = 0.0
    if extra:  # and more bars appended after the end
        more = _frame(extra, seed=extra).set_axis(
            pd.bdate_range(FRAME.index[-1] + pd.Timedelta(days=1), periods=extra, name="date").as_unit("ns"))
        altered = pd.concat([altered, more])
    a = PriceView(FrameSource({"X": FRAME}), as_of)
    b = PriceView(FrameSource({"X": altered}), as_of)
    start = as_of - pd.Timedelta(days=start_back)
    pd.testing.assert_frame_equal(a.history("X"), b.history("X"), check_exact=True)
    pd.testing.assert_frame_equal(a.history("X", start=start), b.history("X", start=start), check_exact=True)
    pd.testing.assert_series_equal(a.close("X"), b.close("X"), check_exact=True)
    assert a.last_close("X", max_staleness_days=10_000) == b.last_close("X", max_staleness_days=10_000)


@pytest.mark.snapshot
def test_view_over_the_snapshot(snapshot_dir: Path) -> None:
    view = PriceView(CsvDirSource(snapshot_dir), "2025-12-31")
    assert view.last_close("HK.00700")[1] == pytest.approx(592.10144)
    assert view.history("^HSI").index[-1] == pd.Timestamp("2025-12-31")
    with pytest.raises(LookAheadError):
        view.history("0700.HK", end="2026-01-02")
