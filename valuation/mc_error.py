"""Monte Carlo standard errors of ensemble summaries (the median and a probability).

With ``n`` independent draws, the share of draws above 0, ``p_hat``, has the binomial standard
error ``sqrt(p_hat (1 - p_hat) / n)``. The sample median's standard error is taken from the
order statistics, without a density estimate: the ranks ``n/2 -+ z sqrt(n)/2`` bracket the
median with probability ``~ 2 Phi(z) - 1`` (the binomial confidence interval of a quantile), so
``se ~ (x_(hi) - x_(lo)) / (2 z)`` with ``z = 1``. For a normal sample it tends to
``sqrt(pi / 2) sd / sqrt(n)`` (1.2533 sd / sqrt(n)), the textbook value.
"""

from __future__ import annotations

import math
from typing import cast

import numpy as np

from ._types import ArrayLike, FloatArray
from ._validate import as_float_array, check_finite
from .exceptions import InputShapeError

__all__ = ["median_standard_error", "probability_standard_error"]


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
    n = x.shape[axis]
    half = 0.5 * math.sqrt(n)
    lo = max(math.floor(0.5 * n - half), 0)
    hi = min(math.ceil(0.5 * n + half) - 1, n - 1)
    s = np.sort(x, axis=axis)
    return cast(FloatArray, 0.5 * (np.take(s, hi, axis=axis) - np.take(s, lo, axis=axis)))


def probability_standard_error(p: ArrayLike, n: int) -> FloatArray:
    """Binomial standard error ``sqrt(p (1 - p) / n)`` of a share ``p`` (fraction) of ``n`` draws."""
    f = "probability_standard_error"
    a = as_float_array(p, "p", f)
    check_finite(a, "p", f)
    if n < 1:
        raise InputShapeError(f"{f}: n must be >= 1 (got {n})")
    return np.sqrt(np.clip(a, 0.0, 1.0) * (1.0 - np.clip(a, 0.0, 1.0)) / n)
