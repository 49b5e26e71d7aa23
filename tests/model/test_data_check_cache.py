"""The walk-forward data-check cache gives what the checks on the history cut at each as_of give."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scenarios.data.resolver import build_source
from scenarios.data.view import PriceView
from scenarios.errors import DataUnavailableError, ScenariosError
from scenarios.model import validation as checks
from scenarios.model.loader import load_scenario
from scenarios.model.validation import _cached_close, data_check_cache, data_checks

ROOT = Path(__file__).resolve().parents[2]
#: ordinary, stale and half-day bars (0285, 0700), gaps (0020), indexes, a 2026 listing (2513)
SYMBOLS = ["0700.HK", "0285.HK", "0020.HK", "^HSI", "HSTECH.HK", "2513.HK", "AAPL"]


def _view_facts(src, sym: str, as_of: pd.Timestamp):
    view = PriceView(src, as_of)
    try:
        day, close = view.last_close(sym)
    except (DataUnavailableError, ScenariosError):
        return None
    c = view.close(sym).to_numpy(dtype="float64", na_value=float("nan"))
    valid = int(((c > 0) & (c == c)).sum())
    return day, close, view.history(sym).index[0], view.close_substitution(sym, day), valid


def test_cached_facts_equal_the_views(snapshot_dir: Path) -> None:
    src = build_source(prices=str(snapshot_dir))
    days = list(pd.date_range("2024-12-20", "2026-04-20", freq="5D"))
    days += [pd.Timestamp(d) for d in ("2024-12-31", "2025-11-03", "2026-01-08", "2026-04-14")]
    cache = data_check_cache(max(days))
    hits = 0
    with cache.active():
        for sym in SYMBOLS:
            for d in sorted(set(days)):
                got = _cached_close(src, sym, d)
                want = _view_facts(src, sym, d)
                if got is None:
                    continue  # the ordinary path decides (and may raise)
                hits += 1
                assert want is not None, (sym, d)
                assert got == want, (sym, d)
    assert hits > 0.8 * len(SYMBOLS) * len(set(days)) * 0.8
    assert _cached_close(src, "0700.HK", pd.Timestamp("2025-06-30")) is None  # no active cache


@pytest.mark.parametrize("example", ["hstech_ai_reweight_2025.yaml", "tencent_feb_2026.yaml"])
def test_data_checks_identical_with_the_cache(example: str, snapshot_dir: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_scenario(ROOT / "examples" / example)
    src = build_source(prices=str(snapshot_dir))
    days = [pd.Timestamp(d) for d in ("2023-03-31", "2024-12-31", "2025-06-30", "2025-11-05")]
    cache = data_check_cache(days[-1])

    def run(d: pd.Timestamp, cached: bool):
        found: dict = {}
        notes: list[str] = []
        if cached:
            with cache.active():
                errors, warns = data_checks(s, src, as_of=d.date(), found=found, notes=notes)
        else:  # the view's own checks (a single run also uses the facts path by default)
            with monkeypatch.context() as m:
                m.setattr(checks, "_cached_close", lambda *a: None)
                errors, warns = data_checks(s, src, as_of=d.date(), found=found, notes=notes)
        return [str(e) for e in errors], [str(w) for w in warns], found, notes

    for d in days:
        assert run(d, True) == run(d, False), d
        assert run(d, False) == data_checks_default(s, src, d), d


def data_checks_default(s, src, d: pd.Timestamp):
    found: dict = {}
    notes: list[str] = []
    errors, warns = data_checks(s, src, as_of=d.date(), found=found, notes=notes)
    return [str(e) for e in errors], [str(w) for w in warns], found, notes


def test_facts_read_through_the_run_view_equal_the_sources(snapshot_dir: Path) -> None:
    """A single run's checks read the facts through their view (cut at as_of = the cache's end):
    the same answers as facts read from the source, and the view's cache is what the source gives."""
    src = build_source(prices=str(snapshot_dir))
    for d in [pd.Timestamp(x) for x in ("2024-12-31", "2025-06-30", "2025-11-03", "2026-01-08")]:
        view = PriceView(src, d)
        with data_check_cache(d).active():
            through_view = [_cached_close(src, sym, d, view) for sym in SYMBOLS]
        with data_check_cache(d).active():
            from_source = [_cached_close(src, sym, d) for sym in SYMBOLS]
        assert through_view == from_source, d
        assert any(x is not None for x in through_view)
        for sym in SYMBOLS:
            try:
                want = src.get(sym, None, d)
            except DataUnavailableError:
                continue
            pd.testing.assert_frame_equal(view.history(sym), want, check_exact=True)
        # a view at another date is never read for a cache ending elsewhere
        other = PriceView(src, d - pd.Timedelta(days=40))
        with data_check_cache(d).active():
            assert [_cached_close(src, sym, d, other) for sym in SYMBOLS] == from_source
