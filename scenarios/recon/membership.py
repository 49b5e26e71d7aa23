"""Dated index membership: which symbols are in the index on a given date.

Intervals are ``(symbol, from, to_exclusive)`` with calendar dates (``None`` = open-ended); the
HSTECH history comes from ``seeds/universes.yaml`` (:mod:`scenarios.seeds.universes`). No units.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandas as pd

__all__ = ["Membership"]


@dataclass(frozen=True)
class Membership:
    """Dated index membership: ``(symbol, from, to_exclusive)`` intervals, ``None`` = open."""

    intervals: tuple[tuple[str, date | None, date | None], ...]
    #: first date the history is recorded for (None = unknown / static membership)
    history_start: date | None = None
    #: effective dates of the regular reviews that changed the membership (recorded dates)
    review_dates: tuple[date, ...] = ()
    #: ``(symbol, effective date)`` of fast entries between regular reviews
    fast_entries: tuple[tuple[str, date], ...] = ()

    @classmethod
    def from_universe(cls, name: str = "hstech") -> Membership:
        """Membership of a seeds universe (``seeds/universes.yaml``)."""
        from scenarios.seeds.universes import load_universes, membership_intervals

        uni = load_universes().get(name)
        fast = tuple(sorted((m.symbol, m.from_) for m in uni.members
                            if m.fast_entry and m.from_ is not None))
        return cls(tuple(membership_intervals(name)), history_start=uni.history_start,
                   review_dates=tuple(uni.regular_dates()), fast_entries=fast)

    def rebalance_calendar(self, standard: Iterable[pd.Timestamp], *,
                           tolerance_days: int = 14) -> pd.DatetimeIndex:
        """Return the regular rebalances.

        Each date of the ``standard`` schedule replaced by the recorded review date within
        ``tolerance_days`` of it (March reviews sometimes took effect a week after the schedule's
        date: 2021-03-15, 2023-03-13), plus any recorded review the schedule misses. Fast entries
        are not rebalances (see :meth:`fast_entry_dates`).
        """
        std = pd.DatetimeIndex(sorted(pd.Timestamp(d).normalize() for d in standard))
        recorded = [pd.Timestamp(d) for d in self.review_dates]
        out = set()
        for d in std:
            near = [r for r in recorded if abs((r - d).days) <= tolerance_days]
            out.add(min(near, key=lambda r: abs((r - d).days)) if near else d)
        lo, hi = (std[0], std[-1]) if len(std) else (None, None)
        out.update(r for r in recorded if lo is not None and lo <= r <= hi + pd.Timedelta(days=tolerance_days))  # type: ignore[operator]
        return pd.DatetimeIndex(sorted(out), name="date")

    def fast_entry_dates(self) -> dict[pd.Timestamp, list[str]]:
        """Effective date -> symbols entering fast on it."""
        out: dict[pd.Timestamp, list[str]] = {}
        for sym, d in self.fast_entries:
            out.setdefault(pd.Timestamp(d), []).append(sym)
        return out

    def unrecorded_note(self, start: date | pd.Timestamp) -> str | None:
        """Return a caveat when ``start`` lies before the recorded history, else None."""
        if self.history_start is not None and pd.Timestamp(start).date() < self.history_start:
            return (f"membership before {self.history_start} is not recorded: the first recorded "
                    "state is assumed, so results before that date are not validated")
        return None

    @classmethod
    def static(cls, symbols: Iterable[str]) -> Membership:
        """Return the same members on every date."""
        return cls(tuple((s, None, None) for s in symbols))

    def on(self, when: date | pd.Timestamp) -> list[str]:
        """Sorted members in force on ``when`` (``from <= when < to``).

        Before the first recorded change the open-ended (``from=None``) members apply: the
        history is assumed unchanged before it starts.
        """
        d = pd.Timestamp(when).date()
        out = {s for s, f, t in self.intervals if (f is None or f <= d) and (t is None or d < t)}
        return sorted(out)

    @property
    def symbols(self) -> list[str]:
        """Every symbol that is ever a member."""
        return sorted({s for s, _, _ in self.intervals})
