"""Capping index weights with proportional redistribution (Hang Seng style).

The Hang Seng Index and the Hang Seng TECH Index cap each constituent at 8%: the excess of a capped
name is handed to the uncapped names in proportion to their weights, repeatedly, until no name is
above the cap. That fixed point has a closed form: find the scale ``s`` with

    sum_i min(cap_i, s * w_i) = 1,    capped weight_i = min(cap_i, s * w_i)

(water-filling). :func:`cap_weights` computes it exactly and vectorized over rows: sort names by
``cap_i / w_i``, take cumulative sums, and pick the first number ``k`` of capped names for which
``sum(cap of the k) + (cap_(k) / w_(k)) * sum(w of the rest) >= 1``. Cost: one sort per row,
``O(rows * n log n)``, no Python loop (see ``benchmarks/valuation_capping.py``).

Guarantees (property-tested): rows sum to 1 (to ~1e-15), no weight exceeds its cap, names with
zero weight stay at zero, the ranking of uncapped names is kept, the result is idempotent and
does not depend on the order of the names. When the caps of the positive-weight names add up to
less than 1 no solution exists and :class:`~valuation.exceptions.InfeasibleCapError` says which rows
and how many names would be needed (bt's ``LimitWeights`` silently returns empty weights there).
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from .._types import ArrayLike, BoolArray, FloatArray
from .._validate import Inputs, first_position
from ..exceptions import InfeasibleCapError, InputRangeError
from ._rows import normalize_rows

__all__ = ["cap_holds", "cap_weights", "names_needed", "HANG_SENG_CAP"]

#: Single-name cap of the Hang Seng Index and the Hang Seng TECH Index (8%).
HANG_SENG_CAP = 0.08


def cap_holds(cap: float, n: int, *, tol: float = 1e-12) -> bool:
    """Return True when ``n`` names each capped at ``cap`` can hold a whole index.

    Parameters
    ----------
    cap : float
        Single-name cap, a fraction in (0, 1] (0.08 is 8%).
    n : int
        Number of names with a positive weight.
    tol : float, default 1e-12
        Slack on ``cap * n >= 1`` (a cap of exactly ``1 / n`` holds).

    Returns
    -------
    bool
        ``cap * n >= 1 - tol``: otherwise :func:`cap_weights` raises
        :class:`~valuation.exceptions.InfeasibleCapError` for those names.
    """
    return cap * n >= 1.0 - tol


def names_needed(cap: float, *, tol: float = 1e-12) -> int:
    """Return the fewest names a single-name ``cap`` (a fraction in (0, 1]) can spread an index over.

    ``ceil(1 / cap)``, with ``tol`` of slack so that a cap of exactly ``1 / n`` needs ``n``.
    """
    return math.ceil(1.0 / cap - tol)


def cap_weights(weights: ArrayLike, cap: ArrayLike, *, tol: float = 1e-12) -> ArrayLike:
    """Cap weights at ``cap`` and redistribute the excess proportionally to the uncapped names.

    Args:
        weights: non-negative weights, names on the last axis (``(n,)`` or ``(rows, n)``, or any
            leading shape). Each row is normalized to sum to 1 first.
        cap: the cap as a fraction in ``(0, 1]`` (0.08 = 8%), a scalar or per-name/per-row caps
            broadcastable to ``weights``.
        tol: feasibility slack: a row is accepted when the caps of its positive names add up to
            at least ``1 - tol``.

    Returns
    -------
        Capped weights shaped like ``weights`` (pandas in -> pandas out): each row sums to 1
        within 1e-12 and no entry exceeds its cap.

    Raises
    ------
        InfeasibleCapError: some row has too few positive names for the cap (``cap * n < 1``).
        InputRangeError: ``cap <= 0``, ``cap > 1`` (percents are caught), negative weights.
    """
    f = "cap_weights"
    if not (isinstance(tol, (int, float)) and 0.0 <= tol < 1e-3):
        raise InputRangeError(f"{f}: tol must be in [0, 1e-3) (got {tol!r})")
    inp = Inputs(f, weights=weights, cap=cap)
    w = inp.get("weights", ge=0.0)
    c = inp.get("cap", gt=0.0, le=1.0, fraction=True)
    if w.ndim == 0:
        raise InputRangeError(f"{f}: weights must have at least one name (got a scalar)")
    shape = inp.broadcast()
    if shape != w.shape:
        raise InputRangeError(f"{f}: cap{c.shape} must broadcast to the shape of weights{w.shape}")
    w = normalize_rows(w, "weights", f)
    if c.ndim == 0:
        c = c.reshape((1,) * w.ndim)
    elif c.shape[-1] != 1 and np.all(c == c[..., :1]):
        c = c[..., :1]  # the same cap for every name: take the fast path
    if c.shape[-1] != 1:
        c = np.broadcast_to(c, w.shape)
    elif c.ndim < w.ndim:
        c = c.reshape((1,) * (w.ndim - c.ndim) + c.shape)
    return inp.wrap(_cap_rows(w, c, tol))


def _cap_rows(w: FloatArray, c: FloatArray, tol: float) -> FloatArray:
    """Return capped rows by water-filling.

    Water-filling on normalized rows ``w`` with caps ``c`` (broadcastable to ``w``; a last
    axis of length 1 means one cap per row).
    """
    pos = w > 0
    if c.shape[-1] == 1:
        cap_sum = pos.sum(axis=-1) * c[..., 0]
    else:
        cap_sum = np.where(pos, c, 0.0).sum(axis=-1)
    infeasible = cap_sum < 1.0 - tol
    if np.any(infeasible):
        _raise_infeasible(infeasible, pos, np.broadcast_to(c, w.shape), cap_sum)
    # rows already within their caps are returned as they are
    over = np.any(w > c, axis=-1)
    if not np.any(over):
        return w.copy()
    if np.all(over):
        return _water_fill(w, c)
    out = w.copy()
    out[over] = _water_fill(w[over], np.broadcast_to(c, w.shape[:-1] + c.shape[-1:])[over])
    return out


def _water_fill(w: FloatArray, c: FloatArray) -> FloatArray:
    """Rows of ``w`` (2-D, normalized, some entry above its cap) capped at ``c``."""
    n = w.shape[-1]
    if c.shape[-1] == 1:
        # one cap per row: ordering by cap / w is ordering by w (descending), so only the sorted
        # values are needed; the test "caps of the k largest + scale_k * rest >= 1" becomes
        # c * (k * w_(k) + rest_k) >= w_(k), free of divisions
        asc = np.sort(w, axis=-1)
        w_s = asc[..., ::-1]
        rest = np.cumsum(asc, axis=-1)[..., ::-1]  # sum of w_(j) for j >= k
        k_arr = np.arange(n, dtype=np.float64)
        ok = c * (k_arr * w_s + rest) >= w_s
        caps_k = k_arr * c
    else:
        with np.errstate(divide="ignore"):
            thresh = np.where(w > 0, c / np.where(w > 0, w, 1.0), np.inf)  # scale where i caps
        order = np.argsort(thresh, axis=-1, kind="stable")
        t_s = np.take_along_axis(thresh, order, axis=-1)
        w_s = np.take_along_axis(w, order, axis=-1)
        c_s = np.take_along_axis(c, order, axis=-1)
        caps_k = np.concatenate([np.zeros(w.shape[:-1] + (1,)), np.cumsum(c_s, axis=-1)[..., :-1]],
                                axis=-1)
        rest = np.cumsum(w_s[..., ::-1], axis=-1)[..., ::-1]
        with np.errstate(invalid="ignore"):
            ok = caps_k + np.where(np.isfinite(t_s), t_s * rest, np.inf) >= 1.0
    # first k (number of capped names) at which the capped total reaches 1
    has = cast(BoolArray, ok.any(axis=-1))
    k = np.argmax(ok, axis=-1)[..., None]
    c_k = np.take_along_axis(np.broadcast_to(caps_k, w.shape), k, axis=-1)
    r_k = np.take_along_axis(rest, k, axis=-1)
    good = has[..., None] & (r_k > 0)
    scale = (1.0 - c_k) / np.where(good, r_k, 1.0)
    out = np.minimum(c, scale * w)
    if not np.all(good):
        # every positive name is capped (caps add up to 1 within tol): the caps, renormalized
        bad = ~good[..., 0]
        full = np.where(w[bad] > 0, np.broadcast_to(c, w.shape)[bad], 0.0)
        out[bad] = full / full.sum(axis=-1, keepdims=True)
    return out


def _raise_infeasible(infeasible: np.ndarray, pos: np.ndarray, c: np.ndarray,
                      cap_sum: np.ndarray) -> None:
    idx = first_position(infeasible)
    n_pos = int(np.count_nonzero(pos[idx]))
    row_caps = c[idx][pos[idx]]
    where = f"row {idx}" if infeasible.ndim else "the weights"
    more = int(np.count_nonzero(infeasible)) - 1
    others = f" (and {more} other rows)" if more > 0 else ""
    if row_caps.size and np.all(row_caps == row_caps[0]):
        cap0 = float(row_caps[0])
        need = names_needed(cap0)
        raise InfeasibleCapError(
            f"cap_weights: a cap of {cap0:.4g} on {n_pos} names with positive weight can hold at "
            f"most {cap0 * n_pos:.1%} of the index in {where}{others}; a cap of {cap0:.4g} needs "
            f"at least {need} names, or a cap of at least {1.0 / max(n_pos, 1):.4g} for "
            f"{n_pos} names")
    raise InfeasibleCapError(
        f"cap_weights: the caps of the {n_pos} names with positive weight add up to "
        f"{float(cap_sum[idx]):.4g} < 1 in {where}{others}; no capped weights can sum to 1")
