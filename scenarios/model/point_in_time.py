"""Resolve dated baseline series at ``as_of`` (point in time).

For each dated field (:mod:`scenarios.model.dated`) the value used is the one with the latest
fiscal period end among those known at ``as_of``; a value is known from its explicit ``known:``
date, else from period end + the market's reporting lag, the ONE rule of the fundamentals layer
(:class:`scenarios.data.fundamentals.lags.ReportingLags`, ``$SCENARIOS_REPORTING_LAGS``). A
value known after ``as_of`` is never used. When nothing of a series is known at ``as_of`` the
run stops with a located error naming the symbol, the field and the first known-from date.

Each value used is echoed (period, period type, known-from date and whether it came from an
explicit ``known:`` or the lag rule) under ``inputs.resolved.fundamentals``, like ``from_data``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from scenarios.errors import ScenarioError
from scenarios.model.dated import DatedSeries, DatedValue

Fail = Callable[[tuple[str | int, ...], str], ScenarioError]


def known_from(symbol: str, v: DatedValue, lags: Any = None) -> tuple[dt.date, str]:
    """``(first day v is public, how that was decided)``.

    Explicit ``known:`` wins, else the fundamentals layer's reporting-lag rule for ``symbol``'s
    market and ``v.period_type``.
    """
    if v.known is not None:
        return v.known, "explicit known:"
    from scenarios.data.fundamentals.lags import lags_from_env
    from scenarios.data.fundamentals.listings import market_of

    rule = lags if lags is not None else lags_from_env()
    kind = "FY" if v.period_type == "FY" else "Q"
    day = rule.known_from(symbol, v.period, v.period_type).date()  # type: ignore[arg-type]
    return day, f"reporting lag {rule.lag(market_of(symbol), v.period_type)} ({market_of(symbol)} {kind})"


def pick_known(symbol: str, series: DatedSeries, as_of: dt.date,
               lags: Any = None) -> tuple[DatedValue, dt.date, str] | None:
    """Return the value of ``series`` known at ``as_of``, or None.

    The value with the latest period end known at ``as_of``, with its known-from date and rule; None
    when none is known yet.
    """
    best: tuple[DatedValue, dt.date, str] | None = None
    for v in series.values:
        day, rule = known_from(symbol, v, lags)
        if day <= as_of and (best is None or v.period > best[0].period):
            best = (v, day, rule)
    return best


def first_known(symbol: str, series: DatedSeries, lags: Any = None) -> tuple[DatedValue, dt.date, str]:
    """Return the value of ``series`` that becomes known first."""
    return min(((v, *known_from(symbol, v, lags)) for v in series.values), key=lambda t: (t[1], t[0].period))


def resolve_dated(scenario: Any, as_of: dt.date, fail: Fail,
                  lags: Any = None) -> tuple[Any, dict[str, dict[str, Any]]]:
    """``(scenario with each dated series replaced by its value known at as_of, provenance)``.

    The scenario itself when it has no dated series.
    """
    todo = {s: b for s, b in scenario.baseline.items() if getattr(b, "dated", None) is not None}
    if not todo:
        return scenario, {}
    from scenarios.model.validation import raw_key

    doc = getattr(scenario, "_doc", None)
    new = dict(scenario.baseline)
    used: dict[str, dict[str, Any]] = {}
    for sym, b in todo.items():
        key = raw_key(doc, ("baseline",), sym) if doc is not None else sym
        updates: dict[str, Any] = {"dated": None}
        record: dict[str, Any] = {}
        for field, series in b.dated.items():
            got = pick_known(sym, series, as_of, lags)
            if got is None:
                v, day, rule = first_known(sym, series, lags)
                raise fail(("baseline", key, field),
                           f"{field}: no value of {sym}'s dated series is known at as_of {as_of}: the first, "
                           f"for the period ending {v.period}, is known from {day} ({rule}); start the run "
                           f"on or after {day}, or add an earlier period")
            v, day, rule = got
            src = v.source or b.source
            text = (f"dated series: {v.period_type} {v.period}, known from {day} ({rule})"
                    + (f"; {src}" if src else ""))
            updates[field] = {"value": v.value, "unit": v.unit, "source": text}
            record[field] = {"mode": "dated", "value": v.value, "unit": v.unit, "period_end": v.period.isoformat(),
                             "period_type": v.period_type, "known_from": day.isoformat(), "known_rule": rule,
                             "source": src, "later_periods": [x.period.isoformat() for x in series.values
                                                              if x.period > v.period]}
        merged = b.model_dump()
        merged.update(updates)
        try:
            new[sym] = type(b).model_validate(merged)
        except ValueError as exc:  # pydantic ValidationError is a ValueError
            raise fail(("baseline", key), f"baseline of {sym} at as_of {as_of}: {exc}") from None
        used[sym] = record
    return scenario.model_copy(update={"baseline": new}), used


def has_moving_fundamentals(b: Any) -> bool:
    """Return True when a baseline's values change with ``as_of`` (dated series or from data)."""
    return (getattr(b, "dated", None) is not None or bool(getattr(b, "from_data", False))
            or bool(getattr(b, "data_items", None)))


#: typed baseline fields a walk-forward keeps constant when written as plain numbers
_TYPED = ("eps", "shares", "sales", "net_debt", "dividend_yield", "tax_rate", "pe", "ebitda", "market_cap")


def constant_fundamentals_note(scenario: Any) -> str | None:
    """Return a sentence for a walk-forward whose baselines are plain numbers.

    The same fundamentals are used at every window, so the forecasts do not move with reported
    results.
    """
    plain = {s: [f for f in _TYPED if getattr(b, f, None) is not None]
             for s, b in scenario.baseline.items() if not has_moving_fundamentals(b)}
    plain = {s: fs for s, fs in plain.items() if fs}
    if not plain:
        return None
    which = "; ".join(f"{s}: {', '.join(fs)}" for s, fs in plain.items())
    return (f"the forecast's fundamentals are constant across windows: the baseline values ({which}) are "
            "plain numbers, used as written at every as_of; write them as dated series "
            "(eps: {2023-12-31: 20.1, 2024-12-31: 23.5}) or from_data to let each window use what was "
            "known then")
