"""Order-invariant attribution of a return to drivers: exact Shapley values.

A sequential attribution ("add the drivers one by one and record each step") depends on the order:
with a margin driver and a subsidy on the same EPS, whichever comes first looks bigger. The
Shapley value averages each driver's marginal contribution over every order, which makes it

* invariant to the order in which the drivers are listed,
* efficient: the contributions add up to ``R = f(all drivers) - f(no driver)`` exactly,
* symmetric: two drivers that change ``f`` identically in every coalition get the same share,
* null-player proof: a driver that never changes ``f`` gets 0.

Exact formula, over the ``2 ** n`` coalitions (cheap for ``n <= 12``)::

    phi_i = sum_{S not containing i} |S|! (n - |S| - 1)! / n! * (f(S + i) - f(S))

``f`` is the noise-free SIMPLE return of each symbol (fraction) with only the drivers of ``S``
switched on, so the contributions are fractions of simple return; :class:`ShapleyAttribution`
gives them in percentage points (pp: 0.031 -> 3.1 pp), which is what a report should print.
Log contributions are not additive in simple return and must never be printed with a "%".

Coalitions are encoded as bitmasks: coalition ``s`` (an integer in ``[0, 2 ** n)``) holds driver
``i`` when bit ``i`` of ``s`` is set.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from ._types import ArrayLike, FloatArray
from ._validate import as_float_array, check_finite
from .exceptions import InputRangeError, InputShapeError

__all__ = [
    "MAX_DRIVERS",
    "ShapleyAttribution",
    "shapley_from_coalitions",
    "shapley_values",
    "attribute_return",
]

#: Largest number of drivers attributed exactly (2 ** 12 = 4096 evaluations of ``f``).
MAX_DRIVERS = 12


def _check_n(n: int, func: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= int(n) <= MAX_DRIVERS:
        raise InputRangeError(f"{func}: the number of drivers must be an integer in "
                              f"[1, {MAX_DRIVERS}] for an exact Shapley value (got {n!r})")
    return int(n)


def _weights(n: int) -> FloatArray:
    """Shapley weight of a coalition of size k not holding the driver: k!(n-k-1)!/n!."""
    return np.array([math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
                     for k in range(n)], dtype=np.float64)


def shapley_from_coalitions(coalition_values: ArrayLike) -> FloatArray:
    """Exact Shapley values from the value of every coalition.

    Parameters
    ----------
    coalition_values : array (2 ** n, ...)
        ``f`` of every coalition, indexed by bitmask on axis 0 (row ``s`` holds driver ``i`` when
        bit ``i`` of ``s`` is set); any trailing shape (e.g. ``(n_symbols,)``). Finite.

    Returns
    -------
    ndarray (n, ...)
        Contribution of each driver, in the unit of ``f``; ``sum(axis=0) == f(all) - f(none)``
        up to float rounding (~1e-15 relative).

    Examples
    --------
    Two drivers whose joint effect (5) exceeds the sum of their own (1 + 2): the interaction of 2
    is split evenly.

    >>> shapley_from_coalitions([0.0, 1.0, 2.0, 5.0]).tolist()   # f({}), f({a}), f({b}), f({a, b})
    [2.0, 3.0]
    """
    f = "shapley_from_coalitions"
    v = as_float_array(coalition_values, "coalition_values", f)
    check_finite(v, "coalition_values", f)
    if v.ndim == 0:
        raise InputShapeError(f"{f}: coalition_values needs the coalitions on axis 0 (got a scalar)")
    size = v.shape[0]
    n = size.bit_length() - 1
    if size < 2 or 1 << n != size:
        raise InputShapeError(f"{f}: axis 0 of coalition_values must have 2 ** n rows, one per "
                              f"coalition (got {size})")
    _check_n(n, f)
    masks = np.arange(size)
    sizes = np.array([bin(s).count("1") for s in range(size)])
    w = _weights(n)
    out = np.empty((n,) + v.shape[1:], dtype=np.float64)
    for i in range(n):
        bit = 1 << i
        without = masks[(masks & bit) == 0]
        marginal = v[without | bit] - v[without]
        ww = w[sizes[without]].reshape((-1,) + (1,) * (v.ndim - 1))
        out[i] = np.sum(ww * marginal, axis=0)
    return out


def _coalition_matrix(value_fn: Callable[[frozenset[str]], ArrayLike], drivers: Sequence[str],
                      func: str) -> FloatArray:
    """``value_fn`` of every coalition, stacked on axis 0 by bitmask."""
    names = list(drivers)
    n = _check_n(len(names), func)
    if len(set(names)) != n:
        dup = sorted({d for d in names if names.count(d) > 1})
        raise InputRangeError(f"{func}: driver names must be distinct (repeated: {dup})")
    rows: list[FloatArray] = []
    for s in range(1 << n):
        coalition = frozenset(names[i] for i in range(n) if s >> i & 1)
        value = as_float_array(value_fn(coalition), "value_fn result", func)
        if rows and value.shape != rows[0].shape:
            raise InputShapeError(f"{func}: value_fn returned shape {value.shape} for "
                                  f"{sorted(coalition)} but {rows[0].shape} for the empty set")
        rows.append(value)
    return np.stack(rows)


class ShapleyAttribution(NamedTuple):
    """Shapley attribution of each symbol's simple return, in percentage points.

    Attributes
    ----------
    contributions_pp : DataFrame (drivers x symbols)
        Contribution of each driver in percentage points of simple return (3.1 = 3.1 pp).
    total_pp : Series (symbols)
        ``100 * (f(all) - f(none))``; equals ``contributions_pp.sum()`` up to float rounding.
    base_return : Series (symbols)
        ``f(none)``, the return with no driver (fraction), e.g. dividends alone.
    """

    contributions_pp: pd.DataFrame
    total_pp: pd.Series
    base_return: pd.Series


def shapley_values(value_fn: Callable[[frozenset[str]], ArrayLike],
                   drivers: Sequence[str]) -> FloatArray:
    """Exact Shapley values of ``value_fn`` over ``drivers`` (``value_fn`` called ``2 ** n`` times).

    Parameters
    ----------
    value_fn : callable(frozenset of driver names) -> float or array (n_symbols,)
        The result with only the given drivers switched on, vectorised over symbols (one call
        returns every symbol). Must return the same shape for every coalition.
    drivers : sequence of str
        Distinct driver names, 1 to :data:`MAX_DRIVERS`.

    Returns
    -------
    ndarray (n_drivers,) + shape of one ``value_fn`` result, in the unit of ``value_fn``.
    """
    return shapley_from_coalitions(_coalition_matrix(value_fn, drivers, "shapley_values"))


def attribute_return(return_fn: Callable[[frozenset[str]], ArrayLike], drivers: Sequence[str],
                     symbols: Sequence[str]) -> ShapleyAttribution:
    """Attribute each symbol's simple return to drivers (Shapley), in percentage points.

    Parameters
    ----------
    return_fn : callable(frozenset of driver names) -> array (n_symbols,) or Series
        Noise-free simple return of every symbol (fraction, 0.05 = 5%) with only the given
        drivers on. A Series must be indexed by ``symbols`` (it is reordered to match).
    drivers : sequence of str
        Distinct driver labels (1 to 12).
    symbols : sequence of str
        Symbol names, the order of ``return_fn``'s array output.

    Returns
    -------
    ShapleyAttribution
        Percentage points of simple return; contributions sum to the total per symbol.
    """
    syms = list(symbols)

    def as_row(coalition: frozenset[str]) -> FloatArray:
        out = return_fn(coalition)
        if isinstance(out, pd.Series):
            if set(out.index) != set(syms):
                raise InputShapeError("attribute_return: return_fn returned a Series not indexed "
                                      f"by the symbols {syms}")
            out = out.reindex(syms)
        arr = as_float_array(out, "return_fn result", "attribute_return")
        if arr.shape != (len(syms),):
            raise InputShapeError(f"attribute_return: return_fn must return one return per symbol, "
                                  f"shape ({len(syms)},) (got {arr.shape})")
        check_finite(arr, "return_fn result", "attribute_return")
        if bool(np.any(arr <= -1.0)):
            raise InputRangeError("attribute_return: a simple return must be > -1 (-100%); "
                                  "return_fn gives simple returns as fractions")
        return arr

    values = _coalition_matrix(as_row, drivers, "attribute_return")
    phi = shapley_from_coalitions(values)
    base, full = values[0], values[-1]
    cols = pd.Index(syms, name="symbol")
    return ShapleyAttribution(
        contributions_pp=pd.DataFrame(100.0 * phi, index=pd.Index(list(drivers), name="driver"),
                                      columns=cols),
        total_pp=pd.Series(100.0 * (full - base), index=cols, name="total_pp"),
        base_return=pd.Series(base, index=cols, name="base_return"),
    )
