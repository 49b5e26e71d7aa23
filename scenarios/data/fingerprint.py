"""Reproducibility: a fingerprint of the price rows a run used, and whether they changed since.

``rows_fingerprint(frame)`` hashes the dates and adjusted closes of a canonical frame (the rows
on or before the run's ``as_of`` that the run could see) with BLAKE2b: the same rows give the
same 16-hex digest whatever the source (CSV, store, Yahoo). A run records, per symbol,
``{"source", "first", "last", "rows", "sha256"}`` in ``data_sources``; :func:`changed_since`
re-reads the same range from the current data and lists the symbols whose rows differ (a
corrected CSV, a re-adjusted Yahoo download), so ``runs show`` and ``report RUN_ID`` can say that
re-running would not reproduce the recorded numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd


def rows_fingerprint(frame: pd.DataFrame) -> str:
    """16-hex BLAKE2b digest of the (date, close) rows of ``frame`` (NaN closes included as NaN)."""
    dates = pd.DatetimeIndex(frame.index).asi8.astype("<i8", copy=False)
    closes = frame["close"].to_numpy(dtype="<f8", na_value=np.nan)
    h = hashlib.blake2b(digest_size=8)
    h.update(dates.tobytes())
    h.update(closes.tobytes())
    return h.hexdigest()


def frame_digest(frame: pd.DataFrame) -> str:
    """32-hex BLAKE2b digest of every row of a canonical frame: dates and all of its columns.

    Unlike :func:`rows_fingerprint` (dates and closes, what a run records), any change to a bar
    (a dividend, a volume, an open) changes it: :mod:`scenarios.report.scored` uses it to tell
    whether the prices behind a kept score are still the same.
    """
    from scenarios.data.frame import COLUMNS

    h = hashlib.blake2b(digest_size=16)
    h.update(pd.DatetimeIndex(frame.index).asi8.astype("<i8", copy=False).tobytes())
    for col in COLUMNS:
        h.update(col.encode())
        values = frame[col] if col in frame else pd.Series(np.nan, index=frame.index)
        h.update(values.to_numpy(dtype="<f8", na_value=np.nan).tobytes())
    return h.hexdigest()


def _data_sources(payload: Any) -> Iterator[tuple[str, Mapping[str, Any], str]]:
    """Return every ``data_sources`` map in a run payload with its ``as_of``.

    Nested results of backtests are included; each map comes with the ``as_of`` of the result that
    holds it.
    """
    if isinstance(payload, Mapping):
        ds = payload.get("data_sources")
        if isinstance(ds, Mapping) and payload.get("as_of"):
            for sym, info in ds.items():
                if isinstance(info, Mapping) and info.get("sha256"):
                    yield str(sym), info, str(payload["as_of"])
        for key, value in payload.items():
            if key != "data_sources":
                yield from _data_sources(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from _data_sources(value)


def changed_since(payload: Mapping[str, Any], source: Any = None, limit: int = 200) -> list[str]:
    """Return a line per symbol whose data changed since it was recorded.

    Lines ``SYMBOL: the N rows FIRST..LAST changed (source S)`` for every symbol whose
    recorded fingerprint differs from the current data (checked up to ``limit`` symbols;
    symbols the current data do not have at all are reported as gone).
    """
    from scenarios.data import default_source
    from scenarios.errors import DataError

    src = source if source is not None else default_source()
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    for sym, info, _as_of in _data_sources(payload):
        key = (sym, str(info.get("last")))
        if key in seen or len(seen) >= limit:
            continue
        seen.add(key)
        try:
            frame = src.get(sym, info.get("first"), info.get("last"))
        except DataError:
            out.append(f"{sym}: the recorded price rows {info.get('first')}..{info.get('last')} "
                       "cannot be read now (no data for them in the current setup): not checked")
            continue
        if rows_fingerprint(frame) != info["sha256"]:
            out.append(f"{sym}: the price rows {info.get('first')}..{info.get('last')} changed since "
                       f"this run (recorded {info.get('rows', '?')} rows from {info.get('source')}, "
                       f"now {len(frame)}); re-running will not reproduce the recorded numbers")
    return out


def data_changes(payload: Mapping[str, Any]) -> list[str]:
    """:func:`changed_since` of a recorded payload, never raising.

    A problem reading the current data is one line saying the check could not be made (nothing for
    runs recorded before fingerprints).
    """
    from scenarios.errors import ScenariosError

    try:
        return changed_since(payload)
    except ScenariosError as exc:
        return [f"could not check whether the price data changed since this run: {exc}"]
