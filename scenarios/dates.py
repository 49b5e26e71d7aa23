"""One date coercion for the project (ground floor: imports nothing of ``scenarios``)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    import numpy as np

__all__ = ["as_date", "require_date"]


@overload
def as_date(value: None) -> None: ...


@overload
def as_date(value: dt.date | str | np.datetime64) -> dt.date: ...


@overload
def as_date(value: object) -> dt.date | None: ...


def as_date(value: Any) -> dt.date | None:
    """``value`` as a calendar date; ``None`` stays ``None``.

    Parameters
    ----------
    value : date, datetime, pandas.Timestamp, numpy.datetime64, str or None
        A datetime (a tz-aware one included) gives its own wall-clock date; a string must start
        with an ISO date ``YYYY-MM-DD`` (a time part after ``T`` or a blank is ignored).

    Raises
    ------
    ValueError
        For a string or other value that is not a date.
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value.astype("datetime64[D]")) if hasattr(value, "astype") else str(value)
    text = text.strip()
    if len(text) > 10 and text[10] in "T ":
        text = text[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD (got {value!r})") from None


def require_date(value: object) -> dt.date:
    """Return ``value`` as a calendar date, as :func:`as_date` reads it; ``None`` is an error too.

    Raises
    ------
    ValueError
        For ``None`` and for anything :func:`as_date` rejects.
    """
    day = as_date(value)
    if day is None:
        raise ValueError("expected a date YYYY-MM-DD (got None)")
    return day
