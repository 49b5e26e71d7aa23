"""Flat volume-0 bars: stale prices vs real half-day closes (scenarios.data.flatbars), and how
the realized returns and the as_of close treat them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.backtest.realized import realized_return
from scenarios.data.flatbars import flat_bar_kinds, stale_mask
from scenarios.data.frame import to_canonical
from scenarios.data.view import PriceView


def _frame(closes: list[float], flat: set[int], days: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    days = days if days is not None else pd.bdate_range("2025-12-01", periods=len(closes))
    c = np.asarray(closes, dtype="float64")
    df = pd.DataFrame({"open": c * 0.99, "high": c * 1.01, "low": c * 0.98, "close": c,
                       "volume": 1e6, "dividends": 0.0, "splits": 0.0}, index=days)
    for i in flat:
        df.iloc[i, df.columns.get_indexer(["open", "high", "low"])] = c[i]
        df.iloc[i, df.columns.get_loc("volume")] = 0.0
    df.index.name = "date"
    return to_canonical(df)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([10.0, 10.5, 11.0]), min_size=2, max_size=30), st.data())
def test_every_flat_bar_is_stale_or_a_real_close(closes: list[float], data: st.DataObject) -> None:
    flat = set(data.draw(st.lists(st.integers(0, len(closes) - 1), max_size=len(closes))))
    f = _frame(closes, flat)
    kinds = flat_bar_kinds(f)
    assert set(kinds.index) == {f.index[i] for i in flat}
    stale = stale_mask(f)
    for i, d in enumerate(f.index):
        expect = i in flat and i > 0 and closes[i] == closes[i - 1]
        assert bool(stale[i]) == expect
        if i in flat:
            assert kinds[d] == ("stale" if expect else "half_day_close")


class _Source:
    name = "frames"

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames

    def get(self, symbol, start=None, end=None):
        df = self.frames[symbol]
        lo = pd.Timestamp(start) if start is not None else df.index[0]
        hi = pd.Timestamp(end) if end is not None else df.index[-1]
        return df.loc[lo:hi]


def test_a_stale_horizon_bar_is_replaced_by_the_last_valid_session() -> None:
    # 2025-12-31 repeats 2025-12-30's close on a flat, volume-0 bar: stale
    days = pd.DatetimeIndex(["2025-12-29", "2025-12-30", "2025-12-31", "2026-01-02"])
    f = _frame([100.0, 104.0, 104.0, 103.0], {2}, days)
    r = realized_return("0700.HK", "2025-12-29", "2025-12-31", _Source({"0700.HK": f}))
    assert r.end_date == pd.Timestamp("2025-12-30") and r.value == pytest.approx(0.04)
    assert "horizon 2025-12-31: stale bar (flat, volume 0, close repeated), 2025-12-30 close used" in r.note
    # the same day with a close that moved is a real half-day close: used, and said
    g = _frame([100.0, 104.0, 106.0, 103.0], {2}, days)
    r2 = realized_return("0700.HK", "2025-12-29", "2025-12-31", _Source({"0700.HK": g}))
    assert r2.end_date == pd.Timestamp("2025-12-31") and r2.value == pytest.approx(0.06)
    assert "horizon 2025-12-31: half-day close (flat bar, volume 0, close moved), used" in r2.note
    # the as_of close skips a stale bar the same way
    view = PriceView(_Source({"0700.HK": f}), "2025-12-31")
    assert view.last_close("0700.HK") == (pd.Timestamp("2025-12-30"), 104.0)
    assert PriceView(_Source({"0700.HK": g}), "2025-12-31").last_close("0700.HK")[0] == pd.Timestamp("2025-12-31")


def test_a_missing_horizon_session_is_said() -> None:
    # no bar on the XHKG session 2025-12-31; 2026-01-01 is a holiday, so no note for it
    days = pd.DatetimeIndex(["2025-12-29", "2025-12-30", "2026-01-02"])
    f = _frame([100.0, 104.0, 103.0], set(), days)
    r = realized_return("0700.HK", "2025-12-29", "2025-12-31", _Source({"0700.HK": f}))
    assert r.end_date == pd.Timestamp("2025-12-30")
    assert r.note == "horizon 2025-12-31: no bar for that session, 2025-12-30 close used"
    assert realized_return("0700.HK", "2025-12-29", "2026-01-01", _Source({"0700.HK": f})).note == ""


@pytest.mark.snapshot
def test_snapshot_half_day_closes_are_used_and_said(snapshot_dir: Path) -> None:
    from scenarios.data.csvdir import CsvDirSource

    src = CsvDirSource(snapshot_dir)
    r = realized_return("0700.HK", "2024-12-31", "2025-12-31", src)
    # both ends are flat volume-0 half-day bars whose close moved: real closes
    assert r.start_date == pd.Timestamp("2024-12-31") and r.end_date == pd.Timestamp("2025-12-31")
    assert "start 2024-12-31: half-day close" in r.note and "horizon 2025-12-31: half-day close" in r.note
    raw = pd.read_csv(snapshot_dir / "0700.HK.csv", index_col="date", parse_dates=True)
    assert r.value == pytest.approx(raw.close["2025-12-31"] / raw.close["2024-12-31"] - 1, rel=1e-12)


def test_run_takes_the_last_valid_session_for_a_stale_as_of_bar_and_says_so() -> None:
    from scenarios.engine.run import run_scenario
    from scenarios.model import scenario_from_dict

    days = pd.DatetimeIndex(["2025-12-29", "2025-12-30", "2025-12-31"])
    stale = _frame([100.0, 104.0, 104.0], {2}, days)  # 0700: the as_of bar repeats 12-30
    moved = _frame([50.0, 51.0, 52.0], {2}, days)     # 9988: a real half-day close
    src = _Source({"0700.HK": stale, "9988.HK": moved})
    data = {"name": "flat", "as_of": "2025-12-31", "horizon": "3M", "universe": ["0700.HK", "9988.HK"],
            "drivers": [], "monte_carlo": {"draws": 10}}
    r = run_scenario(scenario_from_dict(data), source=src)
    assert r.baseline_date == ["2025-12-30", "2025-12-31"]
    assert list(r.baseline_price) == [104.0, 52.0]
    text = "\n".join(r.notes)
    assert "stale bar on 2025-12-31" in text and "0700.HK (2025-12-30)" in text
    assert "half-day bar whose close moved" in text and "9988.HK" in text
    # a missing as_of session (2025-12-31 is an XHKG session) is said too
    short = _Source({"0700.HK": _frame([100.0, 104.0], set(), days[:2])})
    r2 = run_scenario(scenario_from_dict(dict(data, universe=["0700.HK"])), source=short)
    assert any("no bar on the 2025-12-31 session" in n for n in r2.notes)


# -- the one-pass form and the numpy "previous valid close" ------------------------------------

def _reference_prev(c):
    """The previous valid close as pandas gives it (forward fill of valid closes, shifted)."""
    import numpy as np
    import pandas as pd

    with np.errstate(invalid="ignore"):
        valid = np.isfinite(c) & (c > 0)
    return pd.Series(np.where(valid, c, np.nan)).ffill().shift(1).to_numpy()


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from([0.0, 5.0]),
                               st.sampled_from([1.0, 2.0, 0.0, -1.0, float("nan"), float("inf")])),
                     min_size=0, max_size=25))
def test_one_pass_equals_the_pandas_forward_fill(rows) -> None:
    """``flat_bars`` gives ``stale_mask`` and ``flat_bar_kinds``; its previous valid close is
    the pandas forward fill of valid closes, shifted one row (NaN where none)."""
    import numpy as np
    import pandas as pd

    from scenarios.data.flatbars import _flat_and_prev, flat_bar_kinds, flat_bars, stale_mask

    idx = pd.bdate_range("2025-01-01", periods=len(rows))
    c = np.array([r[1] for r in rows], dtype=np.float64)
    frame = pd.DataFrame({"open": c, "high": c, "low": c, "close": c,
                          "volume": [r[0] for r in rows]}, index=idx)
    _, _, prev = _flat_and_prev(frame)
    np.testing.assert_array_equal(prev, _reference_prev(c))
    stale, kinds = flat_bars(frame)
    np.testing.assert_array_equal(stale, stale_mask(frame))
    assert kinds == flat_bar_kinds(frame).to_dict()
    assert all(type(k) is pd.Timestamp and type(v) is str for k, v in kinds.items())
