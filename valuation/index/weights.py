"""Building index weights: market cap (free-float adjusted), equal, tilts and exclusions.

Weights are fractions on the LAST axis (one row per date or per draw: shape ``(n,)`` or
``(rows, n)``), non-negative, and each row sums to 1. Inputs follow :mod:`valuation._validate`
(pandas in -> pandas out). Missing names should be given weight/cap 0, not NaN (NaN raises).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._types import ArrayLike
from .._validate import Inputs
from ..exceptions import InputRangeError, InputTypeError
from ._rows import normalize_rows

__all__ = ["market_cap_weights", "equal_weights", "normalize", "tilt_weights", "exclude"]


def market_cap_weights(market_caps: ArrayLike, free_float: ArrayLike | None = None) -> ArrayLike:
    """Weights proportional to (free-float) market capitalization.

    Args:
        market_caps: market capitalizations (>= 0), any one currency (the weights do not depend on
            it), names on the last axis.
        free_float: optional free-float factors (fractions in [0, 1]) broadcast against
            ``market_caps``; the Hang Seng indexes weight by free-float-adjusted market cap.

    Returns
    -------
        Weights (rows sum to 1) shaped like ``market_caps``.
    """
    f = "market_cap_weights"
    values = {"market_caps": market_caps}
    if free_float is not None:
        values["free_float"] = free_float
    inp = Inputs(f, **values)
    caps = inp.get("market_caps", ge=0.0)
    if free_float is not None:
        ff = inp.get("free_float", ge=0.0, le=1.0, fraction=True)
        shape = inp.broadcast()
        caps = np.broadcast_to(caps * ff, shape)
    if caps.ndim == 0:
        raise InputRangeError(f"{f}: market_caps must have at least one name (got a scalar)")
    return inp.wrap(normalize_rows(caps, "market_caps", f))


def equal_weights(n_or_mask: int | ArrayLike) -> ArrayLike:
    """Return equal weights.

    Equal weights: ``1/n`` for ``n`` names, or ``1/k`` on the True entries of a boolean mask
    (row-wise for a 2-D mask; Series/DataFrame masks give pandas back).
    """
    f = "equal_weights"
    if isinstance(n_or_mask, (int, np.integer)) and not isinstance(n_or_mask, (bool, np.bool_)):
        n = int(n_or_mask)
        if n < 1:
            raise InputRangeError(f"{f}: the number of names must be >= 1 (got {n})")
        return np.full(n, 1.0 / n)
    raw = n_or_mask.to_numpy() if isinstance(n_or_mask, (pd.Series, pd.DataFrame)) else \
        np.asarray(n_or_mask)
    if raw.dtype != np.bool_:
        raise InputTypeError(f"{f}: pass an int (number of names) or a boolean mask "
                             f"(got dtype {raw.dtype})")
    inp = Inputs(f, mask=n_or_mask)
    return inp.wrap(normalize_rows(raw.astype(np.float64), "mask", f))


def normalize(weights: ArrayLike) -> ArrayLike:
    """Scale each row of non-negative weights to sum to 1 (rows with no positive weight raise)."""
    inp = Inputs("normalize", weights=weights)
    w = inp.get("weights", ge=0.0)
    return inp.wrap(normalize_rows(w, "weights", "normalize"))


def tilt_weights(weights: ArrayLike, scores: ArrayLike) -> ArrayLike:
    """Multiply weights by non-negative scores and renormalize: ``w * s / sum(w * s)``.

    A score of 1.2 on one name raises its weight by 20% before renormalization; 0 removes it.
    """
    inp = Inputs("tilt_weights", weights=weights, scores=scores)
    w = inp.get("weights", ge=0.0)
    s = inp.get("scores", ge=0.0)
    shape = inp.broadcast()
    return inp.wrap(normalize_rows(np.broadcast_to(w * s, shape), "weights * scores", "tilt_weights"))


def exclude(weights: ArrayLike, mask: ArrayLike) -> ArrayLike:
    """Drop the names where ``mask`` is True (weight 0) and renormalize the others."""
    f = "exclude"
    raw = mask.to_numpy() if isinstance(mask, (pd.Series, pd.DataFrame)) else np.asarray(mask)
    if raw.dtype != np.bool_:
        raise InputTypeError(f"{f}: mask must be boolean (got dtype {raw.dtype})")
    inp = Inputs(f, weights=weights, mask=mask)
    w = inp.get("weights", ge=0.0)
    keep = 1.0 - inp.get("mask")
    shape = inp.broadcast()
    return inp.wrap(normalize_rows(np.broadcast_to(w * keep, shape), "weights after exclusion", f))
