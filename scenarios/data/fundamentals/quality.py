"""Known problems of saved fundamentals, found in the canonical frame (``scenarios data check``).

Checks (all ``warning`` except where noted; ``info`` = a property the user must know):

``split_unadjusted``     SEC EPS / diluted shares on a pre-split basis: the shares implied by
                         net income / EPS jump by a factor >= 1.8 from one fiscal year to the next
``missing_total_debt``   a yfinance balance sheet without ``Total Debt`` (0700.HK): no net debt
``ads_basis``            an ADS listing whose EPS and average shares are per ADS while
                         ``Ordinary Shares Number`` counts ordinary shares (error when the ratio
                         between them is more than 25% off the ADS ratio)
``ttm_in_annual``        SEC "annual" rows that end at a quarter, not the fiscal year (TTM rows)
``no_quarterly_capex``   (info) the SEC quarterly series has no capex: TTM capex is not computed
``capex_gap``            fiscal years with revenue but no capex, or capex exactly 0 (NVDA
                         FY2016-21: a gap in the SEC tags)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd

from scenarios.data.fundamentals.listings import ADS_LISTINGS


@dataclass
class FundamentalsIssue:
    """One problem found in the saved fundamentals of a symbol."""

    symbol: str
    source: str
    check: str
    severity: str
    periods: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        """Return the issue as a dict of strings."""
        return asdict(self)


def lg(x: float) -> str:
    """Format a number in its shortest general form (``%g``)."""
    return f"{x:g}"


def _d(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).date().isoformat()


def check_frame(frame: pd.DataFrame) -> list[FundamentalsIssue]:
    """Issues of a canonical frame (any mix of symbols and sources)."""
    out: list[FundamentalsIssue] = []
    for (sym, src), g in frame.groupby(["symbol", "source"], sort=True):
        fy = g.loc[g["period_type"] == "FY"]
        if src == "sec":
            wide = fy.pivot_table(index="period_end", columns="item", values="value", aggfunc="last")
            if {"net_income", "eps_diluted"} <= set(wide.columns):
                implied = (wide["net_income"] / wide["eps_diluted"]).where(wide["eps_diluted"] != 0).dropna()
                ratio = implied / implied.shift(1)
                for end, r in ratio.items():
                    if r >= 1.8:
                        prev = implied.index[implied.index.get_loc(end) - 1]  # type: ignore[operator]
                        out.append(FundamentalsIssue(sym, src, "split_unadjusted", "warning",  # type: ignore[arg-type]
                                   f"{_d(prev)}..{_d(end)}",  # type: ignore[arg-type]
                                   f"EPS {wide.loc[prev, 'eps_diluted']:g} for {_d(prev)} implies "  # type: ignore[arg-type]
                                   f"{implied[prev] / 1e9:.3g}bn shares, {r:.1f}x fewer than {_d(end)}: "  # type: ignore[arg-type]
                                   "figures before a stock split are not split-adjusted; recompute EPS as "
                                   "net income / split-adjusted shares"))
            ttm = g.loc[g["period_type"] == "TTM"]
            if len(ttm):
                ends = sorted({_d(e) for e in ttm["period_end"]})
                out.append(FundamentalsIssue(sym, src, "ttm_in_annual", "warning", ", ".join(ends),  # type: ignore[arg-type]
                           f"the annual series holds rows ending {', '.join(ends)}, which is not a fiscal "
                           f"year end ({', '.join(sorted(set(ttm['item'])))}): trailing twelve months, "
                           "typed TTM and never used as a fiscal year"))
            q = g.loc[g["period_type"] == "Q"]
            if len(q) and not (q["item"] == "capex").any():
                out.append(FundamentalsIssue(sym, src, "no_quarterly_capex", "info",  # type: ignore[arg-type]
                           f"{_d(q['period_end'].min())}..{_d(q['period_end'].max())}",
                           "the SEC quarterly series has no capex: capex (and FCF) come from the last "
                           "fiscal year, never from quarters"))
            capex_years = set(fy.loc[(fy["item"] == "capex") & (fy["value"] != 0), "period_end"])
            rev_years = set(fy.loc[fy["item"] == "revenue", "period_end"])
            if capex_years:
                lo = min(capex_years)
                gap = sorted(e for e in rev_years - capex_years if e > lo)
                if gap:
                    out.append(FundamentalsIssue(sym, src, "capex_gap", "warning", ", ".join(_d(e) for e in gap),  # type: ignore[arg-type]
                               "no capex (absent or exactly 0) in fiscal years that have revenue: a gap in "
                               "the SEC tags, not zero capex"))
        else:
            bal = fy.loc[fy["item"].isin(["total_assets", "cash", "equity"])]
            debt = set(fy.loc[fy["item"] == "total_debt", "period_end"])
            missing = sorted(set(bal["period_end"]) - debt)
            if missing:
                out.append(FundamentalsIssue(sym, src, "missing_total_debt", "warning",  # type: ignore[arg-type]
                           ", ".join(_d(e) for e in missing),
                           "the balance sheet has no 'Total Debt' key for these periods: net debt from "
                           "this source is not available (yfinance's 'Net Debt' field is not used); type "
                           "net_debt from the company's report"))
            if sym in ADS_LISTINGS:
                lst = ADS_LISTINGS[sym]
                wide = fy.pivot_table(index="period_end", columns="item", values="value", aggfunc="last")
                if {"shares_outstanding", "shares_diluted"} <= set(wide.columns):
                    r = (wide["shares_outstanding"] / wide["shares_diluted"]).dropna()
                    if len(r):
                        bad = [e for e, x in r.items() if abs(x / lst.ratio - 1) > 0.25]
                        out.append(FundamentalsIssue(
                            sym, src, "ads_basis", "error" if bad else "warning",  # type: ignore[arg-type]
                            ", ".join(_d(e) for e in (bad or list(r.index))),  # type: ignore[arg-type]
                            f"Diluted EPS and Diluted Average Shares are per ADS; Ordinary Shares Number "
                            f"counts ordinary shares ({r.min():.2f}..{r.max():.2f} ordinary per diluted ADS "
                            f"against the ADS ratio {lg(lst.ratio)}"
                            + (", more than 25% off in the periods listed" if bad else "")
                            + f"): per-ADS EPS / {lg(lst.ratio)} = EPS per {lst.hk or 'ordinary'} share"))
    return out
