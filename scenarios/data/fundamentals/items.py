"""The item catalogue: canonical item names, their kind, and where each source keeps them.

Signs: money items are stored with their economic sign as a *flow of that name*: ``capex``,
``buybacks``, ``dividends_paid`` and ``ppe_net_purchases`` are positive amounts spent (yfinance
reports them negative, the SEC extract positive). Derived items are computed per source and
period from the same source's rows (see :func:`derived_rows`):

``fcf``       operating cash flow minus net purchases of property and equipment (the company's
              own definition at Amazon: 115.877 - 77.658 = USD 38.219bn for 2024); minus gross
              ``capex`` where the source has no net PP&E line (SEC)
``net_debt``  ``total_debt`` minus ``cash_and_st_investments`` (minus ``cash`` where there is no
              short-term investment line); absent where ``total_debt`` is absent (0700.HK)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["money", "per_share", "shares", "ratio"]


@dataclass(frozen=True)
class Item:
    """One canonical item."""

    name: str
    kind: Kind
    label: str
    #: yfinance statement (``financials``, ``balance_sheet``, ``cashflow``) and field name
    yf: tuple[str, str] | None = None
    #: multiply the yfinance value by this (-1 for outflows yfinance reports negative)
    yf_sign: float = 1.0
    #: SEC extract: section (``annual``/``quarterly`` flows, ``balances``, top level) and key
    sec: str | None = None


ITEMS: dict[str, Item] = {i.name: i for i in (
    Item("revenue", "money", "revenue", ("financials", "Total Revenue"), sec="revenue"),
    Item("net_income", "money", "net income to common shareholders",
         ("financials", "Net Income Common Stockholders"), sec="netIncome"),
    Item("operating_income", "money", "operating income", ("financials", "Operating Income"),
         sec="opIncome"),
    Item("ebitda", "money", "EBITDA", ("financials", "EBITDA")),
    Item("depreciation", "money", "depreciation and amortization",
         ("financials", "Reconciled Depreciation")),
    Item("tax_rate", "ratio", "tax rate (fraction)", ("financials", "Tax Rate For Calcs")),
    Item("eps_diluted", "per_share", "diluted EPS", ("financials", "Diluted EPS"), sec="eps"),
    Item("eps_basic", "per_share", "basic EPS", ("financials", "Basic EPS")),
    Item("shares_diluted", "shares", "diluted weighted average shares",
         ("financials", "Diluted Average Shares"), sec="dilutedShares"),
    Item("shares_outstanding", "shares", "shares outstanding",
         ("balance_sheet", "Ordinary Shares Number"), sec="sharesLatest"),
    Item("ocf", "money", "operating cash flow", ("cashflow", "Operating Cash Flow"), sec="ocf"),
    Item("capex", "money", "capital expenditure (gross, positive = spent)",
         ("cashflow", "Capital Expenditure"), yf_sign=-1.0, sec="capex"),
    Item("ppe_net_purchases", "money", "net purchases of PP&E (purchases minus sales)",
         ("cashflow", "Net PPE Purchase And Sale"), yf_sign=-1.0),
    Item("fcf_yahoo", "money", "yfinance 'Free Cash Flow' (OCF minus gross capex)",
         ("cashflow", "Free Cash Flow")),
    Item("buybacks", "money", "share repurchases (positive = spent)",
         ("cashflow", "Repurchase Of Capital Stock"), yf_sign=-1.0, sec="buybacks"),
    Item("dividends_paid", "money", "cash dividends paid (positive = paid)",
         ("cashflow", "Cash Dividends Paid"), yf_sign=-1.0, sec="dividendsPaid"),
    Item("total_debt", "money", "total debt", ("balance_sheet", "Total Debt")),
    Item("long_term_debt", "money", "long-term debt", ("balance_sheet", "Long Term Debt"),
         sec="ltDebt"),
    Item("cash", "money", "cash and cash equivalents", ("balance_sheet", "Cash And Cash Equivalents"),
         sec="cash"),
    Item("cash_and_st_investments", "money", "cash, equivalents and short-term investments",
         ("balance_sheet", "Cash Cash Equivalents And Short Term Investments")),
    Item("equity", "money", "shareholders' equity", ("balance_sheet", "Stockholders Equity"),
         sec="equity"),
    Item("total_assets", "money", "total assets", ("balance_sheet", "Total Assets"), sec="assets"),
    Item("fcf", "money", "free cash flow = OCF - net PP&E purchases (or - capex)"),
    Item("net_debt", "money", "net debt = total debt - cash and short-term investments"),
    Item("dividend_yield", "ratio", "dividend yield (fraction; yfinance info gives percent)"),
)}

#: items whose value is a balance at the period end (not a flow over the period)
BALANCES = frozenset({"total_debt", "long_term_debt", "cash", "cash_and_st_investments", "equity",
                      "total_assets", "net_debt", "shares_outstanding"})
#: flows that add up over quarters into a TTM figure
SUMMABLE = frozenset({"revenue", "net_income", "operating_income", "ebitda", "depreciation", "ocf",
                      "capex", "ppe_net_purchases", "fcf", "fcf_yahoo", "buybacks",
                      "dividends_paid", "eps_diluted", "eps_basic"})


def item(name: str) -> Item:
    """Return the :class:`Item` called ``name`` (KeyError with the known names otherwise)."""
    try:
        return ITEMS[name]
    except KeyError:
        raise KeyError(f"unknown fundamentals item {name!r} (known: {', '.join(sorted(ITEMS))})") from None


def derived_rows(values: dict[str, float]) -> dict[str, float]:
    """``fcf`` and ``net_debt`` from one source's figures of one period (see module docstring)."""
    out: dict[str, float] = {}
    ocf = values.get("ocf")
    if ocf is not None:
        spent = values.get("ppe_net_purchases", values.get("capex"))
        if spent is not None:
            out["fcf"] = ocf - spent
    debt = values.get("total_debt")
    if debt is not None:
        cash = values.get("cash_and_st_investments", values.get("cash"))
        if cash is not None:
            out["net_debt"] = debt - cash
    return out
