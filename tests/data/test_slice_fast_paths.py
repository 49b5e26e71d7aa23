"""The resolver's and the view's slicing fast paths against the pandas selections they replace.

:meth:`Resolver.get` slices rows of a per-entry frame of the canonical columns (cut once per memo
frame) and :meth:`PriceView.history` cuts a source's frame at ``as_of`` with one binary search;
both must hand out exactly what ``frame.iloc[lo:hi].loc[:, COLUMNS]`` and
``frame.loc[frame.index <= as_of]`` gave, as frames the caller owns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.data import COLUMNS, PriceView, Resolver
from scenarios.data.frame import as_day
from scenarios.data.resolver import _Entry
from scenarios.data.view import _until

_DAY0 = pd.Timestamp("2024-01-01")


def _frame(offsets: list[int], order: list[str], seed: int) -> pd.DataFrame:
    """A bar frame on ``_DAY0 + offsets`` days (sorted, repeats allowed) with columns in ``order``."""
    idx = pd.DatetimeIndex(_DAY0 + pd.to_timedelta(sorted(offsets), unit="D"), name="date").as_unit("ns")
    rng = np.random.default_rng(seed)
    data = {c: rng.uniform(1, 100, len(idx)) for c in order}
    return pd.DataFrame(data, index=idx)


_offsets = st.lists(st.integers(0, 60), min_size=0, max_size=40)
_columns = st.permutations([*COLUMNS, "splits"])
_bound = st.none() | st.integers(-5, 70).map(lambda d: _DAY0 + pd.Timedelta(days=d))


def _old_get(frame: pd.DataFrame, start: object, end: object) -> pd.DataFrame:
    """What :meth:`Resolver.get` computed before the per-entry frame of canonical columns."""
    s, e = as_day(start), as_day(end)
    if s is None and e is None:
        return frame.loc[:, list(COLUMNS)]
    idx = frame.index
    lo = 0 if s is None else idx.searchsorted(s, side="left")
    hi = len(idx) if e is None else idx.searchsorted(e, side="right")
    return frame.iloc[lo:hi].loc[:, list(COLUMNS)]


@settings(max_examples=150, deadline=None)
@given(offsets=_offsets, order=_columns, seed=st.integers(0, 9), start=_bound, end=_bound,
       replaced=st.booleans())
def test_resolver_get_equals_the_column_selection(offsets: list[int], order: list[str], seed: int,
                                                  start: object, end: object, replaced: bool) -> None:
    frame = _frame(offsets, order, seed)
    resolver = Resolver(today=lambda _sym: pd.Timestamp("2030-01-01").date())
    entry = resolver._memo["0700.HK"] = _Entry(frame=frame, coverage=[(_DAY0.date(), _DAY0.date())])
    resolver.get("0700.HK")  # the canonical columns are cut and kept now
    if replaced:  # a CSV update or a Yahoo fill replaces the memo's frame: never the stale cut
        frame = entry.frame = _frame([*offsets, 61], order, seed + 1)
    got = resolver.get("0700.HK", start, end)
    want = _old_get(frame, start, end)
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_freq=True)
    assert list(got.columns) == list(COLUMNS) and got.columns.dtype == want.columns.dtype
    # the answer is the caller's: changing it changes nothing the resolver hands out later
    assert not np.shares_memory(got["close"].to_numpy(), entry.bars()["close"].to_numpy())
    got.loc[:, "close"] = -1.0
    pd.testing.assert_frame_equal(resolver.get("0700.HK", start, end), want, check_exact=True)


class _Source:
    name = "memory"

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def get(self, symbol: str, start: object = None, end: object = None) -> pd.DataFrame:
        return self.frame.copy()  # the whole frame: the view must cut it


@settings(max_examples=150, deadline=None)
@given(offsets=_offsets, cut=st.integers(-5, 70), freq=st.booleans(), shuffled=st.booleans())
def test_view_cut_equals_the_mask(offsets: list[int], cut: int, freq: bool, shuffled: bool) -> None:
    frame = _frame(offsets, list(COLUMNS), 0)
    if freq:  # a regular index with a freq takes the mask (boolean selection drops the freq)
        frame = frame.iloc[:0] if not len(frame) else frame.set_axis(
            pd.date_range(_DAY0, periods=len(frame), freq="D", name="date").as_unit("ns"))
    if shuffled:  # not ascending: the mask
        frame = frame.iloc[::-1]
    as_of = _DAY0 + pd.Timedelta(days=cut)
    want = frame.loc[frame.index <= as_of]
    pd.testing.assert_frame_equal(_until(frame, as_of), want, check_exact=True, check_freq=True)
    view = PriceView(_Source(frame), as_of)
    h = view.history("X")
    pd.testing.assert_frame_equal(h, want, check_exact=True, check_freq=True)
    assert (h.index <= as_of).all()
    h.loc[:, "close"] = -1.0  # the view's cached frame is not the caller's
    assert not (view.history("X")["close"] == -1.0).any()
