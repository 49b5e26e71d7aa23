"""The noise-free forecast and its order-invariant (Shapley) attribution.

**Noise-free forecast** (:func:`point_forecast`): one path with every random parameter at its
mean (:func:`scenarios.model.distributions.mean`: the expectation AFTER ``clip``, so a
one-sided clip moves it; a lognormal's mean is above its median; a ``choice`` gives the
probability-weighted mean of its values, which need not be one of them) and the residual
market noise off. Fixed parameters are used as written; dividend carry and cash items
(one-off, programme, recurring, buybacks) are applied as in a Monte Carlo run. It does not
depend on the seed or the number of draws. It is the return that the attribution explains and
the forecast that the backtest's hit rate and IC score (issue 11, items 3 and 5).

Because the drivers are non-linear (EPS floors, value adjustments against the path's price,
the log to simple return map), the noise-free return is NOT the median of the Monte Carlo
ensemble; they coincide only for a linear model without noise.

**Attribution** (:func:`driver_attribution`): the exact Shapley value of each enabled driver
that moves prices (``index_weighting`` only re-weights the index line and is not a player),
over every coalition of drivers on the noise-free path, per symbol, in PERCENTAGE POINTS of
simple return. A coalition is the scenario with only those drivers enabled (file order kept
among them). The contributions sum to ``f(all) - f(none)``; ``f(none)`` is the dividend carry
(``base_pp``), so ``base_pp + sum(contributions_pp)`` is the noise-free return exactly.

Speed: all ``2 ** n`` coalitions run in ONE engine pass, one coalition per row of the draws
axis: a driver is applied to every row and its effect is undone on the rows whose coalition
does not hold it (EPS, multiple and contribution restored, its value adjustments masked to 0).
Rows are independent, so row ``s`` equals a separate run of coalition ``s`` (tested). At most
:data:`MAX_ATTRIBUTED_DRIVERS` drivers are attributed (4,096 rows); above that the
attribution is left out and the run says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.engine.evaluate import (
    State,
    ValueAdjustment,
    apply_driver,
    apply_value_adjustments,
    dividends,
    new_state,
    own_log_multiple,
    valuation_term,
)
from scenarios.engine.sampling import Sampler
from scenarios.model.distributions import is_random, mean
from scenarios.model.resolved import ResolvedScenario

__all__ = ["MAX_ATTRIBUTED_DRIVERS", "Attribution", "MeanSampler", "coalition_masks", "coalition_returns",
           "driver_attribution", "point_forecast"]

#: Most drivers attributed exactly (2 ** 12 = 4,096 coalitions in one engine pass).
MAX_ATTRIBUTED_DRIVERS = 12


class MeanSampler(Sampler):
    """A sampler that draws every random parameter at its mean.

    A :class:`Sampler` whose "draws" are the means (after ``clip``); it consumes no random stream,
    so every row has the same values whatever the seed.
    """

    def __init__(self, rows: int) -> None:
        super().__init__(0, rows)

    def draw(self, key: str, value: Any, symbols: list[str] | None = None) -> float | np.ndarray:
        """Return the value of parameter ``key`` on the noise-free path (its mean when random)."""
        if value is None:
            raise ValueError(f"parameter {key} has no value")
        if not is_random(value):
            return float(value)
        m = mean(value)
        return np.full((self.draws, 1 if symbols is None else len(symbols)), m)


def _masked(adj: ValueAdjustment, on: np.ndarray) -> ValueAdjustment:
    """``adj`` with its value change set to 0 on the rows where ``on`` is False."""
    change = adj.change

    def masked(price: np.ndarray) -> np.ndarray:
        dv = np.broadcast_to(np.asarray(change(price), dtype=np.float64), price.shape)
        return np.where(on[:, None], dv, 0.0)

    return ValueAdjustment(adj.label, adj.sel, masked)


def _apply_on_rows(state: State, rs: ResolvedScenario, i: int, sampler: Sampler,
                   on: np.ndarray) -> None:
    """Apply driver ``i`` on the rows where ``on`` is True, leaving the others unchanged."""
    rd = rs.drivers[i]
    if not on.any():
        return
    kw: dict[str, Any] = {"as_of": rs.as_of, "horizon": rs.horizon, "years": rs.years}
    try:
        if on.all():
            apply_driver(state, rs.baseline, rd, sampler, **kw)
            return
        off = ~on
        eps0 = np.array(state.eps)
        lm0 = None if state.log_multiple is None else state.log_multiple.copy()
        n_adj = len(state.adjustments)
        apply_driver(state, rs.baseline, rd, sampler, **kw)
    except ValueError as exc:  # ValuationError: a located error, as in a Monte Carlo run
        raise rs.error(("drivers", rd.position), f"{rd.type}: {exc}") from None
    eps = np.array(state.eps)
    eps[off] = eps0[off]
    state.eps = eps
    if state.log_multiple is not None:
        own_log_multiple(state)[off] = 0.0 if lm0 is None else lm0[off]
    if rd.label in state.contributions:
        c = np.array(state.contributions[rd.label])
        c[off] = 0.0
        state.contributions[rd.label] = c
    state.adjustments[n_adj:] = [_masked(a, on) for a in state.adjustments[n_adj:]]


def coalition_returns(rs: ResolvedScenario, masks: np.ndarray, *,
                      sampler: Sampler | None = None) -> np.ndarray:
    """Noise-free simple returns (fractions) of driver coalitions, one coalition per row.

    Parameters
    ----------
    rs : ResolvedScenario
    masks : bool array (rows, len(rs.drivers))
        ``masks[r, i]``: driver ``i`` (of ``rs.drivers``, file order) is on in row ``r``.

    Returns
    -------
    ndarray (rows, n_symbols)
        Simple return of each symbol at the horizon, residual off, parameters at their means,
        dividend carry and cash items included.
    sampler : Sampler, optional
        Default :class:`MeanSampler` (every parameter at its mean). A sampler with as many
        rows (``draws``) as ``masks`` that pins some parameters per row (sensitivity).
    """
    masks = np.asarray(masks, dtype=bool)
    nd = len(rs.drivers)
    if masks.ndim != 2 or masks.shape[1] != nd or masks.shape[0] < 1:
        raise ValueError(f"masks must be (rows >= 1, {nd}) booleans (got shape {masks.shape})")
    rows = masks.shape[0]
    if sampler is None:
        sampler = MeanSampler(rows)
    elif sampler.draws != rows:
        raise ValueError(f"sampler has {sampler.draws} rows, masks {rows}")
    state = new_state(rs.baseline, rows)
    for i in range(nd):
        _apply_on_rows(state, rs, i, sampler, masks[:, i])
    valuation_term(state, rs.baseline, rs.valuation_log)  # valuation: dcf, in the base like dividends
    label = "dividends" if "dividends" not in state.contributions else "dividend_carry"
    dividends(state, rs.baseline, rs.years, label)
    by_label = {rd.label: rd for rd in rs.drivers}

    def locate(lab: str, exc: ValueError) -> Exception:
        rd = by_label[lab]
        return rs.error(("drivers", rd.position), f"{rd.type}: {exc}")

    apply_value_adjustments(state, rs.baseline, locate)
    total = np.zeros((rows, len(rs.symbols)))
    for c in state.contributions.values():
        total = total + c
    return np.expm1(total)


def point_forecast(rs: ResolvedScenario) -> np.ndarray:
    """Return the noise-free forecast ``(n_symbols,)``.

    Simple returns (fractions) with every driver on, every random parameter at its mean and the
    residual off (see the module docstring). Deterministic: independent of ``rs.seed`` and
    ``rs.draws``.
    """
    return coalition_returns(rs, np.ones((1, len(rs.drivers)), dtype=bool))[0]


@dataclass(frozen=True)
class Attribution:
    """Shapley attribution of the noise-free return, percentage points of simple return.

    ``contributions_pp[i, j]``: driver ``drivers[i]`` on symbol ``symbols[j]``;
    ``base_pp[j]``: the return with no driver on (dividend carry); ``total_pp[j]`` the
    noise-free return, ``== base_pp + contributions_pp.sum(axis=0)`` (to float rounding).
    ``note``: why it was left out (``drivers`` empty), else None.
    """

    drivers: tuple[str, ...]
    symbols: tuple[str, ...]
    contributions_pp: np.ndarray
    base_pp: np.ndarray
    total_pp: np.ndarray
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the attribution as a JSON-ready dict (percentage points)."""
        return {
            "unit": "percentage points of simple return (noise-free forecast)",
            "method": "exact Shapley over the enabled drivers",
            "drivers": list(self.drivers), "symbols": list(self.symbols),
            "contributions_pp": {d: [float(x) for x in row]
                                 for d, row in zip(self.drivers, self.contributions_pp, strict=True)},
            "base_pp": [float(x) for x in self.base_pp],
            "total_pp": [float(x) for x in self.total_pp],
            "note": self.note,
        }


def coalition_masks(n: int) -> np.ndarray:
    """Every coalition of ``n`` drivers as a bool array ``(2 ** n, n)``.

    Row ``s`` holds driver ``i`` when bit ``i`` of ``s`` is set (the layout of
    :func:`valuation.attribution.shapley_from_coalitions`).
    """
    s = np.arange(1 << n)[:, None]
    return (s >> np.arange(n)[None, :]) & 1 == 1


def driver_attribution(rs: ResolvedScenario) -> Attribution:
    """Exact Shapley attribution of each symbol's noise-free return to the enabled drivers."""
    from valuation.attribution import shapley_from_coalitions

    names = tuple(rd.label for rd in rs.drivers)
    syms = tuple(rs.symbols)
    n = len(names)
    if n == 0 or n > MAX_ATTRIBUTED_DRIVERS:
        total = point_forecast(rs)
        note = ("no driver moves prices" if n == 0 else
                f"{n} drivers: the exact attribution is limited to {MAX_ATTRIBUTED_DRIVERS} "
                f"(2^{MAX_ATTRIBUTED_DRIVERS} coalitions); left out")
        return Attribution((), syms, np.zeros((0, len(syms))), 100.0 * total, 100.0 * total, note)
    values = coalition_returns(rs, coalition_masks(n))
    phi = shapley_from_coalitions(values)
    return Attribution(names, syms, 100.0 * phi, 100.0 * values[0], 100.0 * values[-1])
