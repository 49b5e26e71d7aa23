"""Driver evaluation: all draws at once, one vectorized step per driver.

State per run: ``eps`` (draws x symbols, price currency), ``log_multiple`` (change of the
multiple since as_of) and a dict of per-driver log contributions. Drivers act in file order;
each step maps the state before it to the state after it and records its log effect for the
symbols it targets (``log(EPS_after / EPS_before)`` for EPS drivers, ``log(M_after /
M_before)`` for re-rating, the log price effect for shocks), so the contributions add up to
``log(P_h / P0)``.

Performance notes: arrays are ``(draws, n)`` float64; a driver aimed at the whole universe
works on whole arrays (no fancy indexing, no copies), per-unit amounts are computed on the
``(draws, 1)`` parameter draws and scaled by per-symbol constants afterwards, and arrays that
never change (EPS before the first EPS driver, the multiple without re-rating) stay broadcast
views.
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
    eps: np.ndarray                      # (draws, n); a read-only broadcast view until changed
    log_multiple: np.ndarray | None      # (draws, n) or None (no re-rating yet)
    contributions: dict[str, np.ndarray]
    floored: dict[str, int] = field(default_factory=dict)  # symbol -> draws floored
    draws: int = 0


def new_state(base: Baseline, draws: int) -> State:
    n = len(base.symbols)
    return State(eps=np.broadcast_to(base.eps_internal, (draws, n)), log_multiple=None,
                 contributions={}, draws=draws)


Selector = slice | np.ndarray


def _full(state: State, sel: Selector, values: Any) -> np.ndarray:
    """A (draws, n) array with ``values`` in the selected columns and 0 elsewhere."""
    n = state.eps.shape[1]
    if isinstance(sel, slice):  # may be a read-only broadcast view: never written in place
        return np.broadcast_to(np.asarray(values, dtype=np.float64), (state.draws, n))
    out = np.zeros((state.draws, n))
    out[:, sel] = values
    return out


def _record(state: State, label: str, sel: Selector, contrib: Any) -> None:
    state.contributions[label] = _full(state, sel, contrib)


def _commit_eps(state: State, base: Baseline, label: str, sel: Selector, new: np.ndarray,
                contrib: np.ndarray | None = None) -> None:
    """Replace EPS of the selected columns by ``new`` (floored), recording the log change."""
    old = state.eps[:, sel]
    new = np.asarray(new, dtype=np.float64)
    if new.shape != old.shape:
        new = np.broadcast_to(new, old.shape).copy()
    floor = EPS_FLOOR_FRACTION * base.eps_internal[sel]
    low = new < floor
    if low.any():
        counts = low.sum(axis=0)
        cols = np.arange(len(base.symbols))[sel]
        for j, c in zip(cols, counts):
            if c:
                sym = base.symbols[j]
                state.floored[sym] = state.floored.get(sym, 0) + int(c)
        np.maximum(new, floor, out=new)
        contrib = None
    if contrib is None:
        contrib = np.log(new / old)
    _record(state, label, sel, contrib)
    if isinstance(sel, slice):
        state.eps = new
    else:
        if not state.eps.flags.writeable:
            state.eps = np.array(state.eps)
        state.eps[:, sel] = new


def _select(base: Baseline, targets: list[str]) -> Selector:
    if targets == base.symbols:
        return slice(None)
    return np.array([base.symbols.index(s) for s in targets], dtype=np.int64)


def apply_driver(state: State, base: Baseline, driver: Any, label: str, targets: list[str],
                 sampler: Sampler, *, as_of: dt.date, horizon: dt.date, years: float,
                 fx_for: Any) -> None:
    """Apply one driver to ``state`` (see module docstring). ``fx_for(symbol, currency)``
    returns the FX (price-currency units per unit of ``currency``; ``None`` = the symbol's
    reporting currency) of a money driver for a symbol."""
    from valuation import reversion as vr
    from valuation.drivers import buyback as vb
    from valuation.drivers import capex as vc
    from valuation.drivers import fx as vfx
    from valuation.drivers import growth as vg
    from valuation.drivers import shock as vs
    from valuation.drivers import subsidy as vsub

    if not targets:
        return
    sel = _select(base, targets)
    per = targets if driver.per_symbol else None
    kind = driver.type

    def draw(name: str) -> Any:
        return sampler.draw(f"{label}/{name}", getattr(driver, name), per)

    def amount_and_fx() -> tuple[Any, Any]:
        """Money in units of its currency (draws) and per-symbol FX to the price currency."""
        amount = draw("amount") * UNIT_SCALE[driver.unit]
        if driver.fx is not None:
            fx = draw("fx")
        else:
            fx = np.array([float(fx_for(sym, driver.currency)) for sym in targets])
        return amount, fx

    def tax() -> Any:
        if getattr(driver, "tax_rate", None) is not None:
            return draw("tax_rate")
        return base.tax[sel]

    shares = base.shares[sel]
    if kind == "earnings_growth":
        yrs = draw("years") if driver.years is not None else years
        contrib = np.asarray(vg.growth_to_log(draw("growth"), yrs), dtype=np.float64)
        contrib = np.broadcast_to(contrib, (state.draws, len(targets)))
        _commit_eps(state, base, label, sel, state.eps[:, sel] * np.exp(contrib), contrib)
    elif kind == "ai_capex":
        amount, fx = amount_and_fx()
        # depreciation per unit of capex (draws x 1 unless drawn per symbol), then per share
        dep = np.asarray(vc.capex_eps_drag(amount, draw("useful_life_years"), 1.0, 0.0, 1.0,
                                           year=driver.year), dtype=np.float64)
        drag = dep * ((1.0 - np.asarray(tax())) * fx / shares)
        _commit_eps(state, base, label, sel, state.eps[:, sel] + drag)
    elif kind == "subsidy":
        amount, fx = amount_and_fx()
        t = np.asarray(tax())
        delta = np.asarray(vsub.subsidy_eps_impact(amount, 1.0, 0.0, 1.0)) * ((1.0 - t) * fx / shares)
        if driver.users is not None:
            users = draw("users") * UNIT_SCALE[driver.users_unit]
            delta = delta + vsub.retained_user_uplift(users, draw("retention"), draw("arpu"),
                                                      draw("margin"), shares, fx, t)
        _commit_eps(state, base, label, sel, state.eps[:, sel] + delta)
    elif kind == "buyback":
        amount, fx = amount_and_fx()
        # share-count effect only (buyback_eps with lost_yield=0), as a factor so that a zero
        # amount leaves EPS bit-for-bit unchanged
        accretion = np.asarray(vb.buyback_accretion(amount * fx, base.price[sel], shares))
        _commit_eps(state, base, label, sel, state.eps[:, sel] * (1.0 + accretion))
    elif kind == "margin_change":
        delta = vg.margin_change_eps(base.sales_ps[sel], draw("change"), tax())
        _commit_eps(state, base, label, sel, state.eps[:, sel] + delta)
    elif kind == "revenue_uplift":
        delta = vg.revenue_uplift_eps(base.sales_ps[sel], draw("uplift"), draw("margin"), tax())
        _commit_eps(state, base, label, sel, state.eps[:, sel] + delta)
    elif kind == "fx_change":
        # EPS in the price currency = reporting EPS x fx; the rate moves by (1 + change)
        factor = np.asarray(vfx.convert(1.0, 1.0 + np.asarray(draw("change"), dtype=np.float64)))
        contrib = np.broadcast_to(np.log(factor), (state.draws, len(targets)))
        _commit_eps(state, base, label, sel, state.eps[:, sel] * np.exp(contrib), contrib)
    elif kind == "rerating":
        if driver.change is not None:
            contrib = np.log1p(np.asarray(draw("change"), dtype=np.float64))
        else:
            start = base.multiple[sel] if driver.basis == "pe" else base.price[sel] / base.sales_ps[sel]
            current = start if state.log_multiple is None else start * np.exp(state.log_multiple[:, sel])
            target = draw("target")
            if driver.half_life_years is not None:
                new = vr.revert_multiple(current, target, years, draw("half_life_years"))
            else:
                new = target
            contrib = np.log(np.asarray(new, dtype=np.float64) / current)
        contrib = np.broadcast_to(contrib, (state.draws, len(targets)))
        _record(state, label, sel, contrib)
        if state.log_multiple is None:
            state.log_multiple = np.array(state.contributions[label])
        else:
            state.log_multiple[:, sel] += contrib
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
        _record(state, label, sel, np.broadcast_to(contrib, (state.draws, len(targets))))
    elif kind == "index_weighting":
        return  # weights only; see scenarios.engine.index
    else:  # pragma: no cover - the schema forbids other types
        raise ValueError(f"unknown driver type {kind!r}")


def dividends(state: State, base: Baseline, years: float, label: str = "dividends") -> None:
    """Dividend carry: ``years * log1p(dividend_yield)`` (total-return basis)."""
    if not np.any(base.dividend_yield > 0):
        return
    idx = np.flatnonzero(base.dividend_yield > 0)
    sel: Selector = slice(None) if idx.size == len(base.symbols) else idx
    _record(state, label, sel, np.broadcast_to(years * np.log1p(base.dividend_yield[idx]),
                                               (state.draws, idx.size)))
