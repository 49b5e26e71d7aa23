"""Exchange trading calendars (``exchange-calendars``, imported lazily).

Which calendar a symbol trades on follows its Yahoo suffix: ``.HK`` and the Hang Seng indexes
on ``XHKG``, ``.SS``/``.SZ`` (and ``000300.SS``) on ``XSHG``, everything else on ``XNYS``.
Sessions are returned as tz-naive midnight timestamps, like the canonical frame's index.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from scenarios.data.symbols import normalize_symbol

if TYPE_CHECKING:
    import exchange_calendars

#: Full-day closures the installed ``exchange-calendars`` does not know (weather): HKEX did not
#: trade on 2023-09-01 (typhoon Saola, signal No. 8 all day) nor on 2023-09-08 (black
#: rainstorm). Removed from the sessions returned by :func:`sessions`.
AD_HOC_CLOSURES: dict[str, tuple[str, ...]] = {"XHKG": ("2023-09-01", "2023-09-08")}

#: Earliest date asked of each calendar (older data is checked only from here on).
_CALENDAR_START = {"XHKG": "1986-01-02", "XNYS": "1986-01-02", "XSHG": None}


def calendar_name(symbol: str) -> str:
    """ISO MIC of the exchange calendar for ``symbol``: XHKG, XSHG or XNYS."""
    s = normalize_symbol(symbol)
    if s.endswith(".HK") or s in ("^HSI", "^HSCE", "^HSTECH"):
        return "XHKG"
    if s.endswith((".SS", ".SZ")):
        return "XSHG"
    return "XNYS"


@lru_cache(maxsize=8)
def get_calendar(name: str) -> exchange_calendars.ExchangeCalendar:
    """Return the calendar ``name`` over the widest range this module uses (cached)."""
    import warnings

    with warnings.catch_warnings():
        # exchange-calendars 4.x still calls pandas APIs that pandas 3 deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        import exchange_calendars as xcals

        start = _CALENDAR_START.get(name)
        cal = xcals.get_calendar(name, start=start) if start else xcals.get_calendar(name)
        cal.sessions  # noqa: B018 - build the lazy properties inside the filter
        cal.early_closes  # noqa: B018
        return cal


def _naive(idx: pd.DatetimeIndex) -> pd.DatetimeIndex:
    idx = pd.DatetimeIndex(idx)
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return idx.normalize().as_unit("ns")


def sessions(symbol: str, start: pd.Timestamp | str, end: pd.Timestamp | str) -> pd.DatetimeIndex:
    """Trading sessions of ``symbol``'s exchange in ``[start, end]`` (clipped to the calendar)."""
    name = calendar_name(symbol)
    s = _all_sessions(name)
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    if lo is pd.NaT or hi is pd.NaT or lo.tz is not None or hi.tz is not None or not s.is_monotonic_increasing:
        return s[(s >= lo) & (s <= hi)]
    # the sessions ascend: the rows in [lo, hi] are one block, found by two binary searches
    return s[int(s.searchsorted(lo, side="left")):int(s.searchsorted(hi, side="right"))]


def _cache_file(name: str) -> Path | None:
    """Return the cache file of calendar ``name``'s sessions.

    Where the sessions of calendar ``name`` are cached, keyed by the exchange-calendars
    version and the month (the library's calendars end a year after the day they are built).
    """
    from scenarios.paths import home
    from scenarios.pkgmeta import installed_version

    ver = installed_version("exchange-calendars", "exchange_calendars")
    if ver is None:
        return None
    month = pd.Timestamp.now().strftime("%Y%m")
    return home() / "calendars" / f"{name}-{ver}-{month}.npz"


@lru_cache(maxsize=8)
def _calendar_arrays(name: str) -> dict[str, np.ndarray]:
    """Sessions, early closes and bounds of ``name`` as datetime64 arrays.

    Building an exchange-calendars calendar costs about half a second, every process; the
    arrays are cached in ``$SCENARIOS_HOME/calendars/`` (keyed by the library's version,
    written atomically) so later runs load them in a millisecond.
    """
    path = _cache_file(name)
    if path is not None and path.exists():
        try:
            with np.load(path) as data:
                return {k: data[k] for k in ("sessions", "early", "bounds")}
        except (OSError, ValueError, KeyError):
            pass  # a damaged cache file is rebuilt below
    cal = get_calendar(name)
    arrays = {
        "sessions": _naive(cal.sessions).to_numpy(dtype="datetime64[ns]"),
        "early": _naive(cal.early_closes).to_numpy(dtype="datetime64[ns]"),
        "bounds": _naive(pd.DatetimeIndex([cal.first_session, cal.last_session])).to_numpy(dtype="datetime64[ns]"),
    }
    if path is not None:
        from scenarios.paths import write_cache

        def save(tmp: Path) -> None:
            with tmp.open("wb") as fh:  # a file object: numpy adds no ".npz" to the name
                np.savez(fh, **arrays)  # type: ignore[arg-type]

        write_cache(path, save)  # best effort: a read-only home only costs speed
    return arrays


@lru_cache(maxsize=8)
def _all_sessions(name: str) -> pd.DatetimeIndex:
    s = pd.DatetimeIndex(_calendar_arrays(name)["sessions"])
    closed = pd.DatetimeIndex(list(AD_HOC_CLOSURES.get(name, ()))).as_unit("ns")
    return s.difference(closed) if len(closed) else s


def early_closes(symbol: str) -> pd.DatetimeIndex:
    """Half-day sessions (early closes) of ``symbol``'s exchange."""
    return _early_closes(calendar_name(symbol))


@lru_cache(maxsize=8)
def _early_closes(name: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(_calendar_arrays(name)["early"])


def calendar_bounds(symbol: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last session the calendar of ``symbol`` knows (tz-naive)."""
    first, last = _calendar_arrays(calendar_name(symbol))["bounds"]
    return pd.Timestamp(first), pd.Timestamp(last)
