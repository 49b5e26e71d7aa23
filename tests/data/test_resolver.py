"""Resolver: store first, then the CSV folder, then Yahoo; gap fills; memo; offline message."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yfinance
from _yfshapes import snapshot_frame

from scenarios.data import COLUMNS, CsvDirSource, Resolver, default_source, get_prices, is_canonical
from scenarios.data.barstore import MIN_DATE, BarStore
from scenarios.data.yahoo import YahooSource
from scenarios.errors import DataUnavailableError

pytestmark = pytest.mark.snapshot


class FakeYahoo:
    """A YahooSource stand-in serving slices of a full series and recording each request."""

    name = "yahoo"

    def __init__(self, full: dict[str, pd.DataFrame]) -> None:
        self.full = full
        self.calls: list[tuple[str, date | None, date | None]] = []

    def symbols(self) -> list[str]:
        return []

    def fetch(self, symbol, start=None, end=None) -> pd.DataFrame:
        self.calls.append((symbol, None if start is None else pd.Timestamp(start).date(),
                           None if end is None else pd.Timestamp(end).date()))
        if symbol not in self.full:
            raise DataUnavailableError(f"Yahoo returned nothing for {symbol}")
        f = self.full[symbol]
        if start is not None:
            f = f[f.index >= pd.Timestamp(start)]
        if end is not None:
            f = f[f.index <= pd.Timestamp(end)]
        if f.empty:
            raise DataUnavailableError(f"Yahoo returned nothing for {symbol}")
        return f

    def get(self, symbol, start=None, end=None) -> pd.DataFrame:
        return self.fetch(symbol, start, end).loc[:, list(COLUMNS)]


def _truncated_copy(snapshot_dir: Path, folder: Path, symbol: str, last: str) -> pd.DataFrame:
    """A CSV folder holding ``symbol`` only up to ``last`` (generated from the snapshot)."""
    folder.mkdir(parents=True, exist_ok=True)
    full = snapshot_frame(snapshot_dir, symbol)
    part = full.loc[:last]
    part.rename_axis("date").to_csv(folder / f"{symbol}.csv")
    return full


def _fixed_today(d: date):
    return lambda symbol: d


def test_csv_is_cached_and_later_served_from_the_store(tmp_path: Path, snapshot_dir: Path) -> None:
    store_file = tmp_path / "store.duckdb"
    r1 = Resolver(store=BarStore(store_file), csv=CsvDirSource(snapshot_dir))
    a = r1.get("0700.HK", "2025-01-01", "2025-12-31")
    assert r1.source_of("0700.HK") == "csv"
    assert a.loc["2025-12-31", "close"] == pytest.approx(592.10144)
    r1.store.close()
    # a later run: no CSV folder, no network - the store alone answers, identically
    r2 = Resolver(store=BarStore(store_file), csv=None, yahoo=None)
    b = r2.get("700.HK", "2025-01-01", "2025-12-31")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    info = r2.store.info("0700.HK")
    assert info.source == "csv" and info.origin.endswith("0700.HK.csv") and info.rows == len(
        snapshot_frame(snapshot_dir, "0700.HK"))


def test_memo_makes_repeated_gets_store_free(tmp_path: Path, snapshot_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    r = Resolver(store=BarStore(tmp_path / "s.duckdb"), csv=CsvDirSource(snapshot_dir))
    r.get("0700.HK", None, "2025-06-30")
    hits = {"n": 0}
    for name in ("read", "read_many", "coverage", "coverage_many", "write_many"):
        real = getattr(BarStore, name)

        def spy(self, *a, _real=real, **k):
            hits["n"] += 1
            return _real(self, *a, **k)

        monkeypatch.setattr(BarStore, name, spy)
    for _ in range(20):
        r.get("0700.HK", "2020-01-01", "2025-06-30")
    assert hits["n"] == 0


def test_store_wins_over_csv(tmp_path: Path, snapshot_dir: Path) -> None:
    store = BarStore(tmp_path / "s.duckdb")
    Resolver(store=store, csv=CsvDirSource(snapshot_dir)).get("^HSI")
    # a different folder with a different ^HSI: the store's covered range is not re-read
    other = tmp_path / "other"
    other.mkdir()
    (other / "^HSI.csv").write_text("date,close\n2025-02-13,1.0\n")
    got = Resolver(store=store, csv=CsvDirSource(other)).get("^HSI", "2025-02-13", "2025-02-13")
    assert got["close"].round(2).tolist() == [21814.37]


def test_changed_csv_file_is_reimported(tmp_path: Path, snapshot_dir: Path) -> None:
    folder = tmp_path / "prices"
    _truncated_copy(snapshot_dir, folder, "9988.HK", "2025-06-30")
    store = BarStore(tmp_path / "s.duckdb")
    today = _fixed_today(date(2025, 12, 1))
    assert Resolver(store=store, csv=CsvDirSource(folder), today=today).get("9988.HK").index[-1] == \
        pd.Timestamp("2025-06-30")
    _truncated_copy(snapshot_dir, folder, "9988.HK", "2025-09-30")  # the user refreshed the file
    got = Resolver(store=store, csv=CsvDirSource(folder), today=today).get("9988.HK")
    assert got.index[-1] == pd.Timestamp("2025-09-30")


def test_yahoo_fills_only_the_missing_range(tmp_path: Path, snapshot_dir: Path) -> None:
    folder = tmp_path / "prices"
    full = _truncated_copy(snapshot_dir, folder, "0700.HK", "2025-12-31")
    yahoo = FakeYahoo({"0700.HK": full})
    store = BarStore(tmp_path / "s.duckdb")
    today = _fixed_today(date(2026, 4, 1))
    r = Resolver(store=store, csv=CsvDirSource(folder), yahoo=yahoo, today=today)
    got = r.get("0700.HK", "2025-06-01", "2026-03-31")
    # one Yahoo request, for the gap after the file (plus a few days of overlap), not the history
    assert len(yahoo.calls) == 1
    sym, lo, hi = yahoo.calls[0]
    assert date(2025, 12, 15) <= lo <= date(2026, 1, 1) and hi == date(2026, 3, 31)
    want = full.loc["2025-06-01":"2026-03-31", list(COLUMNS)]
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_freq=False)
    assert store.coverage("0700.HK") == [(MIN_DATE, date(2026, 3, 31))]
    # asking again (new process, offline) needs nothing but the store
    r2 = Resolver(store=store, csv=None, yahoo=None, today=today)
    pd.testing.assert_frame_equal(r2.get("0700.HK", "2025-06-01", "2026-03-31"), want,
                                  check_exact=True, check_freq=False)
    # a later request only asks for the new tail
    yahoo2 = FakeYahoo({"0700.HK": full})
    r3 = Resolver(store=store, csv=CsvDirSource(folder), yahoo=yahoo2, today=_fixed_today(date(2026, 5, 1)))
    r3.get("0700.HK", "2026-01-01")
    assert len(yahoo2.calls) == 1 and yahoo2.calls[0][2] == date(2026, 4, 30)
    assert yahoo2.calls[0][1] >= date(2026, 3, 20)


def test_today_is_never_cached_as_complete(tmp_path: Path, snapshot_dir: Path) -> None:
    full = snapshot_frame(snapshot_dir, "MSFT")
    yahoo = FakeYahoo({"MSFT": full})
    store = BarStore(tmp_path / "s.duckdb")
    r = Resolver(store=store, yahoo=yahoo, today=_fixed_today(date(2026, 3, 2)))
    got = r.get("MSFT", "2026-01-01")
    assert got.index[-1] < pd.Timestamp("2026-03-02")
    assert store.coverage("MSFT")[-1][1] == date(2026, 3, 1)
    r.get("MSFT", "2026-01-01")
    assert len(yahoo.calls) == 1  # second get: memo, no new request for "today"


def test_changed_adjustment_triggers_a_full_refetch(tmp_path: Path, snapshot_dir: Path) -> None:
    folder = tmp_path / "prices"
    full = _truncated_copy(snapshot_dir, folder, "0700.HK", "2025-12-31")
    # Yahoo's answer is adjusted for a later dividend: every earlier close is 1% lower
    scale = np.where(full.index <= pd.Timestamp("2026-01-31"), 0.99, 1.0)
    adjusted = full.assign(close=full["close"] * scale)
    yahoo = FakeYahoo({"0700.HK": adjusted})
    store = BarStore(tmp_path / "s.duckdb")
    r = Resolver(store=store, csv=CsvDirSource(folder), yahoo=yahoo, today=_fixed_today(date(2026, 3, 2)))
    got = r.get("0700.HK", "2025-12-01", "2026-02-27")
    assert len(yahoo.calls) == 2 and yahoo.calls[1][1] is None  # second call: the whole history
    np.testing.assert_array_equal(got["close"].to_numpy(),
                                  adjusted.loc["2025-12-01":"2026-02-27", "close"].to_numpy())
    assert store.info("0700.HK").source == "yahoo"


def test_nothing_anywhere_is_one_helpful_error(tmp_path: Path) -> None:
    r = Resolver(store=BarStore(tmp_path / "s.duckdb"), csv=None, yahoo=None)
    with pytest.raises(DataUnavailableError) as info:
        r.get("0700.HK", "2025-01-01", "2025-06-30")
    msg = str(info.value)
    assert "0700.HK" in msg and "SCENARIOS_PRICES" in msg and "scenarios data import DIR" in msg
    assert "SCENARIOS_OFFLINE" in msg and "\n" not in msg


def test_default_source_and_get_prices_follow_the_environment(snapshot_dir: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCENARIOS_PRICES", str(snapshot_dir))
    src = default_source()
    assert src is default_source()  # shared: one memo for every caller in the process
    assert src.yahoo is None  # conftest sets SCENARIOS_OFFLINE=1
    frame = get_prices("HK.00700", "2025-12-31", "2025-12-31")
    assert is_canonical(frame) and frame["close"].round(2).tolist() == [592.10]
    monkeypatch.delenv("SCENARIOS_PRICES")
    assert default_source() is not src


def test_offline_env_unset_and_yfinance_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCENARIOS_PRICES", raising=False)
    monkeypatch.delenv("SCENARIOS_OFFLINE")
    monkeypatch.setattr(yfinance, "Ticker", lambda s: type("T", (), {
        "history": lambda self, **kw: pd.DataFrame()})())
    src = default_source()
    assert isinstance(src.yahoo, YahooSource)
    with pytest.raises(DataUnavailableError, match="Yahoo Finance returned nothing"):
        get_prices("0700.HK")


def test_prefetch_loads_many_symbols(tmp_path: Path, snapshot_dir: Path) -> None:
    syms = ["0700.HK", "9988.HK", "3690.HK", "^HSI", "HSTECH.HK", "NOPE.HK"]
    store = BarStore(tmp_path / "s.duckdb")
    r = Resolver(store=store, csv=CsvDirSource(snapshot_dir))
    r.prefetch(syms, None, "2025-12-31")
    assert set(store.symbols()) == set(syms) - {"NOPE.HK"}
    for s in syms[:-1]:
        pd.testing.assert_frame_equal(r.get(s, None, "2025-12-31"),
                                      CsvDirSource(snapshot_dir).get(s, None, "2025-12-31"), check_exact=True)
    with pytest.raises(DataUnavailableError):
        r.get("NOPE.HK")


def test_a_store_locked_by_another_process_is_skipped(tmp_path: Path, snapshot_dir: Path) -> None:
    import subprocess
    import sys
    import time

    db = tmp_path / "store.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(30)",
         str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        r = Resolver(store=BarStore(db), csv=CsvDirSource(snapshot_dir))
        got = r.get("0700.HK", "2025-12-31", "2025-12-31")  # served from the CSV folder, not cached
        assert got["close"].round(2).tolist() == [592.10] and r.store is None
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert BarStore(db).symbols() == []


def test_price_view_prefetch_batches_through_the_resolver(tmp_path: Path, snapshot_dir: Path) -> None:
    from scenarios.data import PriceView

    store = BarStore(tmp_path / "s.duckdb")
    r = Resolver(store=store, csv=CsvDirSource(snapshot_dir))
    view = PriceView(r, "2025-12-31")
    view.prefetch(["700.HK", "9988.HK", "^HSI"])
    assert sorted(store.symbols()) == ["0700.HK", "9988.HK", "^HSI"]
    assert view.last_close("0700.HK")[1] == pytest.approx(592.10144)
