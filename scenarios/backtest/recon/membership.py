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

    @classmethod
    def from_universe(cls, name: str = "hstech") -> "Membership":
        """Membership of a seeds universe (``seeds/universes.yaml``)."""
        from scenarios.seeds.universes import load_universes, membership_intervals

        start = load_universes().get(name).history_start
        return cls(tuple(membership_intervals(name)), history_start=start)

    def unrecorded_note(self, start: date | pd.Timestamp) -> str | None:
        """A caveat when ``start`` lies before the recorded history, else None."""
        if self.history_start is not None and pd.Timestamp(start).date() < self.history_start:
            return (f"membership before {self.history_start} is not recorded: the first recorded "
                    "state is assumed, so results before that date are not validated")
        return None

    @classmethod
    def static(cls, symbols: Iterable[str]) -> "Membership":
        """The same members on every date."""
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
