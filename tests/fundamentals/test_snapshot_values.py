"""Known values of the real fundamentals snapshot, through the API (exact, as published)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from scenarios.data.fundamentals import FundamentalsView, pick
from scenarios.errors import LookAheadError


def _one(frame: pd.DataFrame, item: str, end: str, source: str | None = None) -> float:
    rows = frame[(frame["item"] == item) & (frame["period_end"] == pd.Timestamp(end))
                 & (frame["period_type"] == "FY")]
    if source is not None:
        rows = rows[rows["source"] == source]
    assert len(rows) >= 1, f"no {item} {end}"
    return float(rows["value"].iloc[0])


def test_tencent_fy2024(fund_folder) -> None:
    f = fund_folder.get("0700.HK")
    assert _one(f, "revenue", "2024-12-31") == 660_257_000_000.0
    assert _one(f, "eps_diluted", "2024-12-31") == 20.486
    row = f[(f["item"] == "revenue") & (f["period_end"] == "2024-12-31")].iloc[0]
    assert row["currency"] == "CNY" and row["source"] == "yfinance"


def test_microsoft_fy2024_both_sources(fund_folder) -> None:
    f = fund_folder.get("MSFT")
    for src in ("yfinance", "sec"):
        assert _one(f, "revenue", "2024-06-30", src) == 245_122_000_000.0
        assert _one(f, "capex", "2024-06-30", src) == 44_477_000_000.0  # positive = spent


def test_amazon_capex_and_fcf(fund_folder) -> None:
    f = fund_folder.get("AMZN")
    assert _one(f, "capex", "2024-12-31", "yfinance") == 82_999_000_000.0
    assert _one(f, "capex", "2024-12-31", "sec") == 82_999_000_000.0
    # the company's FCF: OCF 115.877 minus net PP&E purchases 77.658 = 38.219
    assert _one(f, "fcf", "2024-12-31", "yfinance") == 38_219_000_000.0
    assert _one(f, "ocf", "2024-12-31", "yfinance") - _one(f, "ppe_net_purchases", "2024-12-31", "yfinance") \
        == 38_219_000_000.0
    # yfinance's own field subtracts gross capex
    assert _one(f, "fcf_yahoo", "2024-12-31", "yfinance") == 32_878_000_000.0


def test_tencent_fy2024_point_in_time(fund_folder) -> None:
    before = FundamentalsView(fund_folder, "2025-03-01")
    with pytest.raises(LookAheadError, match="2025-03-31"):
        before.value("0700.HK", "revenue", "2024-12-31")
    assert pick(before.frame("0700.HK"), "0700.HK", "revenue").period_end == "2023-12-31"
    after = FundamentalsView(fund_folder, "2025-04-01")
    assert after.value("0700.HK", "revenue", "2024-12-31") == 660_257_000_000.0
    p = pick(after.frame("0700.HK"), "0700.HK", "eps_diluted")
    assert (p.value, p.period_end, p.known_from, p.basis) == (20.486, "2024-12-31", "2025-03-31", "FY")


def test_alibaba_per_ordinary_share_is_per_ads_over_8(fund_folder) -> None:
    view = FundamentalsView(fund_folder, "2026-07-01")
    ads = view.frame("BABA", "eps_diluted")
    hk = view.frame("9988.HK", "eps_diluted")
    assert len(ads) == len(hk) > 0
    m = ads.merge(hk, on=["period_end", "period_type", "source"], suffixes=("_ads", "_hk"))
    assert (m["value_hk"] == m["value_ads"] / 8).all()
    assert set(m["per_share_basis_ads"]) == {"ADS"} and set(m["per_share_basis_hk"]) == {"ordinary"}
    assert view.value("9988.HK", "eps_diluted", "2025-03-31") == 53.6 / 8
    # share counts go the other way: ADS count x 8
    assert view.value("9988.HK", "shares_diluted", "2025-03-31") == 2_414_750_000.0 * 8


def test_amazon_ttm_from_four_quarters_matches_the_raw_file(fund_folder, fundamentals_dir: Path) -> None:
    raw = json.loads((fundamentals_dir / "sec" / "AMZN.json").read_text())
    q = {e["end"]: e["v"] for e in raw["quarterly"]["revenue"]}
    expected = sum(q[d] for d in ("2024-12-31", "2025-03-31", "2025-06-30", "2025-09-30"))
    view = FundamentalsView(fund_folder, "2025-11-15")  # Q3 2025 known from 2025-11-09 (40 days)
    p = pick(view.frame("AMZN"), "AMZN", "revenue")
    assert p.basis == "TTM" and p.value == expected and p.source == "sec"
    assert p.periods == ["2024-12-31", "2025-03-31", "2025-06-30", "2025-09-30"]
    # capex: the SEC quarterly series has none, so the last fiscal year is used and the note says so
    c = pick(view.frame("AMZN"), "AMZN", "capex")
    assert c.basis == "FY" and c.period_end == "2024-12-31" and "no quarterly capex" in c.note


def test_sec_eps_split_adjusted_with_price_splits(fund_folder, snapshot_source) -> None:
    raw = FundamentalsView(fund_folder, "2026-08-01")
    adj = FundamentalsView(fund_folder, "2026-08-01", splits=snapshot_source.splits)
    assert raw.value("AMZN", "eps_diluted", "2019-12-31", source="sec") == 23.01
    assert adj.value("AMZN", "eps_diluted", "2019-12-31", source="sec") == pytest.approx(23.01 / 20)
    # 2020 was restated after the 2022 split (diluted shares 10.198bn): left alone
    assert adj.value("AMZN", "eps_diluted", "2020-12-31", source="sec") \
        == raw.value("AMZN", "eps_diluted", "2020-12-31", source="sec")


def test_sec_ttm_row_is_not_a_fiscal_year(fund_folder) -> None:
    f = fund_folder.get("AMZN")
    row = f[(f["source"] == "sec") & (f["period_end"] == "2026-06-30") & (f["item"] == "capex")]
    assert list(row["period_type"]) == ["TTM"]


def test_dividend_yield_percent_becomes_a_fraction(fund_folder, fundamentals_dir: Path) -> None:
    raw = json.loads((fundamentals_dir / "yfinance" / "0700.HK.json").read_text())
    f = fund_folder.get("0700.HK")
    dy = f[f["item"] == "dividend_yield"]
    assert list(dy["value"]) == [raw["info"]["dividendYield"] / 100]
    assert dy["known_from"].iloc[0] == pd.Timestamp(raw["last_updated"][:10])


def test_known_problems_are_flagged(fund_folder) -> None:
    from scenarios.data.fundamentals.quality import check_frame

    issues = check_frame(fund_folder.read_all())
    found = {(i.symbol, i.check) for i in issues}
    assert ("0700.HK", "missing_total_debt") in found
    assert ("AMZN", "split_unadjusted") in found and ("NVDA", "split_unadjusted") in found
    assert ("AMZN", "ttm_in_annual") in found
    assert ("AMZN", "no_quarterly_capex") in found
    gap = next(i for i in issues if (i.symbol, i.check) == ("NVDA", "capex_gap"))
    assert gap.periods.startswith("2016-01-31") and gap.periods.endswith("2021-01-31")
    assert ("BABA", "ads_basis") in found and ("MSFT", "ads_basis") not in found
    ttm = next(i for i in issues if i.symbol == "AMZN" and i.check == "ttm_in_annual")
    assert "2026-06-30" in ttm.periods
    assert not [i for i in issues if i.severity == "error"]  # ADS ratios agree with the statements
