"""The canonical price frame every source returns and every consumer accepts.

A canonical frame has

* a tz-naive, exchange-local :class:`pandas.DatetimeIndex` named ``date`` (midnight
  timestamps), sorted ascending and unique;
* exactly the float64 columns :data:`COLUMNS`, in that order: ``open, high, low, close,
  volume, dividends``;
* ``close`` is the *adjusted* close as the source delivered it: for Yahoo stock data this
  is dividend- and split-adjusted, so returns computed from ``close`` are total returns.
  Index levels (``^HSI``, ``HSTECH.HK``) are never adjusted: their returns are price returns.
* ``dividends`` is the cash dividend per share on its ex-date (0.0 elsewhere, NaN where the
  source has no dividend information); ``volume`` is shares (NaN where unknown).

Prices are in the listing currency of the symbol (HKD for ``.HK``, CNY for ``.SS``/``.SZ``,
USD for US tickers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "volume", "dividends")
INDEX_NAME = "date"


def as_day(value: object) -> pd.Timestamp | None:
    """Return ``value`` as a tz-naive midnight Timestamp (None stays None).

    ``value`` may be a date, a string or a Timestamp, tz-aware or not; the day is taken in the
    exchange's wall time.
    """
    if value is None:
        return None
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    if ts.tz is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def empty_frame() -> pd.DataFrame:
    """Return an empty canonical frame."""
    idx = pd.DatetimeIndex([], name=INDEX_NAME)
    return pd.DataFrame({c: pd.Series([], dtype="float64", index=idx) for c in COLUMNS}, index=idx)


def to_canonical(df: pd.DataFrame) -> pd.DataFrame:
    """Coerce a frame that already has canonical column names into canonical form.

    Missing optional columns (``volume``, ``dividends``, ``open``, ``high``, ``low``) are
    filled with NaN; the index is made tz-naive (exchange-local wall time kept), normalized
    to midnight, sorted; duplicated dates raise ``ValueError``.
    """
    if "close" not in df.columns:
        raise ValueError("a price frame needs a 'close' column")
    idx = pd.DatetimeIndex(df.index)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    idx = idx.normalize()
    out = pd.DataFrame(index=pd.DatetimeIndex(idx, name=INDEX_NAME))
    for c in COLUMNS:
        if c in df.columns:
            out[c] = pd.to_numeric(pd.Series(df[c].to_numpy(), index=out.index), errors="coerce").astype("float64")
        else:
            out[c] = np.nan
    out = out.sort_index(kind="mergesort")
    if out.index.has_duplicates:
        dups = out.index[out.index.duplicated()].strftime("%Y-%m-%d").unique().tolist()  # type: ignore[attr-defined]
        raise ValueError(f"duplicated dates: {', '.join(dups[:5])}")
    return out


def is_canonical(df: pd.DataFrame) -> bool:
    """Return True when ``df`` satisfies every rule of the canonical frame."""
    return (
        isinstance(df.index, pd.DatetimeIndex)
        and df.index.name == INDEX_NAME
        and df.index.tz is None
        and tuple(df.columns) == COLUMNS
        and all(df[c].dtype == np.float64 for c in COLUMNS)
        and df.index.is_monotonic_increasing
        and df.index.is_unique
    )
