"""yfinance-shaped statements -> canonical rows (saved dumps and the live path alike).

The shape is what ``Ticker.info`` and ``.to_dict()`` of ``Ticker.financials`` /
``.balance_sheet`` / ``.cashflow`` give: ``{"ticker", "info", "financials", "balance_sheet",
"cashflow", "last_updated"}``, each statement ``{period end: {field name: value}}``. Quarterly
statements may ride along as ``quarterly_financials`` / ``quarterly_balance_sheet`` /
``quarterly_cashflow`` (the live path asks for them). A value missing for a period is absent
(or null/NaN): it is skipped, never read as 0.

Bases: ``Diluted EPS`` and ``Diluted Average Shares`` of an ADS listing are per ADS, while
``Ordinary Shares Number`` counts ordinary shares (the ``per_share_basis`` column says which).
``info["dividendYield"]`` is in percent (1.23 = 1.23%): stored as a fraction, dated by the
save day (``last_updated``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from scenarios.data.fundamentals.items import ITEMS, derived_rows
from scenarios.data.fundamentals.jsonio import JsonFile
from scenarios.data.fundamentals.lags import ReportingLags
from scenarios.data.fundamentals.listings import basis_of
from scenarios.data.symbols import currency_of

STATEMENTS = ("financials", "balance_sheet", "cashflow")
_BY_FIELD: dict[tuple[str, str], str] = {i.yf: i.name for i in ITEMS.values() if i.yf is not None}


def _period(doc: JsonFile, key: str, *where: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(str(key))
    except (ValueError, TypeError):
        raise doc.error(f"period key {key!r} is not a date (expected a fiscal period end such as "
                        "2024-12-31)", *where, key) from None
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _basis(symbol: str, item: str) -> str:
    kind = ITEMS[item].kind
    if kind == "per_share" or item == "shares_diluted":
        return basis_of(symbol)
    if item == "shares_outstanding":
        return "share" if basis_of(symbol) == "share" else "ordinary"
    return ""


def parse_yfinance(doc: JsonFile, *, source: str = "yfinance", lags: ReportingLags,
                   symbol: str | None = None) -> pd.DataFrame:
    """Canonical rows of one yfinance-shaped document (see module docstring)."""
    from scenarios.data.fundamentals.frame import to_canonical

    data = doc.mapping(doc.data)
    sym = doc.symbol(data.get("ticker", symbol or doc.path.stem), "ticker")
    info = doc.mapping(data.get("info") or {}, "info")
    ccy = info.get("financialCurrency") or info.get("currency") or currency_of(sym)
    if not isinstance(ccy, str) or len(ccy.strip()) != 3:
        raise doc.error(f"expected a 3-letter currency code (got {ccy!r})", "info", "financialCurrency")
    ccy = ccy.strip().upper()
    rows: list[dict[str, Any]] = []

    annual_ends: set[pd.Timestamp] = set()

    def add(item: str, end: pd.Timestamp, ptype: str, value: float, known: pd.Timestamp | None = None) -> None:
        kind = ITEMS[item].kind
        # a quarter that ends the fiscal year is published with the annual results
        lag_type = "FY" if ptype == "Q" and end in annual_ends else ptype
        rows.append({"symbol": sym, "item": item, "period_end": end, "period_type": ptype,
                     "value": value, "currency": ccy if kind in ("money", "per_share") else "",
                     "per_share_basis": _basis(sym, item), "source": source,
                     "known_from": known if known is not None else lags.known_from(sym, end, lag_type),
                     "filed": pd.NaT})

    for prefix, ptype in (("", "FY"), ("quarterly_", "Q")):
        periods: dict[pd.Timestamp, dict[str, float]] = {}
        for statement in STATEMENTS:
            name = prefix + statement
            if data.get(name) is None:
                continue
            block = doc.mapping(data[name], name)
            for key, fields in block.items():
                end = _period(doc, key, name)
                fields = doc.mapping(fields, name, key)
                for fname, raw in fields.items():
                    item = _BY_FIELD.get((statement, fname))
                    if item is None:
                        continue
                    if isinstance(raw, float) and raw != raw:  # NaN in a live frame: absent
                        continue
                    value = doc.number(raw, name, key, fname)
                    if value is None:
                        continue
                    periods.setdefault(end, {})[item] = value * ITEMS[item].yf_sign + 0.0  # no -0.0
        if ptype == "FY":
            annual_ends.update(periods)
        for end, values in periods.items():
            values.update(derived_rows(values))
            for item, value in values.items():
                add(item, end, ptype, value)

    saved = data.get("last_updated")
    if saved is not None and info.get("dividendYield") is not None:
        day = _period(doc, saved, "last_updated")
        pct = doc.number(info["dividendYield"], "info", "dividendYield")
        if pct is not None:
            add("dividend_yield", day, "point", pct / 100.0, known=day)
    return to_canonical(pd.DataFrame(rows, columns=None) if rows else pd.DataFrame())
