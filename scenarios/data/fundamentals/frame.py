"""The canonical fundamentals frame: one row per (symbol, item, period, source).

Columns (:data:`COLUMNS`):

``symbol``           the listing the figures were saved under (``0700.HK``, ``BABA``, ``MSFT``)
``item``             canonical item name (:mod:`scenarios.data.fundamentals.items`)
``period_end``       fiscal period end (datetime64, midnight)
``period_type``      ``FY`` (fiscal year), ``Q`` (one quarter), ``TTM`` (twelve months to a
                     quarter end, as some SEC "annual" rows are) or ``point`` (a snapshot value
                     such as yfinance ``info``, dated by the save day)
``value``            float64, in the source's units: money in whole currency units (not bn),
                     share counts in shares, per-share figures per ``per_share_basis`` share,
                     ratios as fractions (a percent from the source is converted)
``currency``         ISO code of a money or per-share value (statement currency); ``""`` for
                     counts and ratios
``per_share_basis``  ``ordinary``, ``ADS`` or ``share`` (US common share) for per-share values
                     and share counts; ``""`` for totals and ratios
``source``           ``yfinance`` (saved dumps), ``yahoo`` (live yfinance), ``sec``
``known_from``       first day the figure was public: ``filed`` when the source has it, else
                     period end + the market's reporting lag (:mod:`.lags`)
``filed``            filing date when the source carries one (NaT otherwise)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS: tuple[str, ...] = ("symbol", "item", "period_end", "period_type", "value", "currency",
                            "per_share_basis", "source", "known_from", "filed")
PERIOD_TYPES: tuple[str, ...] = ("FY", "Q", "TTM", "point")
_DATES = ("period_end", "known_from", "filed")
_STRINGS = ("symbol", "item", "period_type", "currency", "per_share_basis", "source")
SORT_KEY: list[str] = ["symbol", "item", "period_end", "period_type", "source"]


def empty_frame() -> pd.DataFrame:
    """Return a canonical frame with no rows."""
    return to_canonical(pd.DataFrame({c: [] for c in COLUMNS}))


def to_canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in order, dtypes fixed (strings, datetime64[ns], float64), rows sorted."""
    n = len(frame)
    data: dict[str, object] = {}
    for c in COLUMNS:
        values = frame[c].to_numpy() if c in frame.columns else np.full(n, None, dtype=object)
        if c in _DATES:
            data[c] = pd.to_datetime(values, errors="raise").astype("datetime64[ns]") if n else \
                np.array([], dtype="datetime64[ns]")
        elif c == "value":
            data[c] = np.asarray(values, dtype="float64")
        else:
            data[c] = pd.array(["" if v is None or v != v else str(v) for v in values], dtype="str")
    out = pd.DataFrame(data, index=pd.RangeIndex(n))
    if len(out):
        out = out.sort_values(SORT_KEY, kind="mergesort").reset_index(drop=True)
    return out


def is_canonical(frame: pd.DataFrame) -> bool:
    """Return True when ``frame`` has exactly the canonical columns with the canonical dtypes."""
    if tuple(frame.columns) != COLUMNS:
        return False
    return all(str(frame[c].dtype).startswith("datetime64") for c in _DATES) \
        and frame["value"].dtype == "float64"


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Canonical frames stacked and re-sorted (empty list -> empty frame)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return empty_frame()
    return to_canonical(pd.concat(frames, ignore_index=True))
