"""The SEC companyfacts extract (``fundamentals/sec/<SYMBOL>.json``) -> canonical rows.

Layout: ``annual`` and ``quarterly`` map a key (``revenue``, ``netIncome``, ``opIncome``, ``ocf``,
``capex``, ``eps``, ...) to ``[{"end": "2024-12-31", "v": 637959000000}, ...]``; ``balances``
(``assets``, ``equity``, ``cash``, ``ltDebt``) likewise; ``dilutedShares`` is one list;
``sharesLatest`` one ``{"end", "v"}``; ``profile.fye`` the fiscal year end (``"1231"``). A
quarterly row with ``"d": 1`` is derived (annual minus three quarters). An entry may carry
``"filed"`` (filing date): it then sets ``known_from``.

Classification: an ``annual`` row whose end is not within 10 days of the fiscal year end is a
trailing-twelve-month row (AMZN's 2026-06-30 row), typed ``TTM``, never taken for a fiscal
year. The quarterly series has no capex: nothing is invented for it. EPS and diluted shares
are as filed (not split-adjusted before a split: see :mod:`scenarios.data.fundamentals.splits`).
The quarterly EPS series skips fiscal fourth quarters; they are derived as FY minus three
quarters (like the extract's own ``"d": 1`` rows).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from scenarios.data.fundamentals.items import ITEMS, derived_rows
from scenarios.data.fundamentals.jsonio import JsonFile
from scenarios.data.fundamentals.lags import ReportingLags

_BY_KEY: dict[str, str] = {i.sec: i.name for i in ITEMS.values() if i.sec is not None}


def is_sec_document(data: Any) -> bool:
    """Return True when ``data`` looks like an SEC extract (``annual`` and ``quarterly`` keys)."""
    return isinstance(data, dict) and "annual" in data and "quarterly" in data


def _fye(doc: JsonFile, data: dict[str, Any]) -> tuple[int, int] | None:
    profile = data.get("profile") or {}
    fye = profile.get("fye") if isinstance(profile, dict) else None
    if fye is None:
        return None
    text = str(fye)
    if len(text) != 4 or not text.isdigit() or not (1 <= int(text[:2]) <= 12):
        raise doc.error(f"expected the fiscal year end as MMDD such as 1231 (got {fye!r})", "profile", "fye")
    return int(text[:2]), min(int(text[2:]), 28)


def _is_fiscal_year_end(end: pd.Timestamp, fye: tuple[int, int] | None) -> bool:
    if fye is None:
        return True
    for year in (end.year - 1, end.year, end.year + 1):
        anchor = pd.Timestamp(year=year, month=fye[0], day=fye[1])
        if abs((end - anchor).days) <= 10:
            return True
    return False


def parse_sec(doc: JsonFile, *, lags: ReportingLags, source: str = "sec") -> pd.DataFrame:
    """Canonical rows of one SEC extract (see module docstring)."""
    from scenarios.data.fundamentals.frame import to_canonical

    data = doc.mapping(doc.data)
    sym = doc.symbol(data.get("symbol", doc.path.stem), "symbol")
    fye = _fye(doc, data)
    flows: dict[tuple[pd.Timestamp, str], dict[str, float]] = {}
    filed_at: dict[tuple[pd.Timestamp, str], pd.Timestamp] = {}
    points: list[tuple[str, pd.Timestamp, float]] = []

    def entries(value: Any, *where: str | int) -> list[tuple[pd.Timestamp, float, pd.Timestamp | None]]:
        if not isinstance(value, list):
            raise doc.error(f"expected a list of {{end, v}} entries (got {type(value).__name__})", *where)
        out = []
        for j, e in enumerate(value):
            e = doc.mapping(e, *where, j)
            if "end" not in e or "v" not in e:
                raise doc.error("each entry needs 'end' and 'v'", *where, j)
            try:
                end = pd.Timestamp(str(e["end"])).normalize()
            except (ValueError, TypeError):
                raise doc.error(f"'end' is not a date (got {e['end']!r})", *where, j, "end") from None
            v = doc.number(e["v"], *where, j, "v")
            filed = None
            if e.get("filed") is not None:
                try:
                    filed = pd.Timestamp(str(e["filed"])).normalize()
                except (ValueError, TypeError):
                    raise doc.error(f"'filed' is not a date (got {e['filed']!r})", *where, j, "filed") from None
            if v is not None:
                out.append((end, v, filed))
        return out

    def put(item: str, end: pd.Timestamp, ptype: str, v: float, filed: pd.Timestamp | None) -> None:
        flows.setdefault((end, ptype), {})[item] = v
        if filed is not None:
            filed_at[(end, ptype)] = filed

    for section, qtr in (("annual", False), ("quarterly", True), ("balances", None)):
        block = doc.mapping(data.get(section) or {}, section)
        for key, series in block.items():
            item = _BY_KEY.get(key)
            if item is None:
                continue
            for end, v, filed in entries(series, section, key):
                if qtr:
                    ptype = "Q"
                else:
                    ptype = "FY" if _is_fiscal_year_end(end, fye) else ("TTM" if qtr is False else "Q")
                put(item, end, ptype, v, filed)
    if data.get("dilutedShares") is not None:
        for end, v, filed in entries(data["dilutedShares"], "dilutedShares"):
            put("shares_diluted", end, "FY" if _is_fiscal_year_end(end, fye) else "TTM", v, filed)
    latest = data.get("sharesLatest")
    if latest is not None:
        for end, v, _ in entries([latest], "sharesLatest"):
            points.append(("shares_outstanding", end, v))

    _derive_fourth_quarter_eps(flows)
    rows: list[dict[str, Any]] = []
    for (end, ptype), values in flows.items():
        values.update(derived_rows(values))
        filed = filed_at.get((end, ptype))
        # a quarter that ends the fiscal year is published with the annual report (10-K lag)
        lag_type = "FY" if ptype == "Q" and _is_fiscal_year_end(end, fye) else ptype
        known = filed if filed is not None else lags.known_from(sym, end, lag_type)
        for item, v in values.items():
            kind = ITEMS[item].kind
            rows.append({"symbol": sym, "item": item, "period_end": end, "period_type": ptype, "value": v,
                         "currency": "USD" if kind in ("money", "per_share") else "",
                         "per_share_basis": "share" if kind in ("per_share", "shares") else "",
                         "source": source, "known_from": known, "filed": filed if filed is not None else pd.NaT})
    for item, end, v in points:
        rows.append({"symbol": sym, "item": item, "period_end": end, "period_type": "point", "value": v,
                     "currency": "", "per_share_basis": "share", "source": source, "known_from": end,
                     "filed": pd.NaT})
    return to_canonical(pd.DataFrame(rows) if rows else pd.DataFrame())


def _derive_fourth_quarter_eps(flows: dict[tuple[pd.Timestamp, str], dict[str, float]]) -> None:
    """Add the fourth-quarter EPS that the quarterly series skips, in place.

    The quarterly EPS series skips the quarter that ends the fiscal year (it is in the 10-K
    only). Derive it as the extract derives other fourth quarters (``"d": 1``): fiscal-year EPS
    minus the three quarters before it, when all three are there.
    """
    quarters = {end: v["eps_diluted"] for (end, ptype), v in flows.items()
                if ptype == "Q" and "eps_diluted" in v}
    for (end, ptype), v in list(flows.items()):
        if ptype != "FY" or "eps_diluted" not in v or end in quarters:
            continue
        prior = [q for q in quarters if pd.Timedelta(days=60) <= end - q <= pd.Timedelta(days=290)]
        if len(prior) == 3:
            flows.setdefault((end, "Q"), {})["eps_diluted"] = round(
                v["eps_diluted"] - sum(quarters[q] for q in prior), 10)
