"""Realized returns on the real snapshot, checked against a plain csv reading."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest

from scenarios.backtest.realized import (
    realized_closes,
    realized_return,
    realized_returns,
    require_same_kind,
    return_kind,
)
from scenarios.data.csvdir import CsvDirSource


def _last_close_on_or_before(path: Path, day: str) -> float:
    """Independent reading: the csv module, string dates, no pandas, no project code."""
    best = None
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["date"] <= day and row["close"] not in ("", "nan"):
                best = float(row["close"])
    assert best is not None
    return best


@pytest.mark.snapshot
def test_calendar_2025_index_price_returns(snapshot_dir: Path) -> None:
    src = CsvDirSource(snapshot_dir)
    out = realized_returns(["^HSI", "HSTECH.HK"], "2024-12-31", "2025-12-31", src)
    for sym, published in (("^HSI", 0.278), ("HSTECH.HK", 0.235)):
        f = snapshot_dir / f"{sym}.csv"
        independent = _last_close_on_or_before(f, "2025-12-31") / _last_close_on_or_before(f, "2024-12-31") - 1
        assert out.loc[sym, "return"] == pytest.approx(independent, abs=0.001)
        assert round(out.loc[sym, "return"], 3) == published  # +27.8% and +23.5%
        assert out.loc[sym, "kind"] == "price" and out.loc[sym, "status"] == "complete"
    assert out.attrs["kinds"] == ["price"]


@pytest.mark.snapshot
def test_stock_total_return_and_pandas_cross_check(snapshot_dir: Path) -> None:
    src = CsvDirSource(snapshot_dir)
    r = realized_return("700", "2025-02-13", "2025-12-31", src)
    df = pd.read_csv(snapshot_dir / "0700.HK.csv", index_col="date", parse_dates=True)["close"].dropna()
    expected = df.loc[:"2025-12-31"].iloc[-1] / df.loc[:"2025-02-13"].iloc[-1] - 1
    assert r.symbol == "0700.HK" and r.kind == "total" and r.status == "complete"
    assert r.value == pytest.approx(expected, rel=1e-12)
    assert r.end_close == pytest.approx(592.10, abs=0.01)  # adjusted close on 2025-12-31


@pytest.mark.snapshot
def test_holiday_start_uses_last_close_before(snapshot_dir: Path) -> None:
    src = CsvDirSource(snapshot_dir)
    # 2025-01-01 is a holiday: the start close is 2024-12-31's
    r = realized_return("^HSI", "2025-01-01", "2025-01-05", src)
    assert r.start_date == pd.Timestamp("2024-12-31") and r.end_date == pd.Timestamp("2025-01-03")


@pytest.mark.snapshot
def test_partial_and_unavailable_windows(snapshot_dir: Path) -> None:
    src = CsvDirSource(snapshot_dir)
    out = realized_returns(["0005.HK", "2513.HK", "NOPE.HK", "^HSI"], "2025-06-30", "2025-12-31", src)
    assert out.loc["0005.HK", "status"] == "partial"
    assert out.loc["0005.HK", "end_date"] == pd.Timestamp("2025-10-30")
    assert "2025-10-30" in out.loc["0005.HK", "note"]
    assert out.loc["2513.HK", "status"] == "unavailable" and math.isnan(out.loc["2513.HK", "return"])
    assert "2026-01-08" in out.loc["2513.HK", "note"]
    assert out.loc["NOPE.HK", "status"] == "unavailable"
    assert out.attrs["kinds"] == ["price", "total"]
    with pytest.raises(ValueError, match="mix total"):
        require_same_kind(*out["kind"])
    assert require_same_kind(*out["kind"], allow_mixed=True) == "mixed"
    # the horizon beyond every series: HSTECH ends 2025-12-31
    late = realized_return("HSTECH.HK", "2025-12-31", "2026-06-30", src)
    assert late.status == "unavailable" and "data ends" in late.note


@pytest.mark.snapshot
def test_realized_closes_frame(snapshot_dir: Path) -> None:
    src = CsvDirSource(snapshot_dir)
    c = realized_closes(["^HSI", "HSTECH.HK"], "2025-01-01", "2025-01-10", src)
    assert c.index[0] == pd.Timestamp("2024-12-31") and c.index[-1] == pd.Timestamp("2025-01-10")
    assert c.notna().all().all()
    assert c.attrs["kinds"] == {"^HSI": "price", "HSTECH.HK": "price"}


def test_return_kind() -> None:
    assert return_kind("^HSI") == "price" and return_kind("HSTECH.HK") == "price"
    assert return_kind("0700.HK") == "total" and return_kind("msft") == "total"


@pytest.mark.snapshot
def test_close_cache_gives_the_same_windows(snapshot_dir: Path) -> None:
    from scenarios.backtest.realized import CloseCache

    src = CsvDirSource(snapshot_dir)
    cache = CloseCache(src)
    syms = ["0700.HK", "0005.HK", "2513.HK", "HSTECH.HK", "NOPE.HK"]
    for start, end in (("2024-12-31", "2025-12-31"), ("2025-06-30", "2025-12-31"),
                       ("2025-01-01", "2025-01-05"), ("2026-01-30", "2026-06-30")):
        a = realized_returns(syms, start, end, src)
        b = realized_returns(syms, start, end, cache=cache)
        pd.testing.assert_frame_equal(a, b)


@pytest.mark.snapshot
def test_trailing_return_from_closes_ignores_the_future(snapshot_dir: Path) -> None:
    import numpy as np

    from scenarios.backtest.forecast import trailing_return, trailing_return_from_closes
    from scenarios.backtest.realized import CloseCache
    from scenarios.data.view import PriceView

    src = CsvDirSource(snapshot_dir)
    dates, closes = CloseCache(src).get("9988.HK")
    for as_of in ("2024-03-31", "2025-06-30", "2025-10-01"):
        via_view = trailing_return(PriceView(src, as_of), "9988.HK", 91)
        via_arrays = trailing_return_from_closes(dates, closes, as_of, 91)
        assert via_arrays == pytest.approx(via_view, rel=1e-12)
        # doubling every close after as_of changes nothing
        later = dates > np.datetime64(pd.Timestamp(as_of))
        assert trailing_return_from_closes(dates, np.where(later, 2 * closes, closes), as_of, 91) == via_arrays
