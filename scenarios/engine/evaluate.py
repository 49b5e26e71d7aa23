"""Driver evaluation: all draws at once, one vectorized step per driver.

State per run: ``eps`` (draws x symbols, price currency), ``log_multiple`` (change of the
multiple since as_of) and a dict of per-driver log contributions. Drivers act in file order;
each step maps the state before it to the state after it and records its log effect for the
symbols it targets (``log(EPS_after / EPS_before)`` for EPS drivers, ``log(M_after /
M_before)`` for re-rating, the log price effect for shocks), so the contributions add up to
``log(P_h / P0)``.

Value adjustments (cash items). A one-off cash outlay, a programme's present value or a buyback
changes the value of a share by an amount of money, not by a factor of EPS or of the multiple.
Such a driver registers a *value adjustment* (:meth:`Step.adjust_value`): a function of the
horizon price of each path *without* the item that returns the change of value per share
(price currency). :func:`apply_value_adjustments` runs them once, after every multiplicative
term (drivers, dividend carry, residual noise), in file order, each against the price left by
the previous ones, and records ``log(1 + dV / P)`` (added to the driver's own log
contribution, if it has one): the horizon price of every path, hence every quantile, moves by
exactly ``dV`` and the contributions still add up to ``log(P_h / P0)``.

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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scenarios.engine.sampling import Sampler
from scenarios.model.drivers.base import DriverStep
from scenarios.model.fields import UNIT_SCALE
from scenarios.model.resolved import BaselineArrays, ResolvedDriver

#: EPS below this fraction of baseline EPS is floored there (the P/E price needs EPS > 0)
EPS_FLOOR_FRACTION = 0.01

#: a value adjustment may leave at most this fraction of the path's price (a cash item larger
#: than the price is floored there, counted and reported, like the EPS floor)
VALUE_FLOOR_FRACTION = 0.01

#: the per-symbol baseline arrays (see :class:`scenarios.model.resolved.BaselineArrays`)
Baseline = BaselineArrays


@dataclass
class State:
    """Running per-draw state of one evaluation: EPS, log multiple and driver contributions."""

    eps: np.ndarray                      # (draws, n); a read-only broadcast view until changed
    log_multiple: np.ndarray | None      # (draws, n) or None (no re-rating yet)
    contributions: dict[str, np.ndarray]
    floored: dict[str, int] = field(default_factory=dict)  # symbol -> draws floored
    draws: int = 0
    #: value adjustments in file order (see :func:`apply_value_adjustments`)
    adjustments: list[ValueAdjustment] = field(default_factory=list)
    value_floored: dict[str, int] = field(default_factory=dict)  # symbol -> draws floored
    #: labels whose EPS contribution is always ``log(new / old)`` (see :func:`_commit_eps`)
    log_ratio: frozenset[str] = frozenset()
    #: ``log_multiple`` is the first re-rating's recorded contribution itself (not a copy):
    #: anything that changes it in place calls :func:`own_log_multiple` first
    log_multiple_shared: bool = False
    #: labels that hit the EPS floor in these rows without being in ``log_ratio``
    log_ratio_found: set[str] = field(default_factory=set)
    #: (EPS step number, column) -> draws floored, in the order an unblocked run meets them
    floor_events: dict[tuple[int, int], int] = field(default_factory=dict)
    #: (value adjustment number, column) -> draws floored
    value_floor_events: dict[tuple[int, int], int] = field(default_factory=dict)
    eps_steps: int = 0


ValueChange = Callable[[np.ndarray], Any]


@dataclass(frozen=True)
class ValueAdjustment:
    """A driver's change of value per share, applied after every multiplicative term."""

    label: str
    sel: slice | np.ndarray
    change: ValueChange  #: price ``(draws, k)`` without the item -> dV, price currency


def own_log_multiple(state: State) -> np.ndarray:
    """Return ``state.log_multiple`` as an array of the state's own (copied if it is shared)."""
    assert state.log_multiple is not None
    if state.log_multiple_shared:
        state.log_multiple = np.array(state.log_multiple)
        state.log_multiple_shared = False
    return state.log_multiple


def new_state(base: Baseline, draws: int, log_ratio: frozenset[str] = frozenset()) -> State:
    """Return the state before any driver, for ``draws`` rows; ``log_ratio``: see :func:`_commit_eps`."""
    n = len(base.symbols)
    return State(eps=np.broadcast_to(base.eps_internal, (draws, n)), log_multiple=None,
                 contributions={}, draws=draws, log_ratio=log_ratio)


Selector = slice | np.ndarray


def _full(state: State, sel: Selector, values: Any) -> np.ndarray:
    """Return a (draws, n) array with ``values`` in the selected columns and 0 elsewhere."""
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
    """Replace EPS of the selected columns by ``new`` (floored), recording the log change.

    The recorded contribution is the driver's own ``contrib`` when given, but ``log(new /
    old)`` for every row of the run when any row is floored (a run-wide choice). A run in
    blocks cannot see later rows: a block that floors a label not in ``state.log_ratio`` adds
    it to ``state.log_ratio_found`` and the caller re-runs the earlier blocks with it (see
    :func:`scenarios.engine.run.simulate`).
    """
    old = state.eps[:, sel]
    new = np.asarray(new, dtype=np.float64)
    if new.shape != old.shape:
        new = np.broadcast_to(new, old.shape).copy()
    floor = EPS_FLOOR_FRACTION * base.eps_internal[sel]
    step = state.eps_steps
    state.eps_steps += 1
    # the lowest value per column first (fmin skips NaN, as ``new < floor`` does): the mask of
    # floored draws only when some draw is below the floor
    if bool(np.any(np.fmin.reduce(new, axis=0) < floor)):
        low = new < floor
        counts = low.sum(axis=0)
        cols = np.arange(len(base.symbols))[sel]
        for j, c in zip(cols, counts, strict=True):
            if c:
                sym = base.symbols[j]
                state.floored[sym] = state.floored.get(sym, 0) + int(c)
                state.floor_events[(step, int(j))] = int(c)
        np.maximum(new, floor, out=new)
        if contrib is not None and label not in state.log_ratio:
            state.log_ratio_found.add(label)
        contrib = None
    if label in state.log_ratio:
        contrib = None
    if contrib is None:  # log(new / old), the ratio's buffer reused for its log
        contrib = np.divide(new, old)
        np.log(contrib, out=contrib)
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
    """The engine's :class:`~scenarios.model.drivers.base.DriverStep`.

    One driver on its targets, reading and updating the run's :class:`State`.
    """

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
        self.measure = base.measure

    def draw(self, name: str) -> Any:
        """Return the draws of the driver parameter ``name`` (its own random stream)."""
        return self._sampler.draw(f"{self._rd.label}/{name}", getattr(self.driver, name), self._per)

    def money(self) -> tuple[Any, Any]:
        """Return the drawn amount (base units of the money's currency) and the FX rate to the price currency."""
        amount = self.draw("amount") * UNIT_SCALE[self.driver.unit]  # type: ignore[attr-defined]  # money drivers
        return amount, self.fx()

    def tax(self) -> Any:
        """Return the tax rate (fraction): the driver's draws, else the baseline's per symbol."""
        if getattr(self.driver, "tax_rate", None) is not None:
            return self.draw("tax_rate")
        return self._base.tax[self._sel]

    def eps(self) -> np.ndarray:
        """Return the current EPS of the targets ``(draws, k)``, price currency."""
        return self._state.eps[:, self._sel]

    def set_eps(self, new: Any, contrib: Any = None) -> None:
        """Set the EPS of the targets to ``new`` and record the log contribution ``contrib``."""
        _commit_eps(self._state, self._base, self._rd.label, self._sel, new, contrib)

    def log_multiple(self) -> np.ndarray | None:
        """Return the log P/E change of the targets ``(draws, k)``, or None without re-rating."""
        lm = self._state.log_multiple
        return None if lm is None else lm[:, self._sel]

    def rerate(self, contrib: Any) -> None:
        """Add ``contrib`` (log change of the multiple) to the targets' re-rating."""
        state, label, sel = self._state, self._rd.label, self._sel
        _record(state, label, sel, contrib)
        if state.log_multiple is None:  # the first re-rating: its contribution, copied on write
            state.log_multiple = state.contributions[label]
            state.log_multiple_shared = True
        else:
            own_log_multiple(state)[:, sel] += contrib

    def log_price(self, contrib: Any) -> None:
        """Record ``contrib``, a direct log-price contribution of this driver."""
        _record(self._state, self._rd.label, self._sel, contrib)

    def fx(self) -> Any:
        """Return the FX rate (price-currency units per unit of the money's currency)."""
        return self.draw("fx") if self.driver.fx is not None else self._rd.fx  # type: ignore[attr-defined]

    def adjust_value(self, change: ValueChange) -> None:
        """Apply a value change per share (price currency) to the targets and record it."""
        state, label = self._state, self._rd.label
        if label not in state.contributions:  # keeps the driver's place in the decomposition
            _record(state, label, self._sel, 0.0)
        state.adjustments.append(ValueAdjustment(label, self._sel, change))


def apply_driver(state: State, base: Baseline, rd: ResolvedDriver, sampler: Sampler, *,
                 as_of: dt.date, horizon: dt.date, years: float) -> None:
    """Apply one resolved driver to ``state``.

    The kind's evaluator comes from the registry (:mod:`scenarios.model.drivers`); see the module
    docstring.
    """
    if not rd.targets or rd.spec.evaluate is None:
        return
    rd.spec.evaluate(Step(state, base, rd, sampler, as_of=as_of, horizon=horizon, years=years))


def apply_value_adjustments(state: State, base: Baseline,
                            locate: Callable[[str, ValueError], Exception]) -> None:
    """Apply the registered value adjustments (see the module docstring).

    Call once, after every multiplicative term of the run's log price is recorded.

    A change that would leave less than :data:`VALUE_FLOOR_FRACTION` of a path's price is
    floored there and counted in ``state.value_floored``. A ValueError (ValuationError) of a
    driver's own computation is raised as ``locate(label, error)``.
    """
    if not state.adjustments:
        return
    from valuation.cash_items import value_change_log_contribution

    total = np.zeros((state.draws, len(base.symbols)))
    for c in state.contributions.values():
        np.add(total, c, out=total)
    price = np.exp(total, out=total)
    price *= base.price
    for number, adj in enumerate(state.adjustments):
        p = price[:, adj.sel]
        try:
            dv = np.broadcast_to(np.asarray(adj.change(p), dtype=np.float64), p.shape)
        except ValueError as exc:
            raise locate(adj.label, exc) from None
        contrib = np.asarray(value_change_log_contribution(dv, p, on_invalid="nan"))
        low = ~(contrib >= np.log(VALUE_FLOOR_FRACTION))  # NaN (wiped out) or below the floor
        if low.any():
            cols = np.arange(len(base.symbols))[adj.sel]
            for j, count in zip(cols, low.sum(axis=0), strict=True):
                if count:
                    sym = base.symbols[j]
                    state.value_floored[sym] = state.value_floored.get(sym, 0) + int(count)
                    state.value_floor_events[(number, int(j))] = int(count)
            contrib = np.where(low, np.log(VALUE_FLOOR_FRACTION), contrib)
        # a new array: the recorded contribution may be a read-only broadcast view
        state.contributions[adj.label] = state.contributions[adj.label] + _full(state, adj.sel, contrib)
        price[:, adj.sel] = p * np.exp(contrib)


def valuation_term(state: State, base: Baseline, log_change: float) -> None:
    """``valuation: dcf``.

    The move of price / FCF implied by the DCF parameters changing by the
    horizon (``log(V(1, params_h) / V(1, params_0))``, every path and symbol), recorded as a
    re-rating under the label ``valuation`` (``valuation_dcf`` if a driver took that label).
    """
    if log_change == 0.0:
        return
    label = "valuation" if "valuation" not in state.contributions else "valuation_dcf"
    n = len(base.symbols)
    _record(state, label, slice(None), np.full((state.draws, n), log_change))
    if state.log_multiple is None:
        state.log_multiple = state.contributions[label]
        state.log_multiple_shared = True
    else:
        state.log_multiple = state.log_multiple + log_change
        state.log_multiple_shared = False


def dividends(state: State, base: Baseline, years: float, label: str = "dividends") -> None:
    """Dividend carry: ``years * log1p(dividend_yield)`` (total-return basis)."""
    if not np.any(base.dividend_yield > 0):
        return
    idx = np.flatnonzero(base.dividend_yield > 0)
    sel: Selector = slice(None) if idx.size == len(base.symbols) else idx
    _record(state, label, sel, np.broadcast_to(years * np.log1p(base.dividend_yield[idx]),
                                               (state.draws, idx.size)))
