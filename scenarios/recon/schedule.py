"""The rebalance schedule of a reconstructed index: rebalance days, fast entries and fit windows.

Which days rebalance, which are fast entries, where the simulation starts, what each period holds,
and which days feed a fit.

One schedule serves the per-scheme reference (:func:`~scenarios.recon.simulate.
simulate_index`) and the batched path (:func:`~scenarios.recon.batch.
simulate_index_batch`), so a rule changes in one place. Dates are panel sessions (tz-naive
``Timestamp``); no units otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pandas as pd

from scenarios.errors import DataUnavailableError
from scenarios.recon.fit import MIN_FIT_DAYS
from scenarios.recon.membership import Membership

__all__ = ["Period", "Schedule", "build_schedule"]


@dataclass(frozen=True)
class Period:
    """One holding period from rebalance ``k``.

    Its sessions up to the test end, the members on its first day (``new``) and the day before
    (``old``), who left and who entered, and whether it opens with a fast entry (no review: no
    refit, no re-cap).
    """

    k: int
    start: pd.Timestamp
    days: pd.DatetimeIndex
    new: list[str]
    old: list[str]
    removed: list[str]
    added: list[str]
    fast: bool


@dataclass(frozen=True)
class Schedule:
    """Rebalance days of a test range and the review in force on its first day.

    Rebalance days (``rebal``: the regular reviews on the recorded dates plus the fast
    entries, mapped to the first session on or after each), the two kinds apart, and
    ``first_k``: the review whose weights are in force on the first test day.
    """

    days: pd.DatetimeIndex
    test: pd.DatetimeIndex
    rebal: pd.DatetimeIndex
    regular: frozenset[pd.Timestamp]
    fast: frozenset[pd.Timestamp]
    first_k: int

    def periods(self, membership: Membership) -> Iterator[Period]:
        """Every period from ``first_k`` to the end of the test range, in order."""
        days, rebal, last = self.days, self.rebal, self.test[-1]
        # the sessions are sorted: each period is a slice of them (positions by binary search)
        rebal_pos = days.searchsorted(rebal)
        stop = int(days.searchsorted(last, side="right"))        # sessions <= last
        for k in range(self.first_k, len(rebal)):
            r_k = rebal[k]
            if r_k > last:
                break
            a = int(rebal_pos[k])                                   # first session >= r_k
            b = int(rebal_pos[k + 1]) if k + 1 < len(rebal) else len(days)
            period_days = days[a:max(a, min(b, stop))]
            if a == 0:
                raise DataUnavailableError(f"no trading day before the rebalance {r_k.date()}")
            new, old = membership.on(r_k), membership.on(days[a - 1])
            yield Period(k, r_k, period_days, new, old, [s for s in old if s not in new],
                         [s for s in new if s not in old], r_k in self.fast)

    def period_fit_start(self, k: int, fit_days: pd.DatetimeIndex) -> pd.Timestamp:
        """First day of the buy-and-hold fit that feeds rebalance ``k``.

        The previous rebalance (a fast entry included: holdings drift untouched from it), reaching
        further back while the window has fewer than ``MIN_FIT_DAYS`` sessions.
        """
        r_k, j = self.rebal[k], k - 1
        end = int(fit_days.searchsorted(r_k))            # fit days before r_k (sorted sessions)
        while j > 0 and end - int(fit_days.searchsorted(self.rebal[j])) < MIN_FIT_DAYS:
            j -= 1
        return self.rebal[j]


def build_schedule(days: pd.DatetimeIndex, membership: Membership, standard: Sequence[pd.Timestamp],
                   start: pd.Timestamp, end: pd.Timestamp, *,
                   rebalance_dates: Sequence[pd.Timestamp] | None = None,
                   needs_previous_period: bool = False) -> Schedule:
    """Return the schedule over the panel sessions ``days`` for the test range ``[start, end]``.

    ``standard``: the Hang Seng quarterly calendar of the panel; ``rebalance_dates`` overrides
    it (and then the membership's recorded review dates are not substituted). Fast entries
    come from ``membership``. ``needs_previous_period``: the first weights are fitted on the
    period before the first review (implied weights, period method), so one more review
    must precede the test range.
    """
    test = days[(days >= start) & (days <= end)]
    if len(test) == 0:
        raise DataUnavailableError(f"no trading day between {start.date()} and {end.date()} in the panel")
    if rebalance_dates is None:
        rebal = membership.rebalance_calendar(standard)
    else:
        rebal = pd.DatetimeIndex(sorted(pd.Timestamp(d) for d in rebalance_dates))
    pos = days.searchsorted(rebal)
    regular = {days[p] for p in pos if p < len(days)}  # type: ignore[call-overload]
    fast_pos = days.searchsorted(pd.DatetimeIndex(list(membership.fast_entry_dates())))
    fast = {days[p] for p in fast_pos if p < len(days) and days[0] < days[p]} - regular  # type: ignore[call-overload]
    rebal = pd.DatetimeIndex(sorted(regular | fast))
    first_k = int(rebal.searchsorted(test[0], side="right")) - 1
    while first_k > 0 and rebal[first_k] in fast:  # start from a review: it sets the weights
        first_k -= 1
    if first_k < 0 or (needs_previous_period and first_k < 1):
        raise DataUnavailableError(
            f"not enough history before {test[0].date()} to fit weights (panel starts "
            f"{days[0].date()}); load more warm-up data")
    return Schedule(days, test, rebal, frozenset(regular), frozenset(fast), first_k)
