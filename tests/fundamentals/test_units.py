"""Fundamentals without the snapshot: point-in-time property, located errors, the live path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.data.fundamentals import FundamentalsView, ReportingLags
from scenarios.data.fundamentals.folder import FundamentalsDir, parse_file
from scenarios.data.fundamentals.frame import to_canonical
from scenarios.data.fundamentals.lags import DEFAULT_LAGS
from scenarios.errors import DataFormatError, DataUnavailableError, LookAheadError, YahooUnreachableError


class FrameSource:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def get_for(self, symbol: str) -> pd.DataFrame:
        return self.frame[self.frame["symbol"] == symbol]


def _frame(known: list[int]) -> pd.DataFrame:
    base = pd.Timestamp("2020-01-01")
    rows = [{"symbol": "MSFT", "item": "revenue", "period_end": base + pd.Timedelta(days=90 * i),
             "period_type": "Q", "value": float(i + 1), "currency": "USD", "per_share_basis": "",
             "source": "sec", "known_from": base + pd.Timedelta(days=90 * i + k), "filed": pd.NaT}
            for i, k in enumerate(known)]
    return to_canonical(pd.DataFrame(rows))


@settings(max_examples=60, deadline=None)
@given(lags=st.lists(st.integers(0, 200), min_size=1, max_size=12), cut=st.integers(-30, 1300))
def test_view_never_shows_later_knowledge(lags: list[int], cut: int) -> None:
    frame = _frame(lags)
    as_of = pd.Timestamp("2020-01-01") + pd.Timedelta(days=cut)
    view = FundamentalsView(FrameSource(frame), as_of)
    seen = view.frame("MSFT")
    assert (seen["known_from"] <= as_of).all()
    assert len(seen) == int((frame["known_from"] <= as_of).sum())  # nothing known is hidden either
    for _, row in frame.iterrows():
        if row["known_from"] > as_of:
            with pytest.raises(LookAheadError):
                view.value("MSFT", "revenue", row["period_end"], "Q")
        else:
            assert view.value("MSFT", "revenue", row["period_end"], "Q") == row["value"]


@settings(deadline=None)
@given(end=st.dates(min_value=pd.Timestamp("2000-01-01").date(), max_value=pd.Timestamp("2040-12-31").date()),
       ptype=st.sampled_from(["FY", "Q", "TTM"]), sym=st.sampled_from(["0700.HK", "MSFT", "BABA"]))
def test_known_from_follows_the_lag_table(end, ptype, sym) -> None:
    known = DEFAULT_LAGS.known_from(sym, pd.Timestamp(end), ptype)
    days = (known - pd.Timestamp(end)).days
    if sym == "MSFT":
        assert days == (60 if ptype == "FY" else 40)
    else:
        months = 3 if (sym == "0700.HK" and ptype == "FY") else 2
        assert 28 * months - 3 <= days <= 31 * months + 1


def test_lags_are_configurable() -> None:
    lags = DEFAULT_LAGS.with_overrides("HK.FY=4M, US.Q=45D")
    assert lags.known_from("0700.HK", pd.Timestamp("2024-12-31"), "FY") == pd.Timestamp("2025-04-30")
    assert lags.known_from("MSFT", pd.Timestamp("2024-09-30"), "Q") == pd.Timestamp("2024-11-14")
    with pytest.raises(ValueError, match="unknown reporting-lag key"):
        DEFAULT_LAGS.with_overrides("XX.FY=1M")
    with pytest.raises(ValueError, match="3M or 60D"):
        DEFAULT_LAGS.with_overrides("HK.FY=three")


def test_filed_date_wins_over_the_lag(tmp_path: Path) -> None:
    doc = {"symbol": "MSFT", "profile": {"fye": "0630"},
           "annual": {"revenue": [{"end": "2024-06-30", "v": 245122000000, "filed": "2024-07-30"}]},
           "quarterly": {}}
    p = tmp_path / "MSFT.json"
    p.write_text(json.dumps(doc))
    f = parse_file(p, DEFAULT_LAGS)
    assert list(f["known_from"]) == [pd.Timestamp("2024-07-30")]
    assert list(f["filed"]) == [pd.Timestamp("2024-07-30")]


YF = {"ticker": "0700.HK", "info": {"currency": "HKD", "financialCurrency": "CNY", "dividendYield": 1.23},
      "financials": {"2024-12-31": {"Total Revenue": 660257000000.0, "Diluted EPS": 20.486}},
      "balance_sheet": {}, "cashflow": {"2024-12-31": {"Capital Expenditure": -96048000000.0}},
      "last_updated": "2026-07-05T19:15:49"}


@pytest.mark.parametrize("text, line, what", [
    ("{\n  \"ticker\": \"0700.HK\",\n  \"financials\": {,}\n}", 3, "invalid JSON"),
    (json.dumps(YF, indent=2).replace("20.486", "\"twenty\""), None, "Diluted EPS: expected a number"),
    (json.dumps(YF, indent=2).replace("\"2024-12-31\": {\"Total", "\"FY24\": {\"Total").replace(
        "\"2024-12-31\": {\n      \"Total", "\"FY24\": {\n      \"Total"), None, "not a date"),
    ("", 1, "empty"),
])
def test_malformed_files_name_file_and_line(tmp_path: Path, text: str, line: int | None, what: str) -> None:
    p = tmp_path / "0700.HK.json"
    p.write_text(text)
    with pytest.raises(DataFormatError) as info:
        parse_file(p, DEFAULT_LAGS)
    msg = str(info.value)
    assert msg.startswith(f"{p}:") and what in msg
    if line is None:  # the line of the offending key in the file
        bad = "twenty" if "twenty" in text else "FY24"
        line = next(i for i, t in enumerate(text.splitlines(), 1) if bad in t)
    assert msg.startswith(f"{p}:{line}:")


def test_sec_entry_without_value_is_located(tmp_path: Path) -> None:
    p = tmp_path / "MSFT.json"
    p.write_text('{"symbol": "MSFT",\n "annual": {"revenue": [{"end": "2024-06-30"}]},\n "quarterly": {}}')
    with pytest.raises(DataFormatError, match=r"MSFT.json:2: annual.revenue\[0\]: each entry needs"):
        parse_file(p, DEFAULT_LAGS)


# ------------------------------------------------------------------ live yfinance, faked

class FakeTicker:
    """Real-shaped yfinance answers: statement frames with field rows and Timestamp columns."""

    def __init__(self, dump: dict) -> None:
        self.info = dump["info"]
        for key, attr in (("financials", "income_stmt"), ("balance_sheet", "balance_sheet"),
                          ("cashflow", "cashflow")):
            self.__dict__[attr] = pd.DataFrame({pd.Timestamp(k): pd.Series(v, dtype="float64")
                                                for k, v in dump[key].items()})
        for attr in ("quarterly_income_stmt", "quarterly_balance_sheet", "quarterly_cashflow"):
            self.__dict__[attr] = pd.DataFrame()


def test_fake_yfinance_gives_the_same_frame_as_the_dumps(fundamentals_dir: Path) -> None:
    from scenarios.data.fundamentals.yahoo import YahooFundamentals

    folder = FundamentalsDir(fundamentals_dir)
    for sym in ("0700.HK", "BABA", "AMZN"):
        path = fundamentals_dir / "yfinance" / f"{sym}.json"
        dump = json.loads(path.read_text())
        live = YahooFundamentals(ticker=lambda s, d=dump: FakeTicker(d),
                                 today=lambda d=dump: pd.Timestamp(d["last_updated"]).date()).get(sym)
        saved = folder.read_file(path)
        assert set(live["source"]) == {"yahoo"}
        pd.testing.assert_frame_equal(live.drop(columns="source"), saved.drop(columns="source"))


def test_live_rate_limit_is_retried_then_reported() -> None:
    from scenarios.data.fundamentals.yahoo import YahooFundamentals

    class YFRateLimitError(Exception):
        pass

    calls, waits = [], []

    def ticker(sym):
        calls.append(sym)
        raise YFRateLimitError("Too Many Requests. Rate limited.")

    src = YahooFundamentals(retries=2, backoff=1.0, ticker=ticker, sleep=waits.append)
    with pytest.raises(DataUnavailableError, match="kept rate-limiting"):
        src.get("MSFT")
    assert len(calls) == 3 and waits == [1.0, 2.0]


def test_live_offline_and_empty_answers() -> None:
    from scenarios.data.fundamentals.yahoo import YahooFundamentals

    def offline(sym):
        raise RuntimeError("Failed to perform, curl: (6) Could not resolve host: query2.finance.yahoo.com")

    with pytest.raises(YahooUnreachableError, match="SCENARIOS_FUNDAMENTALS"):
        YahooFundamentals(ticker=offline).get("MSFT")

    class Empty:
        info: dict = {}

    with pytest.raises(DataUnavailableError, match="no statements for NOPE"):
        YahooFundamentals(ticker=lambda s: Empty()).get("NOPE")


def test_resolver_caches_live_answers_in_the_store(fundamentals_dir: Path) -> None:
    from scenarios.data.fundamentals.resolver import FundamentalsResolver
    from scenarios.data.fundamentals.store import FundamentalsStore
    from scenarios.data.fundamentals.yahoo import YahooFundamentals

    dump = json.loads((fundamentals_dir / "yfinance" / "MSFT.json").read_text())
    calls = []

    def ticker(sym):
        calls.append(sym)
        return FakeTicker(dump)

    store = FundamentalsStore()
    first = FundamentalsResolver(None, store, YahooFundamentals(ticker=ticker)).get("MSFT")
    again = FundamentalsResolver(None, store, YahooFundamentals(ticker=ticker)).get("MSFT")
    assert calls == ["MSFT"]  # the second resolver read the store
    pd.testing.assert_frame_equal(first, again)


# ------------------------------------------------------------------ estimates

def test_estimates_read_all_three_schemas(fundamentals_dir: Path) -> None:
    from scenarios.data.fundamentals.estimates import EstimatesDir

    est = EstimatesDir(fundamentals_dir / "estimates")
    raw = json.loads((fundamentals_dir / "estimates" / "2025-09-17.json").read_text())
    e1 = est.consensus("AMZN", "2025-09-17")
    assert (e1.schema, e1.fwd_eps, e1.date) == (1, float(raw["AMZN"]["eps_estimate"]), "2025-09-17")
    e2 = est.consensus("AMZN", "2025-10-01")
    assert e2.schema == 2 and e2.eps_analyst_count is None
    raw3 = json.loads((fundamentals_dir / "estimates" / "2026-02-18.json").read_text())["AMZN"]
    e3 = est.consensus("AMZN", "2026-02-18")
    assert e3.schema == 3 and e3.fwd_eps == raw3["fwd_eps"]
    assert e3.eps_analyst_count == int(raw3["fwd_eps_analyst_count"])
    assert e3.fwd_rev == pytest.approx(float(raw3["fwd_rev"].rstrip("B")) * 1e9)
    assert est.consensus("AMZN", "2025-09-16") is None  # nothing dated before the first file
    # the analyst count is stated in 22 of the 109 files
    files = est.dated_files()
    assert len(files) == 109
    with_count = [d for d, p in files if est.read(d, p).get("AMZN") and est.read(d, p)["AMZN"].eps_analyst_count]
    assert len(with_count) == 22


def test_reporting_lags_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from scenarios.data.fundamentals.lags import lags_from_env
    from scenarios.errors import ScenarioError

    monkeypatch.setenv("SCENARIOS_REPORTING_LAGS", "US.FY=90D")
    assert lags_from_env().lag("US", "FY") == "90D"
    monkeypatch.setenv("SCENARIOS_REPORTING_LAGS", "US.FY=soon")
    with pytest.raises(ScenarioError, match="SCENARIOS_REPORTING_LAGS"):
        lags_from_env()
    assert isinstance(DEFAULT_LAGS, ReportingLags)


# ------------------------------------------------------------------ listings

@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.floats(0.01, 1e3, allow_nan=False), min_size=1, max_size=6),
       ads=st.sampled_from(["BABA", "JD", "NTES", "NIO"]))
def test_ads_mapping_round_trips_and_scales_by_the_ratio(values: list[float], ads: str) -> None:
    from scenarios.data.fundamentals.listings import ADS_LISTINGS
    from scenarios.data.fundamentals.mapping import for_listing

    lst = ADS_LISTINGS[ads]
    rows = []
    for i, v in enumerate(values):
        end = pd.Timestamp("2020-12-31") + pd.DateOffset(years=i)
        common = {"symbol": ads, "period_end": end, "period_type": "FY", "source": "yfinance",
                  "known_from": end, "filed": pd.NaT}
        rows += [{**common, "item": "eps_diluted", "value": v, "currency": "CNY", "per_share_basis": "ADS"},
                 {**common, "item": "shares_diluted", "value": v * 1e6, "currency": "", "per_share_basis": "ADS"},
                 {**common, "item": "revenue", "value": v * 1e9, "currency": "CNY", "per_share_basis": ""}]
    frame = to_canonical(pd.DataFrame(rows))
    hk = for_listing(frame, lst.hk)
    assert set(hk["symbol"]) == {lst.hk}
    eps = hk["item"] == "eps_diluted"
    assert np.allclose(hk.loc[eps, "value"] * lst.ratio, frame.loc[frame["item"] == "eps_diluted", "value"])
    sh = hk["item"] == "shares_diluted"
    assert np.allclose(hk.loc[sh, "value"] / lst.ratio, frame.loc[frame["item"] == "shares_diluted", "value"])
    # totals do not change; EPS x shares (earnings) is the same on either basis
    assert hk.loc[hk["item"] == "revenue", "value"].tolist() == frame.loc[frame["item"] == "revenue", "value"].tolist()
    assert np.allclose(hk.loc[eps, "value"].to_numpy() * hk.loc[sh, "value"].to_numpy(),
                       frame.loc[frame["item"] == "eps_diluted", "value"].to_numpy()
                       * frame.loc[frame["item"] == "shares_diluted", "value"].to_numpy())
    back = for_listing(hk, ads)
    assert np.allclose(back["value"], frame["value"]) and (back["per_share_basis"] == frame["per_share_basis"]).all()


def test_live_quarters_take_the_market_lag_and_fiscal_q4_the_annual_one() -> None:
    from scenarios.data.fundamentals.yahoo import YahooFundamentals

    class Ticker:
        info = {"currency": "HKD", "financialCurrency": "CNY"}
        income_stmt = pd.DataFrame({pd.Timestamp("2024-12-31"): {"Total Revenue": 660.257e9}})
        quarterly_income_stmt = pd.DataFrame({pd.Timestamp("2024-12-31"): {"Total Revenue": 172.446e9},
                                              pd.Timestamp("2024-09-30"): {"Total Revenue": 167.193e9,
                                                                           "Diluted EPS": float("nan")}})
        balance_sheet = cashflow = quarterly_balance_sheet = quarterly_cashflow = pd.DataFrame()

    f = YahooFundamentals(ticker=lambda s: Ticker(), today=lambda: pd.Timestamp("2025-05-01").date()).get("0700.HK")
    known = {(r.period_end.date().isoformat(), r.period_type): r.known_from.date().isoformat()
             for r in f.itertuples()}
    assert known == {("2024-12-31", "FY"): "2025-03-31", ("2024-12-31", "Q"): "2025-03-31",
                     ("2024-09-30", "Q"): "2024-11-30"}  # HK: annual 3 months, interim 2 months
    assert not (f["item"] == "eps_diluted").any()  # NaN in a live frame is absent, not 0


def test_a_ticker_with_control_characters_is_a_located_error(tmp_path: Path) -> None:
    p = tmp_path / "X.json"
    p.write_text(json.dumps({**YF, "ticker": "AB\x1b[31m"}, indent=2))
    with pytest.raises(DataFormatError, match=r"X.json:2: ticker: expected a symbol"):
        parse_file(p, DEFAULT_LAGS)


def test_cli_blank_symbol_is_a_usage_error(capsys: pytest.CaptureFixture) -> None:
    from scenarios.cli.app import main

    assert main(["data", "fundamentals", " "]) == 2
    assert "Traceback" not in capsys.readouterr().err
