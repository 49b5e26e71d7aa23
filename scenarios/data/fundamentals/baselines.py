"""The hook that fills scenario baselines from data at ``as_of`` (``eps: from_data``).

A scenario asks for data with ``eps: from_data`` (likewise ``shares``, ``sales``, ``net_debt``,
``dividend_yield``, ``tax_rate``), ``eps: forward_from_data`` (the consensus known at
``as_of``, :mod:`.estimates`), or ``baseline: {SYM: {from_data: true}}`` (every item the data
has; typed values next to it win). :func:`fill_baselines` returns the scenario with those
values filled and a provenance record per value (period, source, known-from date), which the
engine echoes under ``inputs.resolved.fundamentals``. Every walk-forward window calls it with
its own ``as_of``, so forecasts move with reported results.

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
from typing import Any

import pandas as pd

from scenarios.data.fundamentals.select import Picked, pick
from scenarios.data.fundamentals.view import FundamentalsView
from scenarios.errors import DataUnavailableError, ScenarioError

#: baseline field -> data item
DATA_ITEM = {"eps": "eps_diluted", "shares": "shares_diluted", "sales": "revenue",
             "net_debt": "net_debt", "dividend_yield": "dividends_paid", "tax_rate": "tax_rate"}
FILLABLE = tuple(DATA_ITEM)
FORWARD = ("eps",)

Fail = Callable[[tuple[str | int, ...], str], ScenarioError]


def _default_fail(scenario: Any) -> Fail:
    def fail(path: tuple[str | int, ...], message: str) -> ScenarioError:
        doc = getattr(scenario, "_doc", None)
        if doc is not None:
            return doc.error(path, message)
        from scenarios.yamlio import format_path

        return ScenarioError(message, file=getattr(scenario, "file", None), field=format_path(path) or None)
    return fail


def _splits_provider(prices: Any) -> Callable[[str], pd.Series] | None:
    getter = getattr(prices, "splits", None)
    if not callable(getter):
        return None

    def splits(sym: str) -> pd.Series:
        try:
            s = getter(sym)
        except Exception:  # noqa: BLE001 - no price series: no split information
            return pd.Series(dtype="float64")
        return s if isinstance(s, pd.Series) else pd.Series(dtype="float64")
    return splits


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


def fill_baselines(scenario: Any, as_of: dt.date, *, prices: Any = None, view: Any = None,
                   fundamentals: Any = None, estimates: Any = None,
                   fail: Fail | None = None) -> tuple[Any, dict[str, dict[str, Any]]]:
    """``(scenario with from_data values filled, provenance)``; the scenario itself when nothing
    is asked from data. Raises a located :class:`ScenarioError` for an item the data lacks and a
    :class:`DataUnavailableError` (exit 3) when no source has anything for the symbol."""
    asks = {s: b for s, b in scenario.baseline.items() if b.from_data or b.data_items}
    if not asks:
        return scenario, {}
    from scenarios.data.fundamentals.resolver import default_fundamentals
    from scenarios.model.checks import raw_key
    from scenarios.model.resolve import ResolveError, fx_rate, price_currency

    fail = fail or _default_fail(scenario)
    source = fundamentals if fundamentals is not None else default_fundamentals()
    fview = FundamentalsView(source, as_of, splits=_splits_provider(prices))
    doc = getattr(scenario, "_doc", None)
    new = dict(scenario.baseline)
    used: dict[str, dict[str, Any]] = {}
    for sym, b in asks.items():
        key = raw_key(doc, ("baseline",), sym) if doc is not None else sym
        wanted = dict(b.data_items)
        if b.from_data:
            for f in FILLABLE:
                if getattr(b, f) is None:
                    wanted.setdefault(f, "from_data")
        explicit = set(b.data_items)

        def where(field: str) -> tuple[str | int, ...]:
            return ("baseline", key, field if field in explicit else "from_data")  # noqa: B023

        if source.get_for(sym).empty:
            from scenarios.data.fundamentals.yahoo import OFFLINE_ALTERNATIVES

            first = next(iter(wanted), "from_data")
            located = fail(where(first), f"{first}: {wanted.get(first, 'from_data')} needs fundamentals "
                           f"for {sym}, and none were found: searched {source.describe() if hasattr(source, 'describe') else source}. "
                           f"{OFFLINE_ALTERNATIVES} Or type the value (eps: 20.5).")
            raise DataUnavailableError(str(located))
        updates: dict[str, Any] = {"from_data": False, "data_items": {}}
        record: dict[str, Any] = {}
        currency: str | None = None
        frame = fview.frame(sym)
        picked: dict[str, Picked] = {}
        for f, mode in wanted.items():
            if mode == "forward_from_data":
                est = _forward(estimates, sym, as_of)
                if est is None:
                    raise fail(where(f), f"eps: forward_from_data found no forward estimate of {sym} dated on "
                               f"or before {as_of}: {_estimates_span(estimates, sym)}")
                count = (f", {est.eps_analyst_count} analysts" if est.eps_analyst_count is not None
                         else ", analyst count not in this file")
                updates["eps"] = {"value": est.fwd_eps, "source":
                                  f"forward_from_data: consensus EPS for the next fiscal year, estimates "
                                  f"file {est.date}{count}"}
                currency = currency or "USD"
                record["eps"] = {"mode": mode, **est.to_dict(), "currency": "USD"}
                continue
            p = pick(frame, sym, DATA_ITEM[f])
            if p is None:
                if f not in explicit:
                    continue  # from_data: true takes what there is
                raise fail(where(f), f"{f}: from_data found no {DATA_ITEM[f]} for {sym} at as_of {as_of}: "
                           f"{what_it_has(fview, source, sym, DATA_ITEM[f])}")
            picked[f] = p
            if p.currency:
                if currency is not None and currency != p.currency:
                    raise fail(where(f), f"{f}: from_data figures of {sym} come in {currency} and {p.currency}")
                currency = p.currency
            record[f] = {"mode": mode, **p.to_dict()}
            if f == "eps":
                if not p.value > 0:
                    raise fail(where(f), f"eps: from_data gives {p.value:g} {p.currency} for {sym} "
                               f"({_money_text(p)}): the price model needs EPS > 0; leave eps out for "
                               "a loss-making company")
                updates["eps"] = {"value": p.value, "source": _money_text(p)}
            elif f in ("sales", "net_debt"):
                updates[f] = {"value": p.value / 1e9, "unit": "bn", "source": _money_text(p)}
            elif f == "shares":
                updates[f] = {"value": p.value / 1e9, "unit": "bn", "source": _money_text(p)}
            elif f == "tax_rate":
                if not 0 <= p.value < 1:
                    if f in explicit:
                        raise fail(where(f), f"tax_rate: from_data gives {p.value:g}, not a fraction in [0, 1)")
                    continue
                updates[f] = {"value": p.value, "source": _money_text(p)}
        if currency is not None and b.currency is not None and b.currency != currency \
                and any(f in updates for f in ("eps", "sales", "net_debt", "dividend_yield")):
            raise fail(("baseline", key, "currency"), f"baseline currency is {b.currency} but the figures "
                       f"from data for {sym} are in {currency}: drop currency, or type every money value")
        if currency is not None and b.currency is None:
            updates["currency"] = currency
        if "dividend_yield" in wanted and "dividend_yield" in picked:
            dy = _dividend_yield(scenario, sym, picked, frame, view, updates.get("currency") or b.currency,
                                 fail, where("dividend_yield"), ResolveError, fx_rate, as_of)
            if dy is not None:
                updates["dividend_yield"] = dy[0]
                record["dividend_yield"] = {**record["dividend_yield"], **dy[1]}
        elif "dividend_yield" in wanted:
            info = pick(frame, sym, "dividend_yield")
            if info is not None:
                updates["dividend_yield"] = {"value": info.value, "source": _money_text(info)}
                record["dividend_yield"] = {"mode": "from_data", **info.to_dict()}
            elif "dividend_yield" in explicit:
                raise fail(where("dividend_yield"), "dividend_yield: from_data found no dividends paid for "
                           f"{sym} at as_of {as_of}: {what_it_has(fview, source, sym, 'dividends_paid')}")
        merged = b.model_dump()
        merged.update(updates)
        new[sym] = type(b).model_validate(merged)
        trial = scenario.model_copy(update={"baseline": {**scenario.baseline, sym: new[sym]}})
        ccy = new[sym].currency
        if ccy is not None and ccy != price_currency(sym):
            try:
                fx_rate(trial, sym, ccy)
            except ResolveError as exc:
                raise fail(("baseline", key, "currency"), f"figures from data for {sym} are in {ccy} "
                           f"(statement currency) and {sym} trades in {price_currency(sym)}: {exc.message}") from None
        used[sym] = record
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
    from scenarios.data.fundamentals.estimates import EstimatesDir
    from scenarios.data.fundamentals.resolver import fundamentals_folder

    folder = fundamentals_folder()
    return EstimatesDir(folder / "estimates") if folder is not None and (folder / "estimates").is_dir() else None


def _dividend_yield(scenario: Any, sym: str, picked: dict[str, Picked], frame: pd.DataFrame, view: Any,
                    currency: str | None, fail: Fail, path: tuple[str | int, ...], ResolveError: type,
                    fx_rate: Callable[..., Any], as_of: dt.date) -> tuple[dict[str, Any], dict[str, Any]] | None:
    div = picked["dividend_yield"]
    shares = pick(frame, sym, "shares_diluted")
    if shares is None or view is None:
        return None
    day, close = view.last_close(sym)
    fx = 1.0
    if div.currency:
        try:
            fx = float(fx_rate(scenario, sym, div.currency))
        except ResolveError as exc:
            raise fail(path, f"dividend_yield: dividends of {sym} are in {div.currency}: {exc.message}") from None
        except (TypeError, ValueError):
            raise fail(path, "dividend_yield: needs a fixed FX rate, not a distribution") from None
    dps = div.value / shares.value
    value = dps * fx / close
    text = (f"from_data: dividends paid {div.basis} {div.period_end} ({div.source}) / diluted shares "
            f"{shares.period_end} x fx {fx:g} / close {close:g} on {day.date()}")
    return ({"value": value, "source": text},
            {"dividends_per_share": dps, "fx": fx, "close": close, "close_date": day.date().isoformat()})
