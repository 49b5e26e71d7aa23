"""The hook that fills scenario baselines from data at ``as_of`` (``eps: from_data``).

A scenario asks for data with ``eps: from_data`` (likewise ``shares``, ``sales``, ``net_debt``,
``dividend_yield``, ``tax_rate``), ``eps: forward_from_data`` (the consensus known at ``as_of``,
:mod:`scenarios.data.fundamentals.estimates`), or ``baseline: {SYM: {from_data: true}}`` (every item
the data has; typed values next to it win). :func:`fill_baselines` returns the scenario with those
values filled and a provenance record per value (period, source, known-from date), which the engine
echoes under ``inputs.resolved.fundamentals``. Every walk-forward window calls it with its own
``as_of``, so forecasts move with reported results.

Units written into the baseline: ``eps`` per share of the listing's share basis, in statement
currency (``currency`` is set to it; the scenario's ``fx`` converts to the trading currency);
``sales`` and ``net_debt`` in bn of statement currency; ``shares`` in bn (diluted weighted
average of the last fiscal year); ``dividend_yield`` a fraction (dividends paid over the
period / diluted shares, converted with the scenario's FX, over the close at ``as_of``; else
yfinance ``info.dividendYield``, which is in percent, / 100 when saved before ``as_of``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scenarios.errors import DataUnavailableError, ScenarioError

if TYPE_CHECKING:  # the fundamentals package loads when a baseline asks for data, not every run
    from scenarios.data.fundamentals.select import Picked
    from scenarios.data.fundamentals.view import FundamentalsView

#: baseline field -> data item (``fcf``, ``capex``, ``depreciation`` are filled once the
#: Baseline model has those fields: :func:`scenarios.model.schema.from_data_fields`)
DATA_ITEM = {"eps": "eps_diluted", "shares": "shares_diluted", "sales": "revenue",
             "net_debt": "net_debt", "dividend_yield": "dividends_paid", "tax_rate": "tax_rate",
             "fcf": "fcf", "capex": "capex", "depreciation": "depreciation"}
#: fields written in bn (money totals and share counts)
IN_BN = ("sales", "net_debt", "shares", "fcf", "capex", "depreciation")

Fail = Callable[[tuple[str | int, ...], str], ScenarioError]


def what_it_has(view: FundamentalsView, source: Any, symbol: str, item: str) -> str:
    """One sentence on what the sources hold for ``symbol`` (for missing-data errors)."""
    full = source.get_for(symbol)
    if full.empty:
        return "the sources hold nothing for it"
    rows = full.loc[full["item"] == item]
    known = view.frame(symbol)
    have = sorted(set(known["item"]))
    text = (f"known at {view.as_of.date()}: {', '.join(have)}" if have
            else f"nothing of it was public at {view.as_of.date()}")
    if rows.empty:
        return f"the sources have no {item} for it at all ({text})"
    later = rows.loc[rows["known_from"] > view.as_of]
    if len(later):
        first = later.sort_values("known_from").iloc[0]
        text += (f"; its {item} for the period ending {first['period_end'].date()} becomes known on "
                 f"{first['known_from'].date()}")
    return text


def _money_text(p: Picked) -> str:
    span = (f"TTM of {len(p.periods)} quarters to {p.period_end}" if p.basis == "TTM"
            else f"{p.basis} {p.period_end}")
    return f"from_data: {p.item} {span}, source {p.source}, known from {p.known_from}"


class _Fill:
    """Fills one symbol's baseline (state shared by the item handlers)."""

    def __init__(self, scenario: Any, sym: str, b: Any, key: Any, fview: FundamentalsView, source: Any,
                 view: Any, estimates: Any, fail: Fail, as_of: dt.date) -> None:
        self.scenario, self.sym, self.b, self.key = scenario, sym, b, key
        self.fview, self.source, self.view, self.estimates = fview, source, view, estimates
        self._fail, self.as_of = fail, as_of
        self.explicit = set(b.data_items)
        self.wanted: dict[str, str] = dict(b.data_items)
        if b.from_data:
            from scenarios.model.schema import from_data_fields

            for f in from_data_fields():
                if getattr(b, f, None) is None:
                    self.wanted.setdefault(f, "from_data")
        self.frame = fview.frame(sym)
        self.updates: dict[str, Any] = {"from_data": False, "data_items": {}}
        self.record: dict[str, Any] = {}
        self.skipped: dict[str, str] = {}
        self.currency: str | None = None

    def where(self, field: str) -> tuple[str | int, ...]:
        return ("baseline", self.key, field if field in self.explicit else "from_data")

    def fail(self, field: str, message: str) -> ScenarioError:
        return self._fail(self.where(field), message)

    def _currency(self, field: str, ccy: str) -> None:
        if not ccy:
            return
        if self.currency is not None and self.currency != ccy:
            raise self.fail(field, f"{field}: from_data figures of {self.sym} come in {self.currency} and {ccy}")
        self.currency = ccy

    def missing(self, field: str, item: str) -> None:
        why = what_it_has(self.fview, self.source, self.sym, item)
        if field in self.explicit:
            raise self.fail(field, f"{field}: from_data found no {item} for {self.sym} at as_of {self.as_of}: {why}")
        self.skipped[field] = f"no {item} at as_of: {why}"

    def forward_eps(self, field: str) -> None:
        est = _forward(self.estimates, self.sym, self.as_of)
        if est is None:
            raise self.fail(field, f"eps: forward_from_data found no forward estimate of {self.sym} dated on "
                            f"or before {self.as_of}: {_estimates_span(self.estimates, self.sym)}")
        count = (f", {est.eps_analyst_count} analysts" if est.eps_analyst_count is not None
                 else ", analyst count not in this file")
        self.updates["eps"] = {"value": est.fwd_eps, "source": "forward_from_data: consensus EPS for the "
                               f"next fiscal year, estimates file {est.date}{count}"}
        self._currency(field, "USD")  # the estimates files cover US listings, in USD
        self.record["eps"] = {"mode": "forward_from_data", **est.to_dict(), "currency": "USD"}

    def from_data(self, field: str) -> None:
        item = DATA_ITEM[field]
        from scenarios.data.fundamentals.select import pick

        p = pick(self.frame, self.sym, item)
        if field == "dividend_yield":
            self.dividend_yield(p)
            return
        if p is None:
            self.missing(field, item)
            return
        if field == "tax_rate" and not 0 <= p.value < 1:
            if field in self.explicit:
                raise self.fail(field, f"tax_rate: from_data gives {p.value:g}, not a fraction in [0, 1)")
            self.skipped[field] = f"tax_rate from data is {p.value:g}, not a fraction in [0, 1)"
            return
        if field == "eps" and not p.value > 0:
            raise self.fail(field, f"eps: from_data gives {p.value:g} {p.currency} for {self.sym} "
                            f"({_money_text(p)}): the price model needs EPS > 0; leave eps out for a "
                            "loss-making company")
        self._currency(field, p.currency)
        scaled = field in IN_BN
        self.updates[field] = {"value": p.value / 1e9 if scaled else p.value, "source": _money_text(p),
                               **({"unit": "bn"} if scaled else {})}
        self.record[field] = {"mode": "from_data", **p.to_dict()}

    def dividend_yield(self, div: Picked | None) -> None:
        """Dividends paid / diluted shares x FX / close at as_of; else yfinance info / 100."""
        from scenarios.data.fundamentals.select import pick
        from scenarios.model.references import ResolveError, fx_rate

        shares = pick(self.frame, self.sym, "shares_diluted")
        if div is not None and shares is not None and self.view is not None:
            day, close = self.view.last_close(self.sym)
            try:
                fx = float(fx_rate(self.scenario, self.sym, div.currency)) if div.currency else 1.0
            except ResolveError as exc:
                raise self.fail("dividend_yield", f"dividend_yield: dividends of {self.sym} are in "
                                f"{div.currency}: {exc.message}") from None
            except (TypeError, ValueError):
                raise self.fail("dividend_yield", "dividend_yield: needs a fixed FX rate, not a distribution") from None
            dps = div.value / shares.value
            self.updates["dividend_yield"] = {
                "value": dps * fx / close,
                "source": (f"from_data: dividends paid {div.basis} {div.period_end} ({div.source}) / diluted "
                           f"shares {shares.period_end} x fx {fx:g} / close {close:g} on {day.date()}")}
            self.record["dividend_yield"] = {"mode": "from_data", **div.to_dict(), "dividends_per_share": dps,
                                             "fx": fx, "close": close, "close_date": day.date().isoformat()}
            return
        from scenarios.data.fundamentals.select import pick

        info = pick(self.frame, self.sym, "dividend_yield")
        if info is not None:
            self.updates["dividend_yield"] = {"value": info.value, "source": _money_text(info)}
            self.record["dividend_yield"] = {"mode": "from_data", **info.to_dict()}
            return
        self.missing("dividend_yield", "dividends_paid")

    def run(self) -> Any:
        for field, mode in self.wanted.items():
            if mode == "forward_from_data":
                self.forward_eps(field)
            else:
                self.from_data(field)
        b = self.b
        money = any(f in self.updates for f in ("eps", "sales", "net_debt", "fcf", "capex", "depreciation"))
        if self.currency is not None and money:
            if b.currency is not None and b.currency != self.currency:
                raise self._fail(("baseline", self.key, "currency"), f"baseline currency is {b.currency} but "
                                 f"the figures from data for {self.sym} are in {self.currency}: drop currency, "
                                 "or type every money value")
            self.updates["currency"] = self.currency
        merged = b.model_dump()
        merged.update(self.updates)
        filled = type(b).model_validate(merged)
        self._check_fx(filled)
        if self.skipped:
            self.record["not_available"] = self.skipped
        return filled

    def _check_fx(self, filled: Any) -> None:
        from scenarios.model.references import ResolveError, fx_rate, price_currency

        ccy = filled.currency
        if ccy is None or ccy == price_currency(self.sym):
            return
        trial = self.scenario.model_copy(update={"baseline": {**self.scenario.baseline, self.sym: filled}})
        try:
            fx_rate(trial, self.sym, ccy)
        except ResolveError as exc:
            raise self._fail(("baseline", self.key, "currency"), f"figures from data for {self.sym} are in "
                             f"{ccy} (statement currency) and {self.sym} trades in {price_currency(self.sym)}: "
                             f"{exc.message}") from None


def fill_baselines(scenario: Any, as_of: dt.date, *, prices: Any = None, view: Any = None,
                   fundamentals: Any = None, estimates: Any = None,
                   fail: Fail | None = None) -> tuple[Any, dict[str, dict[str, Any]]]:
    """``(scenario with from_data values and dated series filled, provenance)``.

    The scenario itself when nothing is asked from data and nothing is dated
    (:mod:`scenarios.model.point_in_time`).

    ``prices`` (a price source with ``splits``) puts SEC per-share figures on the split basis of
    the prices; ``view`` (a :class:`~scenarios.data.view.PriceView`) gives the close for
    ``dividend_yield``. Raises a located :class:`ScenarioError` for an item the data lacks and a
    :class:`DataUnavailableError` (exit 3) when no source has anything for the symbol.
    """
    from scenarios.model.point_in_time import resolve_dated

    if fail is None:
        from scenarios.model.resolved import error_factory  # (resolved imports this module)

        fail = error_factory(scenario)
    # dated series first (typed values win over from_data: true), with the same lag rule
    scenario, dated = resolve_dated(scenario, as_of, fail)
    asks = {s: b for s, b in scenario.baseline.items() if b.from_data or b.data_items}
    if not asks:
        return scenario, dated
    from scenarios.data.fundamentals.resolver import default_fundamentals
    from scenarios.data.fundamentals.splits import splits_provider
    from scenarios.data.fundamentals.view import FundamentalsView
    from scenarios.data.fundamentals.yahoo import OFFLINE_ALTERNATIVES
    from scenarios.model.validation import raw_key

    source = fundamentals if fundamentals is not None else default_fundamentals()
    fview = FundamentalsView(source, as_of, splits=splits_provider(prices))
    doc = getattr(scenario, "_doc", None)
    new = dict(scenario.baseline)
    used: dict[str, dict[str, Any]] = {}
    for sym, b in asks.items():
        key = raw_key(doc, ("baseline",), sym) if doc is not None else sym
        if source.get_for(sym).empty:
            first = next(iter(b.data_items), None)
            path = ("baseline", key, first or "from_data")
            what = f"{first}: {b.data_items[first]}" if first else "from_data: true"
            searched = source.describe() if hasattr(source, "describe") else repr(source)
            raise DataUnavailableError(str(fail(path, f"{what} needs fundamentals for {sym}, and none were "
                                                f"found: searched {searched}. {OFFLINE_ALTERNATIVES} Or type "
                                                "the value (eps: 20.5).")))
        job = _Fill(scenario, sym, b, key, fview, source, view, estimates, fail, as_of)
        new[sym] = job.run()
        used[sym] = {**dated.get(sym, {}), **job.record}
    for sym, rec in dated.items():
        used.setdefault(sym, rec)
    return scenario.model_copy(update={"baseline": new}), used


def _forward(estimates: Any, sym: str, as_of: dt.date):
    src = estimates if estimates is not None else _default_estimates()
    return None if src is None else src.consensus(sym, as_of)


def _estimates_span(estimates: Any, sym: str) -> str:
    src = estimates if estimates is not None else _default_estimates()
    if src is None:
        return "no estimates folder (fundamentals/estimates) was found"
    span = src.span(sym)
    return (f"the estimates folder {src.path} covers {sym} from {span[0]} to {span[1]}" if span
            else f"the estimates folder {src.path} has no {sym}")


def _default_estimates():
    from scenarios.data.fundamentals.resolver import default_estimates

    return default_estimates()
