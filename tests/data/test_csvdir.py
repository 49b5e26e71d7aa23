"""CsvDirSource: the snapshot layout, raw yfinance exports, and located format errors."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _yfshapes import as_download, as_history, read, snapshot_frame

from scenarios.data import COLUMNS, CsvDirSource, is_canonical
from scenarios.errors import DataFormatError, DataUnavailableError

pytestmark = pytest.mark.snapshot


# -- the real snapshot -----------------------------------------------------------------------
def test_every_snapshot_file_is_canonical_and_complete(snapshot_dir: Path,
                                                        snapshot_source: CsvDirSource) -> None:
    src = snapshot_source
    files = sorted(snapshot_dir.glob("*.csv"))
    assert len(src.symbols()) == len(files) > 50
    sources = pd.read_csv(snapshot_dir.parent / "sources.csv", index_col="symbol")
    for sym in src.symbols():
        frame = src.get(sym)
        assert is_canonical(frame), sym
        assert len(frame) > 0, sym
        # independent facts from the snapshot's own table of contents
        row = sources.loc[sym]
        assert len(frame) == row["rows"], sym
        assert frame.index[0] == pd.Timestamp(row["first"]), sym
        assert frame.index[-1] == pd.Timestamp(row["last"]), sym
        # and the very same numbers as a plain pandas read of the file
        plain = snapshot_frame(snapshot_dir, sym)
        np.testing.assert_array_equal(frame["close"].to_numpy(), plain["close"].to_numpy())


def test_known_values(snapshot_dir: Path) -> None:
    src = CsvDirSource(snapshot_dir)
    assert src.get("^HSI", "2025-02-13", "2025-02-13")["close"].round(2).tolist() == [21814.37]
    assert src.get("0700.HK", "2025-12-31", "2025-12-31")["close"].round(2).tolist() == [592.10]
    assert src.get("HSTECH.HK").index[0] == pd.Timestamp("2020-08-17")
    # accepted spellings all find Tencent's file
    for spelling in ("700.HK", "00700", "HK.00700", "0700.hk"):
        assert src.get(spelling, "2025-12-31", "2025-12-31")["close"].iloc[0] == pytest.approx(592.10144)
    # dividends on their ex-date, zero elsewhere (README: 4.5 on 2025-05-16)
    div = src.get("0700.HK", "2025-05-01", "2025-05-31")["dividends"]
    assert div.loc["2025-05-16"] == 4.5 and (div.drop(pd.Timestamp("2025-05-16")) == 0).all()


def test_range_queries_are_inclusive(snapshot_dir: Path) -> None:
    src = CsvDirSource(snapshot_dir)
    part = src.get("0700.HK", "2025-02-13", "2025-02-20")
    assert part.index[0] == pd.Timestamp("2025-02-13") and part.index[-1] == pd.Timestamp("2025-02-20")
    assert src.get("0700.HK", "2030-01-01").empty and is_canonical(src.get("0700.HK", "2030-01-01"))
    with pytest.raises(DataUnavailableError):
        src.get("9999.XX")


# -- raw yfinance exports, generated from a snapshot file --------------------------------------
def test_history_export_with_offset_dates(tmp_path: Path, tencent: pd.DataFrame) -> None:
    as_history(tencent).to_csv(tmp_path / "0700.HK.csv")
    text = (tmp_path / "0700.HK.csv").read_text()
    assert text.splitlines()[0] == "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits"
    assert "+08:00" in text.splitlines()[1]
    got = CsvDirSource(tmp_path).get("0700.HK")
    assert is_canonical(got)
    want = tencent.loc[:, list(COLUMNS)].assign(dividends=tencent["dividends"].fillna(0.0))
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_freq=False)


def test_history_export_us_dst_offsets(tmp_path: Path, snapshot_dir: Path) -> None:
    msft = snapshot_frame(snapshot_dir, "MSFT").loc["2024-01-01":"2024-12-31"]
    as_history(msft, tz="America/New_York").to_csv(tmp_path / "MSFT.csv")
    text = (tmp_path / "MSFT.csv").read_text()
    assert "-05:00" in text and "-04:00" in text  # both offsets in one file
    got = CsvDirSource(tmp_path).get("MSFT")
    assert got.index.equals(msft.index)


def test_history_export_converted_to_utc_keeps_exchange_dates(tmp_path: Path, tencent: pd.DataFrame) -> None:
    h = as_history(tencent)
    h.index = h.index.tz_convert("UTC")  # 2024-01-02 00:00+08:00 -> 2024-01-01 16:00+00:00
    h.to_csv(tmp_path / "0700.HK.csv")
    assert "16:00:00+00:00" in (tmp_path / "0700.HK.csv").read_text()
    assert CsvDirSource(tmp_path).get("0700.HK").index.equals(tencent.index)


def test_download_export_three_line_header(tmp_path: Path, tencent: pd.DataFrame) -> None:
    as_download(tencent, "0700.HK").to_csv(tmp_path / "0700.HK.csv")
    lines = (tmp_path / "0700.HK.csv").read_text().splitlines()
    assert lines[0] == "Price,Close,High,Low,Open,Volume"
    assert lines[1].startswith("Ticker,0700.HK") and lines[2].startswith("Date,")
    got = CsvDirSource(tmp_path).get("0700.HK")
    want = tencent.loc[:, list(COLUMNS)].assign(dividends=np.nan)
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_freq=False)


def test_download_export_with_actions_and_ticker_first(tmp_path: Path, tencent: pd.DataFrame) -> None:
    d = as_download(tencent, "0700.HK", actions=True)
    d.columns = d.columns.swaplevel(0, 1)  # group_by='ticker' puts Ticker first
    d.columns.names = ["Ticker", "Price"]
    d.to_csv(tmp_path / "0700.HK.csv")
    assert (tmp_path / "0700.HK.csv").read_text().startswith("Ticker,")
    got = CsvDirSource(tmp_path).get("0700.HK")
    assert got.loc["2025-05-16", "dividends"] == 4.5
    np.testing.assert_array_equal(got["close"].to_numpy(), tencent["close"].to_numpy())


def test_multi_ticker_download_picks_the_file_symbol(tmp_path: Path, snapshot_dir: Path,
                                                     tencent: pd.DataFrame) -> None:
    baba = snapshot_frame(snapshot_dir, "9988.HK").loc["2024-01-01":"2025-12-31"]
    both = pd.concat([as_download(tencent, "0700.HK"), as_download(baba, "9988.HK")], axis=1)
    both.to_csv(tmp_path / "9988.HK.csv")
    got = CsvDirSource(tmp_path).get("9988.HK")
    np.testing.assert_array_equal(got["close"].to_numpy(), baba["close"].to_numpy())
    both.to_csv(tmp_path / "1810.HK.csv")
    with pytest.raises(DataFormatError, match="1810.HK"):
        CsvDirSource(tmp_path).get("1810.HK")


def test_adj_close_export_is_adjusted_like_auto_adjust(tmp_path: Path) -> None:
    idx = pd.date_range("2025-01-02", periods=3, freq="B", name="Date")
    raw = pd.DataFrame({"Open": [10.0, 11.0, 12.0], "High": [11.0, 12.0, 13.0], "Low": [9.0, 10.0, 11.0],
                        "Close": [10.0, 11.0, 12.0], "Adj Close": [9.0, 9.9, 12.0],
                        "Volume": [100.0, 200.0, 300.0]}, index=idx)
    raw.to_csv(tmp_path / "ABC.csv")
    got = CsvDirSource(tmp_path).get("ABC")
    np.testing.assert_allclose(got["close"], [9.0, 9.9, 12.0])
    np.testing.assert_allclose(got["high"], [9.9, 10.8, 13.0])  # scaled by Adj Close / Close
    assert (got["close"] <= got["high"]).all() and (got["close"] >= got["low"]).all()


def test_blank_rows_and_crlf_are_fine(tmp_path: Path) -> None:
    text = ("date,open,high,low,close,volume,dividends,splits\r\n\r\n"
            "2025-01-02,1,2,0.5,1.5,10,,\r\n,,,,,,,\r\n   \r\n"
            "2025-01-03,1.5,2,1,1.75,,0,0\r\n\r\n")
    (tmp_path / "X.csv").write_bytes(text.encode())
    got = CsvDirSource(tmp_path).get("X")
    assert got.index.strftime("%Y-%m-%d").tolist() == ["2025-01-02", "2025-01-03"]
    assert np.isnan(got.loc["2025-01-03", "volume"]) and np.isnan(got.loc["2025-01-02", "dividends"])
    assert got["close"].tolist() == [1.5, 1.75]


def test_file_names_are_normalized_and_clashes_reported(tmp_path: Path) -> None:
    body = "date,close\n2025-01-02,1\n"
    (tmp_path / "700.HK.csv").write_text(body)
    src = CsvDirSource(tmp_path)
    assert src.symbols() == ["0700.HK"] and src.get("HK.00700")["close"].tolist() == [1.0]
    (tmp_path / "00700.csv").write_text(body)
    with pytest.raises(DataFormatError, match="two files"):
        CsvDirSource(tmp_path).symbols()


# -- malformed files: DataFormatError naming file and line ------------------------------------
def _write_lines(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(rows) + "\n")
    return path


GOOD = ["date,open,high,low,close,volume,dividends,splits",
        "2025-01-02,1,2,0.5,1.5,10,0,0",
        "",
        "2025-01-03,1,2,0.5,1.6,10,0,0",
        "2025-01-06,1,2,0.5,1.7,10,0,0"]


@pytest.mark.parametrize(("line", "replacement", "message"), [
    (4, "2025-13-03,1,2,0.5,1.6,10,0,0", "bad date"),
    (4, "03/01/2025,1,2,0.5,1.6,10,0,0", "bad date"),
    (5, "2025-01-06,1,2,0.5,abc,10,0,0", "non-numeric close"),
    (2, "2025-01-02,1,2,0.5,1.5,ten,0,0", "non-numeric volume"),
    (5, "2025-01-03,1,2,0.5,1.7,10,0,0", "duplicated date 2025-01-03"),
    (4, "2025-01-03,1,2,0.5,1.6,10,0", "expected 8 fields"),
    (4, "2025-01-03,1,2,0.5,1.6,10,0,0,9", "expected 8 fields"),
])
def test_malformed_rows_name_file_and_line(tmp_path: Path, line: int, replacement: str, message: str) -> None:
    rows = list(GOOD)
    rows[line - 1] = replacement
    path = _write_lines(tmp_path / "BAD.csv", rows)
    with pytest.raises(DataFormatError, match=message) as info:
        CsvDirSource(tmp_path).get("BAD")
    assert info.value.file == str(path) and info.value.line == line
    assert f"BAD.csv:{line}:" in str(info.value)


def test_missing_close_column(tmp_path: Path) -> None:
    path = _write_lines(tmp_path / "NOCLOSE.csv", ["date,open,high,low,volume", "2025-01-02,1,2,0.5,10"])
    with pytest.raises(DataFormatError, match="no 'close' column") as info:
        read(path)
    assert info.value.line == 1 and "NOCLOSE.csv:1" in str(info.value)


def test_duplicated_date_in_history_export(tmp_path: Path, tencent: pd.DataFrame) -> None:
    h = as_history(tencent.iloc[:5])
    h = pd.concat([h, h.iloc[[2]]])  # row 7 repeats the third date
    h.to_csv(tmp_path / "0700.HK.csv")
    with pytest.raises(DataFormatError, match="duplicated date") as info:
        CsvDirSource(tmp_path).get("0700.HK")
    assert info.value.line == 7


def test_csv_module_reader_agrees_with_fast_path(snapshot_dir: Path) -> None:
    """The exact (row-by-row) path and the pandas fast path give identical frames."""
    from scenarios.data.csvdir import _parse_exact

    for name in ("0700.HK.csv", "^HSI.csv", "HSTECH.HK.csv", "1211.HK.csv"):
        p = snapshot_dir / name
        fast = read(p)
        exact = _parse_exact(p.read_text(), p, name[:-4])
        pd.testing.assert_frame_equal(fast, exact, check_exact=True)
        with open(p, newline="") as fh:
            n = sum(1 for _ in csv.reader(fh)) - 1
        assert len(fast) == n


# -- property: whatever pandas writes, the reader gets back exactly ------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_values = st.one_of(st.floats(allow_nan=True, allow_infinity=False, width=64), st.just(np.nan))


@st.composite
def _frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 25))
    days = sorted(draw(st.lists(st.integers(0, 40_000), min_size=n, max_size=n, unique=True)))
    idx = pd.DatetimeIndex((np.datetime64("1980-01-01", "D") + np.array(days, dtype="timedelta64[D]"))
                           .astype("datetime64[ns]"), name="date")
    cols = {c: draw(st.lists(_values, min_size=n, max_size=n)) for c in (*COLUMNS, "splits")}
    return pd.DataFrame({c: np.array(v, dtype="float64") for c, v in cols.items()}, index=idx)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=_frames(), layout=st.sampled_from(["snapshot", "history", "download"]),
       blank=st.booleans())
def test_written_frames_read_back_exactly(tmp_path: Path, frame: pd.DataFrame, layout: str, blank: bool) -> None:
    path = tmp_path / "0700.HK.csv"
    if layout == "snapshot":
        frame.to_csv(path)
        want = frame
    elif layout == "history":
        h = as_history(frame.fillna({"dividends": 0.0, "splits": 0.0}))
        h.to_csv(path)
        want = frame.fillna({"dividends": 0.0, "splits": 0.0})
    else:
        as_download(frame, "0700.HK", actions=True).to_csv(path)
        want = frame.fillna({"dividends": 0.0, "splits": 0.0})
    if blank:  # blank lines anywhere are skipped
        lines = path.read_text().splitlines()
        lines.insert(len(lines) // 2 + 1, "")
        path.write_text("\n".join(lines) + "\n\n")
    got = read(path)
    assert got.index.equals(want.index)
    for c in (*COLUMNS, "splits"):
        np.testing.assert_array_equal(got[c].to_numpy(), want[c].to_numpy(), err_msg=f"{layout} {c}")


def test_extra_yfinance_columns_are_ignored(tmp_path: Path, tencent: pd.DataFrame) -> None:
    h = as_history(tencent.iloc[:20])
    h["Capital Gains"] = 0.0
    h["Repaired?"] = False
    h.to_csv(tmp_path / "0700.HK.csv")
    got = CsvDirSource(tmp_path).get("0700.HK")
    np.testing.assert_array_equal(got["close"].to_numpy(), tencent["close"].iloc[:20].to_numpy())
