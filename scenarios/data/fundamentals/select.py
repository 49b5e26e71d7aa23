"""Pick the figure a baseline uses at ``as_of``: TTM, else the last fiscal year, else the latest value.

TTM from four known quarters, else the last known fiscal year, else the latest balance or snapshot
value.

* flows (revenue, net income, EPS, OCF, ...): the sum of the four latest known quarters of one
  source when they are consecutive (each about three months apart) and end at or after the
  last known fiscal year; otherwise the last known fiscal year (sources in the order yahoo,
  yfinance, sec for the same period end). The SEC quarterly series has no capex: capex falls
  back to the fiscal year, and the result says so.
* balances (debt, cash, shares outstanding): the latest known row, quarter or year end.
* ratios: the last known fiscal year.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

from scenarios.data.fundamentals.items import BALANCES, ITEMS, SUMMABLE

SOURCE_ORDER = ("yahoo", "yfinance", "sec")


@dataclass
class Picked:
    """One resolved figure and where it came from."""

    symbol: str
    item: str
    value: float
    basis: str              # "TTM", "FY", "balance", "point"
    period_end: str
    source: str
    known_from: str
    currency: str
    per_share_basis: str
    periods: list[str] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, object]:
        """Return the selected value as a dict."""
        return asdict(self)


def _rank(source: str) -> int:
    return SOURCE_ORDER.index(source) if source in SOURCE_ORDER else len(SOURCE_ORDER)


def _row_pick(symbol: str, item: str, row: pd.Series, basis: str, note: str = "") -> Picked:
    return Picked(symbol, item, float(row["value"]), basis, row["period_end"].date().isoformat(),
                  str(row["source"]), row["known_from"].date().isoformat(), str(row["currency"]),
                  str(row["per_share_basis"]), [row["period_end"].date().isoformat()], note)


def _latest(rows: pd.DataFrame) -> pd.Series | None:
    if rows.empty:
        return None
    rows = rows.assign(_r=rows["source"].map(_rank))
    rows = rows.sort_values(["period_end", "_r"], ascending=[False, True], kind="mergesort")
    return rows.iloc[0]


def ttm(rows: pd.DataFrame) -> tuple[float, list[pd.Timestamp], pd.Series] | None:
    """Sum of the four latest quarters of one source if consecutive (None otherwise)."""
    q = rows.loc[rows["period_type"] == "Q"]
    best = None
    for _, g in q.groupby("source", sort=False):
        g = g.sort_values("period_end", kind="mergesort").drop_duplicates("period_end", keep="last")
        if len(g) < 4:
            continue
        last4 = g.iloc[-4:]
        gaps = last4["period_end"].diff().dt.days.iloc[1:]
        if not ((gaps >= 80) & (gaps <= 100)).all():
            continue
        cand = (float(last4["value"].sum()), list(last4["period_end"]), last4.iloc[-1])
        if best is None or cand[1][-1] > best[1][-1]:
            best = cand
    return best


def pick(frame: pd.DataFrame, symbol: str, item: str) -> Picked | None:
    """Return the figure of ``item`` in ``frame`` (already cut at as_of); None when there is none."""
    rows = frame.loc[frame["item"] == item]
    if rows.empty:
        return None
    if item in BALANCES:
        row = _latest(rows.loc[rows["period_type"].isin(["FY", "Q", "point"])])
        return None if row is None else _row_pick(symbol, item, row, "balance")
    if ITEMS[item].kind == "ratio" and item != "dividend_yield":
        row = _latest(rows.loc[rows["period_type"] == "FY"])
        return None if row is None else _row_pick(symbol, item, row, "FY")
    if item == "dividend_yield":
        row = _latest(rows.loc[rows["period_type"] == "point"])
        return None if row is None else _row_pick(symbol, item, row, "point")
    fy = _latest(rows.loc[rows["period_type"] == "FY"])
    t = ttm(rows) if item in SUMMABLE else None
    if t is not None and (fy is None or t[1][-1] > fy["period_end"]):
        value, ends, last = t
        value = round(value, 10)  # a sum of 4 decimals, without float dust
        p = _row_pick(symbol, item, last, "TTM")
        p.value = value
        p.periods = [e.date().isoformat() for e in ends]
        p.known_from = max(rows.loc[rows["period_end"].isin(ends) & (rows["period_type"] == "Q")
                                    & (rows["source"] == last["source"]), "known_from"]).date().isoformat()
        return p
    if fy is None:
        return None
    note = ""
    if item in ("capex", "fcf") and not (rows["period_type"] == "Q").any():
        srcs = sorted(set(frame.loc[frame["period_type"] == "Q", "source"]))
        if srcs:
            note = (f"no quarterly {item} in {', '.join(srcs)} (the SEC quarterly series has no "
                    "capex): last fiscal year used")
    return _row_pick(symbol, item, fy, "FY", note)
