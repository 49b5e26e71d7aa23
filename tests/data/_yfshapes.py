"""Helpers for the data-layer tests: yfinance-shaped frames and CSVs built from the snapshot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.data.csvdir import read_price_csv

YF_NAMES = {"open": "Open", "high": "High", "low": "Low", "close": "Close", "volume": "Volume",
            "dividends": "Dividends", "splits": "Stock Splits"}


def snapshot_frame(snapshot_dir: Path, symbol: str) -> pd.DataFrame:
    """The snapshot file of ``symbol`` read with plain pandas (independent of CsvDirSource)."""
    df = pd.read_csv(snapshot_dir / f"{symbol}.csv")
    df.index = pd.DatetimeIndex(pd.to_datetime(df.pop("date"), format="%Y-%m-%d").to_numpy(
        dtype="datetime64[ns]"), name="date")
    return df.astype("float64")


def as_history(frame: pd.DataFrame, tz: str = "Asia/Hong_Kong") -> pd.DataFrame:
    """What ``yf.Ticker(sym).history(auto_adjust=True, actions=True)`` returns for these bars:
    tz-aware index named Date, capitalized columns, 'Stock Splits', zeros for no action."""
    out = pd.DataFrame(
        {YF_NAMES[c]: frame[c].to_numpy() for c in ("open", "high", "low", "close", "volume")},
        index=pd.DatetimeIndex(frame.index).tz_localize(tz).rename("Date"))
    out["Dividends"] = frame["dividends"].fillna(0.0).to_numpy()
    out["Stock Splits"] = frame["splits"].fillna(0.0).to_numpy() if "splits" in frame else 0.0
    return out


def as_download(frame: pd.DataFrame, symbol: str, *, actions: bool = False) -> pd.DataFrame:
    """What ``yf.download(sym)`` returns (yfinance 1.x defaults): MultiIndex columns
    (Price, Ticker) sorted by price name, tz-naive Date index, auto-adjusted Close."""
    cols = ["Close", "High", "Low", "Open", "Volume"]
    data = {("Close", symbol): frame["close"], ("High", symbol): frame["high"],
            ("Low", symbol): frame["low"], ("Open", symbol): frame["open"],
            ("Volume", symbol): frame["volume"]}
    if actions:
        data[("Dividends", symbol)] = frame["dividends"].fillna(0.0)
        data[("Stock Splits", symbol)] = frame["splits"].fillna(0.0) if "splits" in frame else 0.0
        cols = sorted([*cols, "Dividends", "Stock Splits"])
    out = pd.DataFrame({k: np.asarray(v, dtype="float64") for k, v in data.items()},
                       index=pd.DatetimeIndex(frame.index).rename("Date"))
    out.columns = pd.MultiIndex.from_tuples(list(data), names=["Price", "Ticker"])
    return out.loc[:, [c for c in out.columns if c[0] in cols]].sort_index(axis=1, level=0)


def read(path: Path, symbol: str | None = None) -> pd.DataFrame:
    return read_price_csv(path, symbol)
