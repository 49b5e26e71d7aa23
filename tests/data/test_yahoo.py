"""YahooSource against a fake yfinance that returns what the real one returns (no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yfinance
from _yfshapes import as_download, as_history, snapshot_frame
from yfinance.exceptions import YFRateLimitError

from scenarios.data import COLUMNS, YahooSource, is_canonical
from scenarios.errors import DataUnavailableError

pytestmark = pytest.mark.snapshot


class FakeTicker:
    """Stands in for ``yfinance.Ticker``: ``history`` returns ``answer(symbol, kwargs)``."""

    calls: list[tuple[str, dict[str, Any]]] = []
    answer: Any = None

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol

    def history(self, **kwargs: Any) -> pd.DataFrame:
        FakeTicker.calls.append((self.symbol, kwargs))
        return FakeTicker.answer(self.symbol, kwargs)


@pytest.fixture
def fake_ticker(monkeypatch: pytest.MonkeyPatch) -> type[FakeTicker]:
    FakeTicker.calls = []
    monkeypatch.setattr(yfinance, "Ticker", FakeTicker)
    return FakeTicker


def _history_answer(full: pd.DataFrame):
    """history(): the bars in [start, end) (end exclusive, like yfinance), tz-aware index."""
    def answer(symbol: str, kw: dict[str, Any]) -> pd.DataFrame:
        lo = pd.Timestamp(kw.get("start", "1900-01-01"))
        hi = pd.Timestamp(kw["end"]) if "end" in kw else pd.Timestamp("2100-01-01")
        part = full[(full.index >= lo) & (full.index < hi)]
        return as_history(part)
    return answer


def test_history_layout_becomes_canonical(fake_ticker: type[FakeTicker], snapshot_dir: Path) -> None:
    full = snapshot_frame(snapshot_dir, "0700.HK")
    fake_ticker.answer = _history_answer(full)
    got = YahooSource().get("700.HK", "2025-12-01", "2025-12-31")
    assert is_canonical(got)
    assert got.index[0] == pd.Timestamp("2025-12-01") and got.index[-1] == pd.Timestamp("2025-12-31")
    assert got.loc["2025-12-31", "close"] == pytest.approx(592.10, abs=0.005)
    symbol, kw = fake_ticker.calls[0]
    assert symbol == "0700.HK" and kw["start"] == "2025-12-01" and kw["end"] == "2026-01-01"
    assert kw["auto_adjust"] is True and kw["actions"] is True
    want = full.loc["2025-12-01":"2025-12-31", list(COLUMNS)]
    np.testing.assert_array_equal(got["close"].to_numpy(), want["close"].to_numpy())


def test_empty_answer_is_data_unavailable(fake_ticker: type[FakeTicker]) -> None:
    # what yfinance really returns offline or for an unknown symbol: an empty frame, no exception
    fake_ticker.answer = lambda s, kw: pd.DataFrame(
        columns=["Open", "High", "Low", "Close", "Volume", "Dividends", "Stock Splits"])
    with pytest.raises(DataUnavailableError) as info:
        YahooSource().get("9999.HK", "2025-01-01", "2025-06-30")
    msg = str(info.value)
    assert "9999.HK" in msg and "2025-01-01 to 2025-06-30" in msg
    assert "SCENARIOS_PRICES" in msg and "scenarios data import" in msg


def test_rate_limit_is_retried_with_back_off(fake_ticker: type[FakeTicker], snapshot_dir: Path) -> None:
    full = snapshot_frame(snapshot_dir, "^HSI")
    ok = _history_answer(full)
    state = {"n": 0}

    def answer(symbol: str, kw: dict[str, Any]) -> pd.DataFrame:
        state["n"] += 1
        if state["n"] <= 2:
            raise YFRateLimitError()
        return ok(symbol, kw)

    fake_ticker.answer = answer
    waits: list[float] = []
    got = YahooSource(backoff=1.5, sleep=waits.append).get("^HSI", "2025-02-13", "2025-02-13")
    assert got["close"].round(2).tolist() == [21814.37]
    assert waits == [1.5, 3.0] and state["n"] == 3


def test_rate_limit_that_never_ends(fake_ticker: type[FakeTicker]) -> None:
    def answer(symbol: str, kw: dict[str, Any]) -> pd.DataFrame:
        raise YFRateLimitError()

    fake_ticker.answer = answer
    waits: list[float] = []
    with pytest.raises(DataUnavailableError, match="rate-limiting"):
        YahooSource(retries=3, backoff=1.0, sleep=waits.append).get("0700.HK")
    assert waits == [1.0, 2.0, 4.0] and len(fake_ticker.calls) == 4


def test_download_layout(monkeypatch: pytest.MonkeyPatch, snapshot_dir: Path) -> None:
    full = snapshot_frame(snapshot_dir, "0700.HK").loc["2025-01-01":"2025-12-31"]
    seen: dict[str, Any] = {}

    def fake_download(tickers: str, **kw: Any) -> pd.DataFrame:
        seen.update(kw, tickers=tickers)
        return as_download(full, "0700.HK", actions=kw.get("actions", False))

    monkeypatch.setattr(yfinance, "download", fake_download)
    got = YahooSource(method="download").get("0700.HK", "2025-01-01", "2025-12-31")
    assert seen["tickers"] == "0700.HK" and seen["progress"] is False
    assert is_canonical(got) and got.loc["2025-05-16", "dividends"] == 4.5
    np.testing.assert_array_equal(got["close"].to_numpy(), full["close"].to_numpy())

    monkeypatch.setattr(yfinance, "download", lambda tickers, **kw: pd.DataFrame())
    with pytest.raises(DataUnavailableError, match="0700.HK"):
        YahooSource(method="download").get("0700.HK", "2025-01-01", "2025-12-31")


def test_other_errors_become_data_unavailable(fake_ticker: type[FakeTicker]) -> None:
    def answer(symbol: str, kw: dict[str, Any]) -> pd.DataFrame:
        raise ConnectionError("Failed to resolve query1.finance.yahoo.com")

    fake_ticker.answer = answer
    with pytest.raises(DataUnavailableError, match="ConnectionError"):
        YahooSource().get("0700.HK")
    assert len(fake_ticker.calls) == 1  # not retried


def test_unadjusted_answer_is_adjusted_like_auto_adjust() -> None:
    from scenarios.data.yahoo import from_yfinance

    idx = pd.DatetimeIndex(["2025-05-15", "2025-05-16"]).tz_localize("Asia/Hong_Kong").rename("Date")
    raw = pd.DataFrame({"Open": [500.0, 490.0], "High": [510.0, 495.0], "Low": [495.0, 480.0],
                        "Close": [505.0, 491.0], "Adj Close": [500.5, 491.0], "Volume": [1e7, 2e7],
                        "Dividends": [0.0, 4.5], "Stock Splits": [0.0, 0.0]}, index=idx)
    got = from_yfinance(raw, "0700.HK")
    assert got.index.tolist() == [pd.Timestamp("2025-05-15"), pd.Timestamp("2025-05-16")]
    ratio = 500.5 / 505.0
    np.testing.assert_allclose(got["high"].to_numpy(), [510.0 * ratio, 495.0])
    assert got["close"].tolist() == [500.5, 491.0] and got["dividends"].tolist() == [0.0, 4.5]


def test_multi_ticker_download_answer_picks_the_symbol(snapshot_dir: Path) -> None:
    from scenarios.data.yahoo import from_yfinance

    a = snapshot_frame(snapshot_dir, "0700.HK").loc["2025-12-01":"2025-12-31"]
    b = snapshot_frame(snapshot_dir, "9988.HK").loc["2025-12-01":"2025-12-31"]
    both = pd.concat([as_download(a, "0700.HK"), as_download(b, "9988.HK")], axis=1).sort_index(axis=1)
    got = from_yfinance(both, "9988.HK")
    np.testing.assert_array_equal(got["close"].to_numpy(), b["close"].to_numpy())


def _offline_answer(symbol: str, kw: dict[str, Any]) -> pd.DataFrame:
    """What yfinance 1.x does offline: log the curl failure, print nothing useful, return empty."""
    import logging

    logging.getLogger("yfinance").error(
        "Failed to get ticker '%s' reason: Failed to perform, curl: (6) Could not resolve host: "
        "query2.finance.yahoo.com.", symbol)
    print(f"${symbol}: possibly delisted; no timezone found")
    return pd.DataFrame()


def test_offline_yfinance_is_silenced_and_named_unreachable(
        fake_ticker: type[FakeTicker], capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    from scenarios.errors import YahooUnreachableError

    fake_ticker.answer = _offline_answer
    with pytest.raises(YahooUnreachableError, match="Could not resolve host") as info:
        YahooSource().get("0700.HK", "2025-12-01", "2025-12-31")
    assert "SCENARIOS_PRICES" in str(info.value)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""  # yfinance's own noise never reaches the user
    assert not [r for r in caplog.records if r.name.startswith("yfinance")]


def test_unreachable_yahoo_is_tried_once_per_process(
        fake_ticker: type[FakeTicker], tmp_path: Path, snapshot_dir: Path) -> None:
    """An offline machine with a CSV folder: the tail gap is tried once, then no more network."""
    from datetime import date

    from scenarios.data import CsvDirSource
    from scenarios.data.barstore import BarStore
    from scenarios.data.resolver import Resolver

    fake_ticker.answer = _offline_answer
    r = Resolver(store=BarStore(tmp_path / "s.duckdb"), csv=CsvDirSource(snapshot_dir),
                 yahoo=YahooSource(), today=lambda _s: date(2026, 11, 21))
    a = r.get("0700.HK")
    b = r.get("9988.HK")
    assert len(fake_ticker.calls) == 1 and r.yahoo_unreachable
    assert a.loc["2025-12-31", "close"] == pytest.approx(592.10, abs=0.005) and len(b) > 1000


def test_weekend_only_gap_is_not_fetched(fake_ticker: type[FakeTicker], tmp_path: Path,
                                         snapshot_dir: Path) -> None:
    from datetime import date

    from scenarios.data import CsvDirSource
    from scenarios.data.barstore import BarStore
    from scenarios.data.resolver import Resolver

    fake_ticker.answer = _offline_answer
    # 0700.HK's file ends Friday 2026-08-21; on Monday 2026-08-24 the gap is Sat..Sun only
    r = Resolver(store=BarStore(tmp_path / "s.duckdb"), csv=CsvDirSource(snapshot_dir),
                 yahoo=YahooSource(), today=lambda _s: date(2026, 8, 24))
    assert r.get("0700.HK").index[-1] == pd.Timestamp("2026-08-21")
    assert fake_ticker.calls == []


def test_data_show_offline_is_one_paragraph(fake_ticker: type[FakeTicker], monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """No store, no SCENARIOS_PRICES, Yahoo unreachable: exit 3 and ONE paragraph saying what to do."""
    from scenarios.cli.app import main

    fake_ticker.answer = _offline_answer
    monkeypatch.delenv("SCENARIOS_PRICES", raising=False)
    monkeypatch.delenv("SCENARIOS_OFFLINE", raising=False)
    assert main(["data", "show", "0700.HK"]) == 3
    out = capsys.readouterr()
    text = (out.out + out.err).strip()
    assert "\n\n" not in text and "Traceback" not in text and "curl" not in text
    assert text.startswith("error (DataUnavailableError): no price data for 0700.HK")
    assert "could not be reached" in text and "SCENARIOS_PRICES" in text and "scenarios data import" in text
    assert len(fake_ticker.calls) == 1
