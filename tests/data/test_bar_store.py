"""The DuckDB bar store: exact round trips, coverage arithmetic, all-or-nothing writes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scenarios.data.barstore as bars
from scenarios.data import COLUMNS, CsvDirSource, is_canonical
from scenarios.data.barstore import BarStore, BarWrite, merge_intervals, subtract_intervals
from scenarios.errors import StoreError

# -- hypothesis: any valid canonical frame round-trips exactly ---------------------------------
_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.just(np.nan), st.just(0.0), st.just(-0.0),
)


@st.composite
def canonical_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 40))
    days = draw(st.lists(st.integers(-25_000, 60_000), min_size=n, max_size=n, unique=True))
    idx = pd.DatetimeIndex(
        (np.datetime64("1970-01-01", "D") + np.array(sorted(days), dtype="timedelta64[D]")).astype("datetime64[ns]"),
        name="date")
    data = {c: np.array(draw(st.lists(_floats, min_size=n, max_size=n)), dtype="float64") for c in COLUMNS}
    return pd.DataFrame(data, index=idx)


_STORES: dict[Path, BarStore] = {}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=canonical_frames(), symbol=st.sampled_from(["0700.HK", "^HSI", "688256.SS", "MSFT"]))
def test_round_trip_is_exact(tmp_path: Path, frame: pd.DataFrame, symbol: str) -> None:
    assert is_canonical(frame)
    store = _STORES.setdefault(tmp_path, BarStore(tmp_path / "rt.duckdb"))  # one file per test run
    store.write(symbol, frame, "test", replace=True)
    back = store.read(symbol)
    assert is_canonical(back)
    pd.testing.assert_frame_equal(back, frame, check_exact=True, check_freq=False)
    # bit-for-bit, including the sign of zero and which entries are NaN
    for c in COLUMNS:
        a, b = frame[c].to_numpy(), back[c].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(b))
        ok = ~np.isnan(a)
        assert np.array_equal(a[ok].view(np.int64), b[ok].view(np.int64))


# -- intervals ---------------------------------------------------------------------------------
_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2000, 3, 1))


@settings(max_examples=100, deadline=None)
@given(ivs=st.lists(st.tuples(_dates, _dates).map(lambda t: tuple(sorted(t))), max_size=6),
       q=st.tuples(_dates, _dates).map(lambda t: tuple(sorted(t))))
def test_subtract_is_the_set_difference(ivs: list[tuple[date, date]], q: tuple[date, date]) -> None:
    def days(a: date, b: date) -> set[date]:
        return set(pd.date_range(a, b).date)

    covered = set().union(*(days(a, b) for a, b in ivs)) if ivs else set()
    gaps = subtract_intervals(q[0], q[1], ivs)
    got = set().union(*(days(a, b) for a, b in gaps)) if gaps else set()
    assert got == days(*q) - covered
    merged = merge_intervals(ivs)
    assert (set().union(*(days(a, b) for a, b in merged)) if merged else set()) == covered
    assert all(merged[i][1] < merged[i + 1][0] for i in range(len(merged) - 1))


# -- coverage and partial writes -----------------------------------------------------------------
def _frame(start: str, n: int, base: float = 1.0) -> pd.DataFrame:
    idx = pd.bdate_range(start, periods=n, name="date").as_unit("ns")
    v = base + np.arange(n, dtype="float64")
    return pd.DataFrame({"open": v, "high": v + 1, "low": v - 1, "close": v, "volume": v * 10,
                         "dividends": np.zeros(n)}, index=idx)


def test_coverage_and_missing(tmp_path: Path) -> None:
    with BarStore(tmp_path / "s.duckdb") as store:
        assert store.missing("0700.HK", "2025-01-01", "2025-01-31") == [(date(2025, 1, 1), date(2025, 1, 31))]
        store.write("700.HK", _frame("2025-01-06", 5), "csv")  # Mon 6 .. Fri 10
        assert store.coverage("0700.HK") == [(date(2025, 1, 6), date(2025, 1, 10))]
        assert store.missing("00700", "2025-01-01", "2025-01-31") == [
            (date(2025, 1, 1), date(2025, 1, 5)), (date(2025, 1, 11), date(2025, 1, 31))]
        # a fill that covers a weekend with no bars still extends the coverage
        store.write("0700.HK", _frame("2025-01-13", 2, 100.0), "yahoo",
                    covered=(date(2025, 1, 11), date(2025, 1, 14)))
        assert store.coverage("0700.HK") == [(date(2025, 1, 6), date(2025, 1, 14))]
        got = store.read("0700.HK", "2025-01-09", "2025-01-13")
        assert got["close"].tolist() == [4.0, 5.0, 100.0]
        info = store.info("0700.HK")
        assert info is not None and (info.first, info.last, info.rows) == (date(2025, 1, 6), date(2025, 1, 14), 7)
        assert info.source == "yahoo"
        with pytest.raises(StoreError, match="outside the declared coverage"):
            store.write("0700.HK", _frame("2025-02-03", 3), "x", covered=(date(2025, 2, 3), date(2025, 2, 4)))


def test_overlapping_write_replaces_rows_in_its_range(tmp_path: Path) -> None:
    with BarStore(tmp_path / "s.duckdb") as store:
        store.write("MSFT", _frame("2025-01-06", 10), "csv")
        store.write("MSFT", _frame("2025-01-08", 2, 50.0), "yahoo")
        got = store.read("MSFT")
        assert len(got) == 10 and got.index.is_unique
        assert got.loc["2025-01-08":"2025-01-09", "close"].tolist() == [50.0, 51.0]


# -- interrupted writes leave the previous data intact ---------------------------------------------
def _snapshot_state(store: BarStore) -> dict[str, pd.DataFrame]:
    return {s: store.read(s) for s in store.symbols()}


def test_import_interrupted_after_some_symbols(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = BarStore(tmp_path / "s.duckdb")
    store.write_many(BarWrite(s, _frame("2025-01-06", 5), "old") for s in ("A", "B", "C"))
    before = _snapshot_state(store)
    cov_before = store.coverage("A")

    def writes():  # a generator that dies after two symbols, like a crashing import loop
        yield BarWrite("A", _frame("2024-01-01", 300, 7.0), "new", replace=True)
        yield BarWrite("D", _frame("2024-01-01", 300, 7.0), "new", replace=True)
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        store.write_many(writes())
    after = _snapshot_state(store)
    assert after.keys() == before.keys() == {"A", "B", "C"}
    for s in before:
        pd.testing.assert_frame_equal(after[s], before[s], check_exact=True)
    assert store.coverage("A") == cov_before and store.info("A").source == "old"
    store.close()


@pytest.mark.parametrize("exc", [KeyboardInterrupt, RuntimeError])
def test_interrupted_mid_symbol(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: type[BaseException]) -> None:
    store = BarStore(tmp_path / "s.duckdb")
    store.write_many(BarWrite(s, _frame("2025-01-06", 5), "old") for s in ("A", "B"))
    before = _snapshot_state(store)
    real_insert = bars._insert_bars

    def dying_insert(con, batch, now):  # the old rows are already deleted when this runs
        real_insert(con, batch[:1], now)
        raise exc()

    monkeypatch.setattr(bars, "_insert_bars", dying_insert)
    with pytest.raises(exc):
        store.write_many([BarWrite("A", _frame("2020-01-01", 50, 9.0), "new", replace=True),
                          BarWrite("B", _frame("2020-01-01", 50, 9.0), "new", replace=True)])
    monkeypatch.setattr(bars, "_insert_bars", real_insert)
    for s, frame in before.items():
        pd.testing.assert_frame_equal(store.read(s), frame, check_exact=True)
    store.close()
    # and a fresh connection (another process later) sees the same
    with BarStore(tmp_path / "s.duckdb") as again:
        for s, frame in before.items():
            pd.testing.assert_frame_equal(again.read(s), frame, check_exact=True)


def test_reads_on_a_missing_store_do_not_create_it(tmp_path: Path) -> None:
    store = BarStore(tmp_path / "nowhere" / "s.duckdb")
    assert store.symbols() == [] and store.read("0700.HK").empty and store.list() == []
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.snapshot
def test_whole_snapshot_round_trip_and_read_many(tmp_path: Path, snapshot_source: CsvDirSource) -> None:
    src = snapshot_source
    with BarStore(tmp_path / "s.duckdb") as store:
        n = store.write_many(BarWrite(s, src.read(s), "csv", replace=True) for s in src.symbols())
        assert n == len(src.symbols())
        many = store.read_many(src.symbols(), splits=True)
        assert sorted(many) == src.symbols()
        for s in src.symbols():
            a, b = many[s], src.read(s)
            assert a.index.equals(b.index) and list(a.columns) == list(b.columns)
            np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())  # NaN == NaN here
        rows = {i.symbol: i.rows for i in store.list()}
        assert rows == {s: len(src.read(s)) for s in src.symbols()}
