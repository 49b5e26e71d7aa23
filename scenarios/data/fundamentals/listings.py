"""Listings: which market's reporting rule applies, and the ADS <-> Hong Kong line mapping.

An American depositary share (ADS) stands for a fixed number of ordinary shares. yfinance and
the companies report EPS and average share counts of ADS listings per ADS; the Hong Kong line
trades ordinary shares. :func:`basis_factor` gives the factor that converts a per-share value
from one basis to another (per-ADS EPS / 8 = per-ordinary-share EPS at Alibaba); share counts
convert the other way round (ADS count x 8 = ordinary shares).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scenarios.data.symbols import normalize_symbol

Market = Literal["HK", "US", "US_CN"]


@dataclass(frozen=True)
class AdsListing:
    """One ADS and its ratio (ordinary shares per ADS); ``hk`` is the Hong Kong line, if any."""

    ads: str
    ratio: float
    hk: str | None


#: ADS listings of Chinese issuers (ratio = ordinary shares per ADS)
ADS_LISTINGS: dict[str, AdsListing] = {a.ads: a for a in (
    AdsListing("BABA", 8.0, "9988.HK"),
    AdsListing("JD", 2.0, "9618.HK"),
    AdsListing("NTES", 5.0, "9999.HK"),
    AdsListing("NIO", 1.0, "9866.HK"),
    AdsListing("PDD", 4.0, None),
    AdsListing("BIDU", 8.0, "9888.HK"),
    AdsListing("TCOM", 1.0, "9961.HK"),
    AdsListing("BILI", 1.0, "9626.HK"),
    AdsListing("LI", 2.0, "2015.HK"),
    AdsListing("XPEV", 2.0, "9868.HK"),
)}
HK_TO_ADS: dict[str, AdsListing] = {a.hk: a for a in ADS_LISTINGS.values() if a.hk}


def market_of(symbol: str) -> Market:
    """``HK`` for Hong Kong lines, ``US_CN`` for ADS of Chinese issuers (6-K), ``US`` otherwise."""
    sym = normalize_symbol(symbol)
    if sym.endswith(".HK"):
        return "HK"
    if sym in ADS_LISTINGS:
        return "US_CN"
    return "US"


def basis_of(symbol: str) -> str:
    """Per-share basis of figures saved under ``symbol``: ``ADS``, ``ordinary`` or ``share``."""
    sym = normalize_symbol(symbol)
    if sym in ADS_LISTINGS:
        return "ADS"
    if sym.endswith(".HK"):
        return "ordinary"
    return "share"


def data_symbols(symbol: str) -> list[str]:
    """Symbols whose saved figures can serve ``symbol``: itself, then its ADS or HK twin."""
    sym = normalize_symbol(symbol)
    out = [sym]
    if sym in HK_TO_ADS:
        out.append(HK_TO_ADS[sym].ads)
    elif sym in ADS_LISTINGS and ADS_LISTINGS[sym].hk:
        out.append(ADS_LISTINGS[sym].hk)  # type: ignore[arg-type]
    return out


def ordinary_per_unit(symbol: str, basis: str) -> float:
    """Ordinary shares per one share of ``basis`` for the issuer of ``symbol``."""
    if basis != "ADS":
        return 1.0
    sym = normalize_symbol(symbol)
    listing = ADS_LISTINGS.get(sym) or HK_TO_ADS.get(sym)
    if listing is None:
        raise ValueError(f"{sym} has no known ADS ratio")
    return listing.ratio


def basis_factor(issuer_symbol: str, from_basis: str, to_basis: str) -> float:
    """Factor that turns a per-share value on ``from_basis`` into one on ``to_basis`` (share counts use its inverse).

    ``ADS`` -> ``ordinary`` at Alibaba: 1/8.
    """
    if from_basis == to_basis:
        return 1.0
    return ordinary_per_unit(issuer_symbol, to_basis) / ordinary_per_unit(issuer_symbol, from_basis)
