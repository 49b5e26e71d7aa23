"""Driver evaluation: all draws at once, one vectorized step per driver.

State per run: ``eps`` (draws x symbols, price currency), ``log_multiple`` (change of the
multiple since as_of) and a dict of per-driver log contributions. Drivers act in file order;
each step maps the state before it to the state after it and records
``log(after / before)`` for the symbols it targets, so the contributions telescope exactly:
``sum(contributions) = log(EPS_h / EPS0) + log(M_h / M0) + shock + dividends = log(P_h / P0)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scenarios.engine.sampling import Sampler
from scenarios.model.schema import UNIT_SCALE

#: EPS below this fraction of baseline EPS is floored there (the P/E price needs EPS > 0)
EPS_FLOOR_FRACTION = 0.01


@dataclass
class Baseline:
    """Per-symbol baseline arrays (length n_symbols; NaN where not given)."""

    symbols: list[str]
    price: np.ndarray            # P0, price currency
    eps: np.ndarray              # EPS0 in price currency (NaN: unknown -> multiple not reported)
    shares: np.ndarray           # count
    sales_ps: np.ndarray         # annual sales per share, price currency
    tax: np.ndarray              # default tax rate
    dividend_yield: np.ndarray   # annual fraction
    fx_money: list[dict[str, Any]] = field(default_factory=list)  # per symbol: currency -> fx

    @property
    def eps_internal(self) -> np.ndarray:
        """EPS0 used by the chain: the baseline EPS, or P0 (multiple 1) where unknown."""
        return np.where(np.isfinite(self.eps), self.eps, self.price)

    @property
    def multiple(self) -> np.ndarray:
        """M0 = P0 / EPS0 (NaN where EPS is unknown)."""
        return self.price / self.eps


@dataclass
class State:
    eps: np.ndarray                      # (draws, n)
    log_multiple: np.ndarray             # (draws, n)
    contributions: dict[str, np.ndarray]
    floored: dict[str, int] = field(default_factory=dict)  # symbol -> draws floored


def new_state(base: Baseline, draws: int) -> State:
    n = len(base.symbols)
    return State(eps=np.tile(base.eps_internal, (draws, 1)), log_multiple=np.zeros((draws, n)),
                 contributions={})


def _record(state: State, label: str, idx: np.ndarray, contrib: np.ndarray) -> None:
    full = np.zeros_like(state.eps)
    full[:, idx] = np.broadcast_to(contrib, (state.eps.shape[0], len(idx)))
    state.contributions[label] = full


def _set_eps(state: State, base: Baseline, label: str, idx: np.ndarray, new: np.ndarray) -> None:
    old = state.eps[:, idx]
    new = np.broadcast_to(np.asarray(new, dtype=np.float64), old.shape)
    floor = EPS_FLOOR_FRACTION * base.eps_internal[idx]
    low = new < floor
    if low.any():
        counts = low.sum(axis=0)
        for j, c in zip(idx, counts):
            if c:
                sym = base.symbols[j]
                state.floored[sym] = state.floored.get(sym, 0) + int(c)
        new = np.maximum(new, floor)
    _record(state, label, idx, np.log(new / old))
    state.eps[:, idx] = new


def _money(driver: Any, sampler: Sampler, key: str, targets: list[str], base: Baseline,
           idx: np.ndarray, fx_for: Any) -> tuple[Any, Any]:
    """(amount in the money's currency as drawn x unit, fx to each target's price currency)."""
    per = targets if driver.per_symbol else None
    amount = sampler.draw(f"{key}/amount", driver.amount, per)
    amount = amount * UNIT_SCALE[driver.unit]
    if driver.fx is not None:
        fx = sampler.draw(f"{key}/fx", driver.fx, per)
    else:
        fx = np.array([float(fx_for(sym)) for sym in targets])
    return amount, fx


def _tax(driver: Any, sampler: Sampler, key: str, targets: list[str], base: Baseline, idx: np.ndarray) -> Any:
    if getattr(driver, "tax_rate", None) is not None:
        return sampler.draw(f"{key}/tax_rate", driver.tax_rate, targets if driver.per_symbol else None)
    return base.tax[idx]


def apply_driver(state: State, base: Baseline, driver: Any, label: str, targets: list[str],
                 sampler: Sampler, *, as_of: dt.date, horizon: dt.date, years: float,
                 fx_for: Any) -> None:
    """Apply one driver to ``state`` (see module docstring). ``fx_for(symbol, currency)``
    returns the FX (price-currency units per unit of ``currency``; ``None`` = the symbol's
    reporting currency) of a money driver for a symbol."""
    from valuation.drivers import buyback as vb
    from valuation.drivers import capex as vc
    from valuation.drivers import growth as vg
    from valuation.drivers import shock as vs
    from valuation.drivers import subsidy as vsub
    from valuation import reversion as vr

    idx = np.array([base.symbols.index(s) for s in targets], dtype=np.int64)
    if idx.size == 0:
        return
    per = targets if driver.per_symbol else None
    key = label
    kind = driver.type

    def draw(name: str) -> Any:
        return sampler.draw(f"{key}/{name}", getattr(driver, name), per)

    def money() -> tuple[Any, Any]:
        return _money(driver, sampler, key, targets, base, idx,
                      lambda sym: fx_for(sym, driver.currency))

    old = state.eps[:, idx]
    if kind == "earnings_growth":
        g = draw("growth")
        yrs = draw("years") if driver.years is not None else years
        _set_eps(state, base, label, idx, vg.grow_eps(old, g, yrs))
    elif kind == "ai_capex":
        amount, fx = money()
        life = draw("useful_life_years")
        tax = _tax(driver, sampler, key, targets, base, idx)
        drag = vc.capex_eps_drag(amount, life, base.shares[idx], tax, fx, year=driver.year)
        _set_eps(state, base, label, idx, old + drag)
    elif kind == "subsidy":
        amount, fx = money()
        tax = _tax(driver, sampler, key, targets, base, idx)
        delta = vsub.subsidy_eps_impact(amount, base.shares[idx], tax, fx)
        if driver.users is not None:
            users = draw("users") * UNIT_SCALE[driver.users_unit]
            delta = delta + vsub.retained_user_uplift(users, draw("retention"), draw("arpu"),
                                                      draw("margin"), base.shares[idx], fx, tax)
        _set_eps(state, base, label, idx, old + delta)
    elif kind == "buyback":
        amount, fx = money()
        # share-count effect only (buyback_eps with lost_yield=0), as a factor so that a zero
        # amount leaves EPS bit-for-bit unchanged
        accretion = vb.buyback_accretion(amount * fx, base.price[idx], base.shares[idx])
        _set_eps(state, base, label, idx, old * (1.0 + np.asarray(accretion, dtype=np.float64)))
    elif kind == "margin_change":
        tax = _tax(driver, sampler, key, targets, base, idx)
        _set_eps(state, base, label, idx, old + vg.margin_change_eps(base.sales_ps[idx], draw("change"), tax))
    elif kind == "revenue_uplift":
        tax = _tax(driver, sampler, key, targets, base, idx)
        delta = vg.revenue_uplift_eps(base.sales_ps[idx], draw("uplift"), draw("margin"), tax)
        _set_eps(state, base, label, idx, old + delta)
    elif kind == "rerating":
        if driver.change is not None:
            contrib = np.log1p(np.asarray(draw("change"), dtype=np.float64))
            contrib = np.broadcast_to(contrib, (state.eps.shape[0], idx.size))
        else:
            start = base.multiple[idx] if driver.basis == "pe" else base.price[idx] / base.sales_ps[idx]
            current = start * np.exp(state.log_multiple[:, idx])
            target = draw("target")
            if driver.half_life_years is not None:
                new = vr.revert_multiple(current, target, years, draw("half_life_years"))
            else:
                new = np.broadcast_to(target, current.shape)
            contrib = np.log(np.asarray(new, dtype=np.float64) / current)
        _record(state, label, idx, contrib)
        state.log_multiple[:, idx] += contrib
    elif kind == "sentiment_shock":
        s, hl = draw("shock"), draw("half_life_days")
        when = driver.date or as_of
        h_days = float((horizon - when).days)
        if when > horizon:
            contrib = np.zeros(1)
        elif when <= as_of:
            a_days = float((as_of - when).days)
            contrib = (np.asarray(vs.decayed_shock(s, hl, h_days), dtype=np.float64)
                       - np.asarray(vs.decayed_shock(s, hl, a_days), dtype=np.float64))
        else:
            contrib = np.asarray(vs.decayed_shock(s, hl, h_days), dtype=np.float64)
        _record(state, label, idx, contrib)
    elif kind == "index_weighting":
        return  # weights only; see scenarios.engine.index
    else:  # pragma: no cover - the schema forbids other types
        raise ValueError(f"unknown driver type {kind!r}")


def dividends(state: State, base: Baseline, years: float, label: str = "dividends") -> None:
    """Dividend carry: ``years * log1p(dividend_yield)`` (total-return basis)."""
    if not np.any(base.dividend_yield > 0):
        return
    idx = np.flatnonzero(base.dividend_yield > 0)
    _record(state, label, idx, years * np.log1p(base.dividend_yield[idx]))
