"""Monte Carlo standard errors of ensemble summaries (the median and a probability).

With ``n`` independent draws, the share of draws above 0, ``p_hat``, has the binomial standard
error ``sqrt(p_hat (1 - p_hat) / n)``. The sample median's standard error is taken from the
order statistics, without a density estimate: the ranks ``n/2 -+ z sqrt(n)/2`` bracket the
median with probability ``~ 2 Phi(z) - 1`` (the binomial confidence interval of a quantile), so
``se ~ (x_(hi) - x_(lo)) / (2 z)`` with ``z = 1``. For a normal sample it tends to
``sqrt(pi / 2) sd / sqrt(n)`` (1.2533 sd / sqrt(n)), the textbook value.

:func:`quantiles_and_order_statistics` gives ``numpy.quantile`` (method ``linear``) values,
bit for bit, and further order statistics of the same draws from one selection per series,
instead of a sort or one partition per call.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from ._types import ArrayLike, FloatArray
from ._validate import as_float_array, check_finite
from .exceptions import InputShapeError

__all__ = ["median_se_ranks", "median_standard_error", "probability_standard_error",
           "quantiles_and_order_statistics"]


def median_standard_error(draws: ArrayLike, axis: int = 0) -> FloatArray:
    """Monte Carlo standard error of the sample median along ``axis``.

    Parameters
    ----------
    draws : array (n, ...) with the draws on ``axis``
        Independent draws (e.g. simple returns as fractions), finite; ``n >= 2``.
    axis : int

    Returns
    -------
    ndarray, the shape of ``draws`` without ``axis``; unit of the draws (0 when the draws
    around the median are equal).
    """
    f = "median_standard_error"
    x = as_float_array(draws, "draws", f)
    check_finite(x, "draws", f)
    if x.ndim == 0 or x.shape[axis] < 2:
        raise InputShapeError(f"{f}: needs at least 2 draws on axis {axis} (got shape {x.shape})")
    lo, hi = median_se_ranks(x.shape[axis])
    s = _order_statistics(x, [lo, hi], axis)
    return cast(FloatArray, 0.5 * (s[1] - s[0]))


def median_se_ranks(n: int) -> tuple[int, int]:
    """Return the 0-based ranks ``(lo, hi)`` of the median's standard error.

    Half the distance of these order statistics among ``n`` draws is the median's standard
    error (:func:`median_standard_error`).
    """
    half = 0.5 * math.sqrt(n)
    return max(math.floor(0.5 * n - half), 0), min(math.ceil(0.5 * n + half) - 1, n - 1)


#: series (columns of a ``(draws, m)`` array) copied at a time into the contiguous buffer of
#: :func:`_order_statistics` (the buffer: this many x draws values; 32 MB at 1,000,000 draws)
TILE_SERIES = 4
#: draws copied at a time into that buffer (the rows read stay in cache for all the series)
TILE_DRAWS = 2048


def _order_statistics(x: FloatArray, ranks: list[int], axis: int) -> FloatArray:
    """Return the order statistics of ``x`` at 0-based ``ranks`` along ``axis``.

    Shape ``(len(ranks),) + x.shape without axis`` (NaN sorts last, as in ``numpy.sort``).
    Exact: the value at a rank is the sorted value, whatever the algorithm. The series (the
    draws of one element of the other axes) are copied :data:`TILE_SERIES` at a time
    (:data:`TILE_DRAWS` draws at a time) into one contiguous buffer (the draws on its fast axis),
    where :func:`_select` finds the ranks: no copy of the whole array.
    """
    n = x.shape[axis]
    series = np.moveaxis(x, axis, -1)  # a view: (..., n)
    rest = series.shape[:-1]
    flat = series.reshape(-1, n)  # a view for the usual layouts (a 2-D array, any axis)
    m = flat.shape[0]
    kth = sorted(set(ranks))
    found = np.empty((len(kth), m))
    buf = np.empty((min(TILE_SERIES, m), n))
    for lo in range(0, m, TILE_SERIES):
        k = min(TILE_SERIES, m - lo)
        work = buf[:k]
        for d in range(0, n, TILE_DRAWS):
            np.copyto(work[:, d:d + TILE_DRAWS], flat[lo:lo + k, d:d + TILE_DRAWS])
        _select(work, 0, n, kth, found[:, lo:lo + k], 0)
    where = {r: i for i, r in enumerate(kth)}
    return found[[where[r] for r in ranks]].reshape((len(ranks), *rest))


def _select(work: FloatArray, lo: int, hi: int, kth: list[int], out: FloatArray, first: int) -> None:
    """Write the values of ranks ``kth`` (sorted, in ``[lo, hi)``) of each row of ``work``.

    ``work[:, lo:hi]`` holds, in each row, the values of ranks ``lo..hi - 1`` of that row in some
    order; ``out[first + i]`` gets rank ``kth[i]``. The middle rank is partitioned first, then
    the ranks on each side within that side (numpy's partition at one rank is several times
    faster than at many); a rank at the end of its range is the range's minimum (NaN ignored
    unless all NaN) or maximum (NaN when any), as a partition would put there.
    """
    if not kth:
        return
    part = work[:, lo:hi]
    if len(kth) == 1 and kth[0] == lo:
        out[first] = np.fmin.reduce(part, axis=1)
        return
    if len(kth) == 1 and kth[0] == hi - 1:
        out[first] = np.max(part, axis=1)
        return
    i = len(kth) // 2
    k = kth[i]
    part.partition(k - lo, axis=-1)
    out[first + i] = work[:, k]
    _select(work, lo, k, kth[:i], out, first)
    _select(work, k + 1, hi, kth[i + 1:], out, first + i + 1)


def quantiles_and_order_statistics(draws: ArrayLike, q: ArrayLike, ranks: tuple[int, ...] = (),
                                   axis: int = 0) -> tuple[FloatArray, FloatArray]:
    """Quantiles ``q`` of ``draws`` along ``axis`` and order statistics at ``ranks``.

    The quantiles are those of ``numpy.quantile(draws, q, axis=axis)`` (method ``linear``),
    bit for bit: virtual index ``(n - 1) q``, its floor and the next rank (both the last one,
    numpy's ``-1``, at or past the top), weight ``gamma = index - floor`` (``index + 1`` at the
    top), ``a + (b - a) gamma`` or, for
    ``gamma >= 0.5``, ``b - (b - a)(1 - gamma)``; NaN for a slice holding a NaN. All of it
    from one selection per series (:func:`_order_statistics`).

    Parameters
    ----------
    draws : array (n, ...) with the draws on ``axis``
        Draws (any unit, e.g. simple returns as fractions); ``n >= 1``.
    q : array (m,) of fractions in [0, 1]
        Quantile levels.
    ranks : tuple of int
        0-based ranks in ``[0, n)`` of further order statistics (e.g. :func:`median_se_ranks`).
    axis : int

    Returns
    -------
    (quantiles, order statistics): arrays ``(m, ...)`` and ``(len(ranks), ...)``, ``...`` the
    shape of ``draws`` without ``axis``; unit of the draws.
    """
    f = "quantiles_and_order_statistics"
    x = as_float_array(draws, "draws", f)
    qs = np.asarray(q, dtype=np.float64).reshape(-1)
    if x.ndim == 0 or x.shape[axis] < 1:
        raise InputShapeError(f"{f}: needs at least 1 draw on axis {axis} (got shape {x.shape})")
    if qs.size and not (np.all(qs >= 0.0) and np.all(qs <= 1.0)):
        raise InputShapeError(f"{f}: quantiles must be in [0, 1] (got {qs.tolist()})")
    n = x.shape[axis]
    if any(not 0 <= r < n for r in ranks):
        raise InputShapeError(f"{f}: ranks must be in [0, {n}) (got {list(ranks)})")
    virtual = (n - 1) * qs
    prev = np.floor(virtual)
    nxt = prev + 1
    top = virtual >= n - 1
    prev[top] = -1.0  # numpy's marker of the last rank; its gamma is then index + 1
    nxt[top] = -1.0
    gamma = virtual - prev
    ip = np.where(top, n - 1, prev).astype(np.intp)
    inx = np.where(top, n - 1, nxt).astype(np.intp)
    m = qs.size
    s = _order_statistics(x, [*ip.tolist(), *inx.tolist(), *ranks, n - 1], axis)
    a, b = s[:m], s[m:2 * m]
    g = gamma.reshape((m,) + (1,) * (s.ndim - 1))
    with np.errstate(invalid="ignore"):  # inf - inf: NaN, as numpy.quantile gives
        diff_b_a = b - a
        quant = np.add(a, diff_b_a * g)
        np.subtract(b, diff_b_a * (1 - g), out=quant, where=g >= 0.5)
    nan = np.isnan(s[-1])
    if np.any(nan):
        quant[:, nan] = np.nan
    return cast(FloatArray, quant), s[2 * m:2 * m + len(ranks)]


def probability_standard_error(p: ArrayLike, n: int) -> FloatArray:
    """Binomial standard error ``sqrt(p (1 - p) / n)`` of a share ``p`` (fraction) of ``n`` draws."""
    f = "probability_standard_error"
    a = as_float_array(p, "p", f)
    check_finite(a, "p", f)
    if n < 1:
        raise InputShapeError(f"{f}: n must be >= 1 (got {n})")
    return np.sqrt(np.clip(a, 0.0, 1.0) * (1.0 - np.clip(a, 0.0, 1.0)) / n)
