"""Driver evaluation: all draws at once, one vectorized step per driver.

State per run: ``eps`` (draws x symbols, price currency), ``log_multiple`` (change of the
multiple since as_of) and a dict of per-driver log contributions. Drivers act in file order;
each step maps the state before it to the state after it and records its log effect for the
symbols it targets (``log(EPS_after / EPS_before)`` for EPS drivers, ``log(M_after /
M_before)`` for re-rating, the log price effect for shocks), so the contributions add up to
``log(P_h / P0)``.

Each driver kind's arithmetic lives with its spec in :mod:`scenarios.model.drivers` (one module
per kind); :func:`apply_driver` hands it a :class:`Step`, the engine's implementation of the
:class:`~scenarios.model.drivers.base.DriverStep` protocol, which reads and updates the state.

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
from scenarios.model.drivers.base import DriverStep
from scenarios.model.fields import UNIT_SCALE
from scenarios.model.resolved import BaselineArrays, ResolvedDriver

#: EPS below this fraction of baseline EPS is floored there (the P/E price needs EPS > 0)
EPS_FLOOR_FRACTION = 0.01

#: the per-symbol baseline arrays (see :class:`scenarios.model.resolved.BaselineArrays`)
Baseline = BaselineArrays


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


def _select(base: Baseline, targets: tuple[str, ...]) -> Selector:
    if targets == base.symbols:
        return slice(None)
    return np.array([base.symbols.index(s) for s in targets], dtype=np.int64)


class Step(DriverStep):
    """The engine's :class:`~scenarios.model.drivers.base.DriverStep`: one driver on its
    targets, reading and updating the run's :class:`State`."""

    def __init__(self, state: State, base: Baseline, rd: ResolvedDriver, sampler: Sampler, *,
                 as_of: dt.date, horizon: dt.date, years: float) -> None:
        self._state, self._base, self._rd, self._sampler = state, base, rd, sampler
        self._sel = _select(base, rd.targets)
        self._per = list(rd.targets) if rd.driver.per_symbol else None
        self.driver = rd.driver
        self.draws = state.draws
        self.k = len(rd.targets)
        self.years, self.as_of, self.horizon = years, as_of, horizon
        sel = self._sel
        self.price = base.price[sel]
        self.shares = base.shares[sel]
        self.sales_ps = base.sales_ps[sel]
        self.multiple = base.multiple[sel]

    def draw(self, name: str) -> Any:
        return self._sampler.draw(f"{self._rd.label}/{name}", getattr(self.driver, name), self._per)

    def money(self) -> tuple[Any, Any]:
        amount = self.draw("amount") * UNIT_SCALE[self.driver.unit]
        fx = self.draw("fx") if self.driver.fx is not None else self._rd.fx
        return amount, fx

    def tax(self) -> Any:
        if getattr(self.driver, "tax_rate", None) is not None:
            return self.draw("tax_rate")
        return self._base.tax[self._sel]

    def eps(self) -> np.ndarray:
        return self._state.eps[:, self._sel]

    def set_eps(self, new: Any, contrib: Any = None) -> None:
        _commit_eps(self._state, self._base, self._rd.label, self._sel, new, contrib)

    def log_multiple(self) -> np.ndarray | None:
        lm = self._state.log_multiple
        return None if lm is None else lm[:, self._sel]

    def rerate(self, contrib: Any) -> None:
        state, label, sel = self._state, self._rd.label, self._sel
        _record(state, label, sel, contrib)
        if state.log_multiple is None:
            state.log_multiple = np.array(state.contributions[label])
        else:
            state.log_multiple[:, sel] += contrib

    def log_price(self, contrib: Any) -> None:
        _record(self._state, self._rd.label, self._sel, contrib)


def apply_driver(state: State, base: Baseline, rd: ResolvedDriver, sampler: Sampler, *,
                 as_of: dt.date, horizon: dt.date, years: float) -> None:
    """Apply one resolved driver to ``state`` with its kind's evaluator (from the registry,
    :mod:`scenarios.model.drivers`); see the module docstring."""
    if not rd.targets or rd.spec.evaluate is None:
        return
    rd.spec.evaluate(Step(state, base, rd, sampler, as_of=as_of, horizon=horizon, years=years))


def dividends(state: State, base: Baseline, years: float, label: str = "dividends") -> None:
    """Dividend carry: ``years * log1p(dividend_yield)`` (total-return basis)."""
    if not np.any(base.dividend_yield > 0):
        return
    idx = np.flatnonzero(base.dividend_yield > 0)
    sel: Selector = slice(None) if idx.size == len(base.symbols) else idx
    _record(state, label, sel, np.broadcast_to(years * np.log1p(base.dividend_yield[idx]),
                                               (state.draws, idx.size)))
