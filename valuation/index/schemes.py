"""Many weighting schemes at once: a scheme axis for tilting, capping, drifting and chain-linking.

A *scheme* is one way of weighting the same constituents (a set of tilts, exclusions and a cap).
Every function here carries a leading scheme axis ``S`` and computes all schemes with array
operations (one matrix product per segment between rebalances), never a Python loop over
schemes. Shapes:

* ``returns``: ``(T, N)`` daily simple returns of the constituents (fractions >= -1; NaN = no
  price that day), shared by every scheme;
* weights: ``(S, K, N)`` (schemes, rebalances, names) or ``(S, N)`` for one rebalance; fractions
  of the index, each row summing to 1;
* levels, returns of the schemes: ``(S, T)`` (index points and fractions).

The timing and NaN conventions are those of :func:`valuation.index.chain.chain_link_index` (new
weights apply from the START of a rebalance day; a name with a NaN return loses its weight until
the next rebalance), and for a single scheme :func:`chain_link_schemes` gives the same numbers as
:func:`~valuation.index.chain.chain_link_index` (property-tested to 1e-12). Capping reuses the
exact water-filling of :func:`valuation.index.capping.cap_weights`, which is already vectorized
over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import numpy as np

from .._types import ArrayLike, FloatArray
from .._validate import as_float_array, check_finite, check_range, first_position
from ..exceptions import InputRangeError, InputShapeError, InputTypeError
from ._rows import normalize_rows
from .capping import _cap_rows

__all__ = ["HeldSegment", "SchemeIndex", "chain_link_schemes", "hold_schemes", "scheme_weights"]

OnInfeasible = Literal["raise", "equal"]


def scheme_weights(base: ArrayLike, scores: ArrayLike, cap: ArrayLike | None = None, *,
                   on_infeasible: OnInfeasible = "raise") -> FloatArray:
    """Tilted, renormalized and capped weights of every scheme at every rebalance.

    ``w[s, k] = cap(normalize(base[k] * scores[s]), cap[s])``.

    Parameters
    ----------
    base : array, shape ``(K, N)`` or ``(S, K, N)``
        Base weights (>= 0, any scale per row) at each of ``K`` rebalances, shared by the
        schemes (2-D) or one set per scheme (3-D).
    scores : array, shape ``(S, N)`` or ``(S, K, N)``
        Non-negative multipliers per scheme and name (1 = unchanged, 0 = excluded).
    cap : float, array of shape ``(S,)``, or None
        Single-name cap as a fraction in ``(0, 1]`` (0.08 = 8%); per scheme when an array.
        ``None`` (or 1.0) means no cap.
    on_infeasible : {"raise", "equal"}
        When a row has fewer than ``1 / cap`` names with positive weight the cap cannot be met:
        ``"raise"`` raises :class:`~valuation.exceptions.InfeasibleCapError`, ``"equal"`` gives
        those names equal weights (the limit of capping as the cap tightens).

    Returns
    -------
    ndarray, shape ``(S, K, N)``
        Weights (fractions); each row sums to 1 and no entry exceeds its scheme's cap.

    Raises
    ------
    InputShapeError
        Shapes that do not line up.
    InputRangeError
        Negative weights or scores, a cap outside ``(0, 1]``, or a scheme that leaves no name
        with a positive weight at some rebalance (the message names the scheme and rebalance).
    """
    f = "scheme_weights"
    b = as_float_array(base, "base", f)
    sc = as_float_array(scores, "scores", f)
    if b.ndim not in (2, 3):
        raise InputShapeError(f"{f}: base must be (K, N) or (S, K, N); got shape {b.shape}")
    if sc.ndim not in (2, 3):
        raise InputShapeError(f"{f}: scores must be (S, N) or (S, K, N); got shape {sc.shape}")
    check_finite(b, "base", f)
    check_range(b, "base", f, ge=0.0)
    check_finite(sc, "scores", f)
    check_range(sc, "scores", f, ge=0.0)
    if on_infeasible not in ("raise", "equal"):
        raise InputRangeError(f"{f}: on_infeasible must be 'raise' or 'equal' (got {on_infeasible!r})")
    S = sc.shape[0]
    K, N = b.shape[-2:]
    if sc.shape[-1] != N or (sc.ndim == 3 and sc.shape[1] != K) or (b.ndim == 3 and b.shape[0] != S):
        raise InputShapeError(f"{f}: scores{sc.shape} do not match base{b.shape} "
                              "(schemes first, names last)")
    raw = (b if b.ndim == 3 else b[None]) * (sc if sc.ndim == 3 else sc[:, None, :])
    total = raw.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        s, k = first_position(total[..., 0] <= 0)
        raise InputRangeError(f"{f}: scheme {s} leaves no name with a positive weight at "
                              f"rebalance {k}")
    w: FloatArray = raw / total
    c = _caps(cap, S, f)
    if c is None:
        return w
    rows = w.reshape(S * K, N)  # a view of w (a fresh array): edited in place
    c_rows = np.repeat(c, K)
    need = c_rows < 1.0
    if not need.any():
        return w
    if on_infeasible == "equal":
        n_pos = (rows > 0).sum(axis=-1)
        eq = need & (c_rows * n_pos < 1.0)
        if eq.any():
            pos = rows[eq] > 0
            rows[eq] = pos / pos.sum(axis=-1, keepdims=True)
            need = need & ~eq
    if need.any():
        sub = rows[need]
        c_sub = c_rows[need]
        one = bool(np.all(c_sub == c_sub[0]))
        # cap_weights' steps without its input checks (the rows and caps are checked above):
        # renormalize the rows, then water-fill with one cap per row
        c_col = np.full((1, 1), c_sub[0]) if one else c_sub[:, None]
        rows[need] = _cap_rows(normalize_rows(sub, "weights", "cap_weights"), c_col, 1e-12)
    return rows.reshape(S, K, N)


def _caps(cap: ArrayLike | None, S: int, f: str) -> FloatArray | None:
    if cap is None:
        return None
    c = as_float_array(cap, "cap", f)
    if c.ndim == 0:
        c = np.full(S, float(c))
    if c.shape != (S,):
        raise InputShapeError(f"{f}: cap must be a scalar or one value per scheme ({S},); "
                              f"got shape {c.shape}")
    check_finite(c, "cap", f)
    check_range(c, "cap", f, gt=0.0, le=1.0, fraction=True)
    return c


@dataclass(frozen=True)
class HeldSegment:
    """Result of :func:`hold_schemes` (``S`` schemes held over ``D`` days).

    Attributes
    ----------
    value : ndarray, shape ``(S, D)``
        Value of each scheme's holdings at each close, per unit invested at the start (1.0 =
        unchanged; NaN-return names drop out at their value of the day before).
    returns : ndarray, shape ``(S, D)``
        Simple daily returns of each scheme (fractions).
    end_weights : ndarray, shape ``(S, N)``
        Weights after the last day's drift (rows sum to 1).
    """

    value: FloatArray
    returns: FloatArray
    end_weights: FloatArray


def hold_schemes(weights: ArrayLike, returns: ArrayLike) -> HeldSegment:
    """Buy and hold ``S`` weight vectors over ``D`` days: values, daily returns, drifted weights.

    ``value[s, t] = sum_i w[s, i] * G[t, i] * alive[t, i]`` with ``G`` the cumulative growth of
    each name (NaN returns counted as 0) and ``alive`` False from a name's first NaN on: one
    matrix product for all schemes.

    Parameters
    ----------
    weights : array, shape ``(S, N)``
        Weights at the start of the first day (>= 0, rows sum to 1; they are renormalized).
    returns : array, shape ``(D, N)``
        Daily simple returns (fractions >= -1; NaN = no price).

    Returns
    -------
    HeldSegment

    Raises
    ------
    InputRangeError
        A scheme whose every held name has a NaN return or lost its whole value on some day.
    """
    f = "hold_schemes"
    w = as_float_array(weights, "weights", f)
    r = as_float_array(returns, "returns", f)
    if w.ndim != 2 or r.ndim != 2 or w.shape[1] != r.shape[1] or r.shape[0] == 0:
        raise InputShapeError(f"{f}: weights must be (S, N) and returns (D, N) with D >= 1; got "
                              f"weights{w.shape} and returns{r.shape}")
    check_finite(w, "weights", f)
    check_range(w, "weights", f, ge=0.0)
    check_finite(r, "returns", f, allow_nan=True)
    check_range(r, "returns", f, ge=-1.0)
    total = w.sum(axis=1, keepdims=True)
    if np.any(total <= 0):
        raise InputRangeError(f"{f}: scheme {first_position(total[:, 0] <= 0)[0]} has no "
                              "positive weight")
    return _hold(w / total, r, f)


def _hold(w: FloatArray, r: FloatArray, f: str, day0: int = 0) -> HeldSegment:
    """:func:`hold_schemes` on validated, normalized inputs (``day0`` only labels errors)."""
    nan = np.isnan(r)
    r0 = np.where(nan, 0.0, r) if nan.any() else r
    growth = np.cumprod(1.0 + r0, axis=0)
    if nan.any():
        alive = np.logical_and.accumulate(~nan, axis=0)
        a_end = growth * alive
        a_start = np.vstack([np.ones((1, r.shape[1])), growth[:-1]]) * alive
    else:
        a_end = growth
        a_start = np.vstack([np.ones((1, r.shape[1])), growth[:-1]])
    D = r.shape[0]
    # one matrix product for everything: start values, gains and the final value of each day
    prod = w @ np.vstack([a_start, a_start * r0, a_end]).T   # (S, 3D)
    denom = prod[:, :D]                        # value at the start of each day
    if np.any(denom <= 0):
        s, t = first_position(denom <= 0)
        raise InputRangeError(f"{f}: on day {day0 + t} no name held by scheme {s} has a return "
                              "(all NaN) or all of them lost their whole value")
    ret = prod[:, D:2 * D] / denom             # sum_i w_start_i * r_i
    value = prod[:, 2 * D:]                    # value at each close
    last = value[:, -1:]
    if np.any(last <= 0):
        s = first_position(last[:, 0] <= 0)[0]
        raise InputRangeError(f"{f}: scheme {s} lost its whole value by day {day0 + D - 1}")
    end_w = w * a_end[-1] / last
    return HeldSegment(value=value, returns=ret, end_weights=end_w)


@dataclass(frozen=True)
class SchemeIndex:
    """Result of :func:`chain_link_schemes` for ``S`` schemes over ``T`` days.

    Attributes
    ----------
    levels : ndarray, shape ``(S, T)``
        Index level at each close (``base`` before day 0), index points.
    returns : ndarray, shape ``(S, T)``
        Simple daily index returns (fractions).
    turnover : ndarray, shape ``(S, T)``
        One-way turnover at each rebalance, ``0.5 * sum|w_new - w_drifted|`` (fraction; 0 on
        other days and on day 0).
    end_weights : ndarray, shape ``(S, K, N)``
        Drifted weights at the close before each rebalance (row ``k`` is the close before the
        ``k+1``-th segment starts; the last row is the final close).
    """

    levels: FloatArray
    returns: FloatArray
    turnover: FloatArray
    end_weights: FloatArray


def chain_link_schemes(returns: ArrayLike, target_weights: ArrayLike, rebalance_mask: ArrayLike,
                       base: float = 100.0) -> SchemeIndex:
    """Chain-linked levels of ``S`` schemes rebalanced on the same days.

    Parameters
    ----------
    returns : array, shape ``(T, N)``
        Daily simple returns of the constituents (fractions >= -1; NaN = no price).
    target_weights : array, shape ``(S, K, N)``
        Weights applied at each rebalance (>= 0; rows renormalized): ``K`` = the number of True
        in ``rebalance_mask``, plus one first row for day 0 when ``rebalance_mask[0]`` is False
        (the convention of :func:`~valuation.index.chain.chain_link_index`).
    rebalance_mask : array of bool, shape ``(T,)``
        True on the days new weights take effect (before that day's return).
    base : float
        Level before day 0 (> 0), index points.

    Returns
    -------
    SchemeIndex
        Levels and returns ``(S, T)``, turnover ``(S, T)`` and drifted end weights.

    Raises
    ------
    InputShapeError, InputTypeError, InputRangeError
        Bad shapes, a non-boolean mask, negative weights or returns below -100%, a row of
        targets with no positive weight, or a scheme with nothing priced on some day.
    """
    f = "chain_link_schemes"
    r = as_float_array(returns, "returns", f)
    if r.ndim != 2 or 0 in r.shape:
        raise InputShapeError(f"{f}: returns must be 2-D (T days, N names), non-empty; got {r.shape}")
    T, N = r.shape
    check_finite(r, "returns", f, allow_nan=True)
    check_range(r, "returns", f, ge=-1.0)
    tw = as_float_array(target_weights, "target_weights", f)
    if tw.ndim != 3 or tw.shape[2] != N or tw.shape[0] == 0:
        raise InputShapeError(f"{f}: target_weights must be (S, K, {N}) (schemes, rebalances, "
                              f"names); got {tw.shape}")
    check_finite(tw, "target_weights", f)
    check_range(tw, "target_weights", f, ge=0.0)
    mask = np.asarray(rebalance_mask)
    if mask.dtype != np.bool_:
        raise InputTypeError(f"{f}: rebalance_mask must be boolean (got dtype {mask.dtype})")
    if mask.shape != (T,):
        raise InputShapeError(f"{f}: rebalance_mask must have shape ({T},); got {mask.shape}")
    if not (isinstance(base, (int, float)) and np.isfinite(base) and base > 0):
        raise InputRangeError(f"{f}: base must be a finite number > 0 (got {base!r})")
    starts = np.flatnonzero(mask | (np.arange(T) == 0))
    K = len(starts)
    if tw.shape[1] != K:
        need = f"{K}" if mask[0] else f"{K} (the first row = the starting weights)"
        raise InputShapeError(f"{f}: target_weights has {tw.shape[1]} rebalances; expected {need}")
    total = tw.sum(axis=-1, keepdims=True)
    if np.any(total <= 0):
        s, k = first_position(total[..., 0] <= 0)
        raise InputRangeError(f"{f}: target_weights of scheme {s} at rebalance {k} have no "
                              "positive weight")
    tw = tw / total
    S = tw.shape[0]
    ret = np.empty((S, T))
    turn = np.zeros((S, T))
    ends = np.empty((S, K, N))
    bounds = list(starts) + [T]
    prev: FloatArray | None = None
    for j in range(K):
        s0, s1 = bounds[j], bounds[j + 1]
        w0 = tw[:, j]
        if prev is not None:
            turn[:, s0] = 0.5 * np.abs(w0 - prev).sum(axis=1)
        seg = _hold(w0, r[s0:s1], f, day0=int(s0))
        ret[:, s0:s1] = seg.returns
        ends[:, j] = prev = seg.end_weights
    levels = cast(FloatArray, base * np.cumprod(1.0 + ret, axis=1))
    return SchemeIndex(levels=levels, returns=ret, turnover=turn, end_weights=ends)
